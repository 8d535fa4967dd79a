#!/usr/bin/env bash
# Arrow Flight SQL throughput (issue 18): a 10,000,000-row result of a workspace query
# streamed to Python's ADBC Flight SQL driver (PyPI adbc-driver-flightsql) over loopback.
# Goal: at least 100 MB/s (Arrow bytes received per second, wall clock from execute to the
# last batch). The peer, side by side in the same run: PyArrow's own Flight server and
# client (Arrow C++ at both ends) streaming the same 10,000,000 rows over loopback, from
# memory; the ratio is ours / PyArrow's.
#
#   bench/flight.sh [REPEATS] [PERSONS]   (defaults 3 and 200000)
#
# The platform is the release build's demo (a fresh data directory, a synthetic Denmark of
# PERSONS persons; the demo's project workspace fills from the permit). The query is the
# workspace's largest table, every column, crossed with enough of its own rows to make
# 10,000,000 (a cross join over real workspace columns: pseudonyms, dates, codes).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
repeats="${1:-3}"
persons="${2:-200000}"
release_build orkestrator
venv="${BENCH_VENV:-/var/tmp/ork-bench-venv}"
if ! "$venv/bin/python" -c 'import adbc_driver_flightsql.dbapi, pyarrow.flight' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "adbc-driver-flightsql==1.13.0" "pyarrow==26.0.1"
fi
work=$(mktemp -d /var/tmp/ork-flight-bench-XXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
flight=$(free_port)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
(
  cd "$work"
  exec env -u DATABASE_URL ORK_LOG=warn "$target/release/orkestrator" --data-dir "$work/var" demo \
    --listen "127.0.0.1:$port" --flight-sql-listen "127.0.0.1:$flight" --registers-persons "$persons" \
    >"$work/demo.out" 2>"$work/demo.log"
) &
server=$!
"$venv/bin/python" - "http://127.0.0.1:$port" "127.0.0.1:$flight" "$work/demo.out" "$repeats" <<'PY'
import json, sys, threading, time, urllib.parse, urllib.request
import adbc_driver_flightsql.dbapi as flight_sql
import pyarrow as pa
import pyarrow.flight as fl

base, addr, demo_out, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ROWS = 10_000_000

for _ in range(600):
    try:
        urllib.request.urlopen(base + "/api/health", timeout=5)
        break
    except Exception:
        time.sleep(0.5)
email = "applicant@demofarma.demo.dk"
password = next(l.split()[1] for l in open(demo_out) if l.split()[:1] == [email])
# The cookies are Secure, which a cookie jar keeps off plain http: they are sent by hand.
cookies = {}
def remember(resp):
    for h in resp.headers.get_all("set-cookie") or []:
        name, value = h.split(";", 1)[0].split("=", 1)
        cookies[name] = value
def req(path, data=None, headers=None, method=None):
    h = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    h.update(headers or {})
    r = urllib.request.Request(base + path, data=data, headers=h, method=method)
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        resp = opener.open(r, timeout=60)
    except urllib.error.HTTPError as e:
        resp = e
    remember(resp)
    return resp
req("/login")
form = urllib.parse.urlencode({"_csrf": cookies["ork_csrf"], "email": email, "password": password}).encode()
req("/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
t = req("/api/v1/tokens", json.dumps({"name": "flight bench", "expires_in_days": 1}).encode(),
        {"Content-Type": "application/json", "X-CSRF-Token": cookies["ork_csrf"]})
token = json.load(t)["token"]
def api(path):
    r = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(r, timeout=60))
for _ in range(1200):
    ws = api("/api/v1/workspaces")["workspaces"]
    if ws and ws[0]["state"] == "ready":
        w = api(f"/api/v1/workspaces/{ws[0]['id']}")
        if w["tables"] and not w["progress"]["running"]:
            break
    time.sleep(0.5)
else:
    sys.exit("the demo's workspace did not become ready")
big = max(w["tables"], key=lambda t: t["rows"])
times = -(-ROWS // big["rows"])
cols = ", ".join(f'a."{c["name"]}"' for c in big["columns"])
sql = (f'SELECT {cols} FROM "{big["name"]}" a CROSS JOIN '
       f'(SELECT 1 AS k FROM "{big["name"]}" LIMIT {times}) b LIMIT {ROWS}')

conn = flight_sql.connect(f"grpc://{addr}", autocommit=True, db_kwargs={
    "adbc.flight.sql.authorization_header": f"Bearer {token}",
    "adbc.flight.sql.rpc.call_header.x-ork-workspace": w["id"],
})
ours = []
table = None
for _ in range(repeats):
    cur = conn.cursor()
    t0 = time.perf_counter()
    cur.execute(sql)
    table = cur.fetch_arrow_table()
    ours.append(time.perf_counter() - t0)
    cur.close()
    assert table.num_rows == ROWS, table.num_rows
conn.close()
nbytes = table.nbytes

class Server(fl.FlightServerBase):
    def do_get(self, context, ticket):
        return fl.RecordBatchStream(table)
server = Server("grpc://127.0.0.1:0")
threading.Thread(target=server.serve, daemon=True).start()
client = fl.connect(f"grpc://127.0.0.1:{server.port}")
peer = []
for _ in range(repeats):
    t0 = time.perf_counter()
    got = client.do_get(fl.Ticket(b"t")).read_all()
    peer.append(time.perf_counter() - t0)
    assert got.num_rows == ROWS
server.shutdown()

mb = nbytes / 1e6
best, best_peer = min(ours), min(peer)
print(f"result: {ROWS:,} rows of {big['name']} ({len(big['columns'])} columns: "
      f"{', '.join(c['name'] + ':' + c['type'] for c in big['columns'])}), {mb:,.0f} MB of Arrow data")
print(f"ours (Flight SQL, DataFusion, ADBC {flight_sql.__name__.split('.')[0]} client): best {best:.2f} s "
      f"= {mb / best:,.0f} MB/s of {[round(x, 2) for x in ours]}  (goal >= 100 MB/s)")
print(f"PyArrow {pa.__version__} Flight server -> client, same table from memory: best {best_peer:.2f} s "
      f"= {mb / best_peer:,.0f} MB/s of {[round(x, 2) for x in peer]}")
print(f"ratio (ours / PyArrow throughput): {(mb / best) / (mb / best_peer):.2f}")
PY
