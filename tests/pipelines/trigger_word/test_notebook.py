"""End to end: notebooks/trigger_word.ipynb runs on the outputs of ``kedro run --env test``."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.notebooks import check_notebook

pytestmark = pytest.mark.e2e


def test_notebook_shows_the_data_predictions_and_run(trained_trigger_word: KedroProject) -> None:
    check_notebook("trigger_word", trained_trigger_word, "test_frr")
