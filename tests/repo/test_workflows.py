"""The GitHub workflows: linted, least privilege, pinned, and logic-free.

GitHub Actions cannot run here, so each step must be a Makefile target that the
rest of the suite runs locally; these checks keep it that way.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from tests.conftest import REPO_ROOT, VENV_BIN

WORKFLOWS = sorted((REPO_ROOT / ".github/workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(path):
    workflow = yaml.safe_load(path.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on` as True
    return workflow


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_the_expected_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "pr-report.yml", "promote.yml", "retrain.yml"}


def test_actionlint_reports_nothing():
    done = subprocess.run(
        [VENV_BIN / "actionlint", "-no-color"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


def test_zizmor_reports_nothing():
    done = subprocess.run(
        [VENV_BIN / "zizmor", "--offline", "--no-progress", ".github/workflows"],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version_noted(path):
    text = path.read_text()
    uses = re.findall(r"uses:\s*(\S+)(.*)", text)
    assert uses
    for action, rest in uses:
        assert PINNED.match(action), f"{path.name}: {action} is not pinned to a full commit SHA"
        assert re.search(r"#\s*v\d", rest), f"{path.name}: {action} has no `# vX.Y.Z` comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_no_dangerous_trigger(path):
    workflow = load(path)
    assert "pull_request_target" not in workflow["on"]
    assert workflow["permissions"] in ({}, {"contents": "read"}), "top level must be read-only"
    # the only writers: the PR comment, and the release of a promoted model
    writer = {"pull-requests": {"make post-report"}, "contents": {"make release"}}
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        writes = {scope for scope, level in granted.items() if level == "write"}
        assert writes <= writer.keys(), f"{path.name}:{name} may write {writes}"
        commands = {step.get("run", "") for step in job["steps"]}
        needless = [scope for scope in writes if not writer[scope] & commands]
        assert not needless, f"{path.name}:{name} may write {needless} without using it"
    releasing = [job for job in workflow["jobs"].values()
                 if job.get("permissions", {}).get("contents") == "write"]  # fmt: skip
    assert all(job.get("environment") and job.get("if") for job in releasing)
    for step in steps(workflow):
        if "actions/checkout" in step.get("uses", ""):
            assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_run_step_is_one_make_target_that_exists(path):
    for step in steps(load(path)):
        if "run" not in step:
            continue
        command = step["run"].strip()
        assert re.fullmatch(r"make [\w-]+", command), f"{path.name}: logic in YAML: {command!r}"
        target = command.split()[1]
        dry = subprocess.run(["make", "-n", target], cwd=REPO_ROOT, capture_output=True, text=True)
        assert dry.returncode == 0, f"{path.name}: `{command}` fails: {dry.stderr}"


def test_no_untrusted_event_field_reaches_a_shell():
    for path in WORKFLOWS:
        for step in steps(load(path)):
            assert "${{" not in step.get("run", ""), f"{path.name}: expression inside run:"


def test_ci_runs_lint_params_check_workflow_lint_and_tests():
    commands = [step.get("run") for step in steps(load(REPO_ROOT / ".github/workflows/ci.yml"))]
    expected = ["make install", "make lint", "make check-params", "make lint-workflows"]
    assert [c for c in commands if c] == [*expected, "make test"]


def test_pr_report_posts_keeps_the_artifact_and_gates_last():
    workflow = load(REPO_ROOT / ".github/workflows/pr-report.yml")
    job_steps = steps(workflow)
    commands = [step.get("run") for step in job_steps]
    order = ["make ci-repro", "make report", "make post-report", "make gate"]
    assert [c for c in commands if c in order] == order
    upload = next(s for s in job_steps if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/pr/"
    checkout = job_steps[0]
    assert checkout["with"]["fetch-depth"] == 0  # the base branch must be in the clone


def test_promote_runs_on_every_tag_and_deploys_only_what_passed():
    workflow = load(REPO_ROOT / ".github/workflows/promote.yml")
    assert workflow["on"] == {"push": {"tags": ["**"]}}
    promote, deploy = workflow["jobs"]["promote"], workflow["jobs"]["deploy"]
    step = next(s for s in promote["steps"] if s.get("run") == "make promote")
    assert step["env"]["TAG"] == "${{ github.ref_name }}"
    assert promote["outputs"]["deploy"] == "${{ steps.promote.outputs.deploy }}"
    upload = next(s for s in promote["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "${{ steps.promote.outputs.dir }}"
    assert deploy["needs"] == "promote"
    assert deploy["if"] == "needs.promote.outputs.deploy == 'true'"
    assert [s.get("run") for s in deploy["steps"] if s.get("run")] == ["make release"]
    jobs = [promote, deploy]
    setups = [s for job in jobs for s in job["steps"] if "setup-uv" in s.get("uses", "")]
    assert len(setups) == 2 and all(s["with"]["enable-cache"] is False for s in setups)
    checkouts = [s for job in jobs for s in job["steps"] if "checkout" in s.get("uses", "")]
    trusted = "${{ github.event.repository.default_branch }}"  # never the tagged commit's code
    assert [c["with"]["ref"] for c in checkouts] == [trusted, trusted]
    assert all(c["with"]["fetch-depth"] == 0 for c in checkouts)  # every tag, for GTO


def test_retrain_runs_weekly_and_on_demand_and_opens_a_pr_only_after_the_gate():
    workflow = load(REPO_ROOT / ".github/workflows/retrain.yml")
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    check, opener = workflow["jobs"]["retrain"], workflow["jobs"]["pull-request"]
    assert [s.get("run") for s in check["steps"] if s.get("run")] == [
        "make ci-repro", "make retrain"]  # fmt: skip
    assert check["permissions"] == {"contents": "read"}
    assert opener["needs"] == "retrain" and opener["environment"] == "retraining"
    # its own token reads only; the PR is made with a token that starts the PR workflows
    assert opener["permissions"] == {"contents": "read"}
    step = next(s for s in opener["steps"] if s.get("run") == "make retrain-pr")
    assert step["env"]["REPO_TOKEN"] == "${{ secrets.RETRAIN_PR_TOKEN }}"
    assert opener["if"] == "needs.retrain.outputs.retrain == 'true'"
    assert [s.get("run") for s in opener["steps"] if s.get("run")] == [
        "make install-cml", "make retrain-pr"]  # fmt: skip
    setups = [s for job in (check, opener) for s in job["steps"] if "setup-uv" in s.get("uses", "")]
    assert all(s["with"]["enable-cache"] is False for s in setups)
