"""`make release` (the deploy step) with a stand-in `gh` on PATH that records its arguments."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN

STAND_IN = """#!{python}
import json, os, pathlib, sys
pathlib.Path(os.environ["GH_CALLS"]).write_text(json.dumps(sys.argv[1:]))
sys.exit(int(os.environ.get("GH_EXIT", "0")))
"""
TAG = "flight-delay#prod#3"


RECORD = {"artifact": "flight-delay", "stage": "prod", "version": "v1.0.0"}


def git(root: Path, *args: str, **extra: str) -> None:
    subprocess.run(args, cwd=root, check=True, capture_output=True, env=env(root, **extra))


def env(root: Path, **extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(root / "bin"), str(VENV_BIN), "/usr/bin", "/bin"])
    names = {f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER")
             for what, value in (("NAME", "t"), ("EMAIL", "t@example.invalid"))}  # fmt: skip
    return {"PATH": path, "GH_CALLS": str(root / "calls.json"), **names, **extra}


@pytest.fixture
def workspace(tmp_path):
    """A repo whose tags put v1.0.0 in prod, and what `make promote` wrote for it."""
    folder = tmp_path / "reports/promotion/flight-delay_prod_3"
    folder.mkdir(parents=True)
    for name in ("model.skops", "model-card.md"):
        (folder / name).write_text(name)
    (folder / "deployment.json").write_text(json.dumps(RECORD))
    git(tmp_path, "git", "init", "-q")
    git(tmp_path, "git", "commit", "-q", "--allow-empty", "-m", "model")
    git(tmp_path, "gto", "register", "flight-delay", "HEAD", "--version", "v1.0.0")
    git(tmp_path, "gto", "assign", "flight-delay", "--version", "v1.0.0", "--stage", "prod")
    gh = tmp_path / "bin/gh"
    gh.parent.mkdir()
    gh.write_text(STAND_IN.format(python=sys.executable))
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def release(root: Path, tag: str = TAG, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flight_delay.registry.release", tag],
        cwd=root, capture_output=True, text=True, env=env(root, **extra),
    )  # fmt: skip


def test_release_publishes_the_three_files_with_the_card_as_notes(workspace):
    done = release(workspace)
    assert done.returncode == 0, done.stderr
    argv = json.loads((workspace / "calls.json").read_text())
    folder = "reports/promotion/flight-delay_prod_3"
    assert argv[:3] == ["release", "create", TAG]
    assert argv[3:6] == [
        f"{folder}/{n}" for n in ("model.skops", "model-card.md", "deployment.json")
    ]
    assert argv[argv.index("--notes-file") + 1] == f"{folder}/model-card.md"
    assert "--verify-tag" in argv  # never creates a tag that promote did not see
    assert f"release: published {TAG}" in done.stdout


def test_release_without_promote_output_names_the_missing_files(workspace):
    (workspace / "reports/promotion/flight-delay_prod_3/model-card.md").unlink()
    done = release(workspace)
    assert done.returncode == 1
    assert "model-card.md'] not found; `make promote TAG='flight-delay#prod#3'`" in done.stderr
    assert not (workspace / "calls.json").exists()


def test_a_failing_gh_fails_the_step(workspace):
    done = release(workspace, GH_EXIT="1")
    assert done.returncode == 1 and f"gh release create {TAG} failed" in done.stderr


def test_release_needs_a_tag(workspace):
    done = release(workspace, tag="")
    assert done.returncode == 1 and "which tag?" in done.stderr


def test_a_deploy_that_the_tags_have_superseded_is_refused(workspace):
    # GTO orders events by the tagger's time, to the second, and `gto` stamps its tags
    # with the clock (it ignores GIT_COMMITTER_DATE): tag with git, dated later, so that
    # the newer assignment cannot share a second with the fixture's
    later = {"GIT_COMMITTER_DATE": "2030-01-01T00:00:00+00:00"}
    git(workspace, "git", "commit", "-q", "--allow-empty", "-m", "a newer model", **later)
    for tag in ("flight-delay@v1.1.0", "flight-delay#prod#2"):
        git(workspace, "git", "tag", "-a", tag, "-m", tag, **later)
    done = release(workspace)
    assert done.returncode == 1
    assert "not deploying flight-delay#prod#3: the tags now put v1.1.0 in prod, not v1.0.0" in (
        done.stderr
    )
    assert not (workspace / "calls.json").exists()
