#!/usr/bin/env bash
# Sets up (packages, Release build) and runs the whole test suite through ctest.
# Exits non-zero on any failure. Extra arguments go to ctest (e.g. -R Ledger).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"
cd "$BACKSTOP_BUILD"
ctest --output-on-failure --timeout 900 -j"$(nproc)" "$@"
