"""Random variants of labelled scenes for training, and the training keys that ask for them.

:func:`augment_scene` mirrors, shifts and recolours one scene with its labels moved
along exactly; :class:`~dl_pipelines.vision.scene_batches.SceneBatches` applies it
afresh every epoch. :class:`SceneFitParams` is the ``training`` section of a pipeline
that trains on scenes (``localization``, ``detection``, ``segmentation``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_pipelines.nn.training import BatchFitParams


@dataclass(frozen=True, kw_only=True)
class SceneFitParams(BatchFitParams):
    """:class:`~dl_pipelines.nn.training.BatchFitParams` of a model trained on scenes.

    Attributes:
        augment: Show every training scene in a new random variant each epoch
            (:func:`augment_scene`); without, the scenes are used as they are.
        max_shift_px: Largest shift of a variant, in pixels (boxes never leave the
            image).
    """

    augment: bool
    max_shift_px: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_shift_px < 0:
            raise ValueError(f"max_shift_px must be >= 0, got {self.max_shift_px}")


def augment_scene(
    image: np.ndarray,
    mask: np.ndarray,
    boxes: np.ndarray,
    rng: np.random.Generator,
    max_shift: int = 0,
    flip: bool = True,
    permute_channels: bool = True,
    keypoints: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One random variant of a labelled scene whose labels stay exact.

    * a left-right mirror (probability ½; leave ``flip`` off when keypoint order
      matters: a mirror turns a shape's left corner into its right one);
    * a shift by up to ``max_shift`` pixels in x and y, never pushing a box out of the
      image, the uncovered border filled by repeating the edge pixels (mask: background);
    * a random permutation of the colour channels (shape classes do not depend on colour).

    Returns:
        The image, the mask, the corner boxes and the keypoints ``(n, k, 2)`` (empty when
        none were given), moved with the image.
    """
    height, width = image.shape[:2]
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4).copy()
    keypoints = (
        np.zeros((len(boxes), 0, 2), dtype=np.float32)
        if keypoints is None
        else np.asarray(keypoints, dtype=np.float32).copy()
    )
    if flip and rng.random() < 0.5:
        image, mask = image[:, ::-1], mask[:, ::-1]
        boxes[:, [0, 2]] = width - boxes[:, [2, 0]]
        keypoints[..., 0] = width - keypoints[..., 0]
    if max_shift > 0:
        low_x = -int(np.floor(boxes[:, 0].min())) if len(boxes) else -max_shift
        high_x = int(np.floor(width - boxes[:, 2].max())) if len(boxes) else max_shift
        low_y = -int(np.floor(boxes[:, 1].min())) if len(boxes) else -max_shift
        high_y = int(np.floor(height - boxes[:, 3].max())) if len(boxes) else max_shift
        dx = int(rng.integers(max(-max_shift, low_x), min(max_shift, high_x) + 1))
        dy = int(rng.integers(max(-max_shift, low_y), min(max_shift, high_y) + 1))
        if dx or dy:
            pad = ((abs(dy), abs(dy)), (abs(dx), abs(dx)))
            padded = np.pad(image, (*pad, (0, 0)), mode="edge")
            padded_mask = np.pad(mask, pad, mode="constant")
            top, left = abs(dy) - dy, abs(dx) - dx
            image = padded[top : top + height, left : left + width]
            mask = padded_mask[top : top + height, left : left + width]
            boxes[:, [0, 2]] += dx
            boxes[:, [1, 3]] += dy
            keypoints += np.array([dx, dy], dtype=np.float32)
    if permute_channels:
        image = image[..., rng.permutation(3)]
    return np.ascontiguousarray(image), np.ascontiguousarray(mask), boxes, keypoints
