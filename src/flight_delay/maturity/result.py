"""What a check returns: pass, fail or skip, with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CheckResult:
    outcome: Literal["pass", "fail", "skip"]
    reason: str


def verdict(problems: list[str], passed: str) -> CheckResult:
    if problems:
        shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if problems[3:] else "")
        return CheckResult("fail", shown)
    return CheckResult("pass", passed)


def not_met(found: list[str], why: str) -> CheckResult:
    """A not-met item's check: skip, unless the missing piece now exists."""
    if found:
        return CheckResult("fail", f"found {', '.join(found)}: the item says not met; review it")
    return CheckResult("skip", f"not met: {why}")
