"""Scoring audio of any length in bounded, overlapping windows.

An hour of audio is ~2 M spectrogram frames (0.8 GB of model input) and ~500 k GRU
steps: too much for one ``model.predict``. The audio is cut into windows of
``window_steps`` output steps that start every ``window_steps - overlap_steps`` steps;
each window is scored on its own (fresh GRU state, as in training), and the score track
is stitched so that every output step comes from exactly **one** window: window 0 gives
its steps ``[0, window_steps)``, window k ≥ 1 only the steps after its first
``overlap_steps`` (the overlap is its warm-up context). Peaks are then picked once on
the stitched track, so a keyword in an overlap region cannot be detected twice.

Index arithmetic (frames of ``hop`` samples, ``nfft`` long; a 'valid' Conv1D of
``kernel`` frames and stride ``stride``): output step ``s`` reads frames
``[s·stride, s·stride + kernel)``, and frame ``f`` reads samples
``[f·hop, f·hop + nfft)``. A window starting at step ``a`` therefore reads the samples
``[a·stride·hop, a·stride·hop + window_samples)``. Every window (the last one zero-padded)
has the same length, so one traced predict function serves a whole folder; padding
only adds steps after the audio's end, which a causal model never lets change the
earlier ones, and they are dropped.

:func:`detect_signal` is the whole flow for one mono signal — windows, stitched scores,
peaks above the threshold, one time per detection — shared by the ``trigger_word_detect``
pipeline (a Keras model) and the on-device runner (a LiteRT model,
:mod:`dl_pipelines.ship.run_tflite`). This module imports NumPy and the project's light
modules only: no Keras, SciPy or Kedro.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dl_pipelines.audio import events, spectrograms


@dataclass(frozen=True)
class Detector:
    """Everything that turns audio into detections around a model's ``predict``.

    What a shipped ``model.json`` holds in its ``audio`` and ``detector`` sections
    (:mod:`dl_pipelines.ship.manifest`), and what ``trigger_word_detect`` derives from
    its parameters (``make_detector`` in its detection module).
    """

    sample_rate: int
    spectrogram: dict[str, Any]  # nfft, noverlap, floor_db, center_db, scale_db[, mean_frames]
    kernel: int  # the model's Conv1D: frames → output steps
    stride: int
    window_steps: int  # scoring windows, in output steps
    overlap_steps: int
    threshold: float
    refractory_steps: int  # peaks closer than this are one detection
    hold_steps: int  # peaks of the score held this long (events.hold)

    @property
    def hop(self) -> int:
        return int(self.spectrogram["nfft"]) - int(self.spectrogram["noverlap"])

    @property
    def seconds_per_step(self) -> float:
        """Duration of one output step: ``hop · stride / sample_rate``."""
        return self.hop * self.stride / self.sample_rate

    @property
    def window_frames(self) -> int:
        """Spectrogram frames of one scoring window (the model's input length)."""
        return (self.window_steps - 1) * self.stride + self.kernel

    @property
    def min_samples(self) -> int:
        """The shortest signal with one output step."""
        return int(self.spectrogram["nfft"]) + (self.kernel - 1) * self.hop

    def check_model(self, model: Any, source: str) -> None:
        """Refuse a Keras model whose Conv1D is not this detector's ``kernel`` / ``stride``.

        The detector takes them from the parameters; a model trained with other ones
        (say stride 4, scored with the base's 8) would still give scores, at detection
        times off by the ratio. A model without ``layers`` (a stand-in) is not checked.
        """
        layers = getattr(model, "layers", None)
        if layers is None:
            return
        convs = [layer for layer in layers if type(layer).__name__ == "Conv1D"]
        if not convs:
            raise ValueError(
                f"{source} has no Conv1D layer: it is not a trigger-word "
                "detector. Retrain it with `kedro run --pipelines trigger_word`."
            )
        kernel, stride = int(convs[0].kernel_size[0]), int(convs[0].strides[0])
        if (kernel, stride) != (self.kernel, self.stride):
            raise ValueError(
                f"{source} was trained with a Conv1D of kernel {kernel} and stride "
                f"{stride}, but trigger_word.model says conv_kernel {self.kernel} and "
                f"conv_stride {self.stride}: its detection times would be wrong. "
                f"Set model.conv_kernel: {kernel} and model.conv_stride: {stride} (with a "
                "mixing.label_steps to match) in conf/local/parameters_trigger_word.yml, "
                "or retrain with `kedro run --pipelines trigger_word`."
            )


@dataclass(frozen=True)
class Detections:
    """The detections in one signal, with what the pipeline's figure needs."""

    scores: np.ndarray  # (n_steps,) stitched per-step scores, held (events.hold)
    picture: np.ndarray  # decimated spectrogram of the whole signal
    steps: np.ndarray  # output steps of the detections (score peaks ≥ threshold)
    times_s: list[float]  # estimated keyword end of each, in s (ms resolution)

    def rows(self, name: str) -> list[dict[str, Any]]:
        """``{file, time_s, score}`` per detection: the rows of ``detections.csv``."""
        return [
            {"file": name, "time_s": t, "score": round(float(self.scores[step]), 4)}
            for step, t in zip(self.steps, self.times_s, strict=True)
        ]


def detect_signal(
    predict: Callable[[np.ndarray], np.ndarray],
    samples: np.ndarray,
    detector: Detector,
    batch_size: int,
    name: str = "audio",
) -> Detections:
    """Detections in mono ``samples`` at ``detector.sample_rate``, of any length.

    Scored window by window (:func:`score_in_windows`), peaks picked once on the
    stitched track held for ``detector.hold_steps`` (:func:`~.events.hold`,
    :func:`~.events.detect`), each timed at the start of its bump in the scores as they
    came (:func:`onset`): about where the keyword ends.

    Args:
        predict: Spectrograms ``(batch, window_frames, freqs)`` → scores
            ``(batch, window_steps, 1)``.
        samples: Mono audio at ``detector.sample_rate``.
        detector: Spectrogram, windows, threshold and refractory period.
        batch_size: Windows scored per ``predict`` call.
        name: The file, for the error message.

    Raises:
        ValueError: naming the file, when it is shorter than one output step needs.
    """
    samples = _signal(samples)
    if len(samples) < detector.min_samples:
        raise ValueError(
            f"'{name}' lasts {len(samples) / detector.sample_rate * 1000:.0f} "
            f"ms, shorter than the "
            f"{detector.min_samples / detector.sample_rate * 1000:.0f} ms the "
            "detector needs: give longer audio."
        )
    scores, picture = score_in_windows(
        predict,
        samples,
        detector.spectrogram,
        detector.kernel,
        detector.stride,
        detector.window_steps,
        detector.overlap_steps,
        batch_size,
    )
    held = events.hold(scores, detector.hold_steps)
    steps = events.detect(held, detector.threshold, detector.refractory_steps)
    # one time per detection (the keyword end) for the table, the plot and the chime
    times = [round(onset(scores, step) * detector.seconds_per_step, 3) for step in steps]
    return Detections(held, picture, steps, times)


def onset(scores: np.ndarray, peak: int) -> int:
    """Where the score bump of a detection starts (≈ the step after the keyword end)."""
    half = scores[peak] / 2.0
    step = peak
    while step > 0 and scores[step - 1] >= half:
        step -= 1
    return max(0, step - 1)


@dataclass(frozen=True)
class WindowPlan:
    """Where the windows of one file start and which steps each one contributes."""

    n_steps: int  # output steps of the whole file
    window_steps: int
    hop_steps: int  # window_steps − overlap_steps
    overlap_steps: int

    @property
    def n_windows(self) -> int:
        extra = max(0, self.n_steps - self.window_steps)
        return 1 + -(-extra // self.hop_steps)  # ceil

    def start(self, k: int) -> int:
        """First output step of window ``k``."""
        return k * self.hop_steps

    def kept(self, k: int) -> tuple[int, int]:
        """``[lo, hi)``: the file's output steps taken from window ``k``."""
        lo = 0 if k == 0 else self.start(k) + self.overlap_steps
        return lo, min(self.n_steps, self.start(k) + self.window_steps)


def _signal(samples: Any) -> Any:
    """A mono signal as an array, or as it is when it is read forward in slices
    (:class:`~dl_pipelines.audio.stream.ForwardSignal`: windows start ever later)."""
    if (
        hasattr(samples, "__len__")
        and hasattr(samples, "__getitem__")
        and not isinstance(samples, np.ndarray | list | tuple)
    ):
        return samples
    return np.asarray(samples, dtype=np.float32).reshape(-1)


def output_steps_of(n_samples: int, nfft: int, noverlap: int, kernel: int, stride: int) -> int:
    """Output steps of the detector for ``n_samples`` of audio (0 when too short)."""
    frames = spectrograms.spectrogram_frames(n_samples, nfft, noverlap)
    return 0 if frames < kernel else (frames - kernel) // stride + 1


def score_in_windows(
    predict: Callable[[np.ndarray], np.ndarray],
    samples: np.ndarray,
    spectrogram_kwargs: dict,
    kernel: int,
    stride: int,
    window_steps: int,
    overlap_steps: int,
    batch_size: int,
    plot_frames: int = 2000,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-step scores of mono ``samples`` of any length, window by window.

    Args:
        predict: Spectrograms ``(batch, frames, freqs)`` → scores ``(batch, steps, 1)``.
        samples: Mono audio at the model's sample rate.
        spectrogram_kwargs: ``nfft``, ``noverlap`` and the normalisation.
        kernel, stride: The model's Conv1D (frames → output steps).
        window_steps, overlap_steps: Window length and overlap, in output steps.
        batch_size: Windows scored per ``predict`` call.
        plot_frames: About how many spectrogram frames to keep for a figure.

    Returns:
        The stitched scores ``(n_steps,)`` and a decimated spectrogram of the whole
        file (about ``plot_frames`` frames, evenly spaced) for the figure.
    """
    nfft, noverlap = spectrogram_kwargs["nfft"], spectrogram_kwargs["noverlap"]
    hop = nfft - noverlap
    samples = _signal(samples)
    n_steps = output_steps_of(len(samples), nfft, noverlap, kernel, stride)
    if n_steps == 0:
        raise ValueError(f"{len(samples)} samples are too short for one output step")
    if not 0 <= overlap_steps < window_steps:
        raise ValueError(
            f"need 0 <= overlap_steps < window_steps, got {overlap_steps}, {window_steps}"
        )
    plan = WindowPlan(n_steps, window_steps, window_steps - overlap_steps, overlap_steps)
    window_samples = ((window_steps - 1) * stride + kernel - 1) * hop + nfft
    n_frames = spectrograms.spectrogram_frames(len(samples), nfft, noverlap)
    every = max(1, n_frames // plot_frames)
    scores = np.empty(n_steps, dtype=np.float32)
    picture: list[np.ndarray] = []
    for first in range(0, plan.n_windows, batch_size):
        ks = range(first, min(plan.n_windows, first + batch_size))
        batch = np.zeros((len(ks), window_samples), dtype=np.float32)
        for row, k in enumerate(ks):
            begin = plan.start(k) * stride * hop
            piece = samples[begin : begin + window_samples]
            batch[row, : len(piece)] = piece
        x = spectrograms.spectrogram(batch, **spectrogram_kwargs)
        out = np.asarray(predict(x), dtype=np.float32)[..., 0]
        for row, k in enumerate(ks):
            lo, hi = plan.kept(k)
            offset = plan.start(k)
            scores[lo:hi] = out[row, lo - offset : hi - offset]
            # the frames of the kept steps (the last window: up to the file's last frame)
            f_lo = lo * stride
            f_hi = n_frames if k == plan.n_windows - 1 else hi * stride
            f_first = f_lo + (-f_lo) % every
            # a copy: a view would keep the whole batch of spectrograms alive
            picture.append(
                x[row, f_first - offset * stride : f_hi - offset * stride : every].copy()
            )
    return scores, np.concatenate(picture)
