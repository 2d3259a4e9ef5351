"""The feed-forward stylizer: trained for one style with the optimisation's cost, then
compared with the optimisation on the pairs it did not see.

Beyond the course (Johnson et al.): a small image-transform network learns to stylise
any photo in one forward pass. Its loss is the same J(G) with G = transform(crop) and
C = the crop. Keras is imported inside the functions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from dl_pipelines.pipelines.style_transfer import optimisation
from dl_pipelines.pipelines.style_transfer.images import square, training_crops
from dl_pipelines.pipelines.style_transfer.params import StylizerParams, pair_name, stylizer_pairs
from dl_pipelines.runtime.seeding import rng

logger = logging.getLogger(__name__)


def train(
    content_images: Mapping[str, np.ndarray],
    sample_photos: Mapping[str, np.ndarray],
    style_images: Mapping[str, np.ndarray],
    vgg_weights: Mapping[str, Any],
    chosen: list[tuple[str, str]],
    image_size: int,
    config: StylizerParams,
    cost_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the feed-forward stylizer for one style on random crops of photos.

    The photos are the content images and the shared sample photos, *without* the
    content images of the pairs in the stylizer's style: those are kept to compare the
    stylizer with the optimisation on images it has not seen. The loss is the same
    J(G) (same layers, α, β, w_tv) with G = transform(crop) and C = the crop.

    Returns:
        The transform network and its training history (costs every ``log_every``
        steps; also logged to MLflow as ``stylizer/total_loss`` etc.).
    """
    import keras

    from dl_pipelines.pipelines.style_transfer import transform_net
    from dl_pipelines.runtime.seeding import seed_everything

    held_out = set(stylizer_pairs(config, chosen))
    photos = {n: p for n, p in {**sample_photos, **content_images}.items() if n not in held_out}
    if not photos:
        raise ValueError(
            "No photos left to train the stylizer on: add content images to "
            "data/01_raw/style_transfer/content/."
        )
    weights = optimisation.cost_weights(cost_params, vgg_weights)
    seed_everything(seed)
    crops = training_crops(
        photos,
        config.steps * config.batch_size,
        config.crop_size,
        config.crop_fraction,
        rng(seed, "stylizer_crops"),
    )
    transform = transform_net.build_transform_net(
        config.filters, config.residual_blocks, style=config.style
    )
    trainer = transform_net.build_stylizer_trainer(
        transform,
        optimisation.extractor(vgg_weights, weights),
        square(style_images[config.style], image_size),
        config.crop_size,
        weights,
        keras.optimizers.Adam(learning_rate=config.learning_rate),
    )
    logger.info(
        "Training the stylizer for '%s' (%d parameters) on %d crops of %d photos "
        "(%s held out), %d steps of %d.",
        config.style,
        transform.count_params(),
        len(crops),
        len(photos),
        sorted(held_out),
        config.steps,
        config.batch_size,
    )
    costs = transform_net.CostLogger(config.log_every, "stylizer/", config.steps)
    started = time.perf_counter()
    trainer.fit(
        crops.astype("float32"),
        np.zeros((len(crops), 1), "float32"),
        batch_size=config.batch_size,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=[costs],
    )
    history = {
        **costs.history,
        "seconds": time.perf_counter() - started,
        "style": config.style,
        "photos": sorted(photos),
    }
    return transform, history


