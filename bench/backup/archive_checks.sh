#!/usr/bin/env bash
# Archive checks against the data directory's (issue 20): whole archives and ranges (--from).
#
#   bench/backup/archive_checks.sh [WORK_DIR] [RECORDS] [BASELINE_BACKSTOP]
#   (defaults: /tmp/backstop-backup-bench, 10000000, none)
#
# Builds (once; reused, the same log as bench/backup/run.sh) a signed log of RECORDS records
# through the sequencer with replay_bench (a snapshot every 1 M records), then times on it:
# `archive create` of the whole log and of a range `--from` the middle, `verify` and `audit` of
# the data directory, of the whole archive and of the range. With BASELINE_BACKSTOP (another
# build's binary, e.g. main's), also its `verify --archive` and `audit --archive` of the whole
# archive, for a before/after on the same machine. Each line: what, wall seconds, CPU seconds
# (user + system, all threads). Build first: ninja -C build backstop replay_bench
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BACKSTOP="${BACKSTOP:-$ROOT/build/cli/backstop}"
REPLAY_BENCH="${REPLAY_BENCH:-$ROOT/build/bench/replay/replay_bench}"
WORK="${1:-/tmp/backstop-backup-bench}"
RECORDS="${2:-10000000}"
BASELINE="${3:-}"
mkdir -p "$WORK"

# timed LABEL COMMAND...: runs COMMAND (stdout to $WORK/last.out) and prints the label, wall and
# CPU seconds.
timed() {
  local label="$1"
  shift
  local TIMEFORMAT='%R %U %S'
  if ! { time "$@" >"$WORK/last.out" 2>"$WORK/last.err"; } 2>"$WORK/time"; then
    echo "FAILED: $label" >&2
    cat "$WORK/last.out" "$WORK/last.err" >&2
    exit 1
  fi
  awk -v label="$label" '{ printf "%-58s %8.2f s wall %8.2f s CPU\n", label, $1, $2 + $3 }' \
    "$WORK/time"
}
json_field() { jq -r ".$1" "$WORK/last.out"; }

if [ ! -d "$WORK/src/data/log" ]; then
  echo "building the log ($RECORDS records, snapshot every 1 M) ..."
  "$REPLAY_BENCH" --dir "$WORK/src" --records "$RECORDS" --snapshot-every 1000000 --only none \
    | tail -1
fi
DATA="$WORK/src/data"  # Only read here.
PUB="$DATA/keyring/signer.pem"
HEAD=$("$BACKSTOP" log tail -n 1 --json --data "$DATA" | jq -r .seq)
MID=$((HEAD / 2))
echo "log: $HEAD records"

timed "archive create (whole log)" "$BACKSTOP" archive create --data "$DATA" \
  --out "$WORK/whole.archive" --json
echo "  $(json_field bytes) bytes, records $(json_field first_seq)..$(json_field last_seq)"
timed "archive create --from $MID" "$BACKSTOP" archive create --data "$DATA" \
  --out "$WORK/range.archive" --from "$MID" --json
FIRST=$(json_field first_seq)
echo "  $(json_field bytes) bytes, records $FIRST..$(json_field last_seq)"
timed "verify --data" "$BACKSTOP" verify --data "$DATA" --trusted-keys "$PUB"
timed "verify --archive (whole)" "$BACKSTOP" verify --archive "$WORK/whole.archive" \
  --trusted-keys "$PUB"
timed "verify --archive (range from $FIRST)" "$BACKSTOP" verify --archive \
  "$WORK/range.archive" --trusted-keys "$PUB"
timed "audit --data" "$BACKSTOP" audit --data "$DATA" --trusted-keys "$PUB"
timed "audit --data --from-snapshot $((FIRST - 1))" "$BACKSTOP" audit --data "$DATA" \
  --from-snapshot $((FIRST - 1)) --trusted-keys "$PUB"
timed "audit --archive (whole)" "$BACKSTOP" audit --archive "$WORK/whole.archive" \
  --trusted-keys "$PUB"
timed "audit --archive (range from $FIRST)" "$BACKSTOP" audit --archive "$WORK/range.archive" \
  --trusted-keys "$PUB"
if [ -n "$BASELINE" ]; then
  timed "baseline: verify --archive (whole)" "$BASELINE" verify --archive \
    "$WORK/whole.archive" --trusted-keys "$PUB"
  timed "baseline: audit --archive (whole)" "$BASELINE" audit --archive "$WORK/whole.archive" \
    --trusted-keys "$PUB"
fi
rm -f "$WORK/whole.archive" "$WORK/range.archive"
