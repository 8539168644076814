"""The one place that turns params.yaml into typed, validated configuration.

Every stage calls `load_config()` once and passes the frozen sections it needs
to pure functions. Unknown or ill-typed keys fail here, naming the key.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flight_delay.infra.paths import PARAMS_FILE


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SplitValue = int | str  # a month, a year, a date as text: what a split column holds


class DataConfig(Section):
    """The data: where its tables come from, and what its rows are. The columns named here
    are checked against the dataset's schema (datasets/home.py) with the key named."""

    # Its home, flight_delay/datasets/<dataset>/: schema.yaml and, if any, hook.py.
    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source: str
    files: dict[str, str] = Field(min_length=1)  # table -> file name in the source
    # Keep only the rows whose column holds one of these values, in every table that has
    # the column (null: every row). For quick runs, and for `make simulate`.
    keep: dict[str, list[SplitValue]] | None = None
    # The table the label rule labels, one labelled row per row (default: the only table).
    label_table: str | None = None
    # Names a prepared row; the splits are sorted by it (default: the label table's key in
    # schema.yaml, its unique columns or `row_number`).
    key: list[str] = []
    # Columns of the label table a request may carry, never model inputs, so that the
    # prediction log can be joined with the outcomes later (default: the key).
    identity: list[str] = []
    # Known only after the outcome: never a feature, never in the prepared data.
    leakage: list[str] = []
    periods: list[str] = []  # the dataset card counts the rows per value of these columns
    review: list[str] = []  # what a reviewer sees of a raw row (`make label-sample`)
    # Kept beside the features, never inputs: row identity, the split's column, slicing
    # (default: the key).
    context: list[str] = []


COLUMN_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class LabelConfig(Section):
    """The label: a 0/1 column (`column`) made by a rule on one column (`source`) of the
    labelled table. `above`: source > threshold; `equals`: source is one of `values`;
    `existing`: source is 0/1 already. Rows whose source is missing are dropped or
    counted as one class (`missing`). `classes` names 0 and 1 wherever a person reads
    them (plots, reports, the service); `event` is what 1 stands for, as a noun."""

    column: str = Field(pattern=COLUMN_NAME)
    rule: Literal["above", "equals", "existing"]
    source: str = Field(min_length=1)
    threshold: float | None = None
    values: list[str | int | float] | None = Field(default=None, min_length=1)
    missing: Literal["drop", "positive", "negative"]
    classes: tuple[str, str]
    event: str = Field(min_length=1)

    @model_validator(mode="after")
    def _rule_has_its_setting(self) -> LabelConfig:
        needs = {"above": "threshold", "equals": "values"}.get(self.rule)
        if needs is not None and getattr(self, needs) is None:
            raise ValueError(f"label: rule {self.rule!r} needs label.{needs}")
        unused = [k for k in ("threshold", "values") if k != needs and getattr(self, k) is not None]
        if unused:
            raise ValueError(f"label: rule {self.rule!r} takes no label.{unused[0]}")
        if self.classes[0] == self.classes[1]:
            raise ValueError(f"label.classes: the two classes need two names, got {self.classes}")
        return self


