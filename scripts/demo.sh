#!/usr/bin/env bash
# The main job, end to end: set up (packages, Release build), then in a fresh data directory
# simulate a market crash through the engine into a signed log (2,000 traders, market makers,
# funding; liquidations exhaust the insurance fund and force auto-deleveraging), verify the
# chain, audit it by re-deriving every effect, and show who was deleveraged and why.
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
step "Verify the chain and signatures" "$backstop" verify --data "$data"
step "Audit: re-derive every effect from the inputs, byte for byte" "$backstop" audit --data "$data"
step "Who was auto-deleveraged (the first 10 reductions)" \
  "$backstop" adl list --limit 10 --data "$data"
first=$("$backstop" adl list --limit 1 --json --data "$data" | jq -r '.[0].seq')
step "Why: the first reduction explained from the events logged with it" \
  "$backstop" adl explain "$first" --data "$data"
printf '\nData directory: %s (try: %s log show --data %s | less)\n' "$data" "$backstop" "$data"
