"""The MLflow model registry as a mirror of the git tags.

One MLflow model version per GTO version (found again by its `gto_version` tag, so
promoting the same tag twice changes nothing), and one alias per stage: anything that
loads `models:/flight-delay@prod` gets the model the tags put in prod.
"""

from __future__ import annotations

from typing import Any

from flight_delay.config import TrackingConfig
from flight_delay.registry import RegistryError

VERSION_TAG = "gto_version"
ASSIGNMENT_TAG = "gto_assignment:{stage}"


def connect(tracking: TrackingConfig) -> Any:
    """An MlflowClient on the configured store (MLFLOW_TRACKING_URI wins)."""
    import mlflow

    from flight_delay.tracking import tracking_uri

    mlflow.set_tracking_uri(tracking_uri(tracking))
    return mlflow.MlflowClient()


def find_version(client: Any, name: str, gto_version: str) -> Any | None:
    """The MLflow version of this GTO version: the oldest, should two promotions
    running at once (a registration and an assignment tag pushed together) both
    have registered it; see register_version."""
    from mlflow.exceptions import MlflowException

    try:
        found = client.search_model_versions(
            f"name = '{name}' and tags.{VERSION_TAG} = '{gto_version}'"
        )
    except MlflowException:  # no such registered model yet
        return None
    return min(found, key=lambda v: int(v.version)) if found else None


def training_model_uri(client: Any, experiment_name: str, model_md5: str) -> tuple[str, str]:
    """(model URI, run id) of the model the `train` run logged for this hash."""
    from flight_delay.tracking import newest_run_of_model

    experiment = client.get_experiment_by_name(experiment_name)
    run_id = experiment and newest_run_of_model(experiment.experiment_id, model_md5)
    if not run_id:
        return "", ""
    import mlflow

    logged = mlflow.search_logged_models(
        experiment_ids=[experiment.experiment_id],
        filter_string=f"source_run_id = '{run_id}'",
        output_format="list",
    )
    return (f"models:/{logged[0].model_id}", run_id) if logged else ("", run_id)


def log_verified_model(model_file: str, experiment_name: str, model_md5: str) -> tuple[str, str]:
    """Log the verified file in a run of its own when the store has no `train` run for it
    (the model came from a DVC remote, trained where this store could not see)."""
    import mlflow

    from flight_delay.persistence import TRUSTED_TYPES, load_model
    from flight_delay.train import pip_requirements

    mlflow.set_experiment(experiment_name)
    with mlflow.start_run(run_name="promote: model without a training run here") as run:
        mlflow.set_tag("model_md5", model_md5)
        info = mlflow.sklearn.log_model(
            load_model(model_file),
            name="model",
            serialization_format="skops",
            skops_trusted_types=TRUSTED_TYPES,
            pyfunc_predict_fn="predict_proba",
            pip_requirements=pip_requirements(),
        )
    return f"models:/{info.model_id}", run.info.run_id


def register_version(
    client: Any, name: str, description: str, tags: dict[str, str], source: str
) -> tuple[Any, bool]:
    """The model version for tags[VERSION_TAG], registered from `source` unless it
    already is; (version, whether it was created now)."""
    import mlflow

    existing = find_version(client, name, tags[VERSION_TAG])
    if existing is not None:
        if existing.tags.get("model_md5") != tags["model_md5"]:
            raise RegistryError(
                f"MLflow already has {name} {tags[VERSION_TAG]} (version {existing.version}) "
                f"with model md5 {existing.tags.get('model_md5')}, not {tags['model_md5']}"
            )
        return existing, False
    created = mlflow.register_model(source, name, tags=tags)
    if not client.get_registered_model(name).description:
        client.update_registered_model(name, description=description)
    return converge(client, name, tags[VERSION_TAG], str(created.version))


def converge(client: Any, name: str, gto_version: str, created: str) -> tuple[Any, bool]:
    """Keep one MLflow version per GTO version: when another promotion registered the
    same one meanwhile, the oldest stays and `created` is deleted."""
    oldest = find_version(client, name, gto_version)
    if str(oldest.version) != created:
        client.delete_model_version(name, created)
        return oldest, False
    return oldest, True


def move_alias(client: Any, name: str, stage: str, version: Any, tag: str) -> str | None:
    """Point alias `stage` at `version`; returns the version it pointed at before."""
    before = stage_aliases(client, name).get(stage)
    client.set_registered_model_alias(name, stage, version.version)
    client.set_model_version_tag(name, version.version, ASSIGNMENT_TAG.format(stage=stage), tag)
    return before


def stage_aliases(client: Any, name: str) -> dict[str, str]:
    """alias -> MLflow version number, for the registered model (empty when absent)."""
    from mlflow.exceptions import MlflowException

    try:
        aliases = client.get_registered_model(name).aliases
    except MlflowException:  # not registered yet
        return {}
    return {alias: str(number) for alias, number in sorted(aliases.items())}


def gto_version_of(client: Any, name: str, version: str) -> str | None:
    return client.get_model_version(name, version).tags.get(VERSION_TAG)
