"""Nodes of the ``segmentation`` pipeline: scenes → split → U-Net → mIoU → overlays.

Pure functions; Keras is imported inside the training and prediction nodes only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.images import resize
from dl_pipelines.vision.scenes import SceneDataParams, scene_set, split_scene_set

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelParams:
    """``segmentation.model``."""

    depth: int
    width: int

    def __post_init__(self) -> None:
        if not 1 <= self.depth <= 6 or self.width < 1:
            raise ValueError(
                f"depth must be in 1..6 and width >= 1, got {self.depth}, {self.width}"
            )


@dataclass(frozen=True)
class TrainingParams:
    """``segmentation.training``."""

    epochs: int
    batch_size: int
    learning_rate: float
    dice_weight: float
    augment: bool
    max_shift_px: int
    early_stopping_patience: int
    verbose: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs and batch_size must be >= 1 and learning_rate > 0")
        if self.dice_weight < 0:
            raise ValueError(f"dice_weight must be >= 0, got {self.dice_weight}")


# ----------------------------------------------------------------------------------- data
def make_scenes(
    records: list | None, photos: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> dict[str, np.ndarray]:
    """The user's image + mask pairs resized to the model size, or the default scenes."""
    data = parse(SceneDataParams, params, "segmentation.data")
    if not records:
        logger.info(
            "data/01_raw/segmentation is empty: drawing %d default scenes of %s px.",
            data.count,
            data.scenes.image_size,
        )
    return scene_set(records, photos, data, seed, "segmentation")


def split_scenes(
    scenes: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict]:
    """Seeded train/val/test split and a report of the sizes."""
    data = parse(SceneDataParams, params, "segmentation.data")
    return split_scene_set(scenes, data.split, seed)


def plot_examples(train: dict[str, np.ndarray], count: int = 8) -> Figure:
    """Training scenes next to their class masks."""
    n = min(count, len(train["images"]))
    pictures = [
        p for i in range(n) for p in (train["images"][i], plotting.mask_to_rgb(train["masks"][i]))
    ]
    return plotting.image_grid(
        np.stack(pictures), columns=8, title="Training scenes and their masks"
    )


