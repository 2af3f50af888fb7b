#!/usr/bin/env bash
# PostgreSQL 15 as the peer event store: stores the records of a real backstop log in a private
# PostgreSQL cluster (fsync=on, synchronous_commit=on) with durable COPY in transactions of 1000
# and of 100 records, scans them server-side, and prints the rates beside backstop's own
# durable append, scan and verify measured in the same run (README.md in this folder).
# Usage: bench/peers/postgres/run.sh [--records N] [--data DIR] [--work DIR]
#            [--ledger-bench-records M]
#   --records N   records to store and scan (default 1000000): the first N of the log
#   --data DIR    a backstop data directory holding DIR/log (from `backstop simulate`,
#                 `backstop ingest`...), or the log itself; default: a log built once by
#                 replay_bench under --work
#   --work DIR    scratch space: the built log, the COPY files (default
#                 /var/tmp/backstop-peers-postgres; use a real disk)
#   --ledger-bench-records M   records for ledger_bench's append and verify (default N)
# Needs postgresql-15 (not installed by scripts/setup.sh) and the targets log_to_copy,
# ledger_bench and replay_bench built in ${BACKSTOP_BUILD:-build}. Run as root (the cluster then
# runs as `postgres`, or `nobody`) or as any other user (the cluster runs as that user).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${BACKSTOP_BUILD:-$root/build}"
pg_bin=/usr/lib/postgresql/15/bin
records=1000000
data=""
work=/var/tmp/backstop-peers-postgres
ledger_bench_records=""

usage() {
  sed -n '6,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records="${2:?}"; shift 2 ;;
    --data) data="${2:?}"; shift 2 ;;
    --work) work="${2:?}"; shift 2 ;;
    --ledger-bench-records) ledger_bench_records="${2:?}"; shift 2 ;;
    *) usage ;;
  esac
done
[[ "$records" =~ ^[1-9][0-9]*$ ]] || usage
ledger_bench_records="${ledger_bench_records:-$records}"

if [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/pg_ctl" ] || ! command -v psql >/dev/null; then
  echo "run.sh: needs PostgreSQL 15: apt-get install -y postgresql-15" >&2
  exit 1
fi
for target in bench/peers/postgres/log_to_copy bench/ledger/ledger_bench; do
  if [ ! -x "$build/$target" ]; then
    echo "run.sh: build $target first: ninja -C $build $(basename "$target")" >&2
    exit 1
  fi
done

now_ns() { date +%s%N; }
# Integer records/s of $1 records in $2 nanoseconds.
rate() { echo $(($1 * 1000000000 / $2)); }
# Seconds with milliseconds, from nanoseconds.
seconds() { printf '%d.%03d' $(($1 / 1000000000)) $(($1 / 1000000 % 1000)); }

mkdir -p "$work"
echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$root" rev-parse --short HEAD 2>/dev/null)"

# ---- 1. The log (untimed): the given one, or one built once by replay_bench's seeded stream ----
if [ -z "$data" ]; then
  data="$work/replay/data"
  if [ ! -d "$data/log" ]; then
    if [ ! -x "$build/bench/replay/replay_bench" ]; then
      echo "run.sh: no --data and no replay_bench to build a log: ninja -C $build replay_bench" >&2
      exit 1
    fi
    echo "== building a log of $records records with replay_bench (once, untimed)"
    "$build/bench/replay/replay_bench" --dir "$work/replay" --records "$records" \
      --snapshot-every "$records" --only scan
  fi
fi
log_dir="$data/log"
[ -d "$log_dir" ] || [ ! -f "$data/CURRENT" ] || log_dir="$data"  # --data named the log itself.
[ -d "$log_dir" ] || { echo "run.sh: no log in $data" >&2; exit 1; }

# ---- 2. COPY files (untimed): one complete binary COPY file per transaction ----
copy_dir="$work/copy"
rm -rf "$copy_dir"
for rows in 1000 100; do
  "$build/bench/peers/postgres/log_to_copy" --log "$log_dir" --limit "$records" \
    --format binary --chunk-rows "$rows" --out-dir "$copy_dir/$rows"
  for file in "$copy_dir/$rows"/chunk-*.copy; do
    echo "\\copy records from '$file' with (format binary)"
  done >"$copy_dir/load-$rows.sql"
done

# ---- 3. A private PostgreSQL 15 cluster, removed on exit even on failure ----
pg_user="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  pg_user=postgres
  id -u postgres >/dev/null 2>&1 || pg_user=nobody
fi
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}
pg_dir="$(mktemp -d "${TMPDIR:-/var/tmp}/backstop-pg.XXXXXX")"
chown "$pg_user" "$pg_dir"
chmod 700 "$pg_dir"
pg_started=0
cleanup() {
  if [ "$pg_started" -eq 1 ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 ||
      as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pg_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
port=$((40000 + $$ % 20000))
# Data checksums on: RocksDB checks block checksums on backstop's reads, so PostgreSQL checks
# its pages too (one integrity mechanism per layer, STYLE.md P3).
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U bench --auth=trust -E UTF8 --data-checksums \
  >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; exit 1; }
pg_started=1
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w start \
  -o "-p $port -k $pg_dir -c listen_addresses='' -c fsync=on -c synchronous_commit=on" \
  >/dev/null || { cat "$pg_dir/server.log" >&2; exit 1; }
# The client runs as the invoking user (root reaches the socket in the cluster's private
# directory), so it reads the COPY files with the invoking user's permissions.
pg() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$pg_dir" -p "$port" -U bench -d postgres "$@"
}
echo "== PostgreSQL: $(pg -At -c 'SELECT version()' | cut -d, -f1), as $pg_user;" \
  "$(pg -At -c "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
      WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes',
                     'shared_buffers', 'max_wal_size', 'data_checksums')")"
