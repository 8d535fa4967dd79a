#!/usr/bin/env bash
# Exports the catalog as DCAT-AP (Turtle and JSON-LD) from the real binary, on a small
# synthetic Denmark so the HealthDCAT-AP counts are there, and validates both with pyshacl
# against the official DCAT-AP 3.0.1 shapes. Installs pyshacl in a venv on first use.
#   scripts/check-dcat.sh BINARY
set -euo pipefail
bin="$1"
venv="${ORK_PY_VENV:-/var/tmp/ork-py-venv}"
if ! "$venv/bin/python" -c 'import pyshacl' 2>/dev/null; then
  echo "Installing pyshacl for the DCAT-AP validation…"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pyshacl
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" --data-dir "$work/var" registers generate --persons 2000 --from-year 2019 --to-year 2021 > /dev/null
"$bin" --data-dir "$work/var" catalog check
"$bin" --data-dir "$work/var" catalog export --format turtle --out "$work/catalog.ttl" --base https://dataorkestrator.example.dk
"$bin" --data-dir "$work/var" catalog export --format jsonld --out "$work/catalog.jsonld" --base https://dataorkestrator.example.dk
here="$(dirname "$0")"
"$venv/bin/python" "$here/validate-dcat.py" --self-test "$work/catalog.ttl"
"$venv/bin/python" "$here/validate-dcat.py" "$work/catalog.ttl" "$work/catalog.jsonld"
