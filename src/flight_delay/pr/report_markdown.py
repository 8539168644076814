"""The PR report as Markdown: pure functions of the two sides' recorded outputs and the
context (the gate's verdict, the params diff, links). A missing side, file or value
becomes a line in the report, never a traceback: each section is drawn on its own, and
one that fails says why in its place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flight_delay.core import compare
from flight_delay.core.compare import as_number, lookup
from flight_delay.core.intervals import DeltaInterval
from flight_delay.core.splits import SPLITS
from flight_delay.infra.paths import DATASET_CARD_MD
from flight_delay.revisions.recorded_outputs import RecordedOutputs

TOP_SLICES = 5
TOP_FEATURES = 10
MAX_LIST = 20  # params rows and validation messages shown before "... and N more"
T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """What the report says besides the two sides' recorded outputs."""

    base_ref: str
    base_commit: str | None
    label: str  # the dataset's label column (its rate is `<label>_rate` in splits.json)
    params_diff: dict | str  # `dvc params diff --json` output, or why it is absent
    gate: compare.GateResult | None
    gate_notes: tuple[str, ...] = ()
    run_link: str | None = None
    card_link: str = DATASET_CARD_MD.as_posix()  # a URL on GitHub (see `card_link`)
    # split -> metric -> the change's interval, both models on the PR's rows; or why none
    intervals: dict[str, dict[str, DeltaInterval]] | str = "not computed"
    slice_intervals: dict[tuple[str, str], DeltaInterval] | None = None  # test ROC AUC
    slice_min_rows: int = 100


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if metric == "rows" else f"{value:.4f}"


def _delta(change: compare.MetricChange) -> str:
    delta = change.delta
    if delta is None:
        return "—"
    return f"{delta:+,.0f}" if change.metric == "rows" else f"{delta:+.4f}"


def _capped(lines: list[str]) -> list[str]:
    extra = len(lines) - MAX_LIST
    return lines if extra <= 0 else [*lines[:MAX_LIST], f"- ... and {extra} more"]


def _interval(interval: DeltaInterval | None) -> str:
    return "—" if interval is None else f"[{interval.low:+.4f}, {interval.high:+.4f}]"


def _metrics_table(changes: list[compare.MetricChange], with_intervals: bool) -> list[str]:
    if not with_intervals:
        lines = ["| metric | base | PR | Δ | |", "|---|---:|---:|---:|---|"]
        return lines + [f"| {c.metric} | {_fmt(c.base, c.metric)} | {_fmt(c.new, c.metric)} "
                        f"| {_delta(c)} | {c.mark} |" for c in changes]  # fmt: skip
    lines = ["| metric | base | PR | Δ | interval | |", "|---|---:|---:|---:|---|---|"]
    return lines + [f"| {c.metric} | {_fmt(c.base, c.metric)} | {_fmt(c.new, c.metric)} "
                    f"| {_delta(c)} | {_interval(c.interval)} | {c.mark} |"
                    for c in changes]  # fmt: skip


def _how_sure(intervals: dict[str, dict[str, DeltaInterval]]) -> str:
    first = next((i for per_split in intervals.values() for i in per_split.values()), None)
    if first is None:
        return ""
    return (f"Both models scored on this PR's rows of each split (f1, precision and recall "
            f"at this PR's decision threshold; the base's mean score on them is not shown); "
            f"the interval is the {first.confidence:.0%} interval of Δ from "
            f"{first.resamples:,} paired bootstrap draws, and **clear** marks a change "
            "whose interval lies on its side of zero (docs/pull-requests.md, \"How "
            "clearly is decided\").")  # fmt: skip


def _features_rebuilt(base: RecordedOutputs | None, new: RecordedOutputs) -> list[str]:
    """The stages before `train` that re-ran in the PR (their dvc.lock entries differ)."""
    if base is None or not base.lock:
        return []
    reran = compare.changed_stages(base.lock, new.lock)["re-ran"]
    return [stage for stage in ("ingest", "validate", "prepare", "featurize") if stage in reran]


