"""Reading dvc.lock: what each stage recorded (its deps, params and outs, with their md5).

One reader for the PR checks, the registry, the remote's diagnostics and the maturity
checks. A lock is a plain mapping; a missing stage or list reads as empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flight_delay.infra.paths import LOCK_FILE


def parse_lock(text: str | bytes) -> dict[str, Any]:
    """dvc.lock's text as a mapping (libyaml's loader when built: 8x faster)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parsed = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    if not isinstance(parsed, dict):
        raise ValueError(f"expected a mapping, found {type(parsed).__name__}")
    return parsed


def read_lock(path: Path = LOCK_FILE) -> dict[str, Any]:
    """The lock at `path` ({} when there is none)."""
    return parse_lock(path.read_bytes()) if path.is_file() else {}


def stages(lock: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = lock.get("stages") if isinstance(lock, dict) else None
    return found if isinstance(found, dict) else {}


def stage_entry(lock: dict[str, Any], stage: str) -> dict[str, Any]:
    entry = stages(lock).get(stage)
    return entry if isinstance(entry, dict) else {}


def recorded_md5s(lock: dict[str, Any], stage: str, kind: str = "outs") -> dict[str, str]:
    """path -> md5 of a stage's `outs` or `deps` ("" for an entry without md5)."""
    entries = stage_entry(lock, stage).get(kind) or []
    return {e["path"]: e.get("md5", "") for e in entries if isinstance(e, dict) and "path" in e}


def stage_params(lock: dict[str, Any], stage: str) -> dict[str, Any]:
    """The params.yaml values the stage read, as recorded."""
    return (stage_entry(lock, stage).get("params") or {}).get("params.yaml") or {}


def all_outs(lock: dict[str, Any]) -> list[dict[str, Any]]:
    return [out for entry in stages(lock).values() for out in entry.get("outs", [])]
