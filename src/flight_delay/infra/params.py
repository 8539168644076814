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


def edit_conf(path: Path, changes: dict[str, object]) -> None:
    """Change keys of a conf/ (or params) YAML file, for sandboxes and tests: its comments
    are not kept, but a Hydra `# @package` directive on its first line is. A mapping value
    changes those keys of the file's section (`gate={"floor": 0.6}` keeps the rest)."""
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0] if text else ""
    directive = f"{first}\n" if first.startswith("# @package") else ""
    data = yaml.safe_load(text) or {}
    for key, value in changes.items():
        section = data.get(key)
        if isinstance(value, dict) and isinstance(section, dict):
            value = section | value
        data[key] = value
    path.write_text(directive + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def choose_dataset(conf_dir: Path, name: str) -> None:
    """Make conf/config.yaml choose the dataset spec conf/dataset/<name>.yaml (its other
    lines, comments included, unchanged)."""
    config = conf_dir / "config.yaml"
    text = config.read_text(encoding="utf-8")
    chosen = [line for line in text.splitlines() if line.strip().startswith("- dataset:")]
    if len(chosen) != 1:
        raise ValueError(f"{config}: no single `- dataset: NAME` line in its defaults")
    config.write_text(text.replace(chosen[0], f"  - dataset: {name}"), encoding="utf-8")


def _chosen(path: Path, group: str) -> str | None:
    """The option a config file's defaults list picks for `group` (`- split: by_month`, or
    `- /split: by_month` in a group file)."""
    defaults = yaml.safe_load(path.read_text(encoding="utf-8")).get("defaults", [])
    for entry in defaults:
        if isinstance(entry, dict):
            for key, option in entry.items():
                if key.lstrip("/") == group:
                    return str(option)
    return None


def conf_file(group: str, conf_dir: Path = CONF_DIR) -> Path:
    """The file of a config group the composition uses: chosen in conf/config.yaml, or in
    the dataset spec it chooses (`split` -> conf/split/by_month.yaml)."""
    top = conf_dir / "config.yaml"
    chosen = _chosen(top, group)
    dataset = _chosen(top, "dataset")
    if chosen is None and dataset is not None:
        chosen = _chosen(conf_dir / "dataset" / f"{dataset}.yaml", group)
    if chosen is None:
        raise ValueError(f"{top} (and its dataset spec) choose no {group} config")
    return conf_dir / group / f"{chosen}.yaml"


def section_file(group: str, conf_dir: Path = CONF_DIR) -> tuple[Path, bool]:
    """The file whose values of a config group win, and whether they are its whole content:
    the dataset spec when it has a `group:` section (it is composed last, so it overrides;
    a spec written in one file has them all), else the file a defaults list chooses."""
    spec = conf_file("dataset", conf_dir)
    if group in (yaml.safe_load(spec.read_text(encoding="utf-8")) or {}):
        return spec, False
    return conf_file(group, conf_dir), True


def write_section(group: str, values: dict[str, object], conf_dir: Path = CONF_DIR) -> Path:
    """Change keys of a config group where its values live (section_file); its comments
    are not kept (edit_conf). Returns the file changed."""
    path, whole = section_file(group, conf_dir)
    edit_conf(path, values if whole else {group: values})
    return path


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
