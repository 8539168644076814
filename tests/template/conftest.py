"""The template's own tests: rendering it with Copier, updating a project made from it,
a new project from one CSV. A project made from the template is not a template, so these
stay behind (copier.yml `_exclude`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

# What a rendered project holds that the template's files do not say: Copier's record.
ANSWERS_FILE = ".copier-answers.yml"


def template_files(root: Path = REPO_ROOT) -> list[str]:
    """The files Copier renders from (tracked and new, not ignored; deleted ones left out),
    as `copier copy` of a local checkout takes them."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    return sorted(name for name in filter(None, listed) if (root / name).is_file())


def project_files(root: Path) -> list[str]:
    """Every file under `root` but its .git folder."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts[:1]
    )


def not_rendered(path: str) -> bool:
    """The template's own files: its questions, the `.jinja` sources and these tests."""
    return path == "copier.yml" or path.endswith(".jinja") or path.startswith("tests/template/")
