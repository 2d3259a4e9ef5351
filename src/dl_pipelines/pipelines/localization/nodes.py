"""Nodes of the ``localization`` pipeline: one object per image → p_c, box, class, landmarks.

Pure functions; Keras is imported inside the training and prediction nodes only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.localization.model import layout
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.boxes import center_to_corners, corners_to_center, iou
from dl_pipelines.vision.scenes import N_KEYPOINTS, SceneDataParams, scene_set, split_scene_set

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelParams:
    """``localization.model``."""

    filters: tuple[int, ...]
    dense_units: int
    dropout: float

    def __post_init__(self) -> None:
        if not self.filters or min(self.filters) < 1 or self.dense_units < 1:
            raise ValueError("filters must be positive integers and dense_units >= 1")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class TrainingParams:
    """``localization.training``."""

    epochs: int
    batch_size: int
    learning_rate: float
    box_weight: float
    landmark_weight: float
    augment: bool
    max_shift_px: int
    early_stopping_patience: int
    verbose: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs and batch_size must be >= 1 and learning_rate > 0")


@dataclass(frozen=True)
class EvaluationParams:
    """``localization.evaluation``."""

    p_c_threshold: float
    sample_grid_size: int

    def __post_init__(self) -> None:
        if not 0 < self.p_c_threshold < 1:
            raise ValueError(f"p_c_threshold must be in (0, 1), got {self.p_c_threshold}")


# ----------------------------------------------------------------------------------- data
def make_scenes(
    records: list | None, photos: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> dict[str, np.ndarray]:
    """The user's COCO-style set (one object or none per image, 4 keypoints each),
    resized, or the default single-shape scenes."""
    data = parse(SceneDataParams, params, "localization.data")
    if data.scenes.objects[1] > 1:
        raise ValueError(
            "localization.data.scenes.objects must be at most [.., 1]: the "
            "localization pipeline handles one object per image."
        )
    for record in records or []:
        if len(record["boxes"]) > 1:
            raise ValueError(
                f"{record['name']}: {len(record['boxes'])} objects, but "
                "localization takes one object (or none) per image."
            )
        if np.isnan(np.asarray(record["keypoints"], dtype=np.float64)).any():
            raise ValueError(
                f"{record['name']}: the object needs its {N_KEYPOINTS} visible "
                "keypoints for the landmark head."
            )
    if not records:
        logger.info(
            "data/01_raw/localization is empty: drawing %d default scenes of %s px.",
            data.count,
            data.scenes.image_size,
        )
    return scene_set(records, photos, data, seed, "localization")


def split_scenes(
    scenes: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict]:
    """Seeded train/val/test split and a report of the sizes."""
    data = parse(SceneDataParams, params, "localization.data")
    return split_scene_set(scenes, data.split, seed)


def encode_targets(data: dict[str, np.ndarray], num_classes: int) -> np.ndarray:
    """Packed scenes → ``y`` per image ``[p_c, b_x, b_y, b_h, b_w, c…, l_x, l_y …]``,
    box and landmarks as shares of the image side (zeros where ``p_c = 0``)."""
    size = tuple(int(v) for v in data["image_size"])
    y = np.zeros(
        (len(data["images"]), layout(num_classes, N_KEYPOINTS)["landmarks"].stop), dtype=np.float32
    )
    for i in range(len(y)):
        mine = data["box_image"] == i
        y[i] = encode_one(
            data["boxes"][mine],
            data["box_classes"][mine],
            data["keypoints"][mine],
            size,
            num_classes,
        )
    return y


def encode_one(
    boxes: np.ndarray,
    classes: np.ndarray,
    keypoints: np.ndarray,
    image_size: tuple[int, int],
    num_classes: int,
) -> np.ndarray:
    """The target ``y`` of one image holding no object or one."""
    height, width = image_size
    parts = layout(num_classes, N_KEYPOINTS)
    y = np.zeros(parts["landmarks"].stop, dtype=np.float32)
    if len(boxes):
        y[0] = 1.0
        y[parts["box"]] = corners_to_center(boxes[0]) / [width, height, height, width]
        y[5 + int(classes[0])] = 1.0
        y[parts["landmarks"]] = (np.asarray(keypoints[0]) / [width, height]).reshape(-1)
    return y


def decode_outputs(
    y: np.ndarray, image_size: tuple[int, int], num_classes: int
) -> dict[str, np.ndarray]:
    """``y`` → ``p_c``, corner boxes and landmarks in pixels, classes, class scores."""
    height, width = image_size
    parts = layout(num_classes, N_KEYPOINTS)
    y = np.asarray(y, dtype=np.float64)
    return {
        "p_c": y[:, 0],
        "boxes": center_to_corners(y[:, parts["box"]] * [width, height, height, width]),
        "classes": np.argmax(y[:, parts["classes"]], axis=1),
        "class_scores": np.max(y[:, parts["classes"]], axis=1),
        "landmarks": y[:, parts["landmarks"]].reshape(len(y), N_KEYPOINTS, 2) * [width, height],
    }


def plot_examples(train: dict[str, np.ndarray], classes: list[str], count: int = 16) -> Figure:
    """Training scenes with box and landmarks (empty scenes have none)."""
    pictures, captions = [], []
    for i in range(min(count, len(train["images"]))):
        mine = train["box_image"] == i
        pictures.append(
            plotting.draw_boxes(
                train["images"][i],
                train["boxes"][mine],
                [],
                train["box_classes"][mine],
                scale=3,
                points=train["keypoints"][mine],
            )
        )
        captions.append(classes[int(train["box_classes"][mine][0])] if mine.any() else "no object")
    return plotting.image_grid(
        np.stack(pictures), captions, columns=8, title="Training scenes: box and landmarks"
    )


# ------------------------------------------------------------------------------- training
def train_localizer(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    classes: list[str],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the localiser with the composite loss (early stopping on ``val_loss``).

    Every epoch sees each training scene shifted and with its colour channels permuted
    at random (no mirror: it would swap left and right landmarks).
    """
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback
    from dl_pipelines.pipelines.localization.model import build_localizer, localization_loss
    from dl_pipelines.runtime.seeding import seed_everything
    from dl_pipelines.vision.scene_batches import SceneBatches

    arch = parse(ModelParams, model_params, "localization.model")
    config = parse(TrainingParams, training_params, "localization.training")
    seed_everything(seed)
    model = build_localizer(
        tuple(int(v) for v in train["image_size"]),
        len(classes),
        N_KEYPOINTS,
        arch.filters,
        arch.dense_units,
        arch.dropout,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=localization_loss(
            len(classes), N_KEYPOINTS, config.box_weight, config.landmark_weight
        ),
    )
    size = tuple(int(v) for v in train["image_size"])
    batches = SceneBatches(
        train,
        lambda boxes, labels, _mask, points: encode_one(boxes, labels, points, size, len(classes)),
        config.batch_size,
        seed,
        config.max_shift_px,
        augment=config.augment,
        flip=False,
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
        validation_data=(val["images"].astype("float32"), encode_targets(val, len(classes))),
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
    """Training and validation loss per epoch."""
    return plotting.training_curves(history, title="localization training")


# ----------------------------------------------------------------------------- evaluation
def evaluate_localizer(
    model: Any, test: dict[str, np.ndarray], classes: list[str], params: dict[str, Any]
) -> tuple[dict, dict[str, Any], dict]:
    """``loc_mean_iou``, ``loc_class_accuracy``, ``landmark_mean_error_px`` (over images
    with an object) and ``loc_pc_accuracy`` (object / no object, over all images)."""
    config = parse(EvaluationParams, params, "localization.evaluation")
    size = tuple(int(v) for v in test["image_size"])
    raw = np.asarray(model.predict(test["images"].astype("float32"), batch_size=128, verbose=0))
    out = decode_outputs(raw, size, len(classes))
    has_object = np.zeros(len(raw), dtype=bool)
    has_object[test["box_image"]] = True
    index = test["box_image"]
    ious = iou(out["boxes"][index], test["boxes"])
    errors = np.linalg.norm(out["landmarks"][index] - test["keypoints"], axis=-1)
    figures = {
        "loc_mean_iou": float(np.mean(ious)) if len(index) else float("nan"),
        "loc_class_accuracy": float(np.mean(out["classes"][index] == test["box_classes"]))
        if len(index)
        else float("nan"),
        "landmark_mean_error_px": float(np.mean(errors)) if len(index) else float("nan"),
        "loc_pc_accuracy": float(np.mean((out["p_c"] >= config.p_c_threshold) == has_object)),
        "loc_iou_above_05": float(np.mean(ious > 0.5)) if len(index) else float("nan"),
    }
    logger.info("Test: %s", ", ".join(f"{k}={v:.4f}" for k, v in figures.items()))
    report = {
        "metrics": figures,
        "n_test": int(len(raw)),
        "n_objects": int(len(index)),
        "p_c_threshold": config.p_c_threshold,
    }
    return as_mlflow_metrics(figures), report, out


def plot_predictions(
    test: dict[str, np.ndarray],
    predictions: dict[str, np.ndarray],
    classes: list[str],
    params: dict[str, Any],
) -> Figure:
    """Test scenes with the predicted box, class and landmarks (when ``p_c`` ≥ threshold)."""
    config = parse(EvaluationParams, params, "localization.evaluation")
    pictures, captions = [], []
    for i in range(min(config.sample_grid_size, len(test["images"]))):
        found = predictions["p_c"][i] >= config.p_c_threshold
        label = int(predictions["classes"][i])
        pictures.append(
            plotting.draw_boxes(
                test["images"][i],
                predictions["boxes"][i : i + 1] if found else np.zeros((0, 4)),
                [],
                [label],
                scale=3,
                points=predictions["landmarks"][i : i + 1] if found else None,
            )
        )
        captions.append(
            f"{classes[label]} p_c={predictions['p_c'][i]:.2f}"
            if found
            else f"none p_c={predictions['p_c'][i]:.2f}"
        )
    return plotting.image_grid(
        np.stack(pictures), captions, columns=6, title="Test predictions: box, class, landmarks"
    )