# ------------------------------------------------------------------------------- training
def train_unet(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    classes: list[str],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the U-Net with cross-entropy + Dice (early stopping on ``val_loss``).

    Every epoch sees each training scene in a new random variant (mirror, shift,
    colour-channel permutation; ``segmentation.training.augment``).
    """
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback
    from dl_pipelines.pipelines.segmentation.unet import build_unet, cross_entropy_dice_loss
    from dl_pipelines.runtime.seeding import seed_everything
    from dl_pipelines.vision.scene_batches import SceneBatches

    arch = parse(ModelParams, model_params, "segmentation.model")
    config = parse(TrainingParams, training_params, "segmentation.training")
    seed_everything(seed)
    batches = SceneBatches(
        train,
        lambda _boxes, _classes, mask, _points: mask.astype("int32"),
        config.batch_size,
        seed,
        config.max_shift_px,
        augment=config.augment,
    )
    model = build_unet(
        tuple(int(v) for v in train["image_size"]), len(classes) + 1, arch.depth, arch.width
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=cross_entropy_dice_loss(config.dice_weight),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="pixel_accuracy")],
    )
    logger.info(
        "Training %s (%d parameters) on %d images, validating on %d.",
        model.name,
        model.count_params(),
        len(train["images"]),
        len(val["images"]),
    )
    history = model.fit(
        batches,
        validation_data=(val["images"].astype("float32"), val["masks"].astype("int32")),
        epochs=config.epochs,
        verbose=config.verbose,
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            ),
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=max(1, config.early_stopping_patience // 2)
            ),
            MlflowMetricsCallback(),
        ],
    )
    return model, {
        k: [float(v) for v in values]
        for k, values in history.history.items()
        if k != "learning_rate"
    }


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation loss and pixel accuracy per epoch."""
    return plotting.training_curves(history, title="segmentation training")


# ----------------------------------------------------------------------------- evaluation
def predict_masks(model: Any, images: np.ndarray) -> np.ndarray:
    """Class index per pixel ``(n, h, w)`` for model-size images."""
    if len(images) == 0:
        return np.zeros((0, *images.shape[1:3]), dtype=np.uint8)
    probabilities = model.predict(np.asarray(images, dtype="float32"), batch_size=64, verbose=0)
    return np.argmax(np.asarray(probabilities), axis=-1).astype(np.uint8)


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Pixel confusion matrix, rows = true class, columns = predicted."""
    flat = (
        np.asarray(y_true, dtype=np.int64).ravel() * n_classes
        + np.asarray(y_pred, dtype=np.int64).ravel()
    )
    return np.bincount(flat, minlength=n_classes**2).reshape(n_classes, n_classes)


def segmentation_scores(matrix: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Mean IoU over the classes present (in truth or prediction), pixel accuracy, and
    the IoU of each class (NaN where absent). IoU_k = TP / (TP + FP + FN)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - tp
    per_class = np.where(union > 0, tp / np.where(union > 0, union, 1), np.nan)
    return float(np.nanmean(per_class)), float(tp.sum() / max(matrix.sum(), 1)), per_class


def evaluate_unet(
    model: Any, test: dict[str, np.ndarray], classes: list[str]
) -> tuple[dict, dict[str, Any], np.ndarray]:
    """``seg_miou`` (mean IoU over background + classes) and ``seg_pixel_accuracy``."""
    predicted = predict_masks(model, test["images"])
    names = ["background", *classes]
    matrix = confusion(test["masks"], predicted, len(names))
    miou, accuracy, per_class = segmentation_scores(matrix)
    figures = {"seg_miou": miou, "seg_pixel_accuracy": accuracy}
    iou_per_class = {
        n: (None if np.isnan(v) else round(float(v), 4))
        for n, v in zip(names, per_class, strict=True)
    }
    logger.info(
        "Test: seg_miou=%.4f seg_pixel_accuracy=%.4f; IoU per class %s",
        miou,
        accuracy,
        iou_per_class,
    )
    report = {
        "metrics": figures,
        "iou_per_class": iou_per_class,
        "n_test": len(predicted),
        "confusion_matrix": {"classes": names, "rows_true_columns_predicted": matrix.tolist()},
    }
    return as_mlflow_metrics(figures), report, predicted


def plot_overlays(test: dict[str, np.ndarray], predicted: np.ndarray, count: int = 12) -> Figure:
    """Test scenes: the image, the true mask overlaid, the predicted mask overlaid."""
    n = min(count, len(predicted))
    pictures = [
        p
        for i in range(n)
        for p in (
            test["images"][i],
            plotting.overlay_mask(test["images"][i], test["masks"][i]),
            plotting.overlay_mask(test["images"][i], predicted[i]),
        )
    ]
    captions = ["image", "truth", "predicted"] * n
    return plotting.image_grid(
        np.stack(pictures), captions, columns=6, title="Test scenes: truth and predicted masks"
    )


# ----------------------------------------------------------------------------- prediction
def segment_folder(model: Any, images: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Mask every image of a folder.

    Returns:
        ``{name: mask PNG}`` (8-bit grey, the class index per pixel, at the image's own
        size) and ``{name: overlay PNG}``.
    """
    from PIL import Image

    if not images:
        raise ValueError(
            "The predict folder holds no image: pass a folder of JPEG/PNG "
            "files with `--params input_dir=<folder>`."
        )
    size = tuple(int(v) for v in model.input_shape[1:3])
    files = list(images)
    predicted = predict_masks(model, np.stack([resize(images[f], size) for f in files]))
    masks, overlays = {}, {}
    for file, mask in zip(files, predicted, strict=True):
        height, width = images[file].shape[:2]
        full = np.asarray(Image.fromarray(mask).resize((width, height), Image.Resampling.NEAREST))
        stem = file.rsplit(".", 1)[0]
        masks[stem] = Image.fromarray(full, mode="L")
        overlays[stem] = Image.fromarray(plotting.overlay_mask(images[file], full))
    logger.info("Segmented %d images.", len(files))
    return masks, overlays
