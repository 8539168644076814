"""The model's input columns: one definition of their rules, for training and serving.

`featurize` checks the features it writes against these rules, and `make serve`,
`make predict` and `make monitor` check what they are given against the same rules
(plus, when serving, that each category is one the model was trained on). Messages
name the column and the rule, never the offending values (they may be private).

Adapting the template: give every column of `conf/features` a rule here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, create_model

from flight_delay.schemas import AIRPORT_CODE, CARRIERS, ORIGINS, UTC_HOUR

if TYPE_CHECKING:
    import pandas as pd

    from flight_delay.config import FeaturesConfig


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

    def describe(self) -> str:
        return f"a string matching {self.pattern}"


Rule = Numeric | Categorical
_WEATHER = {  # observed at the origin in the scheduled hour; missing when no observation
    "temp": Numeric(-60, 130, nullable=True),
    "dewp": Numeric(-80, 100, nullable=True),
    "humid": Numeric(0, 100, nullable=True),
    "wind_dir": Numeric(0, 360, nullable=True),
    "wind_speed": Numeric(0, 150, nullable=True),
    "wind_gust": Numeric(0, 200, nullable=True),
    "precip": Numeric(0, 10, nullable=True),
    "pressure": Numeric(900, 1100, nullable=True),
    "visib": Numeric(0, 100, nullable=True),
}
FEATURE_RULES: dict[str, Rule] = {
    "month": Numeric(1, 12),
    "day": Numeric(1, 31),
    "day_of_week": Numeric(0, 6),
    "dep_hour": Numeric(0, 24),
    "arr_hour": Numeric(0, 24),
    "distance": Numeric(1, 6000),
    "plane_age": Numeric(0, 120, nullable=True),  # unknown plane: null
    "seats": Numeric(1, 1000, nullable=True),
    **_WEATHER,
    "carrier": Categorical(f"^({'|'.join(CARRIERS)})$"),
    "origin": Categorical(f"^({'|'.join(ORIGINS)})$"),
    "dest": Categorical(AIRPORT_CODE),
    "route": Categorical(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$"),
}
# Optional in a request, never a model input: they identify the flight, so that the
# prediction log can be joined with the real outcome later (`make feedback`).
IDENTITY_RULES: dict[str, Rule] = {
    "time_hour": Categorical(UTC_HOUR),
    "flight": Numeric(1, 99999, integer=True),
}


UNKNOWN_CATEGORY = "not a category the model was trained on"


class FeatureError(ValueError):
    """A column is missing, unknown, or breaks its rule."""


def feature_rules(numeric: list[str], categorical: list[str]) -> dict[str, Rule]:
    """The rule of each model input, checked to be of the kind the model treats it as."""
    rules: dict[str, Rule] = {}
    for column in [*numeric, *categorical]:
        rule = FEATURE_RULES.get(column)
        if rule is None:
            raise FeatureError(f"features: no rule for column {column!r} in FEATURE_RULES")
        if isinstance(rule, Numeric) != (column in numeric):
            kind = "numeric" if column in numeric else "categorical"
            raise FeatureError(f"features: {column!r} is {kind} in conf but not in its rule")
        rules[column] = rule
    return rules


def rules_for(features: FeaturesConfig) -> dict[str, Rule]:
    return feature_rules(features.numeric, features.categorical)


def _count(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _violations(
    frame: pd.DataFrame, rules: dict[str, Rule], categories: dict[str, list[str]] | None
) -> list[tuple[str, str, pd.Series]]:
    """(column, rule broken, mask of the rows that break it) for each column present."""
    import pandas as pd

    found = []
    for column, rule in {**IDENTITY_RULES, **rules}.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        null = values.isna()
        if isinstance(rule, Categorical) or not rule.nullable:
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
        found.append((column, f"must be {rule.describe()}",
                      ~null & ~text.str.fullmatch(rule.pattern.strip("^$"))))  # fmt: skip
        known = (categories or {}).get(column)
        if known is not None:
            found.append((column, UNKNOWN_CATEGORY, ~null & ~text.isin(known)))
    return [(column, rule, mask.fillna(True)) for column, rule, mask in found if mask.any()]


def column_problems(frame: pd.DataFrame, rules: dict[str, Rule],
                    allowed_extra: frozenset[str] = frozenset()) -> list[str]:  # fmt: skip
    """Missing and unknown columns."""
    problems = [f"{c}: required column is missing" for c in rules if c not in frame.columns]
    unknown = sorted(set(frame.columns) - set(rules) - set(IDENTITY_RULES) - allowed_extra)
    return problems + [f"{c}: unknown column" for c in unknown]


def frame_problems(
    frame: pd.DataFrame,
    rules: dict[str, Rule],
    categories: dict[str, list[str]] | None = None,
    allowed_extra: frozenset[str] = frozenset(),
) -> list[str]:
    """Every way the frame breaks the rules, as `column: rule (n rows)`, without values."""
    return column_problems(frame, rules, allowed_extra) + [
        f"{column}: {rule} ({_count(int(mask.sum()))})"
        for column, rule, mask in _violations(frame, rules, categories)
    ]


def row_problems(
    frame: pd.DataFrame, rules: dict[str, Rule], categories: dict[str, list[str]] | None = None
) -> pd.Series:
    """Per row, the rules it breaks (`column: rule; ...`), or "" when it breaks none."""
    import pandas as pd

    problems = pd.Series("", index=frame.index, dtype="object")
    for column, rule, mask in _violations(frame, rules, categories):
        problems[mask] = problems[mask] + f"{column}: {rule}; "
    return problems.str.removesuffix("; ")


def _field(rule: Rule, known: list[str] | None, required: bool) -> tuple[Any, Any]:
    if isinstance(rule, Numeric) and rule.integer:
        kind: Any = Annotated[int, Field(ge=rule.low, le=rule.high)]
    elif isinstance(rule, Numeric):
        kind = Annotated[float, Field(ge=rule.low, le=rule.high, allow_inf_nan=False)]
        if rule.nullable:
            kind = kind | None
    elif known is not None:
        kind = Literal[tuple(known)]
    else:
        kind = Annotated[str, Field(pattern=rule.pattern)]
    return (kind, ...) if required else (kind | None, None)


def request_validator(
    rules: dict[str, Rule], categories: dict[str, list[str]] | None = None
) -> TypeAdapter:
    """Validates a JSON list of rows: every rule above, plus a closed set of fields
    (model inputs required, identity fields optional), strict types."""
    fields = {c: _field(rule, (categories or {}).get(c), True) for c, rule in rules.items()}
    fields |= {c: _field(rule, None, False) for c, rule in IDENTITY_RULES.items()}
    row = create_model(
        "FlightRow", __config__=ConfigDict(extra="forbid", strict=True), **fields
    )  # fmt: skip
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


def describe_error(error: dict, rules: dict[str, Rule]) -> dict[str, Any]:
    """A pydantic error as {row, field, rule}, with no trace of the submitted value."""
    loc = list(error["loc"])
    row = loc.pop(0) if loc and isinstance(loc[0], int) else None
    field = str(loc[0])[:64] if loc else None
    rule = _PYDANTIC_RULES.get(error["type"])
    if error["type"] != "missing" and field is not None and error.get("input", 0) is None:
        rule = "must not be null"
    if rule is None:
        known = {**IDENTITY_RULES, **rules}.get(field or "")
        rule = f"must be {known.describe()}" if known is not None else "invalid value"
    return {"row": row, "field": field, "rule": rule}
