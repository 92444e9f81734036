#include "RoleProvisioning.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <set>

#include "ArchiveReader.hpp"
#include "Errors.hpp"
#include "S3Url.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

namespace {

struct Token {
    std::string text;
    bool quoted = false;  // a "quoted identifier"
    bool is(const char* word) const {
        if (quoted || text.size() != std::strlen(word)) return false;
        for (size_t i = 0; i < text.size(); ++i)
            if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) return false;
        return true;
    }
};

// SQL split into words, quoted identifiers and single punctuation characters; string literals become one
// "'" token (their contents never name a role).
std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> out;
    size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '"') {
            size_t p = i;
            auto id = parseIdent(s, p);
            if (!id) break;
            out.push_back({*id, true});
            i = p;
        } else if (c == '\'') {
            for (++i; i < s.size(); ++i) {
                if (s[i] != '\'') continue;
                if (i + 1 < s.size() && s[i + 1] == '\'') {
                    ++i;
                    continue;
                }
                break;
            }
            ++i;
            out.push_back({"'", false});
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
            size_t p = i;
            while (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])) || s[p] == '_' || s[p] == '$' ||
                                    static_cast<unsigned char>(s[p]) >= 0x80))
                ++p;
            out.push_back({std::string(s.substr(i, p - i)), false});
            i = p;
        } else {
            out.push_back({std::string(1, c), false});
            ++i;
        }
    }
    return out;
}

// Role names in a list "a, "B", PUBLIC" starting at token i.
void roleList(const std::vector<Token>& t, size_t i, std::set<std::string>& out) {
    while (i < t.size()) {
        if (t[i].is("GROUP")) ++i;
        if (i >= t.size()) return;
        const Token& name = t[i];
        if (!name.quoted && (name.text == ";" || name.is("WITH") || name.is("GRANTED") || name.is("CASCADE") || name.is("RESTRICT"))) return;
        if (!name.is("PUBLIC") && (name.quoted || std::isalnum(static_cast<unsigned char>(name.text[0])) || name.text[0] == '_'))
            out.insert(name.text);
        if (i + 1 >= t.size() || t[i + 1].text != ",") return;
        i += 2;
    }
}

void rolesOfStatement(const std::vector<Token>& t, std::set<std::string>& out) {
    for (size_t i = 0; i + 1 < t.size(); ++i) {
        if (t[i].is("OWNER") && t[i + 1].is("TO") && i + 2 < t.size()) roleList(t, i + 2, out);
        if (t[i].is("FOR") && t[i + 1].is("ROLE") && i + 2 < t.size()) roleList(t, i + 2, out);
        if (t[i].is("SESSION") && t[i + 1].is("AUTHORIZATION") && i + 2 < t.size() && !t[i + 2].is("DEFAULT")) roleList(t, i + 2, out);
    }
    // GRANT ... TO list / REVOKE ... FROM list (the last TO / FROM: object names come before it).
    for (size_t g = 0; g < t.size(); ++g) {
        const bool grant = t[g].is("GRANT"), revoke = t[g].is("REVOKE");
        if (!grant && !revoke) continue;
        if (revoke && g + 1 < t.size() && t[g + 1].is("GRANT")) ++g;  // REVOKE GRANT OPTION FOR
        size_t at = t.size();
        for (size_t i = g + 1; i < t.size(); ++i)
            if (t[i].is(grant ? "TO" : "FROM")) at = i;
        if (at + 1 < t.size()) roleList(t, at + 1, out);
        break;
    }
}

}  // namespace

std::vector<std::string> rolesNamedBy(const std::vector<ScriptEntry>& entries) {
    std::set<std::string> out;
    for (const auto& e : entries) {
        const bool privileges = isPrivilegeEntry(e);
        if (!privileges && !hasOwnerStatement(e)) continue;
        auto tokens = tokenize(e.sql);
        std::vector<Token> statement;
        for (auto& tok : tokens) {
            statement.push_back(tok);
            if (tok.text != ";" || tok.quoted) continue;
            // Only the owner statement of an ordinary entry: other statements name objects, not roles.
            if (privileges || (statement.size() > 2 && statement[0].is("ALTER"))) rolesOfStatement(statement, out);
            statement.clear();
        }
    }
    return {out.begin(), out.end()};
}

GlobalsScript readGlobals(const std::string& file, std::string& checksum) {
    std::error_code ec;
    if (!S3Url::is(file) && !std::filesystem::exists(file, ec)) throw BadInputError("--globals " + file + ": no such file");
    ArchiveReader reader{std::filesystem::path(file)};
    checksum = reader.manifestChecksumText();
    return GlobalsScript::read(reader);
}

std::optional<RecordedGlobals> recordedGlobals(const Manifest& manifest) {
    auto ref = manifest.source.find("globals");
    if (ref == manifest.source.end() || !ref->is_object()) return std::nullopt;
    return RecordedGlobals{ref->value("file", ""), ref->value("manifest_checksum", "")};
}

