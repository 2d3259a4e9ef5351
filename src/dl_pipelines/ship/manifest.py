"""``model.json``: what a shipped model is, which files hold it and how to feed it.

The shipping pipeline writes it next to the ``.tflite`` files; the on-device runner
(:mod:`dl_pipelines.ship.run_tflite`) reads it. Its keys (all required)::

    model, version, task                  "trigger_word", "15", "keyword_detector"
    input.shape, input.dtype              [1, 5511, 101], "float32" (batch 1)
    files                                 {"float": "model_float.tflite", ...}

    task "keyword_detector":
    audio.sample_rate                     44100
    audio.spectrogram.{nfft, noverlap, floor_db, center_db, scale_db}
    audio.spectrogram.mean_frames         optional: the running mean subtracted per bin
    detector.{threshold, refractory_steps, hold_steps, kernel, stride,
              window_steps, overlap_steps, seconds_per_step}

    optional, with streaming variants in ``files`` (``streaming_float``, …):
    streaming.chunk_steps                 25 (output steps per streaming step)

    task "binary_classifier":
    classifier.threshold, classifier.labels   0.5, ["day", "night"] (score < threshold
                                              → labels[0])

:func:`load_manifest` checks every key (and that the detector's window matches the input
shape) and raises :class:`ManifestError` naming the file and the key;
:func:`detector_sections` writes the ``audio`` and ``detector`` sections of a
:class:`~dl_pipelines.audio.windows.Detector`, :func:`detector_of`
reads them back.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from dl_pipelines.audio.windows import Detector

#: Prefix of the ``files`` variants that are streaming step models.
STREAMING = "streaming_"
FIX = "re-export the model with `kedro run --pipelines shipping --params model=<name>`"

Number = (int, float)
_SPECTROGRAM = {
    "nfft": int,
    "noverlap": int,
    "floor_db": Number,
    "center_db": Number,
    "scale_db": Number,
}
#: Optional spectrogram keys: written when the detector has them, checked when present.
_SPECTROGRAM_OPTIONAL = {"mean_frames": Number}
#: Required keys and their types, per section; nested dicts are sections.
COMMON: dict[str, Any] = {
    "model": str,
    "version": str,
    "task": str,
    "input": {"shape": list, "dtype": str},
    "files": dict,
}
TASKS: dict[str, dict[str, Any]] = {
    "keyword_detector": {
        "audio": {"sample_rate": int, "spectrogram": _SPECTROGRAM},
        "detector": {
            "threshold": Number,
            "refractory_steps": int,
            "hold_steps": int,
            "kernel": int,
            "stride": int,
            "window_steps": int,
            "overlap_steps": int,
            "seconds_per_step": Number,
        },
    },
    "binary_classifier": {
        "classifier": {"threshold": Number, "labels": list},
    },
}


class ManifestError(ValueError):
    """A ``model.json`` that is missing, unreadable or lacks a key."""


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check a ``model.json``; returns its content.

    Raises:
        ManifestError: naming the file and what is wrong with it.
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(
            f"No model description at '{path}': put the model.json that the "
            f"shipping pipeline wrote next to the .tflite file, or pass "
            f"--config PATH ({FIX})."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"'{path}' is not valid JSON ({error}); {FIX}.") from error
    return check_manifest(data, str(path))


def check_manifest(data: Any, where: str = "model.json") -> dict[str, Any]:
    """``data`` if it holds every key of its task with the right type, else an error."""
    if not isinstance(data, dict):
        raise ManifestError(f"'{where}' must hold a JSON object, got {type(data).__name__}; {FIX}.")
    _check_keys(data, COMMON, where, "")
    task = data["task"]
    if task not in TASKS:
        raise ManifestError(
            f"'{where}': unknown task '{task}' (known: {', '.join(sorted(TASKS))}); {FIX}."
        )
    _check_keys(data, TASKS[task], where, "")
    shape = data["input"]["shape"]
    if not shape or not all(_is(d, int) and d > 0 for d in shape) or shape[0] != 1:
        _bad(where, "input.shape", f"a list of positive integers with a batch of 1, got {shape}")
    if not data["files"] or not all(isinstance(v, str) for v in data["files"].values()):
        _bad(where, "files", "a non-empty object of variant → .tflite file name")
    if task == "keyword_detector":
        _check_detector(data, where)
        _check_streaming(data, where)
    else:
        labels = data["classifier"]["labels"]
        if len(labels) != 2 or not all(isinstance(label, str) for label in labels):
            _bad(
                where,
                "classifier.labels",
                f"two names (score below the threshold, above it), got {labels}",
            )
    return data


def detector_of(manifest: dict[str, Any]) -> Detector:
    """The :class:`Detector` of a checked keyword_detector manifest."""
    d = manifest["detector"]
    return Detector(
        sample_rate=int(manifest["audio"]["sample_rate"]),
        spectrogram=dict(manifest["audio"]["spectrogram"]),
        kernel=d["kernel"],
        stride=d["stride"],
        window_steps=d["window_steps"],
        overlap_steps=d["overlap_steps"],
        threshold=float(d["threshold"]),
        refractory_steps=d["refractory_steps"],
        hold_steps=d["hold_steps"],
    )


def detector_sections(detector: Detector) -> dict[str, Any]:
    """The ``audio`` and ``detector`` sections of a keyword_detector's model.json."""
    return {
        "audio": {
            "sample_rate": detector.sample_rate,
            "spectrogram": {
                k: detector.spectrogram[k]
                for k in (*_SPECTROGRAM, *_SPECTROGRAM_OPTIONAL)
                if detector.spectrogram.get(k) is not None
            },
        },
        "detector": {
            "threshold": detector.threshold,
            "refractory_steps": detector.refractory_steps,
            "hold_steps": detector.hold_steps,
            "kernel": detector.kernel,
            "stride": detector.stride,
            "window_steps": detector.window_steps,
            "overlap_steps": detector.overlap_steps,
            "seconds_per_step": detector.seconds_per_step,
        },
    }


