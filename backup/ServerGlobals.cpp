#include "ServerGlobals.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "ArchiveChecker.hpp"
#include "ArchiveReader.hpp"
#include "ArchiveWriter.hpp"
#include "BackupPipeline.hpp"
#include "ChildProcess.hpp"
#include "ConnectionTarget.hpp"
#include "Errors.hpp"
#include "GlobalsScript.hpp"
#include "Interrupt.hpp"
#include "PgConnection.hpp"
#include "PgDumpProgram.hpp"
#include "UtcTime.hpp"

namespace pgproof {

namespace fs = std::filesystem;

fs::path globalsPathFor(const fs::path& archive) {
    std::string name = archive.filename().string();
    const std::string suffix = ".sql.zst";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        name.resize(name.size() - suffix.size());
    return archive.parent_path() / (name + ".globals.sql.zst");
}

nlohmann::json GlobalsResult::reference() const {
    return {{"file", path.filename().string()}, {"manifest_checksum", manifestChecksum}, {"roles", roles}};
}

namespace {

// pg_dumpall of the same installation as the pg_dump chosen for the server (Debian keeps one per major
// version), else the one on PATH.
std::string pgDumpallBeside(const std::string& pgDump) {
    fs::path p = fs::path(pgDump).parent_path() / "pg_dumpall";
    std::error_code ec;
    if (!fs::path(pgDump).parent_path().empty() && fs::exists(p, ec)) return p.string();
    return "pg_dumpall";
}

size_t readChild(int fd, char* buf, size_t cap) {
    while (true) {
        throwIfInterrupted("reading pg_dumpall's output");
        ssize_t n = ::read(fd, buf, cap);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        throw IncompleteError(std::string("reading pg_dumpall's output failed: ") + std::strerror(errno));
    }
}

}  // namespace

GlobalsResult backupGlobals(const GlobalsOptions& o) {
    auto start = std::chrono::steady_clock::now();
    ConnectionTarget target = ConnectionTarget::resolve(o.db);
    PgConnection conn = PgConnection::connect(target, "pgproof backup --globals");
    auto info = conn.exec("SELECT current_user, pg_catalog.current_setting('server_version')", "reading the server version");
    PgDumpProgram pgDump = PgDumpProgram::choose(o.pgDump, conn.serverVersion());
    std::string program = pgDumpallBeside(pgDump.path());

    ArchiveWriter writer(o.output, o.overwrite);
    std::vector<std::string> argv = {program, "--globals-only", "--dbname=" + target.withoutPassword()};
    if (o.noRolePasswords) argv.push_back("--no-role-passwords");
    std::map<std::string, std::string> env;
    if (auto pw = target.password()) env["PGPASSWORD"] = *pw;
    if (!std::getenv("PGAPPNAME")) env["PGAPPNAME"] = "pgproof backup (pg_dumpall)";
    ChildProcess child(argv, env);
    BackupPipelineOptions po;
    po.jobs = o.jobs;
    po.level = o.level;
    BackupPipelineResult r;
    try {
        r = runBackupPipeline([&](char* b, size_t n) { return readChild(child.stdoutFd(), b, n); }, writer, po);
    } catch (...) {
        child.terminate();
        child.wait();
        throw;
    }
    int st = child.wait();
    if (st != 0) {
        std::string why = child.lastErrorLine();
        throw IncompleteError("pg_dumpall --globals-only failed (exit " + std::to_string(st) + "): " + why +
                              (why.find("pg_authid") != std::string::npos
                                   ? " (a role that may not read pg_authid, as on hosted services: add --no-role-passwords)"
                                   : "") +
                              "; no globals were written");
    }
    // The splitter kept every byte; the roles are read back from what was written, so the list describes the file.
    Manifest m;
    m.toolVersion = PGPROOF_VERSION;
    m.created = utcNow();
    m.source = {{"host", PQhost(conn.get()) ? PQhost(conn.get()) : ""},
                {"port", PQport(conn.get()) ? PQport(conn.get()) : ""},
                {"user", info.value(0, 0)},
                {"server_version", info.value(0, 1)},
                {"content", "globals"},
                {"pg_dumpall", {{"path", program}, {"version", pgDump.version()}}},
                {"role_passwords", !o.noRolePasswords}};
    m.settings = nlohmann::json::object();
    m.compressionLevel = o.level;
    m.segments = std::move(r.segments);
    writer.commit(m);

    GlobalsResult res;
    res.path = o.output;
    res.bytes = writer.size();
    if (o.output != "-") {
        ArchiveReader back(o.output);
        res.manifestChecksum = back.manifestChecksumText();
        res.roles = GlobalsScript::read(back).roleNames();
        res.manifest = back.manifest();
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return res;
}

GlobalsResult writeGlobalsBeside(BackupOptions& o, const std::string& archive, bool overwrite, bool noRolePasswords) {
    if (archive == "-") throw BadInputError("--globals writes NAME.globals.sql.zst beside the archive: use -o FILE or --repo DIR "
                                            "(or run pg_dumpall --globals-only | zstd on its own)");
    if (o.fromStdin) throw BadInputError("--globals reads the server's roles: it needs a server, not --from-stdin");
    GlobalsOptions go;
    go.db = o.db;
    go.output = globalsPathFor(archive);
    go.overwrite = overwrite;
    go.noRolePasswords = noRolePasswords;
    go.level = o.level;
    go.jobs = o.compressThreads;
    go.pgDump = o.pgDump;
    GlobalsResult written = backupGlobals(go);
    o.globals = written.reference();
    spdlog::info("globals: {} ({} roles)", written.path.string(), written.roles.size());
    return written;
}

void checkWrittenGlobals(const GlobalsResult& written, int jobs) {
    ArchiveReader reader(written.path);
    if (CheckReport report = checkArchive(reader, jobs); !report.ok())
        throw ProofFailedError("--check: the globals " + written.path.string() + " just written do not read back intact (" +
                               (report.problems.empty() ? std::string("a frame") : report.problems.front()) + "); do not rely on them");
}

}  // namespace pgproof
