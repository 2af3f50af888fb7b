#!/usr/bin/env bash
# End to end over loopback TLS: `backstop load` against `backstop serve` with 1, 16 and 256
# trader connections (answers/s and ack latency p50/p99/p999, from each command's send to its
# answer, which the server sends only after the group is synced), beside the in-process rate of
# `backstop ingest` on the same command mix, same build, measured again right before each row
# (the ratio "%ingest" is against that row's ingest).
# The mix, per account: one deposit, then a resting limit buy and its cancel, alternately (each
# command is one group of 2 records: the input and orderAccepted / orderCancelled).
# Each connection keeps WINDOW commands in flight (closed loop, unpaced): by Little's law the
# answers/s are (connections x WINDOW) / mean ack latency, and one synced group commit (about
# 1 ms of fdatasync here) bounds the latency from below, so a small window caps the rate before
# the CPU does. Every window in WINDOWS (default "4 12") is run at 1, 16 and 256 connections.
# Beside each row: the CPU seconds the server and the load client used during it (they share
# the machine's cores; `load` drives all its connections from one thread), and that row's ingest
# rate and CPU seconds.
# THREADS=1 adds, after each row, every thread's CPU per command and the time it spent
# runnable but waiting for a core (/proc/PID/task/*/schedstat), for that row's ingest and
# server (their threads are named: log-writer, sequencer, rocksdb:high for flushes, ...).
# Usage: [WINDOWS="4 12"] [CONNECTIONS="1 16 256"] [THREADS=1] bench/serve/run.sh [SECONDS]
# [WORKDIR] (default 10 s per row)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BACKSTOP_BUILD:-$root/build}"
seconds="${1:-10}"
work="${2:-/var/tmp/backstop-serve-bench}"
backstop="$build/cli/backstop"
[ -x "$backstop" ] || { echo "run.sh: build it first: ninja -C $build backstop" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
cd "$work"
accounts=256

"$backstop" keygen --out venue >/dev/null
setup() {  # The market, a mark and the accounts.
  echo '{"type":"list_market","market":1,"symbol":"BTCUSDT","quote_asset":1,"tick_size":100,"lot_decimals":3,"quote_decimals":6,"maker_fee_e8":0,"taker_fee_e8":0,"funding_interval_ns":0,"adl_policy":"bitmex","max_slippage_e8":0,"tiers":[{"notional_floor":0,"mmr_e8":400000,"max_leverage":125}]}'
  echo '{"type":"mark","market":1,"mark_price":60000000,"index_price":60000000}'
  for a in $(seq 1 $accounts); do echo "{\"type\":\"open_account\",\"account\":$a}"; done
}
setup >setup.jsonl

# In-process: ingest of the same mix, 400 k commands over the 256 accounts.
{
  for a in $(seq 1 $accounts); do
    echo "{\"type\":\"deposit\",\"account\":$a,\"asset\":1,\"amount\":1000000000000}"
  done
  awk -v accounts=$accounts 'BEGIN {
    for (k = 0; k < 1562; ++k) for (a = 1; a <= accounts; ++a) {
      id = int(k / 2) + 1
      if (k % 2 == 0) printf "{\"type\":\"place_order\",\"account\":%d,\"market\":1,\"order_id\":%d,\"side\":\"buy\",\"order_type\":\"limit\",\"tif\":\"gtc\",\"price\":30000000,\"quantity\":1}\n", a, id
      else printf "{\"type\":\"cancel_order\",\"account\":%d,\"order_id\":%d}\n", a, id
    } }'
} >mix.jsonl
# One line per live thread of process $1: tid, name, CPU ns, ns runnable but waiting for a core,
# times it was given a core.
thread_snapshot() {
  local task name stat
  for task in /proc/"$1"/task/*; do
    read -r name <"$task/comm" 2>/dev/null && read -r stat <"$task/schedstat" 2>/dev/null &&
      echo "${task##*/} $name $stat"
  done
}
# Snapshots of process $1 every 0.1 s while it lives (a thread that ends keeps its last line).
sample_threads() { while [ -d /proc/"$1" ]; do thread_snapshot "$1"; sleep 0.1; done; }
# The threads of snapshot file $1 (the last line of each), summed by name, per command of $2.
thread_table() {
  awk -v commands="$2" -v label="$3" '
    { name[$1] = $2; cpu[$1] = $3; waited[$1] = $4; runs[$1] = $5 }
    END {
      for (t in name) { n = name[t]; c[n] += cpu[t]; w[n] += waited[t]; r[n] += runs[t]; k[n]++ }
      for (n in c) if (c[n] > 1e7) printf "  %-7s %-14s %2d thread(s) %7.2f us/command  " \
        "CPU %6.2f s  waiting for a core %6.2f s (%.0f us per run)\n", label, n, k[n],
        c[n] / 1e3 / commands, c[n] / 1e9, w[n] / 1e9, w[n] / 1e3 / r[n] }' "$1" | sort -k5,5nr
}

