#!/usr/bin/env bash
# Go's golang.org/x/mod/sumdb/tlog follows a live `backstop serve --http` the way a tlog-tiles
# client does: the signed checkpoint, hash tiles authenticated against its root, inclusion of
# records across the log, and entry bundles (tilecheck/main.go). A tampered tile must be
# refused. Run by ctest as Crosscheck.ServeTiles.
# Usage: serve_tiles_crosscheck.sh BACKSTOP_BINARY SOURCE_DIR WORKDIR
set -euo pipefail

backstop="$1"
source_dir="$2"
work="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/go-cache"
go build -o tilecheck "$here/tilecheck/main.go"

fail() {
  echo "crosscheck: FAIL: $*" >&2
  exit 1
}

"$backstop" keygen --out venue >/dev/null
"$backstop" init --data data --key venue.key.pem >/dev/null
"$backstop" ingest "$source_dir/docs/examples/crash-demo.jsonl" --data data --key venue.key.pem \
  >/dev/null
for round in 1 2 3; do  # More group commits, past one full tile.
  for account in $(seq $((1000 * round)) $((1000 * round + 199))); do
    printf '{"type":"open_account","account":%s}\n' "$account"
  done >more.jsonl
  "$backstop" ingest more.jsonl --data data --key venue.key.pem >/dev/null
done
vkey=$("$backstop" checkpoint --data data --vkey)
"$source_dir/tests/server/make_certs.sh" certs ca server
echo '{"clients": []}' >roles.json
"$backstop" serve --data data --key venue.key.pem --listen 127.0.0.1:0 --http 127.0.0.1:0 \
  --tls-cert certs/server.pem --tls-key certs/server.key --client-ca certs/ca.pem \
  --roles roles.json 2>serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q "http on" serve.log && break
  sleep 0.05
done
port=$(grep -o 'http on 127.0.0.1:[0-9]*' serve.log | cut -d: -f2)
[ -n "$port" ] || fail "serve did not start: $(cat serve.log)"

./tilecheck "http://127.0.0.1:$port" "$vkey" || fail "tilecheck refused the served log"

# A client of a tampering server must notice: serve the same tiles with one byte changed.
cat >proxy.go <<'GO'
package main

import (
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	upstream := os.Args[1]
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(upstream + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		if strings.HasPrefix(r.URL.Path, "/tile/0/") && len(body) > 40 {
			body[40] ^= 1
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	})
	http.ListenAndServe(os.Args[2], nil)
}
GO
go build -o proxy proxy.go
proxy_port=$((20000 + RANDOM % 20000))
./proxy "http://127.0.0.1:$port" "127.0.0.1:$proxy_port" &
proxy=$!
trap 'kill $server $proxy 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$proxy_port") 2>/dev/null && break
  sleep 0.05
done
if ./tilecheck "http://127.0.0.1:$proxy_port" "$vkey" >tampered.out 2>&1; then
  fail "tilecheck accepted a tampered tile"
fi
# Refused for the tile (tlog's own check against the signed root), not for anything else.
grep -q "inconsistent\|root\|does not hash" tampered.out || fail "tampered: $(cat tampered.out)"
echo "tampered copy refused: $(cat tampered.out)"

kill -TERM $server
wait $server || fail "serve did not exit 0 on SIGTERM"
trap 'kill $proxy 2>/dev/null || true' EXIT
echo "crosscheck: tiles, checkpoint and inclusion of the served log accepted by Go's tlog"
