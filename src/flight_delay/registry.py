"""The model registry kept in git tags, through GTO (`make register`, `make assign`).

`flight-delay@v1.2.0` registers a version; `flight-delay#prod#3` assigns a stage.
The stages are GTO's (.gto); this module reads the tags through GTO's Python API
(what `gto check-ref`, `gto show` and `gto history` run) and creates them with
`gto register` / `gto assign`. Nothing is pushed:
the commands print how to push the tag that starts the promote workflow.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flight_delay.config import PipelineConfig, RegistryConfig, load_config
from flight_delay.paths import MODEL_FILE
from flight_delay.snapshot import read_snapshot, resolve_commit, revision_reader

GTO_CONFIG = Path(".gto")
_NUMBER = re.compile(r"#(\d+)$")


class RegistryError(RuntimeError):
    """A tag, stage or version the registry cannot act on; the message says why."""


@dataclass(frozen=True)
class TagEvent:
    """One GTO tag as `gto check-ref --json` describes it."""

    tag: str
    artifact: str
    event: str  # registration, assignment, unassignment, deregistration, deprecation
    version: str
    commit: str
    created_at: str
    stage: str | None = None

    @property
    def number(self) -> int | None:
        """N of `name#stage#N` (GTO numbers stage tags in order of creation)."""
        found = _NUMBER.search(self.tag)
        return int(found.group(1)) if found else None


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
    return sorted(events, key=_order)


def _order(entry: dict) -> tuple[str, int]:
    """Creation time, then GTO's tag number (tags made within one second share a time)."""
    found = _NUMBER.search(entry["ref"])
    return entry["timestamp"], int(found.group(1)) if found else sys.maxsize


def occupant_before(event: TagEvent, events: list[dict]) -> dict | None:
    """The assignment that held `event.stage` just before `event`'s tag, as GTO counts:
    the latest assignment whose version was not unassigned from the stage, deregistered
    or deprecated with the whole artifact since. A tag not yet made comes after all."""
    limit = (event.created_at, event.number or sys.maxsize) if event.created_at else None
    holders: list[dict] = []  # assignments in effect, oldest first
    for entry in events:
        if entry["ref"] == event.tag or (limit and _order(entry) >= limit):
            break
        if entry["event"] == "deprecation":
            holders = []
        elif entry["event"] == "deregistration" or entry["stage"] == event.stage:
            holders = [h for h in holders if h["version"] != entry["version"]]
            if entry["event"] == "assignment":
                holders.append(entry)
    return holders[-1] if holders else None


def commit_of(ref: str, root: Path = Path(".")) -> str:
    commit = resolve_commit(ref, root)
    if commit is None:
        raise RegistryError(f"git does not know the ref {ref!r}")
    return commit


def records_model(commit: str, root: Path = Path(".")) -> bool:
    """Whether that commit's dvc.lock records the model file (the pipeline ran)."""
    from flight_delay.tagged_model import lineage_from_lock

    lock = read_snapshot(commit, revision_reader(commit, root)).lock
    try:
        lineage_from_lock(lock, commit)
    except RegistryError:
        return False
    return True


