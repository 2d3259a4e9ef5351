"""End to end: notebooks/style_transfer.ipynb runs on the outputs of ``kedro run --env test``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject, make_project_copy
from tests.notebooks import NOTEBOOKS, assert_ran_with_figures_and_metrics, run_notebook

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def styled_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A project copy in which ``kedro run --env test --pipelines style_transfer`` ran once
    (test_pipeline_run.py has its own: the run takes under a minute)."""
    project = make_project_copy(tmp_path_factory.mktemp("style_transfer") / "project")
    project.run("--pipelines", "style_transfer")
    return project


def test_notebook_shows_the_data_predictions_and_run(styled_project: KedroProject) -> None:
    notebook = run_notebook(NOTEBOOKS / "style_transfer.ipynb", styled_project)
    assert_ran_with_figures_and_metrics(notebook, "stylizer_speed_ratio")