def compare(
    stylizer: Any,
    content_images: Mapping[str, np.ndarray],
    style_images: Mapping[str, np.ndarray],
    results: Mapping[str, Any],
    histories: Mapping[str, dict],
    vgg_weights: Mapping[str, Any],
    chosen: list[tuple[str, str]],
    image_size: int,
    config: StylizerParams,
    cost_params: dict[str, Any],
) -> tuple[dict, dict[str, float], dict, list]:
    """Stylizer vs optimisation on the held-out pairs: time per image and the losses.

    Both results are scored with the same J(G) at ``image_size``; so is the content
    image itself (what "no stylisation" scores). The speed ratio is the optimisation's
    time for a pair over one forward pass of the stylizer (best of ``timing_repeats``
    after a warm-up), on the same machine in the same run.

    Returns:
        The stylised held-out images (``{"<content>__<style>": image}``), the metrics
        (``stylizer_speed_ratio``, ``stylizer_style_loss``, ``stylizer_content_loss``,
        ``optimisation_style_loss``, …; means over the held-out pairs;
        ``stylizer_style_reduction``: 1 − the stylizer's style loss over the content
        image's), a JSON report and the panels ``(content, optimised, stylised, pair
        name)`` of ``plots.comparison_figure``.
    """
    from dl_pipelines.pipelines.style_transfer import transform_net
    from dl_pipelines.pipelines.style_transfer.model import image_costs

    held_out = stylizer_pairs(config, chosen)
    weights = optimisation.cost_weights(cost_params, vgg_weights)
    extractor = optimisation.extractor(vgg_weights, weights)
    style = square(style_images[config.style], image_size)
    stylised, rows, panels = {}, {}, []
    for content_name in held_out:
        name = pair_name(content_name, config.style)
        content = square(content_images[content_name], image_size)
        transform_net.stylise(stylizer, content)  # warm-up (tracing)
        timings = []
        for _ in range(config.timing_repeats):
            started = time.perf_counter()
            image = transform_net.stylise(stylizer, content)
            timings.append(time.perf_counter() - started)
        optimised = results[name]() if callable(results[name]) else results[name]
        rows[name] = {
            "stylizer_seconds": min(timings),
            # steps × time per step: the one-off tracing of the step function is left out,
            # as the stylizer's warm-up pass is
            "optimisation_seconds": (histories[name]["step"][-1] * histories[name]["step_seconds"]),
            "optimisation_steps": histories[name]["step"][-1],
            "stylizer": image_costs(extractor, image, content, style, weights),
            "optimisation": image_costs(extractor, optimised, content, style, weights),
            "content_image": image_costs(extractor, content, content, style, weights),
        }
        rows[name]["speed_ratio"] = rows[name]["optimisation_seconds"] / min(timings)
        stylised[name] = image
        panels.append((content, optimised, image, name))

    def mean(path: tuple[str, ...]) -> float:
        values = []
        for row in rows.values():
            value = row
            for key in path:
                value = value[key]
            values.append(value)
        return float(np.mean(values))

    metrics = {
        "stylizer_speed_ratio": mean(("speed_ratio",)),
        "stylizer_seconds_per_image": mean(("stylizer_seconds",)),
        "optimisation_seconds_per_image": mean(("optimisation_seconds",)),
        **{
            f"{who}_{loss}": mean((who, loss))
            for who in ("stylizer", "optimisation", "content_image")
            for loss in ("total_loss", "content_loss", "style_loss")
        },
    }
    # the share of the content image's style loss one pass removes (1: all of it, as far
    # as the optimisation gets); the registry gate's figure (``nodes.gate_for_registry``)
    metrics["stylizer_style_reduction"] = 1.0 - (
        metrics["stylizer_style_loss"] / metrics["content_image_style_loss"]
    )
    logger.info(
        "Stylizer: %.3f s per image vs %.1f s of optimisation (×%.0f faster); style "
        "loss %.4g vs %.4g (content image: %.4g), content loss %.4g vs %.4g.",
        metrics["stylizer_seconds_per_image"],
        metrics["optimisation_seconds_per_image"],
        metrics["stylizer_speed_ratio"],
        metrics["stylizer_style_loss"],
        metrics["optimisation_style_loss"],
        metrics["content_image_style_loss"],
        metrics["stylizer_content_loss"],
        metrics["optimisation_content_loss"],
    )
    report = {"style": config.style, "image_size": image_size, "pairs": rows, "means": metrics}
    return stylised, metrics, report, panels
