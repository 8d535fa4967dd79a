#!/usr/bin/env bash
# Makes sure what the test suite needs beyond Rust and npm is here: Debian's Chromium for
# the browser tests, schemathesis for the API check and a running PostgreSQL for the
# PostgreSQL half of the suite.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium at /usr/bin/chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
# Schemathesis (PyPI) for scripts/check-api.sh. Pinned: a new release brings new checks and
# new generated inputs, and the suite should fail because the API changed, not because the
# tool did; bump it on purpose. In a venv of its own outside the clone, so a fresh clone
# (CI) installs it once, later runs reuse it, and its dependencies never meet pyshacl's.
schemathesis_version=4.32.5
st_venv="${ORK_SCHEMATHESIS_VENV:-/var/tmp/ork-schemathesis-venv}"
if [ "$("$st_venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $schemathesis_version" ]; then
  echo "Installing schemathesis $schemathesis_version for the API check…"
  python3 -m venv "$st_venv"
  "$st_venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi
# PyJWT (with cryptography for EdDSA) in the same venv: scripts/check-permit.py verifies
# the demo's permit with a standard JWT library against the published JWKS.
if ! "$st_venv/bin/python" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "Installing PyJWT for the permit check…"
  "$st_venv/bin/pip" install -q "pyjwt[crypto]==2.10.1"
fi
# aiosmtpd (a real SMTP server the Rust tests start to receive notification e-mails) and
# the Standard Webhooks reference library (the tests verify webhook signatures with it).
if ! "$st_venv/bin/python" -c 'import aiosmtpd, standardwebhooks' 2>/dev/null; then
  echo "Installing aiosmtpd and standardwebhooks for the notification tests…"
  "$st_venv/bin/pip" install -q "aiosmtpd==1.4.6" "standardwebhooks==1.0.0"
fi
# The ADBC Flight SQL driver with PyArrow: scripts/check-flight.py queries the demo's
# workspace over Arrow Flight SQL as a researcher's Python does (a standard client, not ours).
if ! "$st_venv/bin/python" -c 'import adbc_driver_flightsql.dbapi, pyarrow' 2>/dev/null; then
  echo "Installing the ADBC Flight SQL driver for the Flight SQL check…"
  "$st_venv/bin/pip" install -q "adbc-driver-flightsql==1.13.0" "pyarrow==26.0.1"
fi
# moto's S3 server: the object-storage test keeps workspaces in a real S3-compatible
# server on loopback.
if ! "$st_venv/bin/python" -c 'import moto.server, flask' 2>/dev/null; then
  echo "Installing moto's S3 server for the object-storage test…"
  "$st_venv/bin/pip" install -q "moto[server]==5.2.5"
fi
# ACRO (PyPI, the SACRO project's output checker) with pandas and PyArrow, in a venv of its
# own (it pins pandas): the airlock's test runs it on the same tables as ours and compares
# the verdicts cell by cell. Pinned, like schemathesis: ACRO's rules changed between releases.
acro_venv="${ORK_ACRO_VENV:-/var/tmp/ork-acro-venv}"
if ! "$acro_venv/bin/python" -c 'import acro, pyarrow, importlib.metadata as m; assert m.version("acro") == "1.0.1"' 2>/dev/null; then
  echo "Installing ACRO for the airlock's comparison test…"
  python3 -m venv "$acro_venv"
  "$acro_venv/bin/pip" install -q "acro==1.0.1" "pandas==2.3.3" "pyarrow==26.0.1"
fi
# The sandbox's tools, R and the analysis environment, for the jobs' tests.
"$(dirname "$0")/ensure-analysis-env.sh"
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "The PostgreSQL tests need a server on 127.0.0.1:5432 (or set ORK_TEST_POSTGRES_URL)." >&2
  exit 1
fi
