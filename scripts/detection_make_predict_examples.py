"""Write the example images of ``detection_predict`` and ``segmentation_predict``.

Six 128×128 scenes drawn by ``dl_pipelines.vision.scenes`` over photos the training scenes
never use — scikit-image's rocket (SpaceX, public domain) and Hubble deep field (NASA,
public domain) — at twice the models' input size, so the prediction pipelines have a
default folder to run on. Run once; the PNGs are committed:

    .venv/bin/python scripts/detection_make_predict_examples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from dl_pipelines.datasets import PackageImagesDataset
from dl_pipelines.vision.scenes import SceneParams, make_scenes

ROOT = Path(__file__).resolve().parents[1]
TARGETS = (ROOT / "data/01_raw/detection/predict", ROOT / "data/01_raw/segmentation/predict")


def main() -> None:
    photos = PackageImagesDataset(
        {
            "rocket": "skimage:data/rocket.jpg",
            "hubble": "skimage:data/hubble_deep_field.jpg",
        }
    ).load()
    params = SceneParams(
        image_size=(128, 128), objects=(1, 3), object_size=(0.25, 0.6), max_occlusion=0.3
    )
    scenes = make_scenes(photos, params, count=6, seed=2026, stream="predict-examples")
    for folder in TARGETS:
        folder.mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(scenes["images"]):
            Image.fromarray(np.asarray(image)).save(folder / f"example_{i + 1}.png", optimize=True)
        print(f"wrote {len(scenes['images'])} PNGs to {folder.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
