#include "RepositoryCommands.hpp"

#include "Errors.hpp"

namespace pgproof::cli {

void addRetentionFlags(po::options_description& options, RetentionFlags& f) {
    options.add_options()("keep-last", po::value(&f.keepLast)->value_name("N"),
        "keep the N newest full backups of each database (partial ones only in addition: docs/REPOSITORY.md)")(
        "keep-days", po::value(&f.keepDays)->value_name("D"), "keep every backup younger than D days")(
        "keep-daily", po::value(&f.keepDaily)->value_name("D"), "keep the newest backup of each of the D newest days that have one (UTC)")(
        "keep-weekly", po::value(&f.keepWeekly)->value_name("W"), "keep the newest backup of each of the W newest ISO weeks that have one")(
        "keep-monthly", po::value(&f.keepMonthly)->value_name("M"), "keep the newest backup of each of the M newest months that have one")(
        "remove-damaged", po::bool_switch(&f.removeDamaged),
        "also remove damaged archives: incomplete, or found damaged by a check (kept and listed otherwise)");
}

std::optional<repository::RetentionPolicy> retentionPolicy(const po::variables_map& vm, const RetentionFlags& f) {
    bool any = vm.count("keep-last") || vm.count("keep-days") || vm.count("keep-daily") || vm.count("keep-weekly") ||
               vm.count("keep-monthly");
    if (!any) return std::nullopt;
    if (!vm.count("keep-last")) throw BadInputError("--keep-last N is required with a retention policy (it is the floor: pass 0 to rely on the other rules)");
    if (f.keepLast < 0) throw BadInputError("--keep-last must be 0 or more, got " + std::to_string(f.keepLast));
    if (vm.count("keep-days") && !(f.keepDays > 0)) throw BadInputError("--keep-days must be more than 0");
    if (f.keepDaily < 0 || f.keepWeekly < 0 || f.keepMonthly < 0) throw BadInputError("--keep-daily, --keep-weekly and --keep-monthly must be 0 or more");
    repository::RetentionPolicy p;
    p.keepLast = static_cast<size_t>(f.keepLast);
    if (vm.count("keep-days")) p.keepDays = f.keepDays;
    p.keepDaily = static_cast<size_t>(f.keepDaily);
    p.keepWeekly = static_cast<size_t>(f.keepWeekly);
    p.keepMonthly = static_cast<size_t>(f.keepMonthly);
    p.removeDamaged = f.removeDamaged;
    return p;
}

}  // namespace pgproof::cli
