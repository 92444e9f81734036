#pragma once
// Integer fields of the JSON documents pgproof reads back (manifest and its TOC, snapshot, history):
// nlohmann's get<T>() converts a float such as 1e300 with undefined behaviour and wraps an integer out
// of T's range, so a field must be a JSON integer in range, else std::runtime_error naming it (each
// reader turns that into its documented failure: a damaged manifest, a malformed snapshot, an
// unreadable history record).
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace pgproof {

template <class T>
T integerField(const nlohmann::json& v, const char* what) {
    if (!v.is_number_integer()) throw std::runtime_error(std::string(what) + " is not an integer");
    if (v.is_number_unsigned() ? v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<T>::max())
                               : v.get<int64_t>() < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
                                     (std::is_unsigned_v<T> && v.get<int64_t>() < 0))
        throw std::runtime_error(std::string(what) + " is out of range");
    return v.get<T>();
}

// The same for an optional key of `object`: `absent` when it has none.
template <class T>
T integerField(const nlohmann::json& object, const char* key, T absent) {
    return object.contains(key) ? integerField<T>(object.at(key), key) : absent;
}

}  // namespace pgproof
