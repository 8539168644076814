"""What `make draft` writes beside the spec and the schema: the drafted dataset's own tests
(tests/data/<name>/, tests/model/<name>/, as the shipped examples have theirs) and, in a
project without one, the problem's definition (docs/data-definition.md).

The tests state what the CSV held when it was drafted (its rows, its labelled and positive
rows), that every split holds both classes, that the EDA notebook runs on the data, and
that the default model passes the gate's floor on the valid and test splits: a person keeps them,
changes a number when the data changes on purpose, and adds what they know. Every text is
a function of the draft's facts alone, so the same CSV gives the same files.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    """What the draft found, as its tests and its definition state it."""

    name: str
    table: str
    csv_name: str
    rows: int
    columns: int
    labelled: int
    positive: int
    label: str  # the label column the spec makes
    event: str
    classes: tuple[str, str]
    split: str  # how the rows are split, in words
    inputs: tuple[str, ...]
    leakage: tuple[str, ...]
    warnings: tuple[str, ...]


def test_files(facts: Facts) -> dict[str, str]:
    """Path (relative to the project) -> text of each drafted test module."""
    data, model = f"tests/data/{facts.name}", f"tests/model/{facts.name}"
    return {
        f"{data}/__init__.py": "",
        f"{data}/conftest.py": _fixtures(facts),
        f"{data}/test_{facts.name}_data.py": _data_tests(facts),
        f"{data}/test_eda_notebook.py": _notebook_test(facts),
        f"{model}/__init__.py": "",
        f"{model}/conftest.py": (
            '"""The dataset\'s fixtures, from its data tests\' conftest.py."""\n\n'
            f"from tests.data.{facts.name}.conftest import (  # noqa: F401 (fixtures)\n"
            "    dataset,\n    dataset_config,\n    prepared,\n    raw_tables,\n    splits,\n)\n"
        ),
        f"{model}/test_model_quality.py": _model_tests(facts),
    }


def _fixtures(facts: Facts) -> str:
    return f'''\
"""Fixtures of the dataset's own tests, drafted by `make draft`: its data as its spec
makes it, whatever conf/config.yaml chooses.

Spec: conf/dataset/{facts.name}.yaml
"""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT, spec_config


@pytest.fixture(scope="session")
def dataset_config():
    return spec_config("{facts.name}")


@pytest.fixture(scope="session")
def dataset(dataset_config):
    from flight_delay.datasets import dataset_for

    return dataset_for(dataset_config)


@pytest.fixture(scope="session")
def raw_tables(dataset_config, dataset):
    from flight_delay.datasets.preparation import read_source_tables

    return read_source_tables(dataset_config.data, dataset.schema, root=REPO_ROOT)


@pytest.fixture(scope="session")
def prepared(dataset_config, dataset, raw_tables):
    """train, valid and test as `prepare` writes them."""
    from flight_delay.datasets.preparation import prepared_splits

    splits, _ = prepared_splits(raw_tables, dataset, dataset_config.split, dataset_config.seed)
    return splits


@pytest.fixture(scope="session")
def splits(dataset_config, dataset, prepared):
    """train, valid and test with the features the spec makes, as `featurize` writes them."""
    from flight_delay.datasets.preparation import features_of

    return {{
        name: features_of(frame, dataset, dataset_config.features)
        for name, frame in prepared.items()
    }}
'''


def _data_tests(facts: Facts) -> str:
    return f'''\
"""Expectations on the dataset's CSV, drafted by `make draft` from what the file held:
it passes its schema, has the drafted size and label rate, and each split holds both
classes. When the data changes on purpose, change the numbers here in the same commit;
add what you know of the data (docs/data-definition.md) as tests beside these.

Source: data/source/{facts.csv_name}
"""

from __future__ import annotations

import pytest

from flight_delay.core.splits import SPLITS
from flight_delay.core.validation import validate_tables

ROWS = {facts.rows}  # rows in the CSV
LABELLED = {facts.labelled}  # rows with a label: the pipeline's rows
POSITIVE = {facts.positive}  # {facts.event}


def test_the_source_passes_its_schema(raw_tables, dataset):
    report = validate_tables(raw_tables, dataset.raw_schemas, dataset.plausibility)
    problems = [e["message"] for t in report["tables"].values() for e in t["errors"]]
    assert report["passed"], problems


def test_the_source_has_the_drafted_size(raw_tables):
    assert len(raw_tables["{facts.table}"]) == ROWS


def test_the_splits_hold_every_labelled_row_and_the_drafted_positives(splits, dataset):
    assert sum(len(frame) for frame in splits.values()) == LABELLED
    assert sum(int(frame[dataset.label].sum()) for frame in splits.values()) == POSITIVE


@pytest.mark.parametrize("split", SPLITS)
def test_each_split_holds_both_classes(splits, dataset, split):
    assert set(splits[split][dataset.label].unique()) == {{0, 1}}
'''