def _check_detector(data: dict[str, Any], where: str) -> None:
    spec, d = data["audio"]["spectrogram"], data["detector"]
    if not 0 <= spec["noverlap"] < spec["nfft"]:
        _bad(where, "audio.spectrogram.noverlap", f"in [0, nfft), got {spec['noverlap']}")
    mean = spec.get("mean_frames")
    if mean is not None and (not _is(mean, _SPECTROGRAM_OPTIONAL["mean_frames"]) or mean < 1):
        _bad(where, "audio.spectrogram.mean_frames", f"a number of frames >= 1, got {mean!r}")
    for key in ("kernel", "stride", "window_steps", "refractory_steps", "hold_steps"):
        if d[key] < 1:
            _bad(where, f"detector.{key}", f"at least 1, got {d[key]}")
    if not 0 <= d["overlap_steps"] < d["window_steps"]:
        _bad(where, "detector.overlap_steps", f"in [0, window_steps), got {d['overlap_steps']}")
    if data["audio"]["sample_rate"] <= 0:
        _bad(where, "audio.sample_rate", "positive")
    detector = detector_of(data)
    if not math.isclose(d["seconds_per_step"], detector.seconds_per_step, rel_tol=1e-4):
        _bad(
            where,
            "detector.seconds_per_step",
            f"(nfft − noverlap) · stride / sample_rate = "
            f"{detector.seconds_per_step:.7g}, got {d['seconds_per_step']}",
        )
    expected = [1, detector.window_frames, int(spec["nfft"]) // 2 + 1]
    if data["input"]["shape"] != expected:
        _bad(
            where,
            "input.shape",
            f"[1, (window_steps − 1) · stride + kernel, nfft // 2 + 1]"
            f" = {expected} for this detector, got {data['input']['shape']}",
        )


def _check_streaming(data: dict[str, Any], where: str) -> None:
    """Streaming variants (``files`` keys ``streaming_*``) need ``streaming.chunk_steps``."""
    if not any(variant.startswith(STREAMING) for variant in data["files"]):
        return
    _check_keys(data, {"streaming": {"chunk_steps": int}}, where, "")
    if data["streaming"]["chunk_steps"] < 1:
        _bad(where, "streaming.chunk_steps", "at least 1")


def is_streaming(manifest: dict[str, Any], model_file: str | Path) -> bool:
    """Whether ``model_file`` is one of the manifest's streaming step models."""
    name = Path(model_file).name
    return any(
        variant.startswith(STREAMING) and file == name
        for variant, file in manifest["files"].items()
    )


def _check_keys(data: dict[str, Any], schema: dict[str, Any], where: str, prefix: str) -> None:
    for key, kind in schema.items():
        name = f"{prefix}{key}"
        if key not in data:
            raise ManifestError(
                f"'{where}' has no '{name}' key (expected here: {_listing(schema, prefix)}); {FIX}."
            )
        value = data[key]
        if isinstance(kind, dict):
            if not isinstance(value, dict):
                _bad(where, name, "an object")
            _check_keys(value, kind, where, f"{name}.")
        elif not _is(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "a number"
            _bad(where, name, f"of type {names}, got {json.dumps(value)}")


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def _listing(schema: dict[str, Any], prefix: str) -> str:
    return ", ".join(f"'{prefix}{key}'" for key in schema)


def _bad(where: str, key: str, expected: str) -> None:
    raise ManifestError(f"'{where}': '{key}' must be {expected}; {FIX}.")
