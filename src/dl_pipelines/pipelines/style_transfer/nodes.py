"""Nodes of the ``style_transfer`` and ``style_transfer_apply`` pipelines.

Gatys et al.'s neural style transfer: "we are not learning parameters by minimising
J — we are learning an image". The generated image G starts from the content image
(or noise) and gradient descent on its pixels lowers
``J(G) = α·J_content(C, G) + β·J_style(S, G) + w_tv·J_tv(G)`` measured on VGG features.
Beyond the course, a feed-forward stylizer is trained for one style with the same
losses, and stylises a new image in one pass.

Each node parses its parameters (``params.py``) and hands the work to its module:
``images.py`` (the image library, sizes, crops), ``optimisation.py`` (the pixels of G),
``feed_forward.py`` (the stylizer), ``apply.py`` (one new photo) and ``plots.py``.
A stylizer good enough is registered in MLflow as ``style_transfer_stylizer``
(:func:`gate_for_registry`); ``style_transfer_apply`` uses a version of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.style_transfer import apply, feed_forward, images, optimisation, plots
from dl_pipelines.pipelines.style_transfer.params import (
    ApplyParams,
    CostParams,
    ImagesParams,
    OptimisationParams,
    StylizerParams,
    chosen_pairs,
)
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import registry_gate
from dl_pipelines.tracking.runs import as_mlflow_metrics

#: What a registered stylizer carries in its version's metadata (``model_metadata`` of
#: ``style_transfer_registered_model``): the style it stylises in and how it is fed.
STYLIZER_SETTINGS = "stylizer_settings"


def collect_images(
    user_content: dict[str, np.ndarray],
    user_style: dict[str, np.ndarray],
    default_content: dict[str, np.ndarray],
    default_style: dict[str, np.ndarray],
    params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict]:
    """The content and style images there are, by name.

    The defaults (real photos and textures installed with scikit-image, scikit-learn and
    matplotlib, plus procedurally painted styles) are always available; an image the
    user puts in ``data/01_raw/style_transfer/{content,style}/`` is added under its file
    name (without ending) and replaces a default of the same name. Grey and RGBA
    images arrive as RGB (the image datasets convert them).

    Returns:
        ``content_images`` and ``style_images``: ``{name: (h, w, 3) uint8}``.

    Raises:
        ValueError: for an image smaller than ``min_input_size`` on its short side, or
            two files of the same name, naming the file.
    """
    config = parse(ImagesParams, params, "style_transfer.images")
    return images.library(user_content, user_style, default_content, default_style, config, seed)


def render_pairs(
    content_images: dict[str, np.ndarray],
    style_images: dict[str, np.ndarray],
    vgg_weights: dict[str, Any],
    pairs: list,
    image_size: int,
    cost_params: dict[str, Any],
    optimisation_params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict, dict]:
    """Stylise every content × style pair of ``style_transfer.pairs`` by optimisation.

    Both images of a pair are cropped to their centred square and resized to
    ``image_size``. Loss curves go to MLflow as ``<content>__<style>/total_loss`` etc.

    Returns:
        ``results`` (``{pair: uint8 image}``), ``histories`` (``{pair: {"step": […],
        "total_loss": […], …, "seconds": s}}``) and ``snapshots`` (``{pair: {step:
        image}}``, the intermediate images).
    """
    from dl_pipelines.runtime.seeding import seed_everything

    config = parse(OptimisationParams, optimisation_params, "style_transfer.optimisation")
    chosen = chosen_pairs(pairs, content_images, style_images)
    weights = optimisation.cost_weights(cost_params, vgg_weights)
    seed_everything(seed)
    extractor = optimisation.extractor(vgg_weights, weights)
    return optimisation.render(
        extractor, chosen, content_images, style_images, weights, image_size, config, seed
    )


def summarise(histories: dict[str, dict]) -> tuple[dict, dict]:
    """Per pair: first and last total loss, the drop, the final content/style losses, time.

    Returns:
        MLflow metrics (``<pair>/total_loss_drop``, ``<pair>/seconds``,
        ``min_total_loss_drop``, ``optimisation_steps_per_second``) and a JSON report.
    """
    metrics, report = optimisation.summary(histories)
    return as_mlflow_metrics(metrics), report


def plot_pairs(
    content_images: dict,
    style_images: dict,
    results: dict[str, np.ndarray],
    histories: dict[str, dict],
) -> dict[str, Figure]:
    """One content | style | result figure per pair (``<pair>.png``).

    ``results`` may hold arrays or, read back from a folder, functions that load them.
    """
    return plots.pair_figures(content_images, style_images, results, histories)


def plot_progress(
    snapshots: dict[str, dict[int, np.ndarray]], histories: dict[str, dict]
) -> dict[str, Figure]:
    """The intermediate images of every pair, with the step and the total loss."""
    return plots.progress_figures(snapshots, histories)


def plot_losses(histories: dict[str, dict], cost_params: dict[str, Any]) -> Figure:
    """Total, weighted content and weighted style cost against the step, one line a pair."""
    cost = parse(CostParams, cost_params, "style_transfer.cost")
    return plots.losses_figure(histories, cost)


def train_stylizer(
    content_images: dict[str, np.ndarray],
    sample_photos: dict[str, np.ndarray],
    style_images: dict[str, np.ndarray],
    vgg_weights: dict[str, Any],
    pairs: list,
    image_size: int,
    stylizer_params: dict[str, Any],
    cost_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the feed-forward stylizer for one style (:func:`.feed_forward.train`)."""
    config = parse(StylizerParams, stylizer_params, "style_transfer.stylizer")
    chosen = chosen_pairs(pairs, content_images, style_images)
    return feed_forward.train(
        content_images,
        sample_photos,
        style_images,
        vgg_weights,
        chosen,
        image_size,
        config,
        cost_params,
        seed,
    )


