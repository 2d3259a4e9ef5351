"""Figures shared by the pipelines: training curves, confusion matrices, image grids.

Every function returns a ``matplotlib.figure.Figure`` built without ``pyplot`` (no
global state, no display needed); kedro-datasets' ``MatplotlibDataset`` saves them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure


def training_curves(history: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """One panel per metric, training and validation curves over epochs.

    Args:
        history: Keras-style history: ``{"loss": [...], "val_loss": [...], ...}``.
        title: Figure title.
    """
    names = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    if not names:
        raise ValueError("history holds no training metric to plot.")
    fig = Figure(figsize=(4.2 * len(names), 3.4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        epochs = np.arange(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", ms=3, label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o", ms=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def confusion_matrix_figure(
    matrix: np.ndarray, class_names: Sequence[str], title: str = "Confusion matrix"
) -> Figure:
    """Counts in each cell, colour = share of the true class (rows sum to 1)."""
    matrix = np.asarray(matrix)
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = 1.2 + 0.9 * len(class_names)
    fig = Figure(figsize=(size + 1.2, size), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names)
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(
            j,
            i,
            f"{count}\n{share[i, j]:.0%}",
            ha="center",
            va="center",
            color="white" if share[i, j] > 0.5 else "black",
        )
    fig.colorbar(image, ax=ax, label="share of true class")
    ax.set_title(title)
    return fig


def image_grid(
    images: np.ndarray,
    captions: Sequence[str] | None = None,
    caption_colors: Sequence[str] | None = None,
    columns: int = 8,
    title: str = "",
) -> Figure:
    """A grid of RGB images with optional coloured captions (e.g. green right, red wrong)."""
    images = np.asarray(images)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"image_grid needs a non-empty (n, h, w, 3) batch, got {images.shape}.")
    columns = max(1, min(columns, len(images)))
    rows = -(-len(images) // columns)
    fig = Figure(figsize=(1.6 * columns, 1.8 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= len(images):
            continue
        ax.imshow(images[i])
        if captions is not None:
            color = caption_colors[i] if caption_colors is not None else "black"
            ax.set_title(captions[i], fontsize=8, color=color)
    if title:
        fig.suptitle(title)
    return fig


def roc_curve_figure(
    fpr: np.ndarray, tpr: np.ndarray, auc: float, title: str = "ROC curve"
) -> Figure:
    """Receiver operating characteristic with the chance diagonal."""
    fig = Figure(figsize=(4.2, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(fpr, tpr, label=f"AUC = {auc:.3f}")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return fig


# ------------------------------------------------------------------- boxes and masks
#: Distinct colours for class-coloured boxes and masks (tab10).
CLASS_COLOURS = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
)


def draw_boxes(
    image: np.ndarray,
    boxes: np.ndarray,
    labels: Sequence[str] = (),
    classes: Sequence[int] = (),
    scale: int = 1,
    points: np.ndarray | None = None,
) -> np.ndarray:
    """An RGB ``uint8`` copy of ``image`` (enlarged ``scale`` times, nearest) with corner
    boxes ``(x_min, y_min, x_max, y_max)`` drawn in their class colour, optional text
    labels at their top-left corner, and optional ``(n, k, 2)`` points ``(x, y)``."""
    from PIL import Image, ImageDraw

    canvas = Image.fromarray(np.asarray(image, dtype=np.uint8))
    if scale != 1:
        canvas = canvas.resize(
            (canvas.width * scale, canvas.height * scale), Image.Resampling.NEAREST
        )
    draw = ImageDraw.Draw(canvas)
    for i, box in enumerate(np.asarray(boxes, dtype=np.float64).reshape(-1, 4)):
        colour = (
            CLASS_COLOURS[int(classes[i]) % len(CLASS_COLOURS)] if len(classes) else (255, 0, 0)
        )
        x0, y0, x1, y1 = box * scale
        draw.rectangle(
            [x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)], outline=colour, width=max(1, scale // 2)
        )
        if i < len(labels):
            draw.text((x0 + 1, y0 + 1), labels[i], fill=colour)
        if points is not None and i < len(points):
            for x, y in np.asarray(points[i]) * scale:
                r = max(1, scale)
                draw.ellipse([x - r, y - r, x + r, y + r], fill=colour, outline=(255, 255, 255))
    return np.asarray(canvas)


def overlay_mask(image: np.ndarray, mask: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """``image`` with the class mask painted over it (0 = background, left as is;
    class ``k`` ≥ 1 in ``CLASS_COLOURS[k − 1]``)."""
    image = np.asarray(image, dtype=np.float64)
    palette = np.asarray(CLASS_COLOURS, dtype=np.float64)
    mask = np.asarray(mask)
    colours = palette[(np.maximum(mask, 1) - 1) % len(palette)]
    blended = np.where((mask > 0)[..., None], (1 - alpha) * image + alpha * colours, image)
    return np.clip(np.rint(blended), 0, 255).astype(np.uint8)


def mask_to_rgb(mask: np.ndarray) -> np.ndarray:
    """A class mask as a colour picture: background black, class ``k`` ≥ 1 in its colour."""
    palette = np.asarray(((0, 0, 0),) + CLASS_COLOURS, dtype=np.uint8)
    return palette[np.asarray(mask) % len(palette)]
