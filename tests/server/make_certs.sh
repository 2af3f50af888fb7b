#!/bin/sh
# Test certificates: make_certs.sh DIR CA_NAME NAME... writes DIR/CA_NAME.pem (+ .key), a
# self-signed P-256 CA, and DIR/NAME.pem (+ .key) for each NAME, with subject CN=NAME, signed by
# that CA. Valid for two days. Used by the server and end-to-end tests.
set -eu
dir=$1
ca=$2
shift 2
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=$ca" -keyout "$ca.key" -out "$ca.pem" 2>/dev/null
for name in "$@"; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$name.key" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -days 2 \
    -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
done
