"""`make feedback`: join the prediction log with the outcomes, once they are known.

A served row that carried the flight's identity (time_hour, carrier, flight, origin)
is matched with the real flight (for the flights: the ingested table, whose
`arr_delay` says what happened) and labelled with the pipeline's own label rule
(conf/label). The result, data/feedback/feedback.parquet, is a labelled dataset of
what the model saw in service, for `make monitor` (performance) and for retraining;
version it with `dvc add data/feedback/feedback.parquet`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd

from flight_delay.config import LabelConfig
from flight_delay.prepare import KEY, LABEL, delay_label

FEEDBACK_FILE = Path("data/feedback/feedback.parquet")
OUTCOME = "arr_delay"


def label_outcomes(flights: pd.DataFrame, label: LabelConfig) -> pd.DataFrame:
    """KEY, arr_delay and the label `prepare` gives each flight; NA where the rule
    drops the flight (a cancelled one, under `cancelled: drop`)."""
    labelled = delay_label(flights, label)[[*KEY, LABEL]]
    outcomes = flights[[*KEY, OUTCOME]].merge(labelled, on=KEY, how="left", validate="one_to_one")
    return outcomes.assign(**{LABEL: outcomes[LABEL].astype("Int8")})


def join_feedback(log: pd.DataFrame, outcomes: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The logged rows that have an outcome and a label, and counts of the rest."""
    if any(c not in log.columns for c in KEY):  # no row carried its identity (or no rows)
        log = log.assign(**{c: pd.Series(dtype="object") for c in KEY if c not in log.columns})
    identified = log.dropna(subset=KEY)
    identified = identified[identified["flight"] % 1 == 0]  # the service allows integers only
    identified = identified.assign(flight=identified["flight"].astype("int64"))
    joined = identified.merge(outcomes, on=KEY, how="left", validate="many_to_one",
                              indicator=True)  # fmt: skip
    found = joined["_merge"] == "both"
    labelled = joined[found & joined[LABEL].notna()].drop(columns="_merge")
    labelled = labelled.assign(**{LABEL: labelled[LABEL].astype("int8")})
    counts = {
        "logged_rows": len(log),
        "without_identity": len(log) - len(identified),
        "no_outcome_yet": int((~found).sum()),
        "unlabelled_by_rule": int((found & joined[LABEL].isna()).sum()),
        "labelled_rows": len(labelled),
        "delayed_rate": round(float(labelled[LABEL].mean()), 6) if len(labelled) else None,
    }
    order = ["served_at", "request_id", "row"]
    return labelled.sort_values(order).reset_index(drop=True), counts


def main(argv: list[str] | None = None) -> None:
    from flight_delay.config import load_config
    from flight_delay.io import write_parquet
    from flight_delay.log import say
    from flight_delay.paths import RAW_DIR
    from flight_delay.prediction_log import read_log

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", default=os.environ.get("PREDICTION_LOG"))
    parser.add_argument("--outcomes", default=os.environ.get("OUTCOMES")
                        or str(RAW_DIR / "flights.parquet"))  # fmt: skip
    parser.add_argument("--out", default=os.environ.get("OUTPUT") or str(FEEDBACK_FILE))
    args = parser.parse_args(argv)
    config = load_config()
    log_path = Path(args.log or config.serve.prediction_log)
    try:
        log = read_log(log_path)
        flights = pd.read_parquet(args.outcomes, columns=[*KEY, OUTCOME])
    except (FileNotFoundError, KeyError, ValueError) as err:
        raise SystemExit(f"feedback: {err}") from None
    labelled, counts = join_feedback(log, label_outcomes(flights, config.label))
    write_parquet(labelled, Path(args.out))
    say("feedback", ", ".join(f"{k} {v}" for k, v in counts.items()))
    say("feedback", f"wrote {args.out}; version it with `dvc add {args.out}`")


if __name__ == "__main__":
    main()
