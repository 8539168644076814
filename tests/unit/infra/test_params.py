from __future__ import annotations

import json

import pytest
import yaml

from flight_delay.infra.config import parse_config
from flight_delay.infra.params import (
    compose_params,
    conf_file,
    decide,
    differing_keys,
    edit_conf,
    section_file,
    sha256_text,
    write_section,
)
from flight_delay.stages import compose
from tests.conftest import choose_dataset
from tests.synthetic import grouped_conf

COMPOSED = "a: 1\nb:\n  c: 2\n"
OVERRIDDEN = "a: 1\nb:\n  c: 3\n"


def test_params_yaml_equals_the_composition_of_conf(repo_root):
    on_disk = (repo_root / "params.yaml").read_text(encoding="utf-8")
    assert compose_params(repo_root / "conf") == on_disk, "run `make params`"


def test_composition_with_an_override_is_a_valid_config(tmp_path):
    text = compose_params(
        grouped_conf(tmp_path / "conf"), ("model=random_forest", "label.threshold=30")
    )
    config = parse_config(yaml.safe_load(text))
    assert config.model.name == "random_forest"
    assert config.label.threshold == 30


def test_the_dataset_spec_overrides_the_group_defaults_and_a_switch_brings_its_own(
    tmp_path,
):
    conf = grouped_conf(tmp_path / "conf")
    spec = yaml.safe_load((conf / "dataset" / "orders.yaml").read_text(encoding="utf-8"))
    spec["gate"] = {"floor": 0.5, "tolerance": 0.02}  # also a key conf/gate sets
    spec["defaults"] = [{"/split": "shuffled"} if "/split" in d else d for d in spec["defaults"]]
    (conf / "dataset" / "other.yaml").write_text(
        "# @package _global_\n" + yaml.safe_dump(spec), encoding="utf-8"
    )
    (conf / "split" / "shuffled.yaml").write_text(
        "kind: stratified\nvalid_fraction: 0.2\ntest_fraction: 0.2\n", encoding="utf-8"
    )
    config = parse_config(yaml.safe_load(compose_params(conf, ("dataset=other",))))
    assert (config.gate.floor, config.gate.tolerance) == (0.5, 0.02)
    assert config.split.kind == "stratified"
    assert conf_file("split", conf) == conf / "split" / "by_week.yaml"  # what config.yaml picks


def test_conf_file_is_the_option_the_top_config_or_its_dataset_spec_chooses(tmp_path):
    conf = grouped_conf(tmp_path / "conf")
    assert conf_file("gate", conf) == conf / "gate" / "default.yaml"
    assert conf_file("dataset", conf) == conf / "dataset" / "orders.yaml"
    assert conf_file("label", conf) == conf / "label" / "late.yaml"
    with pytest.raises(ValueError, match="choose no nonesuch config"):
        conf_file("nonesuch", conf)


def test_decide_current_when_params_equal_the_composition():
    assert decide(COMPOSED, COMPOSED, last_composed_sha=None) == "current"
    assert decide(COMPOSED, COMPOSED, last_composed_sha="stale") == "current"


def test_decide_write_when_params_are_missing():
    assert decide(None, COMPOSED, last_composed_sha=sha256_text(COMPOSED)) == "write"


def test_decide_write_when_params_hold_the_previous_composition():
    previous = "a: 1\nb:\n  c: 0\n"
    assert decide(previous, COMPOSED, last_composed_sha=sha256_text(previous)) == "write"


def test_decide_write_when_nothing_was_composed_before():
    assert decide(OVERRIDDEN, COMPOSED, last_composed_sha=None) == "write"


def test_decide_keep_when_params_differ_from_both_compositions():
    previous = "a: 1\nb:\n  c: 0\n"
    assert decide(OVERRIDDEN, COMPOSED, last_composed_sha=sha256_text(previous)) == "keep"


def test_differing_keys_are_dotted_paths_of_changed_added_and_removed_leaves():
    left = "a: 1\nb:\n  c: 2\n  d: [1, 2]\ne: x\n"
    right = "a: 1\nb:\n  c: 3\n  d: [1, 2, 3]\nf: y\n"
    assert differing_keys(left, right) == ["b.c", "b.d", "e", "f"]


def test_differing_keys_ignores_formatting():
    assert differing_keys("a: {b: 1}\n", "a:\n  b: 1\n") == []


