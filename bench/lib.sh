# Shared by the bench scripts (sourced from the repository root).

# The release build of the named packages (orkestrator when none); sets $target to the
# cargo target directory.
release_build() {
  cargo build --release -q -p "${1:-orkestrator}"
  target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
}

# DuckDB that writes encrypted Parquet with OpenSSL: its crypto for writing lives in the
# httpfs extension, which PyPI ships only for DuckDB 1.4.4 (duckdb-ext-httpfs), so the
# encrypting peer pins both; sets $venv and $httpfs (the extension file to LOAD).
duckdb_crypto_venv() {
  venv="${BENCH_CRYPTO_VENV:-/var/tmp/ork-bench-venv-duckdb144}"
  if ! "$venv/bin/python" -c 'import duckdb, duckdb_ext' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "duckdb==1.4.4" "duckdb-ext-httpfs==1.4.4.20260205"
  fi
  httpfs=$("$venv/bin/python" -c 'import duckdb_ext, os; print(os.path.join(list(duckdb_ext.__path__)[0], "extensions/v1.4.4/linux_amd64/httpfs.duckdb_extension"))')
}

# A virtualenv with DuckDB from PyPI, the peer of several benchmarks; sets $venv.
duckdb_venv() {
  venv="${BENCH_VENV:-/var/tmp/ork-bench-venv}"
  if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q duckdb
  fi
}
