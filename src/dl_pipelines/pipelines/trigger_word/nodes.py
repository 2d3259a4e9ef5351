"""The nodes of ``trigger_word`` and ``trigger_word_detect``, as their pipelines wire them.

Each node parses its parameters (:func:`~.params.parse_params`) and hands them to the
module that does the work: :mod:`.clips` (with :mod:`.default_clips`), :mod:`.model_inputs`
(mixed examples → spectrograms and labels), :mod:`.training`, :mod:`.evaluation` (with
:mod:`.scoring` and :mod:`.breakdown`), :mod:`.detection`, and :mod:`.plots` for the
figures. Keras is imported inside the modules that train, score and detect.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.pipelines.trigger_word import clips as clip_sets
from dl_pipelines.pipelines.trigger_word import detection, evaluation, model_inputs, plots, training
from dl_pipelines.pipelines.trigger_word.clips import Audio
from dl_pipelines.pipelines.trigger_word.params import parse_params
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking import registry_gate
from dl_pipelines.tracking.runs import as_mlflow_metrics


# ------------------------------------------------------------------------------- data
def prepare_clips(
    positives: dict[str, Audio],
    negatives: dict[str, Audio],
    backgrounds: dict[str, Audio],
    params: dict[str, Any],
    seed: int,
) -> dict[str, np.ndarray]:
    """Resample the user's clips, or synthesise the default ones, and split them.

    Each of ``data/01_raw/trigger_word/{positives,negatives,backgrounds}`` that is empty
    is replaced by the default set: the keyword and other words said by eSpeak NG
    voices (train/val/test voices disjoint) and synthetic backgrounds (some kinds held
    out for val/test). User clips are split by speaker sub-folder (or file).

    Returns:
        For each kind ``<kind>_samples`` (int16, clips end to end), ``<kind>_offsets``,
        ``<kind>_split`` (0 train, 1 val, 2 test), ``<kind>_names`` and
        ``<kind>_groups`` (the voice or speaker of a word, the kind or file of a
        background: what the test FRR is broken down by), plus ``sample_rate``.
    """
    p = parse_params(params)
    return clip_sets.make_clips((positives, negatives, backgrounds), p, seed)


def make_model_inputs(
    clips: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Mix every split and turn it into the model input (cached in 05_model_input).

    Returns:
        ``train``, ``val``, ``test``: ``x`` (n, Tx, freqs) float16 spectrograms, ``y``
        (n, Ty) uint8 labels, ``ends`` (n, max_positives) keyword end samples (-1 pad),
        ``free`` (n,) whether the example is keyword-free audio, ``after_other`` (n, Ty)
        uint8 1 on the ``label_steps`` steps after each other word ends (where a near
        miss would be a false accept; weighted by ``training.other_word_weight``), and
        where each example came from: ``background`` (n,) its background's group,
        ``keyword_group`` and ``keyword_snr_db`` (n, max_positives) each keyword's voice
        or speaker and its SNR ("" and NaN pad); and a report.
    """
    p = parse_params(params)
    return model_inputs.mix_splits(clips, p, seed)


