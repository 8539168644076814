"""`make gate`: fail when the workspace's model is worse than the base's.

The thresholds live in conf/gate (see compare.gate_verdict) and are taken from
the base, so a PR cannot loosen the gate it is judged by; a PR's new thresholds
apply once merged. Without a baseline (a first PR, or a base without metrics)
only the floor applies, with the workspace's thresholds. When the PR moves the
validation months (a retraining does), the base's model is scored on the PR's
validation rows, so that the two are compared on the same flights (same_window.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from flight_delay.compare import GateResult, gate_verdict
from flight_delay.config import GateConfig
from flight_delay.same_window import like_with_like
from flight_delay.snapshot import DEFAULT_BASE, Snapshot, read_pair


def _validated(snapshot: Snapshot | None) -> tuple[GateConfig | None, str]:
    """The snapshot's gate thresholds, or None and what is wrong with them."""
    if snapshot is None:
        return None, "no params.yaml"
    try:
        return GateConfig.model_validate(snapshot.params.get("gate")), ""
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        key = ".".join(["gate", *map(str, first["loc"])])
        return None, f"{key}: {first['msg']}"


def judge(
    base: Snapshot | None, new: Snapshot, base_ref: str, base_commit: str | None = None,
    root: Path = Path("."),
) -> tuple[GateResult, list[str]]:  # fmt: skip
    """The verdict and the notes that explain it (no baseline, whose thresholds, a
    validation window that moved: then the base's model is scored on the workspace's
    validation rows, when `base_commit` is given)."""
    notes = []
    if base is None:
        notes.append(f"git does not know `{base_ref}`; no baseline, only the floor applies")
    elif not base.metrics:
        notes.append(f"`{base_ref}` has no metrics; no baseline, only the floor applies")
    base_gate, _ = _validated(base)
    new_gate, new_problem = _validated(new)
    if base_gate is not None and new_gate not in (None, base_gate):
        notes.append(f"thresholds from `{base_ref}`; this PR's new ones apply once merged")
    elif base is not None and base_gate is None and new_gate is not None:
        notes.append(f"`{base_ref}` has no valid gate thresholds; using the workspace's")
    gate = base_gate or new_gate
    if gate is None:
        failure = f"gate: FAIL invalid gate thresholds in params.yaml ({new_problem})"
        return GateResult(False, failure), notes
    metrics = base.metrics if base and base.metrics else None
    if metrics and base_commit:
        metrics, moved = like_with_like(gate, base.params, new.params, base_commit, None, root,
                                        metrics, base_ref)  # fmt: skip
        notes += moved
    return gate_verdict(gate, metrics, new.metrics), notes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BASE") or DEFAULT_BASE, help="git ref")
    args = parser.parse_args(argv)
    base, commit, new = read_pair(args.base, Path.cwd())
    if not new.metrics:
        sys.exit("gate: FAIL no metrics/metrics.json in the workspace; run `dvc repro` first")
    result, notes = judge(base, new, args.base, commit, Path.cwd())
    for note in notes:
        print(f"gate: note: {note}")
    if result.passed:
        print(result.message)
        return
    if os.environ.get("GITHUB_ACTIONS") == "true":  # an annotation on the PR's checks page
        print(f"::error title=Quality gate::{result.message}")
    sys.exit(result.message)


if __name__ == "__main__":
    main()
