# One task runner for people and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
# Use uv from PATH when there is one; otherwise bootstrap a pinned copy with pip.
UV ?= $(or $(shell command -v uv 2>/dev/null),.uv/bin/uv)
RUN := $(UV) run --locked --no-sync
PORT ?= 5000
CML_VERSION := 0.20.6

# Compile the environment to bytecode once at install: every DVC stage and tool is its
# own process, and without .pyc files each one re-parses mlflow, sklearn and pandas
# (their imports take twice as long).
export UV_COMPILE_BYTECODE := 1
export DVC_NO_ANALYTICS := 1
export ITERATIVE_DO_NOT_TRACK := 1

.PHONY: help install repro test lint format params check-params exp-show ui dag clean \
	report gate post-report ci-repro install-cml lint-workflows \
	register assign promote registry-check lineage release \
	serve predict feedback monitor bench bench-serve \
	label-sample label-apply eda strip-notebooks check-notebooks maturity \
	team-up team-down team-env push pull

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

.uv/bin/uv:
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(if $(filter .uv/bin/uv,$(UV)),.uv/bin/uv) ## Create .venv with the locked dependencies (uv sync --locked)
	$(UV) sync --locked

repro: install ## Run the pipeline (plain `dvc repro`; composes conf/ into params.yaml first)
	$(RUN) dvc repro

# Three workers on two cores: the end-to-end tests are single-threaded processes that
# also wait (servers starting, subprocesses), so a third keeps both cores busy. Each
# test module stays on one worker (its scratch repo is shared by its tests), and the
# slowest modules start first (tests/conftest.py: SLOWEST_FIRST).
TEST_WORKERS ?= 3

test: install ## Run the whole test suite (TEST_WORKERS=3 processes)
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

lint: install ## ruff check and format check; notebooks carry no outputs
	$(RUN) ruff check src tests benchmarks
	$(RUN) ruff format --check src tests benchmarks
	$(RUN) python -m flight_delay.notebooks check

format: install ## Format the code with ruff
	$(RUN) ruff check --fix src tests benchmarks
	$(RUN) ruff format src tests benchmarks

params: install ## Rewrite params.yaml from conf/ (drops any dvc exp run -S overrides)
	$(RUN) python -m flight_delay.compose --force

check-params: install ## Fail if params.yaml differs from the composition of conf/
	$(RUN) python -m flight_delay.compose --check

exp-show: install ## Table of experiments, their params and metrics
	$(RUN) dvc exp show --md

dag: install ## The pipeline as a Mermaid diagram
	$(RUN) dvc dag --mermaid

