"""The PR report as a comment: images replaced by pointers to the workflow artifact, cut
to fit GitHub's limit, posted (created or updated) with CML under a fixed watermark."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from flight_delay.infra.github import PR_REPORT_ARTIFACT as ARTIFACT
from flight_delay.infra.github import without_images

WATERMARK = "flight-delay model report"
MAX_COMMENT = 60_000  # GitHub refuses comments over 65,536 characters


def text_only(report: str) -> str:
    """The report with each image replaced by a pointer to the workflow artifact."""
    return without_images(report, ARTIFACT)


def fit_comment(text: str) -> str:
    if len(text) <= MAX_COMMENT:
        return text
    cut = text[:MAX_COMMENT].rsplit("\n", 1)[0]
    return f"{cut}\n\n... cut to fit a comment; the whole report is in the artifact `{ARTIFACT}`.\n"


def last_message(output: str) -> str:
    """CML's last log line; without a TTY it logs JSON objects with a `message`."""
    lines = output.strip().splitlines()
    if not lines:
        return "no message"
    try:
        logged = json.loads(lines[-1])
    except json.JSONDecodeError:
        return lines[-1]
    return str(logged.get("message", lines[-1])) if isinstance(logged, dict) else lines[-1]


def cml_command(body: Path, publish: bool) -> list[str]:
    return [
        "cml", "comment", "update", "--target=pr", f"--watermark-title={WATERMARK}",
        "--publish" if publish else "--no-publish", str(body),
    ]  # fmt: skip


def post_comment(body: Path, publish: bool) -> str | None:
    """Run CML; None when the comment was posted, else why not."""
    try:
        done = subprocess.run(cml_command(body, publish), capture_output=True, text=True)
    except FileNotFoundError:
        return "cml is not installed (make install-cml)"
    if done.returncode != 0:
        return f"cml exited with {done.returncode}: {last_message(done.stderr or done.stdout)}"
    return None
