"""End to end: segmentation_predict masks with a version of the registered ``segmentation``
model — the ``champion`` by default, another with ``--params model_version`` — and says
which in its run's tags; a wrong version is a clear error."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import PROJECT_ROOT, KedroProject, make_project_copy

pytestmark = pytest.mark.e2e

EXAMPLES = "data/01_raw/segmentation/predict"
MASK = "data/07_model_output/segmentation/masks/example_1.png"
TAG = "input.segmentation_registered_model"


def _predict_tags(project: KedroProject) -> dict[str, str]:
    return project.runs("segmentation_predict")[0].data.tags


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """One ``kedro run`` of segmentation and segmentation_predict together (version 1)."""
    project = make_project_copy(tmp_path_factory.mktemp("registered") / "project")
    shutil.copytree(PROJECT_ROOT / EXAMPLES, project.path / EXAMPLES)
    project.run("--pipelines", "segmentation,segmentation_predict")
    return project


def test_one_run_of_both_masks_with_the_version_its_gate_registered(
    registered: KedroProject,
) -> None:
    (trained,) = registered.runs("segmentation")
    tags = _predict_tags(registered)
    assert tags[TAG] == "segmentation v1 (champion)"
    assert tags[f"{TAG}.source_run_id"] == trained.info.run_id
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
    tags = _predict_tags(registered)
    assert tags[TAG] == "segmentation v2 (champion)"
    assert tags[f"{TAG}.source_run_id"] == second.info.run_id

    registered.run("--pipelines", "segmentation_predict", "--params", "model_version=1")
    tags = _predict_tags(registered)
    assert tags[TAG] == "segmentation v1"
    assert tags[f"{TAG}.source_run_id"] == first.info.run_id


def test_a_wrong_version_names_the_versions_and_aliases(registered: KedroProject) -> None:
    mask = registered.path / MASK
    before = mask.read_bytes()
    result = registered.run(
        "--pipelines", "segmentation_predict", "--params", "model_version=99", check=False
    )
    registered.assert_failed_cleanly(
        result,
        "segmentation_predict",
        "Registered model 'segmentation' has no version 99 (versions: 1",
        "champion → ",
        "--params model_version=",
    )
    assert mask.read_bytes() == before
