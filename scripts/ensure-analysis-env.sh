#!/usr/bin/env bash
# Installs what jobs and notebooks run with (issue 20), so nothing is fetched when they run:
# - the sandbox's tools from Debian: bubblewrap (namespaces), time (what a job used);
# - R from Debian with survival, data.table and the Jupyter R kernel (CRAN is not reached:
#   R's arrow package is not in Debian, so R jobs read the tables as CSV);
# - the analysis environment: a Python virtual environment made from the system's Python
#   (under /usr, which the sandbox mounts), with the pinned versions of
#   crates/ork-jobs/analysis/python-requirements.txt (pandas, polars, pyarrow, duckdb,
#   statsmodels, scikit-learn, lifelines, JupyterLab…).
# The environment's folder is ORK_ANALYSIS_VENV (default /var/tmp/ork-analysis-venv); the
# server is told it by ORK_ANALYSIS_ENV or `analysis_env` in its configuration.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${ORK_ANALYSIS_VENV:-/var/tmp/ork-analysis-venv}"
requirements="$here/crates/ork-jobs/analysis/python-requirements.txt"
debs=(bubblewrap time r-base-core r-cran-survival r-cran-data.table r-cran-irkernel)
missing=()
for d in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || missing+=("$d")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} for jobs and notebooks…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Jobs need Debian's ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
# The versions installed are recorded beside the environment; a changed requirements file
# makes it again.
stamp="$venv/.ork-requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Making the analysis environment in $venv (pandas, pyarrow, duckdb, statsmodels, scikit-learn, lifelines, JupyterLab)…"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip wheel
  "$venv/bin/pip" install -q -r "$requirements"
  chmod -R a+rX "$venv"
  echo "$want" > "$stamp"
fi
# JupyterLab in the sandbox has no network: it neither fetches news nor checks for updates,
# nor asks the user whether it may.
settings="$venv/share/jupyter/lab/settings"
mkdir -p "$settings"
cat > "$settings/overrides.json" <<'JSON'
{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
JSON
chmod -R a+rX "$settings"