def compare_stylizer(
    stylizer: Any,
    content_images: dict[str, np.ndarray],
    style_images: dict[str, np.ndarray],
    results: dict[str, Any],
    histories: dict[str, dict],
    vgg_weights: dict[str, Any],
    pairs: list,
    image_size: int,
    stylizer_params: dict[str, Any],
    cost_params: dict[str, Any],
) -> tuple[dict, dict, dict, Figure]:
    """Stylizer vs optimisation on the held-out pairs: time per image and the losses.

    Both results are scored with the same J(G) at ``image_size``; so is the content
    image itself (what "no stylisation" scores). The speed ratio is the optimisation's
    time for a pair over one forward pass of the stylizer (best of ``timing_repeats``
    after a warm-up), on the same machine in the same run.

    Returns:
        The stylised held-out images (``{"<content>__<style>": image}``), MLflow metrics
        (``stylizer_speed_ratio``, ``stylizer_style_loss``, ``stylizer_content_loss``,
        ``optimisation_style_loss``, …; means over the held-out pairs), a JSON report
        and a figure content | optimisation | stylizer.
    """
    config = parse(StylizerParams, stylizer_params, "style_transfer.stylizer")
    chosen = chosen_pairs(pairs, content_images, style_images)
    stylised, metrics, report, panels = feed_forward.compare(
        stylizer,
        content_images,
        style_images,
        results,
        histories,
        vgg_weights,
        chosen,
        image_size,
        config,
        cost_params,
    )
    return stylised, as_mlflow_metrics(metrics), report, plots.comparison_figure(panels)


