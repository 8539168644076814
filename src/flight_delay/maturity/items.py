"""The checklist as data: Microsoft's five levels, and one `Item` per capability, placed at
the level where the model first asks for it. To change an item, edit it here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flight_delay.maturity import checks_operations, checks_training
from flight_delay.maturity.checks_operations import LABEL_TESTS, LABELS
from flight_delay.maturity.result import CheckResult

Status = Literal["met", "partly", "not met"]


@dataclass(frozen=True)
class Level:
    number: int
    name: str
    summary: str  # Microsoft's description of the level, paraphrased


@dataclass(frozen=True)
class Item:
    key: str
    level: int
    title: str
    status: Status  # by design, in this repo
    basis: str  # what Microsoft's model says at this level, paraphrased
    evidence: tuple[str, ...]
    check: Callable[[Path], CheckResult]
    tests: tuple[str, ...] = ()  # `path::function`: each must exist, whatever the check says
    gap: str = ""  # what is missing (partly, not met) and what it would take
    needs: tuple[str, ...] = ()  # files whose absence means not met (being built)


LEVELS = (
    Level(0, "No MLOps", "training, testing, builds and releases by hand; model performance "
          "not tracked in one place; the system is a black box with little feedback"),
    Level(1, "DevOps but no MLOps", "code in version control, automated builds and tests of "
          "the application, data gathered by a pipeline; models still trained and handed "
          "over by hand, results hard to reproduce"),
    Level(2, "Automated training", "training is an automated, managed and tracked job; code "
          "and models are versioned and a model is easy to reproduce; releases still manual"),
    Level(3, "Automated model deployment", "a CI/CD pipeline releases models, tests every "
          "release and promotes it from test to production, traceable back to the data"),
    Level(4, "Full MLOps automated operations", "production metrics are collected centrally "
          "and trigger retraining; models are tested and promoted by policy, without manual "
          "steps"),
)  # fmt: skip

ITEMS = (
    Item("explainability", 0, "Model explanations", "partly",
         "not named by Microsoft: its level 0 describes black-box systems that give little "
         "feedback, and no later level asks for explanations, so they answer that trait here",
         ("evaluate stage (explain.py, importance.py)", "plots/shap_importance.csv",
          "plots/group_importance.csv", "plots/images/shap_summary.png"),
         checks_training.check_explanations,
         gap="explanations are global, per model version; the service gives no "
             "per-prediction explanation (it would need the SHAP explainer in serving)"),
    Item("version-control", 1, "Code under version control", "met",
         "level 1 brings version control of code",
         ("git: src/, conf/, dvc.yaml, dvc.lock, params.yaml, Makefile, uv.lock",),
         checks_training.check_version_control),
    Item("ci", 1, "Automated builds and tests", "met",
         "level 1 brings automated builds and automated tests of the application code",
         (".github/workflows/ci.yml", "make install, lint, test"),
         checks_training.check_ci,
         tests=("tests/repo/test_workflows.py::test_ci_runs_lint_params_check_workflow_lint_and_tests",)),
    Item("data-validation", 1, "Data gathered by a pipeline and validated", "met",
         "level 1: a data pipeline gathers the data. Validation is not named by Microsoft; "
         "it is what lets that pipeline run without a person looking",
         ("dvc.yaml: ingest, validate, prepare",
          "the dataset's schema.yaml (src/flight_delay/datasets/<home>/)",
          "reports/validation.json"),
         checks_training.check_data_validation,
         tests=("tests/unit/core/test_validation.py::test_each_violation_is_reported_once_naming_table_column_and_rule",
                "tests/e2e/test_bad_input.py::test_bad_source_stops_at_validate_and_keeps_outputs")),
    Item("training-pipeline", 2, "Automated, reproducible training pipeline", "met",
         "level 2: model training is automated and a model is easy to reproduce",
         ("dvc.yaml", "dvc.lock", "make repro"),
         checks_training.check_training_pipeline,
         tests=("tests/repo/test_lock.py::test_every_code_dependency_in_dvc_lock_matches_the_file",
                "tests/e2e/test_pipeline.py::test_forced_rerun_reproduces_every_output_hash")),
    Item("config-as-code", 2, "Training configuration as code", "met",
         "level 2: a model is easy to reproduce, so its parameters are versioned too",
         ("conf/ (Hydra)", "params.yaml", "make check-params"),
         checks_training.check_params_composed,
         tests=("tests/unit/infra/test_params.py::test_params_yaml_equals_the_composition_of_conf",)),
    Item("tracking", 2, "Centralized experiment and performance tracking", "partly",
         "level 2: experiment results and training performance are tracked centrally",
         ("src/flight_delay/infra/tracking.py", "evaluate logs each model's run to MLflow",
          "make ui"),
         checks_training.check_tracking,
         tests=("tests/e2e/test_pipeline.py::test_mlflow_run_carries_lineage_and_metrics",),
         gap="central only with a team server in MLFLOW_TRACKING_URI (CI secrets); by "
             "default each clone tracks into its own mlflow.db, and CI without the secret "
             "into a store thrown away with the runner"),
    Item("versioned-models", 2, "Versioned models and versioned scoring code", "met",
         "level 2: training code and models are version controlled (model management); the "
         "scoring script is versioned with tests",
         ("dvc.yaml artifacts: flight-delay", "dvc.lock (model md5)",
          "src/flight_delay/operate/serve.py, predict.py"),
         checks_training.check_versioned_models,
         tests=("tests/unit/operate/test_fast_scoring.py::test_the_flattened_forest_gives_sklearns_probabilities",
                "tests/e2e/test_serve.py::test_predictions_are_the_models_and_are_logged")),
    Item("data-versioning", 2, "Versioned data", "met",
         "level 2: the training environment is managed and traceable, so the data behind a "
         "model can be had again",
         ("DVC: dvc.lock, .dvc/config (remote local)", "make ci-repro"),
         checks_training.check_data_versioning,
         tests=("tests/e2e/test_pipeline.py::test_default_remote_round_trip_without_credentials",)),
    Item("environment", 2, "Managed, locked environment", "met",
         "level 2: compute and environments are managed",
         ("uv.lock", "make install (uv sync --locked)"),
         checks_training.check_locked_environment),
    Item("feature-store", 2, "Feature store", "not met",
         "level 2 (current text): adopt a managed feature store",
         ("src/flight_delay/stages/featurize.py", "src/flight_delay/core/feature_rules.py"),
         checks_training.check_feature_store,
         gap="features are parquet files written by featurize, and the service's clients "
             "send feature values (checked, not computed). A feature store (e.g. Feast) "
             "serving the same definitions offline and online would close it"),
    Item("release-pipeline", 3, "Models released by CI/CD", "partly",
         "level 3: releases are automatic, run by a CI/CD pipeline",
         (".github/workflows/promote.yml", "make promote, make release"),
         checks_operations.check_release_pipeline,
         tests=("tests/repo/test_workflows.py::test_promote_runs_on_every_tag_and_deploys_only_what_passed",
                "tests/unit/registry/test_release.py::test_release_publishes_the_three_files_with_the_card_as_notes"),
         gap="the deploy job publishes the model as a GitHub release; no running service "
             "is updated (make serve loads the prod model when it starts). Replace "
             "`make release` with a push to a serving platform"),
    Item("release-tests", 3, "Tests for every model release", "met",
         "level 3: unit and integration tests for each model release, automated tests for "
         "all code",
         (".github/workflows/pr-report.yml", "tests/model/", "tests/e2e/"),
         checks_operations.check_release_tests,
         # tests/model and tests/data belong to the dataset (an adopter rewrites them): the
         # check counts their tests and names none
         tests=("tests/e2e/test_serve.py::test_bad_payload_gets_4xx_naming_the_field_without_the_value",)),
    Item("traceability", 3, "Traceability from a model to its code and data", "met",
         "level 3: full traceability from a deployment back to the original data",
         ("MLflow tags git_commit, dvc_md5:*", "dvc.lock", "make lineage"),
         checks_operations.check_traceability,
         tests=("tests/e2e/test_pipeline.py::test_mlflow_run_carries_lineage_and_metrics",
                "tests/e2e/test_promotion.py::test_prod_alias_points_at_v1_with_its_lineage")),
    Item("registry-promotion", 3, "Registry-based promotion (dev, staging, prod)", "met",
         "level 3: artifacts are promoted through a registry; the environment is managed "
         "from training through test to production",
         (".gto", "git tags (GTO)", "MLflow registry aliases",
          "make register, assign, promote, registry-check"),
         checks_operations.check_registry_promotion,
         tests=("tests/e2e/test_promotion.py::test_a_better_v2_moves_the_alias_after_a_rebuild",
                "tests/unit/registry/test_tag_events.py::test_occupant_before_follows_gto_stage_semantics")),
    Item("safe-rollout", 3, "Safe rollout (A/B, canary or shadow)", "not met",
         "level 3: A/B testing of model performance is part of deployment",
         ("src/flight_delay/operate/serve.py (one model per process)",),
         checks_operations.check_safe_rollout,
         gap="a new prod model takes all traffic at once. It would take a service holding "
             "two versions (shadow: score both, answer with prod; canary: send a share to "
             "the candidate), the version per logged prediction (the log has it), and "
             "make monitor comparing the two before the switch"),
    Item("monitoring", 4, "Production monitoring (drift and performance)", "partly",
         "level 4: verbose, centralized metrics from the deployed model; the system is "
         "easily monitored",
         ("GET /metrics (Prometheus)", "prediction log (SQLite)", "make monitor, feedback"),
         checks_operations.check_monitoring,
         tests=("tests/unit/operate/test_monitor.py::test_distances_in_miles_drift_and_nothing_else",
                "tests/unit/operate/test_monitor.py::test_a_performance_drop_asks_for_retraining",
                "tests/e2e/test_serve.py::test_metrics_count_requests_rows_and_rejections"),
         gap="the service exposes /metrics and logs to a local SQLite file, but nothing "
             "here scrapes, keeps or alerts on them; drift is computed when make monitor or "
             "the weekly retrain job runs. Needed: a Prometheus scrape with alert rules, "
             "the prediction log in shared storage"),
    Item("drift-retraining", 4, "Retraining triggered by drift", "met",
         "level 4: retraining is triggered automatically by production metrics (drift or "
         "regression)",
         (".github/workflows/retrain.yml (weekly)", "make retrain"),
         checks_operations.check_drift_retraining,
         tests=("tests/e2e/test_retrain.py::test_a_drifted_new_week_moves_the_window_retrains_and_passes_the_gate",
                "tests/e2e/test_simulate.py::test_planted_drift_fires_retraining_and_the_promoted_model_serves_next")),
    Item("quality-gate", 4, "Release gated on quality (policy-based promotion)", "met",
         "level 4: model promotion is automated and based on policy",
         ("conf/gate", "make gate", "make assign, promote (gated stages)"),
         checks_operations.check_quality_gate,
         tests=("tests/unit/pr/test_judge.py::test_a_pr_cannot_loosen_the_gate_it_is_judged_by",
                "tests/e2e/test_promotion.py::test_a_worse_v3_is_refused_and_prod_stays")),
    Item("unattended-deploy", 4, "Retrained model deployed without a human", "not met",
         "level 4: the system runs on its own and improves itself with new models",
         (".github/workflows/retrain.yml (ends with make retrain-pr)",),
         checks_operations.check_unattended_deploy,
         gap="retrain.yml opens a pull request; a person merges it and pushes the prod tag "
             "(make assign), then promote.yml gates and deploys on its own. Unattended would "
             "need the retrain job to register and assign when the gate passes (a token "
             "allowed to push tags), plus a safe rollout and automatic rollback"),
    Item("labeling", 4, "Labeling feedback loop", "partly",
         "level 4: production tells how to improve the model. Labeling is not named by "
         "Microsoft; a reviewed-label loop is one such channel",
         (LABELS, "prepare applies it", "make label-sample, label-apply", LABEL_TESTS),
         checks_operations.check_labeling,
         gap="review is by a person, on purpose; make label-sample draws from a split of the "
             "pipeline's data (validation by default) with the workspace model, not from "
             "production traffic, and make feedback's labelled production rows feed "
             "monitoring, not training",
         needs=("src/flight_delay/curation/labeling.py",
                "src/flight_delay/core/label_overrides.py", LABELS, LABEL_TESTS)),
)  # fmt: skip
