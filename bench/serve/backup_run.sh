#!/usr/bin/env bash
# What an operator's backup of the live log costs the venue: `backstop load` (16 trader
# connections, 4 commands in flight each, the bench/serve/run.sh mix) against `backstop serve`
# for SECONDS twice, first without backups, then with `backstop backup create --connect` asked
# again as soon as the previous one answered (so a backup is running nearly all the time).
# Prints throughput and ack latency of both runs, and the backups' count, mean time and heads.
# Usage: bench/serve/backup_run.sh [SECONDS] [WORKDIR]   (default 10 s per run)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BACKSTOP_BUILD:-$root/build}"
seconds="${1:-10}"
work="${2:-/var/tmp/backstop-serve-backup-bench}"
backstop="$build/cli/backstop"
[ -x "$backstop" ] || { echo "backup_run.sh: build it first: ninja -C $build backstop" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
cd "$work"
accounts=16

"$backstop" keygen --out venue >/dev/null
{
  echo '{"type":"list_market","market":1,"symbol":"BTCUSDT","quote_asset":1,"tick_size":100,"lot_decimals":3,"quote_decimals":6,"maker_fee_e8":0,"taker_fee_e8":0,"funding_interval_ns":0,"adl_policy":"bitmex","max_slippage_e8":0,"tiers":[{"notional_floor":0,"mmr_e8":400000,"max_leverage":125}]}'
  echo '{"type":"mark","market":1,"mark_price":60000000,"index_price":60000000}'
  for a in $(seq 1 $accounts); do echo "{\"type\":\"open_account\",\"account\":$a}"; done
} >setup.jsonl
"$root/tests/server/make_certs.sh" certs ca server trader ops >/dev/null
cat >roles.json <<JSON
{"clients": [{"name": "trader", "subject": "CN=trader", "role": "trader",
  "accounts": [$(seq -s, 1 $accounts)]},
  {"name": "ops", "subject": "CN=ops", "role": "operator"}]}
JSON
printf '%-10s %10s %12s %8s %8s %8s %8s %10s\n' backups commands commands/s p50_us p99_us \
  p999_us refused taken
for mode in none loop; do
  rm -rf serve-data backups
  "$backstop" init --data serve-data --key venue.key.pem >/dev/null
  "$backstop" ingest setup.jsonl --data serve-data --key venue.key.pem >/dev/null 2>&1
  "$backstop" serve --data serve-data --key venue.key.pem --listen 127.0.0.1:0 \
    --tls-cert certs/server.pem --tls-key certs/server.key --client-ca certs/ca.pem \
    --roles roles.json --backup-dir backups --backup-keep 3 2>serve-$mode.log &
  server=$!
  for _ in $(seq 1 600); do grep -q "listening on" serve-$mode.log && break; sleep 0.05; done
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' serve-$mode.log | cut -d: -f2)
  "$backstop" load --connect "127.0.0.1:$port" --cert certs/trader.pem --key certs/trader.key \
    --ca certs/ca.pem --traders $accounts --window 4 --duration "$seconds" --json \
    >load-$mode.json &
  loader=$!
  : >backups-$mode.txt
  if [ $mode = loop ]; then
    sleep 1  # Past the deposits.
    while kill -0 $loader 2>/dev/null; do
      "$backstop" backup create --connect "127.0.0.1:$port" --cert certs/ops.pem \
        --key certs/ops.key --ca certs/ca.pem --json >>backups-$mode.txt
    done
  fi
  wait $loader
  kill -TERM $server
  wait $server
  taken=$(grep -c '"id"' backups-$mode.txt || true)
  jq -r --arg m $mode --arg t "$taken" \
    '[$m, .answered, (.per_second|floor), .p50_us, .p99_us, .p999_us, .refused, $t] | @tsv' \
    load-$mode.json |
    awk -F'\t' '{ printf "%-10s %10s %12s %8s %8s %8s %10s %8s\n", $1,$2,$3,$4,$5,$6,$7,$8 }'
done
grep -o 'backup [0-9]* of head seq [0-9]* written in [0-9]* ms' serve-loop.log |
  awk '{ n++; ms += $(NF-1); if ($(NF-1) > max) max = $(NF-1) }
       END { if (n) printf "backups while loaded: %d, mean %.0f ms, longest %d ms\n", n, ms / n, max }'
