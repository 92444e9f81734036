#pragma once
// Everything that works on pgproof's behalf outside this process and must stop when the run is
// interrupted: the server's statements on every live libpq connection (stopped with PQcancel) and
// child programs such as pg_dump (sent SIGTERM). PgConnection and ChildProcess register themselves
// for their lifetime; the interrupt watcher (Interrupt.cpp) calls stopAll() once a signal arrived.
// Thread-safe; not for use inside a signal handler.
#include <libpq-fe.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>

namespace pgproof {

class CancelRegistry {
public:
    // Unregisters on destruction (or move-assignment over it). Movable, so that its owner can be.
    class Registration {
    public:
        Registration() = default;
        ~Registration() { reset(); }
        Registration(Registration&& other) noexcept : id_(other.id_) { other.id_ = 0; }
        Registration& operator=(Registration&& other) noexcept;
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;
        void reset();

    private:
        friend class CancelRegistry;
        explicit Registration(uint64_t id) : id_(id) {}
        uint64_t id_ = 0;
    };

    static CancelRegistry& instance();

    // The connection's cancel key is copied (PQgetCancel), so a cancel never touches the PGconn itself,
    // which its owning thread may be using. A connection without a cancel key registers nothing.
    Registration addConnection(PGconn* conn);
    Registration addChild(pid_t pid);

    // Asks the server to cancel whatever each registered connection is running, and sends SIGTERM to
    // each registered child. Statements that finish first are unaffected; an idle connection ignores it.
    void stopAll();

private:
    CancelRegistry() = default;
    void remove(uint64_t id);

    struct Entry {
        PGcancel* cancel = nullptr;  // owned; freed with PQfreeCancel
        pid_t child = -1;
    };
    std::mutex mutex_;
    uint64_t nextId_ = 1;
    std::map<uint64_t, Entry> entries_;
};

}  // namespace pgproof
