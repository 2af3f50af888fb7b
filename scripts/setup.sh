#!/usr/bin/env bash
# Installs what backstop needs (Debian 12, as root), then configures and builds Release.
# Idempotent: packages already present are not reinstalled; the build is incremental.
# Sourced by demo.sh and test.sh; usable alone: BACKSTOP_BUILD=dir ./scripts/setup.sh
set -euo pipefail

BACKSTOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKSTOP_BUILD="${BACKSTOP_BUILD:-$BACKSTOP_ROOT/build}"

packages=(cmake ninja-build g++ pkg-config ccache librocksdb-dev rocksdb-tools capnproto
  libcapnp-dev libboost-dev libssl-dev openssl libsodium-dev libgtest-dev libgmock-dev
  libbenchmark-dev libcli11-dev libfmt-dev libhowardhinnant-date-dev nlohmann-json3-dev xxd jq
  golang-go golang-golang-x-mod-dev chromium libspdlog-dev libjemalloc-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages and not root; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The HTML report's chart library (uPlot), pinned by report/web/package-lock.json and embedded
# in the binary at build time (docs/REPORT.md).
if [ ! -f "$BACKSTOP_ROOT/report/web/node_modules/uplot/dist/uPlot.iife.min.js" ]; then
  (cd "$BACKSTOP_ROOT/report/web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

if [ ! -f "$BACKSTOP_BUILD/build.ninja" ]; then
  cmake -S "$BACKSTOP_ROOT" -B "$BACKSTOP_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BACKSTOP_BUILD" -- -j"$(nproc)"
export BACKSTOP_ROOT BACKSTOP_BUILD
