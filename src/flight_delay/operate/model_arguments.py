"""The command-line options that choose a model, shared by `make serve`, `make predict` and
`make monitor`: a stage's model from MLflow or from DVC (by the git tags), or a file."""

from __future__ import annotations

import argparse


def add_model_arguments(parser: argparse.ArgumentParser, stage: str | None = "prod") -> None:
    parser.add_argument("--stage", default=stage, help=f"the registry stage (default {stage})")
    parser.add_argument("--source", default="mlflow", choices=["mlflow", "dvc"],
                        help="where the stage's model comes from (default mlflow)")  # fmt: skip
    parser.add_argument("--model", default=None,
                        help="use this .skops file instead of a stage's model")  # fmt: skip
    parser.add_argument("--remote", default=None,
                        help="DVC remote for --source dvc (default: the default one)")  # fmt: skip
