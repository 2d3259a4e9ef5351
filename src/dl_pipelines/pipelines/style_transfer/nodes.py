"""Nodes of the ``style_transfer`` and ``style_transfer_apply`` pipelines.

Gatys et al.'s neural style transfer: "we are not learning parameters by minimising
J — we are learning an image". The generated image G starts from the content image
(or noise) and gradient descent on its pixels lowers
``J(G) = α·J_content(C, G) + β·J_style(S, G) + w_tv·J_tv(G)`` measured on VGG features
(the loss terms are in ``losses.py``). Beyond the course, a feed-forward stylizer is
trained for one style with the same losses, and stylises a new image in one pass.

Pure functions: arrays, weights and parameters in; images, figures, models and
reports out. Keras is imported inside the functions that need it. Loss curves are
logged to the active MLflow run while the optimisation runs (``tracking``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.style_transfer.painting import PAINTERS, paint
from dl_pipelines.runtime.config import parse
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking.runs import as_mlflow_metrics, log_metrics_to_active_run
from dl_pipelines.vision.images import center_square, random_square_crop, resize

logger = logging.getLogger(__name__)

#: Initialisations of the generated image.
INITS = ("content", "noise", "content_noise")
OPTIMIZERS = ("adam", "lbfgs")
#: How ``style_transfer_apply`` stylises: ``auto`` picks the stylizer when it is trained
#: for the requested style, else the optimisation.
APPLY_METHODS = ("auto", "optimise", "stylizer")
#: Where the ``style_transfer`` pipeline saves the stylizer (catalog ``style_transfer_stylizer``).
STYLIZER_FILE = "data/06_models/style_transfer/stylizer.keras"


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class ImagesParams:
    """``style_transfer.images``."""

    image_size: int
    min_input_size: int
    painted_styles: tuple[str, ...]
    painted_size: int

    def __post_init__(self) -> None:
        if self.image_size < 16:
            raise ValueError(f"image_size must be at least 16 px, got {self.image_size}")
        if self.min_input_size < 1 or self.painted_size < 64:
            raise ValueError("min_input_size must be >= 1 and painted_size >= 64")
        unknown = sorted(set(self.painted_styles) - set(PAINTERS))
        if unknown:
            raise ValueError(
                f"unknown painted style(s) {unknown}; the painters are {sorted(PAINTERS)}"
            )


@dataclass(frozen=True)
class CostParams:
    """``style_transfer.cost``: layers and weights of J(G)."""

    content_layers: tuple[str, ...]
    style_layers: dict
    alpha: float
    beta: float
    tv_weight: float

    def __post_init__(self) -> None:
        if not self.content_layers or not self.style_layers:
            raise ValueError("content_layers and style_layers must not be empty")
        if min(self.alpha, self.beta, self.tv_weight) < 0:
            raise ValueError("alpha, beta and tv_weight must be >= 0")
        for layer, weight in self.style_layers.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                raise ValueError(
                    f"style layer weight λ of '{layer}' must be a number >= 0, got {weight!r}"
                )


@dataclass(frozen=True)
class OptimisationParams:
    """``style_transfer.optimisation``: gradient descent on the pixels."""

    optimizer: str
    learning_rate: float
    steps: int
    init: str
    noise: float
    log_every: int
    snapshot_every: int

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got '{self.optimizer}'")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got '{self.init}'")
        if self.steps < 1 or self.learning_rate <= 0 or self.noise < 0:
            raise ValueError("steps must be >= 1, learning_rate > 0 and noise >= 0")
        if self.log_every < 1 or self.snapshot_every < 1:
            raise ValueError("log_every and snapshot_every must be >= 1")


@dataclass(frozen=True)
class StylizerParams:
    """``style_transfer.stylizer``: the feed-forward image-transform network."""

    style: str
    crop_size: int
    crop_fraction: tuple[float, float]
    batch_size: int
    steps: int
    learning_rate: float
    filters: tuple[int, int, int]
    residual_blocks: int
    log_every: int
    timing_repeats: int = 3

    def __post_init__(self) -> None:
        if self.crop_size < 16 or self.crop_size % 4:
            raise ValueError(f"crop_size must be a multiple of 4, >= 16, got {self.crop_size}")
        if not 0 < self.crop_fraction[0] <= self.crop_fraction[1] <= 1:
            raise ValueError("crop_fraction must be [low, high] with 0 < low <= high <= 1")
        if min(self.batch_size, self.steps, self.log_every, self.timing_repeats) < 1:
            raise ValueError("batch_size, steps, log_every and timing_repeats must be >= 1")
        if self.learning_rate <= 0 or min(self.filters) < 1 or self.residual_blocks < 0:
            raise ValueError("learning_rate > 0, filters >= 1 and residual_blocks >= 0")


@dataclass(frozen=True)
class ApplyParams:
    """``style_transfer_apply``."""

    content: str
    style: str
    image_size: int
    output_format: str = "png"
    method: str = "auto"

    def __post_init__(self) -> None:
        if self.method not in APPLY_METHODS:
            raise ValueError(
                f"method must be one of {APPLY_METHODS} (`--params method=…`), got '{self.method}'"
            )
        if not self.style:
            raise ValueError(
                "style must be a style name or an image path (`--params style=<name or path>`)"
            )
        if self.image_size < 16:
            raise ValueError(f"image_size must be at least 16 px, got {self.image_size}")
        if self.output_format not in ("png", "jpg"):
            raise ValueError(f"output_format must be png or jpg, got '{self.output_format}'")


def _pairs(raw: Any, contents: Mapping, styles: Mapping) -> list[tuple[str, str]]:
    """Validate ``style_transfer.pairs`` against the images there are."""

    @dataclass(frozen=True)
    class Pairs:
        pairs: tuple[tuple[str, str], ...]

    pairs = list(parse(Pairs, {"pairs": raw}, "style_transfer").pairs)
    if not pairs:
        raise ValueError("style_transfer.pairs is empty: list [content, style] pairs to render.")
    for content, style in pairs:
        if content not in contents:
            raise ValueError(
                f"Unknown content image '{content}' in style_transfer.pairs; the "
                f"content images are {sorted(contents)} (file names without "
                "ending, from data/01_raw/style_transfer/content/ and the "
                "defaults)."
            )
        if style not in styles:
            raise ValueError(
                f"Unknown style '{style}' in style_transfer.pairs; the styles are "
                f"{sorted(styles)} (file names without ending, from "
                "data/01_raw/style_transfer/style/ and the defaults)."
            )
    return pairs


def pair_name(content: str, style: str) -> str:
    """``astronaut__swirls``: the pair's file name and MLflow metric prefix."""
    return f"{content}__{style}"