def log_examples(
    clips: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[Figure, dict[str, Audio]]:
    """The first training examples as a figure (spectrogram + label track) and as WAVs."""
    p = parse_params(params)
    examples, wavs = model_inputs.first_training_examples(clips, p, seed)
    return plots.examples_figure(examples, p.audio.clip_seconds), wavs


# ------------------------------------------------------------------------------ training
def train_model(
    train: dict[str, np.ndarray], val: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[Any, dict[str, list[float]]]:
    """Train the detector; per-epoch ``train_*``/``val_*`` metrics go to MLflow.

    Validation uses the validation examples with keywords (the keyword-free hour is
    for the threshold, in the evaluation). ``training.seed``, when set, seeds the
    training instead of ``seed``.
    """
    p = parse_params(params)
    return training.train(train, val, p, seed)


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation curves."""
    return plotting.training_curves(history, title="trigger_word training")


# ---------------------------------------------------------------------------- evaluation
def evaluate_model(
    model: Any, val: dict[str, np.ndarray], test: dict[str, np.ndarray], params: dict[str, Any]
) -> tuple[dict, dict[str, Any], dict[str, Any]]:
    """Event-level evaluation; the threshold is chosen on validation.

    The threshold is the lowest on the grid whose false accepts per hour on the
    validation keyword-free audio are at most ``max_fa_per_hour``. At that threshold
    the test split gives ``test_frr`` (keyword examples), ``test_fa_per_hour``
    (keyword-free audio of held-out voices and backgrounds), and precision, recall,
    F1 over all test audio. Frame accuracy is logged too, never the headline.

    Returns:
        MLflow metrics, the JSON report, and the DET curves for the figure.
    """
    p = parse_params(params)
    metrics, report, det = evaluation.evaluate(model, val, test, p)
    return as_mlflow_metrics(metrics), report, det


def evaluate_recording_rates(
    model: Any,
    clips: dict[str, np.ndarray],
    report: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """The test FRR when the test keyword examples are recorded at lower rates.

    Each test example with keywords is mixed again (exactly, from its own generator),
    resampled to each of ``evaluation.recording_rates`` and back, and scored at the
    threshold chosen on validation: ``test_frr_<rate>hz`` beside the full-rate
    ``test_frr_full_rate`` of the same examples (what a phone or headset recording at
    16 or 8 kHz loses).
    """
    p = parse_params(params)
    frr = evaluation.recording_rate_frr(model, clips, float(report["threshold"]), p, seed)
    return as_mlflow_metrics(frr)


def plot_det(det: dict[str, Any]) -> Figure:
    """DET curve: false-reject rate against false accepts per hour, val and test."""
    return plots.det_figure(det)


def plot_frr_breakdown(report: dict[str, Any]) -> Figure:
    """Test FRR at the chosen threshold by background × SNR band and by voice."""
    return plots.breakdown_figure(report["test_frr_breakdown"])


def gate_for_registry(model: Any, report: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The model to register, only if its test FRR is good enough, with what detecting
    with it needs.

    The registered copy has no training-only layers (:func:`~.model.inference_model`),
    so it loads — and ``mlflow models serve`` serves it — without this project's code.
    Beside it, under ``trigger_word_detection``, the threshold chosen on validation and
    the settings the model was trained with (:func:`~.detection.version_settings`):
    ``model_metadata`` of ``trigger_word_registered_model`` keeps them in the registered
    version, so that each version is detected with its own.
    """
    from dl_pipelines.pipelines.trigger_word.model import inference_model

    p = parse_params(params)
    registry_gate.require(
        "test_frr",
        report["metrics"]["test_frr"],
        p.registry.max_test_frr,
        "trigger_word.registry.max_test_frr",
        at_most=True,
    )
    return {
        "model": inference_model(model),
        detection.VERSION_KEY: detection.version_settings(p, report["threshold"]),
    }


# ------------------------------------------------------------------------------- detect
def detect_folder(
    registered: dict[str, Any], files: dict[str, Audio], params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Figure], dict[str, Audio]]:
    """Score every file; detections table, a figure per file, chimed copies.

    Files of any length are scored in bounded, overlapping windows
    (``detect.window_seconds``, ``detect.overlap_seconds``; see
    :mod:`~dl_pipelines.audio.windows`), so an hour of audio never
    becomes one model input; each output step is scored by one window only, so a
    keyword in an overlap is detected once.

    Args:
        registered: A registered version: ``{"model", "trigger_word_detection"}``, the
            detector and the threshold and settings stored with that version
            (:func:`~.detection.registered_detector`: they win over the parameters,
            but for ``detect.threshold`` when it is set).
        files: ``{name: (samples (n, channels), rate)}`` at the files' own rates.
        params: ``trigger_word``.

    Returns:
        ``file,time_s,score`` (one row per detection; ``time_s`` = estimated end of the
        keyword, also where the plot marks it and the chime starts), ``{<file>.png:
        figure}`` and ``{<file>.wav: (audio with chimes, rate)}`` (``<file>.mp3.wav``
        for a file in another format).
    """
    p = parse_params(params)
    detector = detection.registered_detector(registered[detection.VERSION_KEY], p)
    return detection.detect_files(registered["model"], files, detector, p)
