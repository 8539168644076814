"""`make retrain`: judge the newest data and, when it has drifted, retrain on it.

With a split in time order (`kind: ordered`):
1. The newest window: the values of the split column (months, for the flights) in
   data/raw after the test values (`make ci-repro` ingests whatever the source now
   holds). None: nothing to do.
2. Its features, built with the pipeline's own functions, and its labels, are judged
   by `make monitor`'s rules against the workspace model's training data.
3. When the verdict says retrain, the window moves forward in the split's conf file
   (conf/split/by_month.yaml: the validation values join training, the test values
   become validation, the new window becomes the test), then `dvc repro`, then
   `make gate` against HEAD.
With a seeded random or stratified split there is no newer window: the served rows
(CURRENT: data/feedback/feedback.parquet when `make feedback` wrote it, else the
prediction log) are judged the same way, and when they drifted the pipeline runs on the
source as it now is (the same seeded draw over every row it holds: add the labelled
production rows to the source), then `make gate` against HEAD. When that changes no
output, retraining would give the same model: nothing to propose.
The pieces are operate/retraining.py. For the workflow: GITHUB_OUTPUT gets
retrain=true|false, and reports/retrain/pr.md the pull request's text (the verdict and
the model report). `make retrain-pr` then opens the pull request with CML
(`cml pr create`), committing the changed config and lock.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from flight_delay.infra.config import OrderedSplit, PipelineConfig
from flight_delay.infra.github import set_outputs, without_images
from flight_delay.infra.params import section_file
from flight_delay.infra.paths import PR_REPORT, RETRAIN_DIR

ARTIFACT = "retrain"  # the workflow's artifact, which holds reports/pr/ and its images


def _run(*args: str) -> None:
    done = subprocess.run(list(args))
    if done.returncode != 0:
        sys.exit(f"retrain: `{' '.join(args)}` failed")


def pr_text(window: list[int | str], report: dict, old: OrderedSplit, new: OrderedSplit) -> str:
    model_report = PR_REPORT.read_text(encoding="utf-8") if PR_REPORT.exists() else ""
    body = without_images(model_report, ARTIFACT)
    reasons = "\n".join(f"- {reason}" for reason in report["reasons"])
    return (f"{new.column} {window} drifted from the training data:\n\n{reasons}\n\n"
            f"Training window: {old.train} -> {new.train}; validation {new.valid}; test "
            f"{new.test}. `make gate` passed. The drift report is in the workflow "
            f"artifact.\n\n{body}")  # fmt: skip


# What a retraining changes in git (DVC-tracked data and models go to the DVC remote),
# besides the split's conf file.
PR_PATHS = ["params.yaml", "params.composed.json", "dvc.lock", "metrics", "plots",
            "reports/splits.json", "reports/validation.json", "reports/dataset-card.json",
            "reports/dataset-card.md"]  # fmt: skip


def cml_pr_command(window_branch: str, title: str, body: str) -> list[str]:
    paths = [section_file("split")[0].as_posix(), *PR_PATHS]
    return ["cml", "pr", "create", "--branch", window_branch, "--title", title,
            "--body", body, "--message", title, *paths]  # fmt: skip


def open_pr(branch: str | None) -> None:
    """`make retrain-pr`: the pull request of a retraining (CML commits PR_PATHS)."""
    text = (RETRAIN_DIR / "pr.md").read_text(encoding="utf-8")
    branch = branch or "retrain/window"
    title = f"Retrain on the newest window ({branch.removeprefix('retrain/')})"
    done = subprocess.run(cml_pr_command(branch, title, text))
    if done.returncode != 0:
        sys.exit(f"retrain-pr: cml pr create exited with {done.returncode}")


def _unchanged_outputs() -> bool:
    """Whether `dvc repro` left every tracked output as HEAD has it (dvc.lock unchanged)."""
    done = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "dvc.lock"])
    return done.returncode == 0


def retrain_unordered(config: PipelineConfig, current: str | None, remote: str | None) -> None:
    """A split without a time order: judge the served rows; when they drifted, run the
    pipeline on the source as it now is and gate it (see the module docstring)."""
    from pathlib import Path

    from flight_delay.infra.io import write_json, write_text
    from flight_delay.infra.paths import FEEDBACK_FILE, MODEL_FILE, MONITORING_DIR
    from flight_delay.infra.progress import say
    from flight_delay.operate.monitoring import MonitorError, read_window
    from flight_delay.operate.retraining import judge_window
    from flight_delay.operate.served_model import from_file

    default = FEEDBACK_FILE if FEEDBACK_FILE.exists() else Path(config.serve.prediction_log)
    path = Path(current) if current else default
    if not path.exists():
        say("retrain", f"no served rows to judge ({path} not found); nothing to do")
        return set_outputs(retrain="false")
    served = from_file(MODEL_FILE, config)
    try:
        report = judge_window(read_window(path, Path(config.serve.log_export)), served, config)
    except MonitorError as err:
        sys.exit(f"retrain: {err}")
    write_json(report, MONITORING_DIR / "drift.json")
    if not report["retrain"]:
        say("retrain", f"{path}: no retraining ({report['drift_share']:.0%} drifted)")
        return set_outputs(retrain="false")
    say("retrain", f"{path}: {'; '.join(report['reasons'])}; running the pipeline on the "
        f"source as it now is ({config.split.kind} split, seed {config.seed})")  # fmt: skip
    _run("dvc", "repro")
    if _unchanged_outputs():
        say("retrain", "the source holds no new rows, so a retrained model would be the "
            "same: add the labelled production rows to the source, then retrain")  # fmt: skip
        return set_outputs(retrain="false")
    _run(sys.executable, "-m", "flight_delay.pr.gate", "--base", "HEAD")
    _run(sys.executable, "-m", "flight_delay.pr.report", "--base", "HEAD")
    if remote:
        _run("dvc", "push", "--remote", remote)
    model_report = PR_REPORT.read_text(encoding="utf-8") if PR_REPORT.exists() else ""
    reasons = "\n".join(f"- {reason}" for reason in report["reasons"])
    write_text(f"The served rows ({path}) drifted from the training data:\n\n{reasons}\n\n"
               f"Retrained on the source as it now is, with the same seeded "
               f"{config.split.kind} split. `make gate` passed. The drift report is in the "
               f"workflow artifact.\n\n{without_images(model_report, ARTIFACT)}",
               RETRAIN_DIR / "pr.md")  # fmt: skip
    set_outputs(retrain="true", branch="retrain/source")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", nargs="?", choices=["pr"],
                        help="pr: open the pull request of a retraining")  # fmt: skip
    parser.add_argument("--branch", help="pr: the branch to push (default retrain/window)")
    parser.add_argument("--remote", help="push the retrained data and model to this DVC remote")
    parser.add_argument("--current", help="a split without a time order: the served rows to "
                        "judge (default: data/feedback/feedback.parquet, else the prediction "
                        "log)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.action == "pr":
        return open_pr(args.branch)
    from flight_delay.datasets import dataset_for
    from flight_delay.infra.config import load_config
    from flight_delay.infra.io import write_json, write_text
    from flight_delay.infra.paths import MODEL_FILE, MONITORING_DIR
    from flight_delay.infra.progress import say
    from flight_delay.operate.retraining import (
        RetrainError,
        extend_split,
        judge_window,
        ordered,
        read_tables,
        values_after,
        window_features,
        write_split,
    )
    from flight_delay.operate.served_model import from_file

    config = load_config()
    if not isinstance(config.split, OrderedSplit):
        return retrain_unordered(config, args.current, args.remote)
    try:
        split = ordered(config.split)
    except RetrainError as err:
        sys.exit(f"retrain: {err}")
    dataset = dataset_for(config)
    tables = read_tables(dataset)
    window = values_after(tables[dataset.label_table], split)
    if not window:
        say("retrain", f"no data after the test {split.column}s {split.test}; nothing to do")
        return set_outputs(retrain="false")
    served = from_file(MODEL_FILE, config)
    report = judge_window(window_features(tables, dataset, config, window), served, config)
    write_json(report, MONITORING_DIR / "drift.json")
    if not report["retrain"]:
        say("retrain", f"{split.column} {window}: no retraining "
            f"({report['drift_share']:.0%} drifted)")  # fmt: skip
        return set_outputs(retrain="false")
    new = extend_split(split, window)
    say("retrain", f"{split.column} {window}: {'; '.join(report['reasons'])}; training on {new}")
    write_split(new)
    _run("dvc", "repro")
    _run(sys.executable, "-m", "flight_delay.pr.gate", "--base", "HEAD")
    _run(sys.executable, "-m", "flight_delay.pr.report", "--base", "HEAD")
    if args.remote:  # the PR's data and model, for its checks
        _run("dvc", "push", "--remote", args.remote)
    write_text(pr_text(window, report, split, new), RETRAIN_DIR / "pr.md")
    set_outputs(retrain="true", branch=f"retrain/{split.column}-{'-'.join(map(str, window))}")


if __name__ == "__main__":
    main()
