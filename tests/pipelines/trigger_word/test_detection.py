"""Detection in files: one time per keyword for the table, the plot and the chime."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import io as audio_io
from dl_pipelines.pipelines.trigger_word import detection, nodes
from dl_pipelines.pipelines.trigger_word.params import parse_params
from tests.pipelines.trigger_word.conftest import RATE, as_registered, tone


class _FakeModel:
    """Returns a fixed bump of scores: the detection time is known by hand."""

    def __init__(self, peak_at_s: float, seconds_per_step: float) -> None:
        self.peak_at_s, self.step = peak_at_s, seconds_per_step

    def predict(self, x, verbose=0):
        steps = (x.shape[1] - 15) // 4 + 1
        scores = np.zeros((len(x), steps, 1), dtype=np.float32)
        peak = int(round(self.peak_at_s / self.step))
        scores[:, peak - 10 : peak + 11, 0] = 0.6  # bump starts 10 steps before the peak
        scores[:, peak, 0] = 0.9
        return scores


def test_detect_folder_times_csv_and_chimes(tw_params):
    p = parse_params(tw_params)
    model = _FakeModel(1.5, p.seconds_per_step)
    files = {
        "a.wav": (np.stack([tone(3.0, rate=44100)] * 2, axis=1), 44100),
        "b.wav": (tone(2.5, rate=8000), 8000),
    }
    table, figures, chimed = nodes.detect_folder(as_registered(model, tw_params), files, tw_params)
    assert list(table.columns) == ["file", "time_s", "score"]
    assert table["file"].tolist() == ["a.wav", "b.wav"]
    peak = int(round(1.5 / p.seconds_per_step))
    expected = (peak - 11) * p.seconds_per_step  # the step before the bump starts
    np.testing.assert_allclose(table["time_s"], expected, atol=1e-3)
    # the score held for evaluation.hold_s (10 steps here): the bump's 0.6, not the
    # one-step 0.9 at its peak
    assert p.hold_steps == 10 and table["score"].tolist() == [0.6, 0.6]
    assert set(figures) == {"a.wav.png", "b.wav.png"}
    samples, rate = chimed["a.wav"]
    assert rate == 44100 and samples.shape == files["a.wav"][0].shape
    assert np.max(np.abs(samples)) <= 0.99 + 1e-6


def test_detect_folder_uses_one_time_for_csv_plot_and_chime(tw_params):
    """The chime and the plot markers sit at the csv's time_s, not at the score peak."""
    p = parse_params(tw_params)
    silent = np.zeros((3 * 44100, 2), dtype=np.float32)
    table, figures, chimed = nodes.detect_folder(
        as_registered(_FakeModel(1.5, p.seconds_per_step), tw_params),
        {"quiet.wav": (silent, 44100)},
        tw_params,
    )
    (time_s,) = table["time_s"].tolist()
    peak_s = int(round(1.5 / p.seconds_per_step)) * p.seconds_per_step
    assert peak_s - time_s > 0.05  # the peak is later: the two must not be mixed up
    samples, rate = chimed["quiet.wav"]
    first = np.flatnonzero(np.abs(samples[:, 0]) > 0)[0]
    assert abs(first / rate - time_s) <= 2 / rate  # the chime starts at time_s
    for ax in figures["quiet.wav.png"].axes:
        marks = [
            line.get_xdata()[0] for line in ax.get_lines() if len(set(line.get_xdata())) == 1
        ]  # vertical lines (axvline)
        np.testing.assert_allclose(marks, [time_s])


def test_detect_rejects_too_short_audio(tw_params):
    with pytest.raises(ValueError, match="tiny.wav' lasts .* shorter than"):
        nodes.detect_folder(
            as_registered(_FakeModel(0.0, 0.02), tw_params),
            {"tiny.wav": (tone(0.01), RATE)},
            tw_params,
        )


