"""End to end: notebooks/segmentation.ipynb runs on the outputs of ``kedro run --env test``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.notebooks import check_notebook, trained_project_fixture

pytestmark = pytest.mark.e2e

# test_pipeline_run.py trains its own copy: its fixture is not in a conftest.py.
segmentation_project = trained_project_fixture("segmentation")


def test_notebook_shows_the_data_predictions_and_run(segmentation_project: KedroProject) -> None:
    check_notebook("segmentation", segmentation_project, "seg_miou")
