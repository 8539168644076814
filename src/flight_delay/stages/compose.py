"""Stage `compose`: keep params.yaml in step with conf/ during a plain `dvc repro`.

`dvc exp run` composes conf/ (plus any `-S` overrides) into params.yaml itself;
plain `dvc repro` does not. This stage runs whenever conf/ changes and:
- rewrites params.yaml when it still holds the previous composition (stale);
- keeps it when it differs from both (it carries `dvc exp run -S` overrides).
`--force` (`make params`) always rewrites it; `--check` only compares. Either way the
parameters the stages will read are validated first (infra/config.py): a wrong key is
named and params.yaml is left as it was.
The composition and the decision live in infra/params.py.
"""

from __future__ import annotations

import argparse
import json
import sys

import yaml

from flight_delay.infra.config import ConfigError, parse_config
from flight_delay.infra.io import write_json, write_text
from flight_delay.infra.params import compose_params, decide, differing_keys, sha256_text
from flight_delay.infra.paths import CONF_DIR, PARAMS_FILE, PARAMS_READY, PARAMS_STAMP
from flight_delay.infra.progress import run_stage

READY_TEXT = "params.yaml is composed from conf/ (see src/flight_delay/stages/compose.py)\n"


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
    last_sha = json.loads(PARAMS_STAMP.read_text())["sha256"] if PARAMS_STAMP.exists() else None
    action = "write" if args.force else decide(on_disk, composed, last_sha)
    used = composed if action == "write" or on_disk is None else on_disk
    origin = f"{CONF_DIR}/ (composed)" if used is composed else str(PARAMS_FILE)
    try:  # a wrong key is named here, before params.yaml is written or any stage runs
        parse_config(yaml.safe_load(used), origin=origin)
    except ConfigError as err:
        sys.exit(f"compose: {err}")

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
    write_json({"sha256": sha256_text(composed)}, PARAMS_STAMP)
    write_text(READY_TEXT, PARAMS_READY)


if __name__ == "__main__":
    run_stage("compose", main)
