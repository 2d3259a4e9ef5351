"""``style_transfer_apply``: one photo stylised by a registered stylizer or by optimisation.

The stylizer is a version of ``style_transfer_stylizer`` in the MLflow registry (the
``champion`` or ``--params model_version=``), with the style it was trained for in its
metadata; ``None`` when none is registered. The style is a known style name or an image
file; the photo keeps its aspect ratio. Keras is imported inside the functions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from dl_pipelines.pipelines.style_transfer import optimisation
from dl_pipelines.pipelines.style_transfer.images import check_size, cover, fit_long_side
from dl_pipelines.pipelines.style_transfer.params import (
    ApplyParams,
    OptimisationParams,
    pair_name,
)
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking.runs import log_metrics_to_active_run

logger = logging.getLogger(__name__)

#: The registered model the ``style_transfer`` pipeline's gate registers the stylizer as.
REGISTERED_NAME = "style_transfer_stylizer"


def choose(
    style_images: Mapping[str, np.ndarray],
    style_file: np.ndarray | None,
    config: ApplyParams,
    min_input_size: int,
) -> dict[str, Any]:
    """The style of ``config.style``: a known style name first, else an image file (see
    ``nodes.choose_style``)."""
    if config.style in style_images:
        if style_file is not None:
            logger.info(
                "style=%s is a style name and a file: using the style name (pass "
                "./%s or an absolute path for the file).",
                config.style,
                config.style,
            )
        return {"name": config.style, "image": style_images[config.style], "source": "name"}
    if style_file is not None:
        check_size(style_file, f"style image '{config.style}'", min_input_size)
        return {"name": PurePosixPath(config.style).stem, "image": style_file, "source": "file"}
    raise ValueError(
        f"Style '{config.style}' is neither a known style name nor an image file. "
        f"Pass `--params style=<name>` with one of {sorted(style_images)}, or "
        "the path of a JPEG/PNG image."
    )


def method_for(config: ApplyParams, style: dict[str, Any], stylizer: dict | None) -> str:
    """``optimise`` or ``stylizer`` for ``style_transfer_apply.method`` (see ``APPLY_METHODS``).

    The stylizer serves a style only when the style was chosen by name and the
    registered version was trained for that name (the ``style`` of its
    ``stylizer_settings``).
    """
    if config.method == "optimise":
        return "optimise"
    trained = stylizer["stylizer_settings"]["style"] if stylizer is not None else None
    if style["source"] == "name" and trained == style["name"]:
        return "stylizer"
    if stylizer is None:
        reason = f"the MLflow registry holds no {REGISTERED_NAME}"
    else:
        version = stylizer.get("version", REGISTERED_NAME)
        if style["source"] == "file":
            reason = (
                f"{version} is trained for the style name '{trained}', and style "
                f"'{config.style}' is a file (pass a style name)"
            )
        else:
            reason = f"{version} is trained for '{trained}'"
    if config.method == "stylizer":
        another = "pick a version trained for it with --params model_version=<n>, "
        another = "" if stylizer is None else another
        raise ValueError(
            f"method=stylizer cannot stylise in '{style['name']}': {reason}. Train and "
            f"register a stylizer for it with `kedro run --pipelines style_transfer "
            f"--params style_transfer.stylizer.style={style['name']}` (the style needs an "
            "image in data/01_raw/style_transfer/style/ or a default, and a pair in "
            f"style_transfer.pairs), {another}or pass `--params method=optimise`."
        )
    logger.info("Stylising by optimisation: %s.", reason)
    return "optimise"


def stylise_photo(
    content: np.ndarray,
    style: dict[str, Any],
    stylizer: dict[str, Any] | None,
    vgg_weights: Mapping[str, Any],
    config: ApplyParams,
    min_input_size: int,
    cost_params: dict[str, Any],
    settings: OptimisationParams,
    seed: int,
) -> tuple[dict, dict]:
    """Stylise one photo by the stylizer or by optimisation (see ``nodes.apply_style``)."""
    from dl_pipelines.runtime.seeding import seed_everything

    check_size(content, f"photo '{config.content}'", min_input_size)
    method = method_for(config, style, stylizer)
    weights = optimisation.cost_weights(cost_params, vgg_weights)
    seed_everything(seed)
    photo = fit_long_side(content, config.image_size)
    style_image = cover(style["image"], photo.shape[:2])
    name = pair_name(PurePosixPath(config.content).stem, style["name"])
    extractor = optimisation.extractor(vgg_weights, weights)
    if method == "stylizer":
        logger.info("Stylising with %s.", stylizer.get("version", REGISTERED_NAME))
        out = _stylise_once(stylizer, extractor, photo, style_image, weights)
    else:
        logger.info(
            "Stylising %s (%d×%d px) in the style '%s': %d steps of %s.",
            config.content,
            photo.shape[1],
            photo.shape[0],
            style["name"],
            settings.steps,
            settings.optimizer,
        )
        out = optimisation.optimise_image(
            extractor, photo, style_image, weights, settings, rng(seed, "init", name), name
        )
    history = {
        **out["history"],
        "method": method,
        "seconds": out["seconds"],
        "step_seconds": out["step_seconds"],
        "content": config.content,
        "style": style["name"],
    }
    return {f"{name}.{config.output_format}": out["image"]}, history


def _stylise_once(
    stylizer: dict[str, Any], extractor: Any, photo: np.ndarray, style: np.ndarray, weights: Any
) -> dict[str, Any]:
    """One forward pass of a registered stylizer, fed as its ``stylizer_settings`` say,
    scored with J(G) like an optimisation result."""
    from dl_pipelines.pipelines.style_transfer.model import image_costs
    from dl_pipelines.pipelines.style_transfer.transform_net import stylise

    started = time.perf_counter()
    settings = stylizer["stylizer_settings"]
    if list(settings["pixel_range"]) != [0, 255]:
        raise ValueError(
            f"{stylizer.get('version', REGISTERED_NAME)} takes pixels in "
            f"{settings['pixel_range']}; this project's stylizers take [0, 255]."
        )
    image = stylise(stylizer["model"], photo, settings["size_multiple"])
    seconds = time.perf_counter() - started
    costs = image_costs(extractor, image, photo, style, weights)
    log_metrics_to_active_run(costs, step=0)
    logger.info(
        "Stylised %d×%d px in one pass of the stylizer (%.2f s): total %.4g (content "
        "%.4g, style %.4g).",
        photo.shape[1],
        photo.shape[0],
        seconds,
        costs["total_loss"],
        costs["content_loss"],
        costs["style_loss"],
    )
    history = {"step": [0], **{column: [value] for column, value in costs.items()}}
    return {"image": image, "history": history, "seconds": seconds, "step_seconds": seconds}
