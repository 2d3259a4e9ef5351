"""p(night) from a trained model, for the test split, the held-out set and a folder."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from dl_pipelines.vision.images import resize

logger = logging.getLogger(__name__)


def predict_probabilities(model: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """p(night) for a batch of ``uint8`` images of the model's input size.

    Returns:
        A float32 vector, one value per image (empty for no image).
    """
    if len(images) == 0:
        return np.zeros(0, dtype=np.float32)
    outputs = model.predict(images.astype("float32"), batch_size=batch_size, verbose=0)
    return np.asarray(outputs, dtype=np.float32).reshape(-1)


def label_images(
    model: Any,
    images: dict[str, np.ndarray],
    image_size: tuple[int, int],
    threshold: float,
    classes: list[str],
) -> pd.DataFrame:
    """Resize every image to ``image_size`` and score it: ``file``, ``p_night``, ``label``.

    ``label`` is ``classes[1]`` (night) when p(night) >= ``threshold``, else ``classes[0]``.
    """
    files = list(images)
    batch = np.stack([resize(images[f], image_size) for f in files])
    p_night = predict_probabilities(model, batch)
    labels = [classes[int(p >= threshold)] for p in p_night]
    logger.info(
        "Scored %d images: %d %s, %d %s.",
        len(files),
        labels.count(classes[0]),
        classes[0],
        labels.count(classes[1]),
        classes[1],
    )
    return pd.DataFrame({"file": files, "p_night": np.round(p_night, 6), "label": labels})