# --------------------------------------------------------------------------------- images
def _named(images: Mapping[str, np.ndarray], kind: str, min_size: int) -> dict[str, np.ndarray]:
    """``{"sub/photo.jpg": image}`` → ``{"photo": image}``, checking names and sizes."""
    named: dict[str, np.ndarray] = {}
    origin: dict[str, str] = {}
    for key, image in images.items():
        name = PurePosixPath(key).stem
        if name in named:
            raise ValueError(
                f"Two {kind} images are both called '{name}': '{origin[name]}' and "
                f"'{key}' in data/01_raw/style_transfer/{kind}/. Rename one."
            )
        _check_size(image, f"{kind} image '{key}'", min_size)
        named[name], origin[name] = image, key
    return named


def _check_size(image: np.ndarray, what: str, min_size: int) -> None:
    """Reject an image whose short side is under ``min_size`` px, naming it."""
    if min(image.shape[:2]) < min_size:
        raise ValueError(
            f"The {what} is {image.shape[1]}×{image.shape[0]} px; images need "
            f"at least {min_size} px on their short side "
            "(style_transfer.images.min_input_size). Replace it with a larger "
            "image."
        )


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
    content = dict(default_content)
    content.update(_named(user_content, "content", config.min_input_size))
    style = dict(default_style)
    for name in config.painted_styles:
        style[name] = paint(name, config.painted_size, rng(seed, "painted", name))
    style.update(_named(user_style, "style", config.min_input_size))
    logger.info(
        "%d content images (%d yours), %d styles (%d yours): %s × %s",
        len(content),
        len(user_content),
        len(style),
        len(user_style),
        sorted(content),
        sorted(style),
    )
    return content, style


def square(image: np.ndarray, size: int) -> np.ndarray:
    """The centred square of ``image`` resized to ``size``×``size``."""
    return resize(center_square(image), (size, size))