def metrics_section(
    base: RecordedOutputs | None, new: RecordedOutputs, context: Context | None = None
) -> list[str]:
    """One table per split, test first; with each change's interval when both models
    could be scored on the same rows, else the recorded values and why not."""
    intervals = context.intervals if context else "not computed"
    per_split = intervals if isinstance(intervals, dict) else None
    changes = compare.metric_changes(base.metrics if base else {}, new.metrics, per_split)
    if not changes:
        return ["No metrics in the workspace: did `dvc repro` run?"]
    lines: list[str] = []
    if per_split:
        lines += [_how_sure(per_split), ""]
        rebuilt = _features_rebuilt(base, new)
        if rebuilt:
            lines += [f"**Note:** {', '.join(rebuilt)} re-ran in this PR, so the base's model "
                      "was scored on features this PR built. If a feature's meaning changed, "
                      "the base's own recorded metrics (`metrics/metrics.json` on the base) "
                      "are the fairer comparison.", ""]  # fmt: skip
    elif base is not None and base.metrics and isinstance(intervals, str):
        lines += [f"Recorded metrics, no intervals: {intervals}.", ""]
    for split in dict.fromkeys(c.split for c in changes):
        table = _metrics_table([c for c in changes if c.split == split], bool(per_split))
        lines += [f"**{split}**", "", *table, ""]
    return lines[:-1]


def _slice_mark(change: compare.SliceChange, min_rows: int) -> str:
    interval = change.interval
    marks = ["**clear**"] if interval and interval.settled and interval.clear else []
    if interval and not interval.settled:
        marks.append("unsettled (few rows, or one class in many draws)")
    if change.rows < min_rows:
        marks.append(f"small (< {min_rows:,} rows)")
    return ", ".join(marks)


def slices_section(
    base: RecordedOutputs | None, new: RecordedOutputs, context: Context | None = None
) -> list[str]:
    """With intervals: the slices ranked by evidence (how far the change stands out of
    its noise), small ones after the others and labelled; else the largest recorded
    changes."""
    if context is not None and context.slice_intervals is not None:
        if not context.slice_intervals:
            return ["No slices to compare: no `evaluate.slice_columns` in the test features."]
        small = context.slice_min_rows
        ranked = compare.ranked_slices(context.slice_intervals, top=TOP_SLICES, min_rows=small)
        if not ranked:
            return ["No slice's test ROC AUC changed (or none has both classes)."]
        every = [i for i in context.slice_intervals.values() if i.finite]
        clear = sum(1 for i in every if i.settled and i.clear)
        chance = 1 - ranked[0].interval.confidence if ranked[0].interval else 0.05
        lines = [f"{clear} of {len(every)} slices changed clearly; about {chance:.0%} of "
                 "slices look clear by chance alone. Ranked by evidence: Δ over the distance "
                 "from Δ to its interval's bound on zero's side (above 1: clear); slices "
                 f"under {small:,} rows come after the others.", "",
                 "| slice | rows | base | PR | Δ | interval | evidence | |",
                 "|---|---:|---:|---:|---:|---|---:|---|"]  # fmt: skip
        lines += [
            f"| {m.column}={m.value} | {m.rows:,} | {m.base:.4f} | {m.new:.4f} | {m.delta:+.4f} "
            f"| {_interval(m.interval)} | {m.evidence:.1f} | {_slice_mark(m, small)} |"
            for m in ranked
        ]
        return lines
    moved = compare.moved_slices(base.slices if base else {}, new.slices, top=TOP_SLICES)
    if not moved:
        return ["No slice's test ROC AUC moved (or there is no baseline to compare with)."]
    lines = ["Largest recorded changes (no intervals).", "",
             "| slice | rows | base | PR | Δ |", "|---|---:|---:|---:|---:|"]  # fmt: skip
    lines += [
        f"| {m.column}={m.value} | {m.rows:,} | {m.base:.4f} | {m.new:.4f} | {m.delta:+.4f} |"
        for m in moved
    ]
    return lines


def _shown(value: object) -> str:
    return "—" if value is None else f"`{json.dumps(value)}`"


