#!/usr/bin/env bash
# Backups, restores and archives on a large log (issue 20), with the CLI as an operator runs it.
#
#   bench/backup/run.sh [WORK_DIR] [RECORDS]     (defaults: /tmp/backstop-backup-bench, 10000000)
#
# 1. builds (once; reused) a signed log of RECORDS records through the sequencer, with a snapshot
#    every 1 M records, by replay_bench (its seeded engine stream: 2,000 accounts, 4 markets);
# 2. copies it and times on the copy: a full backup, ~10% more records (replay_bench's kill -9
#    recovery measure appends them), an incremental backup (bytes each added to the backup
#    folder), `backup verify`, `restore` (which ends with its audit; the audit of the restored
#    directory is also timed alone), `restore --to-seq` at the middle of the log (cut at its group
#    commit, and exactly with --key), `archive create` (bytes per record), then `verify` and
#    `audit` of the archive beside the same commands on the data directory.
# Each line: what, wall seconds, CPU seconds (user + system, all threads). Needs about 6x the
# log's size in free space under WORK_DIR. Build first: ninja -C build backstop replay_bench
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BACKSTOP="${BACKSTOP:-$ROOT/build/cli/backstop}"
REPLAY_BENCH="${REPLAY_BENCH:-$ROOT/build/bench/replay/replay_bench}"
WORK="${1:-/tmp/backstop-backup-bench}"
RECORDS="${2:-10000000}"
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
head_of() { "$BACKSTOP" log tail -n 1 --json --data "$1" | jq -r .seq; }
json_field() { jq -r ".$1" "$WORK/last.out"; }
bytes() { du -sb "$1" | cut -f1; }
ratio() { awk -v a="$1" -v b="$2" -v scale="$3" 'BEGIN { printf "%.1f", scale * a / b }'; }

if [ ! -d "$WORK/src/data/log" ]; then
  echo "building the log ($RECORDS records, snapshot every 1 M) ..."
  "$REPLAY_BENCH" --dir "$WORK/src" --records "$RECORDS" --snapshot-every 1000000 --only none \
    | tail -1
fi
rm -rf "$WORK/live" "$WORK/backups" "$WORK/restored" "$WORK/archive"
cp -a "$WORK/src" "$WORK/live"
DATA="$WORK/live/data"
KEY="$WORK/live/signer.key.pem"
PUB="$DATA/keyring/signer.pem"
HEAD=$(head_of "$DATA")
echo "log: $HEAD records, $(bytes "$DATA/log") bytes in $DATA/log"

timed "backup create (full)" "$BACKSTOP" backup create --data "$DATA" --to "$WORK/backups" --json
FULL_BYTES=$(json_field added_bytes)
echo "  full backup: $FULL_BYTES bytes added for $HEAD records"

"$REPLAY_BENCH" --dir "$WORK/live" --only recovery --kill-tail $((RECORDS / 10 + 65536)) | tail -1
HEAD2=$(head_of "$DATA")
timed "backup create (incremental)" "$BACKSTOP" backup create --data "$DATA" --to "$WORK/backups" \
  --json
INC_BYTES=$(json_field added_bytes)
echo "  incremental: $INC_BYTES bytes added for $((HEAD2 - HEAD)) more records" \
  "($(ratio $((HEAD2 - HEAD)) "$HEAD" 100)% more records," \
  "$(ratio "$INC_BYTES" "$FULL_BYTES" 100)% of the full backup's bytes)"

timed "backup verify (newest: CRC32c of every file, then verify)" \
  "$BACKSTOP" backup verify "$WORK/backups" --trusted-keys "$PUB"
timed "restore (whole backup, then its audit)" \
  "$BACKSTOP" restore --from "$WORK/backups" --to "$WORK/restored" --trusted-keys "$PUB"
timed "  of which: audit of the restored directory alone" \
  "$BACKSTOP" audit --data "$WORK/restored" --trusted-keys "$PUB"
rm -rf "$WORK/restored"
MID=$((HEAD2 / 2))
timed "restore --to-seq $MID (cut at its group commit), then audit" \
  "$BACKSTOP" restore --from "$WORK/backups" --to "$WORK/restored" --to-seq "$MID" \
  --trusted-keys "$PUB"
timed "  of which: audit of the restored directory alone" \
  "$BACKSTOP" audit --data "$WORK/restored" --trusted-keys "$PUB"
rm -rf "$WORK/restored"
timed "restore --to-seq $MID --key (cut at its group), then audit" \
  "$BACKSTOP" restore --from "$WORK/backups" --to "$WORK/restored" --to-seq "$MID" --key "$KEY" \
  --trusted-keys "$PUB"
rm -rf "$WORK/restored"

timed "archive create (whole log)" "$BACKSTOP" archive create --data "$DATA" \
  --out "$WORK/archive" --json
ARCHIVE_BYTES=$(json_field bytes)
echo "  archive: $ARCHIVE_BYTES bytes, $(ratio "$ARCHIVE_BYTES" "$HEAD2" 1) bytes per" \
  "record (the log directory: $(bytes "$DATA/log") bytes)"
timed "verify --data" "$BACKSTOP" verify --data "$DATA" --trusted-keys "$PUB"
timed "verify --archive" "$BACKSTOP" verify --archive "$WORK/archive" --trusted-keys "$PUB"
timed "audit --data" "$BACKSTOP" audit --data "$DATA" --trusted-keys "$PUB"
timed "audit --archive" "$BACKSTOP" audit --archive "$WORK/archive" --trusted-keys "$PUB"
echo "records: $HEAD2"
rm -rf "$WORK/live" "$WORK/backups" "$WORK/archive"
