"""`make register` / `make assign`: tag a model version, or assign it a stage, in git (GTO).

A gated stage (conf/registry) is checked first: a model the stage gate refuses gets no
tag. Nothing is pushed: the commands print how to push the tag that starts the promote
workflow.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flight_delay.datasets import dataset_for
from flight_delay.infra.config import PipelineConfig, RegistryConfig, load_config
from flight_delay.infra.git import changed_paths, tags_at
from flight_delay.infra.paths import MODEL_FILE
from flight_delay.registry.gto_registry import (
    GTO_CONFIG,
    check_stages,
    commit_of,
    gto,
    latest_version,
    records_model,
)
from flight_delay.registry.stage_gate import judge_assignment
from flight_delay.registry.tag_events import RegistryError, TagEvent
from flight_delay.revisions.recorded_outputs import RevisionError, trusted_outputs

# What would make HEAD's model differ from the workspace's, if changed and not committed.
PIPELINE_OUTPUTS = ["dvc.lock", "params.yaml", "metrics"]


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
    if ref == "HEAD" and (changed := changed_paths(PIPELINE_OUTPUTS, untracked=True)):
        raise RegistryError(
            f"uncommitted pipeline outputs {changed}: commit them so that the tag names this model"
        )
    how = ["--version", version] if version else [f"--bump-{bump}"] if bump else []
    gto("register", registry.artifact, commit, *how)
    tag = f"{registry.artifact}@{version or latest_version(registry.artifact)}"
    if commit_of(tag) != commit:
        raise RegistryError(f"gto created no version tag for {commit[:12]}")
    return tag


def assign(config: PipelineConfig, stage: str, version: str | None, label: str) -> tuple[str, str]:
    """Tag a registered version (default: the latest) with a stage; returns the version
    tag and the new stage tag. A gated stage is checked first: a model the gate refuses
    gets no tag."""
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
        outputs = trusted_outputs(version, commit, Path("."))
        result, notes = judge_assignment(candidate, outputs, Path("."), config.gate, label)
        for note in notes:
            print(f"assign: note: {note}")
        print(result.message)
        if not result.passed:
            raise RegistryError(f"the gate refuses {version} for {stage}; no tag was created")
    before = set(tags_at(commit))
    gto("assign", registry.artifact, "--version", version, "--stage", stage)
    created = sorted(set(tags_at(commit)) - before)
    if not created:
        raise RegistryError(f"gto created no tag assigning {stage} to {version}")
    return f"{registry.artifact}@{version}", created[0]


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
        tags: tuple[str, ...]
        if args.command == "register":
            tags = (register(config.registry, args.ref, args.version or None, args.bump or None),)
        else:
            label = dataset_for(config).label
            tags = assign(config, args.stage, args.version or None, label)
    except (RegistryError, RevisionError) as err:
        sys.exit(f"{args.command}: {err}")
    print(f"{args.command}: created tag {tags[-1]}")
    print(push_hint(*tags))


if __name__ == "__main__":
    main()
