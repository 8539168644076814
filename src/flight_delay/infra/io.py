"""File I/O: atomic, deterministic writes (nothing half-written at a final path) and the
content hashes DVC records."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is slow to import; commands that write no parquet skip it
    import pandas as pd


def replace_table(staged: Path, target: Path) -> None:
    """`staged` takes `target`'s place (a file or a folder); the old one is put back if
    the move fails, and removed after it succeeds. A file over a file (or nothing) is one
    atomic rename."""
    if not target.is_dir() and not staged.is_dir():
        os.replace(staged, target)
        return
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(staged, target)
    except BaseException:
        if old.exists():
            os.replace(old, target)
        raise
    if old.is_dir():
        shutil.rmtree(old)
    elif old.exists():
        old.unlink()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside `target`; rename it over `target` only on success (also
    over a folder of parts the `dask` engine wrote there)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o644)  # mkstemp creates 0600; outputs are ordinary shared files
    try:
        yield tmp
        replace_table(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_with(target: Path, writer: Callable[[Path], Any]) -> None:
    with atomic_path(target) as tmp:
        writer(tmp)


def write_parquet(frame: pd.DataFrame, target: Path, row_group_rows: int | None = None) -> None:
    """`row_group_rows`: rows per row group, the partitions the `dask` engine's tasks read
    (None: pyarrow's default, one group up to a million rows)."""
    write_with(target, lambda tmp: frame.to_parquet(tmp, index=False, compression="zstd",
                                                    row_group_size=row_group_rows))  # fmt: skip


def write_csv(frame: pd.DataFrame, target: Path) -> None:
    """CSV with `\n` line ends and no index: the same frame always gives the same bytes."""
    write_with(target, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_json(payload: Any, target: Path) -> None:
    text = json.dumps(payload, indent=2, sort_keys=True, allow_nan=False) + "\n"
    write_with(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_text(text: str, target: Path) -> None:
    write_with(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def file_md5(path: Path) -> str:
    """The md5 DVC 3 records for a file (plain md5 of its bytes)."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dir_md5(path: Path) -> str:
    """The md5 DVC 3 records for a folder of code (`<md5>.dir`): the md5 of the JSON list of
    its files' md5s and relative paths, sorted, leaving out what this repo's .dvcignore
    ignores (`__pycache__/`, `*.pyc`)."""
    entries = [
        {"md5": file_md5(file), "relpath": file.relative_to(path).as_posix()}
        for file in path.rglob("*")
        if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc"
    ]
    listing = json.dumps(sorted(entries, key=lambda e: e["relpath"]), sort_keys=True)
    return hashlib.md5(listing.encode("utf-8")).hexdigest() + ".dir"


def path_md5(path: Path) -> str:
    """What DVC records for a file or a folder (file_md5, dir_md5)."""
    return dir_md5(path) if path.is_dir() else file_md5(path)
