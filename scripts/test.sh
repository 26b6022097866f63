#!/usr/bin/env bash
# `make test`: everything CI checks, in the order a failure is cheapest to find.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

step "lint: ruff, sqlfluff, yaml (scripts/lint.sh, the same as make lint)"
bash scripts/lint.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step "dbt build on a small simulated data set"
"$BIN/lifecycle" simulate --out "$work/landing" --scale small --seed 7
LIFECYCLE_LANDING_DIR="$work/landing" LIFECYCLE_WAREHOUSE="$work/warehouse.duckdb" "$BIN/lifecycle" build

step "pytest (2 workers, one test file each at a time)"
"$BIN/python" -m pytest -m "not slow" -q -p no:cacheprovider -n 2 --dist loadfile

if [ -x ../shared/checks/interface-check ]; then
    step "interface check on the shared example landing dir"
    ../shared/checks/interface-check
fi
step "all checks passed"
