"""The MLflow model registry as a mirror of the git tags.

One MLflow model version per GTO version (found again by its `gto_version` tag, so
promoting the same tag twice changes nothing), and one alias per stage: anything that
loads `models:/flight-delay@prod` gets the model the tags put in prod.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flight_delay.infra.config import TrackingConfig
from flight_delay.infra.tracking import MODEL_HASH_TAG, newest_run_of_model
from flight_delay.registry.tag_events import RegistryError
from flight_delay.revisions.model_lineage import Lineage

VERSION_TAG = "gto_version"
ASSIGNMENT_TAG = "gto_assignment:{stage}"


def connect(tracking: TrackingConfig) -> Any:
    """An MlflowClient on the configured store (MLFLOW_TRACKING_URI wins)."""
    import mlflow

    from flight_delay.infra.tracking import tracking_uri

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


def training_run_id(client: Any, experiment_name: str, model_md5: str) -> str:
    """The newest finished pipeline run (logged by `evaluate`) in this store tagged with
    the model's hash ("" if none)."""
    experiment = client.get_experiment_by_name(experiment_name)
    return (experiment and newest_run_of_model(experiment.experiment_id, model_md5)) or ""


def existing_version(client: Any, name: str, gto_version: str, lineage: Lineage) -> Any | None:
    """The MLflow version already registered for this GTO version, if any; an error
    when it holds another model (the tag was moved to another commit)."""
    found = find_version(client, name, gto_version)
    if found is not None and found.tags.get("model_md5") != lineage.model_md5:
        raise RegistryError(
            f"MLflow already has {name} {gto_version} (version {found.version}) "
            f"with model md5 {found.tags.get('model_md5')}, not {lineage.model_md5}"
        )
    return found


def log_verified_model(model_file: Path, experiment_name: str, event: Any, tags: dict) -> str:
    """Log the file whose md5 was verified in a run of its own; returns its model URI.
    This, not the pipeline run's copy, is what gets registered."""
    import mlflow

    from flight_delay.infra.persistence import TRUSTED_TYPES, load_model
    from flight_delay.infra.tracking import pip_requirements

    mlflow.set_experiment(experiment_name)
    # not tagged `model_md5`: that finds the pipeline run (evaluate's; promote cites it)
    run_tags = {key: value for key, value in tags.items() if key != MODEL_HASH_TAG}
    with mlflow.start_run(run_name=f"promote {event.artifact} {event.version}"):
        mlflow.set_tags({**run_tags, "stage": "promote"})
        info = mlflow.sklearn.log_model(
            load_model(model_file),
            name="model",
            serialization_format="skops",
            skops_trusted_types=TRUSTED_TYPES,
            pyfunc_predict_fn="predict_proba",
            pip_requirements=pip_requirements(),
        )
    return f"models:/{info.model_id}"


def register_version(
    client: Any, name: str, description: str, tags: dict[str, str], source: str
) -> tuple[Any, bool]:
    """Register `source` as the version for tags[VERSION_TAG]; (version, created now)."""
    import mlflow

    created = mlflow.register_model(source, name, tags=tags)
    if not client.get_registered_model(name).description:
        client.update_registered_model(name, description=description)
    return converge(client, name, tags[VERSION_TAG], str(created.version))


def converge(client: Any, name: str, gto_version: str, created: str) -> tuple[Any, bool]:
    """Keep one MLflow version per GTO version: when another promotion registered the
    same one meanwhile, the oldest stays and `created` is deleted."""
    oldest = find_version(client, name, gto_version)
    if oldest is None:
        raise RegistryError(f"MLflow lost {name} version {created} ({gto_version}) just made")
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
