"""The code a DVC stage runs: the flight_delay modules its module imports, transitively.

Read from the source with `ast` (imports inside functions count; those only under
`if TYPE_CHECKING:` do not, they never run). A package's `__init__.py` counts when it
holds code, not just a docstring. A module that loads the configured dataset
(`flight_delay.datasets`) also runs that dataset's hook (when it has one), and what it
imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "flight_delay"


def module_file(src: Path, module: str) -> Path | None:
    base = src / module.replace(".", "/")
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return skipped


def imported_modules(src: Path, path: Path) -> set[str]:
    """flight_delay modules `path` imports anywhere (not only for type checking)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {n for n in names if n.split(".")[0] == PACKAGE and module_file(src, n)}
    return found


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def has_code(path: Path) -> bool:
    body = ast.parse(path.read_text(encoding="utf-8")).body
    docstring = (
        body[:1] and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    )
    return len(body) > (1 if docstring else 0)


DATASETS = f"src/{PACKAGE}/datasets"


def listed_deps(runs: set[Path]) -> set[str]:
    """How dvc.yaml lists the files a stage runs: each file, but the dataset package as one
    folder (`src/flight_delay/datasets`), so that choosing another dataset's home, or
    adding one, needs no edit of dvc.yaml; an edit of any home re-runs the stages that load
    the configured one."""
    paths = {p.as_posix() for p in runs}
    return {DATASETS if p.startswith(f"{DATASETS}/") else p for p in paths}


def closure(src: Path, start: str, dataset: str) -> set[Path]:
    """The files of every module `start` runs, relative to src's parent."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += _parents(module)
        path = module_file(src, module)
        if path is None:
            continue
        todo += sorted(imported_modules(src, path))
        if module == f"{PACKAGE}.datasets":  # load_dataset imports the hook at run time
            todo += [f"{PACKAGE}.datasets.{dataset}", f"{PACKAGE}.datasets.{dataset}.hook"]
    files = {module_file(src, m) for m in seen}
    return {
        p.relative_to(src.parent)
        for p in files
        if p is not None and (p.name != "__init__.py" or has_code(p))
    }
