#!/usr/bin/env bash
# The airlock's checking engine (issue 19): a 10,000-cell magnitude table (100 × 100 labels,
# the sum of an income with its per-cell count, largest contributions, p-ratio, n-k and
# threshold) over 10,000,000 rows, by ours (crates/ork-airlock, release build) and by ACRO
# (PyPI `acro` 1.0.1, `crosstab(…, values=…, aggfunc="sum")`, suppression off) on the same
# Parquet file, side by side in one run. Both start from the data in memory (the file's read
# is timed apart for ours, and not at all for ACRO's pandas). Best of REPEATS each; the two
# must flag the same number of cells. Goal: ours faster (ratio < 1.0).
#
#   bench/airlock.sh [REPEATS] [ROWS]   (default 3, 10,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-3}"
rows="${2:-10000000}"
venv="${ORK_ACRO_VENV:-/var/tmp/ork-acro-venv}"
if ! "$venv/bin/python" -c 'import acro, pyarrow, numpy' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "acro==1.0.1" "pandas==2.3.3" "pyarrow==26.0.1"
fi
cargo build --release -q -p ork-airlock --example airlock_bench
target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
work=$(mktemp -d /var/tmp/ork-airlock-bench-XXXX)
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" - "$work/data.parquet" "$rows" <<'PY'
import sys
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(19)
labels = lambda p: np.array([f"{p}{i:02d}" for i in range(100)], dtype=object)
# Both labels skewed (Zipf), so that cells range from hundreds of thousands of rows to a
# handful, and a few incomes are large enough to dominate a small cell.
r = (rng.zipf(1.5, n) - 1) % 100
c = (rng.zipf(1.5, n) - 1) % 100
income = np.round(rng.lognormal(12, 0.6, n))
income[rng.random(n) < 0.0005] *= 1000
t = pa.table({"r": pa.array(labels("r")[r]), "c": pa.array(labels("c")[c]), "income": income})
pq.write_table(t, path)
PY
echo '{"kind": "table", "rows": ["r"], "columns": ["c"], "values": "income", "aggfunc": "sum"}' > "$work/spec.json"
ours=$("$target/release/examples/airlock_bench" "$work/data.parquet" "$work/spec.json" "$repeats")
MPLBACKEND=Agg "$venv/bin/python" - "$work/data.parquet" "$repeats" "$ours" <<'PY'
import contextlib, io, json, logging, sys, time
import pandas as pd
from acro import ACRO
path, repeats, ours = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
df = pd.read_parquet(path)
times = []
for _ in range(repeats):
    with contextlib.redirect_stdout(io.StringIO()):
        s = ACRO(suppress=False)
    logging.getLogger().setLevel(logging.ERROR)
    t0 = time.perf_counter()
    s.crosstab(df["r"], df["c"], values=df["income"], aggfunc="sum")
    times.append(time.perf_counter() - t0)
    rec = s.results.get_index(-1)
failing = int((rec.outcome != "ok").to_numpy().sum())
import acro, importlib.metadata as m
print(f"{ours['rows']:,} rows, {ours['cells']:,} cells; failing cells: ours {ours['failing_cells']:,}, ACRO {failing:,}")
assert ours["failing_cells"] == failing, "both flag the same cells"
best_ours, best_acro = min(ours["seconds"]), min(times)
print(f"ours (ork-airlock, one thread): best {best_ours:.2f} s of {[round(x, 2) for x in ours['seconds']]} (reading the Parquet file: {ours['read_seconds']:.2f} s more)")
print(f"ACRO {m.version('acro')} (pandas {pd.__version__}): best {best_acro:.2f} s of {[round(x, 2) for x in times]}")
print(f"ratio (ours / ACRO): {best_ours / best_acro:.3f}  (goal < 1.0)")
PY
