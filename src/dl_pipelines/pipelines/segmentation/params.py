"""The parameters of the ``segmentation`` pipeline (``conf/base/parameters_segmentation.yml``).

The ``segmentation.data`` section is a
:class:`dl_pipelines.vision.scenes.SceneDataParams`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dl_pipelines.vision.scene_augment import SceneFitParams


@dataclass(frozen=True)
class ModelParams:
    """``segmentation.model``.

    Attributes:
        depth: Max-pool / transpose-convolution steps of the U-Net, 1 to 6 (the image
            side must be divisible by ``2**depth``).
        width: Filters of the top level, doubled at every level down.
    """

    depth: int
    width: int

    def __post_init__(self) -> None:
        if not 1 <= self.depth <= 6 or self.width < 1:
            raise ValueError(
                f"depth must be in 1..6 and width >= 1, got {self.depth}, {self.width}"
            )


@dataclass(frozen=True, kw_only=True)
class TrainingParams(SceneFitParams):
    """``segmentation.training``: the keys of :class:`SceneFitParams` and the loss weight.

    Attributes:
        dice_weight: The loss is per-pixel cross-entropy + ``dice_weight`` · (1 − Dice).
    """

    dice_weight: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.dice_weight < 0:
            raise ValueError(f"dice_weight must be >= 0, got {self.dice_weight}")
