"""`make simulate`: replay the data window by window (the values of the ordered split's
column: the months of 2013, for the flights) through the whole operate loop.

In a throwaway clone of this repository (so that its commits, tags and MLflow store
never touch yours):
1. train on the values before FIRST (all but the last two; validate and test on those),
   register v1.0.0, assign it to prod (gated) and promote it: `models:/...@prod`;
2. for each value v from FIRST to LAST: start the service on the prod model, send
   v's rows through HTTP (logged), join the log with the real outcomes
   (`make feedback`), judge drift and performance as `make monitor` does, and when
   the verdict says so, retrain as `make retrain` does (the window moves forward),
   commit, register the next version and assign it to prod: the gate decides, and a
   version it passes is promoted by its tag and served from the next window on.
FIRST and LAST default to the split's first validation value and last test value. The
gate's floor is FLOOR, or the dataset spec's: the replay's first model trains on fewer
values than the pipeline's (for the flights, three months, not eight: FLOOR=0.6).
PLANT=v sends v's rows through the dataset's simulated drift (for the flights, the
weather in metric units: a client's unit bug), a drift that must fire the loop.
A split without a time order cannot be replayed: a clear refusal.
Writes reports/simulation/simulation.json, .md and .png.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flight_delay.datasets import dataset_for
from flight_delay.infra.config import OrderedSplit, PipelineConfig, load_config
from flight_delay.infra.paths import SIMULATION_DIR
from flight_delay.infra.processes import ProcessError, free_port, stop_child, wait_ready
from flight_delay.infra.progress import say
from flight_delay.operate.monitoring import Reference
from flight_delay.operate.served_model import ServedModel

BATCH_ROWS = 200


@dataclass
class Champion:
    """The version in prod, and what its monitoring compares with."""

    version: str
    served: ServedModel
    reference: Reference  # its training and validation months, scored


class Sandbox:
    """A clone of the repo with its own MLflow store; runs commands inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        bin_dir = str(Path(sys.executable).parent)
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
        self.env = keep | {
            "PATH": bin_dir + os.pathsep + keep.get("PATH", ""),
            "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
            "DVC_NO_ANALYTICS": "1", "ITERATIVE_DO_NOT_TRACK": "1",
            "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
            "GIT_AUTHOR_NAME": "simulate", "GIT_AUTHOR_EMAIL": "simulate@example.invalid",
            "GIT_COMMITTER_NAME": "simulate", "GIT_COMMITTER_EMAIL": "simulate@example.invalid",
        }  # fmt: skip

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True,
                              text=True)  # fmt: skip
        if check and done.returncode != 0:
            raise SystemExit(f"simulate: `{' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
        return done

    def set_section(self, group: str, **values: object) -> None:
        """Change keys of a config group where the sandbox keeps it (its own file or the
        dataset spec's section: infra/params.write_section)."""
        from flight_delay.infra.params import write_section

        write_section(group, values, self.root / "conf")

    def python(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", *args, check=check)

    def config(self) -> PipelineConfig:
        return load_config(self.root / "params.yaml")

    def retrain_and_promote(
        self, split: OrderedSplit, message: str, version: str | None
    ) -> tuple[str, str]:
        """Train on `split`, commit, register, assign prod: (the promoted version or
        why not, what the gate said)."""
        from flight_delay.operate.retraining import write_split

        write_split(split, self.root / "conf")
        self.run("dvc", "repro")
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", message)
        how = ["--version", version] if version else ["--bump", "minor"]
        tag = self.python("flight_delay.registry.versions", "register", *how).stdout
        version_tag = tag.split("created tag ")[1].split()[0]
        assigned = self.python("flight_delay.registry.versions", "assign", "--stage", "prod",
                               check=False)  # fmt: skip
        verdict = " ".join(line.removeprefix("assign: ") for line in assigned.stdout.splitlines()
                           if line.startswith(("gate:", "assign: note:")))  # fmt: skip
        if assigned.returncode != 0:
            if "the gate refuses" not in assigned.stderr:
                raise SystemExit(f"simulate: make assign failed:\n{assigned.stderr}")
            say("simulate", f"the gate refuses {version_tag}: {verdict}")
            return "refused by the gate", verdict
        stage_tag = assigned.stdout.split("created tag ")[1].split()[0]
        self.python("flight_delay.registry.promote", stage_tag)
        return version_tag.split("@")[1], verdict


def champion_of(box: Sandbox, version: str) -> Champion:
    """The version just promoted: the sandbox's workspace is its commit, so its
    data/features are the rows it was trained and validated on."""
    from flight_delay.infra.paths import FEATURES_DIR
    from flight_delay.operate.monitoring import load_reference
    from flight_delay.operate.served_model import from_mlflow

    config = box.config()
    os.environ["MLFLOW_TRACKING_URI"] = box.env["MLFLOW_TRACKING_URI"]
    served = from_mlflow(config, "prod")
    features = box.root / FEATURES_DIR
    reference = load_reference(served, features / "train.parquet", features / "valid.parquet",
                               config.monitor)  # fmt: skip
    return Champion(version, served, reference)


def serve_month(
    box: Sandbox, rows: pd.DataFrame, log: Path, identity: list[str], label: str
) -> tuple[int, int]:
    """Start the service on prod, send the rows it can take (their inputs and `identity`
    fields, never the `label`), stop it; (sent, skipped)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flight_delay.operate.serve", "--stage", "prod", "--port", str(port),
         "--log", str(log)], cwd=box.root, env=box.env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        try:
            connection = wait_ready(port, server)
        except ProcessError as err:
            raise SystemExit(f"simulate: the service did not start: {err}") from None
        connection.request("GET", "/metadata")
        meta = json.loads(connection.getresponse().read())
        known = pd.Series(True, index=rows.index)
        for column, values in meta["inputs"]["categories"].items():
            known &= rows[column].isin(values)
        fields = [*meta["inputs"]["numeric"], *meta["inputs"]["categorical"], *identity]
        records = json.loads(rows.loc[known, fields].to_json(orient="records"))
        for start in range(0, len(records), BATCH_ROWS):
            body = json.dumps(records[start : start + BATCH_ROWS])
            connection.request("POST", "/predict", body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            text = answer.read()
            if answer.status != 200:
                said = text[:300].decode(errors="replace")
                raise SystemExit(f"simulate: the service answered {answer.status}: {said}")
        assert label not in fields  # the outcome is never sent
        return int(known.sum()), int((~known).sum())
    finally:
        stop_child(server)


def window_row(
    column: str, value: int | str, champion: Champion, report: dict, sent: int, skipped: int
) -> dict:
    perf = report["performance"] or {}
    return {
        column: value, "served_version": champion.version, "rows_served": sent,
        "rows_skipped": skipped, "drift_share": report["drift_share"],
        "drifted_features": report["drifted_features"],
        "prediction_psi": report["predictions"]["psi"], "served_auc": perf.get("current"),
        "retrain": report["retrain"], "reasons": report["reasons"], "promoted": "", "gate": "",
    }  # fmt: skip


def table_markdown(rows: list[dict], column: str) -> str:
    lines = [f"| {column} | served | drift score | drifted features | served AUC | retrained? | "
             "promoted |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        auc = f"{r['served_auc']:.4f}" if r["served_auc"] is not None else "-"
        lines.append(
            f"| {r[column]} | {r['served_version']} | {r['drift_share']:.2f} | "
            f"{', '.join(r['drifted_features']) or '-'} | {auc} | "
            f"{'yes' if r['retrain'] else 'no'} | {r['promoted'] or '-'} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], column: str, target: Path) -> None:
    from flight_delay.infra.figures import new_axes, save_png

    figure, axes = new_axes(f"Replay by {column}", column, "served ROC AUC")
    months = list(range(len(rows)))  # one position per window, labelled with its value
    axes.set_xticks(months, [str(r[column]) for r in rows])
    axes.plot(months, [r["served_auc"] for r in rows], marker="o", label="served model's AUC")
    drift = axes.twinx()
    drift.bar(months, [r["drift_share"] for r in rows], alpha=0.25, color="tab:red")
    drift.set_ylabel("share of drifted features")
    for position, r in enumerate(rows):
        if r["promoted"].startswith("v"):
            axes.axvline(position + 0.5, color="tab:green", linestyle="--")
            axes.annotate(r["promoted"], (position + 0.5, axes.get_ylim()[0]), rotation=90)
    axes.legend(loc="upper left")
    save_png(figure, target)


def replay_values(split: OrderedSplit, first: int | str, last: int | str) -> list[int | str]:
    """All the split column's values the config names, in order; SystemExit unless three
    come before FIRST (train, valid, test) and LAST is one of them, after FIRST."""
    values: list[int | str] = sorted({*split.train, *split.valid, *split.test})
    known = first in values and last in values
    if not known or values.index(first) < 3 or values.index(last) < values.index(first):
        raise SystemExit(f"simulate: FIRST and LAST must be {split.column} values of the split "
                         f"{values}, with three before FIRST and LAST >= FIRST")  # fmt: skip
    return values


def simulate(
    box: Sandbox, first: int | str, last: int | str, plant: set[int | str], out: Path
) -> tuple[str, list[dict]]:
    from flight_delay.operate.monitoring import compare, scores
    from flight_delay.operate.outcomes import join_feedback, label_outcomes
    from flight_delay.operate.prediction_log import read_log
    from flight_delay.operate.retraining import (
        extend_split,
        ordered,
        read_tables,
        values_after,
        window_features,
    )

    split = ordered(box.config().split)
    values = replay_values(split, first, last)
    start = values.index(first)
    first_split = OrderedSplit(kind="ordered", column=split.column, train=values[: start - 2],
                               valid=[values[start - 2]], test=[values[start - 1]])  # fmt: skip
    dataset = dataset_for(box.config())
    drift = dataset.simulated_drift
    if plant and drift is None:
        raise SystemExit(f"simulate: PLANT needs the drift the {dataset.name} dataset's hook "
                         f"plants: define simulated_drift in src/flight_delay/datasets/"
                         f"{dataset.name}/hook.py")  # fmt: skip
    say("simulate", f"initial training on {split.column} {first_split.train}")
    promoted, _ = box.retrain_and_promote(first_split, "simulate: initial model", "v1.0.0")
    if not promoted.startswith("v"):
        raise SystemExit("simulate: the gate refuses the initial model (lower gate.floor?)")
    tables = read_tables(dataset, box.root)
    raw = tables[dataset.label_table]
    identity = list(dataset.identity_rules)
    champion = champion_of(box, promoted)
    rows = []
    for month in values[start : values.index(last) + 1]:
        config = box.config()
        served_rows = window_features(tables, dataset, config, [month])
        if served_rows.empty:
            raise SystemExit(f"simulate: no rows with {split.column} {month} in the data")
        if month in plant and drift is not None:
            served_rows = drift(served_rows)
        log = out / f"predictions-{split.column}-{month}.sqlite"
        log.unlink(missing_ok=True)
        sent, skipped = serve_month(box, served_rows, log, identity, dataset.label)
        outcomes = label_outcomes(raw, dataset)
        feedback, _ = join_feedback(read_log(log), outcomes, dataset)
        current = scores(feedback, champion.served, f"{split.column} {month}")
        reference = champion.reference
        report = compare(reference.rows, current, champion.served, config.monitor, reference)
        row = window_row(split.column, month, champion, report, sent, skipped)
        if report["retrain"]:
            now = ordered(config.split)
            window = [m for m in values_after(raw, now) if m <= month]  # type: ignore[operator]
            row["promoted"], row["gate"] = box.retrain_and_promote(
                extend_split(now, window), f"simulate: retrain after {split.column} {month}",
                None)  # fmt: skip
            if row["promoted"].startswith("v"):
                champion = champion_of(box, row["promoted"])
        say("simulate", f"{split.column} {month}: drift {row['drift_share']:.2f}, "
            f"AUC {row['served_auc']}, retrain {row['retrain']}, "
            f"promoted {row['promoted'] or '-'}")  # fmt: skip
        rows.append(row)
    return split.column, rows


def _value(text: str) -> int | str:
    """A split value from the command line: a whole number when it is one."""
    return int(text) if text.lstrip("-").isdigit() else text


def main(argv: list[str] | None = None) -> None:
    from flight_delay.infra.io import write_json, write_text
    from flight_delay.operate.retraining import RetrainError, ordered

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=_value, default=None,
                        help="the first value of the split column served (default: the "
                        "split's first validation value)")  # fmt: skip
    parser.add_argument("--last", type=_value, default=None,
                        help="the last value served (default: the split's last test "
                        "value)")  # fmt: skip
    parser.add_argument("--plant", default="",
                        help="values sent with the dataset's planted drift, e.g. 9,10")  # fmt: skip
    parser.add_argument("--floor", type=float, default=None,
                        help="gate.floor in the sandbox (default: the dataset spec's; the "
                        "replay's first model trains on fewer values than the "
                        "pipeline's)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the sandbox clone")
    args = parser.parse_args(argv)
    plant = {_value(m.strip()) for m in args.plant.split(",") if m.strip()}
    try:  # refused before anything is cloned or trained
        split = ordered(load_config().split)
    except RetrainError as err:
        raise SystemExit(f"simulate: {err}") from None
    first = split.valid[0] if args.first is None else args.first
    last = max(split.test) if args.last is None else args.last
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    out = SIMULATION_DIR.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sandbox = Path(tempfile.mkdtemp(prefix="simulate-"))
    try:
        box = Sandbox(sandbox / "repo")
        # no tags: the sandbox registers its own v1.0.0, whatever this repo has registered
        subprocess.run(["git", "clone", "--quiet", "--no-tags", ".", str(box.root)], check=True)
        kept = replay_values(split, first, last)  # read only what the replay serves
        box.set_section("data", keep={split.column: kept[: kept.index(last) + 1]})
        if args.floor is not None:
            box.set_section("gate", floor=args.floor)
        floor = args.floor if args.floor is not None else box.config().gate.floor
        say("simulate", f"{split.column} {first} to {last}; gate floor {floor} in the "
            "sandbox (FLOOR=...)")  # fmt: skip
        column, rows = simulate(box, first, last, plant, out)
    finally:
        if not args.keep:
            shutil.rmtree(sandbox, ignore_errors=True)
        else:
            say("simulate", f"sandbox kept in {sandbox}")
    write_json({"column": column, "windows": rows, "planted": sorted(plant, key=str)},
               out / "simulation.json")  # fmt: skip
    table = table_markdown(rows, column)
    write_text(table, out / "simulation.md")
    plot(rows, column, out / "simulation.png")
    print(table)
    say("simulate", f"wrote {out}/simulation.json, simulation.md and simulation.png")


if __name__ == "__main__":
    main()
