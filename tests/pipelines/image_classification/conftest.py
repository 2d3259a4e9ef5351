"""Fixtures of the image_classification tests: one trained e2e project per session."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject, make_project_copy


@pytest.fixture(scope="session")
def classification_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A project copy in which ``kedro run --env test --pipelines image_classification``
    has run once (digits, three small members)."""
    project = make_project_copy(tmp_path_factory.mktemp("classification") / "project")
    project.run("--pipelines", "image_classification")
    return project
