"""`python -m flight_delay.adoption.leftovers [--root DIR] [--examples]` (`make leftovers`):
after an adoption, what is left of the datasets you did not choose.

For every dataset spec in conf/dataset/ other than the one conf/config.yaml chooses, it
lists that dataset's files (its spec, the conf/ group files only it uses, its home in
src/<package>/datasets/, its source files, hand-set labels, its data/model tests and
its end-to-end test tests/e2e/test_<spec>.py) and the lines of your own files that
still name it (README, docs/, conf/, notebooks/, the workflows, your dataset's tests):
its spec and home names, its label column, class names, event and table names. It
also names the registry's artifact, which the checklist asks you to rename. It changes
nothing, and exits 0 (a report, not a check). `--examples` lists every spec's files as if
none were chosen, as copier.yml's `_exclude` lines: what a project from one CSV leaves out.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from flight_delay.infra.git import git_output
from flight_delay.infra.params import compose_params

PACKAGE = Path(__file__).resolve().parents[1].name  # the package (also under `python -m`)
# Where a user's own text lives; the machinery (src/, the template's tests) is the template's.
OWN_TEXT = ("README.md", "docs/", "conf/", "notebooks/", ".github/", "dvc.yaml", "Makefile",
            "data/source/")  # fmt: skip
TEXT_SUFFIXES = {".md", ".yaml", ".yml", ".py", ".ipynb", ".toml", ".txt", ""}
# How copier.yml's `_exclude` leaves a path out of a project started from its own CSV.
EXCLUDED = "\"{{% if dataset == 'csv' %}}{}{{% endif %}}\""
SHOWN_LINES = 3  # a file's first lines with a name; the rest are counted


@dataclass(frozen=True)
class Example:
    """A dataset spec the repo does not choose, as its files and the names it uses."""

    spec: str
    home: str
    files: tuple[str, ...]
    names: tuple[str, ...]
    package: str | None = None  # a Python package its data comes from (`package:NAME`)


@dataclass
class Leftovers:
    chosen: str
    artifact: str
    examples: list[Example] = field(default_factory=list)
    # spec -> file -> [(line number, line)]
    mentions: dict[str, dict[str, list[tuple[int, str]]]] = field(default_factory=dict)


def chosen_spec(conf: Path) -> str:
    config = yaml.safe_load((conf / "config.yaml").read_text(encoding="utf-8"))
    for entry in config.get("defaults", []):
        if isinstance(entry, dict) and "dataset" in entry:
            return str(entry["dataset"])
    raise ValueError(f"{conf / 'config.yaml'} chooses no dataset (`- dataset: NAME`)")


def group_files(spec_file: Path, conf: Path) -> set[str]:
    """The conf/ group files a spec's defaults list chooses (`- /split: by_month`)."""
    spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
    chosen = set()
    for entry in spec.get("defaults", []):
        if isinstance(entry, dict):
            for group, option in entry.items():
                path = conf / group.lstrip("/") / f"{option}.yaml"
                if path.is_file():
                    chosen.add(path.relative_to(conf.parent).as_posix())
    return chosen


def words(*values: object) -> tuple[str, ...]:
    """The distinctive names among `values`: four characters or more, each once."""
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and len(value) >= 4:
            seen.setdefault(value, None)
    return tuple(seen)


def composed(spec: str, conf: Path) -> dict:
    """params.yaml as it would be with `spec` chosen."""
    return yaml.safe_load(compose_params(conf, (f"dataset={spec}",)))


def spec_names(spec: str, params: dict) -> tuple[str, ...]:
    """The names a spec gives its dataset: spec, home, label column, classes, event, tables."""
    data, label = params["data"], params["label"]
    return words(spec, data["dataset"], label.get("column"), *label.get("classes", []),
                 label.get("event"), *data["files"])  # fmt: skip


def describe(spec: str, params: dict, conf: Path, tracked: list[str], others: set[str]) -> Example:
    """One unchosen spec (`params`: its composition): the files that belong to it alone and
    the names it uses."""
    data = params["data"]
    home = str(data["dataset"])
    source = Path(data["source"])
    package = (
        str(data["source"]).removeprefix("package:")
        if str(data["source"]).startswith("package:")
        else None
    )
    mine = {f"conf/dataset/{spec}.yaml", *(group_files(conf / "dataset" / f"{spec}.yaml", conf))}
    mine -= others
    prefixes = (
        f"src/{PACKAGE}/datasets/{home}/", f"tests/data/{home}/", f"tests/model/{home}/",
        f"tests/unit/datasets/{home}/", f"data/labels/{home}.csv", f"tests/{spec}.py",
        f"tests/{home}.py", f"tests/e2e/test_{spec}.py",
    )  # fmt: skip
    sources = {(source / name).as_posix() for name in data["files"].values()}
    belongs = sorted(
        path for path in tracked
        if path in mine or path.startswith(prefixes) or path in sources
        or any(path.startswith(f"{s}/") or path == f"{s}.dvc" for s in sources)
    )  # fmt: skip
    return Example(spec=spec, home=home, files=tuple(belongs), names=spec_names(spec, params),
                   package=package)  # fmt: skip


def tracked_files(root: Path) -> list[str]:
    listed = git_output("ls-files", "-co", "--exclude-standard", root=root)
    if listed is None:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return sorted(filter(None, listed.splitlines()))


def own_text_files(tracked: list[str], chosen_home: str, excluded: set[str]) -> list[str]:
    own = (*OWN_TEXT, f"tests/data/{chosen_home}/", f"tests/model/{chosen_home}/")
    return [
        path for path in tracked
        if path.startswith(own) and path not in excluded and Path(path).suffix in TEXT_SUFFIXES
    ]  # fmt: skip


