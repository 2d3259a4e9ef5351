"""Nodes of the ``image_classification`` pipeline: data → split → train the zoo → compare.

Pure functions: arrays and parameters in; arrays, models, tables, figures and dicts
out. Keras is imported inside the training and evaluation nodes only, so listing or
drawing the pipelines does not pay for it. Each zoo member is trained in its own
MLflow run nested under the pipeline's run (see :mod:`.training`).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from PIL import Image
from sklearn import metrics as skm
from sklearn.model_selection import train_test_split

from dl_pipelines.pipelines.image_classification import config as cfg
from dl_pipelines.pipelines.image_classification import convolution
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------- data
def prepare_data(
    digits: dict[str, np.ndarray], fashion_mnist: dict[str, Any], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Load the chosen data set and split it: train / stratified validation / test.

    Fashion-MNIST keeps its official 10,000-image test split; digits (no official
    split) hold out a stratified ``digits_test_fraction`` first. The validation split is
    then drawn, stratified, from the training images only.

    Args:
        digits: scikit-learn's digits (``images`` 8×8 in 0–16, ``labels``, ``class_names``).
        fashion_mnist: Lazy loaders of the four Fashion-MNIST IDX files; called only when
            ``dataset`` is ``fashion_mnist``.
        params: ``image_classification``.
        seed: The run's seed.

    Returns:
        ``train``, ``val``, ``test`` as ``{"images": (n, h, w, 1) uint8, "labels": (n,)}``
        and a report with the class names and the class counts of each split.
    """
    config = cfg.load_config(params)
    if config.dataset == "digits":
        images = np.rint(np.asarray(digits["images"], dtype=np.float64) * 255.0 / 16.0)
        images = images.clip(0, 255).astype(np.uint8)[..., None]
        labels = np.asarray(digits["labels"], dtype=np.int64)
        class_names = [str(c) for c in digits["class_names"]]
        train_idx, test_idx = train_test_split(
            np.arange(len(labels)),
            test_size=config.data.digits_test_fraction,
            stratify=labels,
            random_state=_int_seed(seed, "digits_test"),
        )
        x_train, y_train = images[train_idx], labels[train_idx]
        x_test, y_test = images[test_idx], labels[test_idx]
    else:
        x_train = _images(fashion_mnist["train_images"](), "train_images")
        y_train = _labels(fashion_mnist["train_labels"](), len(x_train), "train_labels")
        x_test = _images(fashion_mnist["test_images"](), "test_images")
        y_test = _labels(fashion_mnist["test_labels"](), len(x_test), "test_labels")
        class_names = list(config.data.fashion_mnist_classes)
    fit_idx, val_idx = train_test_split(
        np.arange(len(y_train)),
        test_size=config.data.validation_fraction,
        stratify=y_train,
        random_state=_int_seed(seed, "validation"),
    )
    splits = {
        "train": {"images": x_train[fit_idx], "labels": y_train[fit_idx]},
        "val": {"images": x_train[val_idx], "labels": y_train[val_idx]},
        "test": {"images": x_test, "labels": y_test},
    }
    report: dict[str, Any] = {
        "dataset": config.dataset,
        "class_names": class_names,
        "image_shape": list(x_train.shape[1:]),
    }
    for name, split in splits.items():
        counts = np.bincount(split["labels"], minlength=len(class_names))
        report[name] = {
            "images": int(len(split["labels"])),
            "per_class": dict(zip(class_names, map(int, counts), strict=True)),
        }
        logger.info(
            "%s: %d images, %d to %d per class",
            name,
            len(split["labels"]),
            counts.min(),
            counts.max(),
        )
    return splits["train"], splits["val"], splits["test"], report


def _int_seed(seed: int, stream: str) -> int:
    return int(rng(seed, stream).integers(2**31 - 1))


def _images(array: np.ndarray, name: str) -> np.ndarray:
    if array.ndim != 3 or array.dtype != np.uint8:
        raise ValueError(
            f"Fashion-MNIST '{name}' must be uint8 images (n, h, w), got "
            f"{array.dtype} {array.shape}: is it an images file?"
        )
    return array[..., None]


def _labels(array: np.ndarray, count: int, name: str) -> np.ndarray:
    if array.ndim != 1 or len(array) != count:
        raise ValueError(
            f"Fashion-MNIST '{name}' must be {count} labels (one per image), "
            f"got shape {array.shape}: do the image and label files match?"
        )
    if array.max(initial=0) > 9:
        raise ValueError(f"Fashion-MNIST '{name}' holds label {array.max()} > 9.")
    return array.astype(np.int64)


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


