"""Fixtures of the faces tests: one trained copy of the project, shared by the e2e tests."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject, make_project_copy


@pytest.fixture(scope="session")
def faces_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A copy of the project in which ``kedro run --env test --pipelines faces`` has run."""
    project = make_project_copy(tmp_path_factory.mktemp("faces") / "project")
    project.run("--pipelines", "faces")
    return project
