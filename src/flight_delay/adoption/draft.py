"""`make draft CSV=... LABEL=...` (`python -m flight_delay.adoption.draft`): a draft
dataset spec and schema from one CSV file, for a person to review.

From the CSV and the label column (and how to read it: an existing 0/1 column,
`--positive VALUE` for "the column equals this value", or `--above T`), and optionally a
split column, it infers each column's kind, nullability, range and categories, a key
(or `row_number`), the model inputs, the split, and leakage warnings for columns that
give the label away; every choice is explained in a comment next to it. It writes, and
refuses to overwrite:

- data/source/<name>.csv                          the CSV, as given
- src/<package>/datasets/<name>/schema.yaml       the schema
- conf/dataset/<name>.yaml                        the spec
- tests/data/<name>/, tests/model/<name>/         its tests (adoption/draft_files.py)
- docs/data-definition.md                         the problem's definition, where none is
and makes conf/config.yaml choose the spec (`make draft` then recomposes params.yaml),
so that `make repro` and `make test` run on it. Inference is deterministic: the same CSV and
choices give the same files. Bad input (no such column, a label with one class, an empty
or unreadable file, a column that mixes numbers and text) stops it, naming the column,
before anything is written.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from flight_delay.adoption.draft_files import Facts, definition, test_files

if TYPE_CHECKING:
    import pandas as pd

PACKAGE = Path(__file__).resolve().parents[1].name
MAX_CATEGORIES = 30  # more distinct strings than this: an identifier or free text
LEAK_AUC = 0.98  # a single column that ranks the label this well gives it away
OUTCOME_WORDS = re.compile(r"(^|_)(outcome|result|status|actual|final|target|label|after|"
                           r"resolved|closed|paid|churned|returned|delay)(_|$)")  # fmt: skip
DEFINITION = "docs/data-definition.md"  # the problem's definition; kept where one exists
SHARES = (0.6, 0.8)  # an ordered split: train to 60 % of the rows, valid to 80 %, test after
STRATIFIED_MIN = 5  # rows of each class a 60/20/20 stratified split needs to put one in each


class DraftError(ValueError):
    """The CSV or the choices cannot give a draft; the message names the column."""


@dataclass(frozen=True)
class LabelChoice:
    column: str
    rule: Literal["existing", "equals", "above"] = "existing"
    values: tuple[str, ...] = ()
    threshold: float | None = None


@dataclass
class Column:
    """What the draft says of one column: its schema line and why."""

    name: str
    kind: Literal["int", "float", "str"]
    nullable: bool
    rule: dict = field(default_factory=dict)  # low/high, values, format
    why: str = ""
    role: Literal["numeric", "categorical", "key", "date", "text", "label", "leakage",
                  "split"] = "text"  # fmt: skip


@dataclass(frozen=True)
class Draft:
    name: str
    table: str
    schema: str  # schema.yaml's text
    spec: str  # conf/dataset/<name>.yaml's text
    warnings: tuple[str, ...]
    tests: dict[str, str] = field(default_factory=dict)  # path -> text (draft_files.py)
    definition: str = ""  # docs/data-definition.md, where a project has none


def read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise DraftError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DraftError(f"{path}: the file is empty (0 bytes)")
    try:
        frame = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DraftError(f"{path}: cannot be read as CSV ({type(err).__name__}: {err})") from None
    if frame.empty:
        raise DraftError(f"{path}: a header and no rows")
    return frame


def _nice(value: float, up: bool, integer: bool) -> float | int:
    """`value` rounded outwards to two significant digits (to a whole number for ints)."""
    if value == 0:
        return 0
    digits = 10 ** (math.floor(math.log10(abs(value))) - 1)
    rounded = (math.ceil if up else math.floor)(value / digits) * digits
    if integer:
        return int(math.ceil(rounded) if up else math.floor(rounded))
    return float(f"{rounded:.12g}")


def _is_moment_column(values: pd.Series) -> bool:
    from flight_delay.core.feature_rules import is_moment

    return bool(len(values)) and all(is_moment(v) for v in values.unique())


def _is_date_column(values: pd.Series) -> bool:
    from datetime import date

    def is_date(text: str) -> bool:
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
        return True

    return bool(len(values)) and all(is_date(v) for v in values.unique())


def describe_column(name: str, values: pd.Series) -> Column:
    """Kind, nullability, range or categories of one column, with the reason."""
    import numpy as np
    import pandas as pd

    present = values.dropna()
    nullable = bool(values.isna().any())
    missing = f"; {values.isna().sum():,} missing" if nullable else ""
    if pd.api.types.is_bool_dtype(values):
        raise DraftError(f"column {name!r}: true/false values; write them as 0/1 or as words")
    if present.empty:
        return Column(name, "float" if pd.api.types.is_numeric_dtype(values) else "str", True,
                      {}, "empty in every row: not a model input", "text")  # fmt: skip
    if pd.api.types.is_numeric_dtype(values):
        if not np.isfinite(present.astype(float)).all():
            raise DraftError(f"column {name!r} holds an infinite value: write the real "
                             "numbers or leave the value empty")  # fmt: skip
        integer = pd.api.types.is_integer_dtype(values)
        low, high = float(present.min()), float(present.max())
        span = (high - low) or abs(high) or 1.0
        bound_low = 0 if low >= 0 else _nice(low - 0.1 * span, up=False, integer=integer)
        bound_high = _nice(high + 0.1 * span, up=True, integer=integer)
        why = (f"observed {low:g} .. {high:g}{missing}; bounds widened by a tenth of the "
               f"span" + (", and 0 below: never negative here" if low >= 0 else ""))  # fmt: skip
        return Column(name, "int" if integer else "float", nullable,
                      {"low": bound_low, "high": bound_high}, why, "numeric")  # fmt: skip
    text = present.astype(str)
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().any() and numbers.isna().any() and numbers.notna().mean() >= 0.5:
        odd = text[numbers.isna()].index[:5].tolist()
        raise DraftError(f"column {name!r} mixes numbers and text (rows {odd} are not "
                         "numbers): clean them, or quote every value to make it text")  # fmt: skip
    distinct = text.nunique()
    if _is_moment_column(text):
        return Column(name, "str", nullable, {"format": "date-time"},
                      f"ISO 8601 dates and times with a timezone{missing}", "date")  # fmt: skip
    if _is_date_column(text):
        return Column(name, "str", nullable, {"pattern": r"^\d{4}-\d{2}-\d{2}$"},
                      f"ISO 8601 dates{missing}", "date")  # fmt: skip
    if distinct <= MAX_CATEGORIES:
        return Column(name, "str", nullable, {"values": sorted(text.unique())},
                      f"{distinct} distinct values: a closed set of categories{missing}",
                      "categorical")  # fmt: skip
    return Column(name, "str", nullable, {},
                  f"{distinct:,} distinct values: an identifier or free text, not a model "
                  f"input{missing}", "text")  # fmt: skip


def label_series(frame: pd.DataFrame, label: LabelChoice) -> pd.Series:
    """The 0/1 label (missing where the source is), or DraftError naming the problem."""
    import pandas as pd

    if label.column not in frame.columns:
        raise DraftError(f"label column {label.column!r} is not in the CSV (its columns: "
                         f"{list(frame.columns)})")  # fmt: skip
    source = frame[label.column]
    if label.rule == "existing":
        present = set(source.dropna().unique())
        if not present <= {0, 1}:
            shown = sorted(map(str, present))[:6]
            raise DraftError(f"label column {label.column!r} holds {shown}, not 0/1: say which "
                             "value is the positive class (--positive VALUE) or a threshold "
                             "(--above T)")  # fmt: skip
        labels = source.astype("Float64")
    elif label.rule == "equals":
        if pd.api.types.is_numeric_dtype(source):
            raise DraftError(f"label column {label.column!r} holds numbers: --above T for "
                             "a threshold, or write its values as text for --positive")  # fmt: skip
        text = source.astype("string")
        absent = [v for v in label.values if not (text == v).any()]
        if absent:
            raise DraftError(f"label column {label.column!r} never holds {absent} (it holds "
                             f"{sorted(text.dropna().unique())[:8]} ...)")  # fmt: skip
        labels = text.isin(list(label.values)).astype("Float64").mask(source.isna())
    else:
        if not pd.api.types.is_numeric_dtype(source):
            raise DraftError(f"label column {label.column!r} is not numeric: --above needs "
                             "numbers (use --positive VALUE for text)")  # fmt: skip
        labels = (source > label.threshold).astype("Float64").mask(source.isna())
    counts = labels.dropna().value_counts()
    if len(counts) < 2 or counts.min() < 2:
        found = {int(k): int(v) for k, v in counts.items()}
        raise DraftError(f"label column {label.column!r}: the label has one class (rows per "
                         f"class: {found}): a binary classifier needs both")  # fmt: skip
    return labels


def _auc(score: pd.Series, labels: pd.Series) -> float:
    """How well one column alone ranks the label (0.5: not at all, 1: perfectly)."""
    from sklearn.metrics import roc_auc_score

    known = labels.notna() & score.notna()
    if known.sum() < 10 or labels[known].nunique() < 2:
        return 0.5
    auc = roc_auc_score(labels[known].astype(int), score[known].astype(float))
    return max(auc, 1 - auc)


def leak_score(values: pd.Series, labels: pd.Series, role: str) -> float:
    if role == "numeric":
        return _auc(values, labels)
    if role == "categorical":  # each category scored by its rate of the positive class
        rate = labels.groupby(values.astype("string")).mean()
        return _auc(values.astype("string").map(rate), labels)
    return 0.5


def ordered_split(values: pd.Series, labels: pd.Series, column: str) -> dict:
    """Train, valid and test values of `column` in order, by the share of labelled rows."""
    import numpy as np

    labelled = values[labels.notna()]
    if labelled.isna().any():
        raise DraftError(f"split column {column!r} is missing in labelled rows: every row "
                         "needs a value to fall in a split")  # fmt: skip
    counts = labelled.value_counts().sort_index()
    if len(counts) < 3:
        raise DraftError(f"split column {column!r} has {len(counts)} distinct value(s): a "
                         "train, valid and test split needs at least 3")  # fmt: skip
    share = np.cumsum(counts.to_numpy()) / counts.sum()
    cut_valid = min(int(np.searchsorted(share, SHARES[0])) + 1, len(counts) - 2)
    cut_test = min(max(int(np.searchsorted(share, SHARES[1])) + 1, cut_valid + 1),
                   len(counts) - 1)  # fmt: skip
    ordered = [v.item() if hasattr(v, "item") else v for v in counts.index]
    if any(isinstance(v, float) for v in ordered):
        if not all(float(v).is_integer() for v in ordered):
            raise DraftError(f"split column {column!r} holds fractions: split by whole "
                             "numbers (a year, a month) or by text (dates)")  # fmt: skip
        ordered = [int(v) for v in ordered]
    return {"kind": "ordered", "column": column, "train": ordered[:cut_valid],
            "valid": ordered[cut_valid:cut_test], "test": ordered[cut_test:]}  # fmt: skip


def check_split_classes(frame: pd.DataFrame, labels: pd.Series, split: dict, label: str) -> None:
    """Every split must hold both classes (the metrics and the gate compare them), or
    DraftError naming the split and the class it lacks."""
    counts = labels.dropna().value_counts()
    if split["kind"] != "ordered":
        if counts.min() < STRATIFIED_MIN:
            rare = int(counts.idxmin())
            raise DraftError(f"label column {label!r}: {int(counts.min())} row(s) of class "
                             f"{rare}; a stratified train/valid/test split needs at least "
                             f"{STRATIFIED_MIN} of each (or split by a column)")  # fmt: skip
        return
    values = frame[split["column"]]
    for name in ("train", "valid", "test"):
        held = set(labels[values.isin(split[name]) & labels.notna()].astype(int))
        lacking = sorted({0, 1} - held)
        if lacking:
            raise DraftError(f"split column {split['column']!r}: the {name} split "
                             f"({split[name]}) holds no row of class {lacking[0]}; every "
                             "split needs both classes (split by another column)")  # fmt: skip


def choose_key(columns: list[Column], frame: pd.DataFrame) -> str | None:
    """A column that is never missing and unique: the first whose name says id, else the
    first identifier-like text column; None (`row_number`) when there is none. A unique
    measurement (every amount different) is not a key."""
    unique = [c for c in columns if c.kind in ("int", "str") and not c.nullable
              and frame[c.name].is_unique]  # fmt: skip
    named = [c.name for c in unique if re.search(r"(^|_)id$|^id_", c.name.lower())]
    texts = [c.name for c in unique if c.role == "text"]
    found = named or texts
    return found[0] if found else None


def _yaml_value(value: object) -> str:
    """`value` as YAML that reads back as the same value: a string that YAML would read as
    something else (yes, no, null, 1.5, a date) is quoted."""
    import json

    import yaml

    if isinstance(value, str):
        plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", value)
        return value if plain and yaml.safe_load(value) == value else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    return json.dumps(value)


def _flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{k}: {_yaml_value(v)}" for k, v in mapping.items()) + "}"


def make_draft(frame: pd.DataFrame, name: str, csv_name: str, label: LabelChoice,
               split: str | None = None) -> Draft:  # fmt: skip
    """The schema's and the spec's text, and the warnings a person must read."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise DraftError(f"dataset name {name!r}: lower-case letters, digits and _ only, "
                         "starting with a letter")  # fmt: skip
    bad = [c for c in frame.columns if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(c))]
    if bad:
        raise DraftError(f"columns {bad}: a column name must be letters, digits and _ "
                         "(rename them in the CSV's header)")  # fmt: skip
    labels = label_series(frame, label)
    if split is not None and split not in frame.columns:
        raise DraftError(f"split column {split!r} is not in the CSV (its columns: "
                         f"{list(frame.columns)})")  # fmt: skip
    if split == label.column:
        raise DraftError(f"split column {split!r} is the label column")
    columns = [describe_column(str(c), frame[c]) for c in frame.columns]
    warnings: list[str] = []
    key = choose_key([c for c in columns if c.name != label.column], frame)
    for column in columns:  # new rows bring larger keys and later times: no upper bound
        if column.name in (key, split) and "high" in column.rule:
            del column.rule["high"]
            column.why += "; no upper bound: new rows bring larger values"
    for column in columns:
        if column.name == label.column:
            column.role, column.why = "label", column.why + "; the label's source"
        elif column.name == key:
            column.role, column.why = "key", column.why + "; unique and never missing: the key"
        elif column.name == split:
            column.role, column.why = "split", column.why + "; the split column"
        elif column.role in ("numeric", "categorical"):
            score = leak_score(frame[column.name], labels, column.role)
            worded = OUTCOME_WORDS.search(column.name.lower())
            if score >= LEAK_AUC or worded:
                reason = (f"ranks the label with ROC AUC {score:.3f} on its own" if
                          score >= LEAK_AUC else "its name sounds like an outcome")  # fmt: skip
                column.role = "leakage"
                column.why += f"; LEAKAGE? {reason}: known only after the outcome?"
                warnings.append(f"{column.name}: listed as leakage, {reason}; if it is "
                                "known before the outcome, move it to the features")  # fmt: skip
    numeric = [c.name for c in columns if c.role == "numeric"]
    categorical = [c.name for c in columns if c.role == "categorical"]
    if not numeric and not categorical:
        raise DraftError("no column is left as a model input (every one is the label, the "
                         "key, the split, a date, free text or leakage)")  # fmt: skip
    split_spec = (ordered_split(frame[split], labels, split) if split is not None else
                  {"kind": "stratified", "valid_fraction": 0.2, "test_fraction": 0.2})  # fmt: skip
    check_split_classes(frame, labels, split_spec, label.column)
    table = name
    schema = _schema_text(table, csv_name, frame, columns, key)
    spec = _spec_text(name, table, csv_name, frame, columns, key, label, labels, split_spec,
                      numeric, categorical)  # fmt: skip
    facts = _facts(name, table, csv_name, frame, columns, label, labels, split_spec, warnings)
    return Draft(name, table, schema, spec, tuple(warnings), test_files(facts), definition(facts))


