"""Write the example photos of ``faces_verify`` and ``faces_identify`` (shipped in the repo).

data/01_raw/faces_examples/
    verify/image_a.png, image_b.png      two photos of one lfw_subset face
    gallery/<person>/1.png, 2.png        three people enrolled
    probe/*.png                          two of them again, and one person not enrolled

Every photo is a real face of scikit-image's ``lfw_subset`` under the default data's
nuisance changes (conf/base/parameters_faces.yml). Run from the project root:

    .venv/bin/python scripts/faces_make_examples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import skimage.data
import yaml
from PIL import Image

from dl_pipelines.pipelines.faces.nuisance import NuisanceParams, render_photo
from dl_pipelines.runtime.config import parse

ROOT = Path("data/01_raw/faces_examples")
# lfw_subset indices: the people of the examples (any of the 100 faces would do)
PEOPLE = {"person_a": 90, "person_b": 93, "person_c": 96}
STRANGER = 99


def main() -> None:
    config = yaml.safe_load(Path("conf/base/parameters_faces.yml").read_text())
    params = parse(
        NuisanceParams,
        config["faces"]["data"]["default_data"]["nuisance"],
        "faces.data.default_data.nuisance",
    )
    faces = skimage.data.lfw_subset()
    generator = np.random.default_rng(2024)

    def save(path: Path, index: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(render_photo(faces[index], 96, generator, params)).save(path)

    save(ROOT / "verify/image_a.png", PEOPLE["person_a"])
    save(ROOT / "verify/image_b.png", PEOPLE["person_a"])
    for person, index in PEOPLE.items():
        for i in (1, 2):
            save(ROOT / f"gallery/{person}/{i}.png", index)
        save(ROOT / f"probe/{person}_again.png", index)
    save(ROOT / "probe/stranger.png", STRANGER)
    print(f"Wrote {len(list(ROOT.rglob('*.png')))} example photos under {ROOT}")


if __name__ == "__main__":
    main()