# ------------------------------------------------------------------------------- training
def train_models(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    data_report: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train every selected zoo member, each in its own nested MLflow run.

    Returns:
        ``{member: trained model}`` and ``{member: summary}`` (builder, loss, input size,
        parameter count, MACs, train seconds, epochs run, history, MLflow run id).
    """
    from dl_pipelines.pipelines.image_classification.training import train_member

    config = cfg.load_config(params)
    names = cfg.selected_members(config)
    logger.info("Training %d zoo members on %s: %s", len(names), config.dataset, ", ".join(names))
    models, summaries = {}, {}
    for i, name in enumerate(names, start=1):
        logger.info("[%d/%d] %s", i, len(names), name)
        models[name], summaries[name] = train_member(
            name,
            cfg.member(config, name),
            cfg.training(config, name),
            train,
            val,
            len(data_report["class_names"]),
            seed,
        )
    return models, summaries


# ----------------------------------------------------------------------------- evaluation
def _model(model_or_loader: Any) -> Any:
    """A model, or the loader ``KerasModelsDataset`` gives for one, as a model."""
    return model_or_loader if hasattr(model_or_loader, "predict") else model_or_loader()


def predict_classes(model: Any, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """argmax of the class scores for ``(n, h, w, 1)`` images of the data set's size."""
    scores = model.predict(images.astype("float32"), batch_size=batch_size, verbose=0)
    return np.asarray(scores).argmax(axis=-1)


def evaluate_models(
    models: dict[str, Any],
    summaries: dict[str, Any],
    test: dict[str, np.ndarray],
    data_report: dict[str, Any],
) -> tuple[pd.DataFrame, dict, dict[str, Any], dict[str, np.ndarray]]:
    """Score every member on the test split and rank them.

    ``models`` may hold the models or loaders returning them (``KerasModelsDataset``).
    Each member's ``test_accuracy`` also goes to its own nested MLflow run.

    Returns:
        The comparison table (model, builder, loss, parameters, MACs, test accuracy,
        train seconds), the metrics for the pipeline's run (``<member>.test_accuracy``,
        ``<member>.params_count``, and ``test_accuracy`` / ``params_count`` of the best
        member), a JSON report (with the best member's confusion matrix) and the best
        member's test predictions.
    """
    from dl_pipelines.pipelines.image_classification.training import log_to_member_run

    y_true = test["labels"]
    class_names = data_report["class_names"]
    rows, predictions, accuracies = [], {}, {}
    for name in summaries:
        model = _model(models[name])
        y_pred = predict_classes(model, test["images"])
        predictions[name] = y_pred
        accuracy = accuracies[name] = float(skm.accuracy_score(y_true, y_pred))
        summary = summaries[name]
        log_to_member_run(summary.get("mlflow_run_id"), {"test_accuracy": accuracy})
        rows.append(
            {
                "model": name,
                "builder": summary["builder"],
                "loss": summary["loss"],
                "input": "×".join(map(str, summary["input_size"])),
                "params": summary["params_count"],
                "macs": summary["macs"],
                "test_accuracy": round(accuracy, 4),
                "train_seconds": round(summary["train_seconds"], 1),
                "epochs": summary["epochs_run"],
            }
        )
        logger.info(
            "%s: test_accuracy=%.4f (%d parameters)", name, accuracy, summary["params_count"]
        )
    table = pd.DataFrame(rows).sort_values(
        ["test_accuracy", "params"], ascending=[False, True], ignore_index=True
    )
    best = str(table.loc[0, "model"])
    metrics: dict[str, float] = {}
    for row in table.itertuples():
        metrics[f"{row.model}.test_accuracy"] = accuracies[row.model]
        metrics[f"{row.model}.params_count"] = row.params
        metrics[f"{row.model}.train_seconds"] = row.train_seconds
    metrics.update(test_accuracy=accuracies[best], params_count=float(table.loc[0, "params"]))
    matrix = skm.confusion_matrix(y_true, predictions[best], labels=range(len(class_names)))
    report = {
        "dataset": data_report["dataset"],
        "n_test": int(len(y_true)),
        "best_model": best,
        "class_names": class_names,
        "models": table.to_dict(orient="records"),
        "best_confusion_matrix": {"rows_true_columns_predicted": matrix.tolist()},
    }
    return (
        table,
        as_mlflow_metrics(metrics),
        report,
        {"predicted": predictions[best], "model": np.asarray(best)},
    )


# ------------------------------------------------------------------------------- figures
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


def plot_best(
    test: dict[str, np.ndarray],
    best_predictions: dict[str, np.ndarray],
    report: dict[str, Any],
    params: dict[str, Any],
) -> tuple[Figure, Figure]:
    """Confusion matrix and a grid of misclassified test images of the best member."""
    config = cfg.load_config(params)
    best, names = report["best_model"], report["class_names"]
    matrix = np.asarray(report["best_confusion_matrix"]["rows_true_columns_predicted"])
    confusion = plotting.confusion_matrix_figure(
        matrix, names, title=f"{best}: test confusion matrix"
    )
    predicted = best_predictions["predicted"]
    wrong = np.flatnonzero(predicted != test["labels"])[: config.evaluation.misclassified_grid]
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
        model = _model(models[name])
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


def edge_detection(photos: dict[str, np.ndarray], params: dict[str, Any]) -> Figure:
    """Vertical, horizontal, Sobel and Scharr edges of a real photo (the notes' filters)."""
    config = cfg.load_config(params).edge_detection
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