def _facts(name: str, table: str, csv_name: str, frame: pd.DataFrame, columns: list[Column],
           label: LabelChoice, labels: pd.Series, split: dict,
           warnings: list[str]) -> Facts:  # fmt: skip
    label_name, event, classes, _ = _label_names(frame, label)
    split_words = (
        f"ordered by `{split['column']}`: train {split['train']}, valid {split['valid']}, "
        f"test {split['test']}"
        if split["kind"] == "ordered"
        else "a seeded stratified draw, 60 % train, 20 % valid, 20 % test"
    )
    leakage = [c.name for c in columns if c.role == "leakage"]
    return Facts(
        name=name, table=table, csv_name=csv_name, rows=len(frame), columns=len(columns),
        labelled=int(labels.notna().sum()), positive=int((labels == 1).sum()),
        label=label_name, event=event, classes=(classes[0], classes[1]), split=split_words,
        inputs=tuple(c.name for c in columns if c.role in ("numeric", "categorical")),
        leakage=tuple(([label.column] if label.rule != "existing" else []) + leakage),
        warnings=tuple(warnings),
    )  # fmt: skip


def _schema_text(table: str, csv_name: str, frame: pd.DataFrame, columns: list[Column],
                 key: str | None) -> str:  # fmt: skip
    lines = [
        f"# Drafted by `make draft` from data/source/{csv_name} ({len(frame):,} rows, "
        f"{len(columns)} columns):",
        "# what the data held, not what it may hold. Review every line: a bound or a closed",
        "# set of categories that is too tight refuses good rows in `validate` and in the",
        "# service. core/schema.py reads this file; the grammar is in docs/adapting.md (4).",
        "",
        "tables:",
        f"  {table}:",
        f"    key: {f'[{key}]' if key else 'row_number'}"
        + (
            "  # no column is unique and never missing: `ingest` numbers the rows"
            if key is None
            else "  # unique and never missing"
        ),  # fmt: skip
        f"    min_rows: {min(len(frame), max(10, len(frame) // 10))}  # a truncated file fails",
        "    columns:",
    ]
    for column in columns:
        rule = {"kind": column.kind, **({"nullable": True} if column.nullable else {}),
                **column.rule}  # fmt: skip
        lines.append(f"      {column.name}: {_flow(rule)}  # {column.why}")
    return "\n".join(lines) + "\n"


