# One task runner for people and CI. `make help` lists the targets, what people run first.
# Parameters are make variables (`make serve STAGE=staging PORT=8001`, or the same names in
# the environment, as the workflows set them); each target turns them into the module's
# command-line flags, and no module reads them from the environment.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
# Use uv from PATH when there is one; otherwise bootstrap a pinned copy with pip.
UV ?= $(or $(shell command -v uv 2>/dev/null),.uv/bin/uv)
RUN := $(UV) run --locked --no-sync
CML_VERSION := 0.20.6

# Compile the environment to bytecode once at install: every DVC stage and tool is its
# own process, and without .pyc files each one re-parses mlflow, sklearn and pandas
# (their imports take twice as long).
export UV_COMPILE_BYTECODE ?= 1
export DVC_NO_ANALYTICS := 1
export ITERATIVE_DO_NOT_TRACK := 1

# `--flag "$(VAR)"` when VAR is set, nothing otherwise.
flag = $(if $($(2)),$(1) "$($(2))")
# The model a command uses: a stage's (STAGE, SOURCE=mlflow|dvc, DVC_REMOTE) or a file (MODEL).
MODEL_FLAGS = $(call flag,--stage,STAGE) $(call flag,--source,SOURCE) \
	$(call flag,--model,MODEL) $(call flag,--remote,DVC_REMOTE)

.PHONY: help install repro test lint format params check-params exp-show ui dag clean \
	report gate register assign promote registry-check lineage \
	serve predict log-export feedback monitor retrain simulate \
	label-sample label-apply eda strip-notebooks \
	team-up team-down team-env push pull maturity draft leftovers bench bench-scale bench-serve typecheck lint-imports \
	check-notebooks lint-workflows ci-repro post-report install-cml release retrain-pr

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} \
		/^##@/ {printf "\n\033[1m%s\033[0m\n", substr($$0, 5); next} \
		/^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Start here

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

test: install ## Run the whole test suite (TEST_WORKERS=3 processes; TESTS=paths for a part)
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder $(TESTS)

##@ Experiments and tracking

params: install ## Rewrite params.yaml from conf/ (drops any dvc exp run -S overrides)
	$(RUN) python -m flight_delay.stages.compose --force

exp-show: install ## Table of experiments, their params and metrics
	$(RUN) dvc exp show --md

dag: install ## The pipeline as a Mermaid diagram
	$(RUN) dvc dag --mermaid

