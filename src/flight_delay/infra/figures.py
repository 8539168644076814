"""PNG figures written deterministically: the same data always gives the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from flight_delay.infra.io import write_with


def new_axes(title: str, xlabel: str, ylabel: str) -> tuple[Figure, Any]:
    figure = Figure(figsize=(5, 4))
    axes = figure.add_subplot()
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return figure, axes


def save_png(figure: Figure, target: Path) -> None:
    figure.tight_layout()
    # No "Software" stamp: the bytes depend only on the data.
    write_with(
        target, lambda tmp: figure.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    )