def params_lines(params_diff: dict | str) -> list[str]:
    if isinstance(params_diff, str):
        return [params_diff]
    rows = sorted(
        (f"{name} ({file})" if len(params_diff) > 1 else name, change)
        for file, per_file in params_diff.items()
        if isinstance(per_file, dict)
        for name, change in per_file.items()
        if isinstance(change, dict)
    )
    if not rows:
        return ["No parameter changed."]
    lines = ["| param | base | PR |", "|---|---|---|"]
    lines += _capped(
        [f"| {n} | {_shown(c.get('old'))} | {_shown(c.get('new'))} |" for n, c in rows]
    )
    if any(name.startswith("gate.") for name, _ in rows):
        lines += ["", "**Note:** this PR changes the gate's own thresholds."]
    return lines


def changes_section(
    base: RecordedOutputs | None, new: RecordedOutputs, context: Context
) -> list[str]:
    lines = ["**Params** (`dvc params diff`):", "", *params_lines(context.params_diff)]
    lines += ["", "**Stages** (dvc.lock compared with the base):", ""]
    if base is None or not base.lock:
        return [*lines, "No base dvc.lock to compare with."]
    stages = compare.changed_stages(base.lock, new.lock)
    described = [f"{kind}: {', '.join(names)}" for kind, names in stages.items() if names]
    return [*lines, "; ".join(described) if described else "Every stage is as on the base."]


def _split_cells(
    base: RecordedOutputs | None, new: RecordedOutputs, split: str, label: str
) -> list[str]:
    return [
        _fmt(as_number(lookup(side.splits if side else {}, split, key)), key)
        for key in ("rows", f"{label}_rate")
        for side in (base, new)
    ]


def _listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def validation_lines(validation: dict[str, Any]) -> list[str]:
    state = "passed" if validation.get("passed") is True else "**FAILED**"
    messages = []
    tables = validation.get("tables")
    for table, result in sorted(tables.items() if isinstance(tables, dict) else []):
        problems = [*_listed(lookup(result, "errors")), *_listed(lookup(result, "warnings"))]
        for problem in problems:
            messages.append(f"- {table}: {lookup(problem, 'message') or problem}")
    return [f"Validation {state}.", *_capped(messages)]


def _overrides(snapshot: RecordedOutputs | None) -> int | None:
    splits = lookup(snapshot.datacard, "splits") if snapshot else None
    if not isinstance(splits, dict):
        return None
    counts = [as_number(lookup(s, "label_overrides")) for s in splits.values()]
    present = [c for c in counts if c is not None]
    return int(sum(present)) if len(present) == len(counts) else None


def card_lines(base: RecordedOutputs | None, new: RecordedOutputs, link: str) -> list[str]:
    """The dataset card's link, which described files changed, and the hand-set labels."""
    files = lookup(new.datacard, "files")
    if not isinstance(files, dict):
        return ["No dataset card (reports/dataset-card.json) in the workspace."]
    base_files = lookup(base.datacard, "files") if base else None
    if not isinstance(base_files, dict):
        changed = "no base card to compare with"
    else:
        moved = sorted(p for p, md5 in files.items() if base_files.get(p) != md5)
        changed = f"changed: {', '.join(f'`{p}`' for p in moved)}" if moved else "data unchanged"
    labels = _overrides(new)
    before = _overrides(base)
    shown = "—" if labels is None else f"{labels:,}"
    if before is not None and before != labels:
        shown += f" (base {before:,})"
    where = lookup(new.datacard, "label", "overrides")
    where = f" ({where})" if isinstance(where, str) else ""
    return [f"Dataset card: [{DATASET_CARD_MD.as_posix()}]({link}) ({changed}); "
            f"hand-set labels{where}: {shown}"]  # fmt: skip


def data_section(
    base: RecordedOutputs | None, new: RecordedOutputs, card_link: str, label: str
) -> list[str]:
    lines = card_lines(base, new, card_link) + [""]
    if not new.splits:
        lines += ["No split summary (reports/splits.json) in the workspace."]
    else:
        lines += [
            f"| split | values | rows (base) | rows (PR) | {label} (base) | {label} (PR) |",
            "|---|---|---:|---:|---:|---:|",
        ]
        rank = {split: index for index, split in enumerate(SPLITS)}
        for split in sorted(new.splits, key=lambda s: (rank.get(s, len(rank)), str(s))):
            months = lookup(new.splits, split, "values")
            shown = ", ".join(map(str, months)) if isinstance(months, list) else "—"
            lines.append(
                f"| {split} | {shown} | " + " | ".join(_split_cells(base, new, split, label)) + " |"
            )
    if new.validation:
        lines += ["", *validation_lines(new.validation)]
    return lines


