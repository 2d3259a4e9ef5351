"""Nodes of the ``detection`` pipeline: scenes → split → anchors → train → mAP → pictures.

Pure functions; Keras is imported inside the training and prediction nodes only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.pipelines.detection.yolo import decode, encode_targets
from dl_pipelines.runtime.config import parse
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.boxes import (
    COCO_IOU_THRESHOLDS,
    Detections,
    corners_to_center,
    kmeans_anchors,
    mean_average_precision,
    nms_per_class,
)
from dl_pipelines.vision.images import resize
from dl_pipelines.vision.scenes import (
    SceneDataParams,
    boxes_of,
    scene_set,
    split_scene_set,
)

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class ModelParams:
    """``detection.model``."""

    grid: int
    anchors: int
    filters: tuple[int, ...]
    head_filters: int

    def __post_init__(self) -> None:
        if self.grid < 1 or self.anchors < 1 or not self.filters or self.head_filters < 1:
            raise ValueError("grid, anchors and head_filters must be >= 1, filters non-empty")


@dataclass(frozen=True)
class TrainingParams:
    """``detection.training``."""

    epochs: int
    batch_size: int
    learning_rate: float
    lambda_coord: float
    lambda_noobj: float
    augment: bool
    max_shift_px: int
    early_stopping_patience: int
    verbose: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs and batch_size must be >= 1 and learning_rate > 0")


@dataclass(frozen=True)
class EvaluationParams:
    """``detection.evaluation``."""

    score_threshold: float
    nms_iou_threshold: float
    map_score_threshold: float
    sample_grid_size: int

    def __post_init__(self) -> None:
        for name in ("score_threshold", "nms_iou_threshold", "map_score_threshold"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")


# ----------------------------------------------------------------------------------- data
def make_scenes(
    records: list | None, photos: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> dict[str, np.ndarray]:
    """The user's COCO-style data set resized to the model size, or the default scenes."""
    data = parse(SceneDataParams, params, "detection.data")
    if not records:
        logger.info(
            "data/01_raw/detection is empty: drawing %d default scenes of %s px over "
            "%d real photos.",
            data.count,
            data.scenes.image_size,
            len(photos),
        )
    scenes = scene_set(records, photos, data, seed, "detection")
    logger.info("%d images with %d boxes.", len(scenes["images"]), len(scenes["boxes"]))
    return scenes


def split_scenes(
    scenes: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict]:
    """Seeded train/val/test split and a report of the sizes."""
    data = parse(SceneDataParams, params, "detection.data")
    return split_scene_set(scenes, data.split, seed)


def plot_examples(train: dict[str, np.ndarray], classes: list[str], count: int = 16) -> Figure:
    """Training scenes with their ground-truth boxes."""
    pictures = []
    for i in range(min(count, len(train["images"]))):
        boxes, labels = boxes_of(train, i)
        pictures.append(
            plotting.draw_boxes(
                train["images"][i], boxes, [classes[c] for c in labels], labels, scale=3
            )
        )
    return plotting.image_grid(
        np.stack(pictures), columns=8, title="Training scenes with their boxes"
    )


def fit_anchors(
    train: dict[str, np.ndarray], model_params: dict[str, Any], classes: list[str], seed: int
) -> dict[str, Any]:
    """Anchor shapes by k-means (1 − IoU) on the training boxes, with what decoding needs."""
    arch = parse(ModelParams, model_params, "detection.model")
    anchors = kmeans_anchors(
        corners_to_center(train["boxes"])[:, 2:4], arch.anchors, rng(seed, "anchors")
    )
    logger.info("Anchors (h, w) px: %s", ", ".join(f"({h:.1f}, {w:.1f})" for h, w in anchors))
    return {
        "anchors_hw": np.round(anchors, 3).tolist(),
        "grid": arch.grid,
        "image_size": [int(v) for v in train["image_size"]],
        "classes": list(classes),
    }


