"""Fixtures of the vision tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """Two stand-in background photos: noise and flat grey."""
    generator = np.random.default_rng(0)
    return {
        "noise": generator.integers(0, 256, (80, 120, 3), dtype=np.uint8),
        "flat": np.full((50, 50, 3), 128, dtype=np.uint8),
    }
