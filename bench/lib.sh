# Shared by the bench scripts (sourced from the repository root).

# The release build of the named packages (orkestrator when none); sets $target to the
# cargo target directory.
release_build() {
  cargo build --release -q -p "${1:-orkestrator}"
  target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
}

# A virtualenv with DuckDB from PyPI, the peer of several benchmarks; sets $venv.
duckdb_venv() {
  venv="${BENCH_VENV:-/var/tmp/ork-bench-venv}"
  if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q duckdb
  fi
}
