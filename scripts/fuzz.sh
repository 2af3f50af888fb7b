#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: clang, ASan, UBSan) in its own build folder and runs
# each for SECONDS from its seed corpus (tests/fuzz/corpus/TARGET, copied: new inputs go to the
# work folder, never into the repository). Prints each target's executions and executions per
# second; exits non-zero if a target finds a crash (the input is kept as
# WORKDIR/crash-TARGET-*; turn it into a regression test).
# Usage: ./scripts/fuzz.sh [TARGET|all] [SECONDS]   (default: all, 30 s each)
#        FUZZ_WORK=/path (default /var/tmp/backstop-fuzz)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-all}"
seconds="${2:-30}"
work="${FUZZ_WORK:-/var/tmp/backstop-fuzz}"
build="$work/build"
command -v clang++ >/dev/null || { echo "fuzz: needs clang (apt-get install clang)" >&2; exit 2; }
mkdir -p "$work"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBACKSTOP_FUZZ=ON -DBACKSTOP_BUILD_TESTS=OFF -DBACKSTOP_BUILD_BENCH=OFF >/dev/null
fi
targets=(fuzz_record fuzz_note fuzz_input fuzz_frame)
[ "$target" = all ] || targets=("$target")
cmake --build "$build" --target "${targets[@]}" -- -j"$(nproc)" >/dev/null
status=0
for name in "${targets[@]}"; do
  corpus="$work/corpus-$name"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/${name#fuzz_}"/* "$corpus/" 2>/dev/null || true
  log="$work/$name.log"
  if ! "$build/tests/fuzz/$name" "$corpus" -max_total_time="$seconds" -max_len=70000 \
      -print_final_stats=1 -artifact_prefix="$work/crash-$name-" >"$log" 2>&1; then
    echo "fuzz: $name FOUND A CRASH: see $log and $work/crash-$name-*" >&2
    status=1
  fi
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  printf '%-14s %12s executions %10s per second  (%s s)\n' "$name" "${runs:-?}" "${rate:-?}" \
    "$seconds"
done
exit $status
