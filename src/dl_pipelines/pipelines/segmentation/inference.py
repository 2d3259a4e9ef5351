"""Segmentation with a trained U-Net: a batch of model-size images, or a folder of any size."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.images import resize

logger = logging.getLogger(__name__)


def predict_masks(model: Any, images: np.ndarray) -> np.ndarray:
    """Class index per pixel ``(n, h, w)`` for model-size images."""
    if len(images) == 0:
        return np.zeros((0, *images.shape[1:3]), dtype=np.uint8)
    probabilities = model.predict(np.asarray(images, dtype="float32"), batch_size=64, verbose=0)
    return np.argmax(np.asarray(probabilities), axis=-1).astype(np.uint8)


def segment_folder(model: Any, images: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Mask every image of a folder.

    Returns:
        ``{name: mask PNG}`` (8-bit grey, the class index per pixel, at the image's own
        size) and ``{name: overlay PNG}``.
    """
    from PIL import Image

    if not images:
        raise ValueError(
            "The predict folder holds no image: pass a folder of JPEG/PNG "
            "files with `--params input_dir=<folder>`."
        )
    size = tuple(int(v) for v in model.input_shape[1:3])
    files = list(images)
    predicted = predict_masks(model, np.stack([resize(images[f], size) for f in files]))
    masks, overlays = {}, {}
    for file, mask in zip(files, predicted, strict=True):
        height, width = images[file].shape[:2]
        full = np.asarray(Image.fromarray(mask).resize((width, height), Image.Resampling.NEAREST))
        stem = file.rsplit(".", 1)[0]
        masks[stem] = Image.fromarray(full, mode="L")
        overlays[stem] = Image.fromarray(plotting.overlay_mask(images[file], full))
    logger.info("Segmented %d images.", len(files))
    return masks, overlays
