"""Peak picking, matching and the FRR / FA-per-hour figures, against hand counts."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import events


def test_peaks_are_local_maxima_at_least_refractory_apart():
    s = np.zeros(100, dtype=np.float32)
    s[10], s[12], s[50], s[51], s[52] = 0.6, 0.9, 0.7, 0.7, 0.2  # 50-51 is a plateau
    assert events.peaks(s, refractory=5).tolist() == [12, 50]
    assert events.detect(s, 0.8, 5).tolist() == [12]
    assert events.detect(s, 0.1, 1).tolist() == [10, 12, 50]


def test_hold_is_the_lowest_of_the_last_steps():
    s = np.array([0.0, 0.9, 0.9, 0.9, 0.2, 0.8, 0.7], dtype=np.float32)
    np.testing.assert_allclose(events.hold(s, 3), [0.0, 0.0, 0.0, 0.9, 0.2, 0.2, 0.2])
    np.testing.assert_array_equal(events.hold(s, 1), s)
    np.testing.assert_allclose(events.hold(s, 100), np.zeros_like(s))  # longer than the track
    tracks = np.stack([s, s[::-1]])  # along the last axis, row by row
    np.testing.assert_allclose(events.hold(tracks, 2)[1], events.hold(s[::-1], 2))
    with pytest.raises(ValueError, match="hold steps must be >= 1"):
        events.hold(s, 0)


def test_a_held_track_keeps_plateaus_and_drops_spikes():
    s = np.full(200, 0.05, dtype=np.float32)
    s[40:43] = 0.99  # a 3-step spike (a near miss)
    s[120:170] = 0.95  # a 50-step plateau (a keyword)
    assert events.detect(s, 0.9, 20).tolist() == [40, 120]
    held = events.hold(s, 10)
    assert events.detect(s, 0.9, 20, hold_steps=10).tolist() == [129]  # the plateau, 9 on
    assert held[129] == pytest.approx(0.95) and held[:120].max() < 0.1


def test_predicting_zeros_detects_nothing_and_rejects_everything():
    scores = np.zeros(100, dtype=np.float32)
    found = events.detect(scores, 0.5, 10)
    assert found.size == 0
    assert events.match(found, np.array([30, 70]), (-5, 10)) == (0, 2, 0)


def test_matching_within_tolerance_once_each():
    detections = np.array([28, 31, 90])
    hits, misses, false_accepts = events.match(detections, np.array([25, 60]), (-2, 10))
    # 28 matches 25; 31 is a second detection of the same keyword → false accept;
    # 60 has none in [58, 70] → miss; 90 → false accept.
    assert (hits, misses, false_accepts) == (1, 1, 2)


def test_sweep_and_rates():
    peak_steps = [np.array([10, 40]), np.array([5])]
    peak_scores = [np.array([0.9, 0.3]), np.array([0.6])]
    ends = [np.array([8]), np.array([], dtype=np.int64)]
    thresholds = np.array([0.2, 0.5, 0.95])
    counts = events.sweep(peak_scores, peak_steps, ends, thresholds, (0, 5))
    assert counts["hits"].tolist() == [1, 1, 0]
    assert counts["misses"].tolist() == [0, 0, 1]
    assert counts["false_accepts"].tolist() == [2, 1, 0]
    rates = events.rates(counts, hours_free=2.0, free_false_accepts=np.array([4, 1, 0]))
    np.testing.assert_allclose(rates["frr"], [0, 0, 1])
    np.testing.assert_allclose(rates["fa_per_hour"], [2, 0.5, 0])
    np.testing.assert_allclose(rates["precision"], [1 / 3, 0.5, 1.0])
    np.testing.assert_allclose(rates["f1"], [0.5, 2 / 3, 0.0])


def test_threshold_grid_is_even_in_log_odds():
    # logit(0.1) = −ln 9, logit(0.9) = ln 9: the midpoint is logit 0, i.e. 0.5
    np.testing.assert_allclose(events.threshold_grid(3, 0.1, 0.9), [0.1, 0.5, 0.9])
    grid = events.threshold_grid(199, 0.005, 0.9999)
    assert grid[0] == pytest.approx(0.005) and grid[-1] == pytest.approx(0.9999)
    assert (np.diff(grid) > 0).all() and (grid > 0.995).sum() >= 20


def _peaks_by_definition(scores: np.ndarray, refractory: int) -> list[int]:
    """The module docstring, step by step: a step is a candidate when no step within
    ``refractory`` on either side scores higher and it is the first step of a rise
    (above 0 for the first step); of candidates closer than ``refractory + 1``, the
    first is kept."""
    kept: list[int] = []
    for i, score in enumerate(scores):
        window = scores[max(0, i - refractory) : i + refractory + 1]
        rising = score > (scores[i - 1] if i else 0)
        if score >= window.max() and rising and (not kept or i - kept[-1] > refractory):
            kept.append(i)
    return kept


@pytest.mark.parametrize("kind", ["continuous", "plateaus", "sparse"])
def test_peaks_equal_the_definition_on_random_tracks(kind):
    from scipy.ndimage import maximum_filter1d

    generator = np.random.default_rng({"continuous": 0, "plateaus": 1, "sparse": 2}[kind])
    for _ in range(300):
        n, refractory = int(generator.integers(0, 300)), int(generator.integers(0, 40))
        scores = generator.random(n).astype(np.float32)
        if kind == "plateaus":  # ties everywhere
            scores = np.round(scores * 4) / 4
        if kind == "sparse":  # flat zero stretches
            scores = np.where(generator.random(n) < 0.7, 0, scores).astype(np.float32)
        assert events.peaks(scores, refractory).tolist() == _peaks_by_definition(scores, refractory)
        if n:
            np.testing.assert_array_equal(
                events.running_max(scores, refractory),
                maximum_filter1d(scores, 2 * refractory + 1, mode="constant", cval=-np.inf),
            )


def test_matched_says_which_keyword_ends_were_detected_in_their_order():
    # ends given out of time order; detections at 12 (→ end 10) and 55 (→ nothing)
    hit, false_accepts = events.matched(np.array([55, 12]), np.array([30, 10]), (-2, 5))
    assert hit.tolist() == [False, True] and false_accepts == 1
    assert events.match(np.array([55, 12]), np.array([30, 10]), (-2, 5)) == (1, 1, 1)
    hit, false_accepts = events.matched(np.array([], dtype=int), np.array([], dtype=int), (0, 1))
    assert hit.shape == (0,) and false_accepts == 0


def test_best_peaks_is_the_highest_peak_in_each_keyword_window():
    steps, values = np.array([8, 12, 14, 40]), np.array([0.3, 0.9, 0.6, 0.8])
    # window of end 10: steps 8..15 (0.3, 0.9, 0.6); of end 30: 28..35 (none); of end 38: 40
    best = events.best_peaks(steps, values, np.array([10, 30, 38]), (-2, 5))
    np.testing.assert_allclose(best, [0.9, 0.0, 0.8])
    assert events.best_peaks(np.array([], int), np.array([]), np.array([5]), (0, 1)).tolist() == [
        0.0
    ]
    assert events.best_peaks(steps, values, np.array([], int), (0, 1)).shape == (0,)


def test_hit_matrix_keeps_sweeps_hits_per_keyword() -> None:
    scores = [np.array([0.9, 0.4]), np.array([0.7]), np.array([], dtype=float)]
    steps = [np.array([12, 40]), np.array([31]), np.array([], dtype=np.int64)]
    ends = [np.array([10, 38]), np.array([30]), np.array([5])]
    thresholds = np.array([0.3, 0.5, 0.8, 0.95])
    hits = events.hit_matrix(scores, steps, ends, thresholds, (0, 5))
    assert hits.shape == (4, 4)
    assert hits.tolist() == [
        [True, True, True, False],  # 0.9 at 12 for the end at 10
        [True, False, False, False],  # 0.4 at 40
        [True, True, False, False],  # 0.7 at 31
        [False, False, False, False],
    ]  # never
    swept = events.sweep(scores, steps, ends, thresholds, (0, 5))
    assert hits.sum(axis=0).tolist() == swept["hits"].tolist()
