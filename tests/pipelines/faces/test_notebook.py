"""End to end: notebooks/faces.ipynb runs on the outputs of ``kedro run --env test``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.notebooks import check_notebook

pytestmark = pytest.mark.e2e


def test_notebook_shows_the_data_predictions_and_run(faces_project: KedroProject) -> None:
    check_notebook("faces", faces_project, "verify_accuracy")
