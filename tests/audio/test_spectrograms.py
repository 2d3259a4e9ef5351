"""The spectrogram: the course's shape, batches, the normalisation, float32 accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import spectrograms
from tests.audio.conftest import DETECT_CLIPS, tone


def test_spectrogram_course_shape_for_10_s_at_44k():
    x = np.random.default_rng(0).normal(0, 0.1, 441000).astype(np.float32)
    s = spectrograms.spectrogram(x, nfft=200, noverlap=120)
    assert s.shape == (5511, 101) and s.dtype == np.float32
    assert spectrograms.spectrogram_frames(441000, 200, 120) == 5511


def test_spectrogram_of_a_batch_equals_each_example_and_finds_thetone():
    rate = 8000
    batch = np.stack([tone(0.5, rate, 1000.0), tone(0.5, rate, 2000.0)])
    out = spectrograms.spectrogram(batch, nfft=200, noverlap=120)
    assert out.shape == (2, 48, 101)
    np.testing.assert_allclose(
        out[1], spectrograms.spectrogram(batch[1], nfft=200, noverlap=120), atol=1e-5
    )
    # bin k is k·rate/nfft Hz: 1000 Hz → bin 25, 2000 Hz → bin 50
    assert np.argmax(out[0].mean(axis=0)) == 25
    assert np.argmax(out[1].mean(axis=0)) == 50


def test_spectrogram_normalisation_is_the_documented_affine_map():
    # Silence is clipped at floor_db, then mapped to (floor_db − center_db) / scale_db.
    silent = np.zeros(400, dtype=np.float32)
    floor = spectrograms.spectrogram(
        silent, nfft=200, noverlap=120, floor_db=-100, center_db=-50, scale_db=25
    )
    np.testing.assert_allclose(floor, (-100 + 50) / 25, rtol=1e-6)


def test_spectrogram_rejects_too_short_audio():
    with pytest.raises(audio_io.AudioError, match="shorter than one spectrogram frame"):
        spectrograms.spectrogram(np.zeros(10, dtype=np.float32), nfft=200, noverlap=120)


def test_hann_window_is_scipys_periodic_hann():
    from scipy.signal import get_window

    for n in (7, 200, 256):
        np.testing.assert_allclose(spectrograms.hann_window(n), get_window("hann", n), atol=1e-15)
    np.testing.assert_allclose(spectrograms.hann_window(4), [0.0, 0.5, 1.0, 0.5])  # by hand


def test_spectrogram_matches_a_float64_reference_on_a_real_clip():
    """NumPy's float32 FFT against SciPy in float64: float32 round-off only, largest in
    the near-silent bins just above the floor."""
    from scipy import fft
    from scipy.signal import get_window

    x, _ = audio_io.load_audio(DETECT_CLIPS / "two_keywords_16k_mono.wav", 44100)
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), 200)[::80]
    window = get_window("hann", 200)
    power = np.abs(fft.rfft(frames * window, axis=-1)) ** 2 / np.sum(window**2)
    reference = (10 * np.log10(np.maximum(power, 1e-10)) + 50.0) / 25.0
    difference = np.abs(spectrograms.spectrogram(x) - reference)
    # measured: max 4.4e-4, 99.9 % 1.2e-4, mean 1.1e-6 (SciPy's float32 FFT: 2.9e-3, 3.4e-4)
    assert difference.max() < 1e-3 and np.quantile(difference, 0.999) < 3e-4
    assert difference.mean() < 3e-6


def test_running_mean_is_the_exponential_average_started_at_the_first_frame():
    frames = np.array([[2.0], [2.0], [6.0], [6.0]], dtype=np.float32)
    # m = 2, 2, 2 + (6 − 2)/2 = 4, 4 + (6 − 4)/2 = 5 (time constant 2 frames), by hand
    np.testing.assert_allclose(spectrograms.running_mean(frames, 2.0)[:, 0], [2, 2, 4, 5])
    steady = np.full((50, 3), -1.5, dtype=np.float32)
    np.testing.assert_allclose(spectrograms.running_mean(steady, 7.0), steady, rtol=1e-6)
    np.testing.assert_array_equal(spectrograms.running_mean(frames, 1.0), frames)


@pytest.mark.parametrize("time_constant", [1.5, 40.0, 551.0])
def test_running_mean_in_numpy_is_scipys_first_order_filter(time_constant):
    """NumPy alone (the device has no SciPy), over several of its blocks of frames
    (a block at 1.5 frames is ~13 frames long), equal to SciPy's ``lfilter``."""
    from scipy.signal import lfilter

    frames = np.random.default_rng(2).normal(-1.0, 1.0, (2000, 5)).astype(np.float32)
    a = 1.0 / time_constant
    start = (1.0 - a) * frames[:1].astype(np.float64)
    expected, _ = lfilter([a], [1.0, a - 1.0], frames.astype(np.float64), axis=0, zi=start)
    np.testing.assert_allclose(
        spectrograms.running_mean(frames, time_constant), expected, atol=1e-5
    )


def test_the_running_mean_removes_the_level_and_the_microphones_response():
    """Louder by 20 dB, or through a filter that is steady over the clip: each bin moves
    by a constant, which the running mean takes away (the floor is not reached here)."""
    from scipy.signal import lfilter

    rate = 16000
    x = np.random.default_rng(1).normal(0, 0.05, rate).astype(np.float32)
    x[6000:9000] += 0.3 * tone(3000 / rate, rate, 700.0)
    kwargs = dict(nfft=200, noverlap=120, floor_db=-140.0, mean_frames=40)
    base = spectrograms.spectrogram(x, **kwargs)
    np.testing.assert_allclose(spectrograms.spectrogram(10 * x, **kwargs), base, atol=1e-4)
    tilted = lfilter([1.0, -0.9], [1.0], x).astype(np.float32)  # a bright microphone
    plain = dict(nfft=200, noverlap=120, floor_db=-140.0)
    # away from DC (where the filter's gain changes faster than a bin is wide) and the
    # filter's first samples, the response is gone; without the running mean it is not
    inner = np.s_[10:, 10:95]
    shifted = spectrograms.spectrogram(tilted, **kwargs) - base
    assert np.abs(shifted[inner]).mean() < 0.01
    unnormalised = spectrograms.spectrogram(tilted, **plain) - spectrograms.spectrogram(x, **plain)
    assert np.abs(unnormalised[inner]).mean() > 0.1
    # the tone's onset (frame 75) stands out against its band's recent past
    assert base[76:86, 9].mean() > 0.7 > abs(base[20:60, 9].mean())


def test_spectrogram_rejects_a_running_mean_shorter_than_a_frame():
    with pytest.raises(ValueError, match="mean_frames must be at least 1 frame, got 0.5"):
        spectrograms.spectrogram(np.zeros(400, dtype=np.float32), mean_frames=0.5)
