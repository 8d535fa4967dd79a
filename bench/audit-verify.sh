#!/usr/bin/env bash
# How fast an auditor can verify an exported audit trail, against the physical floor:
# OpenSSL computing SHA-256 over the same bytes in one pass. Verification must parse each
# JSON line, rebuild its canonical content and hash it, so it cannot beat that floor; the
# ratio says how close it comes. Same file, same run, interleaved, best of R.
#
#   bench/audit-verify.sh [EVENTS] [ROUNDS]     (defaults: 1000000 events, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
rounds="${2:-5}"
cargo build --release -q -p orkestrator
cargo build --release -q -p ork-audit --example synthetic_export
target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file="$work/audit.jsonl"
"$target/release/examples/synthetic_export" "$n" > "$file"
bytes=$(stat -c %s "$file")

best() { python3 -c 'import sys; print(min(float(x) for x in sys.argv[1:]))' "$@"; }
now() { date +%s.%N; }
ork=(); ssl=()
for _ in $(seq "$rounds"); do
  t0=$(now); "$target/release/orkestrator" audit verify --file "$file" > /dev/null; t1=$(now)
  openssl dgst -sha256 "$file" > /dev/null; t2=$(now)
  ork+=("$(python3 -c "print($t1 - $t0)")"); ssl+=("$(python3 -c "print($t2 - $t1)")")
done
o=$(best "${ork[@]}"); s=$(best "${ssl[@]}")
python3 - "$n" "$bytes" "$o" "$s" <<'PY'
import sys
n, size, o, s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"events: {n:,}  file: {size/1e6:.1f} MB")
print(f"orkestrator audit verify --file : {o:.3f} s  ({n/o/1e6:.2f} M events/s, {size/o/1e6:.0f} MB/s)")
print(f"openssl dgst -sha256 (floor)    : {s:.3f} s  ({size/s/1e6:.0f} MB/s)")
print(f"ratio verify / openssl          : {o/s:.1f}x")
PY
