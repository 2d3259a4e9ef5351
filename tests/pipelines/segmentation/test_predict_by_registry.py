"""End to end: segmentation_predict masks with a version of the registered ``segmentation``
model — the ``champion`` by default, another with ``--params model_version`` — and says
which in its run's tags; a wrong version is a clear error."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.registry_checks import (
    assert_unknown_version_fails_cleanly,
    scored_with,
    trained_with_prediction,
)

pytestmark = pytest.mark.e2e

EXAMPLES = "data/01_raw/segmentation/predict"
MASK = "data/07_model_output/segmentation/masks/example_1.png"


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """One ``kedro run`` of segmentation and segmentation_predict together (version 1)."""
    destination = tmp_path_factory.mktemp("registered") / "project"
    return trained_with_prediction(destination, "segmentation", "segmentation_predict", EXAMPLES)


def test_one_run_of_both_masks_with_the_version_its_gate_registered(
    registered: KedroProject,
) -> None:
    (trained,) = registered.runs("segmentation")
    assert scored_with(registered, "segmentation_predict", "segmentation") == (
        "segmentation v1 (champion)",
        trained.info.run_id,
    )
    tags = registered.runs("segmentation_predict")[0].data.tags
    assert tags["input.segmentation_predict_images"].endswith(EXAMPLES)
    assert (registered.path / MASK).is_file()
    client = registered.client()
    assert str(client.get_model_version_by_alias("segmentation", "champion").version) == "1"


def test_the_champion_by_default_and_an_older_version_on_request(
    registered: KedroProject,
) -> None:
    # version 2, the new champion (a short run: what counts here is which version is used)
    quick = "seed=7,segmentation.training.epochs=3,segmentation.registry.min_test_seg_miou=0"
    registered.run("--pipelines", "segmentation", "--params", quick)
    second, first = registered.runs("segmentation")

    registered.run("--pipelines", "segmentation_predict")
    assert scored_with(registered, "segmentation_predict", "segmentation") == (
        "segmentation v2 (champion)",
        second.info.run_id,
    )
    registered.run("--pipelines", "segmentation_predict", "--params", "model_version=1")
    assert scored_with(registered, "segmentation_predict", "segmentation") == (
        "segmentation v1",
        first.info.run_id,
    )


def test_a_wrong_version_names_the_versions_and_aliases(registered: KedroProject) -> None:
    assert_unknown_version_fails_cleanly(registered, "segmentation_predict", "segmentation", MASK)
