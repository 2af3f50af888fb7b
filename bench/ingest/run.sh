#!/usr/bin/env bash
# End-to-end `backstop ingest` of a realistic JSONL stream (the engine tests' seeded stream:
# 2,000 accounts, 4 markets, orders, cancels, marks that trend and crash, funding, deposits,
# withdrawals) into a fresh log in each signing mode, one after the other in one run: input
# commands/s and records/s, wall clock, from the command's start to its exit (recovery of the
# empty log, parsing, the engine, encoding, signing, the synced group commits).
# Usage: bench/ingest/run.sh [INPUTS] [WORKDIR]     (default 500000 inputs, /var/tmp/...)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BACKSTOP_BUILD:-$root/build}"
inputs="${1:-500000}"
work="${2:-/var/tmp/backstop-ingest-bench}"
backstop="$build/cli/backstop"
for binary in "$backstop" "$build/bench/ingest/make_ingest_stream"; do
  [ -x "$binary" ] || { echo "run.sh: build it first: ninja -C $build $(basename "$binary")" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"
"$build/bench/ingest/make_ingest_stream" "$inputs" 42 >"$work/stream.jsonl"
"$backstop" keygen --out "$work/venue" >/dev/null
echo "ingest of $inputs commands ($(du -h "$work/stream.jsonl" | cut -f1) of JSONL), $(nproc) cores"
printf '%-12s %10s %12s %12s %14s\n' mode seconds records inputs/s records/s
for mode in checkpoint every; do
  data="$work/$mode"
  "$backstop" init --data "$data" --key "$work/venue.key.pem" --sign "$mode" >/dev/null
  start=$(date +%s%N)
  "$backstop" ingest "$work/stream.jsonl" --data "$data" --key "$work/venue.key.pem" --json \
    >"$work/$mode.json" 2>"$work/$mode.stderr"  # One line per engine refusal.
  ns=$(( $(date +%s%N) - start ))
  records=$(jq -r '.head_seq' "$work/$mode.json")
  printf '%-12s %10s %12s %12s %14s\n' "$mode" "$((ns / 1000000))ms" "$records" \
    "$((inputs * 1000000000 / ns))" "$((records * 1000000000 / ns))"
done
rm -rf "$work"
