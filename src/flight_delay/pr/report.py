"""`make report`: the PR report, the workspace compared with a base git ref.

Writes reports/pr/report.md (pr/report_markdown.py words it) and its PNG images
(pr/report_plots.py draws them). Reads only the small, git-kept outputs (metrics,
slices, plot data, dvc.lock, params.yaml) of both sides, so the base never has to be
rebuilt. An image that cannot be drawn says why in its place.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from flight_delay.core.compare import as_number, lookup
from flight_delay.datasets import dataset_named_in
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import ConfigError, GateConfig, TrackingConfig
from flight_delay.infra.dvc_lock import recorded_md5s
from flight_delay.infra.io import write_text
from flight_delay.infra.paths import DATASET_CARD_MD, IMAGES_DIR, MODEL_FILE, PR_REPORT
from flight_delay.pr.judge import judge_pull_request, thresholds
from flight_delay.pr.report_markdown import TOP_FEATURES, Context, build_report, guarded
from flight_delay.revisions.recorded_outputs import (
    CURVE_COLUMNS,
    DEFAULT_BASE,
    RecordedOutputs,
    read_pair,
)
from flight_delay.revisions.rescoring import comparison_intervals, decision_threshold


def _test_counts(side: RecordedOutputs | None) -> dict[str, float] | None:
    if side is None:
        return None
    counts = {k: as_number(lookup(side.metrics, "test", k)) for k in ("tn", "fp", "fn", "tp")}
    found = {k: v for k, v in counts.items() if v is not None}
    return found if len(found) == len(counts) else None


def draw_images(
    base: RecordedOutputs | None, new: RecordedOutputs, out_dir: Path, dataset: DatasetSpec,
    root: Path | None = None,
) -> dict[str, str]:  # fmt: skip
    """Write the PNGs the data allows; title -> file name, or why it was not drawn.
    `root` is the workspace, whose SHAP image `evaluate` drew (copied as it is)."""
    from flight_delay.pr import report_plots as rp

    def curves(key: str, title: str, labels: tuple[str, str], metric: str | None) -> str:
        if new.curves.get(key) is None:
            return f"no plots/{key}.csv in the workspace"
        sides = {"base": base.curves.get(key) if base else None, rp.NEW: new.curves[key]}
        scores = None
        if metric:
            pairs = (("base", base), (rp.NEW, new))
            scores = {s: as_number(lookup(snap.metrics, "test", metric)) if snap else None
                      for s, snap in pairs}  # fmt: skip
        columns = (CURVE_COLUMNS[key][0], CURVE_COLUMNS[key][1])
        rp.overlaid_curves_png(sides, columns, f"{title}, test", labels, out_dir / f"{key}.png",
                               scores=scores, diagonal=key != "precision_recall")  # fmt: skip
        return f"{key}.png"

    def confusion() -> str:
        counts = {side: c for side, snap in (("base", base), (rp.NEW, new))
                  if (c := _test_counts(snap))}  # fmt: skip
        if rp.NEW not in counts:
            return "no test counts in metrics/metrics.json"
        threshold = as_number(lookup(new.params, "evaluate", "decision_threshold"))
        rp.confusion_pair_png(counts, threshold, dataset.class_names,
                              out_dir / "confusion_matrix.png")  # fmt: skip
        return "confusion_matrix.png"

    def shap_summary(workspace: Path | None) -> str:
        source = (workspace or Path(".")) / IMAGES_DIR / "shap_summary.png"
        if workspace is None or not source.is_file():
            return f"no {IMAGES_DIR.as_posix()}/shap_summary.png in the workspace"
        shutil.copyfile(source, out_dir / "shap_summary.png")
        return "shap_summary.png"

    def importance() -> str:
        if new.curves.get("feature_importance") is None:
            return "no plots/feature_importance.csv in the workspace"
        base_table = base.curves.get("feature_importance") if base else None
        rp.importance_pair_png(new.curves["feature_importance"], base_table, TOP_FEATURES,
                               out_dir / "feature_importance.png")  # fmt: skip
        return "feature_importance.png"

    drawers = {
        "ROC curve": lambda: curves(
            "roc", "ROC curve", ("false positive rate", "true positive rate"), "roc_auc"),
        "Precision-recall curve": lambda: curves(
            "precision_recall", "Precision-recall curve", ("recall", "precision"), "pr_auc"),
        "Calibration": lambda: curves(
            "calibration", "Calibration",
            ("mean predicted probability", f"fraction {dataset.class_names[1]}"), None),
        "Confusion matrix": confusion,
        "Feature importance": importance,
        "SHAP values": lambda: shap_summary(root),
    }  # fmt: skip
    return {title: guarded(draw, lambda why: why) for title, draw in drawers.items()}


def params_diff(base_commit: str | None, base_ref: str, root: Path) -> dict | str:
    if base_commit is None:
        return f"Not compared: git does not know `{base_ref}`."
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "params", "diff", base_commit, "--json"],
        cwd=root, capture_output=True, text=True,
    )  # fmt: skip
    try:
        if done.returncode == 0:
            return json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        pass
    reason = (done.stderr.strip().splitlines() or ["unexpected output"])[-1]
    return f"Not compared: `dvc params diff` failed ({reason})."


def card_link(env: dict[str, str] | os._Environ) -> str:
    """The dataset card at the PR's head on GitHub (the workflow sets PR_HEAD_SHA), else
    its path in the repository."""
    server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    commit = env.get("PR_HEAD_SHA") or env.get("GITHUB_SHA")
    if not (server and repo and commit):
        return DATASET_CARD_MD.as_posix()
    return f"{server}/{repo}/blob/{commit}/{DATASET_CARD_MD.as_posix()}"


def mlflow_link(new: RecordedOutputs) -> str | None:
    """Link to the run that logged the model, when the tracking store is a server."""
    md5 = recorded_md5s(new.lock, "train").get(MODEL_FILE.as_posix())
    if not md5:
        return None
    try:
        from flight_delay.infra.tracking import run_link

        return run_link(TrackingConfig.model_validate(new.params.get("tracking")), md5)
    except Exception as err:  # a report without the link beats no report
        print(f"report: no MLflow link ({type(err).__name__}: {err})", file=sys.stderr)
        return None


def intervals_of(
    gate: GateConfig | None, base: RecordedOutputs | None, new: RecordedOutputs,
    base_commit: str | None, root: Path, label: str,
) -> tuple[dict | str, dict | None]:  # fmt: skip
    """The metrics' intervals (or why none) and the slices' (or None), with the thresholds
    that judge the PR (its resamples and confidence)."""
    if gate is None:
        return "invalid gate thresholds", None
    if base is None or not base.metrics or base_commit is None:
        return "no baseline", None
    columns = lookup(new.params, "evaluate", "slice_columns")
    found = comparison_intervals(
        gate, decision_threshold(new.params), base_commit, root, label,
        [split for split in new.metrics if isinstance(new.metrics[split], dict)],
        [str(c) for c in columns] if isinstance(columns, list) else [],
    )  # fmt: skip
    return (found, None) if isinstance(found, str) else found


def make_report(base_ref: str, root: Path, out_dir: Path) -> Path:
    base, base_commit, new = read_pair(base_ref, root)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.png"):
        stale.unlink()
    dataset = dataset_named_in(new.params)
    images = draw_images(base, new, out_dir, dataset, root)
    chosen = thresholds(base, new)
    intervals, slice_intervals = guarded(
        lambda: intervals_of(chosen, base, new, base_commit, root, dataset.label),
        lambda why: (f"the intervals failed ({why})", None),
    )  # fmt: skip
    # the gate reuses the report's interval of its own metric and split: same rows, draws
    known = intervals.get(chosen.split, {}).get(chosen.metric) if (
        chosen and isinstance(intervals, dict)) else None  # fmt: skip
    gate, notes = (
        judge_pull_request(base, new, base_ref, dataset.label, base_commit, root, known)
        if new.metrics
        else (None, [])
    )
    context = Context(
        intervals=intervals,
        slice_intervals=slice_intervals,
        slice_min_rows=chosen.slice_min_rows if chosen else 100,
        base_ref=base_ref,
        base_commit=base_commit,
        label=dataset.label,
        params_diff=params_diff(base_commit, base_ref, root),
        gate=gate,
        gate_notes=tuple(notes),
        run_link=mlflow_link(new),
        card_link=card_link(os.environ),
    )
    target = out_dir / PR_REPORT.name
    write_text(build_report(base, new, context, images), target)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"git ref (default {DEFAULT_BASE})")
    parser.add_argument("--out", type=Path, default=PR_REPORT.parent)
    args = parser.parse_args(argv)
    try:
        target = make_report(args.base, Path.cwd(), args.out)
    except ConfigError as err:
        sys.exit(f"report: {err}")
    print(f"report: wrote {target} (compared with {args.base})")


if __name__ == "__main__":
    main()
