"""The test FRR broken down by group, SNR band and voice family."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.trigger_word import breakdown
from dl_pipelines.pipelines.trigger_word.params import parse_params
from dl_pipelines.pipelines.trigger_word.scoring import tolerance_steps


def test_frr_by_group_and_snr_band():
    hit = np.array([True, False, True, True, False, False])
    groups = np.array(["a", "a", "b", "b", "b", "c"])
    assert breakdown.frr_by(hit, groups) == {
        "a": {"keywords": 2, "frr": 0.5},
        "b": {"keywords": 3, "frr": 1 / 3},
        "c": {"keywords": 1, "frr": 1.0},
    }
    assert list(breakdown.frr_by(hit, groups, ["c", "x", "a"])) == ["c", "a"]  # order kept
    edges = (0.0, 5.0, 10.0, 20.0)
    assert breakdown.band_names(edges) == ["0-5 dB", "5-10 dB", "10-20 dB"]
    assert breakdown.band_names((-5.0, 0.0)) == ["-5 to 0 dB"]
    bands = breakdown.snr_band(np.array([0.0, 4.99, 5.0, 19.5, 20.0, -0.1, 20.1, np.nan]), edges)
    assert bands.tolist() == ["0-5 dB", "0-5 dB", "5-10 dB", "10-20 dB", "10-20 dB", "", "", ""]


def test_each_voice_has_the_median_of_its_keywords_best_peaks(tw_params: dict) -> None:
    """Voice "heard" misses its keyword at 0.9 with a peak of 0.85 (under the threshold),
    voice "deaf" with none at all: same FRR, different median peaks."""
    p = parse_params(tw_params)
    tolerance = tolerance_steps(p)
    inside = tolerance[1] // 2  # steps after the end, inside the matching window
    data = {
        "free": np.array([False, False, True]),
        "ends": np.array([[1, 2], [3, -1], [-1, -1]]),  # only their count matters here
        "background": np.array(["white", "pink", "white"]),
        "keyword_snr_db": np.array([[3.0, 12.0], [7.0, np.nan], [np.nan, np.nan]]),
        "keyword_group": np.array([["heard", "deaf"], ["heard", ""], ["", ""]]),
    }
    steps = [np.array([100 + inside, 300 + inside]), np.array([500 + inside]), np.array([40])]
    values = [np.array([0.95, 0.02]), np.array([0.85]), np.array([0.99])]
    ends = [np.array([100, 300]), np.array([500]), np.array([], dtype=np.int64)]
    result = breakdown.frr_breakdown(data, (steps, values, ends), 0.9, p)
    heard, deaf = result["by_voice"]["heard"], result["by_voice"]["deaf"]
    assert heard == {"keywords": 2, "frr": 0.5, "median_peak": pytest.approx(0.9)}
    assert deaf == {"keywords": 1, "frr": 1.0, "median_peak": pytest.approx(0.02)}
    assert breakdown.frr_by(np.array([True]), np.array(["a"])) == {
        "a": {"keywords": 1, "frr": 0.0}
    }  # no peaks given: no median_peak


def test_family_metrics_split_heard_families_from_held_out_engines() -> None:
    frr = {
        "espeak": (np.array([0.0, 0.1, 0.5]), 30),
        "piper": (np.array([0.0, 0.2, 0.4]), 10),
        "flite": (np.array([0.1, 0.3, 0.9]), 20),
    }
    metrics = breakdown.family_metrics("test", frr, 1, {"espeak", "piper", "user"})
    assert metrics["test_frr_family_flite"] == 0.3
    assert metrics["test_frr_heldout_engine"] == 0.3
    assert np.isclose(metrics["test_frr_seen_families"], (0.1 * 30 + 0.2 * 10) / 40)
    only_seen = breakdown.family_metrics("val", {"espeak": frr["espeak"]}, 2, {"espeak"})
    assert "val_frr_heldout_engine" not in only_seen


def test_trained_families_are_espeak_and_the_train_engines(tw_params: dict) -> None:
    p = parse_params(tw_params)
    assert breakdown.trained_families(p) == {"espeak", "user", "piper", "gnuspeech", "pico"}