class OrderedSplit(Section):
    """Rows split by the values of one column, in time order: every valid value comes after
    every train value, every test value after every valid one (months, years, or dates
    written so that their text sorts in time: 2013-01-31)."""

    kind: Literal["ordered"]
    column: str = Field(pattern=COLUMN_NAME)
    train: list[SplitValue] = Field(min_length=1)
    valid: list[SplitValue] = Field(min_length=1)
    test: list[SplitValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _time_ordered(self) -> OrderedSplit:
        everything = [*self.train, *self.valid, *self.test]
        if len({type(v) for v in everything}) > 1:
            raise ValueError("split: train, valid and test values must be all numbers or all text")
        if len(set(everything)) < len(everything):
            raise ValueError("split: a value is in two splits (or twice in one)")
        pairs = [
            ("train", self.train, "valid", self.valid),
            ("valid", self.valid, "test", self.test),
        ]
        for name, earlier, later_name, later in pairs:
            if max(earlier) >= min(later):  # type: ignore[operator]  # one type: checked above
                raise ValueError(
                    f"split: every {later_name} value must come after every {name} value"
                )
        return self

    def values(self) -> dict[str, list[SplitValue]]:
        return {"train": self.train, "valid": self.valid, "test": self.test}


class ShuffledSplit(Section):
    """Rows split at random with the seed (`stratified`: keeping the label's rate in each
    split), for data without a time order; retraining windows and the replay need one."""

    kind: Literal["random", "stratified"]
    valid_fraction: float = Field(gt=0, lt=1)
    test_fraction: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _leaves_training_rows(self) -> ShuffledSplit:
        if self.valid_fraction + self.test_fraction >= 1:
            raise ValueError("split: valid_fraction + test_fraction must leave rows to train on")
        return self


SplitConfig = Annotated[OrderedSplit | ShuffledSplit, Field(discriminator="kind")]


class FeaturesConfig(Section):
    numeric: list[str]
    categorical: list[str]
    # Named sets of features judged together (grouped permutation importance, SHAP);
    # not model inputs. A feature in no group is judged as a group of its own.
    groups: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _each_column_once(self) -> FeaturesConfig:
        both = sorted(set(self.numeric) & set(self.categorical))
        if both:
            raise ValueError(f"features: {both} listed as both numeric and categorical")
        seen: dict[str, str] = {}
        for group, members in self.groups.items():
            for column in members:
                if column in seen:
                    raise ValueError(
                        f"features.groups: {column!r} is in both {seen[column]!r} and {group!r}"
                    )
                seen[column] = group
        return self

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def resolved_groups(self) -> dict[str, list[str]]:
        """Each group's columns that are model inputs (groups left empty are dropped),
        then every input in no group as a group named after it."""
        inputs = self.columns
        resolved = {g: [c for c in inputs if c in members] for g, members in self.groups.items()}
        resolved = {g: members for g, members in resolved.items() if members}
        grouped = {c for members in resolved.values() for c in members}
        return resolved | {c: [c] for c in inputs if c not in grouped}


class HypothesisConfig(Section):
    """What the data definition expects of the feature groups, tested by the EDA notebook's
    ablation (core/ablation.py): beyond the `base` groups, the `groups` together deliver at
    least `share` of the validation ROC AUC that all features add over the base, and each
    of them adds something on its own."""

    statement: str = Field(min_length=1)
    base: list[str] = Field(min_length=1)
    groups: list[str] = Field(min_length=1)
    share: float = Field(default=0.5, gt=0, le=1)

    @model_validator(mode="after")
    def _disjoint(self) -> HypothesisConfig:
        both = sorted(set(self.base) & set(self.groups))
        if both:
            raise ValueError(f"hypothesis: {both} are in both base and groups")
        return self


class HistGradientBoostingConfig(Section):
    name: Literal["hist_gradient_boosting"]
    learning_rate: float = Field(gt=0)
    max_iter: int = Field(ge=1)
    max_leaf_nodes: int = Field(ge=2)
    min_samples_leaf: int = Field(ge=1)
    l2_regularization: float = Field(ge=0)


class LogisticRegressionConfig(Section):
    name: Literal["logistic_regression"]
    C: float = Field(gt=0)
    max_iter: int = Field(ge=1)


class RandomForestConfig(Section):
    name: Literal["random_forest"]
    n_estimators: int = Field(ge=1)
    max_depth: int | None = Field(default=None, ge=1)
    min_samples_leaf: int = Field(ge=1)
    n_jobs: int = 1


class LightGBMConfig(Section):
    """Gradient boosted trees by LightGBM: in the stage's process on the `local` engine,
    data-parallel over the cluster's workers on `dask` (the one model that trains there)."""

    name: Literal["lightgbm"]
    learning_rate: float = Field(gt=0)
    n_estimators: int = Field(ge=1)
    num_leaves: int = Field(ge=2)
    min_child_samples: int = Field(ge=1)
    reg_lambda: float = Field(ge=0)
    n_jobs: int = Field(default=1, ge=1)  # threads per process (per worker on dask)


ModelConfig = Annotated[
    HistGradientBoostingConfig | LogisticRegressionConfig | RandomForestConfig | LightGBMConfig,
    Field(discriminator="name"),
]


class EvaluateConfig(Section):
    decision_threshold: float = Field(gt=0, lt=1)
    calibration_bins: int = Field(ge=2)
    curve_points: int = Field(ge=2)
    permutation_repeats: int = Field(ge=1)
    permutation_max_rows: int = Field(ge=100)
    shap_max_rows: int = Field(ge=0)  # 0: no SHAP values
    slice_columns: list[str]


class TrackingConfig(Section):
    enabled: bool
    default_uri: str
    experiment_name: str


# Direction of each metric in metrics.json: True when higher is better. Counts, rates
# and mean scores describe the data, not the model's quality, so they have none.
HIGHER_IS_BETTER = {
    "roc_auc": True,
    "pr_auc": True,
    "f1": True,
    "precision": True,
    "recall": True,
    "log_loss": False,
    "brier": False,
}


# The gate metrics whose value for a constant score (the split's positive rate) is known.
BASELINE_METRICS = frozenset({"roc_auc", "pr_auc", "log_loss", "brier"})


def enough_draws(section: str, resamples: int, confidence: float) -> None:
    """A percentile interval needs draws beyond each bound: at least 5 in each tail."""
    needed = math.ceil(5 / ((1 - confidence) / 2))
    if 0 < resamples < needed:
        raise ValueError(
            f"{section}.resamples: {resamples} draws cannot bound a {confidence:.0%} interval "
            f"(at least {needed} put 5 draws beyond each bound); use 0 for point estimates"
        )


class GateConfig(Section):
    metric: Literal["roc_auc", "pr_auc", "f1", "precision", "recall", "log_loss", "brier"]
    split: Literal["valid", "test"]
    tolerance: float = Field(ge=0)
    floor: float | None = None
    # A floor that follows the data: the trivial baseline (every row scored with the split's
    # positive rate: ROC AUC 0.5, PR AUC the rate, ...) plus this margin (minus, for
    # log_loss and brier). With `floor` too, the stricter applies.
    floor_over_baseline: float | None = Field(default=None, gt=0)
    # The regression must be clear, not only the point estimate (core/intervals.py): both
    # models scored on the same rows, `resamples` paired bootstrap draws (0: compare the
    # point estimates only), an interval at `confidence`.
    resamples: int = Field(default=1000, ge=0)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    # The PR report labels slices with fewer rows than this as small (their interval is
    # wide; they are ranked by evidence like the others).
    slice_min_rows: int = Field(default=100, ge=1)

    @property
    def higher_is_better(self) -> bool:
        return HIGHER_IS_BETTER[self.metric]

    @model_validator(mode="after")
    def _enough_draws(self) -> GateConfig:
        enough_draws("gate", self.resamples, self.confidence)
        return self

    @model_validator(mode="after")
    def _baseline_exists(self) -> GateConfig:
        if self.floor_over_baseline is not None and self.metric not in BASELINE_METRICS:
            raise ValueError(
                f"gate.floor_over_baseline: no trivial baseline for {self.metric} (a constant "
                f"score has one for {sorted(BASELINE_METRICS)}); set gate.floor instead"
            )
        return self


class RegistryConfig(Section):
    artifact: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
    gated_stages: list[str]
    deploy_stage: str
    intended_use: str
    limitations: list[str]

    @model_validator(mode="after")
    def _deploys_only_gated(self) -> RegistryConfig:
        if self.deploy_stage not in self.gated_stages:
            raise ValueError(
                f"registry: deploy_stage {self.deploy_stage!r} must be one of the "
                f"gated_stages {self.gated_stages}: nothing is deployed without the gate"
            )
        return self


class ServeConfig(Section):
    host: str
    port: int = Field(ge=1, le=65535)
    max_body_bytes: int = Field(ge=1024)
    max_rows: int = Field(ge=1)
    prediction_log: str
    log_wait_seconds: float = Field(gt=0, le=60)
    log_max_mb: float = Field(gt=0)
    log_retention_days: int = Field(ge=1)  # 0 could delete a file a late write lands in
    log_export: str = Field(min_length=1)
    threads: int = Field(ge=1)
    workers: int = Field(ge=1)
    allowed_hosts: list[str]
    cors_origins: list[str]
    token_env: str = Field(pattern=r"^[A-Z_][A-Z0-9_]*$")
    token_file: str
    docs: bool


class MonitorConfig(Section):
    bins: int = Field(ge=2, le=100)
    psi_threshold: float = Field(gt=0)
    p_value: float = Field(gt=0, lt=1)
    drift_share: float = Field(gt=0, le=1)
    prediction_psi: float = Field(gt=0)
    metric: Literal["roc_auc", "pr_auc", "log_loss", "brier"]
    performance_drop: float = Field(ge=0)
    min_rows: int = Field(ge=1)
    # The drop counts only when clear: `resamples` bootstrap draws of each side (0: the
    # point estimate alone), an interval at `confidence` (core/intervals.py).
    resamples: int = Field(default=1000, ge=0)
    confidence: float = Field(default=0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _enough_draws(self) -> MonitorConfig:
        enough_draws("monitor", self.resamples, self.confidence)
        return self


class EngineConfig(Section):
    """Where the data stages run (conf/engine/): `local`, in the stage's own process, or
    `dask`, as partitioned tasks on a Dask cluster: the one at `address` (or the
    DASK_SCHEDULER_ADDRESS environment variable, which wins), else a local cluster of
    `workers` processes started for the stage and stopped after it."""

    kind: Literal["local", "dask"]
    address: str | None = Field(default=None, pattern=r"^(tcp|tls|inproc|ws|wss)://\S+$")
    workers: int = Field(default=2, ge=1)
    threads_per_worker: int = Field(default=1, ge=1)
    memory_limit: str = Field(default="4GB", pattern=r"^\d+(\.\d+)?\s*[KMGT]i?B$")
    connect_timeout_s: float = Field(default=10, gt=0)
    partition_rows: int = Field(default=250_000, ge=1000)  # rows per partition of a table


CLUSTER_MODELS = ("lightgbm",)  # the model options that train on the `dask` engine


class PipelineConfig(Section):
    seed: int
    data: DataConfig
    label: LabelConfig
    split: SplitConfig
    features: FeaturesConfig
    model: ModelConfig
    evaluate: EvaluateConfig
    tracking: TrackingConfig
    gate: GateConfig
    registry: RegistryConfig
    serve: ServeConfig
    monitor: MonitorConfig
    hypothesis: HypothesisConfig | None = None  # none: the EDA notebook's ablation only
    engine: EngineConfig = EngineConfig(kind="local")  # params.yaml without one: in-process

    @model_validator(mode="after")
    def _engine_runs_the_config(self) -> PipelineConfig:
        if self.engine.kind == "dask" and not isinstance(self.split, OrderedSplit):
            raise ValueError(
                f"split: kind {self.split.kind} draws over the whole table, not on engine.kind "
                "dask (its partitions are split row by row); use an ordered split "
                "(`split.kind: ordered`, by a column's values), or `engine: local`"
            )
        if self.engine.kind == "dask" and self.model.name not in CLUSTER_MODELS:
            raise ValueError(
                f"model: {self.model.name} trains in one process, not on engine.kind dask "
                f"(the models that train on the cluster: {', '.join(CLUSTER_MODELS)}); choose "
                "`model: lightgbm` (conf/model/lightgbm.yaml), or `engine: local`"
            )
        return self

    @model_validator(mode="after")
    def _hypothesis_names_groups(self) -> PipelineConfig:
        if self.hypothesis is not None:
            groups = self.features.resolved_groups()
            named = [*self.hypothesis.base, *self.hypothesis.groups]
            unknown = [g for g in named if g not in groups]
            if unknown:
                raise ValueError(
                    f"hypothesis: {unknown} are no groups of model inputs in features.groups "
                    f"(have {sorted(g for g in groups if g in self.features.groups)})"
                )
        return self


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level of dotted keys (`model.learning_rate`), sorted."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, value in sorted(tree.items()):
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


class ConfigError(ValueError):
    """params.yaml is missing, unreadable or does not match PipelineConfig."""


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key(loc: tuple) -> str:
    # pydantic puts the tag of a tagged union in the path (model.random_forest.foo)
    key = loc[:1] + loc[2:] if loc[:1] in (("model",), ("split",)) and len(loc) > 1 else loc
    return ".".join(str(p) for p in key) or "<root>"


def parse_config(raw: object, origin: str = "params.yaml") -> PipelineConfig:
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as err:
        problems = [
            f"  {_key(e['loc'])}: {e['msg']}"
            + (f" (got {_short(e['input'])})" if e["type"] != "missing" else "")
            for e in err.errors(include_url=False)
        ]
        raise ConfigError(f"invalid configuration in {origin}:\n" + "\n".join(problems)) from None


def load_config(path: Path = PARAMS_FILE) -> PipelineConfig:
    if not path.exists():
        raise ConfigError(f"{path} not found: run `make params` to compose it from conf/")
    return parse_config(yaml.safe_load(path.read_text(encoding="utf-8")), origin=str(path))
