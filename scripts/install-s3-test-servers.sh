#!/usr/bin/env bash
# Installs the npm S3 server of the tests (s3rver, pinned in scripts/s3-test-servers/package-lock.json)
# into .cache/s3-test-servers/ of this checkout, from the npm registry; does nothing when that exact lock
# is already installed. moto (the other test server) and the aws CLI come with the machine image.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/scripts/s3-test-servers"
dest="$root/.cache/s3-test-servers"
if [ -f "$dest/node_modules/.pgproof-lock" ] && cmp -s "$src/package-lock.json" "$dest/node_modules/.pgproof-lock"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-s3-test-servers: npm not found; the S3 tests need Node.js 20 or newer with npm" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
echo "installing the S3 test server (s3rver) into $dest" >&2
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cp "$src/package-lock.json" "$dest/node_modules/.pgproof-lock"
