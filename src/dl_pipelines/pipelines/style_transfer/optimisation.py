"""Gatys' method: gradient descent (Adam, or L-BFGS in ``lbfgs.py``) on the pixels of G.

"We are not learning parameters by minimising J — we are learning an image": G starts
from the content image (or noise) and each step lowers
``J(G) = α·J_content(C, G) + β·J_style(S, G) + w_tv·J_tv(G)`` measured on VGG features.
Loss curves are logged to the active MLflow run while the optimisation runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from dl_pipelines.pipelines.style_transfer.images import square
from dl_pipelines.pipelines.style_transfer.params import CostParams, OptimisationParams, pair_name
from dl_pipelines.runtime.config import parse
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking.runs import log_metrics_to_active_run

logger = logging.getLogger(__name__)


def cost_weights(params: dict[str, Any], weights: Mapping[str, Any]):
    """``style_transfer.cost`` as the model's ``CostWeights``, its layers checked against
    the VGG architecture of ``weights``."""
    from dl_pipelines.pipelines.style_transfer.model import CostWeights
    from dl_pipelines.pipelines.style_transfer.vgg import architecture_of, validate_layers

    cost = parse(CostParams, params, "style_transfer.cost")
    architecture = architecture_of(weights)
    validate_layers(cost.content_layers, architecture, "style_transfer.cost.content_layers")
    validate_layers(list(cost.style_layers), architecture, "style_transfer.cost.style_layers")
    return CostWeights(
        alpha=cost.alpha,
        beta=cost.beta,
        tv_weight=cost.tv_weight,
        content_layers=tuple(cost.content_layers),
        style_layers={k: float(v) for k, v in cost.style_layers.items()},
    )


def extractor(vgg_weights: Mapping[str, Any], weights) -> Any:
    """The frozen VGG feature extractor of the cost's content and style layers."""
    from dl_pipelines.pipelines.style_transfer.vgg import build_extractor, build_vgg

    return build_extractor(build_vgg(vgg_weights), [*weights.content_layers, *weights.style_layers])


def initial_image(
    content: np.ndarray, config: OptimisationParams, generator: np.random.Generator
) -> np.ndarray:
    """The starting point of G: the content image, noise, or the content image plus noise."""
    base = content.astype(np.float32)
    if config.init == "content":
        return base
    noise = generator.uniform(-config.noise, config.noise, size=base.shape).astype(np.float32)
    if config.init == "noise":
        return np.clip(127.5 + noise, 0, 255)
    return np.clip(base + noise, 0, 255)


def optimise_image(
    extractor,
    content: np.ndarray,
    style: np.ndarray,
    weights,
    config: OptimisationParams,
    generator: np.random.Generator,
    name: str,
    metric_prefix: str = "",
) -> dict[str, Any]:
    """Run gradient descent on the pixels of G for one content × style pair.

    Every ``log_every`` steps (and at the last) the costs are logged as a progress
    line and to the active MLflow run as ``<prefix>content_loss``, ``style_loss``,
    ``total_loss`` and ``tv_loss`` with the step; every ``snapshot_every`` steps G is
    kept as an intermediate image.

    Returns:
        ``image`` (uint8), ``history`` (``{"step": [...], "total_loss": [...], …}``),
        ``snapshots`` (``{step: uint8 image}``), ``seconds`` (wall time of the
        optimisation) and ``step_seconds`` (time per step after the first, which also
        compiles the step function).
    """
    import keras

    from dl_pipelines.pipelines.style_transfer import model as st_model

    initial = initial_image(content, config, generator)
    if config.optimizer == "lbfgs":
        from dl_pipelines.pipelines.style_transfer.lbfgs import optimise_lbfgs

        return optimise_lbfgs(
            extractor, initial, content, style, weights, config, name, metric_prefix
        )
    optimiser = st_model.build_pixel_optimiser(
        extractor,
        initial,
        content,
        style,
        weights,
        keras.optimizers.Adam(learning_rate=config.learning_rate),
    )
    history: dict[str, list[float]] = {"step": [], **{c: [] for c in st_model.COST_COLUMNS}}
    snapshots = {0: st_model.generated_image(optimiser)}

    def record(step: int, costs: Mapping[str, float], elapsed: float) -> None:
        record_costs(history, step, costs, metric_prefix)
        logger.info(
            "%s step %d/%d: total %.4g (content %.4g, style %.4g, tv %.4g), %.2f s/step",
            name,
            step,
            config.steps,
            costs["total_loss"],
            costs["content_loss"],
            costs["style_loss"],
            costs["tv_loss"],
            elapsed / max(step, 1),
        )

    started = time.perf_counter()
    traced = started  # after the first step, which also traces/compiles the step function
    for step in range(config.steps):
        logs = optimiser.train_on_batch(st_model.DUMMY, st_model.DUMMY, return_dict=True)
        if step == 0:
            traced = time.perf_counter()
        if step % config.log_every == 0:
            record(step, logs, time.perf_counter() - started)
        if step and step % config.snapshot_every == 0:
            snapshots[step] = st_model.generated_image(optimiser)
    seconds = time.perf_counter() - started
    step_seconds = (
        (time.perf_counter() - traced) / (config.steps - 1) if config.steps > 1 else seconds
    )
    final = st_model.evaluate(optimiser)
    record(config.steps, final, seconds)
    snapshots[config.steps] = st_model.generated_image(optimiser)
    return {
        "image": snapshots[config.steps],
        "history": history,
        "snapshots": snapshots,
        "seconds": seconds,
        "step_seconds": step_seconds,
    }


