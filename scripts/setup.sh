#!/usr/bin/env bash
# Installs what modelwatch needs to build, test and benchmark on Debian 12. Idempotent: it asks
# dpkg first and runs apt-get (update + install) only when something is missing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev nlohmann-json3-dev libsimdjson-dev libsqlite3-dev sqlite3
  prometheus-cpp-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libcli11-dev libcurl4-openssl-dev
  libzstd-dev libpq-dev libssl-dev libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # the fuzz targets (make fuzz, make test): clang, and libclang-rt-14-dev for libFuzzer
  clang libclang-rt-14-dev
  # real components the tests and benchmarks run beside modelwatch
  prometheus prometheus-alertmanager wrk curl procps time redis-server nginx libhiredis-dev zstd
  python3 python3-numpy python3-scipy python3-sklearn
  python3-fastapi python3-uvicorn python3-prometheus-client
  # the report test and scripts/report_screenshot.sh render reports in headless Chromium
  chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's prometheus, prometheus-alertmanager, redis-server and nginx packages may start system
# services; our tests and benchmarks run their own instances on loopback ports of their choosing
# (amtool and promtool come with them).
if command -v service >/dev/null 2>&1; then
  for service in prometheus prometheus-alertmanager redis-server nginx; do
    $SUDO service "$service" stop >/dev/null 2>&1 || true
  done
fi
