#!/usr/bin/env bash
# `make test-connectors`: one simulated company written twice, in the landing contract's shape and
# in the connector layouts (lifecycle simulate --layout), built from each, and every mart (and the
# adapted sources' staging models) compared row by row (lifecycle/layout_compare.py); then the
# adapters' dbt unit tests on their hand-written connector rows.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
LAYOUTS=fivetran_stripe,fivetran_salesforce
# the layouts as a build reads them, and the sources they adapt
LAYOUT_ENV=(LIFECYCLE_BILLING_LAYOUT=fivetran_stripe LIFECYCLE_CRM_LAYOUT=fivetran_salesforce)
ADAPTED=billing,crm
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "simulate 150 accounts (seed 7, 2 % injected bad rows) in the layouts $LAYOUTS (the contract's copy in .contract/)"
"$BIN/lifecycle" simulate --out "$work/landing" --scale demo --accounts 150 --seed 7 --faults 0.02 \
    --layout "$LAYOUTS" | tail -3

build() {  # build <name> <landing dir> [VAR=value ...]: lifecycle build into $work/<name>
    local name=$1 landing=$2 rc=0
    shift 2
    step "lifecycle build from $name"
    env "$@" LIFECYCLE_LANDING_DIR="$landing" LIFECYCLE_WAREHOUSE="$work/$name/warehouse.duckdb" \
        "$BIN/lifecycle" build > "$work/$name.log" 2>&1 || rc=$?
    grep -E '^(==>|load:|sources read as|elapsed|error|warning)' "$work/$name.log" || true
    if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR|Error|error' "$work/$name.log" | head -40
        echo "lifecycle build from $name failed (exit $rc)"; exit 1
    fi
}
build contract "$work/landing/.contract"
build connectors "$work/landing" "${LAYOUT_ENV[@]}"

step "every mart, and the staging models of the adapted sources: contract layout against connector layouts"
"$BIN/python" -m lifecycle.layout_compare "$work/contract/warehouse.duckdb" "$work/connectors/warehouse.duckdb" \
    --sources "$ADAPTED"
printf '\nreconciliation of the connector build (rows landed through the adapters = staged + quarantined + collapsed):\n'
grep -A 20 '^table ' "$work/connectors.log" | grep -E '^(table|billing\.|crm\.|total)'

step "the adapters' unit tests (hand-written rows in each connector's shape)"
env "${LAYOUT_ENV[@]}" LIFECYCLE_LANDING_DIR="$work/landing" \
    LIFECYCLE_WAREHOUSE="$work/connectors/warehouse.duckdb" \
    "$BIN/lifecycle" dbt test --select "resource_type:unit_test,path:models/adapters" \
    --target-path "$work/unit_target" --log-path "$work/logs" > "$work/unit.log" 2>&1 \
    || { grep -E 'FAIL|ERROR|Error' "$work/unit.log" || tail -40 "$work/unit.log"; echo "adapter unit tests failed"; exit 1; }
grep -E 'Done\.' "$work/unit.log"
step "make test-connectors passed"
