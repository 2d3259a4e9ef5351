"""The notes' target vector of one image, packed scenes → ``y`` and back (NumPy).

``y = [p_c, b_x, b_y, b_h, b_w, c_1 … c_n, l_1x, l_1y … l_kx, l_ky]`` (the layout is
:func:`dl_pipelines.pipelines.localization.model.layout`): the box centre and size and
the landmarks as shares of the image side, a one-hot class, and zeros where there is no
object (``p_c = 0``).
"""

from __future__ import annotations

import numpy as np

from dl_pipelines.pipelines.localization.model import layout
from dl_pipelines.vision.boxes import center_to_corners, corners_to_center
from dl_pipelines.vision.scenes import N_KEYPOINTS


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
