#!/usr/bin/env bash
# Installs the tests' small extension (tests/data/extension: a configuration table registered with a
# pg_extension_config_dump filter) into PostgreSQL 15's extension folder. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=/usr/share/postgresql/15/extension
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
for f in tests/data/extension/*; do
  cmp -s "$f" "$dest/$(basename "$f")" 2>/dev/null || $SUDO install -m 644 "$f" "$dest/"
done
