#!/usr/bin/env bash
# The main job, end to end: set up (packages, Release build), then in a fresh data directory
# simulate a market crash through the engine into a signed log (2,000 traders, market makers,
# funding; liquidations exhaust the insurance fund and force auto-deleveraging), verify the
# chain, tree and checkpoints, audit it by re-deriving every effect, show who was deleveraged
# and why, hand the first deleveraged trader a proof file anyone can check, replay the crash
# with a 10x insurance fund (what-if) and write an HTML report with charts of both.
# Usage: ./scripts/demo.sh [DEMO_DIR]   (default: a new folder under /tmp)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"

demo="${1:-$(mktemp -d /tmp/backstop-demo-XXXXXX)}"
rm -rf "$demo/data" "$demo/signer.key.pem" "$demo/signer.pub.pem"
mkdir -p "$demo"
backstop="$BACKSTOP_BUILD/cli/backstop"
data="$demo/data"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "Create a signing key" "$backstop" keygen --out "$demo/signer"
step "Simulate a crash: ~30% down within minutes, then a partial rebound" \
  "$backstop" simulate --scenario crash --data "$data" --key "$demo/signer.key.pem"
origin=$("$backstop" checkpoint --data "$data" | head -n 1)
step "Verify the chain, the Merkle tree and every signed checkpoint, trusting only our key" \
  "$backstop" verify --data "$data" --trusted-keys "$demo/signer.pub.pem" --chain-id "$origin"
step "Audit: re-derive every effect from the inputs, byte for byte" \
  "$backstop" audit --data "$data" --trusted-keys "$demo/signer.pub.pem" --chain-id "$origin"
step "Who was auto-deleveraged (the first 10 reductions)" \
  "$backstop" adl list --limit 10 --data "$data"
first=$("$backstop" adl list --limit 1 --json --data "$data" | jq -r '.[0].seq')
step "Why: the first reduction explained from the events logged with it" \
  "$backstop" adl explain "$first" --data "$data"
step "A file for the deleveraged trader: the reduction and its inclusion proof (C2SP tlog-proof)" \
  "$backstop" proof "$first" --data "$data" --out "$demo/adl-$first"
step "Anyone with the venue's public key checks it, without the data directory" \
  "$backstop" proof verify "$demo/adl-$first.tlog-proof" --trusted-keys "$demo/signer.pub.pem" \
  --chain-id "$origin"
step "What if the insurance fund had been 10x larger? (in memory; the log is not touched)" \
  "$backstop" whatif --data "$data" --fund-scale 1000
step "A self-contained HTML report with charts: the crash, the fund, ADL, and that what-if" \
  "$backstop" report --data "$data" --out "$demo/report.html" --whatif --fund-scale 1000
printf '\nData directory: %s (try: %s log show --data %s | less)\n' "$data" "$backstop" "$data"
printf 'Report: %s (open it in any browser; it needs no network)\n' "$demo/report.html"
