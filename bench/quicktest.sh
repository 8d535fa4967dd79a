#!/usr/bin/env bash
# Quick tests at scale: the 22 definitions of bench/quicktest/ on a generated Denmark,
# answered by the engine (`orkestrator quicktest --exact --timings`, release build, pinned
# to one core) and by DuckDB (PyPI) running the same reference SQL (`--sql`) over the same
# Parquet files, side by side in one run. Checks that both give the same counts and cells,
# and reports per definition the engine's median of REPEATS runs, DuckDB's time, the ratio,
# and overall p50/p95, index build time, index bytes and the process's peak memory.
#
#   bench/quicktest.sh [PERSONS] [REPEATS] [DUCKDB_THREADS]   (defaults: 1000000 5 2)
# Goals (issue 6), at 5,900,000 persons over 10 years: p50 <= 20 ms and p95 <= 100 ms per
# definition on one core; >= 20x faster than DuckDB; index <= 3 GB.
# The registers are generated once per size into /var/tmp/ork-bench-registers-PERSONS and
# reused (the same arguments give the same bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
persons="${1:-1000000}"
repeats="${2:-5}"
threads="${3:-2}"
duckdb_venv
release_build
bin="$target/release/orkestrator"
data="/var/tmp/ork-bench-registers-$persons"
if [ ! -f "$data/manifest.json" ]; then
  "$bin" registers generate --persons "$persons" --seed 1 --from-year 2015 --to-year 2024 --out "$data" --force
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
defs=(bench/quicktest/*.json)
"$bin" quicktest --sql "${defs[@]}" > "$work/sql.jsonl"
args=()
for _ in $(seq 1 "$repeats"); do args+=("${defs[@]}"); done
/usr/bin/time -v taskset -c 0 "$bin" quicktest --data "$data" --exact --timings "${args[@]}" > "$work/engine.jsonl" 2> "$work/time.txt"
"$venv/bin/python" - "$work" "$data" "$repeats" "$threads" "${defs[@]}" <<'PY'
import json, re, statistics, sys, time
import duckdb
work, data, repeats, threads, defs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
lines = [json.loads(l) for l in open(f"{work}/engine.jsonl")]
tail = lines[-1]
runs = lines[:-1]
n = len(defs)
assert len(runs) == n * repeats, (len(runs), n, repeats)
sqls = [json.loads(l) for l in open(f"{work}/sql.jsonl")]
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{work}/time.txt").read()).group(1)) / 1024 / 1024

con = duckdb.connect()
con.execute(f"SET threads = {threads}")
tables = ["cpr", "bef", "udda", "ind", "lpr_adm", "lpr_diag", "lpr_sksopr", "lpr_a_kontakt",
          "lpr_a_diagnose", "lpr_a_procedure", "lmdb", "cancer", "dodsaarsager", "biobank", "lab"]
for t in tables:
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{data}/{t}/*.parquet')")

def cells_of(result, keys):
    return sorted((tuple(c[k] for k in keys), c["count"]) for c in result.get("cells", []))

rows = []
mismatches = []
for i, path in enumerate(defs):
    engine = [runs[r * n + i] for r in range(repeats)]
    ms = statistics.median(e["millis"] for e in engine)
    q = sqls[i]
    t = time.perf_counter()
    res = con.execute(q["sql"]).fetchall()
    dms = (time.perf_counter() - t) * 1e3
    k = len(q["breakdown"])
    e = engine[0]
    if k == 0:
        same = res[0][0] == e["count"]
    else:
        duck = sorted((tuple("" if v is None else str(v) for v in r[:k]), r[k]) for r in res if r[k] > 0)
        same = duck == cells_of(e, q["breakdown"]) and sum(r[k] for r in res) == e["count"]
    if not same:
        mismatches.append(path)
    rows.append((path.split("/")[-1], e["count"], len(e.get("cells", [])), ms, dms, same))

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]

print(f"persons in cpr: {tail['persons']:,}; index build {tail['index_build_millis'] / 1000:.1f} s; "
      f"index {tail['index_bytes'] / 2**30:.2f} GiB; peak RSS of the engine's run {peak:.2f} GiB")
print()
print("| definition | count | cells | engine ms (median of %d, 1 core) | DuckDB ms (%d threads) | ratio | same |" % (repeats, threads))
print("| --- | --- | --- | --- | --- | --- | --- |")
for name, count, cells, ms, dms, same in rows:
    print(f"| {name} | {count:,} | {cells} | {ms:.2f} | {dms:.0f} | {dms / max(ms, 1e-3):.0f}x | {'yes' if same else 'NO'} |")
ems = [r[3] for r in rows]
dms = [r[4] for r in rows]
ratios = [r[4] / max(r[3], 1e-3) for r in rows]
print()
print(f"engine p50 {pct(ems, 50):.2f} ms, p95 {pct(ems, 95):.2f} ms, max {max(ems):.2f} ms; "
      f"DuckDB p50 {pct(dms, 50):.0f} ms, p95 {pct(dms, 95):.0f} ms; "
      f"ratio: median {statistics.median(ratios):.0f}x, smallest {min(ratios):.0f}x; "
      f"total {sum(ems):.0f} ms vs {sum(dms):.0f} ms = {sum(dms) / sum(ems):.0f}x")
if mismatches:
    print("COUNTS DIFFER:", ", ".join(mismatches))
    sys.exit(1)
print("DuckDB and the engine give the same counts and cells for every definition.")
PY