def record_costs(
    history: dict[str, list[float]], step: int, costs: Mapping[str, float], metric_prefix: str
) -> None:
    """Append the costs of ``step`` to ``history`` and log them to the active MLflow run as
    ``<metric_prefix><column>``."""
    from dl_pipelines.pipelines.style_transfer.model import COST_COLUMNS

    history["step"].append(step)
    for column in COST_COLUMNS:
        history[column].append(float(costs[column]))
    log_metrics_to_active_run({f"{metric_prefix}{c}": costs[c] for c in COST_COLUMNS}, step=step)


def render(
    extractor: Any,
    chosen: list[tuple[str, str]],
    content_images: Mapping[str, np.ndarray],
    style_images: Mapping[str, np.ndarray],
    weights: Any,
    image_size: int,
    config: OptimisationParams,
    seed: int,
) -> tuple[dict, dict, dict]:
    """Stylise every pair by optimisation (see ``nodes.render_pairs``)."""
    results, histories, snapshots = {}, {}, {}
    for content, style in chosen:
        name = pair_name(content, style)
        logger.info(
            "Pair %s: %d steps of %s at %d×%d px.",
            name,
            config.steps,
            config.optimizer,
            image_size,
            image_size,
        )
        out = optimise_image(
            extractor,
            square(content_images[content], image_size),
            square(style_images[style], image_size),
            weights,
            config,
            rng(seed, "init", name),
            name,
            metric_prefix=f"{name}/",
        )
        results[name] = out["image"]
        histories[name] = {
            **out["history"],
            "seconds": out["seconds"],
            "step_seconds": out["step_seconds"],
            "content": content,
            "style": style,
            "image_size": image_size,
        }
        snapshots[name] = out["snapshots"]
    return results, histories, snapshots


def summary(histories: dict[str, dict]) -> tuple[dict[str, float], dict]:
    """Per pair: first and last total loss, the drop, the final content/style losses, time.

    Returns:
        The metrics (``<pair>/total_loss_drop``, ``<pair>/seconds``,
        ``min_total_loss_drop``, ``optimisation_steps_per_second``) and a JSON report.
    """
    report: dict[str, Any] = {"pairs": {}}
    metrics: dict[str, float] = {}
    rates = []
    for name, history in histories.items():
        first, last = history["total_loss"][0], history["total_loss"][-1]
        drop = 1.0 - last / first if first > 0 else 0.0
        steps = history["step"][-1]
        rate = 1.0 / history["step_seconds"] if history["step_seconds"] > 0 else float("nan")
        rates.append(rate)
        report["pairs"][name] = {
            "content": history["content"],
            "style": history["style"],
            "image_size": history["image_size"],
            "steps": steps,
            "first_total_loss": first,
            "final_total_loss": last,
            "total_loss_drop": round(drop, 6),
            "final_content_loss": history["content_loss"][-1],
            "final_style_loss": history["style_loss"][-1],
            "seconds": round(history["seconds"], 2),
            "steps_per_second": round(rate, 4),
        }
        metrics[f"{name}/total_loss_drop"] = drop
        metrics[f"{name}/seconds"] = history["seconds"]
        logger.info(
            "%s: total loss %.4g → %.4g (−%.1f %%) in %.0f s.",
            name,
            first,
            last,
            100 * drop,
            history["seconds"],
        )
    drops = [p["total_loss_drop"] for p in report["pairs"].values()]
    report["min_total_loss_drop"] = metrics["min_total_loss_drop"] = min(drops)
    report["optimisation_steps_per_second"] = metrics["optimisation_steps_per_second"] = float(
        np.nanmean(rates)
    )
    return metrics, report
