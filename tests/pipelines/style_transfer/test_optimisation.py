"""Gatys' optimisation on the pixels: the cost falls, the noise is seeded, the summary."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.style_transfer import nodes, optimisation
from dl_pipelines.pipelines.style_transfer.params import OptimisationParams
from dl_pipelines.runtime.config import parse


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_a_few_steps_lower_the_cost(params, extractor, cost_weights, photo_pair, optimizer) -> None:
    content, style = photo_pair
    params["optimisation"].update(optimizer=optimizer, steps=6, log_every=2, snapshot_every=3)
    config = parse(OptimisationParams, params["optimisation"], "o")
    out = optimisation.optimise_image(
        extractor, content, style, cost_weights, config, np.random.default_rng(0), "test"
    )
    total = out["history"]["total_loss"]
    assert total[-1] < 0.7 * total[0]
    assert out["history"]["content_loss"][0] == pytest.approx(0.0, abs=1e-3)  # G starts at C
    assert out["image"].shape == content.shape and out["image"].dtype == np.uint8
    assert 0 in out["snapshots"] and out["history"]["step"][-1] in out["snapshots"]


def test_noise_initialisation_is_seeded(params, photo_pair) -> None:
    content, _ = photo_pair
    params["optimisation"].update(init="content_noise", noise=10.0)
    config = parse(OptimisationParams, params["optimisation"], "o")
    first = optimisation.initial_image(content, config, np.random.default_rng(5))
    assert np.abs(first - content).max() <= 10.0 and not np.array_equal(first, content)
    np.testing.assert_array_equal(
        first, optimisation.initial_image(content, config, np.random.default_rng(5))
    )


def test_summary_reports_the_drop() -> None:
    history = {
        "step": [0, 10],
        "total_loss": [100.0, 5.0],
        "content_loss": [0.0, 1.0],
        "style_loss": [100.0, 4.0],
        "tv_loss": [0.0, 0.0],
        "seconds": 2.0,
        "step_seconds": 0.2,
        "content": "a",
        "style": "b",
        "image_size": 32,
    }
    metrics, report = nodes.summarise({"a__b": history})
    assert report["pairs"]["a__b"]["total_loss_drop"] == pytest.approx(0.95)
    assert metrics["min_total_loss_drop"]["value"] == pytest.approx(0.95)
    assert report["optimisation_steps_per_second"] == pytest.approx(5.0)
