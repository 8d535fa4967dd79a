#!/usr/bin/env bash
# Roadmap computation (issue 5): plan a 20-dataset need (registers from several
# controllers, the five regions' EPJ and PACS, biobank and genome data, every trait that
# adds steps) 20,000 times in-process and report p50/p99 of the plan alone and of the
# API's whole answer (plan + precedents + what-if for all nine traits), with estimates
# drawn from the demo's ~5,000 seeded decided cases. Goal: p99 <= 5 ms.
# There is no outside planner to compare with; the figure is absolute.
#   bench/roadmap.sh [REPEAT]      (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
repeat="${1:-20000}"
release_build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/need.json" <<'JSON'
{"applicant": {"kind": "danish_company", "region": "hovedstaden"},
 "datasets": ["lpr", "lmdb", "ind", "udda", "bef", "cpr", "dodsaarsager", "cancer", "dlcr", "biobank",
              "genom", "epj-hovedstaden", "epj-sjaelland", "epj-syddanmark", "epj-midtjylland",
              "epj-nordjylland", "pacs-hovedstaden", "pacs-midtjylland", "lab-syddanmark", "dansk-voksen-diabetes-database"],
 "traits": {"biological_material": true, "genome_data_reuse": true, "image_data_reuse": true,
            "consent": false, "contact_with_participants": false, "intervention": false,
            "disclosure_outside_eu": true, "identifiable_publication": false, "commercial_purpose": true}}
JSON
# A database with the demo's seeded decided cases, so estimates come from history.
"$target/release/orkestrator" --data-dir "$work/var" demo --no-serve --registers-persons 1000 > /dev/null
"$target/release/orkestrator" --data-dir "$work/var" roadmap --need "$work/need.json" --format text --lang en | head -3
"$target/release/orkestrator" --data-dir "$work/var" roadmap --need "$work/need.json" --repeat "$repeat"
