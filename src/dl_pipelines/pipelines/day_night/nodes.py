"""Nodes of the ``day_night`` pipeline: data → split → train → evaluate → register.

Pure functions: arrays and parameters in, arrays, models, figures and dicts out.
Keras is imported inside the training and prediction nodes only, so that listing
or drawing the pipelines does not pay for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn import metrics as skm

from dl_pipelines.pipelines.day_night.lit_scenes import (
    LitNightModel,
    ShadedDayModel,
    add_shade,
    render_lit_night,
)
from dl_pipelines.pipelines.day_night.rendering import (
    DayModel,
    NightModel,
    crops,
    render_day,
    render_night,
    sky_scene,
)
from dl_pipelines.pipelines.day_night.splits import grouped_stratified_split
from dl_pipelines.runtime.config import parse
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.images import resize

logger = logging.getLogger(__name__)

DAY, NIGHT = 0, 1


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class DefaultDataParams:
    """``day_night.data.default_data``: the offline set made when the raw folder is empty."""

    crops_per_photo: int
    crop_fraction: tuple[float, float]
    sky_scenes: int
    day: DayModel
    night: NightModel
    lit_night: LitNightModel
    shaded_day: ShadedDayModel

    def __post_init__(self) -> None:
        if self.crops_per_photo < 1 or self.sky_scenes < 0:
            raise ValueError("crops_per_photo must be >= 1 and sky_scenes >= 0")
        if not 0 < self.crop_fraction[0] <= self.crop_fraction[1] <= 1:
            raise ValueError("crop_fraction must be [low, high] with 0 < low <= high <= 1")


@dataclass(frozen=True)
class DataParams:
    """``day_night.data``."""

    classes: tuple[str, str]
    image_size: tuple[int, int]
    default_data: DefaultDataParams

    def __post_init__(self) -> None:
        if min(self.image_size) < 8:
            raise ValueError(f"image_size must be at least 8×8, got {self.image_size}")


@dataclass(frozen=True)
class ModelParams:
    """``day_night.model``."""

    filters: tuple[int, ...]
    kernel_size: int
    dense_units: int
    dropout: float

    def __post_init__(self) -> None:
        if not self.filters or min(self.filters) < 1:
            raise ValueError("filters must be a non-empty list of positive integers")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class TrainingParams:
    """``day_night.training``."""

    epochs: int
    batch_size: int
    learning_rate: float
    early_stopping_patience: int
    horizontal_flip: bool
    prefetch_batches: int
    input_workers: int = 1
    verbose: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs and batch_size must be >= 1 and learning_rate > 0")


@dataclass(frozen=True)
class EvaluationParams:
    """``day_night.evaluation``."""

    threshold: float
    sample_grid_size: int

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")


# ----------------------------------------------------------------------------------- data
def assemble_images(
    raw_images: dict[str, np.ndarray],
    sample_photos: dict[str, np.ndarray],
    params: dict[str, Any],
    seed: int,
    held_out: dict[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """Resize the user's class folders to the model size, or make the default set.

    Args:
        raw_images: ``{"<class>/<file>": image}`` from ``data/01_raw/day_night``.
        sample_photos: Real photographs shipped with installed packages; used only when
            ``raw_images`` is empty.
        params: ``day_night.data``.
        seed: The run's seed.
        held_out: ``day_night.heldout.photos``: photos kept for the held-out evaluation,
            left out of the training pool should ``sample_photos`` hold one.

    Returns:
        ``images`` (n, h, w, 3) uint8, ``labels`` (n,) 0 = day / 1 = night, ``groups``
        (n,) the source of every image (photos never straddle splits) and ``names``.
    """
    data = parse(DataParams, params, "day_night.data")
    if raw_images:
        return _from_class_folders(raw_images, data)
    kept = sorted(set(sample_photos) & set(held_out or {}))
    if kept:
        logger.info("Photos %s are held out for evaluation: not used for training.", kept)
    pool = {name: photo for name, photo in sample_photos.items() if name not in kept}
    logger.info(
        "data/01_raw/day_night is empty: making the default set from %d real photos "
        "and %d procedural scenes.",
        len(pool),
        data.default_data.sky_scenes,
    )
    return _default_set(pool, data, seed)


def _from_class_folders(raw_images: dict[str, np.ndarray], data: DataParams) -> dict:
    index = {name: i for i, name in enumerate(data.classes)}
    images, labels, names = [], [], []
    for key, image in raw_images.items():
        class_name = key.split("/", 1)[0]
        if class_name not in index:
            raise ValueError(
                f"Image '{key}' is in folder '{class_name}', which is not one of "
                f"the classes {list(data.classes)}."
            )
        images.append(resize(image, data.image_size))
        labels.append(index[class_name])
        names.append(key)
    return {
        "images": np.stack(images),
        "labels": np.asarray(labels, dtype=np.int64),
        "groups": np.asarray(names),
        "names": np.asarray(names),
    }


def _default_set(photos: dict[str, np.ndarray], data: DataParams, seed: int) -> dict:
    if not photos:
        raise ValueError(
            "No sample photos to build the default day/night set from: add "
            "images to data/01_raw/day_night/{day,night}/."
        )
    config = data.default_data
    images, labels, groups, names = [], [], [], []

    def add(image: np.ndarray, label: int, group: str, name: str) -> None:
        images.append(image)
        labels.append(label)
        groups.append(group)
        names.append(name)

    lit, shaded = config.lit_night, config.shaded_day
    for photo_name, photo in photos.items():
        count = config.crops_per_photo
        photo_crops = crops(
            photo, 2 * count, rng(seed, "default_data", photo_name), config.crop_fraction
        )
        for i, crop in enumerate(photo_crops):
            # One generator per image and per renderer: switching a renderer on or off,
            # or reseeding it, leaves every other image as it was.
            generator = rng(seed, "default_data", photo_name, i)
            if i < count:
                image, name = render_day(crop, data.image_size, generator, config.day), "day"
                shade = rng(seed, "shaded_day", shaded.seed, photo_name, i)
                if shaded.enabled and shade.random() < shaded.share:
                    image, name = add_shade(image, shade, shaded), "day-shaded"
                add(image, DAY, photo_name, f"{photo_name}/{name}-{i:03d}")
                continue
            lights = rng(seed, "lit_night", lit.seed, photo_name, i)
            if lit.enabled and lights.random() < lit.share:
                image, name = render_lit_night(crop, data.image_size, lights, lit), "night-lit"
            else:
                image = render_night(crop, data.image_size, generator, config.night)
                name = "night"
            add(image, NIGHT, photo_name, f"{photo_name}/{name}-{i - count:03d}")
    for i in range(config.sky_scenes):
        day, night = sky_scene(data.image_size, rng(seed, "sky", i))
        add(day, DAY, f"sky-{i:04d}", f"sky-{i:04d}/day")
        add(night, NIGHT, f"sky-{i:04d}", f"sky-{i:04d}/night")
    return {
        "images": np.stack(images),
        "labels": np.asarray(labels, dtype=np.int64),
        "groups": np.asarray(groups),
        "names": np.asarray(names),
    }


def split_images(
    images: dict[str, np.ndarray], fractions: dict[str, float], seed: int, classes: list[str]
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Stratified train/val/test split by source (no photo feeds two splits).

    Returns:
        The three splits (same keys as ``images``) and a report of the class balance.
    """
    if set(fractions) != {"train", "val", "test"}:
        raise ValueError(f"day_night.split must give train, val and test, got {list(fractions)}")
    indices = grouped_stratified_split(
        images["labels"], images["groups"], fractions, rng(seed, "split")
    )
    parts = {
        name: {key: value[idx] for key, value in images.items()} for name, idx in indices.items()
    }
    report: dict[str, Any] = {}
    for name, part in parts.items():
        counts = np.bincount(part["labels"], minlength=len(classes))
        report[name] = {
            "images": int(len(part["labels"])),
            "sources": int(len(set(part["groups"].tolist()))),
            **{f"n_{c}": int(n) for c, n in zip(classes, counts, strict=True)},
            **{
                f"share_{c}": round(float(n) / max(1, counts.sum()), 4)
                for c, n in zip(classes, counts, strict=True)
            },
        }
        logger.info(
            "%s: %d images from %d sources, %s",
            name,
            report[name]["images"],
            report[name]["sources"],
            ", ".join(f"{c}={n}" for c, n in zip(classes, counts, strict=True)),
        )
    return parts["train"], parts["val"], parts["test"], report


