#!/usr/bin/env bash
# Regenerates the seed corpora of the splitter, toc, frames and history fuzz targets (fuzz/corpus/NAME), and
# the archive seed of the archive and baseline targets, from real pg_dump output and real archives, cut to a
# few KB each:
#   fuzz/make-seeds.sh           from the repository alone: excerpts of tests/data/pagila (pg_dump 14 and 17
#                                output), an archive of the data excerpt (pgproof backup --from-stdin) and its history
#   fuzz/make-seeds.sh --server  also from a throwaway PostgreSQL (scripts/pg-cluster.sh): pg_dump 15 of
#                                tests/data/awkward.sql (\restrict, large objects, partitions loaded via the root),
#                                an archive of it (pgproof backup --repo), and the history of a backup, check,
#                                drill, verify, two restores (one that could not connect) and a damaged copy's check
# PGPROOF=PATH picks the pgproof binary (default build/cli/pgproof). Archives change with every run (times,
# hosts): the committed seeds are one such run; a rerun replaces them. The regression inputs of tests/data/fuzz
# are not touched (they stay in the corpora as they were found).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pgproof="${PGPROOF:-$root/build/cli/pgproof}"
[ -x "$pgproof" ] || { echo "no pgproof at $pgproof: build it first (scripts/build.sh) or set PGPROOF" >&2; exit 2; }
server=0
[ "${1:-}" = "--server" ] && server=1
corpus=fuzz/corpus
mkdir -p "$corpus"/{splitter,toc,frames,history,archive,baseline}
tmp=$(mktemp -d)
cleanup() {
    [ -n "${PGPROOF_CLUSTER_DIR:-}" ] && scripts/pg-cluster.sh stop "$PGPROOF_CLUSTER_DIR"
    rm -rf "$tmp"
}
trap cleanup EXIT

# A pg_dump script cut to seed size: the preamble, the entries named in KEEP ('|' between names; all when
# empty), the closing comment; at most 3 rows per COPY block, rows cut to 120 bytes, large objects' lowrite
# data to 32 hex digits. Every line kept is pg_dump's own.
excerpt() {  # excerpt FILE KEEP
    LC_ALL=C awk -v rows=3 -v keep="$2" '
        BEGIN { n = split(keep, k, "|"); for (i = 1; i <= n; i++) want[k[i]] = 1 }
        { line[NR] = $0 }
        END {
            on = 1; inrows = 0
            for (i = 1; i <= NR; i++) {
                l = line[i]
                if (!inrows && l == "--" && i < NR && line[i + 1] ~ /^-- (Data for )?Name: /) {
                    name = line[i + 1]; sub(/^-- (Data for )?Name: /, "", name); sub(/; Type: .*/, "", name)
                    on = keep == "" || (name in want)
                } else if (!inrows && l == "--" && i < NR && line[i + 1] == "-- PostgreSQL database dump complete") {
                    on = 1
                }
                if (inrows) {
                    if (l == "\\.") { inrows = 0; if (on) print l }
                    else if (on && ++r <= rows) { if (length(l) > 120) { l = substr(l, 1, 120); sub(/\\+$/, "", l) } print l }
                    continue
                }
                if (l ~ /^COPY .* FROM stdin;$/) { inrows = 1; r = 0 }
                if (l ~ /^SELECT pg_catalog\.lowrite\(0, / && length(l) > 80) l = substr(l, 1, 64) "'\'');"
                if (on) print l
            }
        }' "$1"
}

# The frames of an archive, one seed each (fuzz_frames.cpp: the manifest's raw size, 8 bytes little endian,
# then the compressed frame), for frames of at most 4 KiB compressed and 64 KiB raw.
frames() {  # frames ARCHIVE PREFIX
    "$pgproof" inspect "$1" --json - | awk '
        /"compressed": / { c = $2 + 0 } /"offset": / { o = $2 + 0 } /"raw": / { print o, c, $2 + 0 }' |
    while read -r offset compressed raw; do
        [ "$compressed" -le 4096 ] && [ "$raw" -le 65536 ] || continue
        out="$corpus/frames/$2-$offset.frame"
        for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(( (raw >> (8 * i)) & 255 )))"; done >"$out"
        tail -c +$((offset + 1)) "$1" | head -c "$compressed" >>"$out"
    done
}

# The manifest's table of contents as one JSON line (a fuzz_toc input starting with '[').
tocOf() {  # tocOf ARCHIVE
    "$pgproof" inspect "$1" --json "$tmp/manifest.json" >/dev/null
    awk '/^  "toc": \[/ { on = 1; print "["; next } on && /^  \]/ { print "]"; on = 0 } on' "$tmp/manifest.json" |
        sed 's/^ *//' | tr -d '\n'
    echo
}

