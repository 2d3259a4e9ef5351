"""A project copy in which ``kedro run --pipelines segmentation --env test`` ran once."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject, make_project_copy


@pytest.fixture(scope="module")
def segmentation_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    project = make_project_copy(tmp_path_factory.mktemp("segmentation") / "project")
    project.run("--pipelines", "segmentation")
    return project
