"""`make maturity`: the checklist holds on this repo, and each check catches what it checks.

The breakage tests work on a copy of the files the checks read, in a fresh git repo, with
no MLflow store and no tags (as on a fresh clone): one thing is broken and exactly the
item that covers it fails, and `main` exits 1.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml

from flight_delay.infra.io import path_md5
from flight_delay.infra.paths import label_overrides
from flight_delay.maturity.__main__ import main
from flight_delay.maturity.assess import Result, assess, assess_all, exit_code, summary
from flight_delay.maturity.items import ITEMS, LEVELS
from flight_delay.maturity.render import as_json, render
from flight_delay.maturity.result import CheckResult

REPO_ROOT = Path(__file__).resolve().parents[3]
CHECKED = (  # what the checks read
    "Makefile", "dvc.yaml", "dvc.lock", ".gto", ".dvc/config", "params.yaml", "pyproject.toml",
    "uv.lock", "reports/validation.json",
    "plots/shap_importance.csv", "plots/group_importance.csv",
)  # fmt: skip
CHECKED_TREES = {  # folder -> pattern
    ".github/workflows": "*.yml", "conf": "*.yaml", "src/flight_delay": "*.py", "tests": "*.py",
    "src/flight_delay/datasets": "*.yaml",
}  # fmt: skip
ITEM = {item.key: item for item in ITEMS}


@pytest.fixture(autouse=True)
def no_tracking_server(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def refresh_code_hashes(repo: Path) -> None:
    """Bring dvc.lock's code hashes up to date in the copy, as `dvc repro` would, so that
    the copy starts clean even while someone edits code in the real workspace."""
    lock = repo / "dvc.lock"
    text = lock.read_text()
    for entry in yaml.safe_load(text)["stages"].values():
        for dep in entry.get("deps", []):
            if dep["path"].startswith("src/") and (repo / dep["path"]).exists():
                text = text.replace(f"md5: {dep['md5']}", f"md5: {path_md5(repo / dep['path'])}")
    lock.write_text(text)


def chosen_labels() -> list[str]:
    """The hand-set labels of the dataset params.yaml chooses, when it has any."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    path = label_overrides(params["data"]["dataset"]).as_posix()
    return [path] if (REPO_ROOT / path).is_file() else []


@pytest.fixture(scope="session")
def pristine(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("maturity") / "repo"
    names = [*CHECKED, *chosen_labels(), *(
        path.relative_to(REPO_ROOT).as_posix()
        for folder, pattern in CHECKED_TREES.items()
        for path in (REPO_ROOT / folder).rglob(pattern)
        if "__pycache__" not in path.parts
    )]  # fmt: skip
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, repo / name)
    refresh_code_hashes(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "copy", "--no-verify", "--no-gpg-sign")
    return repo


@pytest.fixture
def repo(pristine, tmp_path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "repo", symlinks=True))


def run_main(repo: Path, capsys, *flags: str) -> tuple[int, dict]:
    code = main(["--root", str(repo), "--json", *flags])
    return code, json.loads(capsys.readouterr().out)


def failed_items(report: dict) -> set[str]:
    return {
        item["key"]
        for level in report["levels"]
        for item in level["items"]
        if item["check"]["outcome"] == "fail"
    }


def test_on_this_repo_no_met_or_partly_item_fails_and_no_unmet_item_passes():
    results = assess_all(REPO_ROOT)
    failing = [
        f"{r.item.key}: {r.check.reason}"
        for r in results
        if r.status in ("met", "partly") and r.check.outcome == "fail"
    ]
    assert not failing, failing
    assert all(r.check.outcome != "pass" for r in results if r.status == "not met")


def test_a_clean_copy_without_store_or_tags_passes_and_skips_what_it_cannot_see(repo):
    results = {r.item.key: r for r in assess_all(repo)}
    assert [key for key, r in results.items() if r.check.outcome == "fail"] == []
    assert exit_code(results.values()) == 0
    assert exit_code(results.values(), strict=True) == 1  # strict: a skip is not enough
    assert results["tracking"].check.outcome == results["traceability"].check.outcome == "skip"
    assert "a fresh clone has none" in results["traceability"].check.reason
    assert "no GTO tags" in results["registry-promotion"].check.reason


def unpin_an_action(repo: Path) -> None:
    ci = repo / ".github/workflows/ci.yml"
    text = ci.read_text()
    pinned = text.split("uses: actions/checkout@")[1].split()[0]
    ci.write_text(text.replace(f"actions/checkout@{pinned}", "actions/checkout@v7"))


def remove_the_lineage_target(repo: Path) -> None:
    makefile = repo / "Makefile"
    rules = makefile.read_text().split("\n\n")
    makefile.write_text("\n\n".join(r for r in rules if not r.startswith("lineage:")))


def edit_code_after_the_lock(repo: Path) -> None:
    with (repo / "src/flight_delay/stages/train.py").open("a") as handle:
        handle.write("# an edit dvc.lock has not seen\n")


def rename_a_cited_test(repo: Path) -> None:
    path = repo / "tests/unit/pr/test_judge.py"
    old = "test_a_pr_cannot_loosen_the_gate_it_is_judged_by"
    path.write_text(path.read_text().replace(old, "test_renamed"))


def empty_the_dataset_model_tests(repo: Path) -> None:
    """An adopter rewrites tests/model: any test names pass, none at all fails."""
    for path in (repo / "tests/model").rglob("test_*.py"):
        path.write_text('"""To be written for the new dataset."""\n')


