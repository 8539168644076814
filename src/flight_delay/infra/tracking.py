"""MLflow tracking: where runs go, the model run `evaluate` logs, and the lineage tags
that tie a run to git and DVC.

Nothing happens at import: the tracking URI is set only inside `tracking_run`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flight_delay.infra.config import TrackingConfig
from flight_delay.infra.git import lineage as git_lineage
from flight_delay.infra.io import file_md5, path_md5

MODEL_HASH_TAG = "model_md5"
# Given explicitly, so MLflow does not spend ~9 s inferring them (and list test tools).
SERVING_PACKAGES = ["scikit-learn", "skops", "pandas", "numpy", "scipy"]


SQLITE = "sqlite:///"


def pip_requirements() -> list[str]:
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in SERVING_PACKAGES]


def repo_root() -> Path:
    """The repo a stage belongs to. DVC sets DVC_ROOT to the user's repo even when a
    queued or `--temp` experiment runs in a copy under .dvc/tmp (which is deleted)."""
    return Path(os.environ.get("DVC_ROOT", ".")).resolve()


def tracking_uri(tracking: TrackingConfig) -> str:
    """MLFLOW_TRACKING_URI if set; else `default_uri`, a relative sqlite path taken
    from the repo root so that every experiment lands in the same store."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or tracking.default_uri
    relative = uri.removeprefix(SQLITE)
    if uri.startswith(SQLITE) and not relative.startswith("/"):
        return SQLITE + str(repo_root() / relative)
    return uri


def local_artifact_location(uri: str) -> str | None:
    """Artifacts beside a local sqlite store (MLflow would use ./mlruns of the cwd)."""
    if uri.startswith(SQLITE):
        return (Path(uri.removeprefix(SQLITE)).parent / "mlruns").as_uri()
    return None


def input_hashes(paths: list[Path]) -> dict[str, str]:
    """The md5 DVC records for each input (a file, or a folder of parts: its `.dir` md5),
    as `dvc_md5:<path>` tags."""
    return {f"dvc_md5:{path.as_posix()}": path_md5(path) for path in sorted(paths)}


def newest_run_of_model(experiment_id: str, model_md5: str) -> str | None:
    """The id of the newest finished run tagged with this model hash, if any (a run whose
    logging failed or was killed half-way is not reused or cited)."""
    import mlflow

    found = mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string=f"tags.{MODEL_HASH_TAG} = '{model_md5}' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
        output_format="list",
    )
    return found[0].info.run_id if found else None


def without_credentials(url: str) -> str:
    """The URL without any user:password@ (links end up in public PR comments)."""
    parts = urlsplit(url)
    if not parts.netloc:  # sqlite:///path, file:///path: nothing to remove, keep as is
        return url
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=host))


def run_link(tracking: TrackingConfig, model_md5: str) -> str | None:
    """URL of the run that logged this model, when the tracking store is a server."""
    uri = tracking_uri(tracking)
    if not uri.startswith(("http://", "https://")):
        return None  # a local store: nothing to link to, and no mlflow import
    import mlflow

    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment_by_name(tracking.experiment_name)
    if experiment is None:
        return None
    run_id = newest_run_of_model(experiment.experiment_id, model_md5)
    if not run_id:
        return None
    link = f"{uri.rstrip('/')}/#/experiments/{experiment.experiment_id}/runs/{run_id}"
    return without_credentials(link)


@contextmanager
def tracking_run(
    tracking: TrackingConfig, model_md5: str, run_name: str
) -> Iterator[tuple[Any, bool]]:
    """(run, created): the newest run already tagged with `model_md5` (evaluating the same
    model again adds to its run), else a new run so tagged."""
    import mlflow

    uri = tracking_uri(tracking)
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(tracking.experiment_name) is None:
        mlflow.create_experiment(
            tracking.experiment_name, artifact_location=local_artifact_location(uri)
        )
    experiment = mlflow.set_experiment(tracking.experiment_name)
    run_id = newest_run_of_model(experiment.experiment_id, model_md5)
    with mlflow.start_run(run_id=run_id, run_name=None if run_id else run_name) as run:
        mlflow.set_tag(MODEL_HASH_TAG, model_md5)
        if os.environ.get("DVC_EXP_NAME"):
            mlflow.set_tag("dvc_exp_name", os.environ["DVC_EXP_NAME"])
        yield run, run_id is None


def log_model_run(
    model: Any, example: Any, metrics: dict, params: dict[str, Any], tracking: TrackingConfig
) -> str:
    """The model's run (`evaluate` calls it): created with its params and the model the
    first time this model is evaluated; metrics, lineage tags and plots each time.
    Returns the run id."""
    import mlflow
    from mlflow.models import infer_signature

    from flight_delay.infra.config import flatten
    from flight_delay.infra.partitions import table_rows
    from flight_delay.infra.paths import FEATURES_DIR, IMAGES_DIR, MODEL_FILE, SLICES_FILE
    from flight_delay.infra.persistence import TRUSTED_TYPES

    train_file = FEATURES_DIR / "train.parquet"
    inputs = [train_file, MODEL_FILE, FEATURES_DIR / "test.parquet"]
    with tracking_run(tracking, file_md5(MODEL_FILE), run_name="train") as (run, created):
        if created:
            mlflow.log_params(params)
            mlflow.sklearn.log_model(
                model,
                name="model",
                serialization_format="skops",
                skops_trusted_types=TRUSTED_TYPES,
                pyfunc_predict_fn="predict_proba",
                signature=infer_signature(example, model.predict_proba(example)),
                input_example=example,
                pip_requirements=pip_requirements(),
            )
        mlflow.log_metric("train_rows", table_rows(train_file))
        mlflow.log_metrics({k.replace(".", "_"): v for k, v in flatten(metrics).items()})
        mlflow.set_tags({**git_lineage(), **input_hashes(inputs), "stage": "evaluate"})
        mlflow.log_artifacts(str(IMAGES_DIR), artifact_path="plots")
        mlflow.log_artifact(str(SLICES_FILE))
        return run.info.run_id
