"""The figure nodes of image_classification."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from dl_pipelines.pipelines.image_classification import nodes
from tests.pipelines.image_classification.conftest import BASE, params_with


def test_figures(splits):
    train, _, test, report = splits
    assert isinstance(nodes.plot_examples(train, report, seed=0), Figure)
    assert isinstance(
        nodes.edge_detection(
            {"camera": np.tile(np.arange(64, dtype=np.uint8)[None, :, None], (48, 1, 3))},
            params_with(edge_detection={"photo": "camera", "size": 32}),
        ),
        Figure,
    )
    with pytest.raises(ValueError, match="not one of the sample photos"):
        nodes.edge_detection({}, BASE)
    summaries = {"a": {"history": {"loss": [2.0, 1.0], "val_accuracy": [0.5, 0.7]}}}
    assert isinstance(nodes.plot_training(summaries), Figure)


def test_best_member_figures_show_its_mistakes(splits):
    _, _, test, _ = splits
    labels = test["labels"]
    report = {
        "best_model": "m",
        "class_names": [str(d) for d in range(10)],
        "best_confusion_matrix": {"rows_true_columns_predicted": np.eye(10, dtype=int).tolist()},
    }
    wrong = labels.copy()
    wrong[:3] = (wrong[:3] + 1) % 10
    confusion, grid = nodes.plot_best(test, {"predicted": wrong}, report, BASE)
    assert isinstance(confusion, Figure) and isinstance(grid, Figure)
    assert len(grid.axes) >= 3
    _, placeholder = nodes.plot_best(test, {"predicted": labels}, report, BASE)
    assert "no misclassified test image" in placeholder.texts[0].get_text()


def test_linear_templates_without_a_linear_member():
    fig = nodes.plot_linear_templates({}, {"m": {"builder": "mlp"}}, {"class_names": ["a", "b"]})
    assert "no linear member" in fig.texts[0].get_text()
