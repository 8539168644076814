"""Rules of the model's input columns: one definition for training and serving.

A dataset gives each column it can offer as a feature a rule (`Numeric` or `Categorical`,
in its home's features.py), plus optional identity fields (never model inputs: they let
the prediction log be joined with outcomes later). `featurize` checks the features it
writes against the rules of the configured inputs (`InputRules`), and `make serve`,
`make predict` and `make monitor` check what they are given against the same rules (plus,
when serving, that each category is one the model was trained on). Messages name the
column and the rule, never the offending values (they may be private).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, TypeAdapter, create_model

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Numeric:
    low: float
    high: float
    nullable: bool = False
    integer: bool = False

    def describe(self) -> str:
        null = ", or null" if self.nullable else ""
        kind = "an integer" if self.integer else "a number"
        return f"{kind} from {self.low:g} to {self.high:g}{null}"


@dataclass(frozen=True)
class Categorical:
    pattern: str  # every value matches it; the categories come from the data (or the model)
    nullable: bool = False  # missing is allowed (the model treats it as its own category)
    moment: bool = False  # also a real ISO 8601 date and time with its timezone (schema:
    # `format: date-time`): 2013-13-45T99:00:00Z matches a pattern but names no moment

    def describe(self) -> str:
        null = ", or null" if self.nullable else ""
        what = "an ISO 8601 date and time with a timezone, " if self.moment else "a string "
        return f"{what}matching {self.pattern}{null}"


def is_moment(text: str) -> bool:
    """A real date and time with its timezone ('Z' or an offset): the one definition of
    `format: date-time`, in validation, serving and batch scoring."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except (TypeError, ValueError):
        return False


def is_whole(value: Any) -> Any:
    """An integral float (2.0, as JSON encoders write an integer column with a missing
    value) as the integer it is; anything else unchanged (2.5 then fails as no integer)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Rule = Numeric | Categorical
UNKNOWN_CATEGORY = "not a category the model was trained on"


class FeatureError(ValueError):
    """A column is missing, unknown, or breaks its rule."""


@dataclass(frozen=True)
class InputRules:
    """The rules a frame or a request is checked against: each model input's (required)
    and each identity field's (optional, never a model input)."""

    inputs: dict[str, Rule]
    identity: dict[str, Rule]

    @property
    def all(self) -> dict[str, Rule]:
        return {**self.identity, **self.inputs}


def input_rules(
    rules: dict[str, Rule], identity: dict[str, Rule], numeric: list[str], categorical: list[str]
) -> InputRules:
    """The rule of each model input, checked to be of the kind the model treats it as."""
    chosen: dict[str, Rule] = {}
    for column in [*numeric, *categorical]:
        rule = rules.get(column)
        if rule is None:
            raise FeatureError(f"features: no rule for column {column!r} in the dataset's rules")
        if isinstance(rule, Numeric) != (column in numeric):
            kind = "numeric" if column in numeric else "categorical"
            raise FeatureError(f"features: {column!r} is {kind} in conf but not in its rule")
        chosen[column] = rule
    return InputRules(chosen, dict(identity))


