"""A dataset's home from its declarations (datasets/home.py): the defaults a single table
needs nothing for, what an optional hook adds, and a clear error naming the key for each
configuration that does not fit the schema. Small datasets declared here, not flights."""

from __future__ import annotations

import re
from types import ModuleType

import pandas as pd
import pytest
import yaml

from flight_delay.core.schema import ROW_NUMBER, schema_from_mapping
from flight_delay.datasets import load_dataset
from flight_delay.datasets.home import build_home
from flight_delay.infra.config import ConfigError, DataConfig

ONE_TABLE = {  # a one-table dataset without a key, as its schema.yaml writes it
    "tables": {
        "patients": {
            "key": "row_number",
            "columns": {
                "age": {"kind": "int", "low": 0, "high": 120},
                "smoker": {"kind": "str", "values": ["yes", "no"]},
                "sick": {"kind": "int", "values": None, "low": 0, "high": 1},
            },
        }
    }
}
TWO_TABLES = {
    "tables": {
        "orders": {"key": ["order"], "columns": {
            "order": {"kind": "int"}, "shop": {"kind": "int"}, "late": {"kind": "int"},
            "paid": {"kind": "float", "nullable": True}}},
        "shops": {"key": ["shop"], "columns": {"shop": {"kind": "int"},
                                               "size": {"kind": "float"}}},
    },
    "derived": {"size_class": {"kind": "str", "values": ["small", "big"]}},
}  # fmt: skip


def data(**fields: object) -> DataConfig:
    base = {"dataset": "example", "source": "data/source", "files": {"patients": "p.csv"}}
    return DataConfig.model_validate(base | fields)


def hook(**names: object) -> ModuleType:
    module = ModuleType("hook")
    for name, value in names.items():
        setattr(module, name, value)
    return module


def test_a_single_table_without_a_key_needs_no_hook_and_no_row_settings():
    home = build_home(data(), schema_from_mapping(ONE_TABLE), None)
    assert home.label_table == "patients"
    assert home.key == home.context_columns == home.identity == (ROW_NUMBER,)
    assert home.joined_tables == () and home.simulated_drift is None
    assert home.natural_key == {ROW_NUMBER: "int"}
    frame = pd.DataFrame({"age": [3]})
    assert home.derive_features(frame) is frame and home.join_tables(frame, {}) is frame
    assert set(home.feature_rules) == {"age", "smoker", "sick", ROW_NUMBER}


def test_what_the_configuration_and_the_hook_say_is_taken():
    def join(labelled: pd.DataFrame, tables: dict) -> pd.DataFrame:
        return labelled.merge(tables["shops"], on="shop", how="left")

    files = {"orders": "o.csv", "shops": "s.csv"}
    home = build_home(
        data(files=files, label_table="orders", key=["order"], leakage=["paid"],
             context=["order", "shop"], review=["paid"]),
        schema_from_mapping(TWO_TABLES),
        hook(JOINED_TABLES=("shops",), join_tables=join, derive_features=lambda f: f),
    )  # fmt: skip
    assert (home.label_table, home.key, home.joined_tables) == ("orders", ("order",), ("shops",))
    assert home.leakage == {"paid"} and home.context_columns == ("order", "shop")
    assert home.identity == ("order",)  # the key, by default
    assert home.join_tables is join
    assert {"size", "size_class"} <= set(home.feature_rules)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"files": {"patients": "p.csv", "visits": "v.csv"}},
         "data.files: ['visits'] have no table in the example schema (['patients'])"),
        ({"label_table": "visits"},
         "data.label_table: 'visits' is not a table of data.files (['patients'])"),
        ({"key": ["patient_id"]}, "data.key: ['patient_id'] are not columns of the patients table"),
        ({"identity": ["ssn"]}, "data.identity: ['ssn'] are not columns of the patients table"),
        ({"leakage": ["outcome"]}, "data.leakage: ['outcome'] are not columns of the patients"),
        ({"periods": ["year"]}, "data.periods: ['year'] are not columns of the patients table"),
        ({"review": ["notes"]}, "data.review: ['notes'] are not columns of the patients table"),
        ({"context": ["ward"]}, "data.context: ['ward'] are not columns of the patients table"),
    ],
)  # fmt: skip
def test_configuration_that_does_not_fit_the_schema_names_its_key(fields, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_home(data(**fields), schema_from_mapping(ONE_TABLE), None)


def test_several_tables_need_the_label_table_named_and_a_key():
    schema = schema_from_mapping(TWO_TABLES)
    files = {"orders": "o.csv", "shops": "s.csv"}
    with pytest.raises(ConfigError, match=re.escape("data.label_table: data.files lists 2 tables")):
        build_home(data(files=files), schema, None)
    keyless = {"tables": {"t": {"columns": {"x": {"kind": "int"}}}}}
    with pytest.raises(ConfigError, match=r"data.key: the t table has no key in the schema"):
        build_home(data(files={"t": "t.csv"}), schema_from_mapping(keyless), None)


def test_a_hook_that_does_not_fit_is_named():
    files = {"orders": "o.csv", "shops": "s.csv"}
    schema = schema_from_mapping(TWO_TABLES)
    with pytest.raises(ConfigError) as raised:
        build_home(data(files=files, label_table="orders"), schema,
                   hook(JOINED_TABLES=("regions",)))  # fmt: skip
    said = str(raised.value)
    assert "hook.JOINED_TABLES: ['regions'] are not tables of data.files" in said
    assert "hook: JOINED_TABLES is set but join_tables is not defined" in said
    assert "the schema declares derived columns but the hook defines no derive_features" in said


def test_load_dataset_reads_the_home_folder_and_names_a_wrong_schema(tmp_path):
    home = tmp_path / "example"
    home.mkdir()
    with pytest.raises(ConfigError, match=r"no dataset home .*example/schema.yaml"):
        load_dataset(data(), homes=tmp_path)
    (home / "schema.yaml").write_text(yaml.safe_dump(ONE_TABLE))
    assert load_dataset(data(), homes=tmp_path).key == (ROW_NUMBER,)
    broken = {"tables": {"patients": {"columns": {"age": {"kind": "years"}}}}}
    (home / "schema.yaml").write_text(yaml.safe_dump(broken))
    with pytest.raises(ConfigError, match=r"example/schema.yaml: tables.patients.columns.age.kind"):
        load_dataset(data(), homes=tmp_path)
    (home / "schema.yaml").write_text("tables: [unclosed")
    with pytest.raises(ConfigError, match=r"example/schema.yaml: not valid YAML"):
        load_dataset(data(), homes=tmp_path)
