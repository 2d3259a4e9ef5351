"""Scoring long audio in overlapping windows: the same track as one pass, no double-ups."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import events, spectrograms, windows
from dl_pipelines.pipelines.trigger_word import nodes
from dl_pipelines.pipelines.trigger_word.params import parse_params
from tests.pipelines.trigger_word.conftest import as_registered

SPEC = {"nfft": 200, "noverlap": 120, "floor_db": -100.0, "center_db": -50.0, "scale_db": 25.0}
KERNEL, STRIDE = 15, 4


def _local_scores(x: np.ndarray) -> np.ndarray:
    """A stand-in detector whose step s reads only frames [4s, 4s + 15): the share of
    those frames with a loud bin. Any stitching error shows up as a changed score."""
    loud = (x.max(axis=-1) > 0).astype(np.float32)  # (batch, frames)
    steps = (x.shape[1] - KERNEL) // STRIDE + 1
    idx = np.arange(steps)[:, None] * STRIDE + np.arange(KERNEL)[None, :]
    return loud[:, idx].mean(axis=-1)[..., None]


def _bursts(seconds: float, rate: int, at: list[tuple[float, float]]) -> np.ndarray:
    x = np.random.default_rng(0).normal(0, 1e-4, int(seconds * rate)).astype(np.float32)
    t = np.arange(len(x)) / rate
    for begin, end in at:
        x[(t >= begin) & (t < end)] += 0.3 * np.sin(2 * np.pi * 700 * t[(t >= begin) & (t < end)])
    return x


def test_plan_covers_every_step_once():
    plan = windows.WindowPlan(n_steps=1000, window_steps=300, hop_steps=240, overlap_steps=60)
    kept = [plan.kept(k) for k in range(plan.n_windows)]
    assert kept[0] == (0, 300) and kept[1] == (300, 540)  # hand-computed
    assert kept[-1][1] == 1000 and plan.start(plan.n_windows - 1) + 300 >= 1000
    assert all(a[1] == b[0] for a, b in zip(kept, kept[1:], strict=False))  # no gap, no overlap
    assert windows.WindowPlan(100, 300, 240, 60).n_windows == 1


@pytest.mark.parametrize(("window_steps", "overlap_steps"), [(100, 0), (137, 30), (300, 299)])
def test_windows_give_the_one_pass_scores(window_steps, overlap_steps):
    rate = 8000
    samples = _bursts(7.3, rate, [(0.5, 0.9), (3.1, 3.3), (6.9, 7.25)])
    whole = _local_scores(spectrograms.spectrogram(samples, **SPEC)[None])[0, :, 0]
    calls = []

    def predict(x):
        calls.append(x.shape)
        return _local_scores(x)

    scores, picture = windows.score_in_windows(
        predict,
        samples,
        SPEC,
        KERNEL,
        STRIDE,
        window_steps,
        overlap_steps,
        batch_size=4,
        plot_frames=100,
    )
    np.testing.assert_array_equal(scores, whole)
    assert len({shape[1:] for shape in calls}) == 1  # every window the same size
    assert max(shape[0] for shape in calls) <= 4  # bounded batches
    full = spectrograms.spectrogram(samples, **SPEC)
    every = max(1, len(full) // 100)
    np.testing.assert_allclose(picture, full[::every][: len(picture)])
    assert len(picture) >= len(full[::every]) - 2


def test_keyword_in_the_overlap_is_detected_once(tw_params):
    """Loud bursts in the overlap of windows 0 and 1, across the seam where window 1
    takes over, and late in a 25 s file: each detected once, at the time that scoring
    the whole file in one pass gives."""
    p = parse_params(tw_params)
    rate = p.audio.sample_rate
    window_s, overlap_s = p.detect.window_seconds, p.detect.overlap_seconds
    assert window_s < 25.0
    seam = window_s  # window 1's scores are used from here on
    bursts = [
        (seam - overlap_s / 2 - 0.4, seam - overlap_s / 2),
        (seam - 0.2, seam + 0.3),
        (21.0, 21.5),
    ]
    samples = _bursts(25.0, rate, bursts)

    class Local:
        def predict(self, x, verbose=0):
            return _local_scores(x)

    table, _, _ = nodes.detect_folder(
        as_registered(Local(), tw_params, 0.5), {"long.wav": (samples, rate)}, tw_params
    )
    spectrogram = spectrograms.spectrogram(samples, **p.spectrogram.kwargs())
    whole = _local_scores(spectrogram[None])[0, :, 0]
    refractory = max(1, int(round(p.evaluation.refractory_s / p.seconds_per_step)))
    one_pass = events.detect(whole, 0.5, refractory, p.hold_steps)
    assert len(table) == len(one_pass) == 3
    np.testing.assert_allclose(
        table["time_s"], [windows.onset(whole, s) * p.seconds_per_step for s in one_pass], atol=1e-3
    )
    # the stand-in rises as the burst starts: its "keyword end" is the burst's start
    np.testing.assert_allclose(table["time_s"], [b[0] for b in bursts], atol=0.1)
