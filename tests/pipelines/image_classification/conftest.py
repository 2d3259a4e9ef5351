"""Fixtures of the image_classification tests: the base parameters, the digits split,
and one trained e2e project per session."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from dl_pipelines.datasets import SklearnImagesDataset
from dl_pipelines.pipelines.image_classification import nodes
from tests.conftest import PROJECT_ROOT, KedroProject, make_project_copy

#: ``image_classification`` of conf/base.
BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_image_classification.yml").read_text())[
    "image_classification"
]


def params_with(**overrides: Any) -> dict[str, Any]:
    """A deep copy of :data:`BASE` with top-level keys replaced."""
    params = copy.deepcopy(BASE)
    params.update(overrides)
    return params


@pytest.fixture(scope="module")
def digits():
    return SklearnImagesDataset().load()


@pytest.fixture(scope="module")
def splits(digits):
    """``prepare_data`` of the base parameters on digits, seed 42."""
    return nodes.prepare_data(digits, {}, BASE, seed=42)


@pytest.fixture(scope="session")
def classification_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A project copy in which ``kedro run --env test --pipelines image_classification``
    has run once (digits, three small members)."""
    project = make_project_copy(tmp_path_factory.mktemp("classification") / "project")
    project.run("--pipelines", "image_classification")
    return project
