"""params.yaml as the composition of conf/: compose it as DVC's Hydra integration does, and
decide whether the file on disk is stale, current, or carries `dvc exp run -S` overrides.

`version_base="1.3"`: hydra-core is pinned below 1.4, whose defaults change; naming the
version keeps a future upgrade from changing the composition silently.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from flight_delay.infra.config import flatten
from flight_delay.infra.paths import CONF_DIR

HYDRA_VERSION_BASE = "1.3"


def compose_params(conf_dir: Path = CONF_DIR, overrides: tuple[str, ...] = ()) -> str:
    """Compose conf/ exactly as DVC's Hydra integration does, as YAML text."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(str(conf_dir.resolve()), version_base=HYDRA_VERSION_BASE):
        cfg = compose(config_name="config", overrides=list(overrides))
    OmegaConf.resolve(cfg)
    return OmegaConf.to_yaml(cfg)


def conf_file(group: str, conf_dir: Path = CONF_DIR) -> Path:
    """The file of a config group that conf/config.yaml's defaults list chooses
    (`split` -> conf/split/by_month.yaml)."""
    defaults = yaml.safe_load((conf_dir / "config.yaml").read_text(encoding="utf-8"))
    chosen = [d[group] for d in defaults.get("defaults", []) if isinstance(d, dict) and group in d]
    if not chosen:
        raise ValueError(f"{conf_dir / 'config.yaml'} chooses no {group} config")
    return conf_dir / group / f"{chosen[0]}.yaml"


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
