"""`make retrain`: judge the newest window of data and, when it has drifted, retrain on it.

1. The newest window: the months in data/raw after the test months (`make ci-repro`
   ingests whatever the source now holds). None: nothing to do.
2. Its features, built with the pipeline's own functions, and its labels, are judged
   by `make monitor`'s rules against the workspace model's training data.
3. When the verdict says retrain, the window moves forward in conf/split/by_month.yaml
   (the validation months join training, the test months become validation, the new
   window becomes the test), then `dvc repro`, then `make gate` against HEAD.
The pieces are operate/retraining.py. For the workflow: GITHUB_OUTPUT gets
retrain=true|false, and reports/retrain/pr.md the pull request's text (the verdict and
the model report). `make retrain-pr` then opens the pull request with CML
(`cml pr create`), committing the changed config and lock.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from flight_delay.infra.config import SplitConfig
from flight_delay.infra.github import set_outputs, without_images
from flight_delay.infra.paths import PR_REPORT, RETRAIN_DIR, SPLIT_CONF

ARTIFACT = "retrain"  # the workflow's artifact, which holds reports/pr/ and its images


def _run(*args: str) -> None:
    done = subprocess.run(list(args))
    if done.returncode != 0:
        sys.exit(f"retrain: `{' '.join(args)}` failed")


def pr_text(window: list[int], report: dict, old: SplitConfig, new: SplitConfig) -> str:
    model_report = PR_REPORT.read_text(encoding="utf-8") if PR_REPORT.exists() else ""
    body = without_images(model_report, ARTIFACT)
    reasons = "\n".join(f"- {reason}" for reason in report["reasons"])
    return (f"Months {window} drifted from the training data:\n\n{reasons}\n\n"
            f"Training window: {old.train_months} -> {new.train_months}; validation "
            f"{new.valid_months}; test {new.test_months}. `make gate` passed. The drift report "
            f"is in the workflow artifact.\n\n{body}")  # fmt: skip


# What a retraining changes in git (DVC-tracked data and models go to the DVC remote).
PR_PATHS = ["conf/split/by_month.yaml", "params.yaml", "params.composed.json", "dvc.lock",
            "metrics", "plots", "reports/splits.json", "reports/validation.json",
            "reports/dataset-card.json", "reports/dataset-card.md"]  # fmt: skip


def cml_pr_command(window_branch: str, title: str, body: str) -> list[str]:
    return ["cml", "pr", "create", "--branch", window_branch, "--title", title,
            "--body", body, "--message", title, *PR_PATHS]  # fmt: skip


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
        extend_split,
        judge_window,
        months_after,
        read_tables,
        split_yaml,
        window_features,
    )
    from flight_delay.operate.served_model import from_file

    config = load_config()
    dataset = dataset_for(config)
    tables = read_tables(dataset)
    window = months_after(tables[dataset.label_table], dataset.split_column, config.split)
    if not window:
        say("retrain", f"no data after the test months {config.split.test_months}; nothing to do")
        return set_outputs(retrain="false")
    served = from_file(MODEL_FILE, config)
    report = judge_window(window_features(tables, dataset, config, window), served, config)
    write_json(report, MONITORING_DIR / "drift.json")
    if not report["retrain"]:
        say("retrain", f"months {window}: no retraining ({report['drift_share']:.0%} drifted)")
        return set_outputs(retrain="false")
    new = extend_split(config.split, window)
    say("retrain", f"months {window}: {'; '.join(report['reasons'])}; training on {new}")
    write_text(split_yaml(new), SPLIT_CONF)
    _run("dvc", "repro")
    _run(sys.executable, "-m", "flight_delay.pr.gate", "--base", "HEAD")
    _run(sys.executable, "-m", "flight_delay.pr.report", "--base", "HEAD")
    if args.remote:  # the PR's data and model, for its checks
        _run("dvc", "push", "--remote", args.remote)
    write_text(pr_text(window, report, config.split, new), RETRAIN_DIR / "pr.md")
    set_outputs(retrain="true", branch=f"retrain/months-{'-'.join(map(str, window))}")


if __name__ == "__main__":
    main()
