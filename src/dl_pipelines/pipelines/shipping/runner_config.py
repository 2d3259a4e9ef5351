"""``model.json``, the runner configuration written next to the exports.

It says what :mod:`dl_pipelines.ship.run_tflite` needs to run an export: the input
shape, the files by variant, and the task's decision (a classifier's threshold and
labels; a keyword detector's window, threshold and event settings, and its streaming
chunk). :func:`dl_pipelines.ship.manifest.check_manifest` checks it.
"""

from __future__ import annotations

from typing import Any

from dl_pipelines.datasets.mlflow_registry import RegisteredModel
from dl_pipelines.pipelines.shipping import exports

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
    """The detector of the ``trigger_word`` parameters at the run's threshold, checked
    against the registered model's Conv1D."""
    from dl_pipelines.pipelines.trigger_word.detection import make_detector
    from dl_pipelines.pipelines.trigger_word.params import parse_params

    if "threshold" not in registered.run_metrics:
        raise ValueError(
            f"The run of {registered.uri} logged no 'threshold' metric: "
            "re-run `kedro run --pipelines trigger_word` to register a model "
            "with its detection threshold."
        )
    detector = make_detector(parse_params(params), registered.run_metrics["threshold"])
    detector.check_model(registered.model, registered.uri)
    return detector
