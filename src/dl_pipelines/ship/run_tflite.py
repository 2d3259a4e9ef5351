"""Run a shipped LiteRT model on files, with NumPy and ``ai-edge-litert`` only.

    python -m dl_pipelines.ship.run_tflite MODEL.tflite INPUT [INPUT ...]
        [--config model.json] [--threshold T]

``model.json`` (default: the one beside the ``.tflite`` file; :mod:`.manifest`) says
what the model does:

* ``keyword_detector``: each INPUT is a PCM WAV file (any rate, any channels, 8/16/24/32
  bits). It is mixed to mono, resampled to the model's rate, scored window by window and
  its detections are picked exactly as the ``trigger_word_detect`` pipeline does it (the
  same code: :func:`~dl_pipelines.audio.windows.detect_signal`). Prints
  ``file,time_s,score``, one row per detection (the columns of ``detections.csv``).
  MODEL may be a whole-window model (``model_float.tflite``, …) or a streaming step
  model (``model_streaming_float.tflite``, …: run chunk by chunk, carrying the GRU
  states, over each window; the same detections, several times faster).
* ``binary_classifier``: each INPUT is a ``.npy`` array ``(n, *input_shape[1:])`` (or one
  example ``input_shape[1:]``), preprocessed as the Keras model's input. Prints
  ``file,index,score,label``.

CSV goes to standard output, a header line first, rows as each file is done. A problem
with the model, its ``model.json`` or an input ends the run with exit status 2 and a
message on standard error naming the file and the fix.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import resampling, windows
from dl_pipelines.ship.litert import LiteRTModel, StreamingLiteRTModel
from dl_pipelines.ship.manifest import ManifestError, detector_of, is_streaming, load_manifest

#: Windows given to one ``predict`` call (the LiteRT model runs them one by one).
BATCH = 8


class InputError(ValueError):
    """An input file the model cannot take."""


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 on a usage or input error)."""
    parser = argparse.ArgumentParser(
        prog="python -m dl_pipelines.ship.run_tflite",
        description="Run a shipped LiteRT model (NumPy + ai-edge-litert only): WAV files "
        "through a keyword detector, .npy arrays through a binary classifier; "
        "prints CSV.",
    )
    parser.add_argument("model", type=Path, help="the .tflite file")
    parser.add_argument(
        "inputs",
        type=Path,
        nargs="+",
        metavar="INPUT",
        help="WAV files (keyword_detector) or .npy arrays (binary_classifier)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="model.json describing the model (default: model.json beside the .tflite file)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="detection / decision threshold (default: the one in model.json)",
    )
    args = parser.parse_args(argv)
    out = sys.stdout if out is None else out
    try:
        manifest = load_manifest(args.config or args.model.with_name("model.json"))
        model = load_model(args.model, manifest)
        run = RUNNERS[manifest["task"]]
        run(model, manifest, args.inputs, args.threshold, csv.writer(out, lineterminator="\n"))
    except (ValueError, OSError) as error:  # AudioError, LiteRTError, ManifestError, …
        out.flush()
        print(f"run_tflite: error: {error}", file=sys.stderr)
        return 2
    return 0


def load_model(path: Path, manifest: dict[str, Any]) -> LiteRTModel | StreamingLiteRTModel:
    """The model of ``path``, checked against its ``model.json``: a whole-window model,
    or a keyword detector's streaming step model (run chunk by chunk over each window)."""
    if is_streaming(manifest, path):
        detector = detector_of(manifest)
        model = StreamingLiteRTModel(path, detector.kernel, detector.stride)
        if model.chunk_steps != manifest["streaming"]["chunk_steps"]:
            raise ManifestError(
                f"'{path}' scores {model.chunk_steps} steps per chunk but its "
                f"model.json says streaming.chunk_steps "
                f"{manifest['streaming']['chunk_steps']}: pass the model.json "
                "written with this .tflite file (--config)."
            )
        return model
    model = LiteRTModel(path)
    if list(model.input_shape) != manifest["input"]["shape"]:
        raise ManifestError(
            f"'{path}' takes inputs of shape {list(model.input_shape)} but its "
            f"model.json says {manifest['input']['shape']}: pass the model.json written "
            "with this .tflite file (--config)."
        )
    return model


def detect_keywords(
    model: LiteRTModel | StreamingLiteRTModel,
    manifest: dict[str, Any],
    inputs: Sequence[Path],
    threshold: float | None,
    writer: Any,
) -> None:
    """``file,time_s,score`` for every detection in every WAV file."""
    detector = detector_of(manifest)
    if threshold is not None:
        detector = replace(detector, threshold=threshold)
    if isinstance(model, LiteRTModel):
        steps = model.output_shape[1] if len(model.output_shape) == 3 else None
        if steps != detector.window_steps or model.output_shape[-1] != 1:
            raise ManifestError(
                f"'{model.name}' gives outputs of shape {list(model.output_shape)}, not "
                f"[1, {detector.window_steps}, 1] (detector.window_steps): it is not the "
                "keyword detector its model.json describes."
            )
    writer.writerow(["file", "time_s", "score"])
    for path in inputs:
        samples, rate = audio_io.read_pcm_wav(path)
        mono = resampling.resample(resampling.to_mono(samples), rate, detector.sample_rate)
        found = windows.detect_signal(model.predict, mono, detector, BATCH, str(path))
        writer.writerows(
            [row["file"], row["time_s"], row["score"]] for row in found.rows(str(path))
        )


def classify(
    model: LiteRTModel,
    manifest: dict[str, Any],
    inputs: Sequence[Path],
    threshold: float | None,
    writer: Any,
) -> None:
    """``file,index,score,label`` for every example of every ``.npy`` array."""
    classifier = manifest["classifier"]
    threshold = classifier["threshold"] if threshold is None else threshold
    if int(np.prod(model.output_shape[1:])) != 1:
        raise ManifestError(
            f"'{model.name}' gives outputs of shape {list(model.output_shape)}"
            ", not one score per example: it is not a binary classifier."
        )
    shape = tuple(model.input_shape[1:])
    writer.writerow(["file", "index", "score", "label"])
    for path in inputs:
        x = _load_array(path, shape)
        scores = model.predict(x).reshape(len(x))
        writer.writerows(
            [str(path), i, round(float(score), 4), classifier["labels"][int(score >= threshold)]]
            for i, score in enumerate(scores)
        )


RUNNERS = {"keyword_detector": detect_keywords, "binary_classifier": classify}


def _load_array(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    if not path.is_file():
        raise InputError(f"Input '{path}' does not exist.")
    try:
        x = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise InputError(
            f"Cannot read '{path}' as a NumPy array ({error}): save the inputs "
            "with numpy.save(path, array) as a numeric .npy file."
        ) from error
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "biuf":
        raise InputError(
            f"'{path}' does not hold one numeric array: save it with numpy.save(path, array)."
        )
    if x.shape == shape:
        x = x[None]
    if x.shape[1:] != shape:
        raise InputError(
            f"'{path}' holds an array of shape {x.shape}; the model takes "
            f"(n, {', '.join(map(str, shape))}): preprocess the inputs as for "
            "the Keras model."
        )
    return x.astype(np.float32)


if __name__ == "__main__":
    sys.exit(main())