def plot_examples(
    train: dict[str, np.ndarray], classes: list[str], seed: int, per_class: int = 8
) -> Figure:
    """A grid of training images: one row of each class."""
    generator = rng(seed, "examples")
    chosen = []
    for label in range(len(classes)):
        candidates = np.flatnonzero(train["labels"] == label)
        chosen.extend(generator.choice(candidates, min(per_class, len(candidates)), replace=False))
    chosen = np.asarray(chosen)
    return plotting.image_grid(
        train["images"][chosen],
        [classes[label] for label in train["labels"][chosen]],
        columns=per_class,
        title="Training examples",
    )


# ------------------------------------------------------------------------------- training
def train_model(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the shallow CNN with early stopping on the validation loss.

    Every epoch's metrics go to the active MLflow run as ``train_*`` / ``val_*``.

    Returns:
        The trained model (best weights restored) and its Keras history.
    """
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback
    from dl_pipelines.nn.keras_data import ArrayBatches, random_horizontal_flip
    from dl_pipelines.pipelines.day_night.model import build_day_night_cnn
    from dl_pipelines.runtime.seeding import seed_everything

    arch = parse(ModelParams, model_params, "day_night.model")
    config = parse(TrainingParams, training_params, "day_night.training")
    seed_everything(seed)
    model = build_day_night_cnn(
        input_shape=train["images"].shape[1:],
        filters=arch.filters,
        kernel_size=arch.kernel_size,
        dense_units=arch.dense_units,
        dropout=arch.dropout,
        learning_rate=config.learning_rate,
    )
    logger.info(
        "Training %s (%d parameters) on %d images, validating on %d.",
        model.name,
        model.count_params(),
        len(train["labels"]),
        len(val["labels"]),
    )
    y_train = train["labels"].astype("float32")[:, None]
    y_val = val["labels"].astype("float32")[:, None]
    batches = ArrayBatches(
        train["images"],
        y_train,
        config.batch_size,
        shuffle=True,
        seed=seed,
        augment=random_horizontal_flip if config.horizontal_flip else None,
        workers=config.input_workers,
        max_queue_size=config.prefetch_batches,
    )
    validation = ArrayBatches(
        val["images"],
        y_val,
        config.batch_size,
        workers=config.input_workers,
        max_queue_size=config.prefetch_batches,
    )
    history = model.fit(
        batches,
        validation_data=validation,
        epochs=config.epochs,
        verbose=config.verbose,
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            ),
            MlflowMetricsCallback(),
        ],
    )
    return model, {k: [float(v) for v in values] for k, values in history.history.items()}


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation curves of every metric."""
    return plotting.training_curves(history, title="day_night training")


# ----------------------------------------------------------------------------- evaluation
def predict_probabilities(model: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """p(night) for a batch of ``uint8`` images of the model's input size."""
    if len(images) == 0:
        return np.zeros(0, dtype=np.float32)
    outputs = model.predict(images.astype("float32"), batch_size=batch_size, verbose=0)
    return np.asarray(outputs, dtype=np.float32).reshape(-1)


def evaluate_model(
    model: Any, test: dict[str, np.ndarray], params: dict[str, Any], classes: list[str]
) -> tuple[dict, dict[str, Any], dict[str, np.ndarray]]:
    """Score the test split: accuracy, precision, recall, F1, ROC AUC, confusion matrix.

    Returns:
        The metrics for MLflow (``test_*``), a JSON report with the confusion matrix, and
        the test predictions (for the figures).
    """
    config = parse(EvaluationParams, params, "day_night.evaluation")
    y_true = test["labels"]
    p_night = predict_probabilities(model, test["images"])
    y_pred = (p_night >= config.threshold).astype(np.int64)
    figures = {
        "test_accuracy": skm.accuracy_score(y_true, y_pred),
        "test_precision": skm.precision_score(y_true, y_pred, zero_division=0),
        "test_recall": skm.recall_score(y_true, y_pred, zero_division=0),
        "test_f1": skm.f1_score(y_true, y_pred, zero_division=0),
        "test_roc_auc": (
            skm.roc_auc_score(y_true, p_night) if len(set(y_true.tolist())) == 2 else float("nan")
        ),
        "test_loss": float(skm.log_loss(y_true, np.clip(p_night, 1e-7, 1 - 1e-7), labels=[0, 1])),
    }
    figures = {k: float(v) for k, v in figures.items()}
    matrix = skm.confusion_matrix(y_true, y_pred, labels=list(range(len(classes))))
    logger.info("Test: %s", ", ".join(f"{k}={v:.4f}" for k, v in figures.items()))
    report = {
        "metrics": figures,
        "threshold": config.threshold,
        "n_test": int(len(y_true)),
        "classes": list(classes),
        "confusion_matrix": {"rows_true_columns_predicted": matrix.tolist()},
        "misclassified": [str(n) for n in test["names"][y_pred != y_true]],
    }
    predictions = {"p_night": p_night, "predicted": y_pred}
    return as_mlflow_metrics(figures), report, predictions


def plot_evaluation(
    test: dict[str, np.ndarray],
    predictions: dict[str, np.ndarray],
    report: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> tuple[Figure, Figure, Figure]:
    """Confusion matrix, ROC curve and a grid of test predictions (red = wrong)."""
    config = parse(EvaluationParams, params, "day_night.evaluation")
    classes = report["classes"]
    matrix = np.asarray(report["confusion_matrix"]["rows_true_columns_predicted"])
    confusion = plotting.confusion_matrix_figure(matrix, classes, "day_night test set")

    y_true, p_night = test["labels"], predictions["p_night"]
    if len(set(y_true.tolist())) == 2:
        fpr, tpr, _ = skm.roc_curve(y_true, p_night)
    else:
        fpr, tpr = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    roc = plotting.roc_curve_figure(
        fpr, tpr, report["metrics"]["test_roc_auc"], "day_night test ROC"
    )

    wrong = np.flatnonzero(predictions["predicted"] != y_true)
    right = np.flatnonzero(predictions["predicted"] == y_true)
    generator = rng(seed, "prediction_grid")
    n_wrong = min(len(wrong), config.sample_grid_size // 2)
    chosen = np.concatenate(
        [
            wrong[:n_wrong],
            generator.choice(
                right, min(len(right), config.sample_grid_size - n_wrong), replace=False
            ),
        ]
    ).astype(np.int64)
    captions = [f"{classes[predictions['predicted'][i]]} p={p_night[i]:.2f}" for i in chosen]
    colours = [
        "tab:red" if predictions["predicted"][i] != y_true[i] else "tab:green" for i in chosen
    ]
    grid = plotting.image_grid(
        test["images"][chosen],
        captions,
        colours,
        title="Test predictions (p = p(night); red = wrong)",
    )
    return confusion, roc, grid


def gate_for_registry(model: Any, report: dict[str, Any], min_test_accuracy: float) -> Any:
    """Pass the model on to the MLflow registry only if it is good enough.

    Raises:
        ValueError: when ``test_accuracy`` is below ``min_test_accuracy`` (the run then
            fails, and no new version is registered).
    """
    accuracy = report["metrics"]["test_accuracy"]
    if accuracy < min_test_accuracy:
        raise ValueError(
            f"test_accuracy {accuracy:.4f} is below day_night.registry.min_test_accuracy "
            f"{min_test_accuracy}: the model is not registered. Inspect the run's plots, "
            "or lower the threshold in parameters_day_night.yml."
        )
    return model


# ----------------------------------------------------------------------------- prediction
def predict_folder(
    model: Any,
    images: dict[str, np.ndarray],
    image_size: list[int],
    params: dict[str, Any],
    classes: list[str],
) -> pd.DataFrame:
    """Score every image of a folder: columns ``file``, ``p_night``, ``label``.

    Raises:
        ValueError: when the folder holds no image.
    """
    config = parse(EvaluationParams, params, "day_night.evaluation")
    if not images:
        raise ValueError(
            "The predict folder holds no image: pass a folder of JPEG/PNG "
            "files with `--params input_dir=<folder>`."
        )
    files = list(images)
    batch = np.stack([resize(images[f], tuple(image_size)) for f in files])
    p_night = predict_probabilities(model, batch)
    labels = [classes[int(p >= config.threshold)] for p in p_night]
    logger.info(
        "Scored %d images: %d %s, %d %s.",
        len(files),
        labels.count(classes[0]),
        classes[0],
        labels.count(classes[1]),
        classes[1],
    )
    return pd.DataFrame({"file": files, "p_night": np.round(p_night, 6), "label": labels})
