"""End to end: notebooks/image_classification.ipynb runs on the outputs of ``kedro run``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.notebooks import check_notebook

pytestmark = pytest.mark.e2e


def test_notebook_shows_the_data_predictions_and_run(classification_project: KedroProject) -> None:
    check_notebook("image_classification", classification_project, "test_accuracy")
