#!/usr/bin/env bash
# Holds the server to its OpenAPI document: starts the real binary's demo platform and runs
# schemathesis against GET /api/openapi.json with every check (status codes, content types,
# response schemas and headers, valid input accepted, invalid input rejected, auth enforced,
# allowed methods, stateful links). Exits non-zero on any finding. Needs schemathesis from
# scripts/ensure-test-deps.sh.
#   scripts/check-api.sh BINARY
# ORK_API_CHECK_EXAMPLES (default 100) bounds the generated cases per operation;
# ORK_API_CHECK_PORT picks the port (default: a free one).
set -euo pipefail
bin="$(realpath "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
st="${ORK_SCHEMATHESIS_VENV:-/var/tmp/ork-schemathesis-venv}/bin/schemathesis"
if [ ! -x "$st" ]; then
  echo "The API check needs schemathesis: run ./scripts/ensure-test-deps.sh" >&2
  exit 1
fi
log_dir="${ORK_TEST_LOG_DIR:-${TMPDIR:-/tmp}/orkestrator-test-logs}"
mkdir -p "$log_dir"
server_log="$log_dir/api-check-server.log"

work=$(mktemp -d)
# Jobs run as an unprivileged user, who must pass through the folders above its own.
chmod 711 "$work"
server=
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port, unless one is asked for.
port="${ORK_API_CHECK_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
base="http://127.0.0.1:$port"
flight_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The demo as the browser tests start it: a fresh data directory, a small synthetic Denmark
# (the quick tests need registers; 5,000 persons take seconds), JSON logs at debug level into
# the log directory, which the log scan reads. Stdout holds the demo users' passwords: it
# stays in the scratch directory. Started from there, so no ./orkestrator.toml, ./var or
# DATABASE_URL of the developer's is used.
echo "API check: starting the demo platform on $base (log: $server_log)"
log_start=$(( $(stat -c %s "$server_log" 2>/dev/null || echo 0) + 1 ))
(
  cd "$work"
  exec env -u DATABASE_URL ORK_ASSETS_DIR="$root/web/dist" ORK_LOG='debug,sqlx=warn,hyper=info' ORK_LOG_FORMAT=json \
    "$bin" --data-dir "$work/var" demo --listen "127.0.0.1:$port" --flight-sql-listen "127.0.0.1:$flight_port" --registers-persons 5000 \
    >"$work/demo.out" 2>>"$server_log"
) &
server=$!
for _ in $(seq 1 240); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "API check: the demo exited before it served (port $port taken?); the end of its log:" >&2
    tail -n 20 "$server_log" >&2
    exit 1
  fi
  [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$base/api/health")" = 200 ] && break
  sleep 0.5
done
if [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$base/api/health")" != 200 ]; then
  echo "API check: GET /api/health did not answer 200 within 2 minutes" >&2
  exit 1
