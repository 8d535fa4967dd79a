#!/usr/bin/env bash
# Generation speed and memory of the synthetic registers: wall time, peak resident memory,
# rows/s, MB/s and the Parquet size per register, for one run of
# `orkestrator registers generate` (release build).
#
#   bench/registers.sh [PERSONS] [FROM_YEAR] [TO_YEAR]     (defaults: 1000000 2015 2024)
# Goals (issue 3): 1,000,000 persons x 10 years in <= 60 s; 5,900,000 in <= 6 min and
# <= 4 GB peak memory, on this 2-core machine.
#
# Peer, in the same run: DuckDB (PyPI) reading the generated registers and writing the same
# rows again as Snappy Parquet with the same row-group size. That is only encoding, no
# simulation, so it is a floor for the writing half of the work: the ratio says how much
# the simulation and the building of rows add on top of what a mature engine needs just to
# write them.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
persons="${1:-1000000}"
from="${2:-2015}"
to="${3:-2024}"
duckdb_venv
release_build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/time -v "$target/release/orkestrator" registers generate --persons "$persons" --from-year "$from" --to-year "$to" --out "$work/registers" > "$work/out.txt" 2> "$work/time.txt"
"$venv/bin/python" - "$work" <<'PY'
import json, os, re, sys, time as clock
import duckdb
work = sys.argv[1]
time = open(f"{work}/time.txt").read()
wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", time).group(1)
parts = [float(x) for x in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time).group(1)) / 1024 / 1024
cpu = re.search(r"Percent of CPU this job got: (\S+)", time).group(1)
m = json.load(open(f"{work}/registers/manifest.json"))
rows = sum(t["rows"] for t in m["tables"])
size = sum(t["bytes"] for t in m["tables"])
print(f"persons {m['parameters']['persons']:,}, years {m['parameters']['from_year']}-{m['parameters']['to_year']}")
print(f"wall {secs:.1f} s, CPU {cpu}, peak memory {peak:.2f} GiB")
print(f"{rows:,} rows, {size/1e6:.0f} MB: {rows/secs/1e6:.2f} M rows/s, {size/secs/1e6:.1f} MB/s")
for t in m["tables"]:
    print(f"  {t['name']:<16} {t['rows']:>12,} rows {t['bytes']/1e6:>9.1f} MB")

# The peer: DuckDB re-encodes every register (all cores, Snappy, 2^18-row groups).
con = duckdb.connect()
os.mkdir(f"{work}/duckdb")
started = clock.perf_counter()
for t in m["tables"]:
    if t["rows"] == 0:
        continue
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{work}/registers/{t['name']}/*.parquet')) "
        f"TO '{work}/duckdb/{t['name']}.parquet' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 262144)"
    )
peer = clock.perf_counter() - started
peer_size = sum(os.path.getsize(f"{work}/duckdb/{f}") for f in os.listdir(f"{work}/duckdb"))
print(f"DuckDB {duckdb.__version__} re-encoding the same rows: {peer:.1f} s, {peer_size/1e6:.0f} MB; "
      f"generation / DuckDB = {secs/peer:.1f}x")
PY
