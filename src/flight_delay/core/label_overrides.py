"""Labels corrected by a person: read, check and apply `data/labels/<dataset>.csv`.

The label is a rule (`conf/label`); a reviewer may still decide that a row's rule-made
label is wrong. Each row of the overrides file names one raw row by the dataset's
natural key (`OverrideFormat`) and the label it should have. The file is small,
committed to git (reviewable in a pull request) and a dependency of `prepare` in
dvc.yaml, so DVC records its hash and a change re-runs `prepare` and everything after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

OVERRIDDEN = "label_overridden"  # column in the prepared data: True where a person set the label
SHOWN = 5  # offending rows named in an error


@dataclass(frozen=True)
class OverrideFormat:
    """The overrides file of one dataset: its natural key, its label, and the key columns
    that name a period (an override for a period the data does not hold is skipped)."""

    key: Mapping[str, str]  # column -> "int" or "str"
    label: str
    periods: tuple[str, ...]

    @property
    def key_columns(self) -> list[str]:
        return list(self.key)

    @property
    def columns(self) -> list[str]:
        return [*self.key, self.label, "reviewer", "reason"]

    @property
    def strings(self) -> dict[str, str]:
        return {c: "string" for c, kind in self.key.items() if kind == "str"}


class OverrideError(ValueError):
    """The overrides file is malformed or names rows that do not exist."""


@dataclass(frozen=True)
class OverrideSummary:
    listed: int  # rows in the file
    applied: int  # rows whose raw row is in the labelled data
    changed: int  # of those, labels that differ from the rule's
    outside_data: int  # rows in periods the data does not hold (data.months)
    not_labelled: int  # rows the label rule dropped

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.__dict__.items()))


def _rows(mask: pd.Series) -> str:
    lines = [int(i) + 2 for i in mask[mask].index[:SHOWN]]  # +2: header line, 1-based lines
    more = f" and {int(mask.sum()) - SHOWN} more" if mask.sum() > SHOWN else ""
    return f"line(s) {lines}{more}"


def check_overrides(
    frame: pd.DataFrame, form: OverrideFormat, origin: str = "overrides"
) -> pd.DataFrame:
    """The overrides with typed key columns and the label as int8, or OverrideError.

    Errors name file lines from the frame's index (row 0 is line 2, under the header)."""
    if list(frame.columns) != form.columns:
        raise OverrideError(
            f"{origin}: columns must be {form.columns}, found {list(frame.columns)}"
        )
    problems = []
    for column in [*(c for c, kind in form.key.items() if kind == "int"), form.label]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() | (numbers != numbers.round())
        if column == form.label:
            bad |= ~numbers.isin([0, 1])
        if bad.any():
            rule = "0 or 1" if column == form.label else "a whole number"
            problems.append(f"{column} must be {rule} ({_rows(bad)})")
    for column in form.strings:
        blank = frame[column].isna() | (frame[column].astype("string").str.strip() == "")
        if blank.any():
            problems.append(f"{column} is empty ({_rows(blank)})")
    if problems:
        raise OverrideError(f"{origin}: " + "; ".join(problems))
    integers = {c: "int64" for c, kind in form.key.items() if kind == "int"}
    typed = frame.astype(integers).astype({form.label: "int8", **form.strings})
    duplicated = typed.duplicated(form.key_columns, keep=False)
    if duplicated.any():
        raise OverrideError(f"{origin}: a row is listed twice ({_rows(duplicated)})")
    return typed.reset_index(drop=True)


def read_overrides(path: Path, form: OverrideFormat) -> pd.DataFrame:
    """The checked overrides; none when the file does not exist (nobody has set one yet)."""
    if not path.exists():
        frame = pd.DataFrame({column: pd.Series(dtype="string") for column in form.columns})
        return check_overrides(frame, form, origin=str(path))
    frame = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
    return check_overrides(frame, form, origin=str(path))


