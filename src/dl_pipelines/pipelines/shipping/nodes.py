"""Nodes of the ``shipping`` pipeline: a registered model → exports → parity → trade-offs.

From the course notes, "server-based or on-device?": a server keeps the app light and
easy to update, on-device predicts faster and works offline. This pipeline takes one
registered model (``--params model=<name>``), writes it in every format either side
needs, proves that each computes what the Keras model computes on the pipeline's own
test data, and measures what each costs on this CPU.

The work is in ``exports.py`` (the formats), ``runner_config.py`` (``model.json``),
``inputs.py``, ``parity.py``, ``tradeoffs.py`` and ``runtimes.py`` (loading each format).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.datasets.mlflow_registry import RegisteredModel
from dl_pipelines.pipelines.shipping import exports, inputs, parity, runner_config, tradeoffs
from dl_pipelines.pipelines.shipping.params import model_settings
from dl_pipelines.pipelines.shipping.runner_config import RUNNER_CONFIG
from dl_pipelines.tracking.runs import as_mlflow_metrics, set_tags_on_active_run

logger = logging.getLogger(__name__)


def export_model(
    registered: RegisteredModel,
    calibration: dict[str, np.ndarray],
    params: dict[str, Any],
    trigger_word: dict[str, Any],
) -> dict[str, bytes]:
    """Every export of the registered model, with ``model.json`` (not yet checked).

    Args:
        registered: The model version from the registry.
        calibration: The model's validation split (``input_key`` holds the inputs);
            the int8 calibration reads ``representative_examples`` of them.
        params: ``shipping``.
        trigger_word: ``trigger_word`` (the detector's audio and event settings).

    Returns:
        ``{relative path: bytes}``: ``model.keras``, ``saved_model/…``, ``model.onnx``,
        ``model_<quantisation>.tflite``, ``model.json``.
    """
    settings = model_settings(params, registered.name)
    set_tags_on_active_run(registered.tags)
    representative = inputs.take(
        calibration, settings["input_key"], int(params["representative_examples"]), "calibration"
    )
    data_shape = tuple(int(d) for d in representative.shape[1:])
    inputs.check_shape(registered, data_shape)
    formats = list(settings["formats"])
    config = runner_config.build(registered, settings, data_shape, formats, trigger_word)
    input_shape = tuple(config["input"]["shape"][1:])
    logger.info("Exporting %s (input %s) as %s", registered.uri, input_shape, ", ".join(formats))
    start = time.perf_counter()
    files = exports.export_all(
        registered.model,
        input_shape,
        formats,
        int(params["onnx_opset"]),
        inputs.fit_to(representative, input_shape),
        config.get("streaming", {}).get("chunk_steps"),
    )
    files[RUNNER_CONFIG] = json.dumps(config, indent=2).encode()
    logger.info("Exported %d files in %.1f s", len(files), time.perf_counter() - start)
    return files


def check_parity(
    candidate: dict[str, bytes], test: dict[str, np.ndarray], params: dict[str, Any]
) -> tuple[dict[str, bytes], dict[str, Any], dict[str, Any]]:
    """Compare every export with the Keras model on the test data; pass the exports on
    only if the float ones agree.

    Returns:
        The exports (saved only now, so a failed check writes none), the MLflow
        metrics ``parity_max_abs_<format>`` and ``parity_agreement_<format>`` (decisions
        made alike / (alike + made by only one); 1 when neither decides anything), and a
        report with the same figures and the counts.

    Raises:
        ValueError: A float export (SavedModel, ONNX, LiteRT float) differs from the
            Keras model by more than ``parity.max_abs_tolerance`` or disagrees on a
            decision; a quantised one agrees on fewer than
            ``parity.min_quantised_agreement`` of the decisions.
    """
    config = json.loads(candidate[RUNNER_CONFIG])
    settings = model_settings(params, config["model"])
    x = inputs.fit_to(
        inputs.take(test, settings["input_key"], int(params["parity"]["examples"]), "test"),
        tuple(config["input"]["shape"][1:]),
    )
    report = parity.compare(candidate, config, settings["formats"], x, params)
    return candidate, as_mlflow_metrics(parity.metrics(report)), report


def measure_formats(
    shipped: dict[str, bytes], test: dict[str, np.ndarray], params: dict[str, Any]
) -> tuple[str, Figure, dict[str, Any]]:
    """Size, load time, single-input latency (p50/p95) and throughput of each format.

    Same process, same inputs, one after the other: the Keras model first (the
    reference), then each export.

    Returns:
        A Markdown table, a bar chart (size and p50 latency per format) and the MLflow
        metrics ``size_mb_<format>``, ``latency_p50_ms_<format>``, … .
    """
    config = json.loads(shipped[RUNNER_CONFIG])
    settings = model_settings(params, config["model"])
    timing = params["timing"]
    x = inputs.fit_to(
        inputs.take(test, settings["input_key"], int(timing["throughput_examples"]), "test"),
        tuple(config["input"]["shape"][1:]),
    )
    rows = tradeoffs.measure(shipped, settings["formats"], x, timing)
    return (
        tradeoffs.markdown(config, rows, len(x)),
        tradeoffs.chart(config, rows),
        as_mlflow_metrics(tradeoffs.metrics(rows)),
    )
