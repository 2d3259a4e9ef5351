"""model.json: every key checked, errors naming the file and the key."""

from __future__ import annotations

import copy
import json

import pytest

from dl_pipelines.ship.manifest import (
    ManifestError,
    check_manifest,
    detector_of,
    detector_sections,
    is_streaming,
    load_manifest,
)

CLASSIFIER = {
    "model": "day_night",
    "version": "3",
    "task": "binary_classifier",
    "input": {"shape": [1, 64, 64, 3], "dtype": "float32"},
    "files": {"float": "model_float.tflite"},
    "classifier": {"threshold": 0.5, "labels": ["day", "night"]},
}


def _section(data: dict, key: str) -> tuple[dict, str]:
    """The dict holding the dotted ``key``, and its last part."""
    *sections, last = key.split(".")
    for section in sections:
        data = data[section]
    return data, last


def _write(tmp_path, data) -> str:
    path = tmp_path / "model.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_a_detector_round_trips(detector, detector_manifest, tmp_path):
    loaded = load_manifest(_write(tmp_path, detector_manifest))
    assert detector_of(loaded) == detector
    assert set(detector_sections(detector)["detector"]) == {
        "threshold",
        "refractory_steps",
        "hold_steps",
        "kernel",
        "stride",
        "window_steps",
        "overlap_steps",
        "seconds_per_step",
    }
    assert check_manifest(copy.deepcopy(CLASSIFIER)) == CLASSIFIER


@pytest.mark.parametrize(
    "key",
    [
        "model",
        "version",
        "input.shape",
        "files",
        "audio.sample_rate",
        "audio.spectrogram.nfft",
        "detector.window_steps",
        "detector.seconds_per_step",
    ],
)
def test_a_missing_key_is_named_with_the_file(detector_manifest, tmp_path, key):
    data = copy.deepcopy(detector_manifest)
    inner, last = _section(data, key)
    del inner[last]
    path = _write(tmp_path, data)
    with pytest.raises(ManifestError, match=rf"'{path}' has no '{key}' key.*re-export"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("task", "segmenter", "unknown task 'segmenter'"),
        ("version", 3, "'version' must be of type str"),
        ("detector.kernel", "15", "'detector.kernel' must be of type int"),
        ("detector.window_steps", 90, r"'input.shape' must be .* = \[1, 371, 101\]"),
        ("detector.seconds_per_step", 0.01, "'detector.seconds_per_step' must be"),
        ("detector.overlap_steps", 100, "'detector.overlap_steps' must be in"),
        ("input.shape", [2, 411, 101], "'input.shape' must be .* batch of 1"),
        ("files", {}, "'files' must be a non-empty object"),
    ],
)
def test_wrong_values_are_named(detector_manifest, key, value, message):
    data = copy.deepcopy(detector_manifest)
    inner, last = _section(data, key)
    inner[last] = value
    with pytest.raises(ManifestError, match=message):
        check_manifest(data, "shipped/model.json")


def test_classifier_labels_and_unreadable_files(tmp_path):
    with pytest.raises(ManifestError, match="'classifier.labels' must be two names"):
        check_manifest({**CLASSIFIER, "classifier": {"threshold": 0.5, "labels": ["day"]}})
    with pytest.raises(ManifestError, match="has no 'classifier' key"):
        check_manifest({k: v for k, v in CLASSIFIER.items() if k != "classifier"})
    with pytest.raises(ManifestError, match="No model description at .*nowhere.json"):
        load_manifest(tmp_path / "nowhere.json")
    path = _write(tmp_path, "{not json")
    with pytest.raises(ManifestError, match=f"'{path}' is not valid JSON"):
        load_manifest(path)
    with pytest.raises(ManifestError, match="must hold a JSON object"):
        load_manifest(_write(tmp_path, "[1, 2]"))


def test_streaming_variants_need_their_chunk_size(detector_manifest) -> None:
    manifest = copy.deepcopy(detector_manifest)
    assert is_streaming(manifest, "some/dir/model_streaming_float.tflite")
    assert not is_streaming(manifest, "model_float.tflite")
    del manifest["streaming"]
    with pytest.raises(ManifestError, match="no 'streaming' key"):
        check_manifest(manifest)


def test_the_running_mean_of_the_spectrogram_travels_in_the_manifest(detector, tmp_path):
    """A detector trained on spectrograms with their running mean subtracted
    (``spectrogram.mean_frames``) must be fed the same on the device: the key is written,
    read back and checked; a detector without it has no such key."""
    from dataclasses import replace

    assert "mean_frames" not in detector_sections(detector)["audio"]["spectrogram"]
    normalised = replace(detector, spectrogram={**detector.spectrogram, "mean_frames": 551})
    data = {
        "model": "trigger_word",
        "version": "2",
        "task": "keyword_detector",
        "input": {"shape": [1, normalised.window_frames, 101], "dtype": "float32"},
        "files": {"float": "model_float.tflite"},
        **detector_sections(normalised),
    }
    assert data["audio"]["spectrogram"]["mean_frames"] == 551
    assert detector_of(load_manifest(_write(tmp_path, data))) == normalised
    data["audio"]["spectrogram"]["mean_frames"] = 0
    with pytest.raises(ManifestError, match=r"'audio.spectrogram.mean_frames' must be a number"):
        check_manifest(data)