std::optional<GlobalsScript> globalsOf(const std::filesystem::path& archive, const Manifest& manifest, const std::string& given) {
    const auto recorded = recordedGlobals(manifest);
    if (!recorded && given.empty()) return std::nullopt;
    std::filesystem::path file = given.empty() ? archive.parent_path() / recorded->file : std::filesystem::path(given);
    // Beside an object in a bucket, the globals are an object too, read through the one opener (which
    // names a missing object itself); a --globals FILE that is missing is named by readGlobals.
    std::error_code ec;
    if (given.empty() && !S3Url::is(file.string()) && !std::filesystem::exists(file, ec))
        throw BadInputError("the archive was backed up with --globals, but its globals " + file.string() +
                            " are missing; put them back beside the archive, give them with --globals FILE "
                            "(or create the roles it needs yourself)");
    std::string checksum;
    GlobalsScript globals = readGlobals(file.string(), checksum);
    if (recorded && checksum != recorded->manifestChecksum)
        throw ProofFailedError("the globals " + file.string() + " are not the ones archive " + archive.string() +
                               " was written with (their manifest checksum differs from the one the archive records)");
    return globals;
}

RoleCreation createMissingRoles(const PgConnection& conn, const GlobalsScript& globals, const std::vector<std::string>& needed,
                                const std::function<void(const std::string&)>& onCreated) {
    std::set<std::string> existing;
    auto r = conn.exec("SELECT rolname FROM pg_catalog.pg_roles", "listing the target's roles");
    for (int i = 0; i < r.rows(); ++i) existing.insert(r.value(i, 0));
    RoleCreation out;
    std::set<std::string> visiting, created;
    // Depth first: the roles a role is a member of exist before its GRANT runs.
    std::function<void(const std::string&)> create = [&](const std::string& name) {
        if (existing.count(name) || created.count(name) || visiting.count(name)) return;
        const GlobalRole* role = globals.find(name);
        if (!role) {
            out.missing.push_back(name);
            return;
        }
        visiting.insert(name);
        for (const auto& m : role->memberOf) create(m.role);
        for (const auto& s : role->statements) conn.exec(s, "creating role " + name + " from the archive's globals");
        created.insert(name);
        out.created.push_back(name);
        if (onCreated) onCreated(name);
        for (const auto& m : role->memberOf)
            if (existing.count(m.role) || created.count(m.role)) conn.exec(m.statement, "granting role " + m.role + " to " + name);
        visiting.erase(name);
    };
    for (const auto& n : needed) create(n);
    return out;
}

std::vector<std::string> dropCreatedRoles(const PgConnection& conn, const std::vector<std::string>& roles) {
    std::vector<std::string> problems;
    for (auto it = roles.rbegin(); it != roles.rend(); ++it) {
        try {
            conn.exec("DROP ROLE IF EXISTS " + quoteIdent(*it), "dropping role " + *it + " the drill created");
        } catch (const std::exception& e) {
            problems.push_back(e.what());
        }
    }
    return problems;
}

std::vector<std::string> provideRoles(const PgConnection& leader, const RestoreOptions& o, const std::filesystem::path& archive,
                                      const Manifest& m, const std::vector<ScriptEntry>& entries) {
    auto needed = rolesNamedBy(entries);
    if (needed.empty()) return {};
    std::optional<GlobalsScript> globals = o.createRoles ? globalsOf(archive, m, o.globals) : std::nullopt;
    std::vector<std::string> created;
    if (globals) {
        RoleCreation c = createMissingRoles(leader, *globals, needed, [&](const std::string& role) {
            created.push_back(role);
            if (o.roleCreated) o.roleCreated(role);
        });
        if (!c.created.empty() && o.log) {
            std::string list;
            for (const auto& r : c.created) list += (list.empty() ? "" : ", ") + r;
            o.log("created " + std::to_string(c.created.size()) + " role(s) the archive needs from its globals: " + list);
        }
    }
    // Every role the archive names must exist on the target, or the restore would stop halfway.
    std::string list;
    for (const auto& r : needed) list += (list.empty() ? "" : "\n") + r;
    auto missing = leader.execParams("SELECT o FROM pg_catalog.unnest(pg_catalog.string_to_array($1, E'\\n')) AS o WHERE o NOT IN "
                                     "(SELECT rolname FROM pg_catalog.pg_roles) ORDER BY 1",
                                     {list}, "checking that the archive's roles exist on the target");
    if (missing.rows() > 0) {
        std::string names;
        for (int i = 0; i < missing.rows() && i < 5; ++i) names += (i ? ", " : "") + missing.value(i, 0);
        const bool many = missing.rows() > 1;
        throw BadInputError("role" + std::string(many ? "s " : " ") + names + " named in the archive (as owner or grantee) " +
                            (many ? "do" : "does") + " not exist on the target" + (created.empty() ? "; nothing was changed" : "") +
                            ". Create " + (many ? "them" : "it") +
                            (globals ? " (the archive's globals do not define " + std::string(many ? "them" : "it") + ")"
                                     : " (or back up with --globals: restore then creates the roles an archive needs)") +
                            ", or restore with --no-owner and --no-privileges");
    }
    return created;
}

}  // namespace pgproof
