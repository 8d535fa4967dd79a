# The two commands of the README:
#   make demo   — install the front-end assets, build, and run `orkestrator demo`
#   make test   — the whole test suite: Rust (SQLite and PostgreSQL), browser end-to-end
#                 tests with accessibility checks, the DCAT-AP validation of the catalog
#                 export, schemathesis against the running demo's API and its OpenAPI
#                 document (api-check), and the scan of all logs for secrets.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

TARGET_DIR := $(shell cargo metadata --no-deps --format-version 1 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null || echo target)
export ORK_TEST_LOG_DIR ?= $(CURDIR)/.test-logs
export ORK_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: demo test assets e2e-deps rust-tests e2e-tests dcat-check api-check log-scan check

demo: assets
	cargo run --release -p orkestrator -- demo $(ARGS)

assets:
	./scripts/assets.sh

e2e-deps:
	./scripts/ensure-test-deps.sh
	cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

test: assets e2e-deps
	rm -rf "$(ORK_TEST_LOG_DIR)" && mkdir -p "$(ORK_TEST_LOG_DIR)"
	$(MAKE) --no-print-directory rust-tests e2e-tests dcat-check api-check log-scan

rust-tests:
	cargo test --workspace --all-targets

# The binary is built with the same targets as the tests: `-p orkestrator` alone would
# resolve other dependency features and compile DataFusion a second time.
e2e-tests:
	cargo build --workspace --all-targets
	cd e2e && rm -f test-results/*-diagnosis.txt && { ORK_BIN="$(TARGET_DIR)/debug/orkestrator" npx playwright test \
	  || { for f in test-results/*-diagnosis.txt; do [ -f "$$f" ] && { echo "== $$f"; cat "$$f"; }; done; exit 1; }; }

dcat-check:
	cargo build --workspace --all-targets
	./scripts/check-dcat.sh "$(TARGET_DIR)/debug/orkestrator"

# Schemathesis (installed by scripts/ensure-test-deps.sh) against the demo platform served by
# the debug binary: fails on any disagreement between the server and GET /api/openapi.json.
api-check:
	cargo build --workspace --all-targets
	./scripts/check-api.sh "$(TARGET_DIR)/debug/orkestrator"

log-scan:
	python3 scripts/scan-logs.py --self-test
	python3 scripts/scan-logs.py

# What a reviewer runs before committing.
check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