@pytest.mark.parametrize(
    ("breakage", "item", "reason"),
    [
        (unpin_an_action, "ci", "actions/checkout@v7 is not pinned by a 40-hex commit SHA"),
        (remove_the_lineage_target, "traceability", "Makefile has no target `lineage`"),
        (
            edit_code_after_the_lock,
            "training-pipeline",
            "stale for train: src/flight_delay/stages/train",
        ),
        (
            rename_a_cited_test,
            "quality-gate",
            "no test tests/unit/pr/test_judge.py::test_a_pr_cannot",
        ),
        (empty_the_dataset_model_tests, "release-tests", "tests/model/ defines no test"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_one_broken_thing_fails_exactly_its_item_and_main_exits_1(
    repo, capsys, breakage, item, reason
):
    assert assess(ITEM[item], repo).check.outcome != "fail"
    breakage(repo)
    code, report = run_main(repo, capsys)
    assert code == 1
    assert failed_items(report) == {item}
    assert reason in assess(ITEM[item], repo).check.reason


def test_params_that_differ_from_conf_fail_the_config_item(repo):
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("seed: 42", "seed: 7"))
    result = assess(ITEM["config-as-code"], repo)
    assert result.check.outcome == "fail" and "seed" in result.check.reason


def test_a_missing_labeling_file_means_not_met_not_a_failure(repo):
    shutil.rmtree(repo / "data/labels", ignore_errors=True)  # a new dataset has none yet
    result = assess(ITEM["labeling"], repo)
    assert result.status == "not met" and result.check.outcome == "skip"
    assert "data/labels" in result.check.reason
    assert exit_code([result]) == 0


def test_an_unmet_item_never_passes_and_says_when_the_missing_piece_appears(repo):
    result = assess(ITEM["safe-rollout"], repo)
    assert (result.status, result.check.outcome) == ("not met", "skip")
    serve = repo / "conf/serve/default.yaml"
    serve.write_text(serve.read_text() + "canary_share: 0.1\n")
    result = assess(ITEM["safe-rollout"], repo)
    assert result.check.outcome == "fail" and "canary" in result.check.reason
    assert exit_code([result]) == 0 and exit_code([result], strict=True) == 1


def make_store(path: Path, tags: dict[str, str], metrics: bool = True) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (run_uuid TEXT, lifecycle_stage TEXT)")
        db.execute("CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT)")
        db.execute("CREATE TABLE metrics (key TEXT, value REAL, run_uuid TEXT)")
        db.execute("INSERT INTO runs VALUES ('r1', 'active')")
        db.executemany("INSERT INTO tags VALUES (?, ?, 'r1')", tags.items())
        if metrics:
            db.execute("INSERT INTO metrics VALUES ('test_roc_auc', 0.7, 'r1')")


def test_runs_in_the_store_must_carry_their_git_commit(repo):
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    make_store(repo / "mlflow.db", {"git_commit": head, "model_md5": "abc"})
    result = assess(ITEM["traceability"], repo)
    assert result.check.outcome == "pass" and "1 in this clone" in result.check.reason
    assert assess(ITEM["tracking"], repo).check.outcome == "pass"

    (repo / "mlflow.db").unlink()
    make_store(repo / "mlflow.db", {"model_md5": "abc"})
    result = assess(ITEM["traceability"], repo)
    assert result.check.outcome == "fail" and "git_commit" in result.check.reason


def test_tracking_wants_runs_the_pipeline_logged_not_test_metrics(repo):
    make_store(repo / "mlflow.db", {"git_commit": "abc"}, metrics=False)
    result = assess(ITEM["tracking"], repo).check
    assert result.outcome == "fail" and "model_md5" in result.reason
    (repo / "mlflow.db").unlink()
    make_store(repo / "mlflow.db", {"model_md5": "abc"}, metrics=False)  # evaluate skipped
    result = assess(ITEM["tracking"], repo).check
    assert result.outcome == "pass" and "1 with lineage, 0 with test metrics" in result.reason


def test_a_check_that_cannot_read_its_file_fails_naming_it(repo):
    (repo / ".gto").unlink()
    result = assess(ITEM["registry-promotion"], repo)
    assert result.check == CheckResult("fail", "missing .gto")


def test_the_items_are_data_one_per_key_at_a_level_of_the_model():
    assert len(ITEM) == len(ITEMS)
    assert {item.level for item in ITEMS} <= {level.number for level in LEVELS}
    assert all(item.gap for item in ITEMS if item.status != "met")
    assert all(not item.tests for item in ITEMS if item.status == "not met")


def test_render_shows_every_level_every_item_and_every_gap():
    results = tuple(
        Result(item, item.status, CheckResult("skip" if item.status == "not met" else "pass", "ok"))
        for item in ITEMS
    )
    text = render(results)
    for level in LEVELS:
        assert f"Level {level.number}: {level.name}" in text
    gaps = text.split("what it would take:")[1]
    for item in ITEMS:
        assert item.title.split()[0] in text
        if item.status == "not met":
            assert f"[not met] {item.title}" in " ".join(gaps.split())
    counts = summary(results)
    assert text.rstrip().endswith(
        f"{counts['met']} met, {counts['partly']} partly, {counts['not met']} not met; "
        f"checks: {counts['passed']} passed, 0 failed, {counts['skipped']} skipped"
    )
    levels = as_json(results)["levels"]
    assert [lv["level"] for lv in levels] == [0, 1, 2, 3, 4]
    assert sum(len(lv["items"]) for lv in levels) == len(ITEMS)
