"""`make registry-check`: do MLflow's aliases match the stages the git tags assign?

For each stage (.gto) and each alias MLflow has, compares the version the tags put
in the stage (`gto show`) with the version the alias points at (its `gto_version`
tag). Prints one line per stage; exits 1 when any differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flight_delay.infra.config import load_config
from flight_delay.registry.gto_registry import allowed_stages, stage_state
from flight_delay.registry.tag_events import RegistryError


def differences(tags: dict[str, str | None], aliases: dict[str, str | None]) -> list[str]:
    """stage -> version by the tags vs alias -> version in MLflow; one line per mismatch."""
    lines = []
    for stage in sorted(tags.keys() | aliases.keys()):
        by_tags, by_alias = tags.get(stage), aliases.get(stage)
        if by_tags != by_alias:
            lines.append(
                f"{stage}: the tags say {by_tags or 'nothing'}, "
                f"MLflow alias {stage} -> {by_alias or 'nothing'}"
            )
    return lines


def main() -> None:
    from flight_delay.registry import mlflow_registry as mr

    config = load_config()
    name = config.registry.artifact
    try:
        stages = allowed_stages(Path("."))
        tags = {stage: None for stage in stages} | stage_state(name)
    except RegistryError as err:
        sys.exit(f"registry-check: {err}")
    client = mr.connect(config.tracking)
    aliases: dict[str, str | None] = {
        alias: mr.gto_version_of(client, name, number) or f"version {number} (no gto_version)"
        for alias, number in mr.stage_aliases(client, name).items()
    }
    for stage in sorted(tags.keys() | aliases.keys()):
        print(f"registry-check: {stage:8} tags {tags.get(stage) or '-':10} "
              f"MLflow {aliases.get(stage) or '-'}")  # fmt: skip
    found = differences(tags, aliases)
    if found:
        sys.exit("registry-check: MISMATCH\n" + "\n".join(f"  {line}" for line in found)
                 + "\n  (promote the stage's newest tag: `make promote TAG=...`; or, if the"
                 + " gate refused it, delete that tag)")  # fmt: skip
    print(f"registry-check: OK, MLflow's aliases for {name} match the tags")


if __name__ == "__main__":
    main()
