"""The model card and deployment record: what they say, and that they say it the same way twice."""

from __future__ import annotations

from flight_delay.infra.config import load_config
from flight_delay.registry.model_card import Promotion, deployment_record, model_card
from flight_delay.registry.tag_events import TagEvent
from flight_delay.revisions.model_lineage import Lineage
from flight_delay.revisions.recorded_outputs import RecordedOutputs
from tests.conftest import REPO_ROOT

REGISTRY = load_config(REPO_ROOT / "params.yaml").registry
ARTIFACT = REGISTRY.artifact  # the model's name, as conf/registry says
OUTPUTS = RecordedOutputs(
    name="v1.2.0",
    metrics={"valid": {"roc_auc": 0.69, "rows": 1000}, "test": {"roc_auc": 0.7, "rows": 2000}},
    slices={"carrier": {"AA": {"roc_auc": 0.61, "rows": 500, "base_rate": 0.2},
                        "UA": {"roc_auc": 0.75, "rows": 900, "base_rate": 0.3},
                        "XX": {"roc_auc": 0.10, "rows": 12, "base_rate": 0.5}}},
    splits={"train": {"values": [1, 2], "rows": 5000, "delayed_rate": 0.21}},
    params={"seed": 42, "model": {"name": "hist_gradient_boosting", "learning_rate": 0.1},
            "features": {"numeric": ["distance"], "categorical": ["carrier"]}},
)  # fmt: skip
LINEAGE = Lineage("f" * 40, "a" * 32, "b" * 32, "c" * 32, {"data/features/train.parquet": "c" * 32})


def promotion(stage: str | None, event: str = "assignment") -> Promotion:
    tag = f"{ARTIFACT}#{stage}#4" if stage else f"{ARTIFACT}@v1.2.0"
    return Promotion(
        event=TagEvent(tag, f"{ARTIFACT}", event, "v1.2.0", "f" * 40, "2013-01-01", stage),
        lineage=LINEAGE, outputs=OUTPUTS, mlflow_version="7", training_run_id="r1",
        tracking_uri="sqlite:///mlflow.db", obtained="fetched with dvc artifacts get",
        gate_message="gate: PASS valid.roc_auc 0.6800 -> 0.6900", gate_notes=("a note",),
    )  # fmt: skip


def test_the_card_has_every_section_with_the_lineage():
    card = model_card(promotion("prod"), REGISTRY, "delayed")
    assert card.startswith(f"# Model card: {ARTIFACT} v1.2.0")
    for text in (f"| Stage | prod, by tag `{ARTIFACT}#prod#4` |", f"`models:/{ARTIFACT}@prod`",
                 "| Training run | `r1` |", f"`{'f' * 40}`", "gate: PASS valid.roc_auc",
                 "- a note", "| roc_auc | 0.6900 | 0.7000 |", "| train | 1, 2 | 5,000 | 0.2100 |",
                 "| model.learning_rate | `0.1` |", "| features.numeric | distance |",
                 "## Intended use", REGISTRY.intended_use, "## Limitations"):  # fmt: skip
        assert text in card, text


def test_the_card_lists_the_weakest_slices_large_enough_to_judge():
    card = model_card(promotion("prod"), REGISTRY, "delayed")
    assert card.index("| carrier=AA |") < card.index("| carrier=UA |")
    assert "carrier=XX" not in card  # 12 rows: too few to mean anything


def test_a_registration_card_names_no_stage_and_a_numbered_model_uri():
    card = model_card(promotion(None, "registration"), REGISTRY, "delayed")
    assert "| Stage | none (registered only) |" in card and f"`models:/{ARTIFACT}/7`" in card


def test_the_record_deploys_only_the_deploy_stage_and_is_stable():
    prod = deployment_record(promotion("prod"), REGISTRY, deploy=True)
    assert prod["mlflow"]["model_uri"] == f"models:/{ARTIFACT}@prod"
    assert prod == deployment_record(promotion("prod"), REGISTRY, deploy=True)
    assert model_card(promotion("dev"), REGISTRY, "delayed") == model_card(
        promotion("dev"), REGISTRY, "delayed"
    )
    assert prod["model_md5"] == "a" * 32 and prod["tag_created_at"] == "2013-01-01"


def test_a_promotion_that_moved_no_alias_points_at_its_numbered_version():
    from dataclasses import replace

    late = replace(promotion("prod"), alias_moved=False)  # the tags hold a newer version
    assert deployment_record(late, REGISTRY, deploy=False)["mlflow"]["model_uri"] == (
        f"models:/{ARTIFACT}/7"
    )
