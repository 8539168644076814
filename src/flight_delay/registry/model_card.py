"""The model card (Markdown) and the deployment record (JSON) of a promotion.

Pure functions of what `promote` gathered: the tag event, the lineage from dvc.lock,
the git-kept outputs of the tagged commit, the gate's verdict and the MLflow version.
Nothing here reads a clock, so promoting the same tag twice writes the same files.
"""

from __future__ import annotations

from dataclasses import dataclass

from flight_delay.core.compare import as_number, lookup
from flight_delay.core.splits import SPLITS
from flight_delay.infra.config import RegistryConfig, flatten
from flight_delay.registry.tag_events import TagEvent
from flight_delay.revisions.model_lineage import Lineage
from flight_delay.revisions.recorded_outputs import RecordedOutputs

CARD_METRICS = ("roc_auc", "pr_auc", "log_loss", "brier", "f1", "precision", "recall")
WEAKEST_SLICES = 5
MIN_SLICE_ROWS = 100


@dataclass(frozen=True)
class Promotion:
    event: TagEvent
    lineage: Lineage
    outputs: RecordedOutputs  # the tagged commit's metrics, slices, splits, params
    mlflow_version: str
    training_run_id: str
    tracking_uri: str  # without credentials
    obtained: str  # how the model file was obtained (fetched or rebuilt)
    gate_message: str | None = None
    gate_notes: tuple[str, ...] = ()
    alias_moved: bool = True  # False when the tags put another version in the stage since


def model_uri(promotion: Promotion, name: str) -> str:
    event = promotion.event
    if event.event == "assignment" and event.stage and promotion.alias_moved:
        return f"models:/{name}@{event.stage}"
    return f"models:/{name}/{promotion.mlflow_version}"


def _number(value: object, digits: int = 4) -> str:
    number = as_number(value)
    return "—" if number is None else f"{number:,.{digits}f}"


def _metrics(outputs: RecordedOutputs) -> list[str]:
    splits = [s for s in SPLITS if isinstance(outputs.metrics.get(s), dict)]
    if not splits:
        return ["No metrics/metrics.json at this commit."]
    lines = ["| metric | " + " | ".join(splits) + " |", "|---|" + "---:|" * len(splits)]
    for metric in (*CARD_METRICS, "rows"):
        cells = [_number(lookup(outputs.metrics, s, metric), 0 if metric == "rows" else 4)
                 for s in splits]  # fmt: skip
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return lines


def _slices(outputs: RecordedOutputs, label: str) -> list[str]:
    rows = []
    for column, values in sorted(outputs.slices.items()):
        for value, stats in values.items() if isinstance(values, dict) else []:
            auc, count = as_number(lookup(stats, "roc_auc")), as_number(lookup(stats, "rows"))
            if auc is not None and count is not None and count >= MIN_SLICE_ROWS:
                rows.append((auc, column, str(value), count, lookup(stats, "base_rate")))
    if not rows:
        return ["No slice metrics at this commit."]
    lines = [f"| slice | rows | ROC AUC | {label} rate |", "|---|---:|---:|---:|"]
    for auc, column, value, count, base_rate in sorted(rows)[:WEAKEST_SLICES]:
        lines.append(f"| {column}={value} | {count:,.0f} | {auc:.4f} | {_number(base_rate)} |")
    return lines


def _data(promotion: Promotion, label: str) -> list[str]:
    splits = promotion.outputs.splits
    lines = [f"| split | values | rows | {label} rate |", "|---|---|---:|---:|"]
    for split in [s for s in SPLITS if isinstance(splits.get(s), dict)]:
        months = lookup(splits, split, "values")
        shown = ", ".join(map(str, months)) if isinstance(months, list) else "—"
        rows, rate = (lookup(splits, split, key) for key in ("rows", f"{label}_rate"))
        lines.append(f"| {split} | {shown} | {_number(rows, 0)} | {_number(rate)} |")
    lines += ["", "Training data files (md5 from dvc.lock):", ""]
    lines += [f"- `{path}`: `{md5}`" for path, md5 in promotion.lineage.data_files.items()]
    return lines


