"""Default backgrounds: every kind at -20 dBFS, the asked length, reproducible; clatter is
made of transients."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import levels
from dl_pipelines.pipelines.trigger_word.synthesis import BACKGROUND_KINDS, background

RATE = 16000


def _background(kind: str, seed: int = 0, seconds: float = 4.0) -> np.ndarray:
    return background(
        kind,
        seconds,
        RATE,
        np.random.default_rng(seed),
        ["water", "people"],
        ["en-us+m1", "en+f2"],
        0.0,
        10.0,
    )


@pytest.mark.parametrize("kind", [k for k in BACKGROUND_KINDS if k != "babble"])
def test_every_kind_is_at_minus_20_dbfs_and_reproducible(kind):
    x = _background(kind)
    assert x.shape == (4 * RATE,) and x.dtype == np.float32
    peak, level_db = float(np.max(np.abs(x))), 20 * np.log10(levels.rms(x))
    assert peak <= 0.99 + 1e-6
    # -20 dBFS RMS, unless the peaks had to be brought down to 0.99 (transients)
    assert level_db == pytest.approx(-20.0, abs=0.1) or (peak >= 0.98 and level_db < -20)
    np.testing.assert_array_equal(x, _background(kind))
    assert not np.array_equal(x, _background(kind, seed=1))


def _frame_levels_db(x: np.ndarray, frame: int = 160) -> np.ndarray:
    frames = x[: len(x) // frame * frame].reshape(-1, frame).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clatter_is_transients_over_a_faint_floor(seed):
    """The loudest 10 ms frames stand far above the median one, unlike steady noise."""
    spread = {}
    for kind in ("clatter", "white"):
        frame_db = _frame_levels_db(_background(kind, seed=seed, seconds=10.0))
        spread[kind] = np.percentile(frame_db, 99) - np.percentile(frame_db, 50)
    assert spread["white"] < 2.0
    assert spread["clatter"] > 10.0


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="unknown background kind 'rain'"):
        _background("rain")
