"""`make post-report`: put the PR report where reviewers see it, and never lose it.

1. Append it to the job summary when `GITHUB_STEP_SUMMARY` is set.
2. Post it as one sticky PR comment with CML: `cml comment update` with a fixed
   watermark creates the comment on the first push and edits it on later ones.

Images stay in the workflow artifact unless the repository opts in with
`CML_PUBLISH_IMAGES=true` (CML then uploads them to its public asset host), so
by default the comment and the summary carry the tables only. When CML is
missing or fails (a fork's read-only token gets 403) this warns and exits 0:
the report is still in the job summary and the artifact.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from flight_delay.io import write_text
from flight_delay.paths import PR_REPORT_DIR

WATERMARK = "flight-delay model report"
ARTIFACT = "pr-report"  # the name the workflow uploads reports/pr under
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+\.png)\)")
MAX_COMMENT = 60_000  # GitHub refuses comments over 65,536 characters


def text_only(report: str) -> str:
    """The report with each image replaced by a pointer to the workflow artifact."""
    return IMAGE.sub(rf"- \1: `\2` in the workflow artifact `{ARTIFACT}`", report)


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


def append_summary(text: str) -> bool:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return False
    with open(summary, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=PR_REPORT_DIR / "report.md")
    args = parser.parse_args(argv)
    if not args.report.is_file():
        sys.exit(f"post-report: {args.report} not found; run `make report` first")
    report = args.report.read_text(encoding="utf-8")
    publish = os.environ.get("CML_PUBLISH_IMAGES", "").lower() == "true"
    body = args.report.with_name("comment.md")  # beside the images: CML resolves them from here
    write_text(fit_comment(report if publish else text_only(report)), body)
    if append_summary(text_only(report)):
        print("post-report: report added to the job summary")
    problem = post_comment(body, publish)
    if problem is None:
        print("post-report: PR comment created or updated")
    else:  # a warning, not a failure: the report is in the summary and the artifact
        if os.environ.get("GITHUB_ACTIONS") == "true":
            print(f"::warning title=PR report not posted::{problem}")
        print(f"post-report: not posted as a comment ({problem}); the report is {args.report}")


if __name__ == "__main__":
    main()
