"""`make retrain`: judge the newest window of data and, when it has drifted, retrain on it.

1. The newest window: the values of the split column (months, for the flights) in
   data/raw after the test values (`make ci-repro` ingests whatever the source now
   holds). None: nothing to do. A split without a time order: a clear refusal.
2. Its features, built with the pipeline's own functions, and its labels, are judged
   by `make monitor`'s rules against the workspace model's training data.
3. When the verdict says retrain, the window moves forward in the split's conf file
   (conf/split/by_month.yaml: the validation values join training, the test values
   become validation, the new window becomes the test), then `dvc repro`, then
   `make gate` against HEAD.
The pieces are operate/retraining.py. For the workflow: GITHUB_OUTPUT gets
retrain=true|false, and reports/retrain/pr.md the pull request's text (the verdict and
the model report). `make retrain-pr` then opens the pull request with CML
(`cml pr create`), committing the changed config and lock.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from flight_delay.infra.config import OrderedSplit
from flight_delay.infra.github import set_outputs, without_images
from flight_delay.infra.params import conf_file
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
    paths = [conf_file("split").as_posix(), *PR_PATHS]
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", nargs="?", choices=["pr"],
                        help="pr: open the pull request of a retraining")  # fmt: skip
    parser.add_argument("--branch", help="pr: the branch to push (default retrain/window)")
    parser.add_argument("--remote", help="push the retrained data and model to this DVC remote")
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
        split_yaml,
        values_after,
        window_features,
    )
    from flight_delay.operate.served_model import from_file

    config = load_config()
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
    write_text(split_yaml(new), conf_file("split"))
    _run("dvc", "repro")
    _run(sys.executable, "-m", "flight_delay.pr.gate", "--base", "HEAD")
    _run(sys.executable, "-m", "flight_delay.pr.report", "--base", "HEAD")
    if args.remote:  # the PR's data and model, for its checks
        _run("dvc", "push", "--remote", args.remote)
    write_text(pr_text(window, report, split, new), RETRAIN_DIR / "pr.md")
    set_outputs(retrain="true", branch=f"retrain/{split.column}-{'-'.join(map(str, window))}")


if __name__ == "__main__":
    main()