def cover(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Crop the centre of ``image`` to the aspect ratio of ``shape`` and resize to it."""
    height, width = image.shape[:2]
    target_h, target_w = shape
    scale = min(height / target_h, width / target_w)
    crop_h, crop_w = max(1, round(target_h * scale)), max(1, round(target_w * scale))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return resize(image[top : top + crop_h, left : left + crop_w], (target_h, target_w))


def fit_long_side(image: np.ndarray, size: int) -> np.ndarray:
    """Resize so that the longer side is ``size`` px, keeping the aspect ratio."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    return resize(image, (max(16, round(height * scale)), max(16, round(width * scale))))


# ------------------------------------------------------------------------- optimisation
def _cost_weights(params: dict[str, Any], weights: Mapping[str, Any]):
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


def _extractor(vgg_weights: Mapping[str, Any], weights) -> Any:
    from dl_pipelines.pipelines.style_transfer.vgg import build_extractor, build_vgg

    return build_extractor(build_vgg(vgg_weights), [*weights.content_layers, *weights.style_layers])


def _initial_image(
    content: np.ndarray, config: OptimisationParams, generator: np.random.Generator
) -> np.ndarray:
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

    initial = _initial_image(content, config, generator)
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
        history["step"].append(step)
        for column in st_model.COST_COLUMNS:
            history[column].append(float(costs[column]))
        log_metrics_to_active_run(
            {f"{metric_prefix}{c}": costs[c] for c in st_model.COST_COLUMNS}, step=step
        )
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
    chosen = _pairs(pairs, content_images, style_images)
    weights = _cost_weights(cost_params, vgg_weights)
    seed_everything(seed)
    extractor = _extractor(vgg_weights, weights)
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


def summarise(histories: dict[str, dict]) -> tuple[dict, dict]:
    """Per pair: first and last total loss, the drop, the final content/style losses, time.

    Returns:
        MLflow metrics (``<pair>/total_loss_drop``, ``<pair>/seconds``,
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
    return as_mlflow_metrics(metrics), report


# -------------------------------------------------------------------------------- figures
def plot_pairs(
    content_images: dict,
    style_images: dict,
    results: dict[str, np.ndarray],
    histories: dict[str, dict],
) -> dict[str, Figure]:
    """One content | style | result figure per pair (``<pair>.png``).

    ``results`` may hold arrays or, read back from a folder, functions that load them.
    """
    figures = {}
    for name, result in results.items():
        result = result() if callable(result) else result  # a PartitionedDataset's loader
        history = histories[name]
        size = result.shape[:2]
        panels = [
            (cover(content_images[history["content"]], size), f"content: {history['content']}"),
            (cover(style_images[history["style"]], size), f"style: {history['style']}"),
            (result, f"result ({history['step'][-1]} steps)"),
        ]
        figures[f"{name}.png"] = _panel_figure(
            panels, f"{history['content']} in the style of {history['style']}"
        )
    return figures


def plot_progress(
    snapshots: dict[str, dict[int, np.ndarray]], histories: dict[str, dict]
) -> dict[str, Figure]:
    """The intermediate images of every pair, with the step and the total loss."""
    figures = {}
    for name, images in snapshots.items():
        history = histories[name]
        by_step = dict(zip(history["step"], history["total_loss"], strict=True))
        panels = []
        for step in sorted(images):
            loss = by_step.get(step)
            caption = f"step {step}" + (f"\nJ = {loss:.3g}" if loss is not None else "")
            panels.append((images[step], caption))
        figures[f"{name}.png"] = _panel_figure(
            panels, f"{name}: generated image G while optimising"
        )
    return figures


def _panel_figure(panels: list[tuple[np.ndarray, str]], title: str) -> Figure:
    fig = Figure(figsize=(3.0 * len(panels), 3.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (image, caption) in zip(axes, panels, strict=True):
        ax.imshow(image)
        ax.set_title(caption, fontsize=9)
        ax.axis("off")
    fig.suptitle(title)
    return fig


def plot_losses(histories: dict[str, dict], cost_params: dict[str, Any]) -> Figure:
    """Total, weighted content and weighted style cost against the step, one line a pair."""
    cost = parse(CostParams, cost_params, "style_transfer.cost")
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = (
        ("total_loss", 1.0, "J(G)"),
        ("content_loss", cost.alpha, "α·J_content"),
        ("style_loss", cost.beta, "β·J_style"),
    )
    for ax, (key, scale, label) in zip(axes, panels, strict=True):
        for name, history in histories.items():
            values = np.asarray(history[key], dtype=float) * scale
            values[values <= 0] = np.nan  # J_content is 0 at step 0 when G starts at C
            ax.plot(history["step"], values, marker="o", ms=2, label=name)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Style transfer by optimisation: cost per step")
    return fig


# ------------------------------------------------------------------ feed-forward stylizer
def _stylizer_pairs(config: StylizerParams, pairs: list[tuple[str, str]]) -> list[str]:
    held_out = [content for content, style in pairs if style == config.style]
    if not held_out:
        raise ValueError(
            f"style_transfer.stylizer.style '{config.style}' is the style of no "
            f"pair in style_transfer.pairs {pairs}: the stylizer is compared "
            "with the optimisation on those pairs. Use one of "
            f"{sorted({s for _, s in pairs})}."
        )
    return held_out


def training_crops(
    photos: Mapping[str, np.ndarray],
    count: int,
    size: int,
    fraction: tuple[float, float],
    generator: np.random.Generator,
) -> np.ndarray:
    """``count`` random square crops of ``photos``, resized to ``size``, half flipped."""
    names = sorted(photos)
    crops = np.empty((count, size, size, 3), dtype=np.uint8)
    for i in range(count):
        photo = photos[names[int(generator.integers(len(names)))]]
        crop = resize(random_square_crop(photo, generator, *fraction), (size, size))
        crops[i] = crop[:, ::-1] if generator.random() < 0.5 else crop
    return crops


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

    from dl_pipelines.pipelines.style_transfer import model as st_model
    from dl_pipelines.runtime.seeding import seed_everything

    config = parse(StylizerParams, stylizer_params, "style_transfer.stylizer")
    chosen = _pairs(pairs, content_images, style_images)
    held_out = set(_stylizer_pairs(config, chosen))
    photos = {n: p for n, p in {**sample_photos, **content_images}.items() if n not in held_out}
    if not photos:
        raise ValueError(
            "No photos left to train the stylizer on: add content images to "
            "data/01_raw/style_transfer/content/."
        )
    weights = _cost_weights(cost_params, vgg_weights)
    seed_everything(seed)
    crops = training_crops(
        photos,
        config.steps * config.batch_size,
        config.crop_size,
        config.crop_fraction,
        rng(seed, "stylizer_crops"),
    )
    transform = st_model.build_transform_net(
        config.filters, config.residual_blocks, style=config.style
    )
    trainer = st_model.build_stylizer_trainer(
        transform,
        _extractor(vgg_weights, weights),
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
    costs = st_model.CostLogger(config.log_every, "stylizer/", config.steps)
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
    from dl_pipelines.pipelines.style_transfer import model as st_model

    config = parse(StylizerParams, stylizer_params, "style_transfer.stylizer")
    chosen = _pairs(pairs, content_images, style_images)
    held_out = _stylizer_pairs(config, chosen)
    weights = _cost_weights(cost_params, vgg_weights)
    extractor = _extractor(vgg_weights, weights)
    style = square(style_images[config.style], image_size)
    stylised, rows, panels = {}, {}, []
    for content_name in held_out:
        name = pair_name(content_name, config.style)
        content = square(content_images[content_name], image_size)
        st_model.stylise(stylizer, content)  # warm-up (tracing)
        timings = []
        for _ in range(config.timing_repeats):
            started = time.perf_counter()
            image = st_model.stylise(stylizer, content)
            timings.append(time.perf_counter() - started)
        optimised = results[name]() if callable(results[name]) else results[name]
        rows[name] = {
            "stylizer_seconds": min(timings),
            # steps × time per step: the one-off tracing of the step function is left out,
            # as the stylizer's warm-up pass is
            "optimisation_seconds": (histories[name]["step"][-1] * histories[name]["step_seconds"]),
            "optimisation_steps": histories[name]["step"][-1],
            "stylizer": st_model.image_costs(extractor, image, content, style, weights),
            "optimisation": st_model.image_costs(extractor, optimised, content, style, weights),
            "content_image": st_model.image_costs(extractor, content, content, style, weights),
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
    return stylised, as_mlflow_metrics(metrics), report, _comparison_figure(panels)


def _comparison_figure(panels: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]) -> Figure:
    fig = Figure(figsize=(9, 3.2 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 3, squeeze=False)
    for row, (content, optimised, fast, name) in zip(axes, panels, strict=True):
        for ax, image, caption in zip(
            row,
            (content, optimised, fast),
            (f"content ({name})", "optimisation", "stylizer (1 pass)"),
            strict=True,
        ):
            ax.imshow(image)
            ax.set_title(caption, fontsize=9)
            ax.axis("off")
    fig.suptitle("Optimisation vs feed-forward stylizer")
    return fig


# ---------------------------------------------------------------------------------- apply
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
        _check_size(style_file, f"style image '{config.style}'", min_input_size)
        return {"name": PurePosixPath(config.style).stem, "image": style_file, "source": "file"}
    raise ValueError(
        f"Style '{config.style}' is neither a known style name nor an image file. "
        f"Pass `--params style=<name>` with one of {sorted(style_images)}, or "
        "the path of a JPEG/PNG image."
    )


def _apply_method(config: ApplyParams, style: dict[str, Any], stylizer: Any) -> str:
    """``optimise`` or ``stylizer`` for ``style_transfer_apply.method`` (see ``APPLY_METHODS``).

    The stylizer serves a style only when the style was chosen by name and the stylizer
    was trained for that name (its model name is ``stylizer__<style>``).
    """
    from dl_pipelines.pipelines.style_transfer.model import stylizer_style

    if config.method == "optimise":
        return "optimise"
    trained = stylizer_style(stylizer) if stylizer is not None else None
    if style["source"] == "name" and trained == style["name"]:
        return "stylizer"
    if stylizer is None:
        reason = f"there is no trained stylizer at {STYLIZER_FILE}"
    elif trained is None:
        reason = (
            f"the stylizer at {STYLIZER_FILE} does not record its style (trained "
            "by an older version): retrain it"
        )
    elif style["source"] == "file":
        reason = (
            f"the stylizer at {STYLIZER_FILE} is trained for the style name "
            f"'{trained}', and style '{config.style}' is a file (pass a style name)"
        )
    else:
        reason = f"the stylizer at {STYLIZER_FILE} is trained for '{trained}'"
    if config.method == "stylizer":
        raise ValueError(
            f"method=stylizer cannot stylise in '{style['name']}': {reason}. Train a stylizer "
            f"for it with `kedro run --pipelines style_transfer --params "
            f"style_transfer.stylizer.style={style['name']}` (the style needs an image in "
            "data/01_raw/style_transfer/style/ or a default, and a pair in "
            "style_transfer.pairs), or pass `--params method=optimise`."
        )
    logger.info("Stylising by optimisation: %s.", reason)
    return "optimise"


def apply_style(
    content: np.ndarray,
    style: dict[str, Any],
    stylizer: Any,
    vgg_weights: dict[str, Any],
    params: dict[str, Any],
    min_input_size: int,
    cost_params: dict[str, Any],
    optimisation_params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict]:
    """Stylise one photo, keeping its aspect ratio: by the stylizer or by optimisation.

    The photo is resized so that its long side is ``style_transfer_apply.image_size``.
    ``method`` (``auto`` | ``optimise`` | ``stylizer``) chooses how: the feed-forward
    ``stylizer`` (one pass; ``auto`` takes it when it is trained for the style) or the
    optimisation, whose style image is cropped to the photo's aspect ratio and resized
    to the same size. The costs go to MLflow as ``content_loss``, ``style_loss``,
    ``total_loss`` (per logged step; the stylizer's result once, at step 0).

    Returns:
        ``{"<photo>__<style>.<png|jpg>": image}`` (a folder of results) and the history.

    Raises:
        ValueError: when the photo is smaller than ``min_input_size`` px, or
            ``method=stylizer`` and the stylizer is missing or trained for another style.
    """
    from dl_pipelines.runtime.seeding import seed_everything

    config = parse(ApplyParams, params, "style_transfer_apply")
    optimisation = parse(OptimisationParams, optimisation_params, "style_transfer.optimisation")
    _check_size(content, f"photo '{config.content}'", min_input_size)
    method = _apply_method(config, style, stylizer)
    weights = _cost_weights(cost_params, vgg_weights)
    seed_everything(seed)
    photo = fit_long_side(content, config.image_size)
    style_image = cover(style["image"], photo.shape[:2])
    name = pair_name(PurePosixPath(config.content).stem, style["name"])
    extractor = _extractor(vgg_weights, weights)
    if method == "stylizer":
        out = _stylize_once(stylizer, extractor, photo, style_image, weights)
    else:
        logger.info(
            "Stylising %s (%d×%d px) in the style '%s': %d steps of %s.",
            config.content,
            photo.shape[1],
            photo.shape[0],
            style["name"],
            optimisation.steps,
            optimisation.optimizer,
        )
        out = optimise_image(
            extractor, photo, style_image, weights, optimisation, rng(seed, "init", name), name
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


def _stylize_once(
    stylizer: Any, extractor: Any, photo: np.ndarray, style: np.ndarray, weights: Any
) -> dict[str, Any]:
    """One forward pass of the stylizer, scored with J(G) like an optimisation result."""
    from dl_pipelines.pipelines.style_transfer import model as st_model

    started = time.perf_counter()
    image = st_model.stylise(stylizer, photo)
    seconds = time.perf_counter() - started
    costs = st_model.image_costs(extractor, image, photo, style, weights)
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
