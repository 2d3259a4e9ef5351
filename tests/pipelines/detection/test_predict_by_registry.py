"""End to end: detection_predict finds boxes with a version of the registered ``detection``
model — the ``champion`` by default, another with ``--params model_version`` — decoded
with the spec stored with that version, and says which version in its run's tags; a
wrong version is a clear error."""

from __future__ import annotations

import pytest

from tests.conftest import KedroProject
from tests.registry_checks import (
    assert_unknown_version_fails_cleanly,
    scored_with,
    trained_with_prediction,
)

pytestmark = pytest.mark.e2e

EXAMPLES = "data/01_raw/detection/predict"
BOXES = "data/07_model_output/detection/boxes.csv"


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """One ``kedro run`` of detection and detection_predict together (version 1, 3 anchors)."""
    destination = tmp_path_factory.mktemp("registered") / "project"
    return trained_with_prediction(destination, "detection", "detection_predict", EXAMPLES)


def test_one_run_of_both_detects_with_the_version_its_gate_registered(
    registered: KedroProject,
) -> None:
    (trained,) = registered.runs("detection")
    assert scored_with(registered, "detection_predict", "detection") == (
        "detection v1 (champion)",
        trained.info.run_id,
    )
    tags = registered.runs("detection_predict")[0].data.tags
    assert tags["input.detection_predict_images"].endswith(EXAMPLES)
    assert (registered.path / BOXES).is_file()


def test_each_version_is_decoded_with_its_own_spec(registered: KedroProject) -> None:
    """Version 2 has 2 anchors, version 1 has 3: scoring version 1 after version 2 has
    replaced spec.json must give version 1's boxes again."""
    boxes = registered.path / BOXES
    first_boxes = boxes.read_bytes()
    # version 2, the new champion (a short run: what counts here is its other spec)
    quick = (
        "seed=7,detection.model.anchors=2,detection.training.epochs=2,"
        "detection.registry.min_test_det_map50=0"
    )
    registered.run("--pipelines", "detection", "--params", quick)
    second, first = registered.runs("detection")
    with registered.tracking():
        import mlflow

        specs = [
            mlflow.models.get_model_info(f"models:/detection/{v}").metadata["detection_spec"]
            for v in (1, 2)
        ]
    assert [len(spec["anchors_hw"]) for spec in specs] == [3, 2]
    registered.run("--pipelines", "detection_predict")
    assert scored_with(registered, "detection_predict", "detection") == (
        "detection v2 (champion)",
        second.info.run_id,
    )
    registered.run("--pipelines", "detection_predict", "--params", "model_version=1")
    assert scored_with(registered, "detection_predict", "detection") == (
        "detection v1",
        first.info.run_id,
    )
    assert boxes.read_bytes() == first_boxes


def test_a_wrong_version_names_the_versions_and_aliases(registered: KedroProject) -> None:
    assert_unknown_version_fails_cleanly(registered, "detection_predict", "detection", BOXES)
