"""The figures of the ``image_classification`` pipeline: training examples, training
curves, accuracy against size, the best member's confusion matrix and mistakes, the
linear members' templates, and edge detection on a real photo."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from PIL import Image

from dl_pipelines.pipelines.image_classification import convolution
from dl_pipelines.pipelines.image_classification.evaluation import as_model
from dl_pipelines.pipelines.image_classification.params import EdgeDetectionParams
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting


def plot_examples(
    train: dict[str, np.ndarray], data_report: dict[str, Any], seed: int, per_class: int = 8
) -> Figure:
    """A grid of training images: one row per class."""
    class_names = data_report["class_names"]
    generator = rng(seed, "examples")
    chosen = []
    for label in range(len(class_names)):
        candidates = np.flatnonzero(train["labels"] == label)
        chosen.extend(generator.choice(candidates, min(per_class, len(candidates)), replace=False))
    chosen = np.asarray(chosen)
    return plotting.image_grid(
        _rgb(train["images"][chosen]),
        [class_names[i] for i in train["labels"][chosen]],
        columns=per_class,
        title=f"{data_report['dataset']}: training examples",
    )


def _rgb(images: np.ndarray) -> np.ndarray:
    """Grey ``(n, h, w, 1)`` → RGB ``(n, h, w, 3)`` for the image grid."""
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images


def plot_comparison(table: pd.DataFrame, data_report: dict[str, Any]) -> Figure:
    """Test accuracy against parameter count (log scale), one labelled point per model."""
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.subplots()
    ax.scatter(table["params"], table["test_accuracy"], s=30)
    for row in table.itertuples():
        ax.annotate(
            row.model,
            (row.params, row.test_accuracy),
            fontsize=8,
            xytext=(4, 3),
            textcoords="offset points",
        )
    ax.set_xscale("log")
    ax.set_xlabel("trainable + non-trainable parameters (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{data_report['dataset']}: accuracy vs parameters")
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_training(summaries: dict[str, Any]) -> Figure:
    """Validation accuracy and training loss of every member over epochs."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, summary in summaries.items():
        history = summary["history"]
        epochs = np.arange(1, len(history["loss"]) + 1)
        left.plot(epochs, history["loss"], label=name)
        if "val_accuracy" in history:
            right.plot(epochs, history["val_accuracy"], label=name)
    left.set(xlabel="epoch", ylabel="training loss", yscale="log", title="training loss")
    right.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    right.legend(fontsize=8)
    return fig


def best_member_figures(
    test: dict[str, np.ndarray],
    best_predictions: dict[str, np.ndarray],
    report: dict[str, Any],
    misclassified_grid: int,
) -> tuple[Figure, Figure]:
    """Confusion matrix and a grid of (at most ``misclassified_grid``) misclassified test
    images of the best member."""
    best, names = report["best_model"], report["class_names"]
    matrix = np.asarray(report["best_confusion_matrix"]["rows_true_columns_predicted"])
    confusion = plotting.confusion_matrix_figure(
        matrix, names, title=f"{best}: test confusion matrix"
    )
    predicted = best_predictions["predicted"]
    wrong = np.flatnonzero(predicted != test["labels"])[:misclassified_grid]
    if len(wrong) == 0:
        fig = Figure(figsize=(4, 1.5))
        fig.text(0.5, 0.5, f"{best}: no misclassified test image", ha="center")
        return confusion, fig
    captions = [f"{names[test['labels'][i]]} → {names[predicted[i]]}" for i in wrong]
    captions[0] = f"{best}, true → predicted:\n{captions[0]}"
    grid = plotting.image_grid(
        _rgb(test["images"][wrong]),
        captions,
        caption_colors=["red"] * len(wrong),
        columns=8,
        title="misclassified",
    )
    return confusion, grid


def plot_linear_templates(
    models: dict[str, Any], summaries: dict[str, Any], data_report: dict[str, Any]
) -> Figure:
    """Each linear member's weights as images: one template per class (a row of W)."""
    from dl_pipelines.pipelines.image_classification.training import linear_templates

    linear = [name for name, s in summaries.items() if s["builder"] == "linear"]
    names = data_report["class_names"]
    if not linear:
        fig = Figure(figsize=(5, 1.2))
        fig.text(0.5, 0.5, "no linear member in this run", ha="center")
        return fig
    fig = Figure(figsize=(1.3 * len(names), 1.5 * len(linear) + 0.5), layout="constrained")
    axes = fig.subplots(len(linear), len(names), squeeze=False)
    for row, name in enumerate(linear):
        model = as_model(models[name])
        templates = linear_templates(model)
        for col, ax in enumerate(axes[row]):
            t = templates[col]
            bound = np.abs(t).max() or 1.0
            ax.imshow(t, cmap="RdBu_r", vmin=-bound, vmax=bound)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(names[col], fontsize=8)
        axes[row][0].set_ylabel(name, fontsize=8)
    fig.suptitle("Linear classifiers: one template per class (red +, blue −)")
    return fig


def edge_detection_figure(photos: dict[str, np.ndarray], config: EdgeDetectionParams) -> Figure:
    """Vertical, horizontal, Sobel and Scharr edges of a real photo (the notes' filters)."""
    if config.photo not in photos:
        raise ValueError(
            f"image_classification.edge_detection.photo = '{config.photo}' is "
            f"not one of the sample photos {sorted(photos)}."
        )
    photo = photos[config.photo]
    grey = Image.fromarray(photo).convert("L")
    scale = config.size / max(grey.size)
    grey = grey.resize(
        (max(1, round(grey.size[0] * scale)), max(1, round(grey.size[1] * scale))),
        Image.Resampling.LANCZOS,
    )
    maps = convolution.edge_maps(np.asarray(grey, dtype=np.float64) / 255.0)
    fig = Figure(figsize=(15, 3.4), layout="constrained")
    axes = fig.subplots(1, 5)
    axes[0].imshow(np.asarray(grey), cmap="gray")
    axes[0].set_title(f"{config.photo} (grey)")
    for ax, (name, edge) in zip(axes[1:], maps.items(), strict=True):
        if name in ("vertical", "horizontal"):
            bound = np.abs(edge).max() or 1.0
            ax.imshow(edge, cmap="RdBu_r", vmin=-bound, vmax=bound)
        else:
            ax.imshow(edge, cmap="gray")
        ax.set_title(f"{name} edges")
    for ax in axes:
        ax.axis("off")
    fig.suptitle("Edge detection by convolution (3×3 filters, 'same' padding)")
    return fig
