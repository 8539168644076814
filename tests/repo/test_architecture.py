"""The architecture as the tools check it: import-linter's contracts (pyproject.toml), no
module importing a command, and no dataset's column named outside its home.

The contracts are proven to bite: each planted violation, in a copy of src/, breaks the
contract that forbids it.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from flight_delay.adoption.leftovers import schema_names
from tests.conftest import REPO_ROOT, VENV_BIN

SRC = REPO_ROOT / "src"
PACKAGE = SRC / "flight_delay"


def lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "lint-imports"), "--config", str(config), "--no-cache"],
        cwd=src.parent, capture_output=True, text=True, env={"PYTHONPATH": str(src), "PATH": ""},
    )  # fmt: skip


def test_the_import_contracts_hold():
    done = lint_imports(SRC, REPO_ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 5 kept, 0 broken." in done.stdout


PLANTED = {
    "core imports tracking": (
        "core/metrics.py", "import mlflow\n",
        "The pure core and the dataset code are free of tracking"),
    "the dataset code imports serving": (
        "datasets/planted_home/hook.py", "import fastapi\n",
        "The pure core and the dataset code are free of tracking"),
    "infra imports a layer above it": (
        "infra/io.py", "from flight_delay.core import metrics\n",
        "flight_delay.infra is not allowed to import flight_delay.core"),
    "a PR check imports a sibling role": (
        "pr/report.py", "from flight_delay.operate import monitoring\n",
        "flight_delay.pr is not allowed to import flight_delay.operate"),
    "a cycle hidden in a function": (
        "core/metrics.py", "def _later():\n    from flight_delay.core import evaluation\n",
        "No import cycles"),
    "a command imports a stage": (
        "operate/retrain.py", "def _later():\n    from flight_delay.stages import featurize\n",
        "Nothing imports a pipeline stage"),
    "machinery names the dataset's home": (
        "pr/gate.py", "from flight_delay.datasets.planted_home.hook import DATASET\n",
        "The machinery reaches a dataset only through the seam"),
}  # fmt: skip


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("architecture")
    shutil.copytree(SRC, root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    home = root / "src/flight_delay/datasets/planted_home"  # a home with code, in any project
    home.mkdir()
    (home / "__init__.py").write_text('"""A dataset home the tests plant."""\n')
    (home / "hook.py").write_text('"""Its hook."""\n\nDATASET = None\n')
    return root


@pytest.mark.parametrize("case", PLANTED, ids=list(PLANTED))
def test_a_planted_violation_breaks_its_contract(source_copy, case):
    module, line, broken = PLANTED[case]
    target = source_copy / "src/flight_delay" / module
    original = target.read_text(encoding="utf-8")
    target.write_text(original + "\n\n" + line, encoding="utf-8")
    try:
        done = lint_imports(source_copy / "src", source_copy / "pyproject.toml")
    finally:
        target.write_text(original, encoding="utf-8")
    assert done.returncode == 1, done.stdout
    assert "BROKEN" in done.stdout and broken in done.stdout, done.stdout


def modules() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
        for p in PACKAGE.rglob("*.py")
    }


def is_command(path: Path) -> bool:
    """A module run with `python -m` (a stage, a make target's module)."""
    if path.name == "__main__.py":
        return True
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.If) and "__name__" in ast.unparse(n.test) for n in tree.body)


def imported_by(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_no_module_imports_a_command():
    """Commands hold I/O and argument parsing only; what two of them share lives in a
    library module (operate/monitoring.py for monitor, retrain and simulate, say)."""
    everything = modules()
    commands = {name for name, path in everything.items() if is_command(path)}
    assert "flight_delay.stages.prepare" in commands and "flight_delay.pr.gate" in commands
    offending = [
        f"{name} imports {command}"
        for name, path in everything.items()
        for command in sorted(imported_by(path) & commands)
        if command != name and not (path.name == "__main__.py" and command in name)
    ]
    assert not offending, offending


def homes_with_code() -> list[Path]:
    """The dataset homes with a hook: code that could tempt the machinery to name columns."""
    return sorted(path.parent for path in (PACKAGE / "datasets").glob("*/hook.py"))


# Words that are also columns of the flights' planes and airports tables.
GENERIC = {"model", "name", "type"}
KNOWN = {  # (module, string): why it is not the flights' column
    ("operate/simulate.py", "month"): "the replay's own record of the split month it serves",
}


@pytest.mark.parametrize("home", homes_with_code(), ids=lambda path: path.name)
def test_no_module_outside_a_dataset_home_names_one_of_its_columns(home):
    """Every table, column and derived feature its schema.yaml names stays in the home."""
    names = schema_names(REPO_ROOT, home.name) - GENERIC
    assert names, f"{home.name}: no names in its schema.yaml"
    found = sorted(
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}"
        for path in PACKAGE.rglob("*.py")
        if home not in path.parents
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in names
        and (path.relative_to(PACKAGE).as_posix(), node.value) not in KNOWN
    )  # fmt: skip
    assert not found, found
