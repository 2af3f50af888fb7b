#!/usr/bin/env bash
# Determinism across builds: builds `backstop` with gcc and clang, each at -O0 and -O2, runs
# the same seeded simulations (the crash scenario and a real 1-minute price path from
# ../shared/data) signed by the fixed key in tests/fixtures/golden, and compares the head hash,
# the Merkle root at the head and the state after the last record across the four builds.
# Exit 0 when all agree, 1 otherwise. Needs clang (Debian: clang) besides setup.sh's packages.
# Usage: ./scripts/determinism.sh [WORKDIR]   (default /var/tmp/backstop-determinism; the
# builds are kept there, so a second run only rebuilds what changed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/var/tmp/backstop-determinism}"
key="$root/tests/fixtures/golden/signer.key.pem"
prices="$root/../shared/data/binance_um_btcusdt_perp_1m_2021-05-19.csv"
[ -f "$prices" ] || { echo "determinism: missing $prices (../shared/data)" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "determinism: needs clang++ (apt-get install clang)" >&2; exit 2; }
mkdir -p "$work"

declare -A result
builds=()
for compiler in gcc clang; do
  for opt in O0 O2; do
    name="$compiler-$opt"
    builds+=("$name")
    build="$work/build-$name"
    if [ "$compiler" = gcc ]; then cc=gcc; cxx=g++; else cc=clang; cxx=clang++; fi
    if [ ! -f "$build/build.ninja" ]; then
      CC=$cc CXX=$cxx cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_CXX_FLAGS="-$opt" -DBACKSTOP_BUILD_TESTS=OFF >/dev/null
    fi
    echo "determinism: building $name" >&2
    cmake --build "$build" --target backstop -- -j"$(nproc)" >/dev/null
    backstop="$build/cli/backstop"
    line=""
    for run in "crash --scenario crash --accounts 200 --seed 7" \
               "real --prices $prices --accounts 200 --seed 11"; do
      label="${run%% *}"
      data="$work/data-$name-$label"
      rm -rf "$data"
      # shellcheck disable=SC2086
      "$backstop" simulate ${run#* } --data "$data" --key "$key" --json >"$data.json"
      head_hash=$(jq -r .head_hash "$data.json")
      tree_root=$("$backstop" checkpoint --data "$data" | sed -n 3p)
      state=$("$backstop" replay --json --data "$data" | sha256sum | cut -c1-16)
      line+="$label head ${head_hash:0:16} root ${tree_root:0:16} state $state; "
      rm -rf "$data" "$data.json"
    done
    result[$name]="$line"
    printf '%-10s %s\n' "$name" "$line"
  done
done
first="${result[${builds[0]}]}"
for name in "${builds[@]}"; do
  if [ "${result[$name]}" != "$first" ]; then
    echo "determinism: FAIL: $name differs from ${builds[0]}" >&2
    exit 1
  fi
done
echo "determinism: all ${#builds[@]} builds agree"
