"""The sections of ``conf/base/parameters_day_night.yml`` as typed, checked dataclasses.

The nodes parse their ``params:`` inputs with :func:`dl_pipelines.runtime.config.parse`
into these classes; a bad value stops the run before its first node, naming the key and
the file. The renderers' own sections (``default_data.day`` / ``night`` /
``lit_night`` / ``shaded_day``) live beside their renderers in ``rendering.py`` and
``lit_scenes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dl_pipelines.nn.training import BatchFitParams
from dl_pipelines.pipelines.day_night.heldout_scenes import SCENE_KINDS
from dl_pipelines.pipelines.day_night.lit_scenes import LitNightModel, ShadedDayModel
from dl_pipelines.pipelines.day_night.rendering import DayModel, NightModel

#: How the CNN's last feature map becomes one vector: its mean over the image
#: (``average``), or its mean and its maximum side by side (``average_max``): the maximum
#: keeps a strong local cue (a lamp, a patch of black sky) that the mean over a frame
#: filled by a bright subject dilutes.
POOLINGS = ("average", "average_max")


def _check_fraction_range(name: str, value: tuple[float, float]) -> None:
    if not 0 < value[0] <= value[1] <= 1:
        raise ValueError(f"{name} must be [low, high] with 0 < low <= high <= 1")


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
        _check_fraction_range("crop_fraction", self.crop_fraction)


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
    """``day_night.model``: the shallow CNN of ``model.py``."""

    filters: tuple[int, ...]
    kernel_size: int
    dense_units: int
    dropout: float
    pooling: str = "average"

    def __post_init__(self) -> None:
        if not self.filters or min(self.filters) < 1:
            raise ValueError("filters must be a non-empty list of positive integers")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {list(POOLINGS)}, got {self.pooling!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True, kw_only=True)
class TrainingParams(BatchFitParams):
    """``day_night.training``: the shared keys of :class:`BatchFitParams` and the input.

    Attributes:
        horizontal_flip: Flip each training image left-right with probability 1/2.
        prefetch_batches: Batches prepared ahead while the model trains.
        input_workers: Threads preparing batches (1: on demand).
    """

    horizontal_flip: bool
    prefetch_batches: int
    input_workers: int = 1


@dataclass(frozen=True)
class EvaluationParams:
    """``day_night.evaluation``."""

    threshold: float
    sample_grid_size: int

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")


@dataclass(frozen=True)
class HeldoutParams:
    """``day_night.heldout``: the held-out set, fixed by its own seed."""

    seed: int
    scenes_per_kind: int
    kinds: tuple[str, ...]
    supersample: int
    photos: dict[str, str]
    photo_crops: int
    crop_fraction: tuple[float, float]
    grid_size: int

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(SCENE_KINDS))
        if unknown:
            raise ValueError(f"kinds {unknown} are not scene kinds {sorted(SCENE_KINDS)}")
        if self.scenes_per_kind < 0 or self.photo_crops < 0 or self.supersample < 1:
            raise ValueError("scenes_per_kind and photo_crops must be >= 0, supersample >= 1")
        _check_fraction_range("crop_fraction", self.crop_fraction)
        if self.grid_size < 1:
            raise ValueError(f"grid_size must be >= 1, got {self.grid_size}")
