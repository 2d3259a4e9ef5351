"""End to end: notebooks/localization.ipynb runs on the outputs of ``kedro run --env test``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject, make_project_copy
from tests.notebooks import NOTEBOOKS, assert_ran_with_figures_and_metrics, run_notebook

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def localization_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A project copy in which ``kedro run --env test --pipelines localization`` ran once
    (test_pipeline_run.py has its own)."""
    project = make_project_copy(tmp_path_factory.mktemp("localization") / "project")
    project.run("--pipelines", "localization")
    return project


def test_notebook_shows_the_data_predictions_and_run(localization_project: KedroProject) -> None:
    notebook = run_notebook(NOTEBOOKS / "localization.ipynb", localization_project)
    assert_ran_with_figures_and_metrics(notebook, "loc_mean_iou")
