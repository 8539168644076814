"""`make release`: the promote workflow's deploy step, for `prod` assignments that passed.

Publishes reports/promotion/<TAG>/ (model, model card, deployment record) as the
assets of a GitHub release of TAG, with the card as its notes, using the GitHub CLI
(`gh`, authenticated by GH_TOKEN). This is where a real deployment goes: replace it
with a push to your serving platform; keep it a `make` target the workflow calls.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from flight_delay.infra.paths import (
    DEPLOYMENT_RECORD_FILE,
    MODEL_CARD_FILE,
    MODEL_FILE,
    promotion_dir,
)
from flight_delay.registry.gto_registry import stage_state
from flight_delay.registry.tag_events import RegistryError


def still_current(record: dict) -> str | None:
    """Why this promotion must not be deployed any more, or None: the tags must still
    put its version in its stage (a deploy held for review, or re-run, may be stale)."""
    try:
        now = stage_state(record["artifact"]).get(record["stage"])
    except RegistryError as err:
        return str(err)
    if now != record["version"]:
        return f"the tags now put {now or 'nothing'} in {record['stage']}, not {record['version']}"
    return None


def release_command(tag: str) -> list[str]:
    folder = promotion_dir(tag)
    files = [folder / name for name in (MODEL_FILE.name, MODEL_CARD_FILE, DEPLOYMENT_RECORD_FILE)]
    absent = [f.as_posix() for f in files if not f.is_file()]
    if absent:
        sys.exit(f"release: {absent} not found; `make promote TAG='{tag}'` writes them")
    stale = still_current(json.loads((folder / DEPLOYMENT_RECORD_FILE).read_text()))
    if stale:
        sys.exit(f"release: not deploying {tag}: {stale}")
    return [
        "gh", "release", "create", tag, *map(str, files),
        "--verify-tag", "--title", f"{tag}", "--notes-file", str(folder / MODEL_CARD_FILE),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", nargs="?", help="the promoted GTO tag")
    tag = parser.parse_args(argv).tag
    if not tag:
        sys.exit("release: which tag? `make release TAG=...` (the workflow passes github.ref_name)")
    command = release_command(tag)
    try:
        done = subprocess.run(command)
    except FileNotFoundError:
        sys.exit("release: the GitHub CLI `gh` is not installed (GitHub's runners have it)")
    if done.returncode != 0:
        sys.exit(f"release: gh release create {tag} failed (exit {done.returncode})")
    print(f"release: published {tag} with its model, model card and deployment record")


if __name__ == "__main__":
    main()
