"""Stage `compose`: keep params.yaml in step with conf/ during a plain `dvc repro`.

`dvc exp run` composes conf/ (plus any `-S` overrides) into params.yaml itself;
plain `dvc repro` does not. This stage runs whenever conf/ changes and:
- rewrites params.yaml when it still holds the previous composition (stale);
- keeps it when it differs from both (it carries `dvc exp run -S` overrides).
`--force` (`make params`) always rewrites it; `--check` only compares.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import yaml

from flight_delay.config import PARAMS_FILE, flatten
from flight_delay.io import write_json, write_text
from flight_delay.log import run_stage

CONF_DIR = Path("conf")
STAMP_FILE = Path("params.composed.json")
READY_FILE = Path("params.ready")
READY_TEXT = "params.yaml is composed from conf/ (see flight_delay/compose.py)\n"


def compose_params(conf_dir: Path = CONF_DIR, overrides: tuple[str, ...] = ()) -> str:
    """Compose conf/ exactly as DVC's Hydra integration does, as YAML text."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(str(conf_dir.resolve()), version_base=None):
        cfg = compose(config_name="config", overrides=list(overrides))
    OmegaConf.resolve(cfg)
    return OmegaConf.to_yaml(cfg)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def differing_keys(left_yaml: str, right_yaml: str) -> list[str]:
    left, right = flatten(yaml.safe_load(left_yaml)), flatten(yaml.safe_load(right_yaml))
    return sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))


def decide(on_disk: str | None, composed: str, last_composed_sha: str | None) -> str:
    """`current`, `write` (stale or missing) or `keep` (carries overrides)."""
    if on_disk == composed:
        return "current"
    if on_disk is None or last_composed_sha is None or sha256_text(on_disk) == last_composed_sha:
        return "write"
    return "keep"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--force", action="store_true", help="always rewrite params.yaml")
    mode.add_argument("--check", action="store_true", help="fail if params.yaml != conf/")
    args = parser.parse_args(argv)

    composed = compose_params()
    on_disk = PARAMS_FILE.read_text(encoding="utf-8") if PARAMS_FILE.exists() else None
    if args.check:
        if on_disk != composed:
            keys = ", ".join(differing_keys(composed, on_disk or "{}")) or "formatting"
            sys.exit(
                f"compose: {PARAMS_FILE} differs from {CONF_DIR}/ in {keys}; run `make params`"
            )
        print(f"compose: {PARAMS_FILE} matches {CONF_DIR}/")
        return
    last_sha = json.loads(STAMP_FILE.read_text())["sha256"] if STAMP_FILE.exists() else None
    action = "write" if args.force else decide(on_disk, composed, last_sha)

    if action == "write":
        write_text(composed, PARAMS_FILE)
        print(f"compose: wrote {PARAMS_FILE} from {CONF_DIR}/")
    elif action == "keep":
        keys = ", ".join(differing_keys(composed, on_disk or "{}"))
        print(
            f"compose: kept {PARAMS_FILE}: it differs from {CONF_DIR}/ in {keys} "
            "(dvc exp run -S overrides or a hand edit); `make params` resets it"
        )
    else:
        print(f"compose: {PARAMS_FILE} already matches {CONF_DIR}/")
    write_json({"sha256": sha256_text(composed)}, STAMP_FILE)
    write_text(READY_TEXT, READY_FILE)


if __name__ == "__main__":
    run_stage("compose", main)
