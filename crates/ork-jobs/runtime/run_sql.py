"""Runs a job's SQL step inside the sandbox: one query over the job's tables, its result
written to the step's output file.

Every Parquet file in /data is a table named as the file (``/data/bef.parquet`` is
``bef``), and every Parquet or CSV file an earlier job left is one named
``<job>_<file>`` with non-alphanumeric characters as ``_``. The query runs in DuckDB,
in memory, with its spill files in /work; the result goes to ``/output/<output>`` as CSV
(with a header) or Parquet, by the file's extension.

Usage: run_sql.py SCRIPT OUTPUT
"""

import os
import re
import sys

import duckdb


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def main(script, output):
    with open(script, encoding="utf-8") as f:
        sql = f.read().strip().rstrip(";").strip()
    if not sql:
        sys.exit(f"{os.path.basename(script)}: the script holds no query")
    con = duckdb.connect(":memory:", config={"temp_directory": "/work/.duckdb"})
    threads = os.environ.get("OMP_NUM_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for name in sorted(os.listdir("/data")):
        if name.endswith(".parquet"):
            view = name[: -len(".parquet")]
            con.execute(
                f"CREATE VIEW {ident(view)} AS SELECT * FROM read_parquet({literal('/data/' + name)})"
            )
    if os.path.isdir("/inputs"):
        for job in sorted(os.listdir("/inputs")):
            for name in sorted(os.listdir(os.path.join("/inputs", job))):
                path = os.path.join("/inputs", job, name)
                stem, ext = os.path.splitext(name)
                view = re.sub(r"[^A-Za-z0-9_]", "_", f"{job}_{stem}")
                reader = {".parquet": "read_parquet", ".csv": "read_csv_auto"}.get(ext)
                if reader:
                    con.execute(
                        f"CREATE VIEW {ident(view)} AS SELECT * FROM {reader}({literal(path)})"
                    )
    fmt = "PARQUET" if output.endswith(".parquet") else "CSV, HEADER"
    con.execute(f"COPY ({sql}) TO {literal(output)} (FORMAT {fmt})")
    rows = con.execute(f"SELECT count(*) FROM {'read_parquet' if fmt == 'PARQUET' else 'read_csv_auto'}({literal(output)})").fetchone()[0]
    print(f"{os.path.basename(script)}: {rows} rows written to {os.path.basename(output)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: run_sql.py SCRIPT OUTPUT")
    try:
        main(sys.argv[1], sys.argv[2])
    except duckdb.Error as e:
        sys.exit(f"{os.path.basename(sys.argv[1])}: {e}")
