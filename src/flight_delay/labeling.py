"""Human-in-the-loop labeling: export flights for a person to review, take their verdicts.

    python -m flight_delay.labeling sample   # -> reports/labeling/review.csv
    python -m flight_delay.labeling apply --review reports/labeling/review.csv

`sample` picks the flights whose rule-made label most deserves a second look:
arrival delays within `--margin` minutes of the threshold (where a clock or a
gate-arrival convention decides the label), and the flights the current model
gets most confidently wrong. A reviewer fills `corrected_delayed` (0 or 1),
`reviewer` and `reason`; `apply` merges the filled rows into
data/labels/overrides.csv, which `prepare` applies on the next `dvc repro`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from flight_delay.io import write_with
from flight_delay.label_overrides import (
    FLIGHT_KEY,
    OVERRIDE_COLUMNS,
    OverrideError,
    check_overrides,
    read_overrides,
)

REVIEW_FILE = Path("reports/labeling/review.csv")
NEAR, MISS = "near_threshold", "confident_miss"
SHOWN_TO_REVIEWER = ["sched_dep_time", "dest", "dep_delay", "arr_delay"]
REVIEW_COLUMNS = [
    *FLIGHT_KEY, *SHOWN_TO_REVIEWER, "delayed", "model_probability", "why",
    "corrected_delayed", "reviewer", "reason",
]  # fmt: skip


def write_csv(frame: pd.DataFrame, target: Path) -> None:
    write_with(target, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def review_sample(
    rows: pd.DataFrame, threshold: float, margin: float, size: int, seed: int
) -> pd.DataFrame:
    """Up to `size` flights: half near the threshold (a seeded sample), half the model's
    most confident misses. `rows` has the key, the label, `arr_delay` and
    `model_probability`; flights already overridden are left out by the caller."""
    near = rows[(rows["arr_delay"] - threshold).abs() <= margin]
    near = near.sample(n=min(size // 2, len(near)), random_state=seed).assign(why=NEAR)
    rest = rows.drop(index=near.index)
    miss_by = (rest["delayed"] - rest["model_probability"]).abs()
    misses = rest.loc[miss_by.sort_values(ascending=False, kind="stable").index]
    misses = misses.head(size - len(near)).assign(why=MISS)
    sample = pd.concat([near, misses]).assign(corrected_delayed="", reviewer="", reason="")
    sample["model_probability"] = sample["model_probability"].round(4)
    return sample[REVIEW_COLUMNS].sort_values(["why", *FLIGHT_KEY]).reset_index(drop=True)


def merge_review(
    overrides: pd.DataFrame, review: pd.DataFrame, reviewer: str | None = None
) -> tuple[pd.DataFrame, int, int]:
    """Overrides plus the reviewed rows (a filled `corrected_delayed`); a flight reviewed
    again takes the new verdict. `reviewer` fills blank reviewer cells; a verdict
    without a reviewer is refused. Returns (overrides, added, updated)."""
    missing = [c for c in [*FLIGHT_KEY, "corrected_delayed", "reviewer", "reason"]
               if c not in review.columns]  # fmt: skip
    if missing:
        raise OverrideError(f"review file: no column {missing}")
    filled = review[review["corrected_delayed"].notna()].copy()
    if reviewer:
        filled["reviewer"] = filled["reviewer"].fillna(reviewer)
    anonymous = filled["reviewer"].isna()
    if anonymous.any():
        lines = [int(i) + 2 for i in anonymous[anonymous].index[:5]]
        raise OverrideError(
            f"review file: line(s) {lines} have a verdict but no reviewer "
            "(fill the column or pass REVIEWER=name)"
        )
    # `delayed` in the review file is the rule's label; the verdict is `corrected_delayed`
    verdict_columns = [*FLIGHT_KEY, "corrected_delayed", "reviewer", "reason"]
    verdicts = check_overrides(
        filled[verdict_columns].rename(columns={"corrected_delayed": "delayed"}),
        origin="review file",
    )
    key = FLIGHT_KEY
    known = verdicts[key].merge(overrides[key].assign(_known=True), on=key, how="left")["_known"]
    updated = int(known.notna().sum())
    kept = overrides.merge(verdicts[key], on=key, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    merged = pd.concat([kept, verdicts]).sort_values(key).reset_index(drop=True)
    return check_overrides(merged[OVERRIDE_COLUMNS]), len(verdicts) - updated, updated


def sample_main(args: argparse.Namespace) -> None:
    from flight_delay.config import load_config
    from flight_delay.paths import FEATURES_DIR, LABEL_OVERRIDES, MODEL_FILE, PREPARED_DIR, RAW_DIR
    from flight_delay.persistence import load_model
    from flight_delay.prepare import KEY

    config = load_config()
    prepared = pd.read_parquet(PREPARED_DIR / f"{args.split}.parquet")
    features = pd.read_parquet(FEATURES_DIR / f"{args.split}.parquet")
    model = load_model(MODEL_FILE)
    scored = features[KEY].assign(
        model_probability=model.predict_proba(features[config.features.columns])[:, 1]
    )
    flights = pd.read_parquet(
        RAW_DIR / "flights.parquet", columns=[*FLIGHT_KEY, *SHOWN_TO_REVIEWER]
    )
    rows = (
        prepared[[*FLIGHT_KEY, "time_hour", "delayed"]]
        .merge(scored, on=KEY, validate="one_to_one")
        .merge(flights, on=FLIGHT_KEY, validate="one_to_one")
    )
    done = read_overrides(LABEL_OVERRIDES)[FLIGHT_KEY]
    rows = rows.merge(done.assign(_done=True), on=FLIGHT_KEY, how="left")
    rows = rows[rows["_done"].isna()].reset_index(drop=True)
    sample = review_sample(
        rows, config.label.threshold_minutes, args.margin, args.rows, config.seed
    )
    write_csv(sample, args.output)
    counts = sample["why"].value_counts().to_dict()
    print(f"label-sample: wrote {len(sample)} {args.split} flights to {args.output} {counts}")
    print("  fill corrected_delayed (0/1), reviewer and reason; then "
          f"`make label-apply REVIEW={args.output}`")  # fmt: skip


def apply_main(args: argparse.Namespace) -> None:
    from flight_delay.paths import LABEL_OVERRIDES

    review = pd.read_csv(args.review, dtype="string", keep_default_na=False, na_values=[""])
    overrides, added, updated = merge_review(
        read_overrides(LABEL_OVERRIDES), review, reviewer=args.reviewer
    )
    write_csv(overrides, LABEL_OVERRIDES)
    print(
        f"label-apply: {added} added, {updated} updated; {LABEL_OVERRIDES} has "
        f"{len(overrides)} overrides. `dvc repro` re-runs prepare and what follows it."
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> None:
    from flight_delay.config import ConfigError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="export flights to review as CSV")
    sample.add_argument("--split", choices=["train", "valid", "test"], default="valid")
    sample.add_argument("--rows", type=_positive, default=200)
    sample.add_argument("--margin", type=float, default=2.0, help="minutes around the threshold")
    sample.add_argument("--output", type=Path, default=REVIEW_FILE)
    apply = commands.add_parser("apply", help="merge a reviewed CSV into the overrides")
    apply.add_argument("--review", type=Path, default=REVIEW_FILE)
    apply.add_argument("--reviewer", help="name for verdicts whose reviewer cell is blank")
    args = parser.parse_args(argv)
    try:
        (sample_main if args.command == "sample" else apply_main)(args)
    except (OverrideError, ConfigError, FileNotFoundError) as err:
        sys.exit(f"label-{args.command}: {err}")


if __name__ == "__main__":
    main()
