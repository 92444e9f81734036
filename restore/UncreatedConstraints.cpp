#include "UncreatedConstraints.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "Errors.hpp"
#include "Interrupt.hpp"
#include "KeyViolations.hpp"
#include "ReportOutput.hpp"

namespace pgproof {

bool UncreatedConstraints::run(const PgConnection& conn, const ScriptEntry& e, bool ownConnection) {
    if (e.sql.find_first_not_of(" \n") == std::string::npos) return true;
    std::string sql = ownConnection ? e.sessionSetup() + e.sql : e.sql;
    PgResult res(PQexec(conn.get(), sql.c_str()));
    auto status = PQresultStatus(res.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return true;
    throwIfInterrupted("restoring " + e.label());
    std::string message = statementError(conn.get(), res.get());
    if (message.rfind("ERROR:  ", 0) == 0) message = message.substr(8);
    if (!conn.ok()) throw IncompleteError("connection lost while restoring " + e.label() + ": " + message);
    const char* stateField = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    std::string state = stateField ? stateField : "";
    bool violated = state.rfind("23", 0) == 0;
    std::lock_guard lock(mutex_);
    if (!violated && !(state == "42830" && !failed_.empty()))
        throw IncompleteError("restoring " + e.label() + " failed: " + message);
    UncreatedConstraint c;
    c.entry = e.label();
    c.constraint = e.name;
    c.table = e.schema.empty() || e.schema == "-" ? "" : e.schema;
    c.error = message;
    c.sqlstate = state;
    const char* detail = PQresultErrorField(res.get(), PG_DIAG_MESSAGE_DETAIL);
    c.detail = detail ? detail : "";
    spdlog::warn("{} could not be created: {}{}; the restore goes on and reports it", e.label(), message,
                 c.detail.empty() ? "" : " (" + c.detail + ")");
    failed_.push_back({c, e.sql});
    return false;
}

bool UncreatedConstraints::empty() const {
    std::lock_guard lock(mutex_);
    return failed_.empty();
}

std::vector<UncreatedConstraint> UncreatedConstraints::counted(const PgConnection& conn) const {
    std::lock_guard lock(mutex_);
    std::vector<UncreatedConstraint> out;
    for (const auto& [failed, sql] : failed_) {
        UncreatedConstraint c = failed;
        try {
            auto script = lint::MigrationScript::parse(c.entry, sql);
            for (const auto& st : script.statements()) {
                auto key = lint::keyConstraintOf(st);
                if (!key) continue;
                c.table = (key->schema.empty() ? "" : key->schema + ".") + key->table;
                std::string what = "counting the rows that violate " + c.constraint;
                lint::KeyViolations v;
                if (key->kind == lint::KeyConstraint::Kind::ForeignKey && key->referencedColumns.size() == key->columns.size()) {
                    v = lint::orphanKeys(conn, key->tableSql(), key->columns, key->referencedSql(), key->referencedColumns, 5, what);
                    c.constraint = key->label;
                    c.references = (key->referencedSchema.empty() ? "" : key->referencedSchema + ".") + key->referencedTable;
                } else if (key->kind == lint::KeyConstraint::Kind::Unique) {
                    v = lint::duplicateKeys(conn, key->tableSql(), key->columns, key->nullsNotDistinct, 5, what);
                    c.constraint = key->label;
                } else {
                    break;
                }
                c.rows = v.rows;
                c.keys = v.keys;
                c.samples = v.samples;
                break;
            }
        } catch (const BadInputError& e) {
            spdlog::debug("{}: not counted: {}", c.entry, e.what());
        } catch (const IncompleteError& e) {
            if (!conn.ok()) throw;
            spdlog::warn("{}: the violating rows could not be counted: {}", c.entry, e.what());
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::string describeUncreated(const UncreatedConstraint& c) {
    std::string out = "constraint not created: " + c.constraint + (c.table.empty() ? "" : " on " + c.table) +
                      (c.references.empty() ? "" : " (references " + c.references + ")") + ": ";
    if (c.rows >= 0) {
        std::string list;
        for (const auto& s : c.samples) list += (list.empty() ? "" : ", ") + s;
        if (c.keys > static_cast<long long>(c.samples.size())) list += ", ...";
        out += fmt::format("{} of the archive {} it ({})", withThousands(static_cast<uint64_t>(c.rows)) + (c.rows == 1 ? " row" : " rows"),
                          c.rows == 1 ? "violates" : "violate", list);
    } else {
        out += c.error + (c.detail.empty() ? "" : " (" + c.detail + ")");
    }
    return out;
}

nlohmann::json uncreatedConstraintsJson(const std::vector<UncreatedConstraint>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : list) {
        nlohmann::json j = {{"entry", c.entry}, {"constraint", c.constraint}, {"table", c.table}, {"error", c.error}, {"references", c.references},
                            {"detail", c.detail}, {"sqlstate", c.sqlstate}, {"samples", c.samples}};
        if (c.rows >= 0) {
            j["rows"] = c.rows;
            j["keys"] = c.keys;
        }
        out.push_back(j);
    }
    return out;
}

}  // namespace pgproof
