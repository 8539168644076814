"""The model file of a commit (a registered version): fetched from DVC, or rebuilt, and
checked against the md5 that commit's dvc.lock records.

`dvc artifacts get` takes it from the cache or the remote; when neither has it, the
commit is checked out in a temporary git worktree and `dvc repro train` rebuilds it
(the pipeline is deterministic, so the hash must match the lock).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from flight_delay.infra.io import file_md5
from flight_delay.infra.paths import MODEL_FILE
from flight_delay.revisions.model_lineage import Lineage
from flight_delay.revisions.recorded_outputs import RevisionError

# Withheld from the candidate's code when it is rebuilt (DVC remote keys, MLflow credentials).
SECRET_PREFIXES = ("AWS_", "MLFLOW_", "DVC_REMOTE", "GITHUB_TOKEN", "GH_TOKEN")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


def fetch_from_dvc(artifact: str, version: str, dest: Path, root: Path, remote: str | None) -> bool:
    """`dvc artifacts get . NAME --rev VERSION` (local cache first, then the remote)."""
    args = ["dvc", "artifacts", "get", ".", artifact, "--rev", version]
    args += ["-o", str(dest), "--force", *(["--remote", remote] if remote else [])]
    return _run(args, root).returncode == 0 and dest.is_file()


def rebuild(commit: str, dest: Path, root: Path) -> None:
    """`dvc repro train` in a worktree of `commit`, with that commit's code, sharing the
    cache (so the rebuilt outputs land in it). That code is the candidate's: it runs
    without credentials, tracking into a throwaway store (only the verified file counts)."""
    cache = _run(["dvc", "cache", "dir"], root).stdout.strip() or str(root / ".dvc/cache")
    with tempfile.TemporaryDirectory(prefix="promote-") as scratch:
        tree = Path(scratch) / "tree"
        added = _run(["git", "worktree", "add", "--detach", str(tree), commit], root)
        if added.returncode != 0:
            raise RevisionError(f"cannot check out {commit[:12]}: {added.stderr.strip()}")
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(SECRET_PREFIXES)}
            env |= {
                "PYTHONPATH": str(tree / "src"),  # the tagged commit's code, not this checkout's
                "MLFLOW_TRACKING_URI": f"sqlite:///{Path(scratch) / 'mlflow.db'}",
            }
            _run(["dvc", "cache", "dir", "--local", cache], tree)
            built = _run(["dvc", "repro", "train"], tree, env)
            if built.returncode != 0:
                tail = (built.stderr or built.stdout).strip().splitlines()[-3:]
                raise RevisionError(f"dvc repro at {commit[:12]} failed: {' '.join(tail)}")
            shutil.copyfile(tree / MODEL_FILE, dest)
        finally:
            _run(["git", "worktree", "remove", "--force", str(tree)], root)


def from_local_cache(md5: str, dest: Path, root: Path) -> bool:
    """Copy the object from the repo's DVC cache (default location) when it is there."""
    cached = root / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
    if not cached.is_file():
        return False
    shutil.copyfile(cached, dest)
    return True


def obtain_model(
    artifact: str, version: str, lineage: Lineage, dest: Path, root: Path,
    remote: str | None = None,
) -> str:  # fmt: skip
    """Put the model file of `artifact` `version` (at commit `lineage.commit`) at `dest`,
    verified; returns how it was obtained. `remote`: the DVC remote to fetch from
    (default: the repository's default remote)."""
    if from_local_cache(lineage.model_md5, dest, root) and file_md5(dest) == lineage.model_md5:
        return "copied from the DVC cache"
    how = "fetched with dvc artifacts get"
    fetched = fetch_from_dvc(artifact, version, dest, root, remote)
    if not fetched or file_md5(dest) != lineage.model_md5:
        how = "rebuilt with dvc repro (not in the DVC cache or remote with the locked hash)"
        rebuild(lineage.commit, dest, root)
    found = file_md5(dest)
    if found != lineage.model_md5:
        dest.unlink()
        raise RevisionError(
            f"the model rebuilt from {lineage.commit[:12]} has md5 {found}, but that commit's "
            f"dvc.lock records {lineage.model_md5}; refusing an unverifiable model"
        )
    return how
