"""The scenes of ``localization``: one object (or none) per image, with its 4 landmarks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.scenes import N_KEYPOINTS, SceneDataParams, scene_set


def localization_scenes(
    records: Sequence[Mapping] | None,
    photos: Mapping[str, np.ndarray],
    data: SceneDataParams,
    seed: int,
) -> dict[str, np.ndarray]:
    """The user's COCO-style set resized to the model size, or the default scenes.

    Raises:
        ValueError: when the default scenes may hold several objects, or a record has
            more than one object or an object without its keypoints (naming the file).
    """
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
    return scene_set(records, photos, data, seed, "localization")


def examples_figure(train: dict[str, np.ndarray], classes: list[str], count: int) -> Figure:
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