def _params(outputs: RecordedOutputs) -> list[str]:
    keep = {k: outputs.params[k] for k in ("seed", "label", "model") if k in outputs.params}
    lines = ["| parameter | value |", "|---|---|"]
    lines += [f"| {key} | `{value}` |" for key, value in flatten(keep).items()]
    features = outputs.params.get("features") or {}
    for kind in ("numeric", "categorical"):
        if isinstance(features.get(kind), list):
            lines.append(f"| features.{kind} | {', '.join(map(str, features[kind]))} |")
    return lines


def model_card(promotion: Promotion, registry: RegistryConfig, label: str) -> str:
    """The card as Markdown; `label`: the dataset's label column (names its rate)."""
    event, lineage, name = promotion.event, promotion.lineage, registry.artifact
    model_name = lookup(promotion.outputs.params, "model", "name") or "unknown"
    stage = f"{event.stage}, by tag `{event.tag}`" if event.stage else "none (registered only)"
    gate = promotion.gate_message or f"Not gated: only {registry.gated_stages} are."
    lines = [
        f"# Model card: {name} {event.version}",
        "",
        "| | |",
        "|---|---|",
        f"| Model | {name}, a `{model_name}` classifier (skops file, md5 `{lineage.model_md5}`) |",
        f"| Version | {event.version} (tag `{name}@{event.version}`) |",
        f"| Stage | {stage} |",
        f"| Git commit | `{lineage.commit}` |",
        f"| MLflow | model `{name}` version {promotion.mlflow_version}: "
        f"`{model_uri(promotion, name)}` on `{promotion.tracking_uri}` |",
        f"| Training run | `{promotion.training_run_id or 'none in this tracking store'}` |",
        f"| Params md5 | `{lineage.params_md5}` (train stage params in dvc.lock) |",
        f"| Data md5 | `{lineage.data_md5}` |",
        f"| Model file | {promotion.obtained} |",
        "",
        "## Promotion gate",
        "",
        gate,
        *[f"- {note}" for note in promotion.gate_notes],
        "",
        "## Metrics",
        "",
        *_metrics(promotion.outputs),
        "",
        f"## Weakest slices (test ROC AUC, slices of at least {MIN_SLICE_ROWS} rows)",
        "",
        *_slices(promotion.outputs, label),
        "",
        "## Data window",
        "",
        *_data(promotion, label),
        "",
        "## Parameters",
        "",
        *_params(promotion.outputs),
        "",
        "## Intended use",
        "",
        registry.intended_use,
        "",
        "## Limitations",
        "",
        *[f"- {item}" for item in registry.limitations],
        "",
        "## Getting this model",
        "",
        f'- MLflow: `mlflow.sklearn.load_model("{model_uri(promotion, name)}")`',
        f"- DVC: `dvc artifacts get <repo-url> {name} --rev {event.version}`",
        "",
    ]
    return "\n".join(lines)


def deployment_record(promotion: Promotion, registry: RegistryConfig, deploy: bool) -> dict:
    event, lineage = promotion.event, promotion.lineage
    return {
        "artifact": registry.artifact,
        "tag": event.tag,
        "event": event.event,
        "version": event.version,
        "stage": event.stage,
        "tag_created_at": event.created_at,
        "git_commit": lineage.commit,
        "model_md5": lineage.model_md5,
        "params_md5": lineage.params_md5,
        "data_md5": lineage.data_md5,
        "model_file": promotion.obtained,
        "gate": promotion.gate_message,
        "mlflow": {
            "tracking_uri": promotion.tracking_uri,
            "model": registry.artifact,
            "version": promotion.mlflow_version,
            "model_uri": model_uri(promotion, registry.artifact),
            "training_run_id": promotion.training_run_id,
        },
        "deploy": deploy,
    }
