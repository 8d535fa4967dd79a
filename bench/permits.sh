#!/usr/bin/env bash
# Permits: signing and verifying a realistic permit (an Ed25519 JWT of about 3 kB with its
# JSON, base64url and claims checks) in-process, beside OpenSSL's raw Ed25519 sign and
# verify on the same machine in the same run; prints both and the ratio. A workspace checks
# a permit on every access, so verification is the figure that matters.
#   bench/permits.sh [N]   (default 20,000 of each)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000}"
# Only ork-cases and its few dependencies in release: quick, and nothing else is rebuilt.
cargo build --release -q -p ork-cases --example permit_bench
target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
ours=$("$target/release/examples/permit_bench" "$n")
peer=$(openssl speed -seconds 3 ed25519 2>/dev/null | awk '/Ed25519/ {print $(NF-1), $NF}')
python3 - "$ours" "$peer" "$(openssl version | cut -d' ' -f1-2)" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
sign_s, verify_s = (float(x) for x in sys.argv[2].split())
print(f"permit: {o['token_bytes']} bytes, n={o['n']}")
print(f"  sign   p50 {o['sign_us_p50']:.1f} µs  p99 {o['sign_us_p99']:.1f} µs  {o['sign_per_s']:,.0f}/s")
print(f"  verify p50 {o['verify_us_p50']:.1f} µs  p99 {o['verify_us_p99']:.1f} µs  {o['verify_per_s']:,.0f}/s")
print(f"{sys.argv[3]} raw Ed25519: sign {sign_s:,.0f}/s, verify {verify_s:,.0f}/s")
print(f"ratio (ours / OpenSSL raw): sign {o['sign_per_s'] / sign_s:.2f}, verify {o['verify_per_s'] / verify_s:.2f}")
PY
