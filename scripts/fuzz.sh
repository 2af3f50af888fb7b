#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: clang, ASan, UBSan) in its own build folder and runs
# each for SECONDS from its seed corpus (tests/fuzz/corpus/TARGET, copied: new inputs go to the
# work folder, never into the repository). Prints each target's executions and executions per
# second; exits non-zero if a target finds a crash (the input is kept as
# WORKDIR/crash-TARGET-*; turn it into a regression test).
# Usage: ./scripts/fuzz.sh [TARGET|all] [SECONDS]   (default: all, 30 s each)
#        FUZZ_WORK=/path (default build-fuzz/ beside the checkout's build/, one per checkout)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-all}"
seconds="${2:-30}"
work="${FUZZ_WORK:-$root/build-fuzz}"
build="$work/build"
# clang with libFuzzer's runtime (Debian 12: clang-14 and libclang-rt-14-dev), installed when
# missing and running as root.
need=()
command -v clang++ >/dev/null || need+=(clang)
[ -n "$(find /usr/lib/llvm-*/lib/clang -name 'libclang_rt.fuzzer-x86_64.a' 2>/dev/null)" ] ||
  need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz: needs ${need[*]} (apt-get install ${need[*]})" >&2
    exit 2
  fi
  echo "fuzz: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" \
      >/dev/null; }
fi
mkdir -p "$work"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBACKSTOP_FUZZ=ON -DBACKSTOP_BUILD_TESTS=OFF -DBACKSTOP_BUILD_BENCH=OFF >/dev/null
fi
targets=(fuzz_record fuzz_note fuzz_input fuzz_snapshot fuzz_index fuzz_frame)
[ "$target" = all ] || targets=("$target")
if ! cmake --build "$build" --target "${targets[@]}" -- -j"$(nproc)" >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  echo "fuzz: the build failed (whole log: $work/build.log)" >&2
  exit 2
fi
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
