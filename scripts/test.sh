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
step "the whole pipeline on a small simulated data set (lifecycle run: load, dbt build, LTV fit, checks, publish)"
"$BIN/lifecycle" simulate --out "$work/landing" --scale small --seed 7
LIFECYCLE_LANDING_DIR="$work/landing" LIFECYCLE_WAREHOUSE="$work/data/warehouse.duckdb" \
    LIFECYCLE_SERVING="$work/data/serving.duckdb" "$BIN/lifecycle" run | tee "$work/run.log"
cp target/manifest.json "$work/manifest.json"  # the parse the run used (target/ changes later)
# dbt's unit tests run on a copy of that warehouse, in the background while pytest runs (they
# are mostly waiting on dbt's parse; a copy keeps its own lock and the pytest readers' file free)
step "dbt unit tests on a copy of that warehouse, in the background (pipeline builds leave them out: they test the SQL, not the data)"
cp "$work/data/warehouse.duckdb" "$work/unit_warehouse.duckdb"
LIFECYCLE_LANDING_DIR="$work/landing" LIFECYCLE_WAREHOUSE="$work/unit_warehouse.duckdb" \
    "$BIN/lifecycle" dbt test --select "resource_type:unit_test" \
    --target-path "$work/unit_target" --log-path "$work/logs" > "$work/unit_tests.log" 2>&1 &
unit_pid=$!
# the tests that read a finished run (the end-to-end Dagster checks, serving DB, semantic layer,
# dashboard) reuse this one: tests/conftest.py, fixture small_run
export LIFECYCLE_TEST_RUN="$work"

if [ -n "${LIFECYCLE_CHROMIUM:-}" ] || [ -x /usr/lib/chromium/chromium ] || command -v chromium >/dev/null; then
    echo "the dashboard's browser test runs (Chromium found)"
else
    echo "NOTE: the dashboard's browser test is SKIPPED: no Chromium here (\`apt-get install -y chromium\` enables it)"
fi
step "pytest (2 workers, one test file each at a time)"
pytest_rc=0
"$BIN/python" -m pytest -m "not slow and not spark" -q -p no:cacheprovider -n 2 --dist loadfile --durations 15 \
    || pytest_rc=$?

step "dbt unit tests (started before pytest)"
unit_rc=0
wait "$unit_pid" || unit_rc=$?
if [ "$unit_rc" -ne 0 ]; then
    grep -E "FAIL|ERROR|Error" "$work/unit_tests.log" || tail -40 "$work/unit_tests.log"
    echo "dbt unit tests failed (whole output: above)"
else
    grep -E "Finished running|Done\." "$work/unit_tests.log"
fi
if [ "$pytest_rc" -ne 0 ] || [ "$unit_rc" -ne 0 ]; then
    echo "make test failed: pytest exit $pytest_rc, dbt unit tests exit $unit_rc"; exit 1
fi

if [ -x ../shared/checks/interface-check ]; then
    step "interface check on the shared example landing dir"
    ../shared/checks/interface-check
fi
step "all checks passed"
