"""The prediction log joined with what really happened, once it is known.

A served row that carried its identity (the dataset's key) is matched with its raw row
(the dataset's label table, which holds the outcome) and labelled with the pipeline's
own label rule (conf/label). Used by `make feedback` and `make simulate`.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.datasets.spec import DatasetSpec


def label_outcomes(raw: pd.DataFrame, dataset: DatasetSpec) -> pd.DataFrame:
    """The key, the outcome columns and the label `prepare` gives each raw row; NA where
    the rule drops the row."""
    key, name = list(dataset.key), dataset.label
    labelled = dataset.label_rows(raw)[[*key, name]]
    sources = [c for c in dataset.outcome_columns if c != name]  # an existing 0/1 label: none
    outcomes = raw[[*key, *sources]].merge(labelled, on=key, how="left",
                                           validate="one_to_one")  # fmt: skip
    return outcomes.assign(**{name: outcomes[name].astype("Int8")})


def join_feedback(
    log: pd.DataFrame, outcomes: pd.DataFrame, dataset: DatasetSpec
) -> tuple[pd.DataFrame, dict]:
    """The logged rows that have an outcome and a label, and counts of the rest."""
    key, name = list(dataset.key), dataset.label
    if any(c not in log.columns for c in key):  # no row carried its identity (or no rows)
        log = log.assign(**{c: pd.Series(dtype="object") for c in key if c not in log.columns})
    identified = log.dropna(subset=key)
    # the service allows whole numbers only in integer identity fields; JSON may say 2243.0
    integers = [c for c, rule in dataset.identity_rules.items()
                if c in key and getattr(rule, "integer", False)]  # fmt: skip
    for column in integers:
        identified = identified[identified[column] % 1 == 0]
        identified = identified.assign(**{column: identified[column].astype("int64")})
    joined = identified.merge(outcomes, on=key, how="left", validate="many_to_one",
                              indicator=True)  # fmt: skip
    found = joined["_merge"] == "both"
    labelled = joined[found & joined[name].notna()].drop(columns="_merge")
    labelled = labelled.assign(**{name: labelled[name].astype("int8")})
    counts = {
        "logged_rows": len(log),
        "without_identity": len(log) - len(identified),
        "no_outcome_yet": int((~found).sum()),
        "unlabelled_by_rule": int((found & joined[name].isna()).sum()),
        "labelled_rows": len(labelled),
        dataset.rate_key: round(float(labelled[name].mean()), 6) if len(labelled) else None,
    }
    order = ["served_at", "request_id", "row"]
    return labelled.sort_values(order).reset_index(drop=True), counts
