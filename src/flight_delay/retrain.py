"""`make retrain`: judge the newest window of data and, when it has drifted, retrain on it.

1. The newest window: the months in data/raw after the test months (`make ci-repro`
   ingests whatever the source now holds). None: nothing to do.
2. Its features, built with the pipeline's own functions, and its labels, are judged
   by `make monitor`'s rules against the workspace model's training data.
3. When the verdict says retrain, the window moves forward in conf/split/by_month.yaml
   (the validation months join training, the test months become validation, the new
   window becomes the test), then `dvc repro`, then `make gate` against HEAD.
For the workflow: GITHUB_OUTPUT gets retrain=true|false, and reports/retrain/pr.md the
pull request's text (the verdict and the model report). `make retrain-pr` then opens
the pull request with CML (`cml pr create`), committing the changed config and lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from flight_delay.config import PipelineConfig, SplitConfig

if TYPE_CHECKING:
    from flight_delay.served_model import ServedModel

SPLIT_FILE = Path("conf/split/by_month.yaml")
RETRAIN_DIR = Path("reports/retrain")
SPLIT_HEADER = """\
# Time-ordered split: every validation month follows every training month, and so on.
# `make retrain` and `make simulate` move this window forward when the data drifts.
"""


def months_after(flights: pd.DataFrame, split: SplitConfig) -> list[int]:
    """The months in the data that come after the test months (months of one year,
    as the split is: data spanning years needs a split by date first)."""
    return sorted(int(m) for m in flights["month"].unique() if m > max(split.test_months))


def extend_split(split: SplitConfig, window: list[int]) -> SplitConfig:
    """The old validation months join training, the old test months become the
    validation months, and the new window is the test."""
    return SplitConfig(
        train_months=sorted({*split.train_months, *split.valid_months}),
        valid_months=list(split.test_months),
        test_months=sorted(window),
    )


def split_yaml(split: SplitConfig) -> str:
    fields = split.model_dump().items()
    lines = [f"{key}: [{', '.join(map(str, months))}]" for key, months in fields]
    return SPLIT_HEADER + "\n".join(lines) + "\n"


def window_features(
    tables: dict[str, pd.DataFrame], config: PipelineConfig, months: list[int]
) -> pd.DataFrame:
    """Labelled features of these months, as prepare and featurize would make them."""
    from flight_delay.featurize import add_derived_features, select_features
    from flight_delay.prepare import KEY, label_and_join

    flights = tables["flights"][tables["flights"]["month"].isin(months)]
    joined = label_and_join(flights, tables["weather"], tables["planes"], config.label)
    featured = select_features(add_derived_features(joined), config.features)
    return featured.sort_values(KEY).reset_index(drop=True)


def read_tables(root: Path = Path(".")) -> dict[str, pd.DataFrame]:
    from flight_delay.paths import RAW_DIR

    return {t: pd.read_parquet(root / RAW_DIR / f"{t}.parquet")
            for t in ("flights", "weather", "planes")}  # fmt: skip


def judge_window(
    current: pd.DataFrame, served: ServedModel, config: PipelineConfig, root: Path = Path(".")
) -> dict:
    """The drift report of `current` against the served model's training data."""
    from flight_delay.monitor import compare, load_reference, scores
    from flight_delay.paths import FEATURES_DIR

    reference = load_reference(served, root / FEATURES_DIR / "train.parquet",
                               root / FEATURES_DIR / "valid.parquet", config.monitor)  # fmt: skip
    current = scores(current, served, "window")
    return compare(reference.rows, current, served, config.monitor, reference.score,
                   reference.held_out)  # fmt: skip


def outputs(**values: str) -> None:
    if path := os.environ.get("GITHUB_OUTPUT"):
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{key}={value}\n" for key, value in values.items())


def _run(*args: str) -> None:
    done = subprocess.run(list(args))
    if done.returncode != 0:
        sys.exit(f"retrain: `{' '.join(args)}` failed")


def pr_text(window: list[int], report: dict, old: SplitConfig, new: SplitConfig) -> str:
    from flight_delay.paths import PR_REPORT_DIR
    from flight_delay.post_report import text_only

    model_report = PR_REPORT_DIR / "report.md"
    body = text_only(model_report.read_text(encoding="utf-8")) if model_report.exists() else ""
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


def open_pr() -> None:
    """`make retrain-pr`: the pull request of a retraining (CML commits PR_PATHS)."""
    text = (RETRAIN_DIR / "pr.md").read_text(encoding="utf-8")
    branch = os.environ.get("BRANCH") or "retrain/window"
    title = f"Retrain on the newest window ({branch.removeprefix('retrain/')})"
    done = subprocess.run(cml_pr_command(branch, title, text))
    if done.returncode != 0:
        sys.exit(f"retrain-pr: cml pr create exited with {done.returncode}")


def main(argv: list[str] | None = None) -> None:
    if (argv if argv is not None else sys.argv[1:]) == ["pr"]:
        return open_pr()
    from flight_delay.config import load_config
    from flight_delay.io import write_json, write_text
    from flight_delay.log import say
    from flight_delay.monitor import MONITORING_DIR
    from flight_delay.paths import MODEL_FILE
    from flight_delay.served_model import from_file

    config = load_config()
    tables = read_tables()
    window = months_after(tables["flights"], config.split)
    if not window:
        say("retrain", f"no data after the test months {config.split.test_months}; nothing to do")
        return outputs(retrain="false")
    served = from_file(MODEL_FILE, config)
    report = judge_window(window_features(tables, config, window), served, config)
    write_json(report, MONITORING_DIR / "drift.json")
    if not report["retrain"]:
        say("retrain", f"months {window}: no retraining ({report['drift_share']:.0%} drifted)")
        return outputs(retrain="false")
    new = extend_split(config.split, window)
    say("retrain", f"months {window}: {'; '.join(report['reasons'])}; training on {new}")
    write_text(split_yaml(new), SPLIT_FILE)
    _run("dvc", "repro")
    _run(sys.executable, "-m", "flight_delay.gate", "--base", "HEAD")
    _run(sys.executable, "-m", "flight_delay.report", "--base", "HEAD")
    if remote := os.environ.get("DVC_REMOTE"):  # the PR's data and model, for its checks
        _run("dvc", "push", "--remote", remote)
    write_text(pr_text(window, report, config.split, new), RETRAIN_DIR / "pr.md")
    outputs(retrain="true", branch=f"retrain/months-{'-'.join(map(str, window))}")


if __name__ == "__main__":
    main()