def schema_names(root: Path, home: str) -> set[str]:
    """The table and column names of a home's schema.yaml (none when it has none yet)."""
    path = root / "src" / PACKAGE / "datasets" / home / "schema.yaml"
    try:
        schema = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    tables = schema.get("tables") or {}
    names = set(tables) | set(schema.get("derived") or {})
    for table in tables.values():
        names |= set((table or {}).get("columns") or {})
    return {str(name) for name in names}


def mentions(
    paths: list[str], root: Path, names: tuple[str, ...], mask: str = ""
) -> dict[str, list[tuple[int, str]]]:
    """The lines of `paths` that name one of `names` (the text `mask`, the registry's
    artifact, reported on its own, left out)."""
    pattern = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in names))
    found: dict[str, list[tuple[int, str]]] = {}
    for path in paths:
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)
                 if pattern.search(line.replace(mask, "") if mask else line)]  # fmt: skip
        if lines:
            found[path] = lines
    return found


def example_files(root: Path) -> list[str]:
    """The files of every dataset spec in conf/dataset/, as if none were chosen: what a
    project started from its own CSV leaves out (copier.yml `example_files`)."""
    conf = root / "conf"
    shared = {p for p in group_files(conf / "config.yaml", conf)
              if not p.startswith("conf/dataset/")}  # fmt: skip
    tracked = tracked_files(root)
    specs = sorted(p.stem for p in (conf / "dataset").glob("*.yaml"))
    return sorted(
        {
            path
            for spec in specs
            for path in describe(spec, composed(spec, conf), conf, tracked, shared).files
        }
    )


def example_paths(root: Path) -> list[str]:
    """example_files, a folder standing for its files where it holds only theirs: the
    paths copier.yml leaves out of a project started from its own CSV."""
    files = set(example_files(root))
    tracked = tracked_files(root)
    folders = sorted({parent.as_posix() for path in files for parent in Path(path).parents
                      if parent != Path(".")}, key=len)  # fmt: skip
    paths = set(files)
    for folder in folders:
        if any(folder.startswith(f"{kept}/") for kept in paths if kept in folders):
            continue  # a folder above it stands for it already
        inside = [path for path in tracked if path.startswith(f"{folder}/")]
        if inside and all(path in files for path in inside):
            paths = {path for path in paths if not path.startswith(f"{folder}/")} | {folder}
    return sorted(paths)


def find_leftovers(root: Path) -> Leftovers:
    conf = root / "conf"
    chosen = chosen_spec(conf)
    specs = sorted(p.stem for p in (conf / "dataset").glob("*.yaml"))
    if chosen not in specs:
        raise ValueError(
            f"conf/config.yaml chooses dataset {chosen!r}: no conf/dataset/{chosen}.yaml"
        )
    params = composed(chosen, conf)
    chosen_home = str(params["data"]["dataset"])
    # group files the chosen spec or conf/config.yaml itself uses are never leftovers
    used = group_files(conf / "dataset" / f"{chosen}.yaml", conf) | group_files(
        conf / "config.yaml", conf
    )
    tracked = tracked_files(root)
    found = Leftovers(chosen=chosen, artifact=str(params["registry"]["artifact"]))
    found.examples = [describe(s, composed(s, conf), conf, tracked, used)
                      for s in specs if s != chosen]  # fmt: skip
    own = own_text_files(tracked, chosen_home, {p for e in found.examples for p in e.files})
    # names your dataset uses too (its spec's, its tables' and columns') are yours
    yours = set(spec_names(chosen, params)) | schema_names(root, chosen_home)
    for example in found.examples:
        names = tuple(name for name in example.names if name not in yours)
        found.mentions[example.spec] = (
            mentions(own, root, names, mask=found.artifact) if names else {}
        )
    return found


def render(found: Leftovers) -> str:
    out = [f"leftovers: conf/config.yaml chooses the dataset spec `{found.chosen}`."]
    if not found.examples:
        out.append("No other dataset spec is left in conf/dataset/.")
    for example in found.examples:
        out += ["", f"## `{example.spec}` (home {example.home}): its files"]
        out += [f"  {path}" for path in example.files] or ["  (none left)"]
        if example.package:
            out.append(f"  its data: the Python package `{example.package}` "
                       "(pyproject.toml dependencies, uv.lock)")  # fmt: skip
        named = found.mentions.get(example.spec, {})
        out += ["", f"## lines of your files that name `{example.spec}` "
                    f"({', '.join(example.names)})"]  # fmt: skip
        if not named:
            out.append("  (none)")
        for path, lines in named.items():
            for number, line in lines[:SHOWN_LINES]:
                out.append(f"  {path}:{number}: {line[:100]}")
            if len(lines) > SHOWN_LINES:
                out.append(f"  {path}: {len(lines) - SHOWN_LINES} more lines")
    out += ["", f"The registry's artifact is `{found.artifact}` (conf/registry/default.yaml "
                "`artifact` and the key under dvc.yaml `artifacts:`, renamed together; "
                "docs/adapting.md step 8): the model's name in tags, MLflow and the "
                "model card."]  # fmt: skip
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flight_delay.adoption.leftovers", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (default .)")
    parser.add_argument(
        "--examples", action="store_true", help="every spec's files (copier.yml example_files)"
    )
    args = parser.parse_args(argv)
    try:
        if args.examples:
            print(
                "".join(
                    f"  - {EXCLUDED.format(path)}\n" for path in example_paths(args.root.resolve())
                ),
                end="",
            )
            return 0
        found = find_leftovers(args.root.resolve())
    except (OSError, ValueError, KeyError) as error:
        print(f"leftovers: {error}", file=sys.stderr)
        return 2
    print(render(found), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