fi
# Signs in as a demo user through the portal's form (CSRF cookie and field, as a browser
# does) and creates an API token from that session (only a session may). Writes the token to
# the file $3 and prints neither it nor the password; both go to secrets.txt, so the log
# scan proves no log ever held them. Secrets reach curl through files, not its arguments.
# The cookies are read from Set-Cookie by hand: they are Secure, which curl's cookie engine
# refuses over http.
cookie() { sed -n "s/^set-cookie: $1=\([^;]*\).*/\1/Ip" "$2" | tr -d '\r' | tail -n 1; }
issue_token() {
  local email=$1 name=$2 out=$3 csrf session
  awk -v e="$email" '$1 == e && NF == 3 { printf "%s", $2 }' "$work/demo.out" >"$work/password"
  if [ ! -s "$work/password" ]; then
    echo "API check: the demo printed no password for $email" >&2
    return 1
  fi
  { cat "$work/password"; echo; } >>"$log_dir/secrets.txt"
  curl -sS -o /dev/null -D "$work/headers" "$base/login"
  csrf=$(cookie ork_csrf "$work/headers")
  printf 'Cookie: ork_csrf=%s\n' "$csrf" >"$work/request-headers"
  curl -sS -o /dev/null -D "$work/headers" -H @"$work/request-headers" \
    --data-urlencode "_csrf=$csrf" --data-urlencode "email=$email" --data-urlencode "password@$work/password" \
    "$base/login"
  session=$(cookie ork_session "$work/headers")
  csrf=$(cookie ork_csrf "$work/headers")
  if [ -z "$session" ]; then
    echo "API check: signing in as $email failed" >&2
    return 1
  fi
  printf 'Cookie: ork_session=%s; ork_csrf=%s\nX-CSRF-Token: %s\n' "$session" "$csrf" "$csrf" >"$work/request-headers"
  code=$(curl -sS -o "$work/created.json" -w '%{http_code}' -H @"$work/request-headers" \
    -H 'Content-Type: application/json' -d "{\"name\": \"$name\", \"expires_in_days\": 1}" "$base/api/v1/tokens")
  rm -f "$work/password" "$work/request-headers"
  if [ "$code" != 201 ]; then
    echo "API check: creating an API token as $email answered $code" >&2
    return 1
  fi
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$work/created.json" >"$out"
  rm -f "$work/created.json"
  cat "$out" >>"$log_dir/secrets.txt"
}
# Whether a token still works: a run whose token stopped working tested 401s only.
token_works() {
  printf 'Authorization: Bearer %s\n' "$(cat "$1")" >"$work/request-headers"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H @"$work/request-headers" "$base/api/v1/me")" = 200 ]
}
issue_token applicant@ku.demo.dk api-check "$work/applicant.token"
issue_token auditor@datatilsynet.demo.dk api-check "$work/auditor.token"
issue_token advisor@platform.demo.dk api-check "$work/advisor.token"
issue_token applicant@ku.demo.dk api-check-revoke "$work/revoke.token"
# The demo's granted application has a permit: it verifies with PyJWT against the JWKS the
# server publishes, and a changed byte, another key or alg none are refused.
issue_token applicant@demofarma.demo.dk api-check "$work/company.token"
printf 'Authorization: Bearer %s\n' "$(cat "$work/company.token")" >"$work/request-headers"
curl -sS -H @"$work/request-headers" "$base/api/v1/permits" >"$work/permits.json"
permit=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["permits"][0]["id"])' "$work/permits.json")
curl -sS -H @"$work/request-headers" "$base/api/v1/permits/$permit/jwt" >"$work/permit.jwt"
curl -sS "$base/.well-known/jwks.json" >"$work/jwks.json"
rm -f "$work/request-headers"
if ! "${ORK_SCHEMATHESIS_VENV:-/var/tmp/ork-schemathesis-venv}/bin/python" "$root/scripts/check-permit.py" "$work/permit.jwt" "$work/jwks.json"; then
  echo "API check: the demo's permit does not verify with PyJWT as it should" >&2
  exit 1
fi
# The demo's workspace over Arrow Flight SQL with Apache Arrow's ADBC driver (PyPI), as a
# researcher's Python does: the same tables and counts as the API, the same refusals, logged.
if ! "${ORK_SCHEMATHESIS_VENV:-/var/tmp/ork-schemathesis-venv}/bin/python" "$root/scripts/check-flight.py" "$base" "127.0.0.1:$flight_port" "$work/company.token"; then
  echo "API check: the workspace does not answer over Flight SQL as it should" >&2
  exit 1
fi
# A saved cohort of the applicant's. The document describes a cohort definition as any
# object, so schemathesis cannot write one the server accepts, and the operations on
# /api/v1/cohorts/{id} would meet nothing but 404s; half of their ids are this one instead.
printf 'Authorization: Bearer %s\n' "$(cat "$work/applicant.token")" >"$work/request-headers"
code=$(curl -sS -o "$work/cohort.json" -w '%{http_code}' -H @"$work/request-headers" -H 'Content-Type: application/json' \
  -d '{"name": "API check", "definition": {"population": {"alive_on": "2020-01-01", "age": [40, 60]}}}' \
  "$base/api/v1/cohorts")
if [ "$code" != 201 ]; then
  echo "API check: saving a cohort answered $code: $(cat "$work/cohort.json")" >&2
  exit 1
fi
cohort=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/cohort.json")
cat >"$work/schemathesis.toml" <<EOF
[dictionaries.cohorts]
values = ["$cohort"]

[[operations]]
include-path-regex = '^/api/v1/cohorts/'
parameters = { "path.id" = { dictionary = "cohorts", probability = 0.5 } }

