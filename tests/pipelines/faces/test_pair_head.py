"""The pairwise binary-classifier comparison, on tiny sizes."""

from __future__ import annotations

import numpy as np

from dl_pipelines.pipelines.faces import nodes
from tests.pipelines.faces.conftest import TINY, random_faces


def test_pair_head_node_trains_and_scores_unseen_people() -> None:
    persons = np.repeat([f"p{i}" for i in range(4)], 3)
    part = {"images": random_faces(12).astype(np.uint8), "persons": persons}
    params = {
        "enabled": True,
        "epochs": 2,
        "pairs_per_epoch": 16,
        "batch_size": 8,
        "learning_rate": 0.01,
    }
    metrics, report = nodes.train_and_evaluate_pair_head(part, part, part, TINY, params, 0)
    assert set(metrics) == {"pair_verify_accuracy", "pair_verify_roc_auc"}
    assert 0 <= metrics["pair_verify_accuracy"]["value"] <= 1
    assert len(report["history"]["loss"]) == 2
    assert np.isfinite(report["history"]["loss"]).all()
    assert nodes.train_and_evaluate_pair_head(
        part, part, part, TINY, {**params, "enabled": False}, 0
    ) == ({}, {"enabled": False})