def gate_for_registry(
    stylizer: Any,
    report: dict[str, Any],
    image_size: int,
    stylizer_params: dict[str, Any],
    min_style_reduction: float,
) -> dict[str, Any]:
    """The stylizer to register as ``style_transfer_stylizer`` — an uncompiled copy, with
    the style it was trained for — only if it removes enough of the style loss.

    The figure is ``stylizer_style_reduction`` of the comparison (``report["means"]``):
    1 − the stylizer's style loss over the content image's, on the held-out photos (the
    optimisation reaches about 0.99, one pass of the stylizer about 0.89 with the base
    parameters). The copy (:func:`~dl_pipelines.nn.copies.uncompiled_copy`) holds Keras
    layers only (instance normalisation is ``GroupNormalization``, the pixel scaling
    ``Rescaling`` layers), so it loads without this project's code. Its version's
    metadata holds ``stylizer_settings``: the style, the sizes it was trained at, and
    its input (RGB in [0, 255], any height and width, edge-padded to a multiple of 4),
    so that ``style_transfer_apply`` decides and stylises with that very version's.

    Args:
        stylizer: The trained transform net (:func:`train_stylizer`).
        report: The comparison's report (:func:`compare_stylizer`).
        image_size: ``style_transfer.images.image_size`` (the style's Gram matrices
            were taken at this size).
        stylizer_params: ``style_transfer.stylizer``.
        min_style_reduction: ``style_transfer.registry.min_style_reduction``.

    Raises:
        RegistryGateError: when ``stylizer_style_reduction`` is below the minimum or not
            a number (the run then fails, and no new version is registered).
    """
    from dl_pipelines.nn.copies import uncompiled_copy

    registry_gate.require(
        "stylizer_style_reduction",
        report["means"]["stylizer_style_reduction"],
        min_style_reduction,
        "style_transfer.registry.min_style_reduction",
        hint="Look at the run's plots/stylizer.png, train longer "
        "(style_transfer.stylizer.steps) or lower the threshold in "
        "parameters_style_transfer.yml.",
    )
    config = parse(StylizerParams, stylizer_params, "style_transfer.stylizer")
    return {
        "model": uncompiled_copy(stylizer),
        STYLIZER_SETTINGS: {
            "style": config.style,
            "image_size": image_size,
            "crop_size": config.crop_size,
            "pixel_range": [0, 255],
            "size_multiple": 4,
        },
    }


def choose_style(
    style_images: dict[str, np.ndarray],
    style_file: np.ndarray | None,
    params: dict[str, Any],
    min_input_size: int,
) -> dict[str, Any]:
    """The style of ``--params style=…``: a known style name first, else an image file.

    A name of ``style_images`` (the defaults and ``data/01_raw/style_transfer/style/``)
    wins over a file of the same relative path; pass ``./<name>`` or an absolute path
    to use such a file. A file must be at least ``min_input_size`` px on its short side.

    Returns:
        ``{"name": …, "image": uint8 array, "source": "name" | "file"}``.

    Raises:
        ValueError: when ``style`` is neither a known style name nor a file, or the file
            is too small.
    """
    config = parse(ApplyParams, params, "style_transfer_apply")
    return apply.choose(style_images, style_file, config, min_input_size)


def apply_style(
    content: np.ndarray,
    style: dict[str, Any],
    stylizer: dict[str, Any] | None,
    vgg_weights: dict[str, Any],
    params: dict[str, Any],
    min_input_size: int,
    cost_params: dict[str, Any],
    optimisation_params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict]:
    """Stylise one photo, keeping its aspect ratio: by the stylizer or by optimisation.

    ``stylizer`` is a version of the registered ``style_transfer_stylizer``
    (``{"model", "stylizer_settings", "version"}``: the registry's ``champion``, or
    ``--params model_version=``), or ``None`` when the registry holds none.
    The photo is resized so that its long side is ``style_transfer_apply.image_size``.
    ``method`` (``auto`` | ``optimise`` | ``stylizer``) chooses how: the feed-forward
    ``stylizer`` (one pass; ``auto`` takes it when its version was trained for the style,
    the ``style`` of its ``stylizer_settings``) or the optimisation, whose style image is
    cropped to the photo's aspect ratio and resized to the same size. The costs go to
    MLflow as ``content_loss``, ``style_loss``, ``total_loss`` (per logged step; the
    stylizer's result once, at step 0).

    Returns:
        ``{"<photo>__<style>.<png|jpg>": image}`` (a folder of results) and the history.

    Raises:
        ValueError: when the photo is smaller than ``min_input_size`` px, or
            ``method=stylizer`` and no stylizer is registered, or the version is trained
            for another style.
    """
    config = parse(ApplyParams, params, "style_transfer_apply")
    settings = parse(OptimisationParams, optimisation_params, "style_transfer.optimisation")
    return apply.stylise_photo(
        content,
        style,
        stylizer,
        vgg_weights,
        config,
        min_input_size,
        cost_params,
        settings,
        seed,
    )
