"""`make promote TAG=...`: act on a GTO tag, as the promote workflow does on a pushed tag.

1. `gto check-ref --json TAG`; a tag that is no GTO event exits 0, "nothing to do".
2. The tagged commit's metrics must be the ones its dvc.lock records.
3. An assignment to a gated stage (conf/registry) must pass the gate (conf/gate and
   the dataset spec's floor, of this checkout, never the candidate's) against the
   version now in that stage;
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
import sys
from pathlib import Path

from flight_delay.datasets import dataset_for
from flight_delay.infra.config import PipelineConfig, load_config
from flight_delay.infra.git import tag_exists
from flight_delay.infra.github import annotate, set_outputs
from flight_delay.infra.io import write_json, write_text
from flight_delay.infra.paths import (
    DEPLOYMENT_RECORD_FILE,
    MODEL_CARD_FILE,
    MODEL_FILE,
    promotion_dir,
)
from flight_delay.registry.gto_registry import check_ref, check_stages, commit_of, stage_state
from flight_delay.registry.stage_gate import judge_assignment
from flight_delay.registry.tag_events import RegistryError, TagEvent
from flight_delay.revisions.recorded_outputs import (
    RecordedOutputs,
    RevisionError,
    trusted_outputs,
)


def refuse(message: str) -> None:
    annotate("error", "Promotion refused", message)
    sys.exit(f"promote: {message}")


def gate(
    event: TagEvent, candidate: RecordedOutputs, root: Path, config: PipelineConfig
) -> tuple[str, tuple[str, ...]]:
    label = dataset_for(config).label
    result, notes = judge_assignment(event, candidate, root, config.gate, label)
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


def touched_stages(
    event: TagEvent, aliases: dict[str, str], versions: dict[str, str | None]
) -> list[str]:
    """The stages whose alias an unassignment, deregistration or deprecation may change
    (`aliases`: stage -> MLflow version; `versions`: MLflow version -> GTO version)."""
    if event.event == "unassignment":
        return [event.stage] if event.stage else []
    if event.event == "deregistration":
        return sorted(s for s, number in aliases.items() if versions.get(number) == event.version)
    return sorted(aliases)  # the whole artifact deprecated


def sync_aliases(config: PipelineConfig, event: TagEvent, root: Path) -> None:
    """The aliases of the stages the event touches follow the tags: an alias moves to
    the version the tags now put in its stage only if a promotion put it there (never
    to one the gate refused), and goes when the tags leave the stage empty."""
    from flight_delay.registry import mlflow_registry as mr

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


def promote(
    config: PipelineConfig, event: TagEvent, root: Path, remote: str | None = None
) -> tuple[Path, bool]:
    """Steps 2-5 for a registration or assignment; (output folder, whether to deploy)."""
    from flight_delay.infra.tracking import tracking_uri, without_credentials
    from flight_delay.registry import mlflow_registry as mr
    from flight_delay.registry.model_card import Promotion, deployment_record, model_card
    from flight_delay.revisions.model_file import obtain_model
    from flight_delay.revisions.model_lineage import lineage_from_lock

    registry = config.registry
    outputs = trusted_outputs(event.version, event.commit, root)
    lineage = lineage_from_lock(outputs.lock, event.commit)
    gate_message, notes = None, tuple[str, ...]()
    if event.event == "assignment" and event.stage in registry.gated_stages:
        gate_message, notes = gate(event, outputs, root, config)
    out = promotion_dir(event.tag)
    out.mkdir(parents=True, exist_ok=True)
    uri = tracking_uri(config.tracking)
    obtained = obtain_model(event.artifact, event.version, lineage, out / MODEL_FILE.name, root,
                            remote)  # fmt: skip
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
    if moves and event.stage:
        before = mr.move_alias(client, registry.artifact, event.stage, version, event.tag)
        print(f"promote: alias {event.stage}: version {before or '(none)'} -> {version.version}")
    elif event.event == "assignment":  # a late run for an older tag must not move it back
        print(f"promote: the tags now put {current} in {event.stage}; alias left as it is")

    promotion = Promotion(
        event=event, lineage=lineage, outputs=outputs, mlflow_version=str(version.version),
        training_run_id=run_id, tracking_uri=without_credentials(uri), obtained=obtained,
        gate_message=gate_message, gate_notes=notes, alias_moved=moves,
    )  # fmt: skip
    deploy = moves and event.stage == registry.deploy_stage
    label = dataset_for(config).label
    write_text(model_card(promotion, registry, label), out / MODEL_CARD_FILE)
    write_json(deployment_record(promotion, registry, deploy), out / DEPLOYMENT_RECORD_FILE)
    return out, deploy


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", nargs="?", help="the GTO tag to act on")
    parser.add_argument("--remote", help="the DVC remote to fetch the model from "
                        "(default: the repository's default remote)")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.tag:
        sys.exit("promote: which tag? `make promote TAG=flight-delay#prod#3`")
    root = Path.cwd()
    config = load_config()
    try:
        commit_of(args.tag, root)  # a typo is an error, not "nothing to do"
        event = check_ref(args.tag, root)
        if event is None or event.artifact != config.registry.artifact:
            what = "not a GTO tag" if event is None else f"about {event.artifact!r}"
            print(f"promote: {args.tag} is {what}; nothing to do")
            set_outputs(deploy="false")
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
            set_outputs(deploy="false")
            return
        out, deploy = promote(config, event, root, args.remote)
    except (RegistryError, RevisionError) as err:
        refuse(str(err))
    set_outputs(deploy=str(deploy).lower(), dir=out.as_posix())  # once, on success only
    print(f"promote: wrote {out / MODEL_CARD_FILE} and {out / DEPLOYMENT_RECORD_FILE}")


if __name__ == "__main__":
    main()
