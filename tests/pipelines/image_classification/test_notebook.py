"""End to end: notebooks/image_classification.ipynb runs on the outputs of ``kedro run``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.notebooks import NOTEBOOKS, assert_ran_with_figures_and_metrics, run_notebook

pytestmark = pytest.mark.e2e


def test_notebook_shows_the_data_predictions_and_run(classification_project: KedroProject) -> None:
    notebook = run_notebook(NOTEBOOKS / "image_classification.ipynb", classification_project)
    assert_ran_with_figures_and_metrics(notebook, "test_accuracy")
