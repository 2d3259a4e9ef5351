"""End to end: notebooks/faces.ipynb runs on the outputs of ``kedro run --env test``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.notebooks import NOTEBOOKS, assert_ran_with_figures_and_metrics, run_notebook

pytestmark = pytest.mark.e2e


def test_notebook_shows_the_data_predictions_and_run(faces_project: KedroProject) -> None:
    notebook = run_notebook(NOTEBOOKS / "faces.ipynb", faces_project)
    assert_ran_with_figures_and_metrics(notebook, "verify_accuracy")