# Rules no OpenAPI schema can state, so a request that fits the schema may still get a 400
# naming the rule: a cohort definition's codes must exist in the ICD-10, ATC, SKS and NPU
# lists (tens of thousands of codes; the schema gives their form) and its dates and ranges
# must agree; a roadmap's datasets must be in the catalog; a catalog search's from_year
# may not lie after its to_year. Only these operations accept a 400 for valid-looking input.
[[operations]]
include-path-regex = '^/api/v1/(quicktests|cohorts|cohorts/[^/]+/quicktest|roadmap|catalog/search)$'
checks = { positive_data_acceptance = { expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"] } }

# Applications: a need that fits the schema may still be one the planner refuses (traits
# that contradict the datasets); a patch's answers are saved with their errors but a
# submission is refused with every one of them (422); a decision or message depends on the
# part's state (409); an upload's type is found from its bytes, which no schema states (415).
[[operations]]
include-path-regex = '^/api/v1/(applications|applications/.*|uploads|parts/.*)$'
checks = { positive_data_acceptance = { expected-statuses = ["2xx", "400", "401", "403", "404", "409", "413", "415", "422", "429"] } }

# The advice desk: a question's datasets, application and attachments must exist (404); what
# may be done depends on its state (409); "this answered my question" is counted at most 30
# times an hour from one address (429).
[[operations]]
include-path-regex = '^/api/v1/(kb|kb/.*|questions|questions/.*|advice/.*)$'
checks = { positive_data_acceptance = { expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"] } }
EOF
# The quick-test index is built in the background after start; until it is there, quick
# tests answer 503. Waiting for it keeps the runs the same every time. Only the server's log
# tells (an API probe would be charged as a quick test), so this waits for its line in this
# run's part of the log, and goes on after a minute whatever it says.
for _ in $(seq 1 120); do
  tail -c "+$log_start" "$server_log" | grep -q 'quick-test index built' && break
  sleep 0.5
done

# The options, and why:
#   --checks all                 every check schemathesis has; a new finding fails the suite.
#   --generation-deterministic   the same inputs every run (no seed, no example database), so
#                                a failure is the code's doing and reproduces.
#   --max-examples               bounds each operation's generated cases: minutes, not hours.
#   --workers 1                  requests in one order, so server state is the same each run.
#   --request-timeout 30         a debug build on a busy two-core machine is slow at times.
#   --output-sanitize true       the default, stated: the token is [Filtered] in reproductions.
#   --continue-on-failure        the whole list of an operation's findings, not the first.
#   -H Authorization: Bearer     the operations behind sign-in are exercised as a user.
#   --generation-with-security-parameters false
#                                no made-up ork_session cookies next to the token: the server
#                                never looks at the cookie when a bearer token is sent, so they
#                                test nothing and only clutter the reproductions.
#   --config-file                the cohort id above (and no schemathesis.toml found by chance).
# Output goes through sed, which masks anything token-shaped in case one ever got through.
examples="${ORK_API_CHECK_EXAMPLES:-100}"
run() {
  local what=$1 token=$2
  shift 2
  echo
  echo "API check: $what"
  (cd "$work" && "$st" --config-file "$work/schemathesis.toml" run "$base/api/openapi.json" --checks all --generation-deterministic \
    --max-examples "$examples" --workers 1 --request-timeout 30 --output-sanitize true \
    --continue-on-failure --generation-with-security-parameters false --no-color -H "Authorization: Bearer $(cat "$token")" "$@") |
    sed -u 's/ork_[A-Za-z0-9_-]\{20,\}/[api-token]/g'
}
failed=()
# 1. Everything but the audit trail, as an applicant at a university. Revoking tokens is
#    left to run 4: schemathesis would sooner or later revoke the token it runs with, and
#    every operation after that would only answer 401. A question's live event stream stays
#    open for minutes by design, which a request-response checker takes for a hang: it is
#    tested by the Rust suite (tests/it/advice.rs) instead.
run "every operation as applicant@ku.demo.dk, but the audit trail, token revocation and event streams" "$work/applicant.token" \
  --exclude-path-regex '^/api/v1/audit|/events$' --exclude-name 'DELETE /api/v1/tokens/{id}' || failed+=("applicant")
if ! token_works "$work/applicant.token"; then
  echo "API check: the applicant's token stopped working during the run: its results are void" >&2
  failed+=("applicant's token")
fi
# 2. The audit trail answers only auditors and operators.
run "the audit trail as auditor@datatilsynet.demo.dk" "$work/auditor.token" \
  --include-path-regex '^/api/v1/audit' || failed+=("auditor")
if ! token_works "$work/auditor.token"; then
  echo "API check: the auditor's token stopped working during the run: its results are void" >&2
  failed+=("auditor's token")
fi
# 3. The advice desk as a first-level advisor: the queue, referral, drafts, the report and
#    contact persons answer only advisors.
run "the advice desk as advisor@platform.demo.dk" "$work/advisor.token" \
  --include-path-regex '^/api/v1/(kb|questions|advice)' --exclude-path-regex '/events$' || failed+=("advisor")
if ! token_works "$work/advisor.token"; then
  echo "API check: the advisor's token stopped working during the run: its results are void" >&2
  failed+=("advisor's token")
fi
# 4. Token revocation, with a token of its own, last: it may revoke any of the applicant's
#    tokens, its own included (after which it gets the documented 401).
run "token revocation as applicant@ku.demo.dk" "$work/revoke.token" \
  --include-name 'DELETE /api/v1/tokens/{id}' || failed+=("token revocation")

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "API check: FAILED in: ${failed[*]}. Each finding above is a place where the server and" >&2
  echo "GET /api/openapi.json disagree." >&2
  echo "Reproduce one with its curl line and -H 'Authorization: Bearer <a token of yours>' against \`make demo\`;" >&2
  echo "the \`st replay\` hints do not apply: their crash files were in the scratch directory, which is gone." >&2
  exit 1
fi
echo "API check: schemathesis found nothing in 4 runs."
