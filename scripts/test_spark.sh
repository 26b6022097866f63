#!/usr/bin/env bash
# `make test-spark`: the small simulated data set built on DuckDB and on Spark (dbt-spark, session
# mode), then every mart and audit table compared row by row (lifecycle/engine_compare.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "the loader's Spark engine on the bad-input corpus, against DuckDB's (pytest -m spark)"
"$BIN/python" -m pytest -m spark -q -p no:cacheprovider tests/test_spark_loader.py

# TEST_SPARK_LAYOUTS=fivetran_stripe,fivetran_salesforce (say): the data set in those connector
# layouts (docs/connectors.md), so the loader and the adapters are compared on Spark too
LAYOUTS=${TEST_SPARK_LAYOUTS:-}
layout_env=()
if [ -n "$LAYOUTS" ]; then
    mapfile -t layout_env < <("$BIN/python" -c 'import sys
from lifecycle.connectors import layout_env_var
from lifecycle.simulator.layouts import parse_layout_list
for source, layout in parse_layout_list(sys.argv[1]).items():
    print(f"{layout_env_var(source)}={layout}")' "$LAYOUTS")
fi

step "simulate the small data set (seed 7) with 2 % injected bad rows (quarantined on both engines)${LAYOUTS:+, in the layouts $LAYOUTS}"
"$BIN/lifecycle" simulate --out "$work/landing" --scale small --seed 7 --faults 0.02 ${LAYOUTS:+--layout "$LAYOUTS"} > /dev/null

build() {  # build <engine>: lifecycle build into $work/<engine>, its time into $work/<engine>.seconds
    local engine=$1 t0 t1 rc=0
    step "lifecycle build on $engine"
    t0=$(date +%s)
    env "${layout_env[@]}" DBT_TARGET=$engine LIFECYCLE_LANDING_DIR="$work/landing" \
        LIFECYCLE_WAREHOUSE="$work/$engine/warehouse.duckdb" \
        "$BIN/lifecycle" build > "$work/$engine.log" 2>&1 || rc=$?
    t1=$(date +%s)
    echo $(( t1 - t0 )) > "$work/$engine.seconds"
    grep -E '^(==>|spark:|load:|elapsed|error|warning)' "$work/$engine.log" || true
    grep -E 'Done\. PASS' "$work/$engine.log" || true
    if [ "$rc" -ne 0 ]; then
        grep -vE '^\{"ts"' "$work/$engine.log" | grep -E 'ERROR|Error|error' | head -40
        echo "lifecycle build on $engine failed (exit $rc)"; exit 1
    fi
}
build duckdb
build spark

step "the raw layer (each engine's own readers) and every mart and audit table: DuckDB against Spark, row by row (numbers within 1e-9 relative)"
"$BIN/python" -m lifecycle.engine_compare "$work/duckdb/warehouse.duckdb" "$work/spark/spark/warehouse" \
    --landed-raw "$work/spark/spark/landed/raw"
printf 'lifecycle build, small data set: duckdb %s s, spark %s s\n' \
    "$(cat "$work/duckdb.seconds")" "$(cat "$work/spark.seconds")"
step "make test-spark passed"