# Sets ingest_rate (commands/s, wall clock) and ingest_cpu (CPU s) from one ingest of the mix
# into a fresh log. Run right before each row: on a shared machine the speed drifts by tens of
# per cent within minutes, so each row's ratio is taken against an ingest of the same minute.
measure_ingest() {
  rm -rf ingest-data
  "$backstop" init --data ingest-data --key venue.key.pem >/dev/null
  "$backstop" ingest setup.jsonl --data ingest-data --key venue.key.pem >/dev/null 2>&1
  local start ns commands
  start=$(date +%s%N)
  TIMEFORMAT='%U %S'
  { time {
    "$backstop" ingest mix.jsonl --data ingest-data --key venue.key.pem --json \
      >ingest.json 2>/dev/null &
    local pid=$!
    [ "${THREADS:-0}" = 1 ] && sample_threads $pid >ingest-threads &
    wait $pid
  }; } 2>ingest-cpu
  ns=$(( $(date +%s%N) - start ))
  commands=$(jq -r '.commands' ingest.json)
  ingest_rate=$(( commands * 1000000000 / ns ))
  ingest_cpu=$(awk '{ printf "%.2f", $1 + $2 }' ingest-cpu)
}

"$root/tests/server/make_certs.sh" certs ca server trader >/dev/null
cat >roles.json <<JSON
{"clients": [{"name": "trader", "subject": "CN=trader", "role": "trader",
  "accounts": [$(seq -s, 1 $accounts)]}]}
JSON
windows="${WINDOWS:-4 12}"
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$1/stat"; }
printf '%-11s %6s %9s %10s %7s %7s %7s %8s %7s %12s %10s %9s %12s\n' connections window \
  commands commands/s "%ingest" p50_us p99_us p999_us refused server_cpu_s load_cpu_s ingest/s \
  ingest_cpu_s
for window in $windows; do
for connections in ${CONNECTIONS:-1 16 256}; do
  measure_ingest
  rm -rf serve-data serve.log  # Not the last run's "listening on" line.
  "$backstop" init --data serve-data --key venue.key.pem >/dev/null
  "$backstop" ingest setup.jsonl --data serve-data --key venue.key.pem >/dev/null 2>&1
  "$backstop" serve --data serve-data --key venue.key.pem --listen 127.0.0.1:0 \
    --tls-cert certs/server.pem --tls-key certs/server.key --client-ca certs/ca.pem \
    --roles roles.json 2>serve.log &
  server=$!
  for _ in $(seq 1 600); do grep -qs "listening on" serve.log && break; sleep 0.05; done
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' serve.log | cut -d: -f2)
  server_before=$(cpu_ms $server)
  TIMEFORMAT='%U %S'
  { time "$backstop" load --connect "127.0.0.1:$port" --cert certs/trader.pem \
    --key certs/trader.key --ca certs/ca.pem --traders $connections --window $window \
    --duration "$seconds" --json >load-$connections-$window.json; } 2>load-cpu
  server_ms=$(( $(cpu_ms $server) - server_before ))
  [ "${THREADS:-0}" = 1 ] && thread_snapshot $server >serve-threads
  load_s=$(awk '{ printf "%.2f", $1 + $2 }' load-cpu)
  kill -TERM $server
  wait $server
  jq -r --arg c $connections --arg w $window --argjson ingest $ingest_rate \
    '[$c, $w, .answered, (.per_second|floor), ((.per_second * 100 / $ingest)|floor),
      .p50_us, .p99_us, .p999_us, .refused] | @tsv' load-$connections-$window.json |
    awk -F'\t' -v server="$server_ms" -v load="$load_s" -v rate="$ingest_rate" \
      -v cpu="$ingest_cpu" '{ printf \
      "%-11s %6s %9s %10s %6s%% %7s %7s %7s %8s %12.2f %10s %9s %12s\n", \
      $1,$2,$3,$4,$5,$6,$7,$8,$9,server/1000,load,rate,cpu }'
  if [ "${THREADS:-0}" = 1 ]; then
    wait  # The ingest's sampler.
    thread_table ingest-threads "$(jq -r '.commands' ingest.json)" ingest
    thread_table serve-threads "$(jq -r '.answered' load-$connections-$window.json)" serve
  fi
done
done
