"""`make push` / `make pull`: DVC push and pull against the remote `--remote` names
(`make push DVC_REMOTE=team`: the team's S3 remote) or the default one, with clear errors.

The `team` remote has `verify = true`: DVC checks every object it downloads against its
hash and drops one that does not match. DVC then only says the checkout failed; this
names the corrupt objects and the outputs they belong to.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from flight_delay.infra.dvc_lock import all_outs, read_lock
from flight_delay.infra.git import git_output

CORRUPT = re.compile(r"corrupted cache file '[^']*?files/md5/([0-9a-f]{2})/([0-9a-f]{30}[^']*)'")


def outputs_by_hash(root: Path) -> dict[str, str]:
    """md5 -> path of every output dvc.lock records (and every .dvc file's)."""
    found: dict[str, str] = {}
    outs = all_outs(read_lock(root / "dvc.lock"))
    listed = git_output("ls-files", "-z", "--", "*.dvc", root=root) or ""
    for name in filter(None, listed.split("\0")):  # `dvc add`ed data; paths relative to the file
        folder = Path(name).parent
        for out in (yaml.safe_load((root / name).read_text()) or {}).get("outs", []):
            outs.append(out | {"path": (folder / out["path"]).as_posix()})
    for out in outs:
        found[out["md5"]] = out["path"]
        if out["md5"].endswith(".dir"):  # a folder: its listing names the files inside
            listing = root / ".dvc/cache/files/md5" / out["md5"][:2] / out["md5"][2:]
            if listing.exists():
                for entry in json.loads(listing.read_text()):
                    found[entry["md5"]] = f"{out['path']}/{entry['relpath']}"
    return found


def corrupt_objects(log: str) -> list[str]:
    return sorted({first + rest for first, rest in CORRUPT.findall(log)})


def explain_corruption(hashes: list[str], remote: str, root: Path) -> str:
    paths = outputs_by_hash(root)
    named = ", ".join(f"{paths.get(h, 'an object')} (md5 {h})" for h in hashes)
    return (
        f"pull: {len(hashes)} object(s) in remote '{remote}' do not match their hash "
        f"(corrupt in the remote): {named}. Nothing corrupt was checked out. Push them "
        f"again from a clone whose cache has them (make push), or rebuild with dvc repro."
    )


def dvc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["dvc", *args], capture_output=True, text=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flight_delay.team.remote",
                                     description=__doc__)  # fmt: skip
    parser.add_argument("action", choices=["push", "pull"])
    parser.add_argument("--remote", help="a remote in .dvc/config (default: the default remote)")
    args = parser.parse_args(argv)
    chosen = ["--remote", args.remote] if args.remote else []
    # push the run cache too, so that CI restores unchanged stages
    extra = ["--run-cache"] if args.action == "push" else []
    done = dvc(args.action, *chosen, *extra)
    print((done.stdout + done.stderr).rstrip(), file=sys.stderr)
    if done.returncode == 0:
        return
    # DVC logs a dropped object only at debug level: fetch again, verbosely, to name them
    diagnosed = dvc("fetch", *chosen, "--verbose") if args.action == "pull" else done
    hashes = corrupt_objects(diagnosed.stdout + diagnosed.stderr)
    if hashes:
        sys.exit(explain_corruption(hashes, args.remote or "default", Path.cwd()))
    sys.exit(f"{args.action}: dvc {args.action} failed ({done.returncode}); see above")


if __name__ == "__main__":
    main()
