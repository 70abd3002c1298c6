#!/usr/bin/env bash
# Sign a request for the HMAC authorizer with openssl, and print the headers to send, one per line.
#
#   HMAC_KEY_ID=<id> HMAC_SECRET=<secret> scripts/sign-request.sh <METHOD> <host> <path> [<query>] < body
#
# <path> and <query> must already be canonical (functions/hmac/scheme.ts): the path percent-encoded per
# RFC 3986 (e.g. /prod/orders/123), the query as name=value pairs sorted by name and joined by & (or "").
# The body is read from stdin (use </dev/null for none). HMAC_DATE and HMAC_NONCE override the time and
# the nonce (tests use them). Note: `openssl -hmac` puts the secret on openssl's command line.
set -euo pipefail
if [ $# -lt 3 ] || [ -z "${HMAC_KEY_ID:-}" ] || [ -z "${HMAC_SECRET:-}" ]; then
  echo "usage: HMAC_KEY_ID=<id> HMAC_SECRET=<secret> $0 <METHOD> <host> <path> [<query>] < body" >&2
  exit 2
fi
method=$1 host=$2 path=$3 query=${4:-}
date=${HMAC_DATE:-$(date -u +%Y%m%dT%H%M%SZ)}
nonce=${HMAC_NONCE:-$(openssl rand -hex 16)}
body_hash=$(openssl dgst -sha256 -hex | awk '{print $NF}')
signed_headers="host;x-auth-date;x-auth-nonce;x-content-sha256"

# Canonical request: method, path, query, one name:value line per signed header, an empty line, the
# signed header names, the body hash. No trailing newline.
canonical=$(printf '%s\n%s\n%s\nhost:%s\nx-auth-date:%s\nx-auth-nonce:%s\nx-content-sha256:%s\n\n%s\n%s' \
  "$method" "$path" "$query" "$host" "$date" "$nonce" "$body_hash" "$signed_headers" "$body_hash")
canonical_hash=$(printf '%s' "$canonical" | openssl dgst -sha256 -hex | awk '{print $NF}')
string_to_sign=$(printf 'HMAC-SHA256\n%s\n%s\n%s' "$date" "$HMAC_KEY_ID" "$canonical_hash")
signature=$(printf '%s' "$string_to_sign" | openssl dgst -sha256 -hmac "$HMAC_SECRET" -hex | awk '{print $NF}')

echo "authorization: HMAC-SHA256 Credential=$HMAC_KEY_ID, SignedHeaders=$signed_headers, Signature=$signature"
echo "x-auth-date: $date"
echo "x-auth-nonce: $nonce"
echo "x-content-sha256: $body_hash"
