"""Running the checklist: each item's check and cited tests, the summary and the exit code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flight_delay.maturity.items import ITEMS, Item, Status
from flight_delay.maturity.repo import test_functions
from flight_delay.maturity.result import CheckResult, verdict

CLAIMED: tuple[Status, ...] = ("met", "partly")


@dataclass(frozen=True)
class Result:
    item: Item
    status: Status  # the item's, or "not met" when a file it needs is missing
    check: CheckResult


def missing_tests(root: Path, refs: Iterable[str]) -> list[str]:
    """Each `path::function` that is not a test function defined in that file."""
    missing = []
    for ref in refs:
        path, _, name = ref.partition("::")
        if not (root / path).is_file() or name not in test_functions(root / path):
            missing.append(f"no test {ref}")
    return missing


def run_check(check: Callable[[Path], CheckResult], root: Path) -> CheckResult:
    """A check that cannot read what it needs fails, naming it, instead of stopping the list."""
    try:
        return check(root)
    except FileNotFoundError as error:
        missing = Path(error.filename or "?")
        shown = missing.relative_to(root) if missing.is_relative_to(root) else missing
        return CheckResult("fail", f"missing {shown}")
    except Exception as error:  # any error is this item's failure, reported
        return CheckResult("fail", f"{type(error).__name__}: {error}")


def assess(item: Item, root: Path) -> Result:
    """The item's check, failed also when a test the item names no longer exists."""
    missing = [path for path in item.needs if not (root / path).exists()]
    if missing:
        skip = CheckResult("skip", f"not met: missing {', '.join(missing)}")
        return Result(item, "not met", skip)
    check = run_check(item.check, root)
    tests = run_check(lambda r: verdict(missing_tests(r, item.tests), ""), root)
    if tests.outcome == "fail":
        reasons = [check.reason] if check.outcome == "fail" else []
        check = CheckResult("fail", "; ".join([*reasons, tests.reason]))
    return Result(item, item.status, check)


def assess_all(root: Path, items: tuple[Item, ...] = ITEMS) -> tuple[Result, ...]:
    return tuple(assess(item, root) for item in items)


def exit_code(results: Iterable[Result], strict: bool = False) -> int:
    for result in results:
        claimed, outcome = result.status in CLAIMED, result.check.outcome
        if claimed and outcome == "fail":
            return 1
        if strict and ((claimed and outcome == "skip") or outcome == "fail"):
            return 1
    return 0


def summary(results: tuple[Result, ...]) -> dict[str, int]:
    statuses = [r.status for r in results]
    outcomes = [r.check.outcome for r in results]
    return {
        "met": statuses.count("met"),
        "partly": statuses.count("partly"),
        "not met": statuses.count("not met"),
        "passed": outcomes.count("pass"),
        "failed": outcomes.count("fail"),
        "skipped": outcomes.count("skip"),
    }
