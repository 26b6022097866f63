# The handful of commands a person types. Each bootstraps .venv from the hash-pinned lock if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.spark-installed
# DBT_TARGET=spark: `make build` first adds the Spark engine (requirements/spark.lock) to .venv
ENGINE_STAMP := $(if $(filter spark,$(DBT_TARGET)),$(SPARK_STAMP))
# Size of the demo data set `make run` simulates into an empty landing dir (and `make simulate`
# writes): small (25 accounts, about a minute end to end) | demo (2,000 accounts) | large.
DEMO_SCALE ?= demo
# `make bench`: the data set it simulates (cached under data/bench/): demo | large | small | a number
# of accounts (the demo preset with that many), and its seed.
BENCH_SCALE ?= demo
BENCH_SEED ?= 42

.PHONY: help run build bench test test-slow test-spark test-connectors spark-env lint format ui dashboard docs lock clean simulate

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock requirements/duckdb1-client.lock pyproject.toml
	@echo "==> creating $(VENV) from requirements.lock (one time, about 2 minutes)"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is required, found {sys.version.split()[0]}: set PYTHON=python3.11"'
	@# refuse a lock file with an unpinned or unhashed package, before pip sees it (scripts/check_lock.py)
	@$(PYTHON) scripts/check_lock.py requirements.lock requirements/duckdb1-client.lock --pyproject pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements.lock
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# a DuckDB 1.x client kept apart (not importable by the project) for the serving-file compatibility test
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes --upgrade \
		--target $(VENV)/duckdb1 -r requirements/duckdb1-client.lock
	@touch $(STAMP)

$(SPARK_STAMP): $(STAMP) requirements/spark.lock
	@echo "==> adding the Spark engine to $(VENV) from requirements/spark.lock (one time, about a minute: pyspark is large)"
	@$(PYTHON) scripts/check_lock.py requirements/spark.lock
	@# apart from .venv's own packages: only dbt's process gets it on its path (docs/spark.md)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes --upgrade \
		--target $(VENV)/spark -r requirements/spark.lock
	@touch $(SPARK_STAMP)

spark-env: $(SPARK_STAMP)  ## install the Spark engine (dbt-spark, pyspark; Java 17 needed) into .venv/spark: DBT_TARGET=spark

run: $(STAMP)  ## the full pipeline (simulates demo data if the landing dir is empty; DEMO_SCALE=small for a quick one)
	@$(BIN)/lifecycle run --demo-scale $(DEMO_SCALE)

ui: $(STAMP)  ## the Dagster UI: asset graph, checks, runs (prints the local URL)
	@$(BIN)/lifecycle ui

dashboard: $(STAMP)  ## the dashboard on the serving DB (Streamlit; prints the local URL; Ctrl-C stops it)
	@$(BIN)/lifecycle dashboard

build: $(STAMP) $(ENGINE_STAMP)  ## load the landing dir and run `dbt build` (no Dagster, no simulation)
	@$(BIN)/lifecycle build

bench: $(STAMP)  ## measure floor, cold, incremental and no-op builds (BENCH_SCALE=demo|large|small|N): data/reports/bench.json
	@$(BIN)/lifecycle bench --scale $(BENCH_SCALE) --seed $(BENCH_SEED)

simulate: $(STAMP)  ## write the demo data set into the landing dir (DEMO_SCALE=small|demo|large)
	@$(BIN)/lifecycle simulate --out "$${LIFECYCLE_LANDING_DIR:-data/landing}" --scale $(DEMO_SCALE)

test: $(STAMP)  ## everything CI checks: lint, pytest, dbt build on a small simulated data set
	@bash scripts/test.sh

test-spark: $(SPARK_STAMP)  ## build the small data set on DuckDB and on Spark and compare every mart row by row
	@bash scripts/test_spark.sh

test-connectors: $(STAMP)  ## one company from the contract layout and from connector layouts (fivetran_stripe): every mart equal
	@bash scripts/test_connectors.sh

test-slow: $(STAMP)  ## the tests marked slow (the demo-scale simulation): not part of `make test`
	@$(BIN)/python -m pytest -m slow

lint: $(STAMP)  ## ruff, sqlfluff (models, singular tests) and yaml checks; fixes nothing
	@bash scripts/lint.sh

format: $(STAMP)  ## apply ruff and sqlfluff fixes and formatting
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .
	@$(BIN)/sqlfluff fix models tests/dbt --disable-progress-bar -q

docs: $(STAMP)  ## dbt docs as one self-contained file, target/static_index.html (opens from disk)
	@$(BIN)/lifecycle dbt docs generate --static
	@echo "dbt docs: $(CURDIR)/target/static_index.html (open it in a browser; no server needed)"

lock:  ## re-resolve requirements.lock after a pyproject.toml change (needs uv)
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		-c requirements/constraints.txt -o requirements.lock --no-header
	uv pip compile requirements/duckdb1-client.in --generate-hashes --python-version 3.11 --no-header \
		-o requirements/duckdb1-client.lock
	uv pip compile requirements/spark.in --generate-hashes --python-version 3.11 --no-header \
		-c requirements.lock -o requirements/spark.full.lock
	$(PYTHON) scripts/filter_lock.py requirements/spark.full.lock requirements.lock \
		requirements/spark.lock.header > requirements/spark.lock && rm requirements/spark.full.lock

clean:  ## remove build output (keeps .venv and data/landing)
	rm -rf target logs data/warehouse.duckdb data/serving.duckdb data/reports data/serving_parquet data/dagster_home data/logs
