"""Shared figures."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.tracking import plots as plotting


def test_training_curves_one_panel_per_metric() -> None:
    history = {
        "loss": [1.0, 0.5],
        "val_loss": [1.1, 0.6],
        "accuracy": [0.5, 0.9],
        "val_accuracy": [0.4, 0.8],
    }
    fig = plotting.training_curves(history)
    assert len(fig.axes) == 2
    assert [len(line.get_xdata()) for line in fig.axes[0].lines] == [2, 2]


def test_training_curves_need_a_metric() -> None:
    with pytest.raises(ValueError):
        plotting.training_curves({"val_loss": [1.0]})


def test_confusion_matrix_shows_counts_and_shares() -> None:
    fig = plotting.confusion_matrix_figure(np.array([[3, 1], [0, 4]]), ["day", "night"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["3\n75%", "1\n25%", "0\n0%", "4\n100%"]


def test_image_grid_layout() -> None:
    images = np.zeros((5, 8, 8, 3), np.uint8)
    fig = plotting.image_grid(images, [str(i) for i in range(5)], columns=3)
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes[:5]] == ["0", "1", "2", "3", "4"]
    with pytest.raises(ValueError):
        plotting.image_grid(np.zeros((0, 8, 8, 3)))