def uncommitted_outputs(root: Path = Path(".")) -> list[str]:
    """Changed files that would make HEAD's model differ from the workspace's."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "dvc.lock", "params.yaml", "metrics"],
        cwd=root, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return sorted(line[3:] for line in status.splitlines())


def push_hint(*tags: str) -> str:
    quoted = " ".join(f"'{tag}'" for tag in tags)
    return (
        "Nothing was pushed. To publish (the model to the DVC remote, then the tags,\n"
        f"which start the promote workflow):\n    dvc push && git push origin {quoted}"
    )


def register(registry: RegistryConfig, ref: str, version: str | None, bump: str | None) -> str:
    """Tag `ref` as a new version of the model; returns the tag."""
    if version and bump:
        raise RegistryError(f"give VERSION={version} or BUMP={bump}, not both")
    commit = commit_of(ref)
    if not records_model(commit):
        raise RegistryError(f"{ref} has no {MODEL_FILE} in its dvc.lock: run `make repro`, commit")
    if ref == "HEAD" and (changed := uncommitted_outputs()):
        raise RegistryError(
            f"uncommitted pipeline outputs {changed}: commit them so that the tag names this model"
        )
    how = ["--version", version] if version else [f"--bump-{bump}"] if bump else []
    gto("register", registry.artifact, commit, *how)
    tag = f"{registry.artifact}@{version or latest_version(registry.artifact)}"
    if commit_of(tag) != commit:
        raise RegistryError(f"gto created no version tag for {commit[:12]}")
    return tag


def check_stages(registry: RegistryConfig, root: Path = Path(".")) -> list[str]:
    """The stages in .gto, after checking that conf/registry names only those."""
    stages = allowed_stages(root)
    unknown = sorted(set(registry.gated_stages) - set(stages))
    if unknown:
        raise RegistryError(f"registry.gated_stages {unknown} are not stages in {GTO_CONFIG}")
    return stages


def assign(config: PipelineConfig, stage: str, version: str | None) -> tuple[str, str]:
    """Tag a registered version (default: the latest) with a stage; returns the version
    tag and the new stage tag. A gated stage is checked first: a model the gate refuses
    gets no tag."""
    from flight_delay.promotion_gate import judge_assignment, trusted_snapshot

    registry = config.registry
    stages = check_stages(registry)
    if not stage:
        raise RegistryError(f"which stage? give STAGE= one of {stages}")
    if stage not in stages:
        raise RegistryError(f"unknown stage {stage!r}; the stages in {GTO_CONFIG} are {stages}")
    version = version or latest_version(registry.artifact)
    if not version:
        raise RegistryError(f"{registry.artifact} has no registered version: run `make register`")
    commit = commit_of(f"{registry.artifact}@{version}")
    if stage in registry.gated_stages:
        candidate = TagEvent(
            tag="(new tag)", artifact=registry.artifact, event="assignment",
            version=version, commit=commit, created_at="", stage=stage,
        )  # fmt: skip
        snapshot = trusted_snapshot(version, commit, Path("."))
        result, notes = judge_assignment(candidate, snapshot, Path("."), config.gate)
        for note in notes:
            print(f"assign: note: {note}")
        print(result.message)
        if not result.passed:
            raise RegistryError(f"the gate refuses {version} for {stage}; no tag was created")
    before = set(tags_of(commit))
    gto("assign", registry.artifact, "--version", version, "--stage", stage)
    created = sorted(set(tags_of(commit)) - before)
    if not created:
        raise RegistryError(f"gto created no tag assigning {stage} to {version}")
    return f"{registry.artifact}@{version}", created[0]


def tag_exists(tag: str, root: Path = Path(".")) -> bool:
    shown = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}"],
        cwd=root,
        capture_output=True,
    )
    return shown.returncode == 0


def tags_of(commit: str, root: Path = Path(".")) -> list[str]:
    listed = subprocess.run(
        ["git", "tag", "--points-at", commit], cwd=root, capture_output=True, text=True
    )
    return listed.stdout.split()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Register or assign model versions by git tag")
    commands = parser.add_subparsers(dest="command", required=True)
    reg = commands.add_parser("register", help="tag a commit as a new version")
    reg.add_argument("--ref", default="HEAD")
    reg.add_argument("--version", default=None, help="vMAJOR.MINOR.PATCH")
    reg.add_argument("--bump", choices=["major", "minor", "patch"], default=None)
    asg = commands.add_parser("assign", help="assign a stage to a version")
    asg.add_argument("--stage", required=True)
    asg.add_argument("--version", default=None, help="default: the latest registered")
    args = parser.parse_args(argv)
    config = load_config()
    try:
        if args.command == "register":
            tags = (register(config.registry, args.ref, args.version or None, args.bump or None),)
        else:
            tags = assign(config, args.stage, args.version or None)
    except RegistryError as err:
        sys.exit(f"{args.command}: {err}")
    print(f"{args.command}: created tag {tags[-1]}")
    print(push_hint(*tags))


if __name__ == "__main__":
    main()
