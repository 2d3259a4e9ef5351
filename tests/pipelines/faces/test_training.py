"""Training of the encoder: its parameters, an ensemble of members trained from their seeds."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.nn.training import FitParams
from dl_pipelines.pipelines.faces import nodes
from dl_pipelines.pipelines.faces.params import TrainingParams
from dl_pipelines.runtime.config import ParameterError, parse
from tests.pipelines.faces.conftest import BASE, TINY, random_faces


def test_training_params_are_fit_params_with_p_by_k_batches() -> None:
    config = parse(TrainingParams, BASE["training"], "faces.training")
    assert isinstance(config, FitParams) and not hasattr(config, "batch_size")
    for key, value, message in (
        ("early_stopping_patience", -1, "early_stopping_patience must be >= 0"),
        ("margin", -0.1, "margin must be >= 0"),
        ("identities_per_batch", 1, "must be >= 2"),
        ("mining", "hardest", "mining must be one of"),
    ):
        with pytest.raises((ParameterError, ValueError), match=message):
            parse(TrainingParams, {**BASE["training"], key: value}, "faces.training")


def test_train_encoder_with_an_ensemble_trains_each_member_from_its_seed() -> None:
    persons = np.repeat([f"p{i}" for i in range(4)], 4)
    part = {"images": random_faces(16).astype(np.uint8), "persons": persons}
    training = {
        "epochs": 2,
        "identities_per_batch": 4,
        "images_per_identity": 2,
        "margin": 0.2,
        "mining": "batch_hard",
        "learning_rate": 0.01,
        "early_stopping_patience": 5,
        "horizontal_flip": False,
    }
    model, history = nodes.train_encoder(part, part, {**TINY, "ensemble": 2}, training, 3)
    assert model.name == "face_encoder_ensemble"
    assert set(history) == {"loss", "val_loss", "loss_2", "val_loss_2"}
    assert len(history["loss_2"]) == 2 and history["loss"] != history["loss_2"]
    single, _ = nodes.train_encoder(part, part, TINY, training, 3)
    assert single.name == "face_encoder"
    # member 1 of the ensemble is the single encoder trained from the same seed
    member = model.get_layer("face_encoder")
    assert not member.compiled  # no loss or optimiser inside the saved ensemble
    np.testing.assert_allclose(
        np.asarray(member.predict(part["images"], verbose=0)),
        np.asarray(single.predict(part["images"], verbose=0)),
        atol=1e-5,
    )
    with pytest.raises(ValueError, match="ensemble"):
        nodes.train_encoder(part, part, {**TINY, "ensemble": 0}, training, 3)
