#!/usr/bin/env bash
# `make test-connectors`: one simulated company written in the landing contract's shape and in each
# connector layout (lifecycle simulate --layout), built from each, and every mart (and the adapted
# sources' staging models, without lineage) compared row by row with the contract build
# (lifecycle/layout_compare.py); then each layout's adapter unit tests (hand-written connector rows);
# last, an incremental build through the Segment adapters against the same contract build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# name | layouts to simulate | the layout settings of its build | the sources it adapts | files or
# a DuckDB database (the connector's tables written to <layout>.duckdb, read through
# LIFECYCLE_<LAYOUT>_DATABASE)
VARIANTS=(
    "stripe_salesforce|fivetran_stripe,fivetran_salesforce|LIFECYCLE_BILLING_LAYOUT=fivetran_stripe LIFECYCLE_CRM_LAYOUT=fivetran_salesforce|billing,crm|files"
    "hubspot|fivetran_hubspot|LIFECYCLE_CRM_LAYOUT=fivetran_hubspot|crm|files"
    "stripe_database|fivetran_stripe|LIFECYCLE_BILLING_LAYOUT=fivetran_stripe|billing|database"
    "segment|segment|LIFECYCLE_USAGE_LAYOUT=segment|usage|files"
    "segment_database|segment|LIFECYCLE_USAGE_LAYOUT=segment|usage|database"
)
SIMULATION=(--scale demo --accounts 150 --seed 7 --faults 0.02)
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() {  # build <name> <landing dir> [VAR=value ...]: lifecycle build into $work/<name>
    local name=$1 landing=$2 rc=0
    shift 2
    step "lifecycle build from $name"
    env "$@" LIFECYCLE_LANDING_DIR="$landing" LIFECYCLE_WAREHOUSE="$work/$name/warehouse.duckdb" \
        "$BIN/lifecycle" build > "$work/$name.log" 2>&1 || rc=$?
    grep -E '^(load:|sources read as|elapsed|error|warning)' "$work/$name.log" || true
    if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR|Error|error' "$work/$name.log" | head -40
        echo "lifecycle build from $name failed (exit $rc)"; exit 1
    fi
}

first=1
for variant in "${VARIANTS[@]}"; do
    IFS='|' read -r name layouts settings sources input <<< "$variant"
    read -r -a layout_env <<< "$settings"
    database=()
    if [ "$input" = database ]; then
        database=(--database "$work/$name/databases")
        layout_env+=("LIFECYCLE_${layouts^^}_DATABASE=$work/$name/databases/$layouts.duckdb")
    fi
    step "simulate 150 accounts (seed 7, 2 % injected bad rows) in the layouts $layouts (from $input)"
    "$BIN/lifecycle" simulate --out "$work/$name/landing" "${SIMULATION[@]}" --layout "$layouts" "${database[@]}" \
        | tail -2
    if [ "$first" = 1 ]; then  # the same world in the contract's shape: the reference build
        build contract "$work/$name/landing/.contract"
        first=0
    fi
    build "$name" "$work/$name/landing" "${layout_env[@]}"
    step "$name: every mart, and the staging models of $sources, against the contract build"
    "$BIN/python" -m lifecycle.layout_compare "$work/contract/warehouse.duckdb" "$work/$name/warehouse.duckdb" \
        --sources "$sources"
    printf '\nreconciliation of the %s build (rows landed through the adapters = staged + quarantined + collapsed):\n' "$name"
    grep -A 20 '^table ' "$work/$name.log" | grep -E "^(table|${sources//,/\\.|}\\.)"
    step "$name: the adapters' unit tests (hand-written rows in each connector's shape)"
    env "${layout_env[@]}" LIFECYCLE_LANDING_DIR="$work/$name/landing" \
        LIFECYCLE_WAREHOUSE="$work/$name/warehouse.duckdb" \
        "$BIN/lifecycle" dbt test --select "resource_type:unit_test,path:models/adapters" \
        --target-path "$work/$name/unit_target" --log-path "$work/$name/logs" > "$work/$name/unit.log" 2>&1 \
        || { grep -E 'FAIL|ERROR|Error' "$work/$name/unit.log" || tail -40 "$work/$name/unit.log"; echo "adapter unit tests failed"; exit 1; }
    grep -E 'Done\.' "$work/$name/unit.log"
done
# Incremental runs read through an adapter too: the Segment landing dir built again into a new
# warehouse with its last week of files held back, then with them (the incremental models take only
# the new files), and compared with the contract build like every variant.
name=segment_incremental landing="$work/segment/landing" held="$work/segment_held"
cutoff=$(find "$landing/segment/tracks" -type f -printf '%f\n' | sort | tail -7 | head -1)
step "$name: segment/ built without its files from $cutoff on, then with them (an incremental run)"
(cd "$landing" && find segment -type f | while read -r f; do
    if [[ ! "$(basename "$f")" < "$cutoff" ]]; then mkdir -p "$held/$(dirname "$f")" && mv "$f" "$held/$f"; fi
done)
build "$name" "$landing" LIFECYCLE_USAGE_LAYOUT=segment
cp -a "$held/." "$landing/"
build "$name" "$landing" LIFECYCLE_USAGE_LAYOUT=segment
"$BIN/python" -m lifecycle.layout_compare "$work/contract/warehouse.duckdb" "$work/$name/warehouse.duckdb" \
    --sources usage
step "make test-connectors passed"
