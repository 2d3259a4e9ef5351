"""Nodes of the ``shipping`` pipeline: a registered model → exports → parity → trade-offs.

From the course notes, "server-based or on-device?": a server keeps the app light and
easy to update, on-device predicts faster and works offline. This pipeline takes one
registered model (``--params model=<name>``), writes it in every format either side
needs, proves that each computes what the Keras model computes on the pipeline's own
test data, and measures what each costs on this CPU.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.datasets.mlflow_registry import RegisteredModel
from dl_pipelines.pipelines.shipping import exports, runtimes
from dl_pipelines.tracking.runs import as_mlflow_metrics, set_tags_on_active_run

logger = logging.getLogger(__name__)

RUNNER_CONFIG = "model.json"
FLOAT_FORMATS = ("keras", "saved_model", "onnx", "tflite_float", "tflite_streaming_float")


def _model_params(params: dict[str, Any], name: str) -> dict[str, Any]:
    models = params.get("models", {})
    if name not in models:
        raise ValueError(
            f"No shipping settings for model '{name}': add "
            f"shipping.models.{name} (task, formats, input_key, …) to "
            f"conf/base/parameters_shipping.yml (known: {sorted(models)})."
        )
    return models[name]


def _inputs(data: dict[str, np.ndarray], key: str, limit: int, what: str) -> np.ndarray:
    if key not in data:
        raise ValueError(
            f"The {what} data has no array '{key}' (it has {sorted(data)}): fix "
            "shipping.models.<model>.input_key."
        )
    x = np.asarray(data[key][:limit], dtype=np.float32)
    if len(x) == 0:
        raise ValueError(f"The {what} data is empty: run the model's training pipeline.")
    return x


def _check_input_shape(registered: RegisteredModel, shape: tuple[int, ...]) -> None:
    """The data must fit the registered signature (-1 = any size)."""
    expected = registered.signature.inputs.inputs[0].shape[1:]
    if len(expected) != len(shape) or any(
        e not in (-1, s) for e, s in zip(expected, shape, strict=False)
    ):
        raise ValueError(
            f"{registered.uri} takes inputs of shape (batch, "
            f"{', '.join(map(str, expected))}) but its data has examples of "
            f"shape {shape}: the model and the data are from different runs."
        )


def _fit(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inputs cut or zero-padded along the time axis to the export's input length.

    A keyword detector is exported at its scoring window (``trigger_word_detect``'s
    ``window_seconds``), which may differ by a few frames from the 10 s examples of
    its data; parity compares every format on the same fitted inputs.
    """
    if x.shape[1:] == tuple(shape):
        return x
    frames = shape[0]
    out = np.zeros((len(x), *shape), dtype=np.float32)
    out[:, : min(frames, x.shape[1])] = x[:, :frames]
    return out


