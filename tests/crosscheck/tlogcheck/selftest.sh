#!/usr/bin/env bash
# Self-test of tlogcheck without backstop: builds it with Debian's Go and x/mod (GOPATH mode, no
# network), has it write a tree of 300 random leaves built and signed with tlog and note alone,
# then expects ok for every good file and a failure (exit 1) for each one-character change.
# Run by ctest as Crosscheck.GoSelfTest; it fails, never skips, when Go or x/mod is missing
# (scripts/setup.sh installs golang-go and golang-golang-x-mod-dev).
# Usage: selftest.sh [WORKDIR]   (default: a temporary directory, removed afterwards)
# SELFTEST_VERBOSE=1 prints the reason each changed file was refused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gopath=/usr/share/gocode
if [ $# -ge 1 ]; then
  work="$1"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

if ! command -v go >/dev/null; then
  echo "selftest: FAIL: no 'go' on PATH (apt-get install golang-go golang-golang-x-mod-dev)" >&2
  exit 1
fi
for package in note tlog; do
  if [ ! -d "$gopath/src/golang.org/x/mod/sumdb/$package" ]; then
    echo "selftest: FAIL: $gopath has no golang.org/x/mod/sumdb/$package" \
      "(apt-get install golang-golang-x-mod-dev)" >&2
    exit 1
  fi
done

export GO111MODULE=off GOPATH="$gopath"
export GOCACHE="${GOCACHE:-$work/go-cache}"
tlogcheck="$work/tlogcheck"
go build -o "$tlogcheck" "$here/main.go"

fixtures="$work/fixtures"
rm -rf "$fixtures"
"$tlogcheck" selftest-fixtures "$fixtures" >/dev/null
vkey="$(cat "$fixtures/vkey")"
origin="$(cat "$fixtures/origin")"

failures=0
passes=0

# expect_ok NAME ARGS...: the command must exit 0 and print a line starting with "ok ".
expect_ok() {
  local name="$1" out
  shift
  if out="$("$tlogcheck" "$@" 2>&1)" && [[ "$out" == ok\ * ]]; then
    passes=$((passes + 1))
  else
    echo "selftest: FAIL: $name: want ok, got: $out" >&2
    failures=$((failures + 1))
  fi
}

# expect_fail NAME ARGS...: the command must exit exactly 1 (not 0, not a Go panic's 2) with
# a "tlogcheck: " reason on stderr and nothing on stdout.
expect_fail() {
  local name="$1" rc=0
  shift
  "$tlogcheck" "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
  if [ "$rc" -eq 1 ] && [ ! -s "$work/stdout" ] && grep -q '^tlogcheck: ' "$work/stderr"; then
    passes=$((passes + 1))
    [ -z "${SELFTEST_VERBOSE:-}" ] || echo "$name: $(cat "$work/stderr")"
  else
    echo "selftest: FAIL: $name: want exit 1 with a reason, got exit $rc:" \
      "$(cat "$work/stdout" "$work/stderr")" >&2
    failures=$((failures + 1))
  fi
}

# Byte offset of the start of line N (1-based) of FILE.
line_offset() {
  head -n "$(($2 - 1))" "$1" | wc -c
}

# Byte length of line N of FILE, without its newline.
line_length() {
  sed -n "${2}p" "$1" | tr -d '\n' | wc -c
}

# mutated SOURCE NAME OFFSET: copies SOURCE to $work/NAME and replaces its byte at OFFSET with
# the next character of the base64 alphabet (digits stay digits except 9), so the file still
# parses and the check itself must catch the change. Prints the copy's path.
alphabet='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
rotated='BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/A'
mutated() {
  local source="$1" copy="$work/$2" offset="$3" old new
  cp "$source" "$copy"
  old="$(dd if="$copy" bs=1 skip="$offset" count=1 2>/dev/null)"
  new="$(printf '%s' "$old" | tr "$alphabet" "$rotated")"
  if [ -z "$old" ] || [ "$old" = "$new" ]; then
    echo "selftest: BUG: byte $offset of $source ('$old') is not in the base64 alphabet" >&2
    exit 1
  fi
  printf '%s' "$new" | dd of="$copy" bs=1 seek="$offset" conv=notrunc 2>/dev/null
  echo "$copy"
}

old_cp="$fixtures/old.checkpoint"
new_cp="$fixtures/new.checkpoint"
proof="$fixtures/inclusion.proof"
proof_extra="$fixtures/inclusion-extra.proof"
consistency="$fixtures/consistency.proof"
record_hash="$(cat "$fixtures/inclusion.hash")"
record_hash_extra="$(cat "$fixtures/inclusion-extra.hash")"

# ---- Good files pass ----
expect_ok "checkpoint new" checkpoint "$vkey" "$new_cp"
expect_ok "checkpoint old, -origin" checkpoint -origin "$origin" "$vkey" "$old_cp"
expect_ok "checkpoint, key from @file" checkpoint "@$fixtures/vkey" "$new_cp"
expect_ok "inclusion" inclusion "$vkey" "$proof" "$record_hash"
expect_ok "inclusion with extra line" inclusion "$vkey" "$proof_extra" "$record_hash_extra"
expect_ok "consistency" consistency "$vkey" "$old_cp" "$new_cp" "$consistency"
expect_ok "consistency, same tree" consistency "$vkey" "$new_cp" "$new_cp" \
  "$fixtures/consistency-same.proof"

# ---- Checkpoint: body and signature changes, wrong key, wrong origin ----
sig_line=$(grep -c '' "$new_cp")  # The last line holds the only signature.
sig_byte=$(($(line_offset "$new_cp" "$sig_line") + $(line_length "$new_cp" "$sig_line") - 20))
# The signature is base64 of 68 bytes (4-byte key hash, 64-byte signature): 92 characters,
# the last one "=". sig_byte is in the signature; 92 - 20 + 2 characters earlier is the key hash.
expect_fail "checkpoint origin byte" checkpoint "$vkey" "$(mutated "$new_cp" cp-origin 3)"
expect_fail "checkpoint size digit" checkpoint "$vkey" \
  "$(mutated "$new_cp" cp-size "$(($(line_offset "$new_cp" 2) + 1))")"
expect_fail "checkpoint root byte" checkpoint "$vkey" \
  "$(mutated "$new_cp" cp-root "$(($(line_offset "$new_cp" 3) + 10))")"
expect_fail "checkpoint extension byte" checkpoint "$vkey" \
  "$(mutated "$new_cp" cp-extension "$(($(line_offset "$new_cp" 4) + 2))")"
expect_fail "checkpoint signature byte" checkpoint "$vkey" \
  "$(mutated "$new_cp" cp-signature "$sig_byte")"
expect_fail "checkpoint key hash byte" checkpoint "$vkey" \
  "$(mutated "$new_cp" cp-keyhash "$((sig_byte + 20 - 92 + 2))")"
expect_fail "checkpoint, another key" checkpoint "$(cat "$fixtures/other.vkey")" "$new_cp"
expect_fail "checkpoint, wrong origin" checkpoint -origin "$origin.x" "$vkey" "$new_cp"
expect_fail "checkpoint, missing file" checkpoint "$vkey" "$work/no-such-file"

# ---- Inclusion: proof hash, index, record hash, embedded checkpoint, shape ----
# inclusion.proof: line 1 header, line 2 "index 200", lines 3.. hashes, empty, checkpoint.
expect_fail "inclusion proof hash byte" inclusion "$vkey" \
  "$(mutated "$proof" inc-hash "$(($(line_offset "$proof" 4) + 10))")" "$record_hash"
expect_fail "inclusion index digit" inclusion "$vkey" \
  "$(mutated "$proof" inc-index "$(($(line_offset "$proof" 3) - 2))")" "$record_hash"
expect_fail "inclusion index 0 of extra proof" inclusion "$vkey" \
  "$(mutated "$proof_extra" inc-index0 "$(($(line_offset "$proof_extra" 4) - 2))")" \
  "$record_hash_extra"
first="${record_hash:0:1}"
bad_record_hash="0${record_hash:1}"
[ "$first" != 0 ] || bad_record_hash="1${record_hash:1}"
expect_fail "inclusion record hash" inclusion "$vkey" "$proof" \
  "$bad_record_hash"
expect_fail "inclusion, another record's hash" inclusion "$vkey" "$proof" "$record_hash_extra"
cp_start=$(($(grep -n '^$' "$proof" | head -n 1 | cut -d: -f1) + 1))
expect_fail "inclusion embedded checkpoint root byte" inclusion "$vkey" \
  "$(mutated "$proof" inc-cp-root "$(($(line_offset "$proof" $((cp_start + 2))) + 5))")" \
  "$record_hash"
head -n 3 "$proof" >"$work/inc-short"      # Header, index, first hash only.
sed -n "$((cp_start - 1)),\$p" "$proof" >>"$work/inc-short"
expect_fail "inclusion proof missing hashes" inclusion "$vkey" "$work/inc-short" "$record_hash"
expect_fail "inclusion, another key" inclusion "$(cat "$fixtures/other.vkey")" "$proof" \
  "$record_hash"

# ---- Consistency: proof hash, sizes, swapped or unrelated checkpoints ----
# consistency.proof: line 1 header, line 2 "old 137", line 3 "new 300", lines 4.. hashes.
expect_fail "consistency proof hash byte" consistency "$vkey" "$old_cp" "$new_cp" \
  "$(mutated "$consistency" con-hash "$(($(line_offset "$consistency" 6) + 10))")"
expect_fail "consistency old size digit" consistency "$vkey" "$old_cp" "$new_cp" \
  "$(mutated "$consistency" con-old "$(($(line_offset "$consistency" 3) - 2))")"
expect_fail "consistency swapped checkpoints" consistency "$vkey" "$new_cp" "$old_cp" \
  "$consistency"
expect_fail "consistency old checkpoint signature byte" consistency "$vkey" \
  "$(mutated "$old_cp" con-old-cp "$(($(line_offset "$old_cp" 5) + 50))")" "$new_cp" \
  "$consistency"
head -n -1 "$consistency" >"$work/con-short"
expect_fail "consistency proof missing a hash" consistency "$vkey" "$old_cp" "$new_cp" \
  "$work/con-short"
expect_fail "consistency, wrong origin" consistency -origin "$origin.x" "$vkey" "$old_cp" \
  "$new_cp" "$consistency"
expect_fail "usage" inclusion "$vkey" "$proof"

if [ "$failures" -ne 0 ]; then
  echo "selftest: FAIL: $failures of $((passes + failures)) checks failed" >&2
  exit 1
fi
echo "selftest: ok: $passes checks passed ($("$tlogcheck" consistency "$vkey" "$old_cp" \
  "$new_cp" "$consistency"))"
