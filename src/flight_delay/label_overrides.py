"""Labels corrected by a person: read, check and apply `data/labels/overrides.csv`.

The label is a rule (`conf/label`); a reviewer may still decide that a flight's
rule-made label is wrong. Each row of the overrides file names one flight by its
natural key and the label it should have. The file is small, committed to git
(reviewable in a pull request) and a dependency of `prepare` in dvc.yaml, so
DVC records its hash and a change re-runs `prepare` and everything after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# The natural key of a flight (unique in the flights schema) and what a reviewer writes.
FLIGHT_KEY = ["year", "month", "day", "carrier", "flight", "origin"]
OVERRIDE_COLUMNS = [*FLIGHT_KEY, "delayed", "reviewer", "reason"]
OVERRIDDEN = "label_overridden"  # column in the prepared data: True where a person set the label
SHOWN = 5  # offending rows named in an error


class OverrideError(ValueError):
    """The overrides file is malformed or names flights that do not exist."""


@dataclass(frozen=True)
class OverrideSummary:
    listed: int  # rows in the file
    applied: int  # rows whose flight is in the labelled data
    changed: int  # of those, labels that differ from the rule's
    outside_data: int  # flights in months the data does not hold (data.months)
    not_labelled: int  # flights the label rule dropped (cancelled, `cancelled: drop`)

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.__dict__.items()))


def _rows(mask: pd.Series) -> str:
    lines = [int(i) + 2 for i in mask[mask].index[:SHOWN]]  # +2: header line, 1-based lines
    more = f" and {int(mask.sum()) - SHOWN} more" if mask.sum() > SHOWN else ""
    return f"line(s) {lines}{more}"


def check_overrides(frame: pd.DataFrame, origin: str = "overrides") -> pd.DataFrame:
    """The overrides with typed key columns and `delayed` as int8, or OverrideError.

    Errors name file lines from the frame's index (row 0 is line 2, under the header)."""
    if list(frame.columns) != OVERRIDE_COLUMNS:
        raise OverrideError(
            f"{origin}: columns must be {OVERRIDE_COLUMNS}, found {list(frame.columns)}"
        )
    problems = []
    for column in ("year", "month", "day", "flight", "delayed"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() | (numbers != numbers.round())
        if column == "delayed":
            bad |= ~numbers.isin([0, 1])
        if bad.any():
            rule = "0 or 1" if column == "delayed" else "a whole number"
            problems.append(f"{column} must be {rule} ({_rows(bad)})")
    for column in ("carrier", "origin"):
        blank = frame[column].isna() | (frame[column].astype("string").str.strip() == "")
        if blank.any():
            problems.append(f"{column} is empty ({_rows(blank)})")
    if problems:
        raise OverrideError(f"{origin}: " + "; ".join(problems))
    typed = frame.astype({c: "int64" for c in ("year", "month", "day", "flight")}).astype(
        {"delayed": "int8", "carrier": "string", "origin": "string"}
    )
    duplicated = typed.duplicated(FLIGHT_KEY, keep=False)
    if duplicated.any():
        raise OverrideError(f"{origin}: a flight is listed twice ({_rows(duplicated)})")
    return typed.reset_index(drop=True)


def read_overrides(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise OverrideError(f"{path}: not found (an empty file has the header line only)")
    frame = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
    return check_overrides(frame, origin=str(path))


def _matches(frame: pd.DataFrame, overrides: pd.DataFrame) -> pd.Series:
    keys = frame[FLIGHT_KEY].astype({"carrier": "string", "origin": "string"})
    found = overrides[FLIGHT_KEY].merge(keys.assign(_found=True), on=FLIGHT_KEY, how="left")
    return found["_found"].fillna(False).astype(bool)


def check_known_flights(
    overrides: pd.DataFrame, flights: pd.DataFrame, origin: str = "label overrides"
) -> tuple[pd.Series, pd.Series]:
    """(in `flights`, in a month `flights` holds) per override; OverrideError for a flight
    that is missing although its month is there (a typo in the key)."""
    in_flights = _matches(flights, overrides)
    months_held = set(zip(flights["year"], flights["month"], strict=True))
    held = pd.Series(
        [(y, m) in months_held for y, m in zip(overrides["year"], overrides["month"], strict=True)],
        index=overrides.index,
        dtype=bool,
    )
    unknown = ~in_flights & held
    if unknown.any():
        names = overrides.loc[unknown, FLIGHT_KEY].head(SHOWN).to_dict("records")
        raise OverrideError(f"{origin}: no such flight in the data ({_rows(unknown)}): {names}")
    return in_flights, held


def apply_overrides(
    labelled: pd.DataFrame, flights: pd.DataFrame, overrides: pd.DataFrame, label: str
) -> tuple[pd.DataFrame, OverrideSummary]:
    """Set `label` of the listed flights; add the boolean column `label_overridden`.

    `flights` is the raw table the labels were made from. An override for a flight it
    lacks although it holds that month is an error (a typo in the key); one for a
    month it does not hold (a `data.months` subset) or for a flight the label rule
    dropped is counted and skipped.
    """
    in_flights, held = check_known_flights(overrides, flights)
    in_labelled = _matches(labelled, overrides)
    used = overrides[in_labelled]
    keys = labelled[FLIGHT_KEY].astype({"carrier": "string", "origin": "string"})
    target = keys.merge(used[[*FLIGHT_KEY, "delayed"]], on=FLIGHT_KEY, how="left")["delayed"]
    overridden = target.notna().to_numpy()
    rule = labelled[label].to_numpy()
    new_label = pd.Series(rule, index=labelled.index)
    new_label[overridden] = target[overridden].astype("int8").to_numpy()
    summary = OverrideSummary(
        listed=len(overrides),
        applied=int(overridden.sum()),
        changed=int((new_label.to_numpy() != rule).sum()),
        outside_data=int((~held).sum()),
        not_labelled=int((in_flights & ~in_labelled).sum()),
    )
    result = labelled.assign(**{label: new_label.astype("int8"), OVERRIDDEN: overridden})
    return result, summary
