"""`make predict INPUT=... OUTPUT=...`: score a parquet file with the served model.

The same model loading (STAGE/SOURCE/MODEL, as `make serve`) and the same rules as the
service. A missing model input, or a column that is neither an input nor an identity
field (the label and the pipeline's context columns are let through, so that
data/features/*.parquet can be scored as they are), fails the whole file. A row that
breaks a rule (out of range, null, a category the model never saw) is not scored: its
`problem` names the columns and rules, as the service's 422 would. The output keeps
the input's row order: identity columns, probability, predicted label, model version.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from flight_delay.core.feature_rules import column_problems, row_problems
from flight_delay.operate.model_arguments import add_model_arguments
from flight_delay.operate.served_model import ServedModel


class BatchError(ValueError):
    """The input file cannot be scored."""


def score_batch(frame: pd.DataFrame, served: ServedModel) -> pd.DataFrame:
    dataset = served.dataset
    passed_through = frozenset({dataset.label, *dataset.context_columns})
    problems = column_problems(frame, served.rules, passed_through)
    if problems:
        raise BatchError("the input's columns do not fit the model:\n  " + "\n  ".join(problems))
    if frame.empty:
        raise BatchError("the input has no rows")
    frame = frame.reset_index(drop=True)
    problem = row_problems(frame, served.rules, served.categories)
    if (problem != "").all():
        raise BatchError("no row can be scored; the first breaks: " + problem.iloc[0])
    good = problem == ""
    inputs = frame.loc[good, [*served.numeric, *served.categorical]]
    probability = pd.Series(float("nan"), index=frame.index)
    probability[good] = served.probabilities(inputs.astype(dict.fromkeys(served.numeric, "float")))
    # the identity fields, then the rest of the row's key
    identity = [c for c in dict.fromkeys([*dataset.identity_rules, *dataset.key])
                if c in frame.columns]  # fmt: skip
    return frame[identity].assign(
        probability=probability,
        predicted=(probability >= served.threshold).astype("Int8").mask(~good),
        model_version=served.metadata.get("version", ""),
        problem=problem,
    )


def main(argv: list[str] | None = None) -> None:
    from flight_delay.infra.config import load_config
    from flight_delay.infra.io import write_parquet
    from flight_delay.infra.progress import say
    from flight_delay.operate.served_model import ModelSourceError, load_served_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", help="a parquet file of rows to score")
    parser.add_argument("--output", help="where to write the scored rows (parquet)")
    add_model_arguments(parser)
    args = parser.parse_args(argv)
    if not args.input or not args.output:
        raise SystemExit("predict: `make predict INPUT=rows.parquet OUTPUT=scored.parquet`")
    if Path(args.output).resolve() == Path(args.input).resolve():
        raise SystemExit("predict: OUTPUT must not overwrite INPUT")
    config = load_config()
    try:
        frame = pd.read_parquet(args.input)
        served = load_served_model(config, args.stage, args.source, args.model, args.remote)
        scored = score_batch(frame, served)
    except (OSError, ModelSourceError, BatchError) as err:
        raise SystemExit(f"predict: {err}") from None
    write_parquet(scored, Path(args.output))
    unscored = int((scored["problem"] != "").sum())
    scorer = f"{served.metadata['artifact']} {served.metadata['version']}"
    say("predict", f"{len(scored) - unscored:,} rows scored by {scorer}, {unscored:,} not "
        f"(see `problem`); wrote {args.output}")  # fmt: skip


if __name__ == "__main__":
    main()
