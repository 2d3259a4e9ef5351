"""The parameters of the ``detection`` pipeline (``conf/base/parameters_detection.yml``).

The ``detection.data`` section is a :class:`dl_pipelines.vision.scenes.SceneDataParams`;
``detection_predict`` reads ``detection.evaluation``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dl_pipelines.vision.scene_augment import SceneFitParams


@dataclass(frozen=True)
class ModelParams:
    """``detection.model``.

    Attributes:
        grid: S, the side of the output grid: the image side over ``2**len(filters)``.
        anchors: B, anchor boxes per cell (shapes by k-means on the training boxes).
        filters: Channels of each ``conv → BN → ReLU → max-pool`` stage.
        head_filters: Channels of the 3×3 convolution before the output.
    """

    grid: int
    anchors: int
    filters: tuple[int, ...]
    head_filters: int

    def __post_init__(self) -> None:
        if self.grid < 1 or self.anchors < 1 or not self.filters or self.head_filters < 1:
            raise ValueError("grid, anchors and head_filters must be >= 1, filters non-empty")


@dataclass(frozen=True, kw_only=True)
class TrainingParams(SceneFitParams):
    """``detection.training``: the keys of :class:`SceneFitParams` and the loss weights.

    Attributes:
        lambda_coord: YOLO loss weight of the box terms.
        lambda_noobj: YOLO loss weight of ``p_c`` on slots without an object.
    """

    lambda_coord: float
    lambda_noobj: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.lambda_coord < 0 or self.lambda_noobj < 0:
            raise ValueError(
                "lambda_coord and lambda_noobj must be >= 0, got "
                f"{self.lambda_coord} and {self.lambda_noobj}"
            )


@dataclass(frozen=True)
class EvaluationParams:
    """``detection.evaluation`` (also read by ``detection_predict``).

    Attributes:
        score_threshold: ``p_c · p(class)`` a box needs to be reported or drawn.
        nms_iou_threshold: IoU above which per-class non-max suppression drops the
            lower-scored of two boxes.
        map_score_threshold: The lowest score kept for the mAP's precision-recall curves.
        sample_grid_size: Test images drawn in the predictions figure.
    """

    score_threshold: float
    nms_iou_threshold: float
    map_score_threshold: float
    sample_grid_size: int

    def __post_init__(self) -> None:
        for name in ("score_threshold", "nms_iou_threshold", "map_score_threshold"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
