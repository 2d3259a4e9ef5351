"""Fixtures of the faces tests: the base parameters, lfw_subset, one trained project copy."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import skimage.data
import yaml

from tests.conftest import PROJECT_ROOT, KedroProject, make_project_copy

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_faces.yml").read_text())["faces"]
LFW = skimage.data.lfw_subset()
#: A tiny ``faces.model`` for the tests that train.
TINY = {
    "embedding_dim": 8,
    "stem_filters": 4,
    "stage_filters": [8, 8],
    "block": "residual",
    "dropout": 0.1,
}
SHAPE = (24, 24, 3)


def random_faces(count: int, seed: int = 0) -> np.ndarray:
    """``count`` random (24, 24, 3) "faces", float32 in 0..255."""
    return np.random.default_rng(seed).integers(0, 256, (count, *SHAPE)).astype("float32")


@pytest.fixture
def data_params() -> dict:
    params = copy.deepcopy(BASE["data"])
    params["default_data"].update(identities=6, images_per_identity=3)
    return params


@pytest.fixture(scope="session")
def faces_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A copy of the project in which ``kedro run --env test --pipelines faces`` has run."""
    project = make_project_copy(tmp_path_factory.mktemp("faces") / "project")
    project.run("--pipelines", "faces")
    return project
