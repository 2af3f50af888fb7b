#!/usr/bin/env bash
# How much of a long ingest goes to RocksDB's compactions, per column family: `backstop ingest`
# of the seeded engine stream (bench/ingest/run.sh's) into a fresh log, then the compaction
# jobs the log's RocksDB LOG files record (the column family each job compacted, its CPU time
# and the records it read). Compaction work that grows with the log shows as a larger share
# of the CPU in a longer run: compare, say, 400000 and 2000000 inputs.
# Usage: [BACKSTOP_BUILD=dir] bench/ingest/compaction.sh [INPUTS] [WORKDIR]
#        (default 2000000 inputs, /var/tmp/backstop-compaction-bench)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BACKSTOP_BUILD:-$root/build}"
inputs="${1:-2000000}"
work="${2:-/var/tmp/backstop-compaction-bench}"
backstop="$build/cli/backstop"
for binary in "$backstop" "$build/bench/ingest/make_ingest_stream"; do
  [ -x "$binary" ] || { echo "compaction.sh: build it first: ninja -C $build $(basename "$binary")" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"
"$build/bench/ingest/make_ingest_stream" "$inputs" 42 >"$work/stream.jsonl"
"$backstop" keygen --out "$work/venue" >/dev/null
"$backstop" init --data "$work/data" --key "$work/venue.key.pem" >/dev/null
start=$(date +%s%N)
TIMEFORMAT='%U %S'
{ time "$backstop" ingest "$work/stream.jsonl" --data "$work/data" --key "$work/venue.key.pem" \
  --json >"$work/ingest.json" 2>"$work/ingest.stderr"; } 2>"$work/cpu"
ns=$(( $(date +%s%N) - start ))
cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$work/cpu")
echo "ingest of $inputs commands: $(awk -v ns=$ns 'BEGIN { printf "%.1f", ns / 1e9 }') s," \
  "$cpu s of CPU, $(du -sh "$work/data" | cut -f1) on disk"
# "[cf] [JOB n] Compacting ..." names a job's column family; its "compaction_finished" event
# (same job number) gives the CPU and the records read.
cat "$work"/data/log/LOG* | awk -v total="$cpu" '
  match($0, /\[[a-z_]+\] \[JOB [0-9]+\] Compacting/) {
    split(substr($0, RSTART, RLENGTH), f, /[][ ]+/); cf[f[4]] = f[2]
  }
  /"event": "compaction_finished"/ {
    match($0, /"job": [0-9]+/); job = substr($0, RSTART + 7, RLENGTH - 7)
    match($0, /"compaction_time_cpu_micros": [0-9]+/); us = substr($0, RSTART + 30, RLENGTH - 30)
    match($0, /"num_input_records": [0-9]+/); recs = substr($0, RSTART + 21, RLENGTH - 21)
    name = (job in cf) ? cf[job] : "?"
    jobs[name]++; cpu_us[name] += us; read[name] += recs; all += us
  }
  END {
    printf "%-24s %6s %17s %14s\n", "column family", "jobs", "compaction_cpu_s", "records_read"
    for (name in jobs) printf "%-24s %6d %17.1f %14d\n", name, jobs[name], cpu_us[name] / 1e6, read[name]
    printf "compactions: %.1f s of CPU, %.0f%% of the ingest'\''s\n", all / 1e6, all / 1e4 / total
  }'
