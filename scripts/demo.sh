#!/usr/bin/env bash
# The pgproof demo, from a fresh machine: installs dependencies, builds, starts a throwaway
# PostgreSQL, creates a small sample database, and walks through the deployment checklist:
# backup -> check -> inspect -> migration -> verify with a plan -> a broken migration caught ->
# rollback restore -> restore drill. The cluster is always stopped and removed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
echo "building pgproof (log: /tmp/pgproof-demo-build.log)..." >&2
dir=$(scripts/build.sh 2>/tmp/pgproof-demo-build.log) || { cat /tmp/pgproof-demo-build.log >&2; exit 1; }
pgproof="$root/$dir/cli/pgproof"
eval "$("$root/scripts/pg-cluster.sh" start)"
work=$(mktemp -d /tmp/pgproof-demo.XXXXXX)
cleanup() { "$root/scripts/pg-cluster.sh" stop "$PGPROOF_CLUSTER_DIR"; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
demo=scripts/demo
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }
run() { step "$1" "${*:2}"; "${@:2}"; }

createdb shop
psql -qX -v ON_ERROR_STOP=1 -d shop -f "$demo/sample.sql"

run "1. Pre-deploy backup (counts and fingerprints recorded at one snapshot)" \
  "$pgproof" backup -o "$work/shop.sql.zst" --db shop --plan "$demo/plan.yaml"
run "2. Prove the archive intact, without a database" "$pgproof" check "$work/shop.sql.zst"
run "3. What the archive holds" "$pgproof" inspect "$work/shop.sql.zst"
step "   Stock tools read it too" "zstd -dc shop.sql.zst | head -5"
zstd -dc "$work/shop.sql.zst" | head -5 || true

createdb shop_broken
run "4. Rollback restore into a new database (here: a copy to break later)" \
  "$pgproof" restore "$work/shop.sql.zst" --db shop_broken --quiet

step "5. The release's migration" "psql -d shop -f migration.sql"
psql -qX -v ON_ERROR_STOP=1 -d shop -f "$demo/migration.sql"
run "6. Post-deploy verification with the release's plan: must be PROVEN" \
  "$pgproof" verify --baseline "$work/shop.sql.zst" --db shop --plan "$demo/plan.yaml"

step "7. The same migration with the usual mistakes" "psql -d shop_broken -f migration-broken.sql"
psql -qX -v ON_ERROR_STOP=1 -d shop_broken -f "$demo/migration-broken.sql"
step "8. pgproof catches every one of them (exit 1: do not proceed)" \
  "$pgproof verify --baseline shop.sql.zst --db shop_broken --plan plan.yaml --mode no-loss"
set +e
"$pgproof" verify --baseline "$work/shop.sql.zst" --db shop_broken --plan "$demo/plan.yaml" --mode no-loss
code=$?
set -e
echo "exit code: $code"
[ "$code" = 1 ] || { echo "demo: expected the broken migration to fail verification with exit 1" >&2; exit 1; }

run "9. Quarterly restore drill: scratch database, timed, report, dropped afterwards" \
  "$pgproof" drill "$work/shop.sql.zst" --report "$work/drill.md"
step "   The drill report (markdown, for the audit)" "head -20 drill.md"
head -20 "$work/drill.md"
printf '\nDemo complete: backup, check, inspect, verify (pass and fail), restore and drill all ran against a real PostgreSQL.\n'
