"""`make feedback`: join the prediction log with the outcomes, once they are known.

A served row that carried its identity (for the flights: time_hour, carrier, flight,
origin) is matched with its raw row (the dataset's label table, whose outcome column
says what happened) and labelled with the pipeline's own label rule (conf/label);
operate/outcomes.py does the join. The result, data/feedback/feedback.parquet, is a
labelled dataset of what the model saw in service, for `make monitor` (performance)
and for retraining; version it with `dvc add data/feedback/feedback.parquet`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from flight_delay.operate.outcomes import join_feedback, label_outcomes


def main(argv: list[str] | None = None) -> None:
    from flight_delay.datasets import dataset_for
    from flight_delay.infra.config import load_config
    from flight_delay.infra.io import write_parquet
    from flight_delay.infra.paths import FEEDBACK_FILE, RAW_DIR
    from flight_delay.infra.progress import say
    from flight_delay.operate.prediction_log import read_log

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", help="the prediction log (default: serve.prediction_log)")
    parser.add_argument("--outcomes", help="a parquet file of raw rows with their outcome "
                        "(default: data/raw/<the dataset's label table>.parquet)")  # fmt: skip
    parser.add_argument("--out", default=str(FEEDBACK_FILE))
    args = parser.parse_args(argv)
    config = load_config()
    dataset = dataset_for(config)
    log_path = Path(args.log or config.serve.prediction_log)
    outcomes_path = args.outcomes or str(RAW_DIR / f"{dataset.label_table}.parquet")
    try:
        log = read_log(log_path, Path(config.serve.log_export))
        raw = pd.read_parquet(outcomes_path, columns=[*dataset.key, *dataset.outcome_columns])
    except (FileNotFoundError, KeyError, ValueError) as err:
        raise SystemExit(f"feedback: {err}") from None
    labelled, counts = join_feedback(log, label_outcomes(raw, dataset), dataset)
    write_parquet(labelled, Path(args.out))
    say("feedback", ", ".join(f"{k} {v}" for k, v in counts.items()))
    say("feedback", f"wrote {args.out}; version it with `dvc add {args.out}`")


if __name__ == "__main__":
    main()
