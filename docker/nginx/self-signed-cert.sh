#!/bin/sh
# Makes a self-signed certificate (tls.crt, tls.key) for nginx's TLS listener when the directory has none, so
# the stack starts without one; browsers will warn. For production put a real pair there (TLS_DIR in .env).
# Runs from the nginx image's /docker-entrypoint.d/ in compose, and from `npm run cluster` with TLS_CERT_DIR.
set -eu
dir=${TLS_CERT_DIR:-/etc/nginx/tls}
if [ -s "$dir/tls.crt" ] && [ -s "$dir/tls.key" ]; then
  exit 0
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "$0: $dir has no tls.crt/tls.key and there is no openssl to make a self-signed pair" >&2
  exit 1
fi
mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
echo "$0: made a self-signed certificate for localhost in $dir"
