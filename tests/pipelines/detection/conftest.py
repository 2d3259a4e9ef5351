"""A project copy in which ``kedro run --pipelines detection --env test`` ran once."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject, make_project_copy


@pytest.fixture(scope="module")
def detection_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    project = make_project_copy(tmp_path_factory.mktemp("detection") / "project")
    project.run("--pipelines", "detection")
    return project
