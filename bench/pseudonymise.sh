#!/usr/bin/env bash
# Pseudonymisation: one core turning 16-byte identifiers into a project's pseudonyms (keyed
# HMAC-SHA256, the keyed state cloned per identifier), beside OpenSSL's HMAC-SHA256 on
# 16-byte messages (`openssl speed -hmac sha256 -bytes 16`) on the same machine in the same
# run; prints both and the ratio (issue 18's goal: at least 1.0).
#   bench/pseudonymise.sh [N]   (default 20,000,000 identifiers, best of three rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000000}"
# Only ork-workspace's few dependencies in release: quick, and nothing else is rebuilt.
cargo build --release -q -p ork-workspace --example pseudo_bench
target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
ours=$("$target/release/examples/pseudo_bench" "$n")
peer=$(openssl speed -seconds 3 -bytes 16 -hmac sha256 2>/dev/null | awk '/^hmac\(sha256\)/ {print $2}')
python3 - "$ours" "$peer" "$(openssl version | cut -d' ' -f1-2)" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
kbytes = float(sys.argv[2].rstrip("k"))
peer_per_s = kbytes * 1000 / 16
print(f"ours: {o['n']:,} identifiers in {o['seconds']:.2f} s: {o['per_s']:,.0f}/s on one core")
print(f"{sys.argv[3]} HMAC-SHA256, 16-byte messages: {peer_per_s:,.0f}/s")
print(f"ratio (ours / OpenSSL): {o['per_s'] / peer_per_s:.2f}")
PY