def _notebook_test(facts: Facts) -> str:
    return f'''\
"""The EDA notebook (`make eda`) runs on the dataset's data, built in memory as its spec
makes it (CI has no pipeline outputs), with no cell failing."""

from __future__ import annotations

import pytest

from flight_delay.curation import notebooks
from tests.conftest import ONE_THREAD
from tests.eda import workspace


@pytest.mark.e2e
def test_eda_notebook_runs_on_the_data(tmp_path, prepared, splits, monkeypatch):
    for name, value in ONE_THREAD.items():
        monkeypatch.setenv(name, value)
    workspace(tmp_path, "{facts.name}", prepared, splits)

    assert notebooks.run(tmp_path) == 0

    nb = notebooks.read(tmp_path / notebooks.EDA_EXECUTED)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {{}}) for o in outputs)  # its plots are drawn
'''


def _model_tests(facts: Facts) -> str:
    return '''\
"""The default model on the dataset (its spec's model and split), drafted by
`make draft`: on every split it passes the gate's floor (conf/gate and the spec's `gate`:
its metric, its floor or margin over the trivial baseline). Add what you expect of it
(a feature that must raise the score, a slice it must not fail) beside this."""

from __future__ import annotations

import pytest

from flight_delay.core.compare import gate_verdict
from flight_delay.core.metrics import classification_metrics
from flight_delay.core.models import fit_model
from flight_delay.core.splits import SPLITS


@pytest.fixture(scope="module")
def model(splits, dataset_config, dataset):
    config = dataset_config
    return fit_model(splits["train"], dataset.label, config.features, config.model, config.seed)


@pytest.mark.parametrize("split", [s for s in SPLITS if s != "train"])
def test_the_model_passes_the_gate_floor(model, splits, dataset_config, dataset, split):
    frame = splits[split]
    scores = model.predict_proba(frame[dataset_config.features.columns])[:, 1]
    threshold = dataset_config.evaluate.decision_threshold
    metrics = classification_metrics(frame[dataset.label].to_numpy(), scores, threshold)
    gate = dataset_config.gate.model_copy(update={"split": split})
    verdict = gate_verdict(gate, None, {split: metrics})
    assert verdict.passed, verdict.message
'''


def definition(facts: Facts) -> str:
    """docs/data-definition.md for a project started from one CSV: what the draft knows, and
    what only a person can write (marked TODO)."""
    rate = facts.positive / facts.labelled if facts.labelled else 0.0
    leakage = ", ".join(f"`{c}`" for c in facts.leakage) or "none found"
    warned = "".join(f"\n- {w}" for w in facts.warnings) or "\n- none"
    return f"""# Data definition: {facts.name}

Drafted by `make draft` from `data/source/{facts.csv_name}`. The facts below come from the
file; the parts marked TODO only you can write. The spec is
`conf/dataset/{facts.name}.yaml`, the schema `src/flight_delay/datasets/{facts.name}/schema.yaml`.

## 1. The problem

- **Event (the label is 1)**: {facts.event}; the classes are named
  "{facts.classes[0]}" (0) and "{facts.classes[1]}" (1).
- TODO: who acts on the score, when, and what a false alarm or a miss costs them
  (it chooses `evaluate.decision_threshold`).

## 2. The data

- One table, `{facts.table}`: {facts.rows:,} rows, {facts.columns} columns;
  {facts.labelled:,} rows carry a label, {rate:.1%} of them positive.
- Model inputs: {", ".join(f"`{c}`" for c in facts.inputs)}.
- Split: {facts.split}.
- TODO: where the data comes from, which period and population it covers, and who
  labelled it.

## 3. Leakage

Columns kept out of the model because they may be known only after the outcome:
{leakage}. The draft's warnings:{warned}

TODO: confirm each one; a column known before the outcome moves to `features`.

## 4. Hypothesis

None declared yet. TODO: state which inputs should carry the signal and add it to the
spec as `hypothesis:` (a `statement`, the `base` feature groups and the `groups` that
should add the signal: docs/adapting.md, step 3); the EDA notebook (`make eda`) then
tests it and prints `HYPOTHESIS: holds` or `does not hold`.
"""