def _label_names(frame: pd.DataFrame, label: LabelChoice) -> tuple[str, str, list[str], str]:
    """The label column the spec makes, its event, its classes' names and its rule's lines."""
    label_name = "label" if label.rule != "existing" else label.column
    if label_name in frame.columns and label.rule != "existing":
        label_name = f"{label.column}_label"
    if label.rule == "equals":
        positive = " or ".join(label.values)
        classes, event, how = (
            [f"not {positive}", positive],
            f"{label.column} {positive}",
            (f"rule: equals\n  values: {_yaml_value(list(label.values))}"),
        )
    elif label.rule == "above":
        classes = [f"at most {label.threshold:g}", f"above {label.threshold:g}"]
        event, how = (
            f"{label.column} above {label.threshold:g}",
            (f"rule: above\n  threshold: {_yaml_value(label.threshold)}"),
        )
    else:
        classes, event, how = ["0", "1"], f"{label.column} = 1", "rule: existing"
    return label_name, event, classes, how


def _spec_text(name: str, table: str, csv_name: str, frame: pd.DataFrame, columns: list[Column],
               key: str | None, label: LabelChoice, labels: pd.Series, split: dict,
               numeric: list[str], categorical: list[str]) -> str:  # fmt: skip
    leakage = [c.name for c in columns if c.role == "leakage"]
    if label.rule != "existing":
        leakage = [label.column, *leakage]  # the label's source is the outcome
    dates = [c.name for c in columns if c.role == "date"]
    texts = [c.name for c in columns if c.role == "text"]
    label_name, event, classes, how = _label_names(frame, label)
    counts = labels.value_counts()
    rate = counts.get(1.0, 0) / counts.sum()
    n_test = int(len(frame) * 0.2)
    slices = [c for c in categorical if frame[c].nunique() <= 10][:2]
    split_lines = (
        [f"split:  # by {split['column']} in order: train to about 60 % of the labelled rows,",
         "  # valid to 80 %, test the rest (each split's values come after the previous')",
         "  kind: ordered", f"  column: {split['column']}",
         f"  train: {_yaml_value(split['train'])}", f"  valid: {_yaml_value(split['valid'])}",
         f"  test: {_yaml_value(split['test'])}"]
        if split["kind"] == "ordered" else
        ["split:  # no split column given: a seeded draw that keeps the label's rate in each",
         "  # split. Name a time column (SPLIT=) to test on the latest rows instead.",
         "  kind: stratified", "  valid_fraction: 0.2", "  test_fraction: 0.2"]
    )  # fmt: skip
    lines = [
        "# @package _global_",
        f"# Drafted by `make draft` from data/source/{csv_name}: a dataset spec for a person",
        "# to review (docs/adapting.md says what each key means). Its schema is",
        f"# src/{PACKAGE}/datasets/{name}/schema.yaml; no hook (one table).",
        "",
        "data:",
        f"  dataset: {name}",
        "  source: data/source",
        f"  files:\n    {table}: {csv_name}",
        "  keep: null",
        f"  leakage: {_yaml_value(leakage)}"
        + ("  # never a model input, never in the prepared data" if leakage else ""),
        *(
            [f"  identity: [{key}]  # what a request may carry to be joined with its outcome"]
            if key
            else []
        ),  # fmt: skip
        "",
        "label:",
        f"  column: {label_name}",
        f"  {how}",
        f"  source: {label.column}",
        f"  missing: drop  # {int(labels.isna().sum()):,} row(s) without a label",
        f"  classes: {_yaml_value(classes)}  # the names of 0 and 1 in plots, reports, the service",
        f"  event: {_yaml_value(event)}",
        f"  # {int(counts.sum()):,} labelled rows, {rate:.1%} positive",
        "",
        *split_lines,
        "",
        "features:  # every numeric and low-cardinality text column but the key, the label,",
        "  # the split column and leakage"
        + (
            f"; not dates ({', '.join(dates)}: derive features from them in a hook)"
            if dates
            else ""
        )
        + (f"; not free text ({', '.join(texts)})" if texts else ""),  # fmt: skip
        f"  numeric: {_yaml_value(numeric)}",
        f"  categorical: {_yaml_value(categorical)}",
        "",
        "evaluate:",
        "  decision_threshold: 0.5  # choose it on the valid split's costs (docs/pipeline.md)",
        f"  slice_columns: {_yaml_value(slices)}",
        "gate:",
        "  floor: null",
        "  floor_over_baseline: 0.05  # valid ROC AUC at least 0.55; raise it once you know "
        "the model",
        "monitor:",
        f"  min_rows: {max(30, min(200, n_test // 2))}  # fewer current rows: no verdict",
        "registry:",
        f'  intended_use: "Drafted from {csv_name}: say what the model is for, and for whom."',
        "  limitations:",
        '    - "Drafted, not reviewed: say where the data comes from and what it does not cover."',
    ]
    return "\n".join(lines) + "\n"