ui: install ## MLflow UI on 127.0.0.1 (PORT, default 5000)
	$(RUN) mlflow ui --backend-store-uri $${MLFLOW_TRACKING_URI:-sqlite:///mlflow.db} \
		--host 127.0.0.1 --port $(or $(PORT),5000)

##@ Pull requests

BASE ?= main

report: install ## PR report: workspace vs BASE (default main) -> reports/pr/report.md
	$(RUN) python -m flight_delay.pr.report --base "$(BASE)"

gate: install ## Quality gate: fail when the model is worse than BASE (thresholds: conf/gate, the floor in conf/dataset)
	$(RUN) python -m flight_delay.pr.gate --base "$(BASE)"

##@ Registry and promotion (git tags, mirrored to MLflow)

register: install ## Tag a model version flight-delay@vX.Y.Z (VERSION=v1.2.0 or BUMP=major|minor|patch; REF=HEAD)
	$(RUN) python -m flight_delay.registry.versions register --ref "$(or $(REF),HEAD)" \
		$(call flag,--version,VERSION) $(call flag,--bump,BUMP)

assign: install ## Assign STAGE=dev|staging|prod to a version (VERSION, default the latest); gated stages are checked first
	$(RUN) python -m flight_delay.registry.versions assign --stage "$(STAGE)" \
		$(call flag,--version,VERSION)

promote: install ## Act on a GTO tag (TAG=...): gate, verify, register in MLflow, move the alias, write the model card
	$(RUN) python -m flight_delay.registry.promote "$(TAG)" $(call flag,--remote,DVC_REMOTE)

registry-check: install ## Check that MLflow's aliases match the stages the git tags assign
	$(RUN) python -m flight_delay.registry.check_aliases

lineage: install ## Where the model in STAGE (default prod) came from, read back from MLflow
	$(RUN) python -m flight_delay.registry.show_lineage --stage "$(or $(STAGE),prod)"

##@ Operate

serve: install ## HTTP service for the model in STAGE (default prod; SOURCE=mlflow|dvc, or MODEL=file) on 127.0.0.1:PORT (8000); WORKERS=; PREDICTION_LOG= for none
	$(RUN) python -m flight_delay.operate.serve $(MODEL_FLAGS) $(call flag,--port,PORT) \
		$(call flag,--workers,WORKERS) \
		$(if $(filter-out undefined,$(origin PREDICTION_LOG)),--log "$(PREDICTION_LOG)")

predict: install ## Score a parquet file: INPUT=... OUTPUT=... (model as for serve)
	$(RUN) python -m flight_delay.operate.predict $(call flag,--input,INPUT) \
		$(call flag,--output,OUTPUT) $(MODEL_FLAGS)

log-export: install ## The prediction log's closed partitions -> parquet (serve.log_export); delete expired SQLite ones
	$(RUN) python -m flight_delay.operate.log_export $(call flag,--log,PREDICTION_LOG)

feedback: install ## Join the prediction log (PREDICTION_LOG) with the real outcomes -> data/feedback/feedback.parquet
	$(RUN) python -m flight_delay.operate.feedback $(call flag,--log,PREDICTION_LOG) \
		$(call flag,--outcomes,OUTCOMES) $(call flag,--out,OUTPUT)

monitor: install ## Drift of CURRENT (default: the prediction log) against the training data -> reports/monitoring/
	$(RUN) python -m flight_delay.operate.monitor $(call flag,--current,CURRENT) \
		$(call flag,--reference,REFERENCE) $(MODEL_FLAGS) $(call flag,--out,OUT) \
		$(if $(filter-out undefined,$(origin VALIDATION)),--validation "$(VALIDATION)")

retrain: install ## Monitor the newest data (a random split: CURRENT, default the feedback); when it drifted: retrain, gate
	$(RUN) python -m flight_delay.operate.retrain $(call flag,--remote,DVC_REMOTE) \
	  $(call flag,--current,CURRENT)

simulate: install ## Replay the data along the split column: serve, log, monitor, retrain, promote (FIRST= LAST= PLANT= FLOOR=)
	$(RUN) python -m flight_delay.operate.simulate $(call flag,--first,FIRST) \
		$(call flag,--last,LAST) $(call flag,--plant,PLANT) $(call flag,--floor,FLOOR)

##@ Data: labels, notebooks, sharing

label-sample: install ## Rows whose label deserves review -> reports/labeling/review.csv (SPLIT=valid ROWS=200)
	$(RUN) python -m flight_delay.curation.labeling sample $(call flag,--split,SPLIT) \
		$(call flag,--rows,ROWS)

label-apply: install ## Merge a reviewed CSV (REVIEW=, REVIEWER=) into data/labels/<home>.csv
	$(RUN) python -m flight_delay.curation.labeling apply $(call flag,--review,REVIEW) \
		$(call flag,--reviewer,REVIEWER)

eda: install ## Run the EDA notebook headless on the pipeline's data -> reports/eda/eda.ipynb
	$(RUN) python -m flight_delay.curation.notebooks run

strip-notebooks: install ## Remove outputs and execution counts from notebooks/*.ipynb
	$(RUN) python -m flight_delay.curation.notebooks strip

push: install ## dvc push (with the run cache) to DVC_REMOTE, else the default remote
	$(RUN) python -m flight_delay.team.remote push $(call flag,--remote,DVC_REMOTE)

pull: install ## dvc pull from DVC_REMOTE, else the default remote; names objects that fail their hash
	$(RUN) python -m flight_delay.team.remote pull $(call flag,--remote,DVC_REMOTE)

##@ Team servers

TEAM_DIR ?= .team

team-up: install ## Team servers on 127.0.0.1 (S3, PostgreSQL, MLflow with auth) under TEAM_DIR; prints exports: eval "$$(make -s team-up)"
	@$(RUN) python -m flight_delay.team up --dir "$(TEAM_DIR)"

team-down: install ## Stop exactly the team servers team-up started (their data stays in TEAM_DIR; PURGE=1 deletes it)
	@$(RUN) python -m flight_delay.team down --dir "$(TEAM_DIR)" $(if $(PURGE),--purge)

team-env: install ## Print the exports for the running team servers again
	@$(RUN) python -m flight_delay.team env --dir "$(TEAM_DIR)"

##@ Code quality and benchmarks

lint: install ## ruff, import contracts, types (mypy), notebooks without outputs
	$(RUN) ruff check src tests benchmarks
	$(RUN) ruff format --check src tests benchmarks
	$(RUN) lint-imports
	$(RUN) mypy
	$(RUN) python -m flight_delay.curation.notebooks check

format: install ## Format the code with ruff
	$(RUN) ruff check --fix src tests benchmarks
	$(RUN) ruff format src tests benchmarks

lint-imports: install ## The import contracts of pyproject.toml (which package may import which)
	$(RUN) lint-imports

typecheck: install ## mypy (strict on the pure core and the dataset code)
	$(RUN) mypy

maturity: install ## Microsoft's MLOps maturity checklist: what in this repo meets each item, checked now
	$(RUN) python -m flight_delay.maturity

draft: install ## Draft a dataset spec and schema from one CSV: CSV= LABEL= [POSITIVE=a,b | ABOVE=t] [SPLIT=column] [NAME=]
	$(RUN) python -m flight_delay.adoption.draft $(call flag,--csv,CSV) $(call flag,--label,LABEL) \
		$(call flag,--positive,POSITIVE) $(call flag,--above,ABOVE) $(call flag,--split,SPLIT) \
		$(call flag,--name,NAME)
	$(RUN) python -m flight_delay.stages.compose --force

leftovers: install ## After adopting: the files of the datasets you did not choose, and where your files still name them
	$(RUN) python -m flight_delay.adoption.leftovers

bench: install ## Benchmarks P1-P8 in scratch copies of HEAD (about 40 min) -> reports/bench/bench.json, docs/benchmarks.md
	$(RUN) python benchmarks/pipeline_bench.py --uv "$(UV)" $(BENCH_ARGS)

bench-scale: install ## P8 alone: the dask engine at 1x, 16x, 64x the flights (about 20 min) -> reports/bench/bench.json
	$(RUN) python benchmarks/scale_bench.py $(BENCH_ARGS)

bench-serve: install ## Benchmark our service against mlflow models serve (same model, 1/100 rows, 1/4 clients) -> reports/bench/serve.json
	$(RUN) python benchmarks/serve_bench.py

clean: ## Remove caches of the tools (keeps data, models and MLflow runs)
	rm -rf .pytest_cache .ruff_cache .mypy_cache .import_linter_cache dvc_plots

##@ CI only (the workflows call these; each runs here too)

check-params: install ## Fail if params.yaml differs from the composition of conf/
	$(RUN) python -m flight_delay.stages.compose --check

check-notebooks: install ## Fail if a notebook in notebooks/ carries outputs
	$(RUN) python -m flight_delay.curation.notebooks check

lint-workflows: install ## actionlint and zizmor over .github/workflows
	$(RUN) actionlint
	$(RUN) zizmor --offline --no-progress .github/workflows

ci-repro: install ## dvc repro, pulling from the remote named in DVC_REMOTE first when its keys are set
	@if [ -n "$(DVC_REMOTE)" ] && [ -n "$$AWS_ACCESS_KEY_ID" ]; then \
		$(RUN) dvc pull --remote "$(DVC_REMOTE)" --run-cache --allow-missing \
			|| echo "ci-repro: pull from $(DVC_REMOTE) failed; rebuilding from the bundled data"; \
	else echo "ci-repro: no DVC remote credentials; rebuilding from the bundled data"; fi
	$(RUN) dvc repro

post-report: install ## Post reports/pr/report.md as a sticky PR comment with CML (CML_PUBLISH_IMAGES=true uploads images)
	$(RUN) python -m flight_delay.pr.post_report \
		$(if $(filter true,$(CML_PUBLISH_IMAGES)),--publish-images)

install-cml: ## Install CML (npm @dvcorg/cml, pinned) for post-report
	npm install --global --ignore-scripts --no-audit --no-fund "@dvcorg/cml@$(CML_VERSION)"

release: install ## Deploy: publish reports/promotion/<TAG>/ as a GitHub release of TAG (gh, GH_TOKEN)
	$(RUN) python -m flight_delay.registry.release "$(TAG)"

retrain-pr: install ## Open the retraining pull request with CML (after make retrain; BRANCH)
	$(RUN) python -m flight_delay.operate.retrain pr $(call flag,--branch,BRANCH)