def _count(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _violations(
    frame: pd.DataFrame, rules: InputRules, categories: dict[str, list[str]] | None
) -> list[tuple[str, str, pd.Series]]:
    """(column, rule broken, mask of the rows that break it) for each column present."""
    import pandas as pd

    found = []
    for column, rule in rules.all.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        null = values.isna()
        if not rule.nullable and column in rules.inputs:  # an identity field is optional
            found.append((column, "must not be null", null))
        if isinstance(rule, Numeric):
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                found.append((column, f"must be {rule.describe()} (not numeric)", ~null))
            else:
                wrong = ~values.between(rule.low, rule.high)
                if rule.integer:
                    wrong |= values % 1 != 0
                found.append((column, f"must be {rule.describe()}", ~null & wrong))
            continue
        text = values.astype("str")
        whole = rule.pattern.removeprefix("^").removesuffix("$")
        wrong = ~text.str.fullmatch(whole).fillna(False).astype(bool)
        if rule.moment:
            moments = {t: is_moment(t) for t in text[~null].unique()}
            wrong |= ~text.map(moments).astype("boolean").fillna(False).astype(bool)
        found.append((column, f"must be {rule.describe()}", ~null & wrong))
        known = (categories or {}).get(column)
        if known is not None:
            found.append((column, UNKNOWN_CATEGORY, ~null & ~text.isin(known)))
    return [(column, rule, mask.fillna(True)) for column, rule, mask in found if mask.any()]


def column_problems(frame: pd.DataFrame, rules: InputRules,
                    allowed_extra: frozenset[str] = frozenset()) -> list[str]:  # fmt: skip
    """Missing and unknown columns."""
    problems = [f"{c}: required column is missing" for c in rules.inputs if c not in frame.columns]
    unknown = sorted(set(frame.columns) - set(rules.all) - allowed_extra)
    return problems + [f"{c}: unknown column" for c in unknown]


def frame_problems(
    frame: pd.DataFrame,
    rules: InputRules,
    categories: dict[str, list[str]] | None = None,
    allowed_extra: frozenset[str] = frozenset(),
) -> list[str]:
    """Every way the frame breaks the rules, as `column: rule (n rows)`, without values."""
    return column_problems(frame, rules, allowed_extra) + [
        f"{column}: {rule} ({_count(int(mask.sum()))})"
        for column, rule, mask in _violations(frame, rules, categories)
    ]


def row_problems(
    frame: pd.DataFrame, rules: InputRules, categories: dict[str, list[str]] | None = None
) -> pd.Series:
    """Per row, the rules it breaks (`column: rule; ...`), or "" when it breaks none."""
    import pandas as pd

    problems = pd.Series("", index=frame.index, dtype="object")
    for column, rule, mask in _violations(frame, rules, categories):
        problems[mask] = problems[mask] + f"{column}: {rule}; "
    return problems.str.removesuffix("; ")


SAFE_INTEGER = 2**53  # an unbounded integer field: no larger than a float holds exactly


def anchored(pattern: str) -> str:
    """The pattern matched against the whole value, as batch scoring matches it."""
    return f"^(?:{pattern.removeprefix('^').removesuffix('$')})$"


def _moment(text: str) -> str:
    if not is_moment(text):
        raise ValueError("not a real date and time with a timezone")
    return text


def _field(rule: Rule, known: list[str] | None, required: bool) -> tuple[Any, Any]:
    kind: Any
    if isinstance(rule, Numeric) and rule.integer:  # an int bound: none where unbounded
        low = -SAFE_INTEGER if math.isinf(rule.low) else math.ceil(rule.low)
        high = SAFE_INTEGER if math.isinf(rule.high) else math.floor(rule.high)
        kind = Annotated[int, Field(ge=low, le=high), BeforeValidator(is_whole)]
    elif isinstance(rule, Numeric):
        at_least, at_most = (None if math.isinf(b) else b for b in (rule.low, rule.high))
        kind = Annotated[float, Field(ge=at_least, le=at_most, allow_inf_nan=False)]
    elif known is not None:
        kind = Literal[tuple(known)]
    elif rule.moment:
        moment = Field(pattern=anchored(rule.pattern), json_schema_extra={"format": "date-time"})
        kind = Annotated[str, moment, AfterValidator(_moment)]
    else:
        kind = Annotated[str, Field(pattern=anchored(rule.pattern))]
    if rule.nullable:
        kind = kind | None
    return (kind, ...) if required else (kind | None, None)


def request_row(rules: InputRules, categories: dict[str, list[str]] | None = None) -> Any:
    """The model of one request row: every rule above, plus a closed set of fields (model
    inputs required, identity fields optional), strict types. Its JSON schema is the
    service's published contract (`/openapi.json`)."""
    known = categories or {}
    fields: dict[str, Any] = {c: _field(r, known.get(c), True) for c, r in rules.inputs.items()}
    fields |= {c: _field(rule, None, False) for c, rule in rules.identity.items()}
    return create_model("Row", __config__=ConfigDict(extra="forbid", strict=True), **fields)


def request_validator(
    rules: InputRules, categories: dict[str, list[str]] | None = None
) -> TypeAdapter[list[Any]]:
    """Validates a JSON list of rows (request_row)."""
    row: Any = request_row(rules, categories)
    return TypeAdapter(list[row])


# pydantic error type -> the rule broken, said without the value
_PYDANTIC_RULES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "literal_error": UNKNOWN_CATEGORY,
    "model_type": "each row must be a JSON object",
    "list_type": "the body must be a JSON object or a list of them",
    "json_invalid": "the body is not valid JSON",
}


def describe_error(error: Mapping[str, Any], rules: InputRules) -> dict[str, Any]:
    """A pydantic error as {row, field, rule}, with no trace of the submitted value."""
    loc = list(error["loc"])
    row = loc.pop(0) if loc and isinstance(loc[0], int) else None
    field = str(loc[0])[:64] if loc else None
    rule = _PYDANTIC_RULES.get(error["type"])
    if error["type"] != "missing" and field is not None and error.get("input", 0) is None:
        rule = "must not be null"
    if rule is None:
        known = rules.all.get(field or "")
        rule = f"must be {known.describe()}" if known is not None else "invalid value"
    return {"row": row, "field": field, "rule": rule}
