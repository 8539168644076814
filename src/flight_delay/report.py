"""`make report`: the PR report, the workspace compared with a base git ref.

Writes reports/pr/report.md and its PNG images. Reads only the small, git-kept
outputs (metrics, slices, plot data, dvc.lock, params.yaml) of both sides, so
the base never has to be rebuilt. A missing side or file becomes a line in the
report, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from flight_delay import compare
from flight_delay.config import GateConfig, TrackingConfig
from flight_delay.io import write_text
from flight_delay.paths import PR_REPORT_DIR
from flight_delay.snapshot import (
    Snapshot,
    read_snapshot,
    resolve_commit,
    revision_reader,
    workspace_reader,
)

REPORT_FILE = "report.md"
TOP_SLICES = 5
TOP_FEATURES = 10


@dataclass(frozen=True)
class Context:
    """What the report says besides the two snapshots."""

    base_ref: str
    base_commit: str | None
    params_diff: dict | str  # `dvc params diff --json` output, or why it is absent
    gate: compare.GateResult | None
    run_link: str | None = None


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if metric == "rows" else f"{value:.4f}"


def _delta(change: compare.MetricChange) -> str:
    delta = change.delta
    if delta is None:
        return "—"
    return f"{delta:+,.0f}" if change.metric == "rows" else f"{delta:+.4f}"


def _metrics_table(changes: list[compare.MetricChange]) -> list[str]:
    lines = ["| metric | base | PR | Δ | |", "|---|---:|---:|---:|---|"]
    lines += [
        f"| {c.metric} | {_fmt(c.base, c.metric)} | {_fmt(c.new, c.metric)} "
        f"| {_delta(c)} | {c.mark} |"
        for c in changes
    ]
    return lines


def metrics_section(base: Snapshot | None, new: Snapshot) -> list[str]:
    """The test split in full view; the others folded away."""
    changes = compare.metric_changes(base.metrics if base else {}, new.metrics)
    if not changes:
        return ["No metrics in the workspace: did `dvc repro` run?"]
    lines: list[str] = []
    for split in dict.fromkeys(c.split for c in changes):
        table = _metrics_table([c for c in changes if c.split == split])
        if split == "test":
            lines += ["**test**", "", *table, ""]
        else:
            lines += [f"<details><summary>{split}</summary>", "", *table, "", "</details>", ""]
    return lines[:-1]


def slices_section(base: Snapshot | None, new: Snapshot) -> list[str]:
    moved = compare.moved_slices(base.slices if base else {}, new.slices, top=TOP_SLICES)
    if not moved:
        return ["No slice's test ROC AUC moved (or there is no baseline to compare with)."]
    lines = ["| slice | rows | base | PR | Δ |", "|---|---:|---:|---:|---:|"]
    lines += [
        f"| {m.column}={m.value} | {m.rows:,} | {m.base:.4f} | {m.new:.4f} | {m.delta:+.4f} |"
        for m in moved
    ]
    return lines


def _shown(value: object) -> str:
    return "—" if value is None else f"`{json.dumps(value)}`"


def changes_section(base: Snapshot | None, new: Snapshot, context: Context) -> list[str]:
    lines = ["**Params** (`dvc params diff`):", ""]
    if isinstance(context.params_diff, str):
        lines.append(context.params_diff)
    else:
        rows = sorted(
            (name, change)
            for per_file in context.params_diff.values()
            for name, change in per_file.items()
        )
        if rows:
            lines += ["| param | base | PR |", "|---|---|---|"]
            lines += [f"| {n} | {_shown(c.get('old'))} | {_shown(c.get('new'))} |" for n, c in rows]
            if any(name.startswith("gate.") for name, _ in rows):
                lines += ["", "**Note:** this PR changes the gate's own thresholds."]
        else:
            lines.append("No parameter changed.")
    lines += ["", "**Stages** (dvc.lock compared with the base):", ""]
    if base is None or not base.lock:
        lines.append("No base dvc.lock to compare with.")
        return lines
    stages = compare.changed_stages(base.lock, new.lock)
    described = [f"{kind}: {', '.join(names)}" for kind, names in stages.items() if names]
    lines.append("; ".join(described) if described else "Every stage is as on the base.")
    return lines


def _split_value(snapshot: Snapshot | None, split: str, key: str) -> object:
    values = (snapshot.splits if snapshot else {}).get(split)
    return values.get(key) if isinstance(values, dict) else None


def data_section(base: Snapshot | None, new: Snapshot) -> list[str]:
    lines = []
    if new.splits:
        lines += [
            "| split | months | rows (base) | rows (PR) | delayed (base) | delayed (PR) |",
            "|---|---|---:|---:|---:|---:|",
        ]
        known = ("train", "valid", "test")  # time order first, then any other split
        for split in sorted(new.splits, key=lambda s: (known.index(s) if s in known else 3, s)):
            months = ", ".join(str(m) for m in (_split_value(new, split, "months") or []))
            cells = [
                _fmt(compare.as_number(_split_value(side, split, key)), key)
                for key in ("rows", "delayed_rate")
                for side in (base, new)
            ]
            lines.append(f"| {split} | {months} | " + " | ".join(cells) + " |")
    else:
        lines.append("No split summary (reports/splits.json) in the workspace.")
    validation = new.validation
    if validation:
        state = "passed" if validation.get("passed") else "**FAILED**"
        lines += ["", f"Validation {state}."]
        for table, result in sorted((validation.get("tables") or {}).items()):
            for problem in [*result.get("errors", []), *result.get("warnings", [])]:
                message = problem.get("message", problem) if isinstance(problem, dict) else problem
                lines.append(f"- {table}: {message}")
    return lines


def images_section(images: dict[str, str | None]) -> list[str]:
    lines = []
    for title, file_or_reason in images.items():
        if file_or_reason and file_or_reason.endswith(".png"):
            lines.append(f"![{title}]({file_or_reason})")
        else:
            lines.append(f"- {title}: not drawn ({file_or_reason})")
    return lines


def build_report(
    base: Snapshot | None, new: Snapshot, context: Context, images: dict[str, str | None]
) -> str:
    """The report as Markdown. Pure: everything it shows is passed in."""
    commit = f" (`{context.base_commit[:10]}`)" if context.base_commit else ""
    lines = [f"# Model report: this PR compared with `{context.base_ref}`{commit}", ""]
    if context.gate is not None:
        lines += [f"**{context.gate.message}**", ""]
    if base is None or not base.metrics:
        why = "git does not know it" if base is None else "it has no metrics yet"
        lines += [f"No baseline: `{context.base_ref}` ({why}). The PR is shown alone.", ""]
    sections = [
        ("Metrics", metrics_section(base, new)),
        ("Slices that moved most (test ROC AUC)", slices_section(base, new)),
        ("What changed", changes_section(base, new, context)),
        ("Plots", images_section(images)),
        ("Data", data_section(base, new)),
    ]
    for title, body in sections:
        lines += [f"## {title}", "", *body, ""]
    if context.run_link:
        lines += [f"MLflow run: [{context.run_link}]({context.run_link})", ""]
    missing = [f"{side.name}: {m}" for side in (base, new) if side for m in side.missing]
    if missing:
        lines += ["<details><summary>Files not found or unreadable</summary>", ""]
        lines += [f"- {m}" for m in missing] + ["", "</details>", ""]
    return "\n".join(lines)


def draw_images(base: Snapshot | None, new: Snapshot, out_dir: Path) -> dict[str, str | None]:
    """Write the PNGs the data allows; title -> file name, or why it was not drawn."""
    from flight_delay import report_plots as rp

    def sides(key: str) -> dict:
        return {"base": base.curves.get(key) if base else None, rp.NEW: new.curves.get(key)}

    def test_metric(snapshot: Snapshot | None, metric: str) -> float | None:
        values = (snapshot.metrics if snapshot else {}).get("test")
        return values.get(metric) if isinstance(values, dict) else None

    images: dict[str, str | None] = {}
    curves = [
        ("ROC curve", "roc", ("fpr", "tpr"), ("false positive rate", "true positive rate"), True),
        ("Precision-recall curve", "precision_recall", ("recall", "precision"),
         ("recall", "precision"), False),
        ("Calibration", "calibration", ("mean_predicted", "fraction_delayed"),
         ("mean predicted probability", "fraction delayed"), True),
    ]  # fmt: skip
    for title, key, columns, labels, diagonal in curves:
        if new.curves.get(key) is None:
            images[title] = f"no plots/{key}.csv in the workspace"
            continue
        metric = {"roc": "roc_auc", "precision_recall": "pr_auc"}.get(key)
        scores = {s: test_metric(snap, metric) for s, snap in (("base", base), (rp.NEW, new))}
        rp.overlaid_curves_png(
            sides(key), columns, f"{title}, test", labels, out_dir / f"{key}.png",
            scores=scores if metric else None, diagonal=diagonal,
        )  # fmt: skip
        images[title] = f"{key}.png"
    counts = {
        side: values
        for side, snap in (("base", base), (rp.NEW, new))
        if isinstance(values := (snap.metrics if snap else {}).get("test"), dict)
        and {"tn", "fp", "fn", "tp"} <= values.keys()
    }
    if rp.NEW in counts:
        threshold = (new.params.get("evaluate") or {}).get("decision_threshold")
        rp.confusion_pair_png(counts, threshold, out_dir / "confusion_matrix.png")
        images["Confusion matrix"] = "confusion_matrix.png"
    else:
        images["Confusion matrix"] = "no test counts in metrics/metrics.json"
    importance = new.curves.get("feature_importance")
    if importance is not None:
        base_importance = base.curves.get("feature_importance") if base else None
        rp.importance_pair_png(
            importance, base_importance, TOP_FEATURES, out_dir / "feature_importance.png"
        )
        images["Feature importance"] = "feature_importance.png"
    else:
        images["Feature importance"] = "no plots/feature_importance.csv in the workspace"
    return images


def params_diff(base_commit: str | None, base_ref: str, root: Path) -> dict | str:
    if base_commit is None:
        return f"Not compared: git does not know `{base_ref}`."
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "params", "diff", base_commit, "--json"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"Not compared: `dvc params diff` failed ({reason})."
    return json.loads(done.stdout or "{}")


def gate_result(base: Snapshot | None, new: Snapshot) -> compare.GateResult | None:
    try:
        gate = GateConfig.model_validate(new.params.get("gate"))
    except ValidationError:
        return None
    return compare.gate_verdict(gate, base.metrics if base else None, new.metrics)


def mlflow_link(new: Snapshot) -> str | None:
    """Link to the run, only when MLFLOW_TRACKING_URI points at a server."""
    if not os.environ.get("MLFLOW_TRACKING_URI", "").startswith(("http://", "https://")):
        return None
    model = (new.lock.get("stages") or {}).get("train", {}).get("outs", [{}])[0]
    try:
        from flight_delay.tracking import run_link

        return run_link(TrackingConfig.model_validate(new.params.get("tracking")), model["md5"])
    except Exception as err:  # a report without the link beats no report
        print(f"report: no MLflow link ({type(err).__name__}: {err})", file=sys.stderr)
        return None


def make_report(base_ref: str, root: Path, out_dir: Path) -> Path:
    new = read_snapshot("PR", workspace_reader(root))
    base_commit = resolve_commit(base_ref, root)
    base = read_snapshot(base_ref, revision_reader(base_commit, root)) if base_commit else None
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.png"):
        stale.unlink()
    images = draw_images(base, new, out_dir)
    context = Context(
        base_ref=base_ref,
        base_commit=base_commit,
        params_diff=params_diff(base_commit, base_ref, root),
        gate=gate_result(base, new),
        run_link=mlflow_link(new),
    )
    target = out_dir / REPORT_FILE
    write_text(build_report(base, new, context, images), target)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BASE") or "main", help="git ref")
    parser.add_argument("--out", type=Path, default=PR_REPORT_DIR)
    args = parser.parse_args(argv)
    target = make_report(args.base, Path.cwd(), args.out)
    print(f"report: wrote {target} (compared with {args.base})")


if __name__ == "__main__":
    main()
