"""`make gate`: fail when the workspace's model is worse than the base's.

The thresholds live in conf/gate (see compare.gate_verdict). Without a baseline
(a first PR, or a base without metrics) only the floor applies.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from flight_delay.compare import gate_verdict
from flight_delay.config import load_config
from flight_delay.log import run_stage
from flight_delay.snapshot import read_snapshot, resolve_commit, revision_reader, workspace_reader


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BASE") or "main", help="git ref")
    args = parser.parse_args(argv)
    root = Path.cwd()
    gate = load_config().gate
    new = read_snapshot("workspace", workspace_reader(root))
    if not new.metrics:
        sys.exit("gate: FAIL no metrics/metrics.json in the workspace; run `dvc repro` first")
    commit = resolve_commit(args.base, root)
    base = read_snapshot(args.base, revision_reader(commit, root)) if commit else None
    if base is None:
        print(f"gate: note: git does not know `{args.base}`; no baseline, only the floor applies")
    elif not base.metrics:
        print(f"gate: note: `{args.base}` has no metrics; no baseline, only the floor applies")
    result = gate_verdict(gate, base.metrics if base else None, new.metrics)
    if result.passed:
        print(result.message)
        return
    if os.environ.get("GITHUB_ACTIONS") == "true":  # an annotation on the PR's checks page
        print(f"::error title=Quality gate::{result.message}")
    sys.exit(result.message)


if __name__ == "__main__":
    run_stage("gate", main)
