"""What a command tells GitHub Actions when it runs there: step outputs, job-summary text,
and annotations on the checks page. Outside Actions each is a no-op (or returns False)."""

from __future__ import annotations

import os
import re

PR_REPORT_ARTIFACT = "pr-report"  # the name the workflows upload reports/pr under
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+\.png)\)")


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def annotate(level: str, title: str, message: str) -> None:
    """An `::error` or `::warning` line: GitHub shows it on the run's checks page."""
    if in_actions():
        print(f"::{level} title={title}::{message}", flush=True)


def set_outputs(**values: str) -> None:
    """Step outputs (`steps.<id>.outputs.<key>`), appended to $GITHUB_OUTPUT."""
    if path := os.environ.get("GITHUB_OUTPUT"):
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{key}={value}\n" for key, value in values.items())


def without_images(markdown: str, artifact: str = PR_REPORT_ARTIFACT) -> str:
    """Markdown with each PNG image replaced by a pointer to the workflow artifact (a
    comment or a job summary cannot show the run's local files)."""
    return _IMAGE.sub(rf"- \1: `\2` in the workflow artifact `{artifact}`", markdown)


def append_summary(text: str) -> bool:
    """Markdown appended to the job summary; False when there is no summary to write."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return False
    with open(summary, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return True
