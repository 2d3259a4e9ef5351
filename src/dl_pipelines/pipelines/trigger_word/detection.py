"""Detection in audio files of any length, and the chimed copies that let you hear it.

Files are scored in bounded, overlapping windows (:mod:`dl_pipelines.audio.windows`); a
file too long to hold (``lazy: true`` in the catalog) is read forward in blocks, and its
chimed copy is written block by block too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.audio import levels, resampling, windows
from dl_pipelines.audio import stream as audio_stream
from dl_pipelines.audio.io import WAV_EXTENSIONS
from dl_pipelines.audio.stream import AudioFile
from dl_pipelines.pipelines.trigger_word import plots
from dl_pipelines.pipelines.trigger_word.params import DetectParams, TriggerWordParams

logger = logging.getLogger(__name__)

#: Frames read at a time from a file of trigger_word_detect (``lazy: true``).
STREAM_BLOCK_FRAMES = 1 << 18


#: The key of ``trigger_word_registered_model`` (its ``model_metadata``) under which each
#: registered version keeps what detecting with it needs (:func:`version_settings`).
VERSION_KEY = "trigger_word_detection"

#: Where each of :func:`version_settings`' entries comes from in ``params:trigger_word``.
SETTING_PARAMS = {
    "keyword": "keyword",
    "sample_rate": "audio.sample_rate",
    "spectrogram": "spectrogram",
    "conv_kernel": "model.conv_kernel",
    "conv_stride": "model.conv_stride",
    "refractory_s": "evaluation.refractory_s",
    "hold_s": "evaluation.hold_s",
}


def version_settings(p: TriggerWordParams, threshold: float) -> dict[str, Any]:
    """What detecting with the model trained under ``p`` needs from that training run,
    stored with its registered version (JSON values).

    The ``threshold`` chosen on validation; the keyword it detects; the audio rate and
    spectrogram its inputs were made with and its Conv1D's frames → steps (a model scored
    with others gives scores at wrong times, or for the wrong sounds); and the event
    logic (``refractory_s``, ``hold_s``) the threshold was chosen with, on which the
    false accepts per hour it stands for depend.
    """
    return {
        "threshold": float(threshold),
        "keyword": p.keyword,
        "sample_rate": p.audio.sample_rate,
        "spectrogram": p.spectrogram.kwargs(),
        "conv_kernel": p.model.conv_kernel,
        "conv_stride": p.model.conv_stride,
        "refractory_s": p.evaluation.refractory_s,
        "hold_s": p.evaluation.hold_s,
    }


def detector_from(settings: dict[str, Any], detect: DetectParams) -> windows.Detector:
    """The :class:`~dl_pipelines.audio.windows.Detector` of :func:`version_settings`, with
    the scoring windows of ``detect`` (``window_seconds``, ``overlap_seconds``)."""
    spectrogram = dict(settings["spectrogram"])
    hop = int(spectrogram["nfft"]) - int(spectrogram["noverlap"])
    seconds_per_step = hop * int(settings["conv_stride"]) / int(settings["sample_rate"])
    return windows.Detector(
        sample_rate=int(settings["sample_rate"]),
        spectrogram=spectrogram,
        kernel=int(settings["conv_kernel"]),
        stride=int(settings["conv_stride"]),
        window_steps=max(1, int(round(detect.window_seconds / seconds_per_step))),
        overlap_steps=int(round(detect.overlap_seconds / seconds_per_step)),
        threshold=float(settings["threshold"]),
        refractory_steps=max(1, int(round(settings["refractory_s"] / seconds_per_step))),
        hold_steps=max(1, int(round(settings["hold_s"] / seconds_per_step))),
    )


def make_detector(p: TriggerWordParams, threshold: float) -> windows.Detector:
    """The :class:`~dl_pipelines.audio.windows.Detector` of the ``trigger_word``
    parameters, at ``threshold``: what shipping writes into ``model.json`` for a version
    registered without its settings (``trigger_word_detect`` and shipping otherwise use
    the version's own, :func:`registered_detector`)."""
    return detector_from(version_settings(p, threshold), p.detect)


def registered_detector(stored: dict[str, Any], p: TriggerWordParams) -> windows.Detector:
    """The detector of a registered version, from the :func:`version_settings` stored
    with it: its own threshold, audio settings and event logic, whatever the parameters
    say now (each difference is logged as a warning: the parameters apply to the models
    trained after the change). ``detect.threshold``, when set, replaces the version's
    threshold; the scoring windows and chimes are always the parameters'.

    Raises:
        ValueError: when ``stored`` lacks a setting (a version registered by an older
            ``trigger_word`` pipeline).
    """
    missing = [key for key in ("threshold", *SETTING_PARAMS) if key not in stored]
    if missing:
        raise ValueError(
            f"The registered trigger_word version has no {', '.join(missing)} in its "
            f"'{VERSION_KEY}' metadata: pick a version registered by the current pipeline "
            "with --params model_version=<n>, or run `kedro run --pipelines trigger_word` "
            "again."
        )
    current = version_settings(p, stored["threshold"])
    for key, param in SETTING_PARAMS.items():
        if stored[key] != current[key]:
            logger.warning(
                "The registered trigger_word version was trained with %s %s, the parameters "
                "now say %s: detecting with the version's (trigger_word.%s applies to the "
                "models trained after the change).",
                param,
                stored[key],
                current[key],
                param,
            )
    settings = dict(stored)
    if p.detect.threshold is not None:
        logger.info(
            "Threshold %g (trigger_word.detect.threshold), not %g, the one chosen on "
            "validation for this version.",
            p.detect.threshold,
            stored["threshold"],
        )
        settings["threshold"] = p.detect.threshold
    else:
        logger.info(
            "Threshold %g: the one chosen on validation for this version.", stored["threshold"]
        )
    return detector_from(settings, p.detect)


def detect_files(
    model: Any, files: dict[str, Any], detector: windows.Detector, p: TriggerWordParams
) -> tuple[pd.DataFrame, dict[str, Figure], dict[str, Any]]:
    """Detections, figures and chimed copies of ``files`` with ``detector`` (see
    :func:`~dl_pipelines.pipelines.trigger_word.nodes.detect_folder`); a file given as an
    :class:`~dl_pipelines.audio.stream.AudioFile` is read forward in blocks. ``p`` gives
    the batch size and the chime."""
    detector.check_model(model, "The registered model")
    rows, figures, chimed = [], {}, {}
    for name, entry in files.items():
        if isinstance(entry, AudioFile):  # read forward in blocks, window by window
            rate = entry.rate
            mono = audio_stream.ForwardSignal(
                audio_stream.mono_chunks_at_rate(
                    entry.blocks(STREAM_BLOCK_FRAMES), rate, detector.sample_rate, entry.frames
                ),
                audio_stream.output_length(entry.frames, rate, detector.sample_rate),
            )
        else:
            samples, rate = entry
            mono = resampling.resample(resampling.to_mono(samples), rate, detector.sample_rate)
        start = time.perf_counter()
        found = windows.detect_signal(
            lambda x: model.predict(x, verbose=0), mono, detector, p.evaluation.batch_size, name
        )
        seconds = len(mono) / detector.sample_rate
        logger.info(
            "%s: %.1f s of audio scored in %.2f s, %d detection(s) at %s",
            name,
            seconds,
            time.perf_counter() - start,
            len(found.steps),
            ", ".join(f"{t:.2f} s" for t in found.times_s) or "-",
        )
        rows.extend(found.rows(name))
        figures[f"{name}.png"] = plots.detection_figure(
            name,
            found.picture,
            found.scores,
            detector.threshold,
            found.times_s,
            detector.seconds_per_step,
            seconds,
        )
        del mono
        chime = (found.times_s, p.detect.chime_hz, p.detect.chime_seconds, p.detect.chime_db)
        chimed[chimed_name(name)] = (
            audio_stream.Blocks(chimed_blocks(entry, *chime), rate, entry.channels)
            if isinstance(entry, AudioFile)
            else (add_chimes(samples, rate, *chime), rate)
        )
    table = pd.DataFrame(rows, columns=["file", "time_s", "score"])
    return table, figures, chimed


def chimed_name(name: str) -> str:
    """``x.wav`` stays ``x.wav``; ``x.mp3`` becomes ``x.mp3.wav`` (no clash with ``x.wav``)."""
    return name if PurePosixPath(name).suffix.lower() in WAV_EXTENSIONS else f"{name}.wav"


def _bell(rate: int, frequency: float, seconds: float, level_db: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    bell = np.sin(2 * np.pi * frequency * t) + 0.5 * np.sin(2 * np.pi * 2 * frequency * t)
    return (bell * np.exp(-t * 6.0 / seconds) * float(levels.db_to_gain(level_db)) / 1.5).astype(
        np.float32
    )


def _ring(
    block: np.ndarray, offset: int, rate: int, times_s: list[float], bell: np.ndarray
) -> np.ndarray:
    """``block`` (samples ``offset`` … of a signal) with the bells that sound in it."""
    out = np.array(block, dtype=np.float32, copy=True)
    for time_s in times_s:
        begin = int(time_s * rate) - offset
        lo, hi = max(0, begin), min(len(out), begin + len(bell))
        if lo < hi:
            chunk = bell[lo - begin : hi - begin]
            out[lo:hi] += chunk if out.ndim == 1 else chunk[:, None]
    return out


def add_chimes(
    samples: np.ndarray,
    rate: int,
    times_s: list[float],
    frequency: float,
    seconds: float,
    level_db: float,
) -> np.ndarray:
    """A copy of ``samples`` (any channels) with a decaying bell tone at each time."""
    bell = _bell(rate, frequency, seconds, level_db)
    return levels.peak_normalise(_ring(samples, 0, rate, times_s, bell), 0.99)


def chimed_blocks(
    file: AudioFile, times_s: list[float], frequency: float, seconds: float, level_db: float
) -> Iterator[np.ndarray]:
    """:func:`add_chimes` of a file read in blocks: one pass for the peak, one to write."""
    bell = _bell(file.rate, frequency, seconds, level_db)

    def rung() -> Iterator[np.ndarray]:
        offset = 0
        for block in file.blocks(STREAM_BLOCK_FRAMES):
            yield _ring(block, offset, file.rate, times_s, bell)
            offset += len(block)

    peak = max((float(np.max(np.abs(b))) for b in rung() if b.size), default=0.0)
    gain = np.float32(0.99 / peak if peak > 0.99 else 1.0)  # down, never up
    for block in rung():
        yield block * gain
