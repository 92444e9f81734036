#!/usr/bin/env bash
# Installs everything pgproof needs to build, test and benchmark, from Debian's packages.
# Skips apt-get when all packages are already present (fast re-runs, works offline).
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config
  libpq-dev postgresql-15 postgresql-client-15 postgresql-contrib
  libzstd-dev zstd libxxhash-dev libtbb-dev libboost-program-options-dev
  libspdlog-dev libfmt-dev catch2 nlohmann-json3-dev libyaml-cpp-dev libpg-query-dev
  rclone bsdutils dpkg-dev man-db
  groff-base bash-completion zsh faketime
  clang libfuzzer-14-dev libclang-rt-14-dev
  libcurl4-openssl-dev libssl-dev age chromium postgresql-15-cron
)
if [ "${1:-}" = "--bench" ]; then PACKAGES+=(gzip time); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The npm S3 server of the tests, into .cache/ of this checkout (needs only the npm registry).
install_s3_test_servers() { "$(dirname "$0")/install-s3-test-servers.sh"; }
if [ ${#missing[@]} -eq 0 ]; then install_s3_test_servers; exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || true
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
install_s3_test_servers
