"""Promotion by git tag in a scratch repo on the tests' own dataset (tests/synthetic.py:
orders by week): register, assign, promote, registry-check.

One scenario, built once: v1 goes to prod; a better v2 replaces it (its model rebuilt,
since the DVC cache lost it); a worse v3 is refused for prod but may go to dev; then
dev is unassigned. The tests read what each step printed and left in MLflow.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from flight_delay.infra.io import file_md5
from flight_delay.infra.params import edit_conf
from tests import synthetic
from tests.conftest import (
    ARTIFACT,
    lock_hashes,
    make,
    repro_and_commit,
    run,
)

pytestmark = pytest.mark.e2e
MODEL = "train:models/model.skops"
MODEL_CONF = "conf/model/hist_gradient_boosting.yaml"


def client(repo: Path):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")


def alias_version(repo: Path, alias: str):
    from mlflow.exceptions import MlflowException

    try:
        return client(repo).get_model_version_by_alias(f"{ARTIFACT}", alias)
    except MlflowException:
        return None


def versions(repo: Path) -> list[dict]:
    """The tags of every MLflow version of the model, oldest first."""
    found = client(repo).search_model_versions(f"name = '{ARTIFACT}'")
    return [dict(v.tags) | {"number": v.version} for v in sorted(found, key=lambda v: v.version)]


def commit(repo: Path, message: str) -> str:
    repro_and_commit(repo, message)
    return run(repo, "git", "rev-parse", "HEAD").stdout.strip()


def promote(repo: Path, tag: str, check: bool = True, outputs: Path | None = None):
    github = [f"GITHUB_OUTPUT={outputs}"] if outputs else []  # as the workflow step has it
    return make(repo, "promote", f"TAG={tag}", *github, check=check)


def newest_tag(repo: Path, pattern: str) -> str:
    listed = run(repo, "git", "tag", "-l", pattern, "--sort=-creatordate").stdout.split()
    return max(listed, key=lambda t: int(t.rsplit("#", 1)[1]))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    repo = synthetic.scratch_repo(tmp_path_factory.mktemp("promotion"))
    seen: dict = {"commit": {}, "hash": {}, "alias": {}}

    seen["commit"]["v1"] = commit(repo, "v1: the default model")
    seen["hash"]["v1"] = lock_hashes(repo)[MODEL]
    seen["register_v1"] = make(repo, "register", "VERSION=v1.0.0")
    seen["assign_v1"] = make(repo, "assign", "STAGE=prod")
    seen["promote_v1"] = promote(repo, f"{ARTIFACT}#prod#1")
    folder = repo / f"reports/promotion/{ARTIFACT}_prod_1"
    seen["card_v1"] = (folder / "model-card.md").read_text()
    seen["record_v1"] = json.loads((folder / "deployment.json").read_text())
    seen["model_v1_md5"] = file_md5(folder / "model.skops")
    seen["again_v1"] = promote(repo, f"{ARTIFACT}#prod#1")
    seen["card_v1_again"] = (
        repo / f"reports/promotion/{ARTIFACT}_prod_1/model-card.md"
    ).read_text()
    seen["versions_after_v1"] = versions(repo)

    edit_conf(repo / MODEL_CONF, {"learning_rate": 0.05})  # no worse on the valid weeks
    seen["commit"]["v2"] = commit(repo, "v2: learning rate 0.05")
    seen["hash"]["v2"] = hash2 = lock_hashes(repo)[MODEL]
    make(repo, "register", "BUMP=minor")  # v1.1.0
    run(repo, "dvc", "push")  # to the default remote, dvc-storage/ in the repo
    objects = [repo / where / "files/md5" / hash2[:2] / hash2[2:]
               for where in (".dvc/cache", "dvc-storage")]  # fmt: skip
    objects[0].unlink()  # the cache lost it: promote fetches it from the remote
    seen["promote_registration_v2"] = promote(repo, f"{ARTIFACT}@v1.1.0")
    seen["alias_after_registration_v2"] = str(alias_version(repo, "prod").version)
    for lost in [*objects, repo / "models/model.skops"]:  # now neither has it: a rebuild
        lost.unlink(missing_ok=True)
    seen["assign_v2"] = make(repo, "assign", "STAGE=prod", "VERSION=v1.1.0")
    seen["tag_v2"] = newest_tag(repo, f"{ARTIFACT}#prod#*")
    seen["outputs_v2"] = repo.parent / "github_output_v2"
    seen["promote_v2"] = promote(repo, seen["tag_v2"], outputs=seen["outputs_v2"])
    seen["check_v2"] = make(repo, "registry-check")
    seen["lineage_v2"] = make(repo, "lineage", "STAGE=prod")
    seen["late_v1"] = promote(repo, f"{ARTIFACT}#prod#1")  # a late run of an older tag
    seen["alias_after_late_v1"] = str(alias_version(repo, "prod").version)

    edit_conf(repo / MODEL_CONF, {"max_iter": 1, "max_leaf_nodes": 2})  # one stump: much worse
    seen["commit"]["v3"] = commit(repo, "v3: one stump")
    make(repo, "register", "VERSION=v1.2.0")
    seen["tags_before_assign_v3"] = run(repo, "git", "tag", "-l").stdout
    seen["assign_v3"] = make(repo, "assign", "STAGE=prod", check=False)
    seen["tags_after_assign_v3"] = run(repo, "git", "tag", "-l").stdout
    # a tag made past `make assign` (by hand, or pushed from elsewhere) meets the same gate
    run(repo, "gto", "assign", f"{ARTIFACT}", "--version", "v1.2.0", "--stage", "prod")
    seen["tag_v3"] = newest_tag(repo, f"{ARTIFACT}#prod#*")
    seen["outputs_v3"] = repo.parent / "github_output_v3"
    seen["promote_v3"] = promote(repo, seen["tag_v3"], check=False, outputs=seen["outputs_v3"])
    seen["alias_after_v3"] = str(alias_version(repo, "prod").version)
    seen["versions_after_v3"] = [v["gto_version"] for v in versions(repo)]
    seen["check_v3"] = make(repo, "registry-check", check=False)
    run(repo, "git", "tag", "-d", seen["tag_v3"])  # what the refusal message says to do
    seen["check_v3_removed"] = make(repo, "registry-check", check=False)
    return repo, seen


def test_register_and_assign_create_tags_and_say_how_to_push(scenario):
    repo, seen = scenario
    assert f"register: created tag {ARTIFACT}@v1.0.0" in seen["register_v1"].stdout
    assert "Nothing was pushed" in seen["register_v1"].stdout
    assert f"git push origin '{ARTIFACT}@v1.0.0'" in seen["register_v1"].stdout
    assert f"assign: created tag {ARTIFACT}#prod#1" in seen["assign_v1"].stdout
    push_both = f"dvc push && git push origin '{ARTIFACT}@v1.0.0' '{ARTIFACT}#prod#1'"
    assert push_both in seen["assign_v1"].stdout
    shown = run(repo, "git", "rev-parse", f"{ARTIFACT}@v1.0.0^{{commit}}").stdout.strip()
    assert shown == seen["commit"]["v1"]


def test_prod_alias_points_at_v1_with_its_lineage(scenario):
    repo, seen = scenario
    (v1,) = seen["versions_after_v1"]
    assert v1["git_commit"] == seen["commit"]["v1"]
    assert v1["model_md5"] == seen["hash"]["v1"]
    assert v1["gto_tag"] == f"{ARTIFACT}@v1.0.0"
    assert v1["gto_assignment:prod"] == f"{ARTIFACT}#prod#1"
    lock = yaml.safe_load(run(repo, "git", "show", f"{seen['commit']['v1']}:dvc.lock").stdout)
    train = lock["stages"]["train"]
    assert v1["dvc_md5:data/features/train.parquet"] == train["deps"][0]["md5"]
    assert v1["data_md5"] == train["deps"][0]["md5"]
    assert len(v1["params_md5"]) == 32
    run_tags = client(repo).get_run(v1["training_run_id"]).data.tags
    assert run_tags["model_md5"] == seen["hash"]["v1"] and run_tags["stage"] == "evaluate"
    assert "alias prod: version (none) -> 1" in seen["promote_v1"].stdout
    assert "copied from the DVC cache; it matches dvc.lock" in seen["promote_v1"].stdout


def test_the_card_and_record_describe_the_promoted_version(scenario):
    _, seen = scenario
    card = seen["card_v1"]
    for heading in ("Promotion gate", "Metrics", "Weakest slices", "Data window", "Parameters",
                    "Intended use", "Limitations"):  # fmt: skip
        assert f"## {heading}" in card
    assert f"`{seen['commit']['v1']}`" in card and seen["hash"]["v1"] in card
    assert "gate: PASS valid.roc_auc" in card and "| train | 1, 2, 3, 4, 5, 6, 7, 8 |" in card
    record = seen["record_v1"]
    assert record["deploy"] is True and record["mlflow"]["model_uri"] == f"models:/{ARTIFACT}@prod"
    assert seen["model_v1_md5"] == seen["hash"]["v1"]


def test_promoting_the_same_tag_twice_changes_nothing(scenario):
    _, seen = scenario
    assert f"MLflow already had {ARTIFACT} version 1 (v1.0.0)" in seen["again_v1"].stdout
    assert [v["gto_version"] for v in seen["versions_after_v1"]] == ["v1.0.0"]  # one, not two
    assert seen["card_v1_again"] == seen["card_v1"]


def test_a_registration_tag_registers_without_moving_an_alias(scenario):
    _, seen = scenario
    out = seen["promote_registration_v2"].stdout
    assert f"MLflow registered {ARTIFACT} version 2 (v1.1.0)" in out
    assert "fetched with dvc artifacts get; it matches dvc.lock" in out
    assert seen["alias_after_registration_v2"] == "1"


def test_a_better_v2_moves_the_alias_after_a_rebuild(scenario):
    repo, seen = scenario
    out = seen["promote_v2"].stdout
    assert f"note: v1.1.0 against v1.0.0 (in prod by {ARTIFACT}#prod#1)" in out
    assert "gate: PASS valid.roc_auc" in out and "gate: PASS" in seen["assign_v2"].stdout
    assert "rebuilt with dvc repro" in out and "it matches dvc.lock" in out
    assert f"MLflow already had {ARTIFACT} version 2 (v1.1.0)" in out
    assert "alias prod: version 1 -> 2" in out
    folder = f"reports/promotion/{seen['tag_v2'].replace('#', '_')}"
    assert seen["outputs_v2"].read_text() == f"deploy=true\ndir={folder}\n"
    assert "registry-check: OK" in seen["check_v2"].stdout
    lineage = seen["lineage_v2"].stdout
    assert f"models:/{ARTIFACT}@prod = {ARTIFACT} version 2" in lineage
    for line in (f"git_commit: {seen['commit']['v2']}", f"model_md5: {seen['hash']['v2']}",
                 f"gto_tag: {ARTIFACT}@v1.1.0", "param model.learning_rate: 0.05",
                 "data_md5: ", "params_md5: ", "training_run_id: "):  # fmt: skip
        assert line in lineage, line


def test_the_model_mlflow_serves_for_prod_is_the_verified_file(scenario):
    import mlflow
    import pandas as pd

    from flight_delay.infra.persistence import load_model

    repo, seen = scenario
    verified = repo / f"reports/promotion/{seen['tag_v2'].replace('#', '_')}/model.skops"
    assert file_md5(verified) == seen["hash"]["v2"]
    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    served = mlflow.sklearn.load_model(f"models:/{ARTIFACT}@prod")
    rows = pd.read_parquet(repo / "data/features/test.parquet").head(300)
    columns = list(served.feature_names_in_)
    expected = load_model(verified).predict_proba(rows[columns])
    assert (served.predict_proba(rows[columns]) == expected).all()


LOAD_PROD = """
import json, sys
from flight_delay.infra.config import load_config
from flight_delay.operate.served_model import ModelSourceError, from_dvc, from_mlflow
config = load_config()
try:
    served = {"mlflow": from_mlflow(config, "prod").metadata,
              "dvc": from_dvc(config, "prod").metadata}
