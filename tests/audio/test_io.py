"""Tests for dl_pipelines.audio.io: loading, resampling, levels, spectrogram."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from dl_pipelines.audio import io as audio
from tests.conftest import PROJECT_ROOT


def _tone(seconds: float, rate: int, freq: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_pcm_wav(path, samples: np.ndarray, rate: int, width: int = 2):
    """``samples`` ((n,) or (n, channels) in [-1, 1]) as a 16/24/32-bit PCM WAV at ``path``."""
    samples = np.atleast_2d(np.asarray(samples, dtype=np.float64).T).T  # (n, channels)
    scale = 2 ** (8 * width - 1) - 1
    ints = np.round(samples * scale).astype("<i4")
    if width == 2:
        raw = ints.astype("<i2").tobytes()
    elif width == 3:  # 24-bit little-endian: the low three bytes of each int32
        raw = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        raw = ints.tobytes()
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(samples.shape[1])
        handle.setsampwidth(width)
        handle.setframerate(rate)
        handle.writeframes(raw)
    return path


def test_wav_round_trip_16_bit_mono(tmp_path):
    x = _tone(0.5, 16000)
    (tmp_path / "a.wav").write_bytes(audio.wav_bytes(x, 16000))
    loaded, rate = audio.load_audio(tmp_path / "a.wav")
    assert rate == 16000 and loaded.dtype == np.float32 and loaded.shape == x.shape
    np.testing.assert_allclose(loaded, x, atol=1 / 32767)


def test_stereo_24_bit_is_mixed_down_and_resampled(tmp_path):
    left, right = _tone(1.0, 44100, 440), _tone(1.0, 44100, 440, amplitude=0.3)
    write_pcm_wav(tmp_path / "s.wav", np.stack([left, right], axis=1), 44100, width=3)
    stereo, rate = audio.load_audio(tmp_path / "s.wav", mono=False)
    assert stereo.shape == (44100, 2) and rate == 44100
    np.testing.assert_allclose(stereo[:, 0], left, atol=1e-5)
    mono, rate = audio.load_audio(tmp_path / "s.wav", sample_rate=16000)
    assert rate == 16000 and mono.shape == (16000,)
    assert audio.rms(mono) == pytest.approx(0.4 / np.sqrt(2), rel=0.02)


def test_float_wav_falls_back_to_scipy(tmp_path):
    from scipy.io import wavfile

    x = _tone(0.25, 22050)
    wavfile.write(tmp_path / "f.wav", 22050, x)
    loaded, rate = audio.load_audio(tmp_path / "f.wav")
    assert rate == 22050
    np.testing.assert_allclose(loaded, x, atol=1e-6)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", r"is empty \(0 bytes\)"),
        (b"RIFF\x10\x00\x00\x00WAVEjunk-not-audio", "Cannot decode audio file"),
    ],
)
def test_bad_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(audio.AudioError, match=message) as error:
        audio.load_audio(path)
    assert "bad.wav" in str(error.value)


def test_zero_length_audio_is_rejected(tmp_path):
    path = tmp_path / "zero.wav"
    write_pcm_wav(path, np.zeros((0,), dtype=np.float32), 16000)
    with pytest.raises(audio.AudioError, match="zero-length audio"):
        audio.load_audio(path)


def test_resample_keeps_a_tone():
    x = _tone(1.0, 44100, 1000.0)
    y = audio.resample(x, 44100, 16000)
    assert len(y) == 16000
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins for 1 s
    assert audio.rms(y) == pytest.approx(audio.rms(x), rel=0.01)


def test_levels_and_snr_gain():
    assert audio.db_to_gain(-20.0) == pytest.approx(0.1)
    assert audio.rms_db(np.full(100, 0.1)) == pytest.approx(-20.0)
    signal, noise = np.full(100, 0.2), np.full(100, 0.1)
    g = audio.gain_for_snr(audio.rms(signal), audio.rms(noise), 6.0)
    assert 20 * np.log10(audio.rms(g * signal) / audio.rms(noise)) == pytest.approx(6.0)
    with pytest.raises(ValueError, match="silent"):
        audio.gain_for_snr(0.0, 0.1, 0.0)


def test_active_rms_ignores_silence():
    rate = 1000
    x = np.zeros(rate, dtype=np.float32)
    x[:200] = 0.5
    assert audio.active_rms(x, rate) == pytest.approx(0.5)
    assert audio.rms(x) < 0.25


def test_peak_normalise_only_scales_down():
    x = np.array([0.5, -2.0, 1.0], dtype=np.float32)
    np.testing.assert_allclose(audio.peak_normalise(x, 0.99), x * 0.99 / 2.0)
    small = np.array([0.1, -0.2], dtype=np.float32)
    assert audio.peak_normalise(small) is small


def test_trim_silence():
    x = np.zeros(1000, dtype=np.float32)
    x[300:400] = 0.5
    trimmed = audio.trim_silence(x, 1000, pad_s=0.0)
    assert len(trimmed) == 100


def test_spectrogram_course_shape_for_10_s_at_44k():
    x = np.random.default_rng(0).normal(0, 0.1, 441000).astype(np.float32)
    s = audio.spectrogram(x, nfft=200, noverlap=120)
    assert s.shape == (5511, 101) and s.dtype == np.float32
    assert audio.spectrogram_frames(441000, 200, 120) == 5511


def test_spectrogram_of_a_batch_equals_each_example_and_finds_the_tone():
    rate = 8000
    batch = np.stack([_tone(0.5, rate, 1000.0), _tone(0.5, rate, 2000.0)])
    out = audio.spectrogram(batch, nfft=200, noverlap=120)
    assert out.shape == (2, 48, 101)
    np.testing.assert_allclose(
        out[1], audio.spectrogram(batch[1], nfft=200, noverlap=120), atol=1e-5
    )
    # bin k is k·rate/nfft Hz: 1000 Hz → bin 25, 2000 Hz → bin 50
    assert np.argmax(out[0].mean(axis=0)) == 25
    assert np.argmax(out[1].mean(axis=0)) == 50


def test_spectrogram_normalisation_is_the_documented_affine_map():
    # Silence is clipped at floor_db, then mapped to (floor_db − center_db) / scale_db.
    silent = np.zeros(400, dtype=np.float32)
    floor = audio.spectrogram(
        silent, nfft=200, noverlap=120, floor_db=-100, center_db=-50, scale_db=25
    )
    np.testing.assert_allclose(floor, (-100 + 50) / 25, rtol=1e-6)


def test_spectrogram_rejects_too_short_audio():
    with pytest.raises(audio.AudioError, match="shorter than one spectrogram frame"):
        audio.spectrogram(np.zeros(10, dtype=np.float32), nfft=200, noverlap=120)


def test_wav_bytes_are_16_bit_pcm():
    data = audio.wav_bytes(np.array([0.0, 0.5, -1.0, 2.0], dtype=np.float32), 8000)
    with wave.open(io.BytesIO(data)) as handle:
        assert handle.getsampwidth() == 2 and handle.getframerate() == 8000
        frames = np.frombuffer(handle.readframes(4), dtype="<i2")
    assert frames.tolist() == [0, 16384, -32767, 32767]


class _FakeSoundfile:
    """Stands in for the optional ``soundfile`` package (libsndfile)."""

    @staticmethod
    def read(buffer, dtype="float32", always_2d=True):
        assert buffer.read() == b"fLaC fake stream" and dtype == "float32" and always_2d
        return np.full((480, 2), 0.25, dtype=np.float32), 48000


def test_other_formats_are_read_through_soundfile_when_installed(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "soundfile", _FakeSoundfile)
    path = tmp_path / "song.flac"
    path.write_bytes(b"fLaC fake stream")
    samples, rate = audio.load_audio(path, sample_rate=16000)
    assert rate == 16000 and samples.shape == (160,)
    np.testing.assert_allclose(samples[20:140], 0.25, atol=1e-3)


def test_other_format_without_a_decoder_names_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "soundfile", None)  # not installed
    path = tmp_path / "song.flac"
    path.write_bytes(b"fLaC but not really")
    with pytest.raises(audio.AudioError, match=r"song\.flac.*ffmpeg.*soundfile.*WAV"):
        audio.load_audio(path)


def test_a_real_flac_file_is_decoded_resampled_and_mixed_down(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    t = np.arange(48000) / 48000.0
    tone = 0.5 * np.sin(2 * np.pi * 440.0 * t).astype(np.float32)
    path = tmp_path / "tone.flac"
    soundfile.write(str(path), np.stack([tone, tone], axis=1), 48000, format="FLAC")
    samples, rate = audio.load_audio(path, sample_rate=16000)
    assert rate == 16000 and samples.shape == (16000,)
    # FLAC is lossless up to 16-bit quantisation; the resampled tone keeps its level
    assert np.sqrt(np.mean(samples[1000:-1000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


# ------------------------------------------------- NumPy-only paths (the on-device runner)
DETECT_CLIPS = PROJECT_ROOT / "data/01_raw/trigger_word/detect"


def test_hann_window_is_scipys_periodic_hann():
    from scipy.signal import get_window

    for n in (7, 200, 256):
        np.testing.assert_allclose(audio.hann_window(n), get_window("hann", n), atol=1e-15)
    np.testing.assert_allclose(audio.hann_window(4), [0.0, 0.5, 1.0, 0.5])  # by hand


def test_spectrogram_matches_a_float64_reference_on_a_real_clip():
    """NumPy's float32 FFT against SciPy in float64: float32 round-off only, largest in
    the near-silent bins just above the floor."""
    from scipy import fft
    from scipy.signal import get_window

    x, _ = audio.load_audio(DETECT_CLIPS / "two_keywords_16k_mono.wav", 44100)
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), 200)[::80]
    window = get_window("hann", 200)
    power = np.abs(fft.rfft(frames * window, axis=-1)) ** 2 / np.sum(window**2)
    reference = (10 * np.log10(np.maximum(power, 1e-10)) + 50.0) / 25.0
    difference = np.abs(audio.spectrogram(x) - reference)
    # measured: max 4.4e-4, 99.9 % 1.2e-4, mean 1.1e-6 (SciPy's float32 FFT: 2.9e-3, 3.4e-4)
    assert difference.max() < 1e-3 and np.quantile(difference, 0.999) < 3e-4
    assert difference.mean() < 3e-6


@pytest.mark.parametrize(
    ("name", "to_rate"),
    [
        ("two_keywords_16k_mono.wav", 44100),
        ("two_keywords_16k_mono.wav", 22050),
        ("one_keyword_44k_stereo.wav", 16000),
        ("one_keyword_44k_stereo.wav", 48000),
    ],
)
def test_numpy_resampler_equals_the_scipy_one_on_real_clips(name, to_rate):
    x, rate = audio.load_audio(DETECT_CLIPS / name, mono=False)  # (n, channels)
    expected = audio.resample(x, rate, to_rate)
    got = audio.resample_numpy(x, rate, to_rate, chunk=10_000)  # several chunks
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(
        audio.resample_numpy(x[:, 0], rate, to_rate), expected[:, 0], atol=1e-6
    )


def test_numpy_resampler_odd_ratios_and_identity():
    x = np.random.default_rng(0).normal(0, 0.3, 3001).astype(np.float32)
    for from_rate, to_rate in ((7, 5), (44100, 44101), (8000, 44100)):
        np.testing.assert_allclose(
            audio.resample_numpy(x, from_rate, to_rate),
            audio.resample(x, from_rate, to_rate),
            atol=1e-6,
        )
    np.testing.assert_array_equal(audio.resample_numpy(x, 16000, 16000), x)
    with pytest.raises(ValueError, match="sample rates must be positive"):
        audio.resample_numpy(x, 0, 16000)


@pytest.mark.parametrize("width", [2, 3, 4])
def test_pcm_wav_reader_equals_the_pydub_loader(tmp_path, width):
    x = np.stack([_tone(0.3, 22050), _tone(0.3, 22050, 1000.0, 0.2)], axis=1)
    path = write_pcm_wav(tmp_path / "a.wav", x, 22050, width)
    samples, rate = audio.read_pcm_wav(path)
    expected, _ = audio.load_audio(path, mono=False)
    assert rate == 22050 and samples.shape == (len(x), 2) and samples.dtype == np.float32
    np.testing.assert_allclose(samples, expected, atol=2**-22)  # pydub widens 24-bit ±1 LSB
    np.testing.assert_allclose(samples, x, atol=2 ** -(8 * width - 1) * 2)


def test_pcm_wav_reader_names_float_and_bad_files(tmp_path):
    from scipy.io import wavfile

    wavfile.write(tmp_path / "float.wav", 16000, _tone(0.1, 16000))
    with pytest.raises(
        audio.AudioError,
        match="float.wav': it is a floating-point WAV.*convert it to 16-bit PCM WAV",
    ):
        audio.read_pcm_wav(tmp_path / "float.wav")
    (tmp_path / "text.wav").write_text("hello")
    with pytest.raises(audio.AudioError, match="text.wav': it is not a PCM WAV file"):
        audio.read_pcm_wav(tmp_path / "text.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(audio.AudioError, match="empty.wav': it is not a PCM WAV file .*empty"):
        audio.read_pcm_wav(tmp_path / "empty.wav")
    write_pcm_wav(tmp_path / "none.wav", np.zeros(0), 16000)
    with pytest.raises(audio.AudioError, match="none.wav' holds no samples"):
        audio.read_pcm_wav(tmp_path / "none.wav")
    with pytest.raises(audio.AudioError, match="absent.wav' does not exist"):
        audio.read_pcm_wav(tmp_path / "absent.wav")


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT"])
def test_every_pcm_width_and_float_wav_decodes_as_soundfile_does(tmp_path, subtype):
    """8-bit WAV is unsigned on disk, pydub hands it back signed: shifting it by 128 a
    second time turned it into garbage (correlation −0.43 with the signal)."""
    soundfile = pytest.importorskip("soundfile")
    x = np.stack([_tone(0.25, 8000), _tone(0.25, 8000, 1000.0, 0.3)], axis=1)
    path = tmp_path / f"{subtype}.wav"
    soundfile.write(path, x, 8000, subtype=subtype)
    expected, _ = soundfile.read(path, dtype="float32", always_2d=True)
    loaded, rate = audio.load_audio(path, mono=False)
    assert rate == 8000 and loaded.shape == expected.shape
    np.testing.assert_allclose(loaded, expected, atol=2**-22)
    assert np.corrcoef(loaded[:, 0], x[:, 0])[0, 1] > 0.99
    if subtype != "FLOAT":  # the standard-library reader of the on-device runner too
        np.testing.assert_allclose(audio.read_pcm_wav(path)[0], expected, atol=2**-22)


def test_a_truncated_wav_is_read_with_a_warning_naming_it(tmp_path, caplog):
    from dl_pipelines.audio import io as audio_module

    whole = audio_module.wav_bytes(np.zeros(16000, dtype=np.float32), 16000)
    assert audio_module.wav_missing_bytes(whole) == 0
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    with caplog.at_level("WARNING"):
        samples, rate = audio_module.load_audio(cut)
    assert rate == 16000 and 0 < len(samples) < 16000
    assert "cut.wav' is truncated" in caplog.text
    caplog.clear()
    whole_file = tmp_path / "whole.wav"
    whole_file.write_bytes(whole)
    audio_module.load_audio(whole_file)
    assert "truncated" not in caplog.text