def _matches(frame: pd.DataFrame, overrides: pd.DataFrame, form: OverrideFormat) -> pd.Series:
    key = form.key_columns
    keys = frame[key].astype(form.strings)
    found = overrides[key].merge(keys.assign(_found=True), on=key, how="left")
    return found["_found"].fillna(False).astype(bool)


def known_rows(
    overrides: pd.DataFrame, raw: pd.DataFrame, form: OverrideFormat
) -> tuple[pd.Series, pd.Series]:
    """(in `raw`, in a period `raw` holds) per override. Over a table's partitions, a row
    is known when any partition knows it (OR the masks)."""
    in_raw = _matches(raw, overrides, form)
    periods = list(form.periods)
    held_periods = set(raw[periods].itertuples(index=False, name=None))
    held = pd.Series(
        [
            values in held_periods
            for values in overrides[periods].itertuples(index=False, name=None)
        ],
        index=overrides.index,
        dtype=bool,
    )
    return in_raw, held


def refuse_unknown(
    overrides: pd.DataFrame, in_raw: pd.Series, held: pd.Series, form: OverrideFormat,
    origin: str = "label overrides",
) -> None:  # fmt: skip
    """OverrideError for an override whose row is missing although its period is there
    (a typo in the key)."""
    unknown = ~in_raw & held
    if unknown.any():
        names = overrides.loc[unknown, form.key_columns].head(SHOWN).to_dict("records")
        raise OverrideError(f"{origin}: no such row in the data ({_rows(unknown)}): {names}")


def check_known_rows(
    overrides: pd.DataFrame, raw: pd.DataFrame, form: OverrideFormat,
    origin: str = "label overrides",
) -> tuple[pd.Series, pd.Series]:  # fmt: skip
    """(in `raw`, in a period `raw` holds) per override; OverrideError for a row that is
    missing although its period is there (a typo in the key)."""
    in_raw, held = known_rows(overrides, raw, form)
    refuse_unknown(overrides, in_raw, held, form, origin)
    return in_raw, held


def set_labels(
    labelled: pd.DataFrame, overrides: pd.DataFrame, form: OverrideFormat
) -> tuple[pd.DataFrame, int, int, pd.Series]:
    """The listed rows of `labelled` with their hand-set label, and the boolean column
    `label_overridden`; (frame, rows set, labels changed, which overrides were used). Over
    a table's partitions the counts add up and an override is used if any part used it."""
    label, key = form.label, form.key_columns
    in_labelled = _matches(labelled, overrides, form)
    used = overrides[in_labelled]
    keys = labelled[key].astype(form.strings)
    target = keys.merge(used[[*key, label]], on=key, how="left")[label]
    overridden = target.notna().to_numpy()
    rule = labelled[label].to_numpy()
    new_label = pd.Series(rule, index=labelled.index)
    new_label[overridden] = target[overridden].astype("int8").to_numpy()
    result = labelled.assign(**{label: new_label.astype("int8"), OVERRIDDEN: overridden})
    changed = int((new_label.to_numpy() != rule).sum())
    return result, int(overridden.sum()), changed, in_labelled


def apply_overrides(
    labelled: pd.DataFrame, raw: pd.DataFrame, overrides: pd.DataFrame, form: OverrideFormat
) -> tuple[pd.DataFrame, OverrideSummary]:
    """Set the label of the listed rows; add the boolean column `label_overridden`.

    `raw` is the table the labels were made from. An override for a row it lacks
    although it holds that period is an error (a typo in the key); one for a period it
    does not hold (a `data.months` subset) or for a row the label rule dropped is
    counted and skipped.
    """
    in_raw, held = check_known_rows(overrides, raw, form)
    result, applied, changed, in_labelled = set_labels(labelled, overrides, form)
    summary = OverrideSummary(
        listed=len(overrides),
        applied=applied,
        changed=changed,
        outside_data=int((~held).sum()),
        not_labelled=int((in_raw & ~in_labelled).sum()),
    )
    return result, summary
