"""The parameters of the ``localization`` pipeline (``conf/base/parameters_localization.yml``).

The ``localization.data`` section is a :class:`dl_pipelines.vision.scenes.SceneDataParams`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dl_pipelines.vision.scene_augment import SceneFitParams


@dataclass(frozen=True)
class ModelParams:
    """``localization.model``.

    Attributes:
        filters: Channels of each ``conv → BN → ReLU → max-pool`` stage.
        dense_units: Width of the dense layer before the four heads.
        dropout: Dropout rate before the dense layer, in [0, 1).
    """

    filters: tuple[int, ...]
    dense_units: int
    dropout: float

    def __post_init__(self) -> None:
        if not self.filters or min(self.filters) < 1 or self.dense_units < 1:
            raise ValueError("filters must be positive integers and dense_units >= 1")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True, kw_only=True)
class TrainingParams(SceneFitParams):
    """``localization.training``: the keys of :class:`SceneFitParams` and the loss weights.

    Attributes:
        box_weight: Weight of the box's squared error in the composite loss.
        landmark_weight: Weight of the landmarks' squared error.
    """

    box_weight: float
    landmark_weight: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.box_weight < 0 or self.landmark_weight < 0:
            raise ValueError(
                "box_weight and landmark_weight must be >= 0, got "
                f"{self.box_weight} and {self.landmark_weight}"
            )


@dataclass(frozen=True)
class EvaluationParams:
    """``localization.evaluation``.

    Attributes:
        p_c_threshold: ``p_c`` at or above which an image is said to hold an object.
        sample_grid_size: Test images drawn in the predictions figure.
    """

    p_c_threshold: float
    sample_grid_size: int

    def __post_init__(self) -> None:
        if not 0 < self.p_c_threshold < 1:
            raise ValueError(f"p_c_threshold must be in (0, 1), got {self.p_c_threshold}")
