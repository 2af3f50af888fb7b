#!/usr/bin/env bash
# The main job, end to end: set up (packages, Release build), then in a fresh data directory
# create a signing key and a log, ingest a small crash session through the sequencer (trades,
# funding, a refused withdrawal, a mark crash that liquidates an account, draws on the insurance
# fund and auto-deleverages the top of the ADL queue), verify the chain, audit it by
# re-derivation, and show the deleverage events and the final state.
# Usage: ./scripts/demo.sh [DEMO_DIR]   (default: a new folder under /tmp)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"

demo="${1:-$(mktemp -d /tmp/backstop-demo-XXXXXX)}"
rm -rf "$demo/data" "$demo/signer.key.pem" "$demo/signer.pub.pem"
mkdir -p "$demo"
backstop="$BACKSTOP_BUILD/cli/backstop"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "Create a signing key" "$backstop" keygen --out "$demo/signer"
step "Create an empty signed log" "$backstop" init --data "$demo/data" --key "$demo/signer.key.pem"
step "Ingest a crash session (docs/examples/crash-demo.jsonl)" \
  "$backstop" ingest "$BACKSTOP_ROOT/docs/examples/crash-demo.jsonl" \
  --data "$demo/data" --key "$demo/signer.key.pem"
step "Take a signed snapshot" "$backstop" snapshot create --data "$demo/data" \
  --key "$demo/signer.key.pem"
step "Verify the chain and signatures" "$backstop" verify --data "$demo/data"
step "Audit: re-derive every effect from the inputs" "$backstop" audit --data "$demo/data"
printf '\n\033[1m== The liquidation and its deleverage events\033[0m\n'
"$backstop" log show --json --data "$demo/data" \
  | grep -E '"type":"(liquidation|insurance_fund_draw|adl_queue|adl_reduction)"' \
  | jq -c '{seq, type} + (.[.type])'
step "State after the crash" "$backstop" replay --data "$demo/data"
printf '\nData directory: %s/data (try: %s log show --data %s/data)\n' "$demo" "$backstop" "$demo"
