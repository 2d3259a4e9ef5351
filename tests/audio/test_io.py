"""Audio files: loading any format, writing WAV, the standard-library PCM reader."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import levels
from tests.audio.conftest import tone


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
    x = tone(0.5, 16000)
    (tmp_path / "a.wav").write_bytes(audio_io.wav_bytes(x, 16000))
    loaded, rate = audio_io.load_audio(tmp_path / "a.wav")
    assert rate == 16000 and loaded.dtype == np.float32 and loaded.shape == x.shape
    np.testing.assert_allclose(loaded, x, atol=1 / 32767)


def test_stereo_24_bit_is_mixed_down_and_resampled(tmp_path):
    left, right = tone(1.0, 44100, 440), tone(1.0, 44100, 440, amplitude=0.3)
    write_pcm_wav(tmp_path / "s.wav", np.stack([left, right], axis=1), 44100, width=3)
    stereo, rate = audio_io.load_audio(tmp_path / "s.wav", mono=False)
    assert stereo.shape == (44100, 2) and rate == 44100
    np.testing.assert_allclose(stereo[:, 0], left, atol=1e-5)
    mono, rate = audio_io.load_audio(tmp_path / "s.wav", sample_rate=16000)
    assert rate == 16000 and mono.shape == (16000,)
    assert levels.rms(mono) == pytest.approx(0.4 / np.sqrt(2), rel=0.02)


def test_float_wav_falls_back_to_scipy(tmp_path):
    from scipy.io import wavfile

    x = tone(0.25, 22050)
    wavfile.write(tmp_path / "f.wav", 22050, x)
    loaded, rate = audio_io.load_audio(tmp_path / "f.wav")
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
    with pytest.raises(audio_io.AudioError, match=message) as error:
        audio_io.load_audio(path)
    assert "bad.wav" in str(error.value)


def test_zero_length_audio_is_rejected(tmp_path):
    path = tmp_path / "zero.wav"
    write_pcm_wav(path, np.zeros((0,), dtype=np.float32), 16000)
    with pytest.raises(audio_io.AudioError, match="zero-length audio"):
        audio_io.load_audio(path)


def test_wav_bytes_are_16_bit_pcm():
    data = audio_io.wav_bytes(np.array([0.0, 0.5, -1.0, 2.0], dtype=np.float32), 8000)
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
    samples, rate = audio_io.load_audio(path, sample_rate=16000)
    assert rate == 16000 and samples.shape == (160,)
    np.testing.assert_allclose(samples[20:140], 0.25, atol=1e-3)


def test_other_format_without_a_decoder_names_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "soundfile", None)  # not installed
    path = tmp_path / "song.flac"
    path.write_bytes(b"fLaC but not really")
    with pytest.raises(audio_io.AudioError, match=r"song\.flac.*ffmpeg.*soundfile.*WAV"):
        audio_io.load_audio(path)


def test_a_real_flac_file_is_decoded_resampled_and_mixed_down(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    t = np.arange(48000) / 48000.0
    tone = 0.5 * np.sin(2 * np.pi * 440.0 * t).astype(np.float32)
    path = tmp_path / "tone.flac"
    soundfile.write(str(path), np.stack([tone, tone], axis=1), 48000, format="FLAC")
    samples, rate = audio_io.load_audio(path, sample_rate=16000)
    assert rate == 16000 and samples.shape == (16000,)
    # FLAC is lossless up to 16-bit quantisation; the resampled tone keeps its level
    assert np.sqrt(np.mean(samples[1000:-1000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


@pytest.mark.parametrize("width", [2, 3, 4])
def test_pcm_wav_reader_equals_the_pydub_loader(tmp_path, width):
    x = np.stack([tone(0.3, 22050), tone(0.3, 22050, 1000.0, 0.2)], axis=1)
    path = write_pcm_wav(tmp_path / "a.wav", x, 22050, width)
    samples, rate = audio_io.read_pcm_wav(path)
    expected, _ = audio_io.load_audio(path, mono=False)
    assert rate == 22050 and samples.shape == (len(x), 2) and samples.dtype == np.float32
    np.testing.assert_allclose(samples, expected, atol=2**-22)  # pydub widens 24-bit ±1 LSB
    np.testing.assert_allclose(samples, x, atol=2 ** -(8 * width - 1) * 2)


def test_pcm_wav_reader_names_float_and_bad_files(tmp_path):
    from scipy.io import wavfile

    wavfile.write(tmp_path / "float.wav", 16000, tone(0.1, 16000))
    with pytest.raises(
        audio_io.AudioError,
        match="float.wav': it is a floating-point WAV.*convert it to 16-bit PCM WAV",
    ):
        audio_io.read_pcm_wav(tmp_path / "float.wav")
    (tmp_path / "text.wav").write_text("hello")
    with pytest.raises(audio_io.AudioError, match="text.wav': it is not a PCM WAV file"):
        audio_io.read_pcm_wav(tmp_path / "text.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(audio_io.AudioError, match="empty.wav': it is not a PCM WAV file .*empty"):
        audio_io.read_pcm_wav(tmp_path / "empty.wav")
    write_pcm_wav(tmp_path / "none.wav", np.zeros(0), 16000)
    with pytest.raises(audio_io.AudioError, match="none.wav' holds no samples"):
        audio_io.read_pcm_wav(tmp_path / "none.wav")
    with pytest.raises(audio_io.AudioError, match="absent.wav' does not exist"):
        audio_io.read_pcm_wav(tmp_path / "absent.wav")


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT"])
def test_every_pcm_width_and_float_wav_decodes_as_soundfile_does(tmp_path, subtype):
    """8-bit WAV is unsigned on disk, pydub hands it back signed: shifting it by 128 a
    second time turned it into garbage (correlation −0.43 with the signal)."""
    soundfile = pytest.importorskip("soundfile")
    x = np.stack([tone(0.25, 8000), tone(0.25, 8000, 1000.0, 0.3)], axis=1)
    path = tmp_path / f"{subtype}.wav"
    soundfile.write(path, x, 8000, subtype=subtype)
    expected, _ = soundfile.read(path, dtype="float32", always_2d=True)
    loaded, rate = audio_io.load_audio(path, mono=False)
    assert rate == 8000 and loaded.shape == expected.shape
    np.testing.assert_allclose(loaded, expected, atol=2**-22)
    assert np.corrcoef(loaded[:, 0], x[:, 0])[0, 1] > 0.99
    if subtype != "FLOAT":  # the standard-library reader of the on-device runner too
        np.testing.assert_allclose(audio_io.read_pcm_wav(path)[0], expected, atol=2**-22)


def test_a_truncated_wav_is_read_with_a_warning_naming_it(tmp_path, caplog):
    whole = audio_io.wav_bytes(np.zeros(16000, dtype=np.float32), 16000)
    assert audio_io.wav_missing_bytes(whole) == 0
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    with caplog.at_level("WARNING"):
        samples, rate = audio_io.load_audio(cut)
    assert rate == 16000 and 0 < len(samples) < 16000
    assert "cut.wav' is truncated" in caplog.text
    caplog.clear()
    whole_file = tmp_path / "whole.wav"
    whole_file.write_bytes(whole)
    audio_io.load_audio(whole_file)
    assert "truncated" not in caplog.text
