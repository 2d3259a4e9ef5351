"""``model.json``, the runner configuration written next to the exports.

It says what :mod:`dl_pipelines.ship.run_tflite` needs to run an export: the input
shape, the files by variant, and the task's decision (a classifier's threshold and
labels; a keyword detector's window, threshold and event settings, and its streaming
chunk). :func:`dl_pipelines.ship.manifest.check_manifest` checks it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from dl_pipelines.datasets.mlflow_registry import RegisteredModel
from dl_pipelines.pipelines.shipping import exports

logger = logging.getLogger(__name__)

#: The runner configuration's file name among the exports.
RUNNER_CONFIG = "model.json"


def build(
    registered: RegisteredModel,
    settings: dict[str, Any],
    data_shape: tuple[int, ...],
    formats: list[str],
    trigger_word: dict[str, Any],
) -> dict[str, Any]:
    """``model.json``: what :mod:`dl_pipelines.ship.run_tflite` needs to run an export.

    A classifier takes one example of the data's shape; a keyword detector one scoring
    window of ``trigger_word_detect`` (the runner scores audio of any length window by
    window, as that pipeline does).
    """
    from dl_pipelines.ship.manifest import check_manifest, detector_sections

    task = settings["task"]
    config: dict[str, Any] = {
        "model": registered.name,
        "version": registered.version,
        "task": task,
        "input": {"shape": [1, *data_shape], "dtype": "float32"},
        "files": {exports.VARIANTS[f]: exports.FILES[f] for f in formats if f in exports.VARIANTS},
    }
    if task == "binary_classifier":
        config["classifier"] = {
            "threshold": float(settings["threshold"]),
            "labels": list(settings["labels"]),
        }
    elif task == "keyword_detector":
        detector = _detector(registered, trigger_word)
        config["input"]["shape"] = [1, detector.window_frames, data_shape[-1]]
        config.update(detector_sections(detector))
        if any(f in exports.STREAMING_QUANTISATION for f in formats):
            config["streaming"] = {"chunk_steps": int(settings["streaming_chunk_steps"])}
    else:
        raise ValueError(
            f"shipping.models.{registered.name}.task must be binary_classifier "
            f"or keyword_detector, got {task!r}."
        )
    return check_manifest(config)


def _detector(registered: RegisteredModel, params: dict[str, Any]) -> Any:
    """The detector of the registered version, checked against its Conv1D.

    A version registered with its settings (``trigger_word_detection`` in its MLmodel
    metadata) is shipped with them: its threshold, audio rate, spectrogram, Conv1D and
    event logic, whatever the ``trigger_word`` parameters say now
    (:func:`~dl_pipelines.pipelines.trigger_word.detection.registered_detector`, as
    ``trigger_word_detect`` scores it; each difference is logged). The scoring windows
    are the parameters' (``detect.window_seconds``, ``detect.overlap_seconds``), and
    ``detect.threshold`` is not shipped (the runner's ``--threshold`` is its on-device
    counterpart). A version registered before those settings were stored takes them from
    the parameters, at its run's ``threshold`` metric, with a warning.
    """
    from dl_pipelines.pipelines.trigger_word import detection
    from dl_pipelines.pipelines.trigger_word.params import parse_params

    p = parse_params(params)
    stored = registered.metadata.get(detection.VERSION_KEY)
    if stored is not None:
        if p.detect.threshold is not None:
            logger.info(
                "trigger_word.detect.threshold (%g) is not shipped: model.json holds the "
                "threshold chosen on validation for %s (run_tflite --threshold overrides it).",
                p.detect.threshold,
                registered.label,
            )
        own = dataclasses.replace(p, detect=dataclasses.replace(p.detect, threshold=None))
        detector = detection.registered_detector(stored, own)
    else:
        detector = _detector_of_parameters(registered, p)
    detector.check_model(registered.model, registered.uri)
    return detector


def _detector_of_parameters(registered: RegisteredModel, p: Any) -> Any:
    """The detector of today's ``trigger_word`` parameters at the run's threshold, for a
    version registered without its settings (before ``trigger_word_detection``)."""
    from dl_pipelines.pipelines.trigger_word.detection import VERSION_KEY, make_detector

    if "threshold" not in registered.run_metrics:
        raise ValueError(
            f"The run of {registered.uri} logged no 'threshold' metric: "
            "re-run `kedro run --pipelines trigger_word` to register a model "
            "with its detection threshold."
        )
    logger.warning(
        "%s was registered without its settings ('%s' in its MLmodel metadata): model.json "
        "takes the audio rate (%d Hz), spectrogram (%s) and event settings from today's "
        "trigger_word parameters, at its run's threshold. Only its Conv1D and frequency bins "
        "are checked against the model: if it was trained with other settings, the runner "
        "computes other features than it was trained on. Ship it with the parameters it was "
        "trained with, or a version registered since (`kedro run --pipelines trigger_word`).",
        registered.label,
        VERSION_KEY,
        p.audio.sample_rate,
        p.spectrogram.kwargs(),
    )
    return make_detector(p, registered.run_metrics["threshold"])
