"""A dataset's home, built from what declares it: conf/data (the tables, the row key, the
leakage, ...), the schema (`flight_delay/datasets/<name>/schema.yaml`) and the optional
hook (`hook.py`). Every column the configuration names is checked against the schema,
and a wrong one fails naming the key, before any stage reads data.

The hook is a module whose names are all optional:
- `CHECKS`: name -> a factory of a pandera Check, for `checks:` in the schema;
- `JOINED_TABLES` and `join_tables(labelled, tables)`: the other raw tables joined to
  each labelled row (a left join keeps every labelled row);
- `derive_features(frame)`: columns computed from a prepared row (each declared under
  `derived:` in the schema, so that it has a rule);
- `simulated_drift(frame)`: the drift a buggy client would cause (`make simulate`).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from flight_delay.core.schema import ROW_NUMBER, DatasetSchema, SchemaError, schema_from_mapping
from flight_delay.datasets.spec import DatasetHome
from flight_delay.infra.config import ConfigError, DataConfig

HOOK_NAMES = frozenset(
    {"CHECKS", "JOINED_TABLES", "join_tables", "derive_features", "simulated_drift"}
)


def read_schema(raw: Any, hook: ModuleType | None, where: str) -> DatasetSchema:
    try:
        return schema_from_mapping(raw, getattr(hook, "CHECKS", None))
    except SchemaError as err:
        raise ConfigError(f"{where}: {err}") from None


def _label_table(data: DataConfig) -> str:
    if data.label_table is not None:
        if data.label_table not in data.files:
            raise ConfigError(f"data.label_table: {data.label_table!r} is not a table of "
                              f"data.files ({sorted(data.files)})")  # fmt: skip
        return data.label_table
    if len(data.files) != 1:
        raise ConfigError(f"data.label_table: data.files lists {len(data.files)} tables "
                          f"({sorted(data.files)}); name the one the rule labels")  # fmt: skip
    return next(iter(data.files))


def _hook_problems(
    hook: ModuleType | None, schema: DatasetSchema, files: dict[str, str]
) -> list[str]:
    if hook is None:
        return []
    problems = []
    joined = tuple(getattr(hook, "JOINED_TABLES", ()))
    absent = [t for t in joined if t not in files]
    if absent:
        problems.append(f"hook.JOINED_TABLES: {absent} are not tables of data.files")
    if joined and not hasattr(hook, "join_tables"):
        problems.append("hook: JOINED_TABLES is set but join_tables is not defined")
    if schema.derived and not hasattr(hook, "derive_features"):
        problems.append("hook: the schema declares derived columns but the hook defines no "
                        "derive_features")  # fmt: skip
    return problems


def build_home(data: DataConfig, schema: DatasetSchema, hook: ModuleType | None) -> DatasetHome:
    """The home of `data.dataset`; ConfigError names every configuration key that does not
    fit the schema."""
    tables_absent = sorted(set(data.files) - set(schema.tables))
    if tables_absent:
        raise ConfigError(f"data.files: {tables_absent} have no table in the "
                          f"{data.dataset} schema ({sorted(schema.tables)})")  # fmt: skip
    label_table = _label_table(data)
    table = schema.tables[label_table]
    own = set(table.columns)
    joined = tuple(getattr(hook, "JOINED_TABLES", ()))
    reachable = own | {c for t in joined if t in schema.tables for c in schema.tables[t].columns}
    key = tuple(data.key) or table.unique
    if not key:
        raise ConfigError(f"data.key: the {label_table} table has no key in the schema "
                          f"(`key: [columns]` or `key: {ROW_NUMBER}`); name the columns "
                          "that identify a row")  # fmt: skip
    problems = _hook_problems(hook, schema, data.files)
    everywhere = reachable | set(schema.derived)
    named = {"key": (key, reachable), "identity": (tuple(data.identity), own),
             "periods": (tuple(data.periods), own), "review": (tuple(data.review), own),
             "context": (tuple(data.context), everywhere),
             "leakage": (tuple(data.leakage), everywhere)}  # fmt: skip
    for name, (columns, known) in named.items():
        unknown = [c for c in columns if c not in known]
        if unknown:
            joined_too = "" if known is own else " or of those joined to it"
            problems.append(f"data.{name}: {unknown} are not columns of the {label_table} "
                            f"table{joined_too}")  # fmt: skip
    if problems:
        raise ConfigError(f"the {data.dataset} dataset does not fit its configuration:\n  "
                          + "\n  ".join(problems))  # fmt: skip
    hooks = {name: getattr(hook, name) for name in HOOK_NAMES - {"CHECKS", "JOINED_TABLES"}
             if hasattr(hook, name)}  # fmt: skip
    return DatasetHome(
        name=data.dataset,
        label_table=label_table,
        schema=schema,
        key=key,
        leakage=frozenset(data.leakage),
        period_columns=tuple(data.periods),
        context_columns=tuple(data.context) or key,
        review_columns=tuple(data.review),
        identity=tuple(data.identity) or tuple(c for c in key if c in own),
        joined_tables=joined,
        **hooks,
    )
