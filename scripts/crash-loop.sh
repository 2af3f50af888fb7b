#!/usr/bin/env bash
# The long kill -9 loop of issue 4: runs the ingest crash test with many more rounds and a new
# seed each pass. Usage: ./scripts/crash-loop.sh [ROUNDS_PER_PASS] [PASSES]   (default 200 5)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"
rounds="${1:-200}"
passes="${2:-5}"
for pass in $(seq 1 "$passes"); do
  seed=$((RANDOM * 32768 + RANDOM + 1))
  echo "pass $pass/$passes: $rounds kills, seed $seed"
  BACKSTOP_CRASH_ROUNDS="$rounds" "$BACKSTOP_BUILD/tests/e2e/e2e_tests" \
    --gtest_filter='IngestCrashTest.*' --gtest_random_seed="$seed" --gtest_brief=1
done