def _runner_config(
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
    from dl_pipelines.audio.windows import Detector
    from dl_pipelines.pipelines.trigger_word.params import parse_params

    if "threshold" not in registered.run_metrics:
        raise ValueError(
            f"The run of {registered.uri} logged no 'threshold' metric: "
            "re-run `kedro run --pipelines trigger_word` to register a model "
            "with its detection threshold."
        )
    detector = Detector.from_params(parse_params(params), registered.run_metrics["threshold"])
    detector.check_model(registered.model, registered.uri)
    return detector


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
    settings = _model_params(params, registered.name)
    set_tags_on_active_run(registered.tags)
    representative = _inputs(
        calibration, settings["input_key"], int(params["representative_examples"]), "calibration"
    )
    data_shape = tuple(int(d) for d in representative.shape[1:])
    _check_input_shape(registered, data_shape)
    formats = list(settings["formats"])
    config = _runner_config(registered, settings, data_shape, formats, trigger_word)
    input_shape = tuple(config["input"]["shape"][1:])
    logger.info("Exporting %s (input %s) as %s", registered.uri, input_shape, ", ".join(formats))
    start = time.perf_counter()
    files = exports.export_all(
        registered.model,
        input_shape,
        formats,
        int(params["onnx_opset"]),
        _fit(representative, input_shape),
        config.get("streaming", {}).get("chunk_steps"),
    )
    files[RUNNER_CONFIG] = json.dumps(config, indent=2).encode()
    logger.info("Exported %d files in %.1f s", len(files), time.perf_counter() - start)
    return files


# ----------------------------------------------------------------------------- parity
def _decisions_agreement(
    config: dict[str, Any], reference: np.ndarray, other: np.ndarray, params: dict[str, Any]
) -> tuple[int, int]:
    """``(decisions made alike, decisions only one of the two made)``.

    A classifier: inputs with the same label, inputs with another. A keyword detector:
    detections matched within ``parity.detection_tolerance_steps``, and detections of
    the Keras model or of the export that the other does not make.
    """
    if config["task"] == "binary_classifier":
        threshold = config["classifier"]["threshold"]
        same = int(
            np.sum(
                (reference.reshape(len(reference), -1)[:, 0] >= threshold)
                == (other.reshape(len(other), -1)[:, 0] >= threshold)
            )
        )
        return same, len(reference) - same
    from dl_pipelines.audio import events

    detector = config["detector"]
    tolerance = int(params["parity"]["detection_tolerance_steps"])
    matched = unmatched = 0
    for ref_scores, scores in zip(reference[..., 0], other[..., 0], strict=True):
        ref, found = (
            events.detect(
                s, detector["threshold"], detector["refractory_steps"], detector["hold_steps"]
            )
            for s in (ref_scores, scores)
        )
        hits, misses, extra = events.match(found, ref, (-tolerance, tolerance))
        matched += hits
        unmatched += misses + extra
    return matched, unmatched


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
    settings = _model_params(params, config["model"])
    x = _fit(
        _inputs(test, settings["input_key"], int(params["parity"]["examples"]), "test"),
        tuple(config["input"]["shape"][1:]),
    )
    reference = runtimes.load("keras", candidate)(x)
    report: dict[str, Any] = {
        "model": config["model"],
        "version": config["version"],
        "examples": len(x),
        "formats": {},
    }
    failures = []
    for fmt in settings["formats"]:
        outputs = runtimes.load(fmt, candidate)(x)
        max_abs = float(np.max(np.abs(outputs - reference)))
        same, different = _decisions_agreement(config, reference, outputs, params)
        agreement = 1.0 if same + different == 0 else same / (same + different)
        report["formats"][fmt] = {
            "max_abs": max_abs,
            "agreement": agreement,
            "decisions_alike": same,
            "decisions_differing": different,
        }
        logger.info(
            "Parity of %s: max |Δ| %.2e, decision agreement %.4f (%d alike, %d differing)",
            fmt,
            max_abs,
            agreement,
            same,
            different,
        )
        if fmt in FLOAT_FORMATS:
            if max_abs > float(params["parity"]["max_abs_tolerance"]) or agreement < 1.0:
                failures.append(f"{fmt}: max |Δ| {max_abs:.2e}, agreement {agreement:.4f}")
        elif agreement < float(params["parity"]["min_quantised_agreement"]):
            failures.append(f"{fmt}: agreement {agreement:.4f}")
    if failures:
        raise ValueError(
            f"Exports of {config['model']} v{config['version']} disagree with the Keras "
            f"model on {len(x)} test inputs — {'; '.join(failures)} (tolerances: "
            f"shipping.parity.max_abs_tolerance {params['parity']['max_abs_tolerance']} for "
            "float exports, which must also agree on every decision; "
            f"min_quantised_agreement {params['parity']['min_quantised_agreement']}). "
            "Nothing was written."
        )
    metrics = {}
    for fmt, figures in report["formats"].items():
        metrics[f"parity_max_abs_{fmt}"] = figures["max_abs"]
        metrics[f"parity_agreement_{fmt}"] = figures["agreement"]
    return candidate, as_mlflow_metrics(metrics), report


# ------------------------------------------------------------------------- trade-offs
def _latencies_ms(
    predict: runtimes.Predict, one: np.ndarray, warmup: int, repeats: int
) -> np.ndarray:
    for _ in range(warmup):
        predict(one)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict(one)
        times.append((time.perf_counter() - start) * 1000.0)
    return np.asarray(times)


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
    settings = _model_params(params, config["model"])
    timing = params["timing"]
    x = _fit(
        _inputs(test, settings["input_key"], int(timing["throughput_examples"]), "test"),
        tuple(config["input"]["shape"][1:]),
    )
    sizes = exports.file_sizes(shipped)
    rows = []
    for fmt in ["keras", *settings["formats"]]:
        start = time.perf_counter()
        predict = runtimes.load(fmt, shipped)
        load_s = time.perf_counter() - start
        latency = _latencies_ms(predict, x[:1], int(timing["warmup"]), int(timing["repeats"]))
        start = time.perf_counter()
        predict(x)
        throughput = len(x) / (time.perf_counter() - start)
        rows.append(
            {
                "format": fmt,
                "size_mb": sizes[fmt] / 1e6,
                "load_s": load_s,
                "latency_p50_ms": float(np.percentile(latency, 50)),
                "latency_p95_ms": float(np.percentile(latency, 95)),
                "throughput_per_s": throughput,
            }
        )
        logger.info(
            "%s: %.2f MB, load %.2f s, p50 %.1f ms, p95 %.1f ms, %.1f inputs/s",
            fmt,
            rows[-1]["size_mb"],
            load_s,
            rows[-1]["latency_p50_ms"],
            rows[-1]["latency_p95_ms"],
            throughput,
        )
    metrics = {
        f"{key}_{row['format']}": row[key]
        for row in rows
        for key in ("size_mb", "load_s", "latency_p50_ms", "latency_p95_ms", "throughput_per_s")
    }
    return (_markdown(config, rows, len(x)), _chart(config, rows), as_mlflow_metrics(metrics))


def _markdown(config: dict[str, Any], rows: list[dict[str, Any]], n: int) -> str:
    lines = [
        f"# Shipping `{config['model']}` version {config['version']}",
        "",
        f"Input {tuple(config['input']['shape'][1:])}; this machine's CPU, one process; "
        f"latency of one input (p50/p95), throughput over {n} test inputs.",
        "",
        "| format | size (MB) | load (s) | p50 latency (ms) | p95 latency (ms) | "
        "throughput (inputs/s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['format']} | {row['size_mb']:.3f} | {row['load_s']:.2f} | "
            f"{row['latency_p50_ms']:.2f} | {row['latency_p95_ms']:.2f} | "
            f"{row['throughput_per_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _chart(config: dict[str, Any], rows: list[dict[str, Any]]) -> Figure:
    figure = Figure(figsize=(10, 4), layout="constrained")
    names = [row["format"] for row in rows]
    for ax, key, label in zip(
        figure.subplots(1, 2),
        ("size_mb", "latency_p50_ms"),
        ("size (MB)", "p50 latency of one input (ms)"),
        strict=True,
    ):
        values = [row[key] for row in rows]
        bars = ax.barh(names, values, color="tab:blue")
        ax.bar_label(bars, fmt="%.2f", padding=2)
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.margins(x=0.2)
    figure.suptitle(f"{config['model']} v{config['version']}: server formats vs on-device")
    return figure
