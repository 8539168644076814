"""`make post-report`: put the PR report where reviewers see it, and never lose it.

1. Append it to the job summary when `GITHUB_STEP_SUMMARY` is set.
2. Post it as one sticky PR comment with CML: `cml comment update` with a fixed
   watermark creates the comment on the first push and edits it on later ones.

Images stay in the workflow artifact unless the repository opts in with
`--publish-images` (`make post-report PUBLISH_IMAGES=true`; CML then uploads them to
its public asset host), so by default the comment and the summary carry the tables
only. When CML is missing or fails (a fork's read-only token gets 403) this warns and
exits 0: the report is still in the job summary and the artifact.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flight_delay.infra.github import annotate, append_summary
from flight_delay.infra.io import write_text
from flight_delay.infra.paths import PR_REPORT
from flight_delay.pr.comment import fit_comment, post_comment, text_only


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=PR_REPORT)
    parser.add_argument("--publish-images", action="store_true",
                        help="let CML upload the images to its public asset host")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.report.is_file():
        sys.exit(f"post-report: {args.report} not found; run `make report` first")
    report = args.report.read_text(encoding="utf-8")
    publish = args.publish_images
    body = args.report.with_name("comment.md")  # beside the images: CML resolves them from here
    write_text(fit_comment(report if publish else text_only(report)), body)
    if append_summary(text_only(report)):
        print("post-report: report added to the job summary")
    problem = post_comment(body, publish)
    if problem is None:
        print("post-report: PR comment created or updated")
    else:  # a warning, not a failure: the report is in the summary and the artifact
        annotate("warning", "PR report not posted", problem)
        print(f"post-report: not posted as a comment ({problem}); the report is {args.report}")


if __name__ == "__main__":
    main()