ui: install ## MLflow UI on 127.0.0.1 (PORT, default 5000)
	$(RUN) mlflow ui --backend-store-uri $${MLFLOW_TRACKING_URI:-sqlite:///mlflow.db} \
		--host 127.0.0.1 --port $(PORT)

report: install ## PR report: workspace vs BASE (default main) -> reports/pr/report.md
	$(RUN) python -m flight_delay.report

gate: install ## Quality gate: fail when the model is worse than BASE (thresholds: conf/gate)
	$(RUN) python -m flight_delay.gate

post-report: install ## CI: post reports/pr/report.md as a sticky PR comment with CML
	$(RUN) python -m flight_delay.post_report

TEAM_DIR ?= .team

team-up: install ## Team servers on 127.0.0.1 (S3, PostgreSQL, MLflow with auth) under TEAM_DIR; prints exports: eval "$$(make -s team-up)"
	@$(RUN) python -m flight_delay.team up --dir "$(TEAM_DIR)"

team-down: install ## Stop exactly the team servers team-up started (their data stays in TEAM_DIR; PURGE=1 deletes it)
	@$(RUN) python -m flight_delay.team down --dir "$(TEAM_DIR)" $(if $(PURGE),--purge)

team-env: install ## Print the exports for the running team servers again
	@$(RUN) python -m flight_delay.team env --dir "$(TEAM_DIR)"

push: install ## dvc push (with the run cache) to DVC_REMOTE, else the default remote
	$(RUN) python -m flight_delay.remote push

pull: install ## dvc pull from DVC_REMOTE, else the default remote; names objects that fail their hash
	$(RUN) python -m flight_delay.remote pull

ci-repro: install ## CI: dvc repro, pulling from the remote named in DVC_REMOTE first when its keys are set
	@if [ -n "$$DVC_REMOTE" ] && [ -n "$$AWS_ACCESS_KEY_ID" ]; then \
		$(RUN) dvc pull --remote "$$DVC_REMOTE" --run-cache --allow-missing \
			|| echo "ci-repro: pull from $$DVC_REMOTE failed; rebuilding from the bundled data"; \
	else echo "ci-repro: no DVC remote credentials; rebuilding from the bundled data"; fi
	$(RUN) dvc repro

register: install ## Tag a model version flight-delay@vX.Y.Z (VERSION=v1.2.0 or BUMP=major|minor|patch; REF=HEAD)
	$(RUN) python -m flight_delay.registry register --ref "$${REF:-HEAD}" \
		$${VERSION:+--version "$$VERSION"} $${BUMP:+--bump "$$BUMP"}

assign: install ## Assign STAGE=dev|staging|prod to a version (VERSION, default the latest); gated stages are checked first
	$(RUN) python -m flight_delay.registry assign --stage "$$STAGE" $${VERSION:+--version "$$VERSION"}

promote: install ## Act on a GTO tag (TAG=...): gate, verify, register in MLflow, move the alias, write the model card
	$(RUN) python -m flight_delay.promote

registry-check: install ## Check that MLflow's aliases match the stages the git tags assign
	$(RUN) python -m flight_delay.registry_check

lineage: install ## Where the model in STAGE (default prod) came from, read back from MLflow
	$(RUN) python -m flight_delay.lineage --stage "$${STAGE:-prod}"

release: install ## CI deploy: publish reports/promotion/<TAG>/ as a GitHub release of TAG (gh, GH_TOKEN)
	$(RUN) python -m flight_delay.release

serve: install ## HTTP service for the model in STAGE (default prod; SOURCE=mlflow|dvc, or MODEL=file) on 127.0.0.1:PORT (8000)
	$(RUN) python -m flight_delay.serve

predict: install ## Score a parquet file: INPUT=... OUTPUT=... (model as for serve)
	$(RUN) python -m flight_delay.predict

feedback: install ## Join the prediction log with the real outcomes -> data/feedback/feedback.parquet
	$(RUN) python -m flight_delay.feedback

monitor: install ## Drift of CURRENT (default: the prediction log) against the training data -> reports/monitoring/
	$(RUN) python -m flight_delay.monitor

bench: install ## Benchmarks P1-P7 in scratch copies of HEAD (about 20 min) -> reports/bench/bench.json, docs/benchmarks.md
	UV="$(UV)" $(RUN) python benchmarks/pipeline_bench.py $(BENCH_ARGS)

bench-serve: install ## Benchmark our service against mlflow models serve (same model, 1/100 rows, 1/4 clients) -> reports/bench/serve.json
	$(RUN) python benchmarks/serve_bench.py

retrain: install ## Monitor the newest window of data; when it drifted: training window forward, dvc repro, gate
	$(RUN) python -m flight_delay.retrain

retrain-pr: install ## CI: open the retraining pull request with CML (after make retrain)
	$(RUN) python -m flight_delay.retrain pr

simulate: install ## Replay 2013 month by month: serve, log, monitor, retrain, promote (FIRST=6 LAST=12 PLANT= FLOOR=)
	$(RUN) python -m flight_delay.simulate

label-sample: install ## Flights whose label deserves review -> reports/labeling/review.csv (SPLIT=valid ROWS=200)
	$(RUN) python -m flight_delay.labeling sample $${SPLIT:+--split "$$SPLIT"} $${ROWS:+--rows "$$ROWS"}

label-apply: install ## Merge a reviewed CSV (REVIEW=, REVIEWER=) into data/labels/overrides.csv
	$(RUN) python -m flight_delay.labeling apply $${REVIEW:+--review "$$REVIEW"} \
		$${REVIEWER:+--reviewer "$$REVIEWER"}

eda: install ## Run the EDA notebook headless on the pipeline's data -> reports/eda/eda.ipynb
	$(RUN) python -m flight_delay.notebooks run

strip-notebooks: install ## Remove outputs and execution counts from notebooks/*.ipynb
	$(RUN) python -m flight_delay.notebooks strip

check-notebooks: install ## Fail if a notebook in notebooks/ carries outputs
	$(RUN) python -m flight_delay.notebooks check

maturity: install ## Microsoft's MLOps maturity checklist: what in this repo meets each item, checked now
	$(RUN) python -m flight_delay.maturity

install-cml: ## CI: install CML (npm @dvcorg/cml, pinned) for post-report
	npm install --global --ignore-scripts --no-audit --no-fund "@dvcorg/cml@$(CML_VERSION)"

lint-workflows: install ## actionlint and zizmor over .github/workflows
	$(RUN) actionlint
	$(RUN) zizmor --offline --no-progress .github/workflows

clean: ## Remove caches of the tools (keeps data, models and MLflow runs)
	rm -rf .pytest_cache .ruff_cache dvc_plots
