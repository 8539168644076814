"""`make gate`: fail when the workspace's model is worse than the base's (pr/judge.py).

Prints the verdict and its notes; exits 1 on FAIL, with an annotation on the PR's
checks page when run by GitHub Actions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flight_delay.datasets import dataset_named_in
from flight_delay.infra.config import ConfigError
from flight_delay.infra.github import annotate
from flight_delay.pr.judge import judge_pull_request
from flight_delay.revisions.recorded_outputs import DEFAULT_BASE, read_pair


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"git ref (default {DEFAULT_BASE})")
    args = parser.parse_args(argv)
    base, commit, new = read_pair(args.base, Path.cwd())
    if not new.metrics:
        sys.exit("gate: FAIL no metrics/metrics.json in the workspace; run `dvc repro` first")
    try:
        label = dataset_named_in(new.params).label
    except ConfigError as err:
        sys.exit(f"gate: FAIL {err}")
    result, notes = judge_pull_request(base, new, args.base, label, commit, Path.cwd())
    for note in notes:
        print(f"gate: note: {note}")
    if result.passed:
        print(result.message)
        return
    annotate("error", "Quality gate", result.message)
    sys.exit(result.message)


if __name__ == "__main__":
    main()