except ModelSourceError as error:
    served = {"error": str(error)}
print(json.dumps(served, default=str))
"""


def load_prod(repo: Path) -> dict:
    """What the service would load for prod, in the scratch repo (its own dataset home)."""
    import sys

    return json.loads(run(repo, sys.executable, "-c", LOAD_PROD).stdout)


def test_the_service_loads_prod_from_mlflow_and_from_the_tags_verified(scenario):
    repo, seen = scenario
    served = load_prod(repo)
    for source in ("mlflow", "dvc"):
        assert served[source]["version"] == "v1.1.0"
        assert served[source]["model_md5"] == seen["hash"]["v2"]
        assert served[source]["git_commit"] == seen["commit"]["v2"]
    assert served["mlflow"]["assignment_tag"] == seen["tag_v2"]
    number = alias_version(repo, "prod").version
    client(repo).set_model_version_tag(ARTIFACT, number, "model_md5", "0" * 32)
    try:  # a registry entry whose model is not the one its lineage names is not served
        assert "does not match the model md5 0000" in load_prod(repo)["error"]
    finally:
        client(repo).set_model_version_tag(ARTIFACT, number, "model_md5", seen["hash"]["v2"])


def test_a_late_promotion_of_an_older_tag_does_not_move_the_alias_back(scenario):
    _, seen = scenario
    out = seen["late_v1"].stdout
    assert "the tags now put v1.1.0 in prod; alias left as it is" in out
    assert seen["alias_after_late_v1"] == "2"


def test_a_worse_v3_is_refused_and_prod_stays(scenario):
    repo, seen = scenario
    refused = seen["assign_v3"]
    assert refused.returncode != 0
    assert "the gate refuses v1.2.0 for prod; no tag was created" in refused.stderr
    assert seen["tags_after_assign_v3"] == seen["tags_before_assign_v3"]
    promoted = seen["promote_v3"]
    assert promoted.returncode != 0
    assert "gate: FAIL valid.roc_auc" in promoted.stdout
    # judged as the PR gate judges: both models on the same rows, a clear regression
    assert "paired bootstrap draws" in promoted.stdout
    assert re.search(r"95% interval \[-[\d.]+, -[\d.]+\] on [\d,]+ rows\): clearly worse",
                     promoted.stdout), promoted.stdout  # fmt: skip
    assert f"{seen['tag_v3']} refused; the MLflow registry is unchanged" in promoted.stderr
    assert seen["alias_after_v3"] == "2"
    assert not seen["outputs_v3"].exists()  # no `deploy` output: the deploy job is skipped
    assert seen["versions_after_v3"] == ["v1.0.0", "v1.1.0"]  # v1.2.0 was not registered


def test_registry_check_reports_a_refused_tag_until_it_is_removed(scenario):
    _, seen = scenario
    assert seen["check_v3"].returncode != 0
    assert "prod: the tags say v1.2.0, MLflow alias prod -> v1.1.0" in seen["check_v3"].stderr
    assert seen["check_v3_removed"].returncode == 0, seen["check_v3_removed"].stderr


def test_registry_check_catches_a_planted_alias(scenario):
    repo, _ = scenario
    client(repo).set_registered_model_alias(f"{ARTIFACT}", "staging", "1")
    try:
        found = make(repo, "registry-check", check=False)
    finally:
        client(repo).delete_registered_model_alias(f"{ARTIFACT}", "staging")
    assert found.returncode != 0
    assert "staging: the tags say nothing, MLflow alias staging -> v1.0.0" in found.stderr


def test_another_project_gets_the_prod_model_with_dvc_artifacts_get(scenario, tmp_path):
    repo, seen = scenario
    # from another directory, as a consuming project does (with the repo's URL instead)
    run(tmp_path, "dvc", "artifacts", "get", str(repo), f"{ARTIFACT}", "--stage", "prod",
        "-o", "prod.skops")  # fmt: skip
    run(tmp_path, "dvc", "artifacts", "get", str(repo), f"{ARTIFACT}", "--rev", "v1.0.0",
        "-o", "v1.skops")  # fmt: skip
    assert file_md5(tmp_path / "prod.skops") == alias_version(repo, "prod").tags["model_md5"]
    assert file_md5(tmp_path / "prod.skops") == seen["hash"]["v2"]
    assert file_md5(tmp_path / "v1.skops") == seen["hash"]["v1"]


def test_dev_is_not_gated_and_unassigning_moves_the_alias_back(scenario):
    repo, _ = scenario
    dev_tags = []
    for version in ("v1.1.0", "v1.2.0"):  # v1.2.0 is worse, but dev has no gate
        make(repo, "assign", "STAGE=dev", f"VERSION={version}")
        dev_tags.append(newest_tag(repo, f"{ARTIFACT}#dev#*"))
        assert "gate:" not in promote(repo, dev_tags[-1]).stdout
    assert alias_version(repo, "dev").tags["gto_version"] == "v1.2.0"
    record = repo / f"reports/promotion/{dev_tags[-1].replace('#', '_')}/deployment.json"
    assert json.loads(record.read_text())["deploy"] is False
    run(repo, "gto", "deprecate", f"{ARTIFACT}", "v1.2.0", "dev")  # GTO falls back to v1.1.0
    back = promote(repo, newest_tag(repo, f"{ARTIFACT}#dev!#*"))
    assert f"alias dev -> {ARTIFACT} v1.1.0" in back.stdout
    assert alias_version(repo, "dev").tags["gto_version"] == "v1.1.0"
    run(repo, "gto", "deprecate", f"{ARTIFACT}", "v1.1.0", "dev")
    gone = promote(repo, newest_tag(repo, f"{ARTIFACT}#dev!#*"))
    assert "removed alias dev: by the tags it is empty" in gone.stdout
    assert alias_version(repo, "dev") is None
    assert alias_version(repo, "prod").tags["gto_version"] == "v1.1.0"  # untouched
    assert make(repo, "registry-check").returncode == 0


def test_an_alias_never_follows_the_tags_to_a_version_no_promotion_put_there(scenario):
    repo, _ = scenario
    make(repo, "assign", "STAGE=staging", "VERSION=v1.1.0")
    promote(repo, newest_tag(repo, f"{ARTIFACT}#staging#*"))
    # v1.0.0 tagged into staging past `make assign`, never promoted there (refused, unrun)
    run(repo, "gto", "assign", f"{ARTIFACT}", "--version", "v1.0.0", "--stage", "staging")
    run(repo, "gto", "deprecate", f"{ARTIFACT}", "v1.1.0", "staging")  # tags: v1.0.0 in staging
    synced = promote(repo, newest_tag(repo, f"{ARTIFACT}#staging!#*"))
    assert "alias staging left as it is: no promotion of v1.0.0 to staging passed" in (
        synced.stdout
    )
    assert alias_version(repo, "staging").tags["gto_version"] == "v1.1.0"
    check = make(repo, "registry-check", check=False)
    assert check.returncode != 0
    assert "staging: the tags say v1.0.0, MLflow alias staging -> v1.1.0" in check.stderr


def test_register_refuses_what_a_tag_could_not_name(scenario):
    repo, _ = scenario
    both = make(repo, "register", "VERSION=v9.9.9", "BUMP=minor", check=False)
    assert both.returncode != 0 and "give VERSION=v9.9.9 or BUMP=minor, not both" in both.stderr
    metrics = repo / "metrics/metrics.json"
    metrics.write_text(metrics.read_text() + "\n")
    try:
        dirty = make(repo, "register", "VERSION=v9.9.9", check=False)
    finally:
        run(repo, "git", "checkout", "--", "metrics/metrics.json")
    assert dirty.returncode != 0
    assert "uncommitted pipeline outputs ['metrics/metrics.json']" in dirty.stderr
    assert not run(repo, "git", "tag", "-l", f"{ARTIFACT}@v9.9.9").stdout


def test_tags_that_are_not_promotions(scenario):
    repo, _ = scenario
    run(repo, "git", "tag", "-a", "release-notes-2013", "-m", "not a model tag")
    plain = promote(repo, "release-notes-2013")
    assert "promote: release-notes-2013 is not a GTO tag; nothing to do" in plain.stdout
    unknown = promote(repo, f"{ARTIFACT}#prod#99", check=False)
    assert unknown.returncode != 0 and "git does not know the ref" in unknown.stderr
    head = run(repo, "git", "rev-parse", "HEAD").stdout.strip()
    run(repo, "git", "tag", "-a", f"{ARTIFACT}#qa#50", head, "-m", "a stage .gto lacks")
    odd = promote(repo, f"{ARTIFACT}#qa#50", check=False)
    assert odd.returncode != 0
    assert "names the stage 'qa', not one of ['dev', 'staging', 'prod']" in odd.stderr
    asked = make(repo, "assign", "STAGE=qa", check=False)
    assert asked.returncode != 0 and "assign: unknown stage 'qa'" in asked.stderr
    run(repo, "git", "commit", "-q", "--allow-empty", "-m", "a commit with no version")
    run(repo, "git", "tag", "-a", f"{ARTIFACT}#staging#77", "-m", "no version tag")
    unversioned = promote(repo, f"{ARTIFACT}#staging#77", check=False)
    assert unversioned.returncode != 0
    assert "is not in this clone; push it first" in unversioned.stderr


def test_metrics_edited_by_hand_are_not_trusted(scenario):
    repo, _ = scenario
    metrics = json.loads((repo / "metrics/metrics.json").read_text())
    metrics["valid"]["roc_auc"] = 0.99
    (repo / "metrics/metrics.json").write_text(json.dumps(metrics))
    run(repo, "git", "commit", "-qam", "a better score, by hand")
    make(repo, "register", "VERSION=v5.0.0")
    before = run(repo, "git", "tag", "-l").stdout
    refused = make(repo, "assign", "STAGE=staging", check=False)
    assert refused.returncode != 0
    assert "metrics/metrics.json differs from the one dvc.lock records (edited or stale)" in (
        refused.stderr
    )
    assert run(repo, "git", "tag", "-l").stdout == before  # no tag created
