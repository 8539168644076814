"""`make promote TAG=...`: act on a GTO tag, as the promote workflow does on a pushed tag.

1. `gto check-ref --json TAG`; a tag that is no GTO event exits 0, "nothing to do".
2. The tagged commit's metrics must be the ones its dvc.lock records.
3. An assignment to a gated stage (conf/registry) must pass the gate (conf/gate of
   this checkout, never the candidate's) against the version now in that stage;
   a refusal exits 1 and changes nothing.
4. The model file of the tagged commit is fetched (`dvc artifacts get`) or rebuilt
   (`dvc repro`, without credentials), and must have the md5 its dvc.lock records.
5. MLflow: that verified file is registered once per version (lineage as tags) and
   the alias named after the stage moves to it.
6. reports/promotion/<tag>/ gets the model, its card and the deployment record.
An unassignment, deregistration or deprecation updates the aliases it touches.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from flight_delay.config import PipelineConfig, load_config
from flight_delay.io import write_json, write_text
from flight_delay.paths import MODEL_FILE, PROMOTION_DIR
from flight_delay.registry import (
    RegistryError,
    TagEvent,
    check_ref,
    check_stages,
    commit_of,
    stage_state,
    tag_exists,
)
from flight_delay.snapshot import Snapshot

CARD_FILE = "model-card.md"
RECORD_FILE = "deployment.json"


def output_dir(tag: str) -> Path:
    return PROMOTION_DIR / re.sub(r"[^A-Za-z0-9._-]", "_", tag)


def github_outputs(**values: str) -> None:
    """Step outputs for the workflow (`deploy`, `dir`), when run by GitHub Actions."""
    if path := os.environ.get("GITHUB_OUTPUT"):
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{key}={value}\n" for key, value in values.items())


def refuse(message: str) -> None:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::error title=Promotion refused::{message}")
    sys.exit(f"promote: {message}")


def gate(
    event: TagEvent, candidate: Snapshot, root: Path, config: PipelineConfig
) -> tuple[str, tuple[str, ...]]:
    from flight_delay.promotion_gate import judge_assignment

    result, notes = judge_assignment(event, candidate, root, config.gate)
    for note in notes:
        print(f"promote: note: {note}")
    print(result.message)
    if not result.passed:
        refuse(
            f"{event.tag} refused; the MLflow registry is unchanged. The tag still says "
            f"{event.version} is in {event.stage}: remove it with "
            f"`git tag -d '{event.tag}' && git push --delete origin '{event.tag}'`"
        )
    return result.message, tuple(notes)


def touched_stages(event: TagEvent, aliases: dict[str, str], versions: dict[str, str]) -> list:
    """The stages whose alias an unassignment, deregistration or deprecation may change
    (`aliases`: stage -> MLflow version; `versions`: MLflow version -> GTO version)."""
    if event.event == "unassignment":
        return [event.stage]
    if event.event == "deregistration":
        return sorted(s for s, number in aliases.items() if versions.get(number) == event.version)
    return sorted(aliases)  # the whole artifact deprecated


def sync_aliases(config: PipelineConfig, event: TagEvent, root: Path) -> None:
    """The aliases of the stages the event touches follow the tags: an alias moves to
    the version the tags now put in its stage only if a promotion put it there (never
    to one the gate refused), and goes when the tags leave the stage empty."""
    from flight_delay import model_registry as mr

    client = mr.connect(config.tracking)
    name = config.registry.artifact
    state = stage_state(name, root)  # empty once the whole artifact is deprecated
    aliases = mr.stage_aliases(client, name)
    versions = {n: mr.gto_version_of(client, name, n) for n in set(aliases.values())}
    for stage in touched_stages(event, aliases, versions):
        current, version = aliases.get(stage), state.get(stage)
        found = version and mr.find_version(client, name, version)
        if not version and current:
            client.delete_registered_model_alias(name, stage)
            print(f"promote: removed alias {stage}: by the tags it is empty")
        elif found and mr.ASSIGNMENT_TAG.format(stage=stage) in found.tags:
            if current != str(found.version):
                client.set_registered_model_alias(name, stage, found.version)
                print(f"promote: alias {stage} -> {name} {version} (version {found.version})")
        elif version:
            why = f"no promotion of {version} to {stage} passed (refused, or not yet run)"
            print(f"promote: alias {stage} left as it is: {why}")
    print(f"promote: {event.event} {event.tag}: done")


def promote(config: PipelineConfig, event: TagEvent, root: Path) -> tuple[Path, bool]:
    """Steps 2-5 for a registration or assignment; (output folder, whether to deploy)."""
    from flight_delay import model_registry as mr
    from flight_delay.model_card import Promotion, deployment_record, model_card
    from flight_delay.promotion_gate import trusted_snapshot
    from flight_delay.tagged_model import lineage_from_lock, obtain_model
    from flight_delay.tracking import tracking_uri, without_credentials

    registry = config.registry
    snapshot = trusted_snapshot(event.version, event.commit, root)
    lineage = lineage_from_lock(snapshot.lock, event.commit)
    gate_message, notes = None, ()
    if event.event == "assignment" and event.stage in registry.gated_stages:
        gate_message, notes = gate(event, snapshot, root, config)
    out = output_dir(event.tag)
    out.mkdir(parents=True, exist_ok=True)
    uri = tracking_uri(config.tracking)
    obtained = obtain_model(event, lineage, out / MODEL_FILE.name, root)
    print(f"promote: model md5 {lineage.model_md5} {obtained}; it matches dvc.lock")

    client = mr.connect(config.tracking)
    experiment = config.tracking.experiment_name
    run_id = mr.training_run_id(client, experiment, lineage.model_md5)
    version, created = mr.existing_version(client, registry.artifact, event.version, lineage), False
    if version is None:  # register the verified file itself, logged in a run of its own
        tags = {
            **lineage.as_tags(),
            mr.VERSION_TAG: event.version,
            "gto_tag": f"{event.artifact}@{event.version}",
            "training_run_id": run_id or "none in this tracking store",
        }
        source = mr.log_verified_model(out / MODEL_FILE.name, experiment, event, tags)
        version, created = mr.register_version(
            client, registry.artifact, registry.intended_use, tags, source
        )
    verb = "registered" if created else "already had"
    print(f"promote: MLflow {verb} {registry.artifact} version {version.version} ({event.version})")
    current = event.stage and stage_state(registry.artifact, root).get(event.stage)
    moves = event.event == "assignment" and current == event.version
    if moves:
        before = mr.move_alias(client, registry.artifact, event.stage, version, event.tag)
        print(f"promote: alias {event.stage}: version {before or '(none)'} -> {version.version}")
    elif event.event == "assignment":  # a late run for an older tag must not move it back
        print(f"promote: the tags now put {current} in {event.stage}; alias left as it is")

    promotion = Promotion(
        event=event, lineage=lineage, snapshot=snapshot, mlflow_version=str(version.version),
        training_run_id=run_id, tracking_uri=without_credentials(uri), obtained=obtained,
        gate_message=gate_message, gate_notes=notes, alias_moved=moves,
    )  # fmt: skip
    deploy = moves and event.stage == registry.deploy_stage
    write_text(model_card(promotion, registry), out / CARD_FILE)
    write_json(deployment_record(promotion, registry, deploy), out / RECORD_FILE)
    return out, deploy


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", nargs="?", default=os.environ.get("TAG"), help="default: $TAG")
    args = parser.parse_args(argv)
    if not args.tag:
        sys.exit("promote: which tag? `make promote TAG=flight-delay#prod#3` (or set TAG)")
    root = Path.cwd()
    config = load_config()
    try:
        commit_of(args.tag, root)  # a typo is an error, not "nothing to do"
        event = check_ref(args.tag, root)
        if event is None or event.artifact != config.registry.artifact:
            what = "not a GTO tag" if event is None else f"about {event.artifact!r}"
            print(f"promote: {args.tag} is {what}; nothing to do")
            github_outputs(deploy="false")
            return
        stages = check_stages(config.registry, root)
        if event.stage and event.stage not in stages:
            refuse(f"{args.tag} names the stage {event.stage!r}, not one of {stages} (.gto)")
        version_tag = f"{event.artifact}@{event.version}"
        if event.event in ("registration", "assignment") and not tag_exists(version_tag, root):
            refuse(f"{args.tag}: the version tag {version_tag} is not in this clone; push it "
                   f"first: git push origin '{version_tag}'")  # fmt: skip
        if event.event not in ("registration", "assignment"):
            sync_aliases(config, event, root)
            github_outputs(deploy="false")
            return
        out, deploy = promote(config, event, root)
    except RegistryError as err:
        refuse(str(err))
    github_outputs(deploy=str(deploy).lower(), dir=out.as_posix())  # once, on success only
    print(f"promote: wrote {out / CARD_FILE} and {out / RECORD_FILE}")


if __name__ == "__main__":
    main()
