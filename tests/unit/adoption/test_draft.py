"""`make draft`: a dataset spec and schema inferred from one CSV, checked by the machinery
that will read them (the schema parser, the config, the seam), and the bad inputs it
refuses before writing anything."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from flight_delay.adoption.draft import (
    DraftError,
    LabelChoice,
    make_draft,
    read_csv,
    write_draft,
)
from tests.tickets import tickets

ESCALATED = LabelChoice("resolution", "equals", ("escalated",))


def test_a_draft_is_a_schema_and_spec_the_machinery_accepts():
    from flight_delay.core.schema import schema_from_mapping
    from flight_delay.datasets import configuration_problems
    from flight_delay.datasets.home import build_home
    from flight_delay.infra.config import DataConfig, parse_config
    from tests import synthetic

    found = make_draft(tickets(), "tickets", "tickets.csv", ESCALATED, split="month")
    schema = schema_from_mapping(yaml.safe_load(found.schema))
    columns = schema.tables["tickets"].columns
    assert (columns["words"].kind, columns["agent_load"].kind) == ("int", "float")
    assert columns["agent_load"].nullable and not columns["words"].nullable
    assert columns["priority"].values == ("high", "low") and columns["priority"].nullable
    assert columns["opened"].pattern == r"^\d{4}-\d{2}-\d{2}$"
    assert schema.tables["tickets"].unique == ("ticket_id",)
    assert columns["ticket_id"].high is None  # a key grows: no upper bound
    spec = yaml.safe_load(found.spec)
    assert spec["data"]["leakage"] == ["resolution", "escalation_cost"]
    assert spec["features"] == {"numeric": ["words", "agent_load"],
                                "categorical": ["channel", "priority"]}  # fmt: skip
    assert spec["split"]["kind"] == "ordered" and spec["split"]["column"] == "month"
    assert spec["split"]["train"][0] == 1 and spec["split"]["test"][-1] == max(tickets()["month"])
    assert spec["label"]["classes"] == ["not escalated", "escalated"]
    assert "# " in found.schema.splitlines()[10] and "LEAKAGE?" in found.schema
    assert any("escalation_cost: listed as leakage" in w for w in found.warnings)
    raw = synthetic.raw_params()  # a whole config with this spec's sections
    for section, values in spec.items():
        raw[section] = values if section in ("data", "label", "split", "features") else (
            raw[section] | values)  # fmt: skip
    config = parse_config(raw)
    home = build_home(DataConfig.model_validate(spec["data"]), schema, None)
    assert configuration_problems(config, home) == []


def test_inference_is_deterministic_and_a_draft_without_split_is_stratified():
    first = make_draft(tickets(), "tickets", "tickets.csv", ESCALATED)
    assert first == make_draft(tickets(), "tickets", "tickets.csv", ESCALATED)
    assert yaml.safe_load(first.spec)["split"] == {
        "kind": "stratified", "valid_fraction": 0.2, "test_fraction": 0.2
    }  # fmt: skip


def test_an_existing_0_1_label_and_a_threshold_label():
    frame = tickets().assign(escalated=lambda f: (f["resolution"] == "escalated").astype(int))
    existing = yaml.safe_load(make_draft(frame.drop(columns=["resolution", "escalation_cost"]),
                                         "t", "t.csv", LabelChoice("escalated")).spec)  # fmt: skip
    assert existing["label"]["rule"] == "existing" and existing["label"]["column"] == "escalated"
    above = make_draft(tickets().drop(columns=["escalation_cost"]), "t", "t.csv",
                       LabelChoice("words", "above", threshold=200))  # fmt: skip
    label = yaml.safe_load(above.spec)["label"]
    assert (label["rule"], label["threshold"], label["source"]) == ("above", 200, "words")
    assert "words" in yaml.safe_load(above.spec)["data"]["leakage"]


@pytest.mark.parametrize(
    ("change", "label", "split", "message"),
    [
        (None, LabelChoice("resolve"), None, "label column 'resolve' is not in the CSV"),
        (None, ESCALATED, "mnth", "split column 'mnth' is not in the CSV"),
        (lambda f: f.assign(resolution="solved"), LabelChoice("resolution", "equals",
                                                              ("solved",)), None,
         "the label has one class"),
        (None, LabelChoice("resolution"), None, "holds ['escalated', 'solved'], not 0/1"),
        (None, LabelChoice("resolution", "equals", ("closed",)), None, "never holds ['closed']"),
        (lambda f: f.assign(words=f["words"].astype(str).where(f.index != 7, "n/a")),
         ESCALATED, None, "column 'words' mixes numbers and text (rows [7]"),
        (lambda f: f.rename(columns={"words": "word count"}), ESCALATED, None,
         "columns ['word count']: a column name must be"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_column(change, label, split, message):
    frame = change(tickets()) if change else tickets()
    with pytest.raises(DraftError, match=message.replace("(", r"\(").replace("[", r"\[")):
        make_draft(frame, "tickets", "tickets.csv", label, split)


def test_an_empty_or_header_only_file_is_refused(tmp_path):
    empty, header = tmp_path / "empty.csv", tmp_path / "header.csv"
    empty.write_bytes(b"")
    header.write_text("a,b\n")
    with pytest.raises(DraftError, match="the file is empty"):
        read_csv(empty)
    with pytest.raises(DraftError, match="a header and no rows"):
        read_csv(header)
    with pytest.raises(DraftError, match="no such file"):
        read_csv(tmp_path / "none.csv")


def test_writing_refuses_to_overwrite_and_leaves_everything_as_it_was(tmp_path, repo_root):
    import shutil

    shutil.copytree(repo_root / "conf", tmp_path / "conf")
    (tmp_path / "conf/dataset/tickets.yaml").unlink(missing_ok=True)  # an adopter's own
    csv = tmp_path / "tickets.csv"
    tickets().to_csv(csv, index=False)
    found = make_draft(read_csv(csv), "tickets", "tickets.csv", ESCALATED)
    written = write_draft(tmp_path, csv, found)
    assert written["spec"].read_text() == found.spec
    assert "  - dataset: tickets" in (tmp_path / "conf/config.yaml").read_text()
    before = {p: p.read_bytes() for p in written.values()}
    with pytest.raises(DraftError, match="exist already: nothing written"):
        write_draft(tmp_path, csv, found)
    assert {p: p.read_bytes() for p in written.values()} == before


def test_words_yaml_would_misread_are_quoted_and_odd_columns_are_named():
    from flight_delay.core.schema import schema_from_mapping

    frame = tickets().assign(
        answered=lambda f: np.where(f.index % 3 == 0, "yes", "no"),  # YAML 1.1 booleans
        sku=lambda f: np.where(f.index % 3 == 0, "1.5", "A+"),  # a number as text, a regex char
        empty=np.nan,
    )
    found = make_draft(frame, "tickets", "tickets.csv", ESCALATED)
    columns = schema_from_mapping(yaml.safe_load(found.schema)).tables["tickets"].columns
    assert columns["answered"].values == ("no", "yes") and columns["sku"].values == ("1.5", "A+")
    assert "empty" not in yaml.safe_load(found.spec)["features"]["numeric"]
    with pytest.raises(DraftError, match="column 'words' holds an infinite value"):
        make_draft(frame.assign(words=np.where(frame.index == 3, np.inf, frame["words"])),
                   "tickets", "tickets.csv", ESCALATED)  # fmt: skip
    with pytest.raises(DraftError, match="label column 'words' holds numbers: --above T"):
        make_draft(frame, "tickets", "tickets.csv", LabelChoice("words", "equals", ("5",)))


@pytest.mark.parametrize("rule", ["equals", "existing", "above"])
def test_the_drafted_tests_and_definition_are_clean_code_and_state_the_csvs_facts(tmp_path, rule):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import REPO_ROOT

    frame = tickets().assign(escalated=lambda f: (f["resolution"] == "escalated").astype(int))
    label = {"equals": ESCALATED, "existing": LabelChoice("escalated"),
             "above": LabelChoice("words", "above", threshold=200)}[rule]  # fmt: skip
    found = make_draft(frame, "tickets", "tickets.csv", label, split="month")
    assert sorted(found.tests) == [
        "tests/data/tickets/__init__.py", "tests/data/tickets/conftest.py",
        "tests/data/tickets/test_eda_notebook.py", "tests/data/tickets/test_tickets_data.py",
        "tests/model/tickets/__init__.py", "tests/model/tickets/conftest.py",
        "tests/model/tickets/test_model_quality.py",
    ]  # fmt: skip
    data_test = found.tests["tests/data/tickets/test_tickets_data.py"]
    positives = int((frame["words"] > 200).sum() if rule == "above" else frame["escalated"].sum())
    assert f"ROWS = {len(frame)}  #" in data_test and f"POSITIVE = {positives}  #" in data_test
    # in a project's layout (its pyproject.toml, src/ and tests/ packages), as ruff sees it
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in ("src/flight_delay", "tests", "tests/data", "tests/model"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    for path, text in found.tests.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    ruff = Path(sys.executable).parent / "ruff"
    # (import order is checked in a real project: tests/template/test_new_project.py)
    for command in (["check", "--extend-ignore", "I"], ["format", "--check"]):
        done = subprocess.run([ruff, *command, "tests"], cwd=tmp_path, capture_output=True,
                              text=True)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(frame):,} rows" in found.definition
    assert "`escalation_cost`" in found.definition  # the leakage it kept out, to confirm
    event = {"equals": "resolution escalated", "existing": "escalated = 1",
             "above": "words above 200"}[rule]  # fmt: skip
    assert event in found.definition


def test_an_above_threshold_is_written_exactly_as_given():
    frame = tickets().drop(columns=["escalation_cost"])
    found = make_draft(frame, "t", "t.csv", LabelChoice("agent_load", "above",
                                                        threshold=10.123456789))  # fmt: skip
    assert yaml.safe_load(found.spec)["label"]["threshold"] == 10.123456789
    positives = int((frame["agent_load"] > 10.123456789).sum())
    assert f"POSITIVE = {positives}  #" in found.tests["tests/data/t/test_t_data.py"]


def test_a_split_without_both_classes_is_refused_naming_it():
    frame = tickets()
    late = frame["month"] >= frame["month"].max() - 1  # the last months: no escalation
    frame.loc[late, "resolution"] = "solved"
    with pytest.raises(DraftError, match=r"split column 'month': the test split \(\[.*\]\) "
                       r"holds no row of class 1"):  # fmt: skip
        make_draft(frame, "t", "t.csv", ESCALATED, split="month")
    rare = tickets().assign(resolution="solved")
    rare.loc[:3, "resolution"] = "escalated"  # four escalations: too few to stratify
    with pytest.raises(DraftError, match="4 row.s. of class 1; a stratified"):
        make_draft(rare, "t", "t.csv", ESCALATED)
