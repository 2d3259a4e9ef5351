"""Typed parameters of the ``image_classification`` pipeline (its YAML section).

The whole section is validated once per node with :func:`load_config`; a typo names
the YAML key and the file to fix. Training settings are layered: the common
``training`` block, then the chosen data set's ``per_dataset.<name>.training``, then
the member's own ``zoo.<member>.training``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dl_pipelines.nn.training import MONITORS, BatchFitParams
from dl_pipelines.runtime.config import ParameterError, parse

SECTION = "image_classification"
DATASETS = ("digits", "fashion_mnist")
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "cosine")
LOSSES = ("softmax", "svm")


@dataclass(frozen=True)
class DataParams:
    """``image_classification.data``."""

    validation_fraction: float
    digits_test_fraction: float
    fashion_mnist_classes: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("validation_fraction", "digits_test_fraction"):
            if not 0 < getattr(self, name) < 0.5:
                raise ValueError(f"{name} must be in (0, 0.5), got {getattr(self, name)}")
        if len(self.fashion_mnist_classes) != 10:
            raise ValueError("fashion_mnist_classes must name the 10 Fashion-MNIST classes")


@dataclass(frozen=True, kw_only=True)
class TrainingParams(BatchFitParams):
    """``image_classification.training`` (merged with the data set's and the member's).

    Besides the shared keys of :class:`~dl_pipelines.nn.training.BatchFitParams`:

    Attributes:
        optimizer: ``adam`` or ``sgd`` (with Nesterov momentum).
        momentum: SGD's momentum, in [0, 1).
        schedule: ``constant`` or ``cosine`` (decay to 0 over ``epochs``).
        monitor: ``val_loss`` or ``val_accuracy``, watched by early stopping.
        shift_pixels: Augmentation: random translation by up to this many pixels.
        horizontal_flip: Augmentation: random left-right mirror.
    """

    optimizer: str
    momentum: float
    schedule: str
    monitor: str
    shift_pixels: int
    horizontal_flip: bool

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got '{self.optimizer}'")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got '{self.schedule}'")
        if not 0 <= self.momentum < 1 or self.shift_pixels < 0:
            raise ValueError("momentum must be in [0, 1) and shift_pixels >= 0")
        if self.monitor not in MONITORS:
            raise ValueError(f"monitor must be one of {MONITORS}, got '{self.monitor}'")


@dataclass(frozen=True)
class MemberParams:
    """``image_classification.zoo.<member>``: one model of the zoo."""

    builder: str
    loss: str = "softmax"
    image_size: tuple[int, int] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from dl_pipelines.pipelines.image_classification.zoo import BUILDERS

        if self.builder not in BUILDERS:
            raise ValueError(f"builder must be one of {sorted(BUILDERS)}, got '{self.builder}'")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got '{self.loss}'")
        if self.image_size is not None and min(self.image_size) < 4:
            raise ValueError(f"image_size must be at least 4×4, got {self.image_size}")


@dataclass(frozen=True)
class DatasetParams:
    """``image_classification.per_dataset.<name>``."""

    models: tuple[str, ...]
    training: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluationParams:
    """``image_classification.evaluation``."""

    misclassified_grid: int

    def __post_init__(self) -> None:
        if self.misclassified_grid < 1:
            raise ValueError("misclassified_grid must be >= 1")


@dataclass(frozen=True)
class EdgeDetectionParams:
    """``image_classification.edge_detection``."""

    photo: str
    size: int

    def __post_init__(self) -> None:
        if not 16 <= self.size <= 1024:
            raise ValueError(f"size must be in [16, 1024], got {self.size}")


@dataclass(frozen=True)
class Config:
    """The whole ``image_classification`` section."""

    dataset: str
    models: tuple[str, ...] | str | None
    data: DataParams
    per_dataset: dict[str, Any]
    training: dict[str, Any]
    zoo: dict[str, Any]
    evaluation: EvaluationParams
    edge_detection: EdgeDetectionParams

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, got '{self.dataset}'")
        if isinstance(self.models, str) and self.models != "all":
            raise ValueError(
                f"models must be null, 'all' or a list of zoo members, got '{self.models}'"
            )


def load_config(raw: Any) -> Config:
    """Parse and cross-check ``params:image_classification``."""
    config = parse(Config, raw, SECTION)
    for name in DATASETS:
        if name not in config.per_dataset:
            raise ParameterError(
                f"Parameters: missing '{SECTION}.per_dataset.{name}'. Fix it in "
                f"conf/base/parameters_{SECTION}.yml."
            )
    for name in config.zoo:
        member(config, name)
    for name in selected_members(config):
        if name not in config.zoo:
            raise ParameterError(
                f"Parameter '{SECTION}.models' names '{name}', which is not in "
                f"'{SECTION}.zoo' ({sorted(config.zoo)}). Fix it in "
                f"conf/base/parameters_{SECTION}.yml."
            )
        training(config, name)
    return config


def member(config: Config, name: str) -> MemberParams:
    """The parsed zoo entry ``name``."""
    return parse(MemberParams, config.zoo[name], f"{SECTION}.zoo.{name}")


def dataset_params(config: Config) -> DatasetParams:
    """The parsed ``per_dataset`` entry of the chosen data set."""
    return parse(
        DatasetParams, config.per_dataset[config.dataset], f"{SECTION}.per_dataset.{config.dataset}"
    )


def selected_members(config: Config) -> list[str]:
    """The members to train: ``models`` if given, every zoo member for ``all``, else the
    data set's default list."""
    if config.models == "all":
        return list(config.zoo)
    if config.models:
        return list(config.models)
    return list(dataset_params(config).models)


def entries_that_run(raw: Any) -> dict[str, list[str]]:
    """The zoo members and the ``per_dataset`` entry that a run of ``raw`` (the whole
    section) uses: what its MLflow run logs of those menus (``pipeline.py`` registers it
    with :func:`~dl_pipelines.tracking.application_runs.log_only_entries_that_run`)."""
    config = load_config(raw)
    return {"zoo": selected_members(config), "per_dataset": [config.dataset]}


def training(config: Config, name: str) -> TrainingParams:
    """Training settings of member ``name``: common ← data set ← member."""
    merged = {**config.training, **dataset_params(config).training, **member(config, name).training}
    return parse(TrainingParams, merged, f"{SECTION}.training (for member '{name}')")
