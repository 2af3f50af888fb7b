#!/usr/bin/env bash
# Go's golang.org/x/mod/sumdb (note and tlog), an implementation we did not write, checks what
# backstop hands out: a log in checkpoint mode is filled (the crash demo, then more commands in
# later group commits), and tlogcheck must accept its checkpoints, inclusion proofs of records
# across the log and consistency proofs between its checkpoints, and refuse tampered copies.
# backstop's own `proof verify` must agree on each. Run by ctest as Crosscheck.BackstopProofs.
# Usage: backstop_crosscheck.sh BACKSTOP_BINARY SOURCE_DIR WORKDIR
set -euo pipefail

backstop="$1"
source_dir="$2"
work="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/go-cache"
go build -o tlogcheck "$here/tlogcheck/main.go"

fail() {
  echo "crosscheck: FAIL: $*" >&2
  exit 1
}
expect_refused() {  # description, command...
  local what="$1"
  shift
  if "$@" >/dev/null 2>&1; then fail "accepted $what"; fi
}
flip_line() {  # file, line number, output: the line's 5th character changed to another base64 one
  awk -v n="$2" 'NR == n { c = substr($0, 5, 1); r = (c == "A") ? "B" : "A";
                 $0 = substr($0, 1, 4) r substr($0, 6) } { print }' "$1" >"$3"
}

"$backstop" keygen --out venue >/dev/null
"$backstop" init --data data --key venue.key.pem >/dev/null
"$backstop" ingest "$source_dir/docs/examples/crash-demo.jsonl" --data data --key venue.key.pem \
  >/dev/null
"$backstop" checkpoint --data data --out first.checkpoint >/dev/null
first_size=$(sed -n 2p first.checkpoint)
for account in 501 502 503; do
  printf '{"type":"open_account","account":%s}\n{"type":"deposit","account":%s,"asset":1,"amount":1000}\n' \
    "$account" "$account" >more.jsonl
  "$backstop" ingest more.jsonl --data data --key venue.key.pem >/dev/null
done
"$backstop" verify --data data --trusted-keys venue.pub.pem >/dev/null
vkey=$("$backstop" checkpoint --data data --vkey)
"$backstop" checkpoint --data data --out head.checkpoint >/dev/null
head_size=$(sed -n 2p head.checkpoint)
origin=$(sed -n 1p head.checkpoint)
[ "$head_size" -gt "$first_size" ] || fail "expected several checkpoints ($first_size, $head_size)"

./tlogcheck checkpoint -origin "$origin" "$vkey" head.checkpoint >/dev/null
./tlogcheck checkpoint "$vkey" first.checkpoint >/dev/null
flip_line head.checkpoint 3 bad.checkpoint
expect_refused "a checkpoint with another root" ./tlogcheck checkpoint "$vkey" bad.checkpoint

checked=0
for seq in 1 2 17 30 "$first_size" $((first_size + 1)) "$head_size"; do
  "$backstop" proof "$seq" --data data --out "p$seq" >/dev/null
  hash=$("$backstop" log show "$seq" --json --data data | jq -r .hash)
  ./tlogcheck inclusion -origin "$origin" "$vkey" "p$seq.tlog-proof" "$hash" >/dev/null
  "$backstop" proof verify "p$seq.tlog-proof" --trusted-keys venue.pub.pem --chain-id "$origin" \
    >/dev/null
  # A proof hash changed (line 4 is the first proof line after the header, extra and index).
  if [ "$(sed -n 4p "p$seq.tlog-proof")" != "" ]; then
    flip_line "p$seq.tlog-proof" 4 bad.tlog-proof
    expect_refused "seq $seq with a changed proof hash" \
      ./tlogcheck inclusion "$vkey" bad.tlog-proof "$hash"
    expect_refused "seq $seq with a changed proof hash (backstop)" \
      "$backstop" proof verify bad.tlog-proof --trusted-keys venue.pub.pem
  fi
  # Another record's hash.
  other=$("$backstop" log show $((seq % head_size + 1)) --json --data data | jq -r .hash)
  expect_refused "seq $seq for another record" \
    ./tlogcheck inclusion "$vkey" "p$seq.tlog-proof" "$other"
  checked=$((checked + 1))
done

"$backstop" proof consistency "$first_size" "$head_size" --data data --out c >/dev/null
./tlogcheck consistency "$vkey" c.old.checkpoint c.new.checkpoint c.consistency >/dev/null
"$backstop" proof verify c.consistency --old c.old.checkpoint --new c.new.checkpoint \
  --trusted-keys venue.pub.pem >/dev/null
flip_line c.consistency 4 bad.consistency
expect_refused "a changed consistency proof" \
  ./tlogcheck consistency "$vkey" c.old.checkpoint c.new.checkpoint bad.consistency
expect_refused "a changed consistency proof (backstop)" \
  "$backstop" proof verify bad.consistency --old c.old.checkpoint --new c.new.checkpoint \
  --trusted-keys venue.pub.pem

# Another venue's key: nothing opens.
"$backstop" keygen --out stranger >/dev/null
expect_refused "a proof under a stranger's key" \
  "$backstop" proof verify "p30.tlog-proof" --trusted-keys stranger.pub.pem

echo "crosscheck: ok: $checked inclusion proofs, checkpoints at sizes $first_size and $head_size," \
  "one consistency proof accepted by Go's sumdb note/tlog and by backstop; tampered copies refused"
