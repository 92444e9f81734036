#include "CancelRegistry.hpp"

#include <signal.h>

namespace pgproof {

CancelRegistry::Registration& CancelRegistry::Registration::operator=(Registration&& other) noexcept {
    if (this != &other) {
        reset();
        id_ = other.id_;
        other.id_ = 0;
    }
    return *this;
}

void CancelRegistry::Registration::reset() {
    if (id_) CancelRegistry::instance().remove(id_);
    id_ = 0;
}

CancelRegistry& CancelRegistry::instance() {
    // Never destroyed: the watcher thread may still use it while static destructors run at exit.
    static CancelRegistry* registry = new CancelRegistry();
    return *registry;
}

CancelRegistry::Registration CancelRegistry::addConnection(PGconn* conn) {
    PGcancel* cancel = conn ? PQgetCancel(conn) : nullptr;
    if (!cancel) return Registration();
    std::lock_guard lock(mutex_);
    uint64_t id = nextId_++;
    entries_[id] = Entry{cancel, -1};
    return Registration(id);
}

CancelRegistry::Registration CancelRegistry::addChild(pid_t pid) {
    if (pid <= 0) return Registration();
    std::lock_guard lock(mutex_);
    uint64_t id = nextId_++;
    entries_[id] = Entry{nullptr, pid};
    return Registration(id);
}

void CancelRegistry::remove(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    if (it->second.cancel) PQfreeCancel(it->second.cancel);
    entries_.erase(it);
}

void CancelRegistry::stopAll() {
    // Under the lock: an entry cannot be freed (or its child reaped, see ChildProcess::wait) meanwhile.
    std::lock_guard lock(mutex_);
    for (auto& [id, e] : entries_) {
        if (e.child > 0) {
            ::kill(e.child, SIGTERM);
            continue;
        }
        // A failed request (server unreachable) leaves that statement running; the run still ends in 3.
        char err[256];
        PQcancel(e.cancel, err, sizeof err);
    }
}

}  // namespace pgproof
