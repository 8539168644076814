"""The dataset card: reports/dataset-card.{json,md}, written by the `prepare` stage.

Rows and label rate per split and per period, hand-set labels, missing rates and
value ranges per column, and the md5 of every file described (the hashes DVC
records for them), so a reader can tell exactly which data a card is about.
`prepare` builds it from the splits it has in memory (it was a stage of its own,
which read them back from disk in a process of its own: ~2 s a run for 0.4 s of work).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from flight_delay.core.label_overrides import OVERRIDDEN
from flight_delay.core.splits import split_summary

TOP_VALUES = 5
DIGITS = 6


def _rate(values: pd.Series) -> float | None:
    return round(float(values.mean()), DIGITS) if len(values) else None


def _number(value: Any) -> float | int | None:
    """A pandas or numpy scalar as a JSON number (None for a missing one)."""
    if pd.isna(value):
        return None
    return int(value) if float(value).is_integer() else round(float(value), DIGITS)


def column_profile(frame: pd.DataFrame, column: str) -> dict[str, Any]:
    """dtype, missing rate and the range (numeric) or commonest values (others)."""
    values = frame[column]
    profile: dict[str, Any] = {"dtype": str(values.dtype), "missing_rate": _rate(values.isna())}
    present = values.dropna()
    if pd.api.types.is_bool_dtype(values):
        profile["true_rate"] = _rate(present.astype(float))
    elif pd.api.types.is_numeric_dtype(values):
        profile |= {"min": _number(present.min()), "max": _number(present.max()),
                    "mean": _number(present.mean()) if len(present) else None}  # fmt: skip
    elif pd.api.types.is_datetime64_any_dtype(values):
        profile |= {"min": str(present.min()), "max": str(present.max())}
    else:
        counts = present.astype("string").value_counts()
        counts = counts.sort_index().sort_values(ascending=False, kind="stable")
        top = {str(k): int(v) for k, v in counts.head(TOP_VALUES).items()}
        profile |= {"distinct": int(len(counts)), "top": top}
    return profile


@dataclass(frozen=True)
class CardSubject:
    """What the card says the rows are: the dataset, its label and rule, the column the
    split reads and the columns that name a period."""

    dataset: str
    label: str
    rule: str
    split_column: str | None  # an ordered split's column (None: a shuffled split)
    period_columns: tuple[str, ...]
    overrides: str  # the file of hand-set labels (it may not exist yet)


def _part(value: Any) -> str:
    whole = isinstance(value, numbers.Real) and float(value).is_integer()
    return f"{int(value):02d}" if whole else str(value)


def _period(values: tuple[Any, ...]) -> str:
    """A period's name: its values joined by "-", whole numbers two digits wide (2013-01)."""
    return "-".join(_part(v) for v in values)


def by_period(splits: dict[str, pd.DataFrame], subject: CardSubject) -> list[dict[str, Any]]:
    """Rows and label rate per period and split (none when the data has no periods)."""
    rate = f"{subject.label}_rate"
    rows: list[dict[str, Any]] = []
    if not subject.period_columns:
        return rows
    for name, frame in splits.items():
        for values, group in frame.groupby(list(subject.period_columns), sort=True):
            rows.append({"split": name, "period": _period(values), "rows": len(group),
                         rate: _rate(group[subject.label])})  # fmt: skip
    return sorted(rows, key=lambda r: r["period"])


# columns -> each split's rows of those columns (a card is built a few columns at a time)
SplitColumns = Callable[[list[str]], dict[str, pd.DataFrame]]


def build_card(
    splits: dict[str, pd.DataFrame], files: dict[str, str], subject: CardSubject
) -> dict[str, Any]:
    """The card as one JSON-ready mapping. Pure: `files` maps path -> md5."""
    columns = list(next(iter(splits.values())).columns)
    return card_of_columns(columns, lambda names: {n: f[names] for n, f in splits.items()},
                           files, subject)  # fmt: skip


def card_of_columns(
    columns: list[str], read: SplitColumns, files: dict[str, str], subject: CardSubject
) -> dict[str, Any]:
    """The card, reading the splits a few columns at a time (`read`): what the `dask`
    engine's `prepare` does with split tables larger than memory."""
    wanted = [subject.label, *subject.period_columns, subject.split_column, OVERRIDDEN]
    summary = read(sorted({c for c in wanted if c is not None and c in columns}))
    profiles = {}
    for column in sorted(columns):
        splits = read([column])
        everything = pd.concat(list(splits.values()), ignore_index=True)
        profiles[column] = {
            **column_profile(everything, column),
            "missing_rate_by_split": {n: _rate(f[column].isna()) for n, f in splits.items()},
        }
    return {
        "dataset": subject.dataset,
        "label": {"column": subject.label, "rule": subject.rule, "overrides": subject.overrides},
        "files": files,
        "splits": split_summary(summary, subject.label, subject.split_column),
        "split_column": subject.split_column,
        "period_columns": list(subject.period_columns),
        "periods": by_period(summary, subject),
        "columns": profiles,
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def card_markdown(card: dict[str, Any]) -> str:
    label = card["label"]["column"]
    rate = f"{label}_rate"
    period = "-".join(card["period_columns"])
    lines = [
        f"# Dataset card: {card['dataset']}, prepared",
        "",
        "Written by the `prepare` stage (`src/flight_delay/core/datacard.py`) with "
        "`data/prepared/`; do not edit by hand. Definition, hypothesis and known "
        "biases: [docs/data-definition.md](../docs/data-definition.md).",
        "",
        f"**Label** `{label}`: {card['label']['rule']}. "
        f"Hand-set labels come from `{card['label']['overrides']}`.",
        "",
        "## Splits",
        "",
        f"| split | {card.get('split_column') or 'split'} values | rows | {label} | "
        "hand-set labels |",
        "|---|---|---:|---:|---:|",
    ]
    for name, split in card["splits"].items():
        values = ", ".join(map(str, split["values"])) or "(shuffled)"
        lines.append(f"| {name} | {values} | {split['rows']:,} | "
                     f"{_pct(split[rate])} | {split['label_overrides']:,} |")  # fmt: skip
    if card["period_columns"]:
        lines += ["", f"## By {period}", "", f"| {period} | split | rows | {label} |",
                  "|---|---|---:|---:|"]  # fmt: skip
        lines += [f"| {p['period']} | {p['split']} | {p['rows']:,} | {_pct(p[rate])} |"
                  for p in card["periods"]]  # fmt: skip
    lines += ["", "## Columns", "", "| column | dtype | missing | missing by split | range |",
              "|---|---|---:|---|---|"]  # fmt: skip
    for column, profile in card["columns"].items():
        by_split = ", ".join(f"{n} {_pct(r)}" for n, r in profile["missing_rate_by_split"].items())
        lines.append(f"| {column} | {profile['dtype']} | {_pct(profile['missing_rate'])} | "
                     f"{by_split} | {_range(profile)} |")  # fmt: skip
    lines += ["", "## Files (md5, as DVC records them)", "", "| file | md5 |", "|---|---|"]
    lines += [f"| `{path}` | `{md5}` |" for path, md5 in card["files"].items()]
    return "\n".join(lines) + "\n"


def _range(profile: dict[str, Any]) -> str:
    if "top" in profile:
        top = ", ".join(f"{k} ({v:,})" for k, v in profile["top"].items())
        return f"{profile['distinct']:,} values; top: {top}"
    if "true_rate" in profile:
        return f"true {_pct(profile['true_rate'])}"
    if "min" in profile:
        return f"{profile['min']} … {profile['max']}"
    return ""