@pytest.fixture
def scratch_repo(tmp_path, monkeypatch):
    grouped_conf(tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_main_writes_keeps_overrides_and_rewrites_stale_params(scratch_repo, capsys):
    params = scratch_repo / "params.yaml"

    compose.main([])
    composed = params.read_text()
    assert yaml.safe_load(composed)["label"]["threshold"] == 10
    assert json.loads((scratch_repo / "params.composed.json").read_text()) == {
        "sha256": sha256_text(composed)
    }
    assert (scratch_repo / "params.ready").read_text() == compose.READY_TEXT

    overridden = composed.replace("threshold: 10", "threshold: 30")
    params.write_text(overridden)
    compose.main([])
    assert params.read_text() == overridden
    assert "kept params.yaml: it differs from conf/ in label.threshold" in (capsys.readouterr().out)

    label = scratch_repo / "conf/label/late.yaml"
    label.write_text(label.read_text().replace("threshold: 10", "threshold: 20"))
    params.write_text(composed)  # the previous composition: stale, so rewritten
    compose.main([])
    assert yaml.safe_load(params.read_text())["label"]["threshold"] == 20


def test_main_force_drops_overrides(scratch_repo):
    compose.main([])
    composed = (scratch_repo / "params.yaml").read_text()
    (scratch_repo / "params.yaml").write_text(composed.replace("seed: 42", "seed: 1"))
    compose.main(["--force"])
    assert (scratch_repo / "params.yaml").read_text() == composed


def test_main_names_a_wrong_key_and_leaves_params_as_they_were(scratch_repo):
    compose.main([])
    params = scratch_repo / "params.yaml"
    before = params.read_text()
    gate = scratch_repo / "conf/gate/default.yaml"
    gate.write_text(gate.read_text().replace("tolerance: 0.005", "tolerance: -1"))
    for argv in ([], ["--force"]):
        with pytest.raises(SystemExit) as stopped:
            compose.main(argv)
        assert "compose: invalid configuration in conf/ (composed):" in str(stopped.value)
        assert "gate.tolerance: Input should be greater than or equal to 0" in str(stopped.value)
        assert params.read_text() == before
    overridden = before.replace("seed: 42", "seed: forty-two")  # as `dvc exp run -S` would
    params.write_text(overridden)
    with pytest.raises(SystemExit, match="invalid configuration in params.yaml:\n  seed:"):
        compose.main([])
    assert params.read_text() == overridden


def test_main_check_names_the_differing_keys(scratch_repo, capsys):
    compose.main([])
    compose.main(["--check"])
    assert "matches conf/" in capsys.readouterr().out
    params = scratch_repo / "params.yaml"
    params.write_text(params.read_text().replace("seed: 42", "seed: 1"))
    with pytest.raises(SystemExit, match=r"differs from conf/ in seed; run `make params`"):
        compose.main(["--check"])


def test_edit_conf_keeps_the_package_directive_and_the_rest_of_a_section(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("# @package _global_\n# a comment\ngate:\n  floor: 0.7\n  tolerance: 0.01\n")
    edit_conf(path, {"gate": {"floor": 0.5}, "seed": 1})
    text = path.read_text()
    assert text.startswith("# @package _global_\n") and "a comment" not in text
    assert yaml.safe_load(text) == {"gate": {"floor": 0.5, "tolerance": 0.01}, "seed": 1}


def test_a_groups_values_are_written_where_they_win(tmp_path):
    conf = grouped_conf(tmp_path / "conf")
    # the split has its own file; the spec sets gate.floor, which overrides conf/gate
    assert section_file("split", conf) == (conf / "split" / "by_week.yaml", True)
    assert section_file("gate", conf) == (conf / "dataset" / "orders.yaml", False)
    write_section("gate", {"floor": 0.5}, conf)
    composed = parse_config(yaml.safe_load(compose_params(conf)))
    assert composed.gate.floor == 0.5 and composed.gate.tolerance == 0.005
    # a spec written in one file keeps every group in it
    choose_dataset(conf, "orders_inline")
    spec = conf / "dataset" / "orders_inline.yaml"
    assert section_file("split", conf) == (spec, False)
    write_section("split", {"valid": [9], "test": [10, 11, 12]}, conf)
    split = parse_config(yaml.safe_load(compose_params(conf))).split
    assert (split.kind, split.valid, split.test) == ("ordered", [9], [10, 11, 12])
    assert spec.read_text().startswith("# @package _global_\n")