pg -c "CREATE TABLE records (seq bigint PRIMARY KEY, time_ns bigint NOT NULL,
  key_id bytea NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL,
  signature bytea NOT NULL, event bytea NOT NULL)"

declare -A figure
# Durable COPY: each \copy is its own transaction, committed with a WAL fsync.
load() {
  local rows="$1" start ns count
  pg -c "TRUNCATE records" -c "CHECKPOINT"
  start=$(now_ns)
  pg -f "$copy_dir/load-$rows.sql"
  ns=$(($(now_ns) - start))
  count=$(pg -At -c "SELECT count(*) FROM records")
  figure[copy$rows]=$(rate "$count" "$ns")
  echo "postgres durable COPY, $rows records per transaction: $count records in" \
    "$(seconds "$ns") s: ${figure[copy$rows]} records/s"
}
# Best of three runs of one scan (after an untimed warm-up), output discarded.
scan() {
  local name="$1" sql="$2" best=0 start ns
  pg -c "$sql" >/dev/null
  for _ in 1 2 3; do
    start=$(now_ns)
    pg -c "$sql" >/dev/null
    ns=$(($(now_ns) - start))
    if [ "$best" -eq 0 ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
  done
  figure[$name]=$(rate "$stored" "$best")
  echo "postgres scan, $name: $stored records in $(seconds "$best") s (best of 3):" \
    "${figure[$name]} records/s"
}

echo "== PostgreSQL (records: the first $records of $log_dir)"
load 100
load 1000
stored=$(pg -At -c "SELECT count(*) FROM records")
pg -c "VACUUM (ANALYZE) records" -c "CHECKPOINT"
echo "table: $(pg -At -c "SELECT pg_size_pretty(pg_table_size('records')) || ' heap+toast, ' ||
  pg_size_pretty(pg_indexes_size('records')) || ' index'")"
# The table was loaded in seq order, so a sequential scan returns the records in seq order, as
# backstop's iterator does; COPY TO STDOUT sends every column of every record to psql.
scan copy-binary "COPY records TO STDOUT (FORMAT binary)"
scan copy-text "COPY records TO STDOUT"
scan count-sum "SELECT count(*), sum(length(event)) FROM records"
pg_started=0
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null

# ---- 4. backstop on the same records: scan, and scan + decode ----
echo "== backstop (same records)"
"$build/bench/peers/postgres/log_to_copy" --log "$log_dir" --limit "$records" --time-scan |
  tee "$work/backstop-scan.txt"
figure[bs-scan]=$(awk '$2 == "scan" {print $(NF-1)}' "$work/backstop-scan.txt")
figure[bs-decode]=$(awk '$2 == "scan+decode" {print $(NF-1)}' "$work/backstop-scan.txt")

# ---- 5. backstop's durable append and verify: ledger_bench (its own seeded log) ----
echo "== ledger_bench --records $ledger_bench_records"
rm -f "$work/ledger_bench.json"
"$build/bench/ledger/ledger_bench" --records "$ledger_bench_records" \
  --dir "$work/ledger_bench_log" --json "$work/ledger_bench.json"
json_field() { jq -r ".$1 // \"n/a\"" "$work/ledger_bench.json" 2>/dev/null || echo n/a; }

echo "== Summary (records/s, this run)"
row() { printf '%-64s %12s\n' "$1" "$2"; }
row "PostgreSQL durable COPY, 1000 records per transaction" "${figure[copy1000]}"
row "PostgreSQL durable COPY, 100 records per transaction" "${figure[copy100]}"
append=$(json_field append_records_per_second)
row "backstop durable append, checkpoint mode (ledger_bench)" "$append"
if [[ "$append" =~ ^[0-9]+$ && "${figure[copy1000]}" =~ ^[0-9]+$ ]]; then
  row "  ratio to PostgreSQL's COPY of 1000 (goal >= 2.00x)" \
    "$(awk -v a="$append" -v b="${figure[copy1000]}" 'BEGIN { printf "%.2fx", a / b }')"
fi
row "backstop durable append, every mode (ledger_bench)" \
  "$(json_field append_every_records_per_second)"
row "RocksDB synced group-commit ceiling (ledger_bench)" "$(json_field storage_ceiling)"
row "PostgreSQL scan: COPY TO STDOUT, binary" "${figure[copy-binary]}"
row "PostgreSQL scan: COPY TO STDOUT, text" "${figure[copy-text]}"
row "PostgreSQL scan: count(*), sum(length(event)), nothing sent" "${figure[count-sum]}"
row "backstop scan (RocksDB iterator)" "${figure[bs-scan]}"
row "backstop scan + decode (DecodeRecordInto)" "${figure[bs-decode]}"
row "backstop verify, checkpoint mode (ledger_bench)" "$(json_field verify_checkpoint)"
row "SHA-256 ceiling per record: chain, leaf, node (ledger_bench)" \
  "$(json_field sha256_record_ceiling)"
row "backstop verify, every mode, group-end signatures (ledger_bench)" \
  "$(json_field verify_default)"
row "backstop verify, every mode, all signatures (ledger_bench)" "$(json_field verify_all)"
