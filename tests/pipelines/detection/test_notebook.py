"""End to end: notebooks/detection.ipynb runs on the outputs of ``kedro run --env test``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject, make_project_copy
from tests.notebooks import NOTEBOOKS, assert_ran_with_figures_and_metrics, run_notebook

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def detection_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A project copy in which ``kedro run --env test --pipelines detection`` ran once
    (test_pipeline_run.py has its own)."""
    project = make_project_copy(tmp_path_factory.mktemp("detection") / "project")
    project.run("--pipelines", "detection")
    return project


def test_notebook_shows_the_data_predictions_and_run(detection_project: KedroProject) -> None:
    notebook = run_notebook(NOTEBOOKS / "detection.ipynb", detection_project)
    assert_ran_with_figures_and_metrics(notebook, "det_map50")
