"""One CSV of support tickets, as a user brings it to `make draft`: numbers, categories
with missing values, a date, free text, an identifier, a month to split by, the outcome
(`resolution`: escalated or solved) and a column that gives it away (what the
escalation cost, known only afterwards)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def tickets(n: int = 400) -> pd.DataFrame:
    """`n` tickets, 18 hours apart from 2024-01-01; escalated more often with more words
    and by phone."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "ticket_id": np.arange(1000, 1000 + n),
        "opened": pd.date_range("2024-01-01", periods=n, freq="18h").strftime("%Y-%m-%d"),
        "channel": rng.choice(["email", "phone", "chat"], n),
        "priority": rng.choice(["low", "high", None], n, p=[0.6, 0.3, 0.1]),
        "words": rng.integers(5, 400, n),
        "agent_load": rng.normal(10, 3, n).round(1),
        "note": [f"note {i}" for i in range(n)],
    })  # fmt: skip
    frame.loc[::13, "agent_load"] = np.nan
    odds = 0.01 * frame["words"] - 2 + 1.2 * (frame["channel"] == "phone")
    frame["resolution"] = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-odds)),
                                   "escalated", "solved")  # fmt: skip
    frame["escalation_cost"] = (frame["resolution"] == "escalated") * rng.uniform(50, 90, n)
    frame["month"] = pd.to_datetime(frame["opened"]).dt.month
    return frame
