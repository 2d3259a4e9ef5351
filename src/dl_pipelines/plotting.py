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


def confusion_matrix_figure(matrix: np.ndarray, class_names: Sequence[str],
                            title: str = "Confusion matrix") -> Figure:
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
        ax.text(j, i, f"{count}\n{share[i, j]:.0%}", ha="center", va="center",
                color="white" if share[i, j] > 0.5 else "black")
    fig.colorbar(image, ax=ax, label="share of true class")
    ax.set_title(title)
    return fig


def image_grid(images: np.ndarray, captions: Sequence[str] | None = None,
               caption_colors: Sequence[str] | None = None, columns: int = 8,
               title: str = "") -> Figure:
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


def roc_curve_figure(fpr: np.ndarray, tpr: np.ndarray, auc: float,
                     title: str = "ROC curve") -> Figure:
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
