"""Write the example images of data/01_raw/day_night/predict/ (run once; output is committed).

Two public-domain photos installed with scikit-image that the default training set
does not use (SpaceX's rocket on the launch pad; a crop of NASA's Hubble deep field, a
real night sky), the rocket rendered by night with the training set's camera model, and
one procedural landscape by day and by night.

    python scripts/make_predict_examples.py
"""

from pathlib import Path

import numpy as np
import yaml
from PIL import Image
from skimage import data

from dl_pipelines.pipelines.day_night.rendering import NightModel, render_night, sky_scene
from dl_pipelines.runtime.config import parse
from dl_pipelines.vision.images import center_square, resize, to_rgb_uint8

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data/01_raw/day_night/predict"
SIZE = (160, 160)


def main() -> None:
    params = yaml.safe_load((ROOT / "conf/base/parameters_day_night.yml").read_text())
    night_model = parse(
        NightModel,
        params["day_night"]["data"]["default_data"]["night"],
        "day_night.data.default_data.night",
    )
    rng = np.random.default_rng(2024)
    rocket = center_square(to_rgb_uint8(data.rocket()))
    hubble = to_rgb_uint8(data.hubble_deep_field())[:400, :400]
    day_sky, night_sky = sky_scene(SIZE, rng)
    images = {
        "rocket_day.jpg": resize(rocket, SIZE),
        "rocket_night.jpg": render_night(rocket, SIZE, rng, night_model),
        "hubble_deep_field_night.jpg": resize(hubble, SIZE),
        "landscape_day.jpg": day_sky,
        "landscape_night.jpg": night_sky,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for name, image in images.items():
        Image.fromarray(image).save(OUT / name, quality=88)
        print(OUT / name)


if __name__ == "__main__":
    main()
