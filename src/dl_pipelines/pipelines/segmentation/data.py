"""The training scenes of ``segmentation``: images with a class index per pixel."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.tracking import plots as plotting


def examples_figure(train: dict[str, np.ndarray], count: int) -> Figure:
    """Training scenes next to their class masks."""
    n = min(count, len(train["images"]))
    pictures = [
        p for i in range(n) for p in (train["images"][i], plotting.mask_to_rgb(train["masks"][i]))
    ]
    return plotting.image_grid(
        np.stack(pictures), columns=8, title="Training scenes and their masks"
    )
