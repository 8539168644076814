from __future__ import annotations

import json
import shutil

import pytest
import yaml

from flight_delay.infra.config import parse_config
from flight_delay.infra.params import compose_params, decide, differing_keys, sha256_text
from flight_delay.stages import compose

COMPOSED = "a: 1\nb:\n  c: 2\n"
OVERRIDDEN = "a: 1\nb:\n  c: 3\n"


def test_params_yaml_equals_the_composition_of_conf(repo_root):
    on_disk = (repo_root / "params.yaml").read_text(encoding="utf-8")
    assert compose_params(repo_root / "conf") == on_disk, "run `make params`"


def test_composition_with_an_override_is_a_valid_config(repo_root):
    text = compose_params(repo_root / "conf", ("model=random_forest", "label.threshold=30"))
    config = parse_config(yaml.safe_load(text))
    assert config.model.name == "random_forest"
    assert config.label.threshold == 30


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
def scratch_repo(tmp_path, repo_root, monkeypatch):
    shutil.copytree(repo_root / "conf", tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_main_writes_keeps_overrides_and_rewrites_stale_params(scratch_repo, capsys):
    params = scratch_repo / "params.yaml"

    compose.main([])
    composed = params.read_text()
    assert yaml.safe_load(composed)["label"]["threshold"] == 15
    assert json.loads((scratch_repo / "params.composed.json").read_text()) == {
        "sha256": sha256_text(composed)
    }
    assert (scratch_repo / "params.ready").read_text() == compose.READY_TEXT

    overridden = composed.replace("threshold: 15", "threshold: 30")
    params.write_text(overridden)
    compose.main([])
    assert params.read_text() == overridden
    assert "kept params.yaml: it differs from conf/ in label.threshold" in (capsys.readouterr().out)

    label = scratch_repo / "conf/label/arrival_delay.yaml"
    label.write_text(label.read_text().replace("threshold: 15", "threshold: 20"))
    params.write_text(composed)  # the previous composition: stale, so rewritten
    compose.main([])
    assert yaml.safe_load(params.read_text())["label"]["threshold"] == 20


def test_main_force_drops_overrides(scratch_repo):
    compose.main([])
    composed = (scratch_repo / "params.yaml").read_text()
    (scratch_repo / "params.yaml").write_text(composed.replace("seed: 42", "seed: 1"))
    compose.main(["--force"])
    assert (scratch_repo / "params.yaml").read_text() == composed


def test_main_check_names_the_differing_keys(scratch_repo, capsys):
    compose.main([])
    compose.main(["--check"])
    assert "matches conf/" in capsys.readouterr().out
    params = scratch_repo / "params.yaml"
    params.write_text(params.read_text().replace("seed: 42", "seed: 1"))
    with pytest.raises(SystemExit, match=r"differs from conf/ in seed; run `make params`"):
        compose.main(["--check"])
