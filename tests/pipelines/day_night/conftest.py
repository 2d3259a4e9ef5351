"""Fixtures shared by the day_night unit tests."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from tests.conftest import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_day_night.yml").read_text())


@pytest.fixture
def data_params() -> dict:
    """``day_night.data`` of conf/base with a small default set (4 crops a photo)."""
    params = copy.deepcopy(BASE["day_night"]["data"])
    params["default_data"].update(crops_per_photo=4, sky_scenes=6)
    return params


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    """Three random 'photos' of different shapes, named photo0 … photo2."""
    rng = np.random.default_rng(0)
    return {
        f"photo{i}": rng.integers(60, 256, size=(120, 90 + 10 * i, 3), dtype=np.uint8)
        for i in range(3)
    }
