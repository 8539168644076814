"""The report: a fixed-width table per level, the gaps and a summary line; or JSON."""

from __future__ import annotations

import textwrap

from flight_delay.maturity.assess import Result, exit_code, summary
from flight_delay.maturity.items import LEVELS


def summary_line(results: tuple[Result, ...]) -> str:
    s = summary(results)
    return (
        f"maturity: {s['met']} met, {s['partly']} partly, {s['not met']} not met; "
        f"checks: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped"
    )


COLUMNS = (("status", 7), ("item", 28), ("check", 60))
WIDTH = 101  # the evidence line under each row


def table_rows(result: Result) -> list[str]:
    """One item as lines of the fixed-width table, its evidence on lines of its own."""
    check = f"{result.check.outcome.upper()}: {result.check.reason}"
    cells: list[list[str]] = [
        [result.status],
        textwrap.wrap(result.item.title, COLUMNS[1][1]),
        textwrap.wrap(check, COLUMNS[2][1], break_on_hyphens=False),
    ]
    lines = []
    for row in range(max(map(len, cells))):
        parts = [
            (c[row] if row < len(c) else "").ljust(w)
            for c, (_, w) in zip(cells, COLUMNS, strict=True)
        ]
        lines.append(("  " + "  ".join(parts)).rstrip())
    indent = " " * (2 + COLUMNS[0][1] + 2)
    evidence = result.item.evidence + result.item.tests
    return lines + wrap_entries(evidence, indent + "evidence: ", WIDTH)


def wrap_entries(entries: tuple[str, ...], first: str, width: int) -> list[str]:
    """Entries joined by '; ', wrapped between entries (a test's name is never cut)."""
    lines = [first]
    for entry in entries:
        if lines[-1] != first and len(lines[-1]) + 2 + len(entry) > width:
            lines[-1] += ";"
            lines.append(" " * len(first) + entry)
        else:
            lines[-1] += ("" if lines[-1] == first else "; ") + entry
    return lines


def render(results: tuple[Result, ...]) -> str:
    """Every level 0-4 with its items, then the items not fully met, then the summary."""
    out = []
    header = ("  " + "  ".join(name.ljust(w) for name, w in COLUMNS)).rstrip()
    for level in LEVELS:
        out += ["", f"Level {level.number}: {level.name}"]
        out += textwrap.wrap(
            level.summary, 100, initial_indent="  Microsoft: ", subsequent_indent="  "
        )
        in_level = [r for r in results if r.item.level == level.number]
        if not in_level:
            out.append("  (no items)")
            continue
        out += [header, "  " + "-" * (WIDTH - 2)]
        for result in in_level:
            out += table_rows(result)
    gaps = [r for r in results if r.status != "met"]
    if gaps:
        out += ["", "Not met or partly, and what it would take:"]
        for result in gaps:
            text = result.item.gap or result.check.reason
            out += textwrap.wrap(
                f"[{result.status}] {result.item.title} (level {result.item.level}): {text}",
                100,
                subsequent_indent="    ",
            )
    return "\n".join([*out, "", summary_line(results)]).lstrip("\n") + "\n"


def as_json(results: tuple[Result, ...], strict: bool = False) -> dict:
    def item(result: Result) -> dict:
        it = result.item
        return {
            "key": it.key,
            "title": it.title,
            "status": result.status,
            "status_by_design": it.status,
            "basis": it.basis,
            "evidence": list(it.evidence),
            "tests": list(it.tests),
            "gap": it.gap,
            "check": {"outcome": result.check.outcome, "reason": result.check.reason},
        }

    levels = [
        {
            "level": lv.number,
            "name": lv.name,
            "summary": lv.summary,
            "items": [item(r) for r in results if r.item.level == lv.number],
        }
        for lv in LEVELS
    ]
    return {"levels": levels, "summary": summary(results), "exit_code": exit_code(results, strict)}
