"""The model registry kept in git tags, through GTO: reading it (GTO's Python API, what
`gto check-ref`, `gto show` and `gto history` run) and writing it (`gto register`,
`gto assign`). The stages are GTO's (.gto).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from flight_delay.infra.config import RegistryConfig
from flight_delay.infra.git import resolve_commit
from flight_delay.registry.tag_events import RegistryError, TagEvent, event_order
from flight_delay.revisions.model_lineage import lineage_from_lock
from flight_delay.revisions.recorded_outputs import RevisionError, read_outputs, revision_reader

GTO_CONFIG = Path(".gto")


def gto(*args: str, root: Path = Path(".")) -> str:
    done = subprocess.run(["gto", *args], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().removeprefix("❌").strip()
        raise RegistryError(f"gto {args[0]}: {message}")
    return done.stdout


def _api(call: str, *args, root: Path = Path("."), **kwargs):
    """A read of the registry through GTO's Python API (what its CLI runs, without a
    process per call); GTO's errors become RegistryError."""
    import gto.api
    from gto.exceptions import GTOException

    try:
        return getattr(gto.api, call)(str(root), *args, **kwargs)
    except GTOException as err:
        raise RegistryError(f"gto {call}: {err}") from None


def check_ref(tag: str, root: Path = Path(".")) -> TagEvent | None:
    """The GTO event of `tag` (`gto check-ref`); None for a tag that is not one."""
    found = _api("check_ref", tag, root=root)
    if not found:
        return None
    event = found[0].dict_state(exclude={"priority", "addition"})
    return TagEvent(
        tag=event["tag"],
        artifact=event["artifact"],
        event=event["event"],
        version=event.get("version") or "",
        commit=event["commit_hexsha"],
        created_at=event["created_at"].isoformat(),
        stage=event.get("stage"),
    )


def allowed_stages(root: Path = Path(".")) -> list[str]:
    from gto.config import read_registry_config

    return list(read_registry_config(str(root / GTO_CONFIG)).stages or [])


def stage_state(artifact: str, root: Path = Path(".")) -> dict[str, str | None]:
    """stage -> the version GTO says is in it now (None when empty; `gto show`)."""
    state = _api("show", root=root).get(artifact) or {}
    return dict(state.get("stage") or {})


def latest_version(artifact: str, root: Path = Path(".")) -> str | None:
    return (_api("show", root=root).get(artifact) or {}).get("version")


def registry_events(artifact: str, root: Path = Path(".")) -> list[dict]:
    """The artifact's stage and lifecycle events (`gto history`), oldest first."""
    kept = ("assignment", "unassignment", "deregistration", "deprecation")
    events = [
        dict(entry) | {"timestamp": entry["timestamp"].isoformat()}
        for entry in _api("history", artifact, root=root)
        if entry["event"] in kept
    ]
    return sorted(events, key=event_order)


def commit_of(ref: str, root: Path = Path(".")) -> str:
    commit = resolve_commit(ref, root)
    if commit is None:
        raise RegistryError(f"git does not know the ref {ref!r}")
    return commit


def records_model(commit: str, root: Path = Path(".")) -> bool:
    """Whether that commit's dvc.lock records the model file (the pipeline ran)."""
    lock = read_outputs(commit, revision_reader(commit, root)).lock
    try:
        lineage_from_lock(lock, commit)
    except RevisionError:
        return False
    return True


def check_stages(registry: RegistryConfig, root: Path = Path(".")) -> list[str]:
    """The stages in .gto, after checking that conf/registry names only those."""
    stages = allowed_stages(root)
    unknown = sorted(set(registry.gated_stages) - set(stages))
    if unknown:
        raise RegistryError(f"registry.gated_stages {unknown} are not stages in {GTO_CONFIG}")
    return stages