def _values(table: Any, key: str, column: str) -> dict[str, float | None]:
    if table is None or column not in table.columns:
        return {}
    return {str(k): as_number(v) for k, v in zip(table[key], table[column], strict=True)}


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def reliance_section(base: RecordedOutputs | None, new: RecordedOutputs) -> list[str]:
    """Grouped permutation importance and SHAP per group, then SHAP per feature."""
    groups = new.curves.get("group_importance")
    if groups is None:
        return ["No plots/group_importance.csv in the workspace."]
    base_curves = base.curves if base else {}
    drop, shap = (
        {side: _values(curves.get("group_importance"), "group", column)
         for side, curves in (("base", base_curves), ("PR", new.curves))}
        for column in ("importance_mean", "mean_abs_shap")
    )  # fmt: skip
    lines = [
        "Test ROC AUC lost when a group's columns are shuffled together, and the group's "
        "mean absolute SHAP value (log-odds):",
        "",
        "| group | drop (base) | drop (PR) | SHAP (base) | SHAP (PR) |",
        "|---|---:|---:|---:|---:|",
    ]
    for group in map(str, groups["group"]):
        cells = [_cell(d.get(group)) for d in (drop["base"], drop["PR"], shap["base"], shap["PR"])]
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    features = new.curves.get("shap_importance")
    if features is None or features.empty:
        return [*lines, "", "No SHAP values per feature (plots/shap_importance.csv)."]
    base_shap = _values(base_curves.get("shap_importance"), "feature", "mean_abs_shap")
    lines += ["", f"Mean absolute SHAP value, top {TOP_FEATURES} features:", "",
              "| feature | base | PR |", "|---|---:|---:|"]  # fmt: skip
    for feature, value in features.head(TOP_FEATURES)[["feature", "mean_abs_shap"]].values:
        lines.append(f"| {feature} | {_cell(base_shap.get(str(feature)))} | {_cell(value)} |")
    return lines


def images_section(images: dict[str, str]) -> list[str]:
    return [
        f"![{title}]({result})" if result.endswith(".png") else f"- {title}: not drawn ({result})"
        for title, result in images.items()
    ]


def guarded(draw: Callable[[], T], instead: Callable[[str], T]) -> T:
    """A section or image that fails says why in its place; the rest of the report stands."""
    try:
        return draw()
    except Exception as err:  # a partial report beats a traceback
        return instead(f"{type(err).__name__}: {err}")


def build_report(
    base: RecordedOutputs | None, new: RecordedOutputs, context: Context, images: dict[str, str]
) -> str:
    """The report as Markdown. Pure: everything it shows is passed in."""
    commit = f" (`{context.base_commit[:10]}`)" if context.base_commit else ""
    lines = [f"# Model report: this PR compared with `{context.base_ref}`{commit}", ""]
    if context.gate is not None:
        lines += [f"**{context.gate.message}**", ""]
        if context.gate_notes:
            lines += [*(f"- {note}" for note in context.gate_notes), ""]
    if base is None or not base.metrics:
        why = "git does not know it" if base is None else "it has no metrics yet"
        lines += [f"No baseline: `{context.base_ref}` ({why}). The PR is shown alone.", ""]
    sections = [
        ("Metrics", lambda: metrics_section(base, new, context)),
        ("Slices (test ROC AUC)", lambda: slices_section(base, new, context)),
        ("What changed", lambda: changes_section(base, new, context)),
        ("Plots", lambda: images_section(images)),
        ("What the model relies on", lambda: reliance_section(base, new)),
        ("Data", lambda: data_section(base, new, context.card_link, context.label)),
    ]
    for title, draw in sections:
        lines += [f"## {title}", "", *guarded(draw, lambda why: [f"Not shown: {why}"]), ""]
    if context.run_link:
        lines += [f"MLflow run: [{context.run_link}]({context.run_link})", ""]
    missing = [f"{side.name}: {m}" for side in (base, new) if side for m in side.missing]
    if missing:
        lines += ["<details><summary>Files not found or unreadable</summary>", ""]
        lines += [f"- {m}" for m in missing] + ["", "</details>", ""]
    return "\n".join(lines)
