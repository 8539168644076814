"""Notebooks in notebooks/: committed without outputs, executed headless on the pipeline's data.

    python -m flight_delay.curation.notebooks check   # exit 1 when a notebook carries outputs
    python -m flight_delay.curation.notebooks strip   # remove them, in place
    python -m flight_delay.curation.notebooks run     # notebooks/eda.ipynb -> reports/eda/

nbclient and nbformat are development dependencies, imported only when needed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

NOTEBOOKS_DIR = Path("notebooks")
EDA_NOTEBOOK = NOTEBOOKS_DIR / "eda.ipynb"
EDA_EXECUTED = Path("reports/eda/eda.ipynb")  # git-ignored
ROOT_ENV = "FLIGHT_DELAY_ROOT"
CELL_TIMEOUT = 600  # seconds
HYPOTHESIS_LINE = re.compile(r"^HYPOTHESIS: (?:holds|does not hold|none declared.*)$", re.MULTILINE)


def find_root(start: Path | None = None) -> Path:
    """The repository root: $FLIGHT_DELAY_ROOT, else the nearest folder holding dvc.yaml
    at or above `start` (the working directory)."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    raise FileNotFoundError(f"no dvc.yaml in {here} or above; set {ROOT_ENV} to the repo root")


def leftovers(nb) -> list[str]:
    """What a notebook carries besides its source: outputs, execution counts, run
    timings (nbclient's `execution` cell metadata), widget state."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    found = {
        "outputs": sum(len(cell.get("outputs", [])) for cell in code),
        "execution counts": sum(cell.get("execution_count") is not None for cell in code),
        "run timings": sum("execution" in cell.metadata for cell in nb.cells),
    }
    carried = [f"{what} ({count})" for what, count in found.items() if count]
    widgets = nb.metadata.get("widgets") or {}
    if any(isinstance(v, dict) and v.get("state") for v in widgets.values()):
        carried.append("widget state")
    return carried


def strip(nb):
    """The notebook without what `leftovers` reports (changed in place, and returned)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    return nb


def canonical_text(nb) -> str:
    """The notebook as `nbformat.write` writes it."""
    import nbformat

    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def read(path: Path):
    import nbformat

    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def check_notebooks(paths: list[Path]) -> dict[Path, list[str]]:
    """What each notebook carries that `strip` would remove (clean notebooks left out)."""
    found = {path: leftovers(read(path)) for path in paths}
    return {path: carried for path, carried in found.items() if carried}


def strip_notebooks(paths: list[Path]) -> list[Path]:
    """Strip each notebook in place; the ones whose file changed."""
    changed = []
    for path in paths:
        text = canonical_text(strip(read(path)))
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def _kernel_manager_class():
    """A kernel manager that runs the python3 kernel with this interpreter: a `python3`
    kernelspec found first elsewhere (JUPYTER_PATH, ~/.local) may name another Python."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class ThisInterpreterKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            return KernelSpec(**get_kernel_dict())  # argv[0] is sys.executable

    return ThisInterpreterKernelManager


def execute(nb, root: Path, timeout: int = CELL_TIMEOUT):
    """Run every cell in a fresh python3 kernel of this interpreter, in `root`, with
    $FLIGHT_DELAY_ROOT set to it; the notebook is changed in place and returned.
    A failing cell raises nbclient's CellExecutionError."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=_kernel_manager_class(),
        resources={"metadata": {"path": str(root)}},
    )
    return client.execute(env=os.environ | {ROOT_ENV: str(root)})


def printed(nb) -> str:
    """Everything the notebook's cells printed (stdout streams), in order."""
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )


def hypothesis_line(nb) -> str | None:
    found = HYPOTHESIS_LINE.findall(printed(nb))
    return found[-1] if found else None


def run(root: Path) -> int:
    from nbclient.exceptions import CellExecutionError

    nb = read(root / EDA_NOTEBOOK)
    target = root / EDA_EXECUTED
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        execute(nb, root)
    except CellExecutionError as err:
        print(f"notebooks: {EDA_NOTEBOOK} failed:\n{err}", file=sys.stderr)
        return 1
    finally:  # also when a cell failed: the copy shows where
        target.write_text(canonical_text(nb), encoding="utf-8")
    print(f"notebooks: executed {EDA_NOTEBOOK} -> {EDA_EXECUTED}", file=sys.stderr)
    line = hypothesis_line(nb)
    if line is None:
        print(f"notebooks: {EDA_NOTEBOOK} printed no HYPOTHESIS line", file=sys.stderr)
        return 1
    print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flight_delay.curation.notebooks")
    parser.add_argument("command", choices=["check", "strip", "run"])
    command = parser.parse_args(argv).command
    root = find_root()
    if command == "run":
        return run(root)
    paths = sorted((root / NOTEBOOKS_DIR).glob("*.ipynb"))
    if command == "strip":
        for path in strip_notebooks(paths):
            print(f"notebooks: stripped {path.relative_to(root)}", file=sys.stderr)
        return 0
    problems = check_notebooks(paths)
    for path, carried in problems.items():
        print(f"notebooks: {path.relative_to(root)} carries {', '.join(carried)}", file=sys.stderr)
    if problems:
        print("notebooks: run `make strip-notebooks`", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