def encode_split(data: dict[str, np.ndarray], spec: dict[str, Any]) -> tuple[np.ndarray, int]:
    """Targets ``(n, S, S, B, 5 + C)`` of every image, and how many boxes found no free slot."""
    targets, dropped = [], 0
    for i in range(len(data["images"])):
        boxes, labels = boxes_of(data, i)
        target, lost = encode_targets(
            boxes,
            labels,
            tuple(spec["image_size"]),
            spec["grid"],
            np.asarray(spec["anchors_hw"]),
            len(spec["classes"]),
        )
        targets.append(target)
        dropped += lost
    return np.stack(targets), dropped


# ------------------------------------------------------------------------------- training
def train_detector(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    spec: dict[str, Any],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the YOLO-style detector with the YOLO loss (early stopping on ``val_loss``).

    Every epoch sees each training scene in a new random variant (mirror, shift,
    colour-channel permutation; ``detection.training.augment``), its targets re-encoded.
    """
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback
    from dl_pipelines.pipelines.detection.yolo import build_detector, yolo_loss
    from dl_pipelines.runtime.seeding import seed_everything
    from dl_pipelines.vision.scene_batches import SceneBatches

    arch = parse(ModelParams, model_params, "detection.model")
    config = parse(TrainingParams, training_params, "detection.training")
    seed_everything(seed)

    def targets(
        boxes: np.ndarray, classes: np.ndarray, _mask: np.ndarray, _keypoints: np.ndarray
    ) -> np.ndarray:
        return encode_targets(
            boxes,
            classes,
            tuple(spec["image_size"]),
            spec["grid"],
            np.asarray(spec["anchors_hw"]),
            len(spec["classes"]),
        )[0]

    batches = SceneBatches(
        train, targets, config.batch_size, seed, config.max_shift_px, augment=config.augment
    )
    val_targets, dropped = encode_split(val, spec)
    if dropped:
        logger.warning("%d validation boxes share a cell and anchor with another box.", dropped)
    model = build_detector(
        tuple(spec["image_size"]),
        arch.grid,
        arch.anchors,
        len(spec["classes"]),
        arch.filters,
        arch.head_filters,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=yolo_loss(config.lambda_coord, config.lambda_noobj),
    )
    logger.info(
        "Training %s (%d parameters) on %d images, validating on %d.",
        model.name,
        model.count_params(),
        len(train["images"]),
        len(val_targets),
    )
    history = model.fit(
        batches,
        validation_data=(val["images"].astype("float32"), val_targets),
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
    """Training and validation YOLO loss per epoch."""
    return plotting.training_curves(history, title="detection training")


# ----------------------------------------------------------------------------- evaluation
def detect(
    model: Any,
    images: np.ndarray,
    spec: dict[str, Any],
    score_threshold: float,
    nms_iou_threshold: float,
) -> list[Detections]:
    """Boxes of a batch of model-size images: decode, drop low scores, per-class NMS."""
    if len(images) == 0:
        return []
    raw = np.asarray(model.predict(np.asarray(images, dtype="float32"), batch_size=128, verbose=0))
    anchors = np.asarray(spec["anchors_hw"])
    results = []
    for output in raw:
        boxes, scores, classes = decode(output, tuple(spec["image_size"]), anchors)
        keep = scores >= score_threshold
        boxes, scores, classes = boxes[keep], scores[keep], classes[keep]
        kept = nms_per_class(boxes, scores, classes, nms_iou_threshold)
        results.append(Detections(boxes[kept], classes[kept], scores[kept]))
    return results


def evaluate_detector(
    model: Any, test: dict[str, np.ndarray], spec: dict[str, Any], params: dict[str, Any]
) -> tuple[dict, dict[str, Any], list]:
    """mAP@0.5 (``det_map50``) and mAP@[.5:.95] (``det_map``) on the test split."""
    config = parse(EvaluationParams, params, "detection.evaluation")
    truths = [Detections(*boxes_of(test, i)) for i in range(len(test["images"]))]
    predictions = detect(
        model, test["images"], spec, config.map_score_threshold, config.nms_iou_threshold
    )
    n_classes = len(spec["classes"])
    figures = {
        "det_map50": mean_average_precision(predictions, truths, n_classes, (0.5,)),
        "det_map": mean_average_precision(predictions, truths, n_classes, COCO_IOU_THRESHOLDS),
    }
    per_class = {
        name: mean_average_precision(
            [
                Detections(
                    p.boxes[p.classes == c], p.classes[p.classes == c], p.scores[p.classes == c]
                )
                for p in predictions
            ],
            [Detections(t.boxes[t.classes == c], t.classes[t.classes == c]) for t in truths],
            n_classes,
            (0.5,),
        )
        for c, name in enumerate(spec["classes"])
    }
    logger.info(
        "Test: det_map50=%.4f det_map=%.4f; AP50 per class %s",
        figures["det_map50"],
        figures["det_map"],
        {k: round(v, 3) for k, v in per_class.items()},
    )
    report = {
        "metrics": figures,
        "ap50_per_class": per_class,
        "n_test": len(truths),
        "n_boxes": int(sum(len(t.classes) for t in truths)),
        "map_score_threshold": config.map_score_threshold,
        "nms_iou_threshold": config.nms_iou_threshold,
    }
    shown = [
        Detections(
            p.boxes[p.scores >= config.score_threshold],
            p.classes[p.scores >= config.score_threshold],
            p.scores[p.scores >= config.score_threshold],
        )
        for p in predictions
    ]
    return as_mlflow_metrics(figures), report, shown


def plot_detections(
    test: dict[str, np.ndarray], predictions: list, spec: dict[str, Any], params: dict[str, Any]
) -> Figure:
    """Test scenes with the predicted boxes (class and score) above the score threshold."""
    config = parse(EvaluationParams, params, "detection.evaluation")
    classes = spec["classes"]
    pictures = [
        plotting.draw_boxes(
            test["images"][i],
            p.boxes,
            [f"{classes[c]} {s:.2f}" for c, s in zip(p.classes, p.scores, strict=True)],
            p.classes,
            scale=3,
        )
        for i, p in enumerate(predictions[: config.sample_grid_size])
    ]
    return plotting.image_grid(
        np.stack(pictures),
        columns=6,
        title=f"Test predictions (score ≥ {config.score_threshold}, after per-class NMS)",
    )


# ----------------------------------------------------------------------------- prediction
def detect_folder(
    model: Any, spec: dict[str, Any], images: dict[str, np.ndarray], params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Detect objects in every image of a folder.

    Returns:
        ``boxes.csv`` rows ``file, class, score, x_min, y_min, x_max, y_max`` in the
        pixels of the original image, and ``{name: annotated PNG}`` pictures.
    """
    from PIL import Image

    config = parse(EvaluationParams, params, "detection.evaluation")
    if not images:
        raise ValueError(
            "The predict folder holds no image: pass a folder of JPEG/PNG "
            "files with `--params input_dir=<folder>`."
        )
    size = tuple(spec["image_size"])
    files = list(images)
    batch = np.stack([resize(images[f], size) for f in files])
    found = detect(model, batch, spec, config.score_threshold, config.nms_iou_threshold)
    rows, pictures = [], {}
    for file, detections in zip(files, found, strict=True):
        height, width = images[file].shape[:2]
        scale = np.array([width / size[1], height / size[0]] * 2)
        boxes = detections.boxes * scale
        for box, label, score in zip(boxes, detections.classes, detections.scores, strict=True):
            rows.append(
                {
                    "file": file,
                    "class": spec["classes"][int(label)],
                    "score": round(float(score), 4),
                    **{
                        k: round(float(v), 1)
                        for k, v in zip(("x_min", "y_min", "x_max", "y_max"), box, strict=True)
                    },
                }
            )
        labels = [
            f"{spec['classes'][c]} {s:.2f}"
            for c, s in zip(detections.classes, detections.scores, strict=True)
        ]
        drawn = plotting.draw_boxes(images[file], boxes, labels, detections.classes)
        pictures[file.rsplit(".", 1)[0]] = Image.fromarray(drawn)
    logger.info("%d boxes in %d images.", len(rows), len(files))
    table = pd.DataFrame(
        rows, columns=["file", "class", "score", "x_min", "y_min", "x_max", "y_max"]
    )
    return table, pictures
