"""Checks of levels 3-4: automated deployment and automated operations. Each reads the
checkout at `root` and says pass, fail or skip."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from flight_delay.infra.paths import LABELS_DIR, label_overrides
from flight_delay.maturity import repo
from flight_delay.maturity.result import CheckResult, not_met, verdict


def check_release_pipeline(root: Path) -> CheckResult:
    workflow, problems = repo.workflow_problems(root, "promote.yml")
    if (workflow["on"].get("push") or {}).get("tags") != ["**"]:
        problems.append("promote.yml does not run on every pushed tag")
    jobs = workflow["jobs"]
    runs = {n: [s["run"].strip() for s in job["steps"] if "run" in s] for n, job in jobs.items()}
    deploy = next((n for n, r in runs.items() if "make release" in r), None)
    if not any("make promote" in r for r in runs.values()):
        problems.append("promote.yml does not run make promote")
    if deploy is None or not jobs[deploy].get("needs") or not jobs[deploy].get("environment"):
        problems.append("no deploy job (make release) after promote, in an environment")
    environment = jobs[deploy].get("environment") if deploy else "?"
    return verdict(
        problems,
        f"promote.yml on every tag: make promote, then make release in environment `{environment}`",
    )


def check_release_tests(root: Path) -> CheckResult:
    report, problems = repo.workflow_problems(root, "pr-report.yml")
    if "pull_request" not in report["on"]:
        problems.append("pr-report.yml does not run on pull requests")
    commands = repo.run_commands(report)
    problems += [
        f"pr-report.yml does not run {c}"
        for c in ("make ci-repro", "make gate")
        if c not in commands
    ]
    if "make test" not in repo.run_commands(repo.load_workflow(root, "ci.yml")):
        problems.append("ci.yml does not run make test")
    found = {layer: sum(len(repo.test_functions(p))
                        for p in (root / "tests" / layer).rglob("test_*.py"))
             for layer in ("model", "data", "e2e")}  # fmt: skip
    problems += [f"tests/{layer}/ defines no test" for layer, n in found.items() if not n]
    counted = sum(found.values())
    return verdict(
        problems,
        f"each PR rebuilds and gates the model; make test runs {counted} "
        "model, data and end-to-end tests",
    )


def check_traceability(root: Path) -> CheckResult:
    calls = repo.called_names(root / "src/flight_delay/infra/tracking.py")
    problems = [
        f"infra/tracking.py does not call {f}"
        for f in ("git_lineage", "input_hashes")
        if f not in calls
    ]
    if "log_model_run" not in repo.called_names(root / "src/flight_delay/stages/evaluate.py"):
        problems.append("stages/evaluate.py does not log the model's run")
    train_deps = repo.locked_md5(root, "train", "deps")
    if not any(path.startswith("data/") and md5 for path, md5 in train_deps.items()):
        problems.append("dvc.lock records no data hash for train")
    problems += repo.missing_targets(root, ("lineage",))
    if problems:
        return verdict(problems, "")
    store = repo.mlflow_store(root)
    if isinstance(store, str):
        return CheckResult("skip", f"lineage code and dvc.lock in place; {store}")
    if not (runs := repo.active_runs(store)):
        return CheckResult("skip", f"{store.name} holds no runs yet")
    commits = [
        value
        for (value,) in repo.query_store(
            store,
            """SELECT t.value FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid
            WHERE t.key = 'git_commit' AND r.lifecycle_stage = 'active'""",
        )
    ]
    if not commits:
        return CheckResult("fail", f"none of the {runs} runs in {store.name} has a git_commit tag")
    distinct = sorted(set(commits))
    answer = repo.git(root, "cat-file", "--batch-check", stdin="\n".join(distinct) + "\n") or ""
    return CheckResult(
        "pass",
        f"{len(commits)} of {runs} runs in {store.name} carry git_commit "
        f"({len(distinct)} commit(s), {answer.count(' commit ')} in this clone) and data md5s",
    )


PROMOTION_TARGETS = ("register", "assign", "promote", "registry-check")


def check_registry_promotion(root: Path) -> CheckResult:
    stages = repo.read_yaml(root / ".gto").get("stages", [])
    registry = repo.params(root)["registry"]
    problems = [f".gto has no stage {s}" for s in ("dev", "staging", "prod") if s not in stages]
    problems += [
        f"gated stage {s} is not in .gto" for s in registry["gated_stages"] if s not in stages
    ]
    if repo.model_artifact(root, registry["artifact"]).get("type") != "model":
        problems.append(f"dvc.yaml declares no model {registry['artifact']}")
    if "make promote" not in repo.run_commands(repo.load_workflow(root, "promote.yml")):
        problems.append("promote.yml does not run make promote")
    problems += repo.missing_targets(root, PROMOTION_TARGETS)
    return verdict(
        problems,
        f"git tags (GTO) -> promote.yml -> MLflow alias; stages "
        f"{', '.join(stages)}; {repo.gto_tags(root, registry['artifact'])}",
    )


ROLLOUT = re.compile(r"\b(canary|shadow|traffic[ _-]?split|a/b[ _-]?test)", re.IGNORECASE)


def check_safe_rollout(root: Path) -> CheckResult:
    places = [
        root / "src/flight_delay/operate/serve.py",
        root / "src/flight_delay/operate/served_model.py",
        *(root / "conf/serve").glob("*.yaml"),
        *(root / ".github/workflows").glob("*.yml"),
    ]
    found = [
        f"'{match.group(1)}' in {path.relative_to(root)}"
        for path in places
        if path.is_file() and (match := ROLLOUT.search(path.read_text(encoding="utf-8")))
    ]
    return not_met(found, "one model per service; a new prod model takes all traffic at once")


MONITOR_KEYS = ("psi_threshold", "prediction_psi", "performance_drop")


def check_monitoring(root: Path) -> CheckResult:
    serve = root / "src/flight_delay/operate/serve.py"
    problems = [] if '"/metrics"' in serve.read_text(encoding="utf-8") else ["no GET /metrics"]
    if "flight_delay.operate.prediction_log" not in repo.imported_modules(serve):
        problems.append("serve.py keeps no prediction log")
    monitor = repo.params(root)["monitor"]
    problems += [f"conf/monitor has no {key}" for key in MONITOR_KEYS if key not in monitor]
    problems += repo.missing_targets(root, ("monitor", "feedback"))
    return verdict(
        problems,
        f"/metrics, prediction log, make monitor (PSI {monitor.get('psi_threshold')}"
        f", AUC drop {monitor.get('performance_drop')})",
    )


def check_drift_retraining(root: Path) -> CheckResult:
    workflow, problems = repo.workflow_problems(root, "retrain.yml")
    crons = [entry.get("cron") for entry in workflow["on"].get("schedule") or []]
    if not crons or "workflow_dispatch" not in workflow["on"]:
        problems.append("retrain.yml is not scheduled and on demand")
    if "make retrain" not in repo.run_commands(workflow):
        problems.append("retrain.yml does not run make retrain")
    retraining = root / "src/flight_delay/operate/retraining.py"
    if "flight_delay.operate.monitoring" not in repo.imported_modules(retraining):
        problems.append("operate/retraining.py does not use monitoring's verdict")
    return verdict(
        problems,
        f"retrain.yml on cron '{', '.join(map(str, crons))}' and on "
        "demand: drift verdict -> retrain -> gate -> PR",
    )


GATE_KEYS = ("metric", "split", "tolerance", "floor")


def check_quality_gate(root: Path) -> CheckResult:
    config = repo.params(root)
    gate, registry = config["gate"], config["registry"]
    problems = [f"conf/gate has no {key}" for key in GATE_KEYS if key not in gate]
    if registry["deploy_stage"] not in registry["gated_stages"]:
        problems.append(f"the deploy stage {registry['deploy_stage']} is not gated")
    if repo.run_commands(repo.load_workflow(root, "pr-report.yml"))[-1:] != ["make gate"]:
        problems.append("pr-report.yml does not end with make gate")
    promote = root / "src/flight_delay/registry/promote.py"
    if "flight_delay.registry.stage_gate" not in repo.imported_modules(promote):
        problems.append("promote.py does not gate")
    return verdict(
        problems,
        f"{gate.get('split')}.{gate.get('metric')}: drop <= "
        f"{gate.get('tolerance')}, floor {gate.get('floor')}; on every PR and "
        f"every assignment to {', '.join(registry['gated_stages'])}",
    )


UNATTENDED = ("make register", "make assign", "make promote", "make release")


def check_unattended_deploy(root: Path) -> CheckResult:
    commands = repo.run_commands(repo.load_workflow(root, "retrain.yml"))
    found = [f"`{c}` in retrain.yml" for c in commands if c in UNATTENDED]
    return not_met(
        found, "retrain.yml stops at a pull request; a person merges it and pushes the prod tag"
    )


LABELS = LABELS_DIR.as_posix()
LABEL_TESTS = "tests/unit/core/test_label_overrides.py"


def check_labeling(root: Path) -> CheckResult:
    problems = repo.missing_targets(root, ("label-sample", "label-apply"))
    stages = repo.dvc_stages(root)
    problems += [f"{stage} does not depend on {LABELS}" for stage in ("validate", "prepare")
                 if LABELS not in stages[stage]["deps"]]  # fmt: skip
    params = repo.params(root)
    label, path = params["label"]["column"], label_overrides(params["data"]["dataset"])
    labels: list[dict[str, str]] = []
    if (root / path).exists():  # absent: nobody has set a label yet
        with (root / path).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            labels = list(reader)
            if not {label, "reviewer"} <= set(reader.fieldnames or ()):
                problems.append(f"{path.as_posix()} has no {label} and reviewer columns")
    if not repo.test_functions(root / LABEL_TESTS):
        problems.append(f"{LABEL_TESTS} defines no test")
    return verdict(
        problems,
        f"{len(labels)} reviewed label(s) in {path.as_posix()}; prepare applies "
        "them; make label-sample, label-apply",
    )
