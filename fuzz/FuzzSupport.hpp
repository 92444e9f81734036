#pragma once
// What every fuzz target shares: the project's documented failures (engine/core/Errors.hpp) are the expected
// outcome of bad input; anything else escaping (std::logic_error, std::out_of_range, nlohmann's
// exceptions, a crash, a sanitizer report) is a finding, and libFuzzer stops on it.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "Errors.hpp"

namespace pgproof::fuzz {

template <class F>
void expectDocumentedFailures(F&& body) {
    try {
        body();
    } catch (const BadInputError&) {
    } catch (const ProofFailedError&) {
    } catch (const IncompleteError&) {
    }
}

// A file of this process holding the input, for readers that take a path. Rewritten on every input.
inline const std::string& writeInputFile(const uint8_t* data, size_t size, const char* suffix) {
    static std::string path;
    if (path.empty()) {
        const char* dir = std::getenv("TMPDIR");
        path = std::string(dir && *dir ? dir : "/tmp") + "/pgproof-fuzz-" + std::to_string(getpid()) + suffix;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::perror(path.c_str());
        std::abort();
    }
    return path;
}

}  // namespace pgproof::fuzz
