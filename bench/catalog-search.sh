#!/usr/bin/env bash
# Catalog search at scale (issue 4): a stress catalog of 50,000 variables (bench/
# catalog-stress.py) on top of the real one, then
#   1. the index build time,
#   2. search latency in-process, side by side with SQLite FTS5 (Python's sqlite3) over the
#      same variables and the same queries — the named peer for full-text search,
#   3. p50/p99 over HTTP with the release server under concurrent load (8 clients).
#
#   bench/catalog-search.sh [SOURCES] [VARS] [SECONDS]     (defaults: 500 100 20)
# Goals: p99 <= 20 ms under load with 50,000 variables; index build <= 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
sources="${1:-500}"; vars="${2:-100}"; secs="${3:-20}"
release_build
bin="$target/release/orkestrator"
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
python3 bench/catalog-stress.py "$work/stress" "$sources" "$vars"
cat > "$work/queries.txt" <<'Q'
lungekræft
lung cancer
HbA1c
aktionsdiagnose
dispensing date
blodtryk diabetes
heart failure
kolesterol
diabtes
hæmoglobin
creatinine sample
indlæggelse
emergency admission
vaccination
graviditet fødsel
smoking alcohol
tumour stage
kommune
follow-up treatment
depression
Q
export ORK_CATALOG_DIR="$work/stress"
"$bin" --data-dir "$work/var" catalog check
"$bin" --data-dir "$work/var" catalog bench-search --queries "$work/queries.txt" --rounds 20 > "$work/engine.json"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ORK_LOG=warn ORK_COOKIE_SECURE=false "$bin" --data-dir "$work/var" serve --listen "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.2; done
python3 - "$work" "$port" "$secs" <<'PY'
import http.client, json, os, re, sqlite3, statistics, sys, threading, time, tomllib, urllib.parse, glob
work, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
queries = [l.strip() for l in open(f"{work}/queries.txt", encoding="utf-8") if l.strip()]
engine = json.load(open(f"{work}/engine.json"))

# The peer: the same variables (and sources) in SQLite FTS5, prefix queries per word.
db = sqlite3.connect(":memory:")
db.execute("CREATE VIRTUAL TABLE docs USING fts5(source, name, label, description, tokenize='unicode61 remove_diacritics 2')")
t0 = time.perf_counter()
rows = 0
for path in glob.glob(f"{work}/stress/sources/*.toml"):
    s = tomllib.load(open(path, "rb"))
    db.execute("INSERT INTO docs VALUES (?,?,?,?)", (s["id"], s["name"]["en"], s["name"]["da"], s["summary"]["da"] + " " + s["summary"]["en"]))
    for t in s.get("tables", []):
        for v in t["variables"]:
            db.execute("INSERT INTO docs VALUES (?,?,?,?)", (s["id"], v["name"], v["label"]["da"] + " " + v["label"]["en"], v["description"]["da"] + " " + v["description"]["en"]))
            rows += 1
db.commit()
peer_build = (time.perf_counter() - t0) * 1e3
def fts(q):
    words = [w for w in re.findall(r"\w+", q)]
    return " AND ".join('"' + w.replace('"', '') + '"*' for w in words)
times = []
for _ in range(20):
    for q in queries:
        t = time.perf_counter()
        db.execute("SELECT source, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 20", (fts(q),)).fetchall()
        times.append((time.perf_counter() - t) * 1e6)
times.sort()
pct = lambda xs, p: xs[round((len(xs) - 1) * p)]

# Concurrent HTTP load: 8 clients with keep-alive, for `secs` seconds.
lat, errors, stop = [], [0], time.time() + secs
lock = threading.Lock()
def client(k):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    i = k
    while time.time() < stop:
        q = queries[i % len(queries)]; i += 1
        path = "/api/v1/catalog/search?" + urllib.parse.urlencode({"q": q, "lang": "da", "limit": 20})
        t = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse(); r.read()
        d = (time.perf_counter() - t) * 1e3
        with lock:
            if r.status == 200: lat.append(d)
            else: errors[0] += 1
threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
lat.sort()
print(f"stress catalog: {engine['documents']:,} documents indexed in {engine['build_ms']:.0f} ms (goal <= 5000 ms); SQLite FTS5 loads {rows:,} variables in {peer_build:.0f} ms")
print(f"in-process, {engine['searches']} searches: ork-catalog p50 {engine['p50_us']/1e3:.2f} ms, p99 {engine['p99_us']/1e3:.2f} ms | SQLite FTS5 p50 {pct(times,0.5)/1e3:.2f} ms, p99 {pct(times,0.99)/1e3:.2f} ms | ork-catalog's p99 is {pct(times,0.99)/engine['p99_us']:.1f}x lower")
print(f"HTTP under load (8 clients, {secs:.0f} s): {len(lat):,} searches ({len(lat)/secs:.0f}/s), p50 {pct(lat,0.5):.2f} ms, p99 {pct(lat,0.99):.2f} ms (goal <= 20 ms), errors {errors[0]}")
PY