# --- From the repository alone -------------------------------------------------------------------------
pagila=tests/data/pagila
excerpt "$pagila/pagila-data.sql" "actor|language|film|payment_p2007_01|payment_p2007_02|actor_actor_id_seq|film_film_id_seq" \
    >"$corpus/splitter/pagila-data-excerpt.sql"
excerpt "$pagila/pagila-schema.sql" "legacy|mpaa_rating|year|_group_concat(text, text)|group_concat(text)|rental_rental_id_seq|rental|VIEW sales_by_film_category|payment_p0000_default|actor actor_pkey_incl|film_fulltext_idx|film film_fulltext_trigger|rental rental_inventory_id_fkey|make_payment_data_current()" \
    >"$corpus/splitter/pagila-schema-excerpt.sql"
cp "$corpus/splitter/pagila-data-excerpt.sql" "$corpus/splitter/pagila-schema-excerpt.sql" "$corpus/toc/"
(cd "$tmp" && env -u PGHOST -u PGPORT -u PGDATABASE "$pgproof" backup --repo repo --name pagila --from-stdin \
    <"$root/$corpus/splitter/pagila-data-excerpt.sql" >/dev/null)
archive=$(ls "$tmp"/repo/pagila/*.sql.zst)
"$pgproof" check "$archive" --jobs 1 >/dev/null
frames "$archive" pagila-data
# The whole archive, for the archive and baseline targets (named .pgproof: .gitignore leaves out *.sql.zst).
cp "$archive" "$corpus/archive/pagila-data-excerpt.pgproof"
cp "$archive" "$corpus/baseline/pagila-data-excerpt.pgproof"
tocOf "$archive" >"$corpus/toc/pagila-data-toc.json"
cp "${archive%.sql.zst}.history.jsonl" "$corpus/history/pagila-backup-check.jsonl"

# --- From a throwaway PostgreSQL -----------------------------------------------------------------------
if [ "$server" = 1 ]; then
    eval "$(scripts/pg-cluster.sh start)"
    createdb awkward
    psql -q -X -v ON_ERROR_STOP=1 -d awkward -f tests/data/awkward.sql >/dev/null
    pg_dump -d awkward >"$tmp/awkward.sql"
    excerpt "$tmp/awkward.sql" "" >"$corpus/splitter/awkward-dump-excerpt.sql"
    cp "$corpus/splitter/awkward-dump-excerpt.sql" "$corpus/toc/"
    repo="$tmp/awkward-repo"
    "$pgproof" backup --repo "$repo" --db awkward --jobs 1 >/dev/null
    archive=$(ls "$repo"/awkward/*.sql.zst)
    history="${archive%.sql.zst}.history.jsonl"
    "$pgproof" check "$archive" --jobs 1 >/dev/null
    "$pgproof" drill "$archive" --jobs 1 >/dev/null
    "$pgproof" verify --baseline "$archive" --db awkward --jobs 1 >/dev/null
    "$pgproof" restore "$archive" --db "host=$tmp/no-such-server dbname=x" >/dev/null 2>&1 || true  # recorded: incomplete
    createdb awkward_restored
    "$pgproof" restore "$archive" --db awkward_restored --no-verify --jobs 1 >/dev/null  # recorded: not verified
    frames "$archive" awkward
    tocOf "$archive" >"$corpus/toc/awkward-toc.json"
    cp "$history" "$corpus/history/awkward-runs.jsonl"
    # A copy with one byte of its first frame changed: its check is recorded as failed.
    damaged="$repo/awkward/awkward-20261203T150000Z.sql.zst"
    cp "$archive" "$damaged"
    printf '\xff' | dd of="$damaged" bs=1 seek=200 conv=notrunc status=none
    "$pgproof" check "$damaged" --jobs 1 >/dev/null 2>&1 || true
    cp "${damaged%.sql.zst}.history.jsonl" "$corpus/history/awkward-damaged-check.jsonl"
    # A writer killed in the middle of the drill's record, then the next check: the torn line stays, the
    # check's record starts on a line of its own.
    torn="$repo/awkward/awkward-20261203T160000Z.sql.zst"
    cp "$archive" "$torn"
    head -c $(($(head -2 "$history" | wc -c) + 90)) "$history" >"${torn%.sql.zst}.history.jsonl"
    "$pgproof" check "$torn" --jobs 1 >/dev/null
    cp "${torn%.sql.zst}.history.jsonl" "$corpus/history/awkward-torn-then-check.jsonl"
fi
# A history whose writer was killed in the middle of its last record (nothing after it).
head -c $(($(wc -c <"$corpus/history/pagila-backup-check.jsonl") - 40)) "$corpus/history/pagila-backup-check.jsonl" \
    >"$corpus/history/pagila-torn-last.jsonl"
ls -l "$corpus"/{splitter,toc,frames,history}
