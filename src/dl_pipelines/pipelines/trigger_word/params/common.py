"""What the sections of the ``trigger_word`` parameters share: the split names, a range check."""

from __future__ import annotations

SPLITS = ("train", "val", "test")


def check_range(name: str, values: tuple[float, float], low: float, high: float) -> None:
    if not low <= values[0] <= values[1] <= high:
        raise ValueError(f"{name} must be [low, high] within [{low}, {high}], got {list(values)}")
