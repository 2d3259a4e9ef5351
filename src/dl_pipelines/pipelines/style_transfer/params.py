"""The ``style_transfer`` and ``style_transfer_apply`` parameters as typed dataclasses.

Each section is validated by :func:`dl_pipelines.runtime.config.parse` in the node that
uses it; ``style_transfer.pairs`` is checked against the images there are by
:func:`chosen_pairs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dl_pipelines.pipelines.style_transfer.painting import PAINTERS
from dl_pipelines.runtime.config import parse

#: Initialisations of the generated image.
INITS = ("content", "noise", "content_noise")
OPTIMIZERS = ("adam", "lbfgs")
#: How ``style_transfer_apply`` stylises: ``auto`` picks the stylizer when it is trained
#: for the requested style, else the optimisation.
APPLY_METHODS = ("auto", "optimise", "stylizer")


@dataclass(frozen=True)
class ImagesParams:
    """``style_transfer.images``."""

    image_size: int
    min_input_size: int
    painted_styles: tuple[str, ...]
    painted_size: int

    def __post_init__(self) -> None:
        if self.image_size < 16:
            raise ValueError(f"image_size must be at least 16 px, got {self.image_size}")
        if self.min_input_size < 1 or self.painted_size < 64:
            raise ValueError("min_input_size must be >= 1 and painted_size >= 64")
        unknown = sorted(set(self.painted_styles) - set(PAINTERS))
        if unknown:
            raise ValueError(
                f"unknown painted style(s) {unknown}; the painters are {sorted(PAINTERS)}"
            )


@dataclass(frozen=True)
class CostParams:
    """``style_transfer.cost``: layers and weights of J(G)."""

    content_layers: tuple[str, ...]
    style_layers: dict
    alpha: float
    beta: float
    tv_weight: float

    def __post_init__(self) -> None:
        if not self.content_layers or not self.style_layers:
            raise ValueError("content_layers and style_layers must not be empty")
        if min(self.alpha, self.beta, self.tv_weight) < 0:
            raise ValueError("alpha, beta and tv_weight must be >= 0")
        for layer, weight in self.style_layers.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                raise ValueError(
                    f"style layer weight λ of '{layer}' must be a number >= 0, got {weight!r}"
                )


@dataclass(frozen=True)
class OptimisationParams:
    """``style_transfer.optimisation``: gradient descent on the pixels."""

    optimizer: str
    learning_rate: float
    steps: int
    init: str
    noise: float
    log_every: int
    snapshot_every: int

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got '{self.optimizer}'")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got '{self.init}'")
        if self.steps < 1 or self.learning_rate <= 0 or self.noise < 0:
            raise ValueError("steps must be >= 1, learning_rate > 0 and noise >= 0")
        if self.log_every < 1 or self.snapshot_every < 1:
            raise ValueError("log_every and snapshot_every must be >= 1")


@dataclass(frozen=True)
class StylizerParams:
    """``style_transfer.stylizer``: the feed-forward image-transform network."""

    style: str
    crop_size: int
    crop_fraction: tuple[float, float]
    batch_size: int
    steps: int
    learning_rate: float
    filters: tuple[int, int, int]
    residual_blocks: int
    log_every: int
    timing_repeats: int = 3

    def __post_init__(self) -> None:
        if self.crop_size < 16 or self.crop_size % 4:
            raise ValueError(f"crop_size must be a multiple of 4, >= 16, got {self.crop_size}")
        if not 0 < self.crop_fraction[0] <= self.crop_fraction[1] <= 1:
            raise ValueError("crop_fraction must be [low, high] with 0 < low <= high <= 1")
        if min(self.batch_size, self.steps, self.log_every, self.timing_repeats) < 1:
            raise ValueError("batch_size, steps, log_every and timing_repeats must be >= 1")
        if self.learning_rate <= 0 or min(self.filters) < 1 or self.residual_blocks < 0:
            raise ValueError("learning_rate > 0, filters >= 1 and residual_blocks >= 0")


@dataclass(frozen=True)
class ApplyParams:
    """``style_transfer_apply``."""

    content: str
    style: str
    image_size: int
    output_format: str = "png"
    method: str = "auto"

    def __post_init__(self) -> None:
        if self.method not in APPLY_METHODS:
            raise ValueError(
                f"method must be one of {APPLY_METHODS} (`--params method=…`), got '{self.method}'"
            )
        if not self.style:
            raise ValueError(
                "style must be a style name or an image path (`--params style=<name or path>`)"
            )
        if self.image_size < 16:
            raise ValueError(f"image_size must be at least 16 px, got {self.image_size}")
        if self.output_format not in ("png", "jpg"):
            raise ValueError(f"output_format must be png or jpg, got '{self.output_format}'")


@dataclass(frozen=True)
class _Pairs:
    pairs: tuple[tuple[str, str], ...]


def chosen_pairs(raw: Any, contents: Mapping, styles: Mapping) -> list[tuple[str, str]]:
    """``style_transfer.pairs`` as ``[(content, style), …]``, checked against the images.

    Raises:
        ParameterError: when a pair is not two names.
        ValueError: when the list is empty or names an image there is not.
    """
    pairs = list(parse(_Pairs, {"pairs": raw}, "style_transfer").pairs)
    if not pairs:
        raise ValueError("style_transfer.pairs is empty: list [content, style] pairs to render.")
    for content, style in pairs:
        if content not in contents:
            raise ValueError(
                f"Unknown content image '{content}' in style_transfer.pairs; the "
                f"content images are {sorted(contents)} (file names without "
                "ending, from data/01_raw/style_transfer/content/ and the "
                "defaults)."
            )
        if style not in styles:
            raise ValueError(
                f"Unknown style '{style}' in style_transfer.pairs; the styles are "
                f"{sorted(styles)} (file names without ending, from "
                "data/01_raw/style_transfer/style/ and the defaults)."
            )
    return pairs


def stylizer_pairs(config: StylizerParams, pairs: list[tuple[str, str]]) -> list[str]:
    """The content images of the pairs in the stylizer's style (held out of its training).

    Raises:
        ValueError: when no pair is in ``style_transfer.stylizer.style``.
    """
    held_out = [content for content, style in pairs if style == config.style]
    if not held_out:
        raise ValueError(
            f"style_transfer.stylizer.style '{config.style}' is the style of no "
            f"pair in style_transfer.pairs {pairs}: the stylizer is compared "
            "with the optimisation on those pairs. Use one of "
            f"{sorted({s for _, s in pairs})}."
        )
    return held_out


def pair_name(content: str, style: str) -> str:
    """``astronaut__swirls``: the pair's file name and MLflow metric prefix."""
    return f"{content}__{style}"
