"""Human-in-the-loop labeling: export rows for a person to review, take their verdicts.

    python -m flight_delay.curation.labeling sample   # -> reports/labeling/review.csv
    python -m flight_delay.curation.labeling apply --review reports/labeling/review.csv

`sample` picks the rows whose rule-made label most deserves a second look: those the
dataset says lie near the rule's boundary (for the flights: arrival delays within
`--margin` minutes of the threshold, where a clock or a gate-arrival convention decides
the label), and those the current model gets most confidently wrong. A reviewer fills
`corrected_<label>` (0 or 1), `reviewer` and `reason`; `apply` merges the filled rows
into data/labels/<dataset>.csv, which `prepare` applies on the next `dvc repro`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from flight_delay.core.label_overrides import (
    OverrideError,
    OverrideFormat,
    check_overrides,
    read_overrides,
)
from flight_delay.infra.io import write_csv
from flight_delay.infra.paths import REVIEW_FILE

NEAR, MISS = "near_threshold", "confident_miss"


def corrected(form: OverrideFormat) -> str:
    """The review file's column for the reviewer's verdict (`corrected_<label>`)."""
    return f"corrected_{form.label}"


def review_columns(form: OverrideFormat, shown: list[str]) -> list[str]:
    return [*form.key, *shown, form.label, "model_probability", "why", corrected(form),
            "reviewer", "reason"]  # fmt: skip


def review_sample(
    rows: pd.DataFrame, near_boundary: pd.Series, form: OverrideFormat, shown: list[str],
    size: int, seed: int,
) -> pd.DataFrame:  # fmt: skip
    """Up to `size` rows: half near the rule's boundary (`near_boundary`, a seeded
    sample), the rest the model's most confident misses (rows whose probability is on the
    other side of 0.5 from their label, the farthest first; a row the model gets right is
    never one). `rows` has the key, the `shown` columns, the label and
    `model_probability`; rows already overridden are left out by the caller."""
    near = rows[near_boundary]
    near = near.sample(n=min(size // 2, len(near)), random_state=seed).assign(why=NEAR)
    rest = rows.drop(index=near.index)
    miss_by = (rest[form.label] - rest["model_probability"]).abs()
    miss_by = miss_by[miss_by > 0.5]
    misses = rest.loc[miss_by.sort_values(ascending=False, kind="stable").index]
    misses = misses.head(size - len(near)).assign(why=MISS)
    sample = pd.concat([near, misses]).assign(**{corrected(form): ""}, reviewer="", reason="")
    sample["model_probability"] = sample["model_probability"].round(4)
    columns = review_columns(form, shown)
    return sample[columns].sort_values(["why", *form.key]).reset_index(drop=True)


def merge_review(
    overrides: pd.DataFrame, review: pd.DataFrame, form: OverrideFormat,
    reviewer: str | None = None,
) -> tuple[pd.DataFrame, int, int]:  # fmt: skip
    """Overrides plus the reviewed rows (a filled `corrected_<label>`); a row reviewed
    again takes the new verdict. `reviewer` fills blank reviewer cells; a verdict
    without a reviewer is refused. Returns (overrides, added, updated)."""
    verdict = corrected(form)
    missing = [c for c in [*form.key, verdict, "reviewer", "reason"]
               if c not in review.columns]  # fmt: skip
    if missing:
        raise OverrideError(f"review file: no column {missing}")
    filled = review[review[verdict].notna()].copy()
    if reviewer:
        filled["reviewer"] = filled["reviewer"].fillna(reviewer)
    anonymous = filled["reviewer"].isna()
    if anonymous.any():
        lines = [int(i) + 2 for i in anonymous[anonymous].index[:5]]
        raise OverrideError(
            f"review file: line(s) {lines} have a verdict but no reviewer "
            "(fill the column or pass REVIEWER=name)"
        )
    # the label column of the review file is the rule's label; the verdict is `verdict`
    verdict_columns = [*form.key, verdict, "reviewer", "reason"]
    verdicts = check_overrides(
        filled[verdict_columns].rename(columns={verdict: form.label}), form,
        origin="review file",
    )  # fmt: skip
    key = form.key_columns
    known = verdicts[key].merge(overrides[key].assign(_known=True), on=key, how="left")["_known"]
    updated = int(known.notna().sum())
    kept = overrides.merge(verdicts[key], on=key, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    merged = pd.concat([kept, verdicts]).sort_values(key).reset_index(drop=True)
    return check_overrides(merged[form.columns], form), len(verdicts) - updated, updated


def sample_main(args: argparse.Namespace) -> None:
    from flight_delay.datasets import dataset_for
    from flight_delay.datasets.preparation import override_format
    from flight_delay.infra.config import load_config
    from flight_delay.infra.paths import (
        FEATURES_DIR,
        MODEL_FILE,
        PREPARED_DIR,
        RAW_DIR,
        label_overrides,
    )
    from flight_delay.infra.persistence import load_model

    config = load_config()
    dataset = dataset_for(config)
    form, key, shown = override_format(dataset), list(dataset.key), list(dataset.review_columns)
    natural = form.key_columns
    prepared = pd.read_parquet(PREPARED_DIR / f"{args.split}.parquet")
    features = pd.read_parquet(FEATURES_DIR / f"{args.split}.parquet")
    model = load_model(MODEL_FILE)
    scored = features[key].assign(
        model_probability=model.predict_proba(features[config.features.columns])[:, 1]
    )
    # the raw row's key, what the reviewer sees and the outcome (not the label itself, which
    # the prepared row has: an existing 0/1 label is its own source)
    needed = [c for c in dict.fromkeys([*natural, *shown, *dataset.outcome_columns])
              if c in natural or c != dataset.label]  # fmt: skip
    raw = pd.read_parquet(RAW_DIR / f"{dataset.label_table}.parquet", columns=needed)
    rows = (
        prepared[list(dict.fromkeys([*natural, *key, dataset.label]))]
        .merge(scored, on=key, validate="one_to_one")
        .merge(raw, on=natural, validate="one_to_one")
    )
    done = read_overrides(label_overrides(dataset.name), form)[natural]
    rows = rows.merge(done.assign(_done=True), on=natural, how="left")
    rows = rows[rows["_done"].isna()].reset_index(drop=True)
    near = dataset.near_boundary(rows, args.margin)
    sample = review_sample(rows, near, form, shown, args.rows, config.seed)
    write_csv(sample, args.output)
    counts = sample["why"].value_counts().to_dict()
    print(f"label-sample: wrote {len(sample)} {args.split} rows to {args.output} {counts}")
    print(f"  fill {corrected(form)} (0/1), reviewer and reason; then "
          f"`make label-apply REVIEW={args.output}`")  # fmt: skip


def apply_main(args: argparse.Namespace) -> None:
    from flight_delay.datasets import dataset_for
    from flight_delay.datasets.preparation import override_format
    from flight_delay.infra.config import load_config
    from flight_delay.infra.paths import label_overrides

    dataset = dataset_for(load_config())
    form, path = override_format(dataset), label_overrides(dataset.name)
    review = pd.read_csv(args.review, dtype="string", keep_default_na=False, na_values=[""])
    overrides, added, updated = merge_review(
        read_overrides(path, form), review, form, reviewer=args.reviewer
    )
    write_csv(overrides, path)
    print(
        f"label-apply: {added} added, {updated} updated; {path} has "
        f"{len(overrides)} overrides. `dvc repro` re-runs prepare and what follows it."
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> None:
    from flight_delay.infra.config import ConfigError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="export rows to review as CSV")
    sample.add_argument("--split", choices=["train", "valid", "test"], default="valid")
    sample.add_argument("--rows", type=_positive, default=200)
    sample.add_argument("--margin", type=float, default=2.0,
                        help="how near the rule's boundary (flights: minutes)")  # fmt: skip
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
