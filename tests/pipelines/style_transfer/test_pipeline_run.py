"""End to end: ``kedro run`` of style_transfer and style_transfer_apply, tracked in MLflow."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import KedroProject, make_project_copy

pytestmark = pytest.mark.e2e

PAIRS = ("astronaut__swirls", "chelsea__mosaic")  # conf/test/parameters_style_transfer.yml
REPORTING = "data/08_reporting/style_transfer"


@pytest.fixture(scope="module")
def styled_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A project copy in which ``kedro run --env test --pipelines style_transfer`` ran once."""
    project = make_project_copy(tmp_path_factory.mktemp("style_transfer") / "project")
    project.run("--pipelines", "style_transfer")
    return project


def test_run_is_tracked_with_falling_loss_curves(styled_project: KedroProject) -> None:
    (run,) = styled_project.runs("style_transfer")
    assert run.info.status == "FINISHED"
    assert run.data.params["style_transfer.optimisation.steps"] == "12"
    client = styled_project.client()
    for pair in PAIRS:
        for name in ("content_loss", "style_loss", "total_loss"):
            history = client.get_metric_history(run.info.run_id, f"{pair}/{name}")
            assert [m.step for m in history] == [0, 3, 6, 9, 12], (pair, name)
        total = [m.value for m in client.get_metric_history(run.info.run_id, f"{pair}/total_loss")]
        assert total[-1] < 0.8 * total[0], pair
        assert 0.2 < run.data.metrics[f"{pair}/total_loss_drop"] <= 1.0
    assert run.data.metrics["stylizer_speed_ratio"] > 1.0
    stylizer = client.get_metric_history(run.info.run_id, "stylizer/total_loss")
    assert [m.step for m in stylizer] == [2, 4, 6]

    artifacts = set()
    for folder in ("plots", "plots/pairs", "plots/progress", "results", "reports", "stylizer"):
        artifacts |= {a.path for a in client.list_artifacts(run.info.run_id, folder)}
    for pair in PAIRS:
        assert {
            f"plots/pairs/{pair}.png",
            f"plots/progress/{pair}.png",
            f"results/{pair}.png",
        } <= artifacts
    assert {
        "plots/losses.png",
        "plots/stylizer.png",
        "reports/report.json",
        "reports/stylizer_report.json",
        "stylizer/astronaut__swirls.png",
    } <= artifacts


def test_reports_and_images_are_written(styled_project: KedroProject) -> None:
    root = styled_project.path
    for pair in PAIRS:
        figure = Image.open(root / REPORTING / "pairs" / f"{pair}.png")
        assert figure.width > 2 * figure.height  # content | style | result side by side
        result = np.asarray(
            Image.open(root / "data/07_model_output/style_transfer/results" / f"{pair}.png")
        )
        assert result.shape == (40, 40, 3)
    report = json.loads((root / REPORTING / "report.json").read_text())
    assert set(report["pairs"]) == set(PAIRS)
    stylizer = json.loads((root / REPORTING / "stylizer_report.json").read_text())
    means = stylizer["means"]
    assert means["stylizer_seconds_per_image"] < means["optimisation_seconds_per_image"]
    assert means["optimisation_style_loss"] < means["content_image_style_loss"]
    assert (root / "data/06_models/style_transfer/stylizer.keras").stat().st_size > 1000


def test_apply_stylises_a_new_photo(styled_project: KedroProject, tmp_path: Path) -> None:
    photo = tmp_path / "my photo.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (90, 120, 3), np.uint8)).save(photo)
    style = tmp_path / "painting.png"
    Image.fromarray(np.full((80, 80, 4), 200, np.uint8)).save(style)  # RGBA: converted
    styled_project.run(
        "--pipelines", "style_transfer_apply", "--params", f"content={photo},style={style}"
    )
    result = Image.open(
        styled_project.path
        / "data/07_model_output/style_transfer/applied"
        / "my photo__painting.png"
    )
    assert result.size == (40, 30)  # long side = style_transfer_apply.image_size
    run = styled_project.runs("style_transfer_apply")[0]
    assert run.info.status == "FINISHED"
    # a style file is not the stylizer's style (swirls): optimisation, 12 steps logged every 3
    assert len(styled_project.client().get_metric_history(run.info.run_id, "total_loss")) == 5
    history = json.loads((styled_project.path / REPORTING / "apply_history.json").read_text())
    assert history["method"] == "optimise"


def test_apply_uses_the_stylizer_trained_for_the_style(
    styled_project: KedroProject, tmp_path: Path
) -> None:
    photo = tmp_path / "cat.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (70, 98, 3), np.uint8)).save(photo)
    styled_project.run(
        "--pipelines", "style_transfer_apply", "--params", f"content={photo},style=swirls"
    )  # method: auto
    result = np.asarray(
        Image.open(
            styled_project.path / "data/07_model_output/style_transfer/applied/cat__swirls.png"
        )
    )
    assert result.shape == (29, 40, 3)
    history = json.loads((styled_project.path / REPORTING / "apply_history.json").read_text())
    assert history["method"] == "stylizer" and history["step"] == [0]
    run = styled_project.runs("style_transfer_apply")[0]
    assert run.info.status == "FINISHED" and run.data.metrics["total_loss"] > 0
    assert len(styled_project.client().get_metric_history(run.info.run_id, "total_loss")) == 1
    # the stylizer is the version the style_transfer run's gate registered
    (training,) = styled_project.runs("style_transfer")
    tag = "input.style_transfer_registered_model"
    assert run.data.tags[tag] == "style_transfer_stylizer v1 (champion)"
    assert run.data.tags[f"{tag}.source_run_id"] == training.info.run_id

    failed = styled_project.run(
        "--pipelines",
        "style_transfer_apply",
        "--params",
        f"content={photo},style=swirls,model_version=99",
        check=False,
    )  # a wrong version is an error, never the champion or the optimisation instead
    styled_project.assert_failed_cleanly(
        failed,
        "style_transfer_apply",
        "Registered model 'style_transfer_stylizer' has no version 99 (versions: 1",
        "champion → 1",
    )

    failed = styled_project.run(
        "--pipelines",
        "style_transfer_apply",
        "--params",
        f"content={photo},style=mosaic,method=stylizer",
        check=False,
    )
    assert failed.returncode != 0
    assert "trained for 'swirls'" in failed.stderr
    assert "--params style_transfer.stylizer.style=mosaic" in failed.stderr


# ---------------------------------------------------------------------------- bad input
def test_unreadable_photo_fails_the_apply_run(tmp_path: Path) -> None:
    project = make_project_copy(tmp_path / "project")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not a JPEG")
    result = project.run(
        "--pipelines",
        "style_transfer_apply",
        "--params",
        f"content={broken},style=mosaic",
        check=False,
    )
    assert result.returncode != 0
    assert "broken.jpg" in result.stderr and "Replace it" in result.stderr
    assert project.runs("style_transfer_apply")[0].info.status == "FAILED"
    assert project.outputs() == []


def test_missing_weights_file_fails_naming_it(tmp_path: Path) -> None:
    project = make_project_copy(tmp_path / "project")
    result = project.run(
        "--pipelines",
        "style_transfer",
        "--params",
        "vgg_weights=/no/such/vgg19_notop.h5",
        check=False,
    )
    assert result.returncode != 0
    assert "/no/such/vgg19_notop.h5' does not exist" in result.stderr
    assert project.runs("style_transfer")[0].info.status == "FAILED"
    assert [p for p in project.outputs() if "style_transfer" in str(p)] == []
