"""The model a service or a batch job scores with, and what it says about itself.

Three sources, all loaded with skops and its allow-list (never pickle):
- `mlflow`: the version the alias of the stage names (`models:/flight-delay@prod`);
- `dvc`: the version the git tags put in the stage, via `dvc artifacts get`;
- a file path (the workspace's models/model.skops, or a promotion's copy).
Models from a registry must re-serialize to the exact md5 their dvc.lock recorded:
what is served is byte for byte the model that was trained, gated and promoted.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flight_delay.core.feature_rules import InputRules
from flight_delay.datasets import dataset_for
from flight_delay.datasets.preparation import rules_for
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.io import file_md5

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from flight_delay.infra.config import PipelineConfig


class ModelSourceError(RuntimeError):
    """The model cannot be found, loaded or verified."""


@dataclass(frozen=True)
class ServedModel:
    model: Any  # the sklearn Pipeline: column encoding + classifier
    threshold: float  # probability at or above which a row is predicted positive (1)
    dataset: DatasetSpec  # whose rules the inputs are checked against
    metadata: dict[str, str] = field(default_factory=dict)
    fast: Any = field(default=None, init=False, repr=False)  # FastScorer, when it agrees

    def __post_init__(self) -> None:
        from flight_delay.operate.fast_scoring import FastScorer

        object.__setattr__(self, "fast", FastScorer.of(self.model))

    @property
    def numeric(self) -> list[str]:
        return list(self._columns().get("numeric", []))

    @property
    def categorical(self) -> list[str]:
        return list(self._columns().get("categorical", []))

    def _columns(self) -> dict[str, list[str]]:
        transformers = self.model.named_steps["columns"].transformers_
        return {name: list(columns) for name, _, columns in transformers}

    @property
    def rules(self) -> InputRules:
        return rules_for(self.dataset, self.numeric, self.categorical)

    @property
    def categories(self) -> dict[str, list[str]]:
        """The categories the model was trained on, per categorical column."""
        from flight_delay.core.models import fitted_categories

        fitted = fitted_categories(self.model)
        return {
            column: sorted(str(v) for v in values if isinstance(v, str))
            for column, values in zip(self.categorical, fitted, strict=True)
        }

    def frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        """Validated rows as the frame the model reads (its own column order and dtypes)."""
        import pandas as pd

        frame = pd.DataFrame.from_records(rows, columns=[*self.numeric, *self.categorical])
        return frame.astype(dict.fromkeys(self.numeric, "float64"))

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(frame)[:, 1]

    def score_rows(self, rows: list[dict[str, Any]]) -> np.ndarray:
        """Probabilities for validated rows (the service's path: no DataFrame when the
        pipeline has a fast scorer)."""
        if self.fast is not None:
            return self.fast.probabilities(rows)
        return self.probabilities(self.frame(rows))


def canonical_md5(model: Any) -> str:
    """The md5 `save_model` would write for this model (what dvc.lock records)."""
    import hashlib

    import skops.io as sio

    from flight_delay.infra.persistence import canonical_skops

    return hashlib.md5(canonical_skops(sio.dumps(model))).hexdigest()


def _load(path: Path) -> Any:
    from skops.io.exceptions import UntrustedTypesFoundException

    from flight_delay.infra.persistence import load_model

    try:
        return load_model(path)
    except UntrustedTypesFoundException as err:
        raise ModelSourceError(f"{path}: types outside the skops allow-list: {err}") from None


def _verified(model: Any, expected_md5: str | None, what: str) -> Any:
    if not expected_md5:
        raise ModelSourceError(f"{what} has no model_md5 tag: it cannot be verified against "
                               "the model its dvc.lock records; refusing to serve it")  # fmt: skip
    if canonical_md5(model) != expected_md5:
        raise ModelSourceError(f"{what} does not match the model md5 {expected_md5} its "
                               "lineage records; refusing to serve it")  # fmt: skip
    return model


def from_file(path: Path, config: PipelineConfig) -> ServedModel:
    if not path.is_file():
        raise ModelSourceError(f"{path}: no such model file (run `make repro` first?)")
    metadata = {"artifact": config.registry.artifact, "version": "workspace", "stage": "none",
                "source": str(path), "model_md5": file_md5(path)}  # fmt: skip
    return ServedModel(_load(path), config.evaluate.decision_threshold, dataset_for(config),
                       metadata)  # fmt: skip


def from_mlflow(config: PipelineConfig, stage: str) -> ServedModel:
    """The version `models:/<artifact>@<stage>` names, and its lineage tags."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from flight_delay.infra.tracking import tracking_uri, without_credentials
    from flight_delay.registry.mlflow_registry import VERSION_TAG, connect

    name = config.registry.artifact
    client = connect(config.tracking)
    where = without_credentials(tracking_uri(config.tracking))
    try:
        version = client.get_model_version_by_alias(name, stage)
    except MlflowException:
        raise ModelSourceError(f"no models:/{name}@{stage} in {where}: promote a version to "
                               f"{stage} first (`make promote TAG=...`)") from None  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="serve-") as scratch:
        local = Path(mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{name}/{version.version}", dst_path=scratch))  # fmt: skip
        files = sorted(local.rglob("*.skops"))
        if not files:
            raise ModelSourceError(f"models:/{name}/{version.version} has no .skops file")
        model = _load(files[0])
    tags = version.tags
    _verified(model, tags.get("model_md5"), f"models:/{name}@{stage}")
    metadata = {
        "artifact": name, "version": tags.get(VERSION_TAG, ""), "stage": stage,
        "source": f"models:/{name}@{stage}", "mlflow_version": str(version.version),
        "git_commit": tags.get("git_commit", ""), "gto_tag": tags.get("gto_tag", ""),
        "assignment_tag": tags.get(f"gto_assignment:{stage}", ""),
        "model_md5": tags.get("model_md5", ""),
    }  # fmt: skip
    return ServedModel(model, config.evaluate.decision_threshold, dataset_for(config), metadata)


def from_dvc(
    config: PipelineConfig, stage: str, root: Path = Path("."), remote: str | None = None
) -> ServedModel:
    """The version the git tags put in `stage`, fetched with `dvc artifacts get`."""
    from flight_delay.registry.gto_registry import commit_of, stage_state
    from flight_delay.registry.tag_events import RegistryError
    from flight_delay.revisions.model_file import obtain_model
    from flight_delay.revisions.model_lineage import lineage_from_lock
    from flight_delay.revisions.recorded_outputs import (
        RevisionError,
        read_outputs,
        revision_reader,
    )

    name = config.registry.artifact
    version = stage_state(name, root).get(stage)
    if not version:
        raise ModelSourceError(f"the git tags put no version of {name} in {stage}")
    try:
        commit = commit_of(f"{name}@{version}", root)
        lock = read_outputs(version, revision_reader(commit, root)).lock
        lineage = lineage_from_lock(lock, commit)
        with tempfile.TemporaryDirectory(prefix="serve-") as scratch:
            path = Path(scratch) / "model.skops"
            how = obtain_model(name, version, lineage, path, root, remote)
            model = _load(path)
    except (RegistryError, RevisionError) as err:
        raise ModelSourceError(str(err)) from None
    metadata = {"artifact": name, "version": version, "stage": stage, "source": f"dvc ({how})",
                "git_commit": commit, "gto_tag": f"{name}@{version}",
                "model_md5": lineage.model_md5}  # fmt: skip
    return ServedModel(model, config.evaluate.decision_threshold, dataset_for(config), metadata)


def load_served_model(
    config: PipelineConfig, stage: str, source: str, model_file: str | None,
    remote: str | None = None,
) -> ServedModel:  # fmt: skip
    """The model of `stage` from `source` (mlflow or dvc, fetching from the DVC `remote`),
    or the file `model_file` when given."""
    if model_file:
        return from_file(Path(model_file), config)
    if source == "dvc":
        return from_dvc(config, stage, remote=remote)
    if source == "mlflow":
        return from_mlflow(config, stage)
    raise ModelSourceError(f"unknown model source {source!r}: mlflow or dvc")
