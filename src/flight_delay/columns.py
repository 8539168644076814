"""Names every stage shares: the label column and the splits, in their order."""

from __future__ import annotations

LABEL = "delayed"
SPLITS = ("train", "valid", "test")
