"""post_report with a stand-in `cml` on PATH that records its arguments and the body."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from flight_delay.pr.comment import WATERMARK

REPORT = """# Model report

| metric | base | PR |
|---|---:|---:|
| roc_auc | 0.7000 | 0.7100 |

![ROC curve](roc.png)
![Calibration](calibration.png)
"""

STAND_IN = """#!{python}
import json, os, pathlib, sys
log = pathlib.Path(os.environ["CML_CALLS"])
calls = json.loads(log.read_text()) if log.exists() else []
calls.append({{"argv": sys.argv[1:], "body": pathlib.Path(sys.argv[-1]).read_text()}})
log.write_text(json.dumps(calls))
if os.environ.get("CML_FAIL"):  # CML logs errors as JSON lines when stderr is not a TTY
    error = {{"level": "error", "message": "Resource not accessible by integration",
              "stack": "HttpError: Resource not accessible by integration\\n    at ..."}}
    print(json.dumps(error), file=sys.stderr)
    sys.exit(1)
"""


@pytest.fixture
def workspace(tmp_path):
    report = tmp_path / "reports/pr/report.md"
    report.parent.mkdir(parents=True)
    report.write_text(REPORT)
    (report.parent / "roc.png").write_bytes(b"\x89PNG")
    tools = tmp_path / "bin"
    tools.mkdir()
    cml = tools / "cml"
    cml.write_text(STAND_IN.format(python=sys.executable))
    cml.chmod(cml.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def post(
    root: Path, *flags: str, with_cml: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(root / "bin")] * with_cml + ["/usr/bin", "/bin"])
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CML_"))}
    summary = {"GITHUB_STEP_SUMMARY": str(root / "summary.md")}
    return subprocess.run(
        [sys.executable, "-m", "flight_delay.pr.post_report", *flags],
        cwd=root, capture_output=True, text=True,
        env=base | {"PATH": path, "CML_CALLS": str(root / "calls.json")} | summary | env,
    )  # fmt: skip


def calls(root: Path) -> list[dict]:
    log = root / "calls.json"
    return json.loads(log.read_text()) if log.exists() else []


def test_posts_one_sticky_comment_without_publishing_images(workspace):
    done = post(workspace)
    assert done.returncode == 0, done.stderr
    [call] = calls(workspace)
    argv = call["argv"]
    assert argv[:2] == ["comment", "update"]  # update = edit the watermarked comment
    assert "--target=pr" in argv and f"--watermark-title={WATERMARK}" in argv
    assert "--no-publish" in argv and "--publish" not in argv
    assert Path(argv[-1]) == Path("reports/pr/comment.md")  # beside the images
    assert "| roc_auc | 0.7000 | 0.7100 |" in call["body"]
    assert "![" not in call["body"]
    assert "- ROC curve: `roc.png` in the workflow artifact `pr-report`" in call["body"]
    assert "PR comment created or updated" in done.stdout


def test_every_push_updates_the_same_comment(workspace):
    post(workspace)
    post(workspace)
    first, second = calls(workspace)
    assert first["argv"] == second["argv"] and first["argv"][1] == "update"


def test_opting_in_publishes_the_images(workspace):
    post(workspace, "--publish-images")
    [call] = calls(workspace)
    assert "--publish" in call["argv"] and "![ROC curve](roc.png)" in call["body"]


def test_the_report_always_reaches_the_job_summary(workspace):
    post(workspace)
    summary = (workspace / "summary.md").read_text()
    assert "| roc_auc | 0.7000 | 0.7100 |" in summary and "![" not in summary


def test_a_failing_cml_warns_and_keeps_the_report(workspace):
    done = post(workspace, CML_FAIL="1", GITHUB_ACTIONS="true")
    assert done.returncode == 0
    assert len(calls(workspace)) == 1
    warning = "::warning title=PR report not posted::cml exited with 1: Resource not accessible"
    assert warning in done.stdout
    assert "| roc_auc |" in (workspace / "summary.md").read_text()
    assert (workspace / "reports/pr/report.md").read_text() == REPORT


def test_without_cml_the_summary_still_gets_the_report(workspace):
    done = post(workspace, with_cml=False)
    assert done.returncode == 0
    assert "cml is not installed" in done.stdout
    assert "| roc_auc |" in (workspace / "summary.md").read_text()


def test_a_missing_report_is_a_clear_error(workspace):
    (workspace / "reports/pr/report.md").unlink()
    done = post(workspace)
    assert done.returncode == 1
    assert "reports/pr/report.md not found; run `make report` first" in done.stderr
    assert calls(workspace) == []


def test_a_report_too_long_for_a_comment_is_cut_with_a_pointer(workspace):
    long_report = REPORT + "".join(f"- line {i}\n" for i in range(10_000))
    (workspace / "reports/pr/report.md").write_text(long_report)
    post(workspace)
    [call] = calls(workspace)
    assert len(call["body"]) <= 60_100
    assert call["body"].rstrip().endswith("the whole report is in the artifact `pr-report`.")
    assert "- line 9999" in (workspace / "summary.md").read_text()