def draft_targets(root: Path, name: str, csv_name: str) -> dict[str, Path]:
    return {"csv": root / "data/source" / csv_name,
            "schema": root / "src" / PACKAGE / "datasets" / name / "schema.yaml",
            "spec": root / "conf/dataset" / f"{name}.yaml"}  # fmt: skip


def write_draft(root: Path, csv: Path, found: Draft) -> dict[str, Path]:
    """Write the three files (none may exist yet) and choose the spec."""
    import shutil

    from flight_delay.infra.params import choose_dataset

    targets = draft_targets(root, found.name, f"{found.name}.csv")
    tests = {root / path: text for path, text in found.tests.items()}
    there = [str(p.relative_to(root)) for p in [*targets.values(), *tests] if p.exists()]
    if there:
        raise DraftError(f"{there} exist already: nothing written (choose another NAME, or "
                         "move them away)")  # fmt: skip
    for path in [*targets.values(), *tests]:
        path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(csv, targets["csv"])
    targets["schema"].write_text(found.schema, encoding="utf-8")
    targets["spec"].write_text(found.spec, encoding="utf-8")
    for path, text in tests.items():
        path.write_text(text, encoding="utf-8")
    written = {**targets, **{path.relative_to(root).as_posix(): path for path in tests}}
    definition_path = root / DEFINITION
    if found.definition and not definition_path.exists():  # a project from one CSV
        definition_path.parent.mkdir(parents=True, exist_ok=True)
        definition_path.write_text(found.definition, encoding="utf-8")
        written["definition"] = definition_path
    choose_dataset(root / "conf", found.name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True, help="the CSV file, one row per example")
    parser.add_argument("--label", required=True, help="the column the label comes from")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--positive", help="the value(s) that make the positive class (a,b)")
    how.add_argument("--above", type=float, help="positive when the column is above this")
    parser.add_argument("--split", help="a time column to split by, in order (default: a "
                        "seeded stratified draw)")  # fmt: skip
    parser.add_argument("--name", help="the dataset's name (default: the CSV's name)")
    args = parser.parse_args(argv)

    from flight_delay.infra.progress import say

    csv = Path(args.csv)
    name = args.name or re.sub(r"[^a-z0-9_]", "_", csv.name.split(".")[0].lower())
    rule: Literal["existing", "equals", "above"] = (
        "equals" if args.positive else "above" if args.above is not None else "existing"
    )
    positive = tuple(v.strip() for v in (args.positive or "").split(",") if v.strip())
    label = LabelChoice(args.label, rule, positive, args.above)
    try:
        found = make_draft(read_csv(csv), name, f"{name}.csv", label, args.split)
        written = write_draft(Path.cwd(), csv, found)
    except DraftError as err:
        raise SystemExit(f"draft: {err}") from None
    for path in written.values():
        say("draft", f"wrote {path.relative_to(Path.cwd())}")
    if "definition" not in written:
        say("draft", f"{DEFINITION} exists and is kept: make it describe this data")
    for warning in found.warnings:
        say("draft", f"WARNING {warning}")
    say("draft", f"conf/config.yaml now chooses {name}: review the spec, the schema and the "
        "drafted tests, `make repro`, commit them with the CSV (`git add -A`), "
        "then `make test`")  # fmt: skip


if __name__ == "__main__":
    main()
