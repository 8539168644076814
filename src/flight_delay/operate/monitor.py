"""`make monitor`: has what the model sees moved away from what it learned from?

The statistics and the verdict are operate/monitoring.py's. Writes
reports/monitoring/drift.json and drift.html; exits 0 whatever the verdict.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from flight_delay.infra.paths import FEATURES_DIR, MONITORING_DIR
from flight_delay.operate.model_arguments import add_model_arguments
from flight_delay.operate.monitoring import (
    MonitorError,
    compare,
    load_reference,
    read_window,
    scores,
    verdict_line,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--current", help="a prediction log (.sqlite) or a parquet file "
                        "(default: serve.prediction_log)")  # fmt: skip
    parser.add_argument("--reference", default=str(FEATURES_DIR / "train.parquet"))
    parser.add_argument("--validation", default=str(FEATURES_DIR / "valid.parquet"),
                        help="labelled rows for the reference score ('' for none)")  # fmt: skip
    add_model_arguments(parser, stage=None)  # no stage: the workspace's model
    parser.add_argument("--out", default=str(MONITORING_DIR))
    args = parser.parse_args(argv)

    from flight_delay.infra.config import load_config
    from flight_delay.infra.io import write_json, write_text
    from flight_delay.infra.paths import MODEL_FILE
    from flight_delay.infra.progress import say
    from flight_delay.operate.monitor_report import drift_html
    from flight_delay.operate.served_model import ModelSourceError, load_served_model

    config = load_config()
    model_file = args.model or (None if args.stage else str(MODEL_FILE))
    current_path = Path(args.current or config.serve.prediction_log)
    try:
        served = load_served_model(config, args.stage or "prod", args.source, model_file,
                                   args.remote)  # fmt: skip
        valid = Path(args.validation) if args.validation else None
        reference = load_reference(served, Path(args.reference), valid, config.monitor)
        window = read_window(current_path, Path(config.serve.log_export))
        current = scores(window, served, str(current_path))
    except (ModelSourceError, MonitorError) as err:
        raise SystemExit(f"monitor: {err}") from None
    report = compare(reference.rows, current, served, config.monitor, reference)
    report["model"] = served.metadata
    report["sources"] = {"reference": args.reference, "current": str(current_path)}
    out = Path(args.out)
    write_json(report, out / "drift.json")
    write_text(drift_html(report, reference.rows, current), out / "drift.html")
    verdict = verdict_line(report)
    say("monitor", f"{len(report['drifted_features'])} drifted features "
        f"{report['drifted_features']}; prediction PSI {report['predictions']['psi']:.3f}; "
        f"{verdict}")  # fmt: skip
    say("monitor", f"wrote {out / 'drift.json'} and {out / 'drift.html'}")


if __name__ == "__main__":
    main()
