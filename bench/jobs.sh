#!/usr/bin/env bash
# Jobs in the sandbox (issue 20), side by side with the same work outside it, in one run:
# 1. Overhead: a job that only starts Python and exits, by `orkestrator job run --dummy`
#    (the whole command: the sandbox's check, the job's folder, bubblewrap, limits,
#    accounting), against `python3 -c pass` with the same interpreter. Mean of REPEATS each.
#    Goal: at most 0.5 s more.
# 2. Reading Parquet: a pyarrow scan (`pq.read_table`) of a ROWS-row table (the size of the
#    largest table of a large workspace), timed inside the script, in the sandbox (the table
#    read-only at /data, as a job reads its tables) and outside it. Best of REPEATS each.
#    Goal: inside at least 80 % of the speed outside (ratio ≥ 0.8).
# The binary is the tests' debug build: the sandbox's cost is in the programs it starts, not
# in the Rust that starts them.
#
#   bench/jobs.sh [REPEATS] [ROWS]   (default 10, 20,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-10}"
rows="${2:-20000000}"
venv="${ORK_ANALYSIS_VENV:-/var/tmp/ork-analysis-venv}"
py="$venv/bin/python3"
cargo build -q -p orkestrator
target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/debug/orkestrator"
work=$(mktemp -d /var/tmp/ork-jobs-bench-XXXX)
chmod 711 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty" "$work/data" "$work/pass" "$work/scan"
printf 'pass\n' > "$work/pass/pass.py"
printf '[[steps]]\nscript = "pass.py"\n' > "$work/pass/job.toml"
run() { "$bin" --data-dir "$work/var" job run "$@" > "$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }; }

# 1. Overhead.
now() { date +%s.%N; }
t0=$(now); for _ in $(seq "$repeats"); do "$py" -c pass; done; t1=$(now)
for _ in $(seq "$repeats"); do run --dummy "$work/empty" "$work/pass/job.toml"; done; t2=$(now)
direct=$(python3 -c "print(($t1 - $t0) / $repeats)")
sandboxed=$(python3 -c "print(($t2 - $t1) / $repeats)")

# 2. The scan.
"$py" - "$work/data/big.parquet" "$rows" <<'PY'
import sys
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(20)
pq.write_table(pa.table({
    "pnr": pa.array(np.char.mod("%032x", rng.integers(0, 2**62, n))),
    "d_inddto": pa.array(rng.integers(16000, 20000, n).astype("int32")).cast(pa.date32()),
    "c_adiag": pa.array(np.char.mod("DC%02d", rng.integers(0, 99, n))),
    "los": pa.array(rng.exponential(4, n)),
}), path)
PY
cat > "$work/scan/scan.py" <<'PY'
import os, sys, time
import pyarrow.parquet as pq
path = sys.argv[1] if len(sys.argv) > 1 else "/data/big.parquet"
best = min(
    (lambda t0: (pq.read_table(path), time.perf_counter() - t0)[1])(time.perf_counter())
    for _ in range(int(os.environ.get("REPEATS", "3")))
)
print(f"scan {best:.4f}")
PY
printf 'tables = ["big"]\n[[steps]]\nscript = "scan.py"\n' > "$work/scan/job.toml"
outside=$(REPEATS="$repeats" "$py" "$work/scan/scan.py" "$work/data/big.parquet" | awk '/^scan/ {print $2}')
# The job's environment is the sandbox's own: the repeats are in the script.
sed -i "s/os.environ.get(\"REPEATS\", \"3\")/\"$repeats\"/" "$work/scan/scan.py"
run --dummy "$work/data" "$work/scan/job.toml"
inside=$(awk '/^scan/ {print $2}' "$work/last.log")
size=$(du -m "$work/data/big.parquet" | cut -f1)
python3 - "$direct" "$sandboxed" "$outside" "$inside" "$rows" "$size" "$repeats" <<'PY'
import sys
direct, sandboxed, outside, inside = map(float, sys.argv[1:5])
rows, size, repeats = sys.argv[5], sys.argv[6], sys.argv[7]
print(f"start Python and exit: directly {direct:.3f} s, by `orkestrator job run` in the sandbox {sandboxed:.3f} s "
      f"(mean of {repeats}): {sandboxed - direct:+.3f} s, ratio {sandboxed / direct:.1f}")
print(f"pyarrow scan of {int(rows):,} rows ({size} MiB Parquet), best of {repeats}: outside {outside:.3f} s, "
      f"in the sandbox {inside:.3f} s: inside at {outside / inside:.0%} of the speed outside")
PY
