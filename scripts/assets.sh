#!/usr/bin/env bash
# Installs the portal's front-end packages from the npm registry (versions pinned in
# web/package-lock.json) and assembles web/dist, which the server serves under /static.
# Nothing here is committed: web/node_modules and web/dist are build output.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -d node_modules/dkfds ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf dist.tmp && mkdir -p dist.tmp/dkfds
cp -r node_modules/dkfds/dist/css node_modules/dkfds/dist/js node_modules/dkfds/dist/fonts node_modules/dkfds/dist/img dist.tmp/dkfds/
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-sse/dist/sse.min.js dist.tmp/
cp static/* dist.tmp/
rm -rf dist && mv dist.tmp dist
echo "web/dist ready ($(du -sh dist | cut -f1))"
