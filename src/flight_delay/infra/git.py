"""git, run as a subprocess: the commands the pipeline, the PR checks and the registry need.

Every helper takes the repository root and never raises for a git failure: a missing
ref, file or repository is None (or False), for the caller to explain.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(
    *args: str, root: Path = Path("."), stdin: str | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str] | None:
    """The finished `git args` in `root`; None when git cannot be run at all."""
    try:
        return subprocess.run(
            ["git", *args], cwd=root, input=stdin, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None


def git_output(*args: str, root: Path = Path("."), stdin: str | None = None) -> str | None:
    """git's stdout when it succeeds, else None."""
    done = git(*args, root=root, stdin=stdin, timeout=60)
    return done.stdout if done is not None and done.returncode == 0 else None


def resolve_commit(ref: str, root: Path = Path(".")) -> str | None:
    """The commit `ref` names, or None when git does not know it."""
    found = git_output("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", root=root)
    return found.strip() if found else None


def file_at(commit: str, path: Path, root: Path = Path(".")) -> bytes | None:
    """The bytes of a file as `commit` has it (None when it has no such file)."""
    try:
        shown = subprocess.run(
            ["git", "show", f"{commit}:{path.as_posix()}"], cwd=root, capture_output=True
        )
    except OSError:
        return None
    return shown.stdout if shown.returncode == 0 else None


def changed_paths(
    paths: list[str], root: Path = Path("."), untracked: bool = False
) -> list[str] | None:
    """Files under `paths` that differ from HEAD, new ones too when `untracked` (None
    outside a git repository)."""
    new = "--untracked-files=normal" if untracked else "--untracked-files=no"
    status = git_output("status", "--porcelain", new, "--", *paths, root=root)
    return None if status is None else sorted(line[3:] for line in status.splitlines())


def tag_exists(tag: str, root: Path = Path(".")) -> bool:
    return git_output("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", root=root) is not None


def tags_at(commit: str, root: Path = Path(".")) -> list[str]:
    return (git_output("tag", "--points-at", commit, root=root) or "").split()


def lineage(root: Path = Path(".")) -> dict[str, str]:
    """The commit the workspace is at, and whether tracked files differ from it."""
    commit = git_output("rev-parse", "HEAD", root=root)
    changed = changed_paths([], root)
    return {
        "git_commit": commit.strip() if commit else "unknown",
        "git_dirty": "unknown" if changed is None else str(bool(changed)).lower(),
    }
