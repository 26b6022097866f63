#!/usr/bin/env bash
# `make lint` (and the first step of `make test`): Python and SQL style, YAML syntax. Fixes nothing:
# `make format` applies ruff's and sqlfluff's fixes.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
echo "ruff check + format check"
"$BIN/ruff" check .
"$BIN/ruff" format --check .
echo "sqlfluff lint models tests/dbt (house style: .sqlfluff)"
# two processes halve the time; the resource-tracker warning at their exit is noise
PYTHONWARNINGS="ignore::UserWarning" "$BIN/sqlfluff" lint models tests/dbt --disable-progress-bar --processes 2
echo "check-yaml"
git ls-files -z '*.yml' '*.yaml' | xargs -0 "$BIN/check-yaml"
