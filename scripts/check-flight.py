"""Queries the demo's workspace over Arrow Flight SQL with a standard client: Apache Arrow's
ADBC Flight SQL driver from PyPI, as a researcher's Python on the analysis server does.

    check-flight.py BASE_URL FLIGHT_ADDR TOKEN_FILE

BASE_URL is the portal (for the workspace's id and its tables' row counts), FLIGHT_ADDR the
Flight SQL address (host:port), TOKEN_FILE holds the demo applicant's API token (named in the
granted permit, certified). Checks that every table's count over Flight SQL equals the row
count the API reports, that the driver lists the workspace's tables, that SQL reaching a
file is refused with the console's code, that a wrong token is refused, and that the
queries are in the project's log as Flight SQL's. Exits non-zero naming what failed.
"""

import json
import sys
import time
import urllib.request

import adbc_driver_flightsql.dbapi as flight_sql
from adbc_driver_flightsql import DatabaseOptions

base, addr, token_file = sys.argv[1], sys.argv[2], sys.argv[3]
token = open(token_file).read().strip()


def api(path):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def fail(msg):
    print(f"Flight SQL check: {msg}", file=sys.stderr)
    sys.exit(1)


# The demo's workspace fills in the background after start.
ws = None
for _ in range(360):
    listed = api("/api/v1/workspaces")["workspaces"]
    if listed and listed[0]["state"] == "ready":
        ws = api(f"/api/v1/workspaces/{listed[0]['id']}")
        if ws["tables"] and not ws["progress"]["running"]:
            break
    time.sleep(0.5)
else:
    fail("the demo's workspace did not become ready within 3 minutes")


def connect(bearer):
    return flight_sql.connect(
        uri=f"grpc://{addr}",
        # Read-only queries: no transactions to manage.
        autocommit=True,
        db_kwargs={
            DatabaseOptions.AUTHORIZATION_HEADER.value: f"Bearer {bearer}",
            "adbc.flight.sql.rpc.call_header.x-ork-workspace": ws["id"],
        },
    )


with connect(token) as conn:
    with conn.cursor() as cur:
        for t in ws["tables"]:
            cur.execute(f'SELECT count(*) AS n FROM "{t["name"]}"')
            n = cur.fetch_arrow_table().column("n")[0].as_py()
            if n != t["rows"]:
                fail(f"{t['name']}: {n} rows over Flight SQL, {t['rows']} in the API")
        first = ws["tables"][0]["name"]
        cur.execute(f'SELECT * FROM "{first}" LIMIT 5')
        table = cur.fetch_arrow_table()
        want = [c["name"] for c in ws["tables"][0]["columns"]]
        if table.column_names != want:
            fail(f"{first}'s columns over Flight SQL are {table.column_names}, the API says {want}")
        try:
            cur.execute("SELECT * FROM '/etc/passwd'")
            cur.fetch_arrow_table()
            fail("a query reading a file was answered")
        except flight_sql.Error as e:
            if "sql_outside" not in str(e):
                fail(f"a query reading a file was refused without sql_outside: {e}")
    objects = conn.adbc_get_objects(depth="tables").read_all().to_pylist()
    listed = sorted(
        t["table_name"]
        for catalog in objects
        for schema in catalog["catalog_db_schemas"] or []
        for t in schema["db_schema_tables"] or []
    )
    if listed != sorted(t["name"] for t in ws["tables"]):
        fail(f"the driver lists {listed}, the workspace has {[t['name'] for t in ws['tables']]}")

try:
    with connect("ork_not-a-real-token") as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetch_arrow_table()
    fail("a wrong token was let in")
except flight_sql.Error as e:
    if "token_unknown" not in str(e):
        fail(f"a wrong token was refused without token_unknown: {e}")

log = api(f"/api/v1/workspaces/{ws['id']}/log")["queries"]
flight = [q for q in log if q["via"] == "flight_sql"]
if not any(q["outcome"] == "refused" for q in flight) or sum(q["outcome"] == "ok" for q in flight) < len(ws["tables"]):
    fail(f"the project's log lacks the Flight SQL queries: {flight}")
print(f"Flight SQL check: {len(ws['tables'])} tables counted alike over ADBC and the API; refusals and the log as they should be")