def test_add_chimes_mono_and_stereo():
    mono = np.zeros(16000, dtype=np.float32)
    out = detection.add_chimes(mono, 16000, [0.5], 1000.0, 0.2, -12.0)
    assert out.shape == mono.shape and np.abs(out[8000:8100]).max() > 0.05
    assert np.abs(out[:8000]).max() == 0
    stereo = np.zeros((16000, 2), dtype=np.float32)
    out = detection.add_chimes(stereo, 16000, [0.1, 0.9], 1000.0, 0.2, -12.0)
    assert out.shape == (16000, 2)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])


@pytest.mark.parametrize("entry", ["trigger_word_raw_{kind}", "trigger_word_detect_audio"])
def test_catalog_folders_take_other_formats(entry, tmp_path, monkeypatch):
    """FLAC/OGG/MP3 next to WAV are loaded (here through a stand-in soundfile)."""
    import sys

    import yaml

    from dl_pipelines.datasets import AudioFolderDataset
    from tests.conftest import PROJECT_ROOT

    class FakeSoundfile:
        @staticmethod
        def read(buffer, dtype="float32", always_2d=True):
            return np.full((800, 1), 0.5, dtype=np.float32), 8000

    monkeypatch.setitem(sys.modules, "soundfile", FakeSoundfile)
    catalog = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_trigger_word.yml").read_text())
    config = {k: v for k, v in catalog[entry].items() if k not in ("type", "metadata")}
    for ending in (".flac", ".ogg", ".mp3"):
        (tmp_path / f"clip{ending}").write_bytes(b"compressed audio")
    (tmp_path / "clip.wav").write_bytes(audio_io.wav_bytes(tone(0.1), RATE))
    (tmp_path / "notes.txt").write_text("not audio")
    loaded = AudioFolderDataset(**{**config, "path": str(tmp_path)}).load()
    assert sorted(loaded) == ["clip.flac", "clip.mp3", "clip.ogg", "clip.wav"]


def test_chimed_copies_of_other_formats_do_not_clash(tw_params):
    p = parse_params(tw_params)
    files = {name: (tone(2.0), RATE) for name in ("a.wav", "a.mp3", "b.FLAC")}
    _, _, chimed = nodes.detect_folder(
        as_registered(_FakeModel(1.0, p.seconds_per_step), tw_params), files, tw_params
    )
    assert sorted(chimed) == ["a.mp3.wav", "a.wav", "b.FLAC.wav"]


def test_chimes_added_in_blocks_equal_chimes_added_at_once(tmp_path, monkeypatch):
    from dl_pipelines.audio.stream import AudioFile

    monkeypatch.setattr(detection, "STREAM_BLOCK_FRAMES", 1000)  # a chime spans blocks

    stereo = np.stack([tone(3.0), 0.5 * tone(3.0, 500.0)], axis=1) * 3.0  # peak 0.9
    path = tmp_path / "x.wav"
    path.write_bytes(audio_io.wav_bytes(stereo, RATE))
    samples, _ = audio_io.load_audio(path, mono=False)
    times, chime = [0.5, 2.9], (1320.0, 0.25, -3.0)
    whole = detection.add_chimes(samples, RATE, times, *chime)
    blocks = np.concatenate(list(detection.chimed_blocks(AudioFile.open(path), times, *chime)))
    np.testing.assert_allclose(blocks, whole, atol=1e-6)
    assert np.max(np.abs(blocks)) <= 0.99 + 1e-6


def test_a_model_of_another_stride_is_refused(tw_params):
    """Scored with the parameters' stride 4, a stride-8 model would put every detection at
    half its time: refused, naming both strides and the fix."""
    from dl_pipelines.pipelines.trigger_word.model import build_trigger_word_model

    detector = detection.make_detector(parse_params(tw_params), 0.5)
    assert (detector.kernel, detector.stride) == (15, 4)
    same = build_trigger_word_model(101, 4, 15, 4, [4], 0.0, 1e-3, 1.0)
    detector.check_model(same, "The trained model")
    other = build_trigger_word_model(101, 4, 15, 8, [4], 0.0, 1e-3, 1.0)
    with pytest.raises(
        ValueError,
        match=r"The trained model was trained with a Conv1D of "
        r"kernel 15 and stride 8.*conv_stride 4.*model\.conv_stride: 8",
    ):
        detector.check_model(other, "The trained model")
