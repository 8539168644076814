"""The model file of a tagged commit: fetched from DVC, or rebuilt, and checked against
that commit's dvc.lock.

`dvc artifacts get` takes it from the cache or the remote; when neither has it, the
commit is checked out in a temporary git worktree and `dvc repro train` rebuilds it
(the pipeline is deterministic, so the hash must match the lock).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flight_delay.io import file_md5
from flight_delay.paths import MODEL_FILE
from flight_delay.registry import RegistryError, TagEvent

# Withheld from the candidate's code when it is rebuilt (DVC remote keys, MLflow credentials).
SECRET_PREFIXES = ("AWS_", "MLFLOW_", "DVC_REMOTE", "GITHUB_TOKEN", "GH_TOKEN")


@dataclass(frozen=True)
class Lineage:
    """What a model version was made from, as that commit's dvc.lock records it."""

    commit: str
    model_md5: str
    params_md5: str  # md5 of the train stage's params (canonical JSON)
    data_md5: str  # md5 of the training data file (or of the list of them)
    data_files: dict[str, str]  # path -> md5 of every data file `train` reads

    def as_tags(self) -> dict[str, str]:
        return {
            "git_commit": self.commit,
            "model_md5": self.model_md5,
            "params_md5": self.params_md5,
            "data_md5": self.data_md5,
            **{f"dvc_md5:{path}": md5 for path, md5 in self.data_files.items()},
        }


def _md5_text(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def lineage_from_lock(lock: dict, commit: str) -> Lineage:
    train = (lock.get("stages") or {}).get("train") or {}
    model = [o["md5"] for o in train.get("outs", []) if o.get("path") == MODEL_FILE.as_posix()]
    if not model:
        raise RegistryError(f"dvc.lock at {commit[:12]} records no {MODEL_FILE} (stage train)")
    params = (train.get("params") or {}).get("params.yaml") or {}
    data = {d["path"]: d["md5"] for d in train.get("deps", []) if d["path"].startswith("data/")}
    listing = "\n".join(f"{path} {md5}" for path, md5 in sorted(data.items()))
    return Lineage(
        commit=commit,
        model_md5=model[0],
        params_md5=_md5_text(json.dumps(params, sort_keys=True)),
        data_md5=next(iter(data.values())) if len(data) == 1 else _md5_text(listing),
        data_files=dict(sorted(data.items())),
    )


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


def fetch_from_dvc(event: TagEvent, dest: Path, root: Path, remote: str | None) -> bool:
    """`dvc artifacts get . NAME --rev VERSION` (local cache first, then the remote)."""
    args = ["dvc", "artifacts", "get", ".", event.artifact, "--rev", event.version]
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
            raise RegistryError(f"cannot check out {commit[:12]}: {added.stderr.strip()}")
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
                raise RegistryError(f"dvc repro at {commit[:12]} failed: {' '.join(tail)}")
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


def obtain_model(event: TagEvent, lineage: Lineage, dest: Path, root: Path) -> str:
    """Put the version's model file at `dest`, verified; returns how it was obtained."""
    if from_local_cache(lineage.model_md5, dest, root) and file_md5(dest) == lineage.model_md5:
        return "copied from the DVC cache"
    how = "fetched with dvc artifacts get"
    remote = os.environ.get("DVC_REMOTE") or None
    if not fetch_from_dvc(event, dest, root, remote) or file_md5(dest) != lineage.model_md5:
        how = "rebuilt with dvc repro (not in the DVC cache or remote with the locked hash)"
        rebuild(event.commit, dest, root)
    found = file_md5(dest)
    if found != lineage.model_md5:
        dest.unlink()
        raise RegistryError(
            f"the model rebuilt from {event.commit[:12]} has md5 {found}, but that commit's "
            f"dvc.lock records {lineage.model_md5}; refusing an unverifiable model"
        )
    return how
