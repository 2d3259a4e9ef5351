"""The image_classification parameters: the base file parses, training settings are
layered, bad values name the key."""

from __future__ import annotations

import pytest

from dl_pipelines.nn.training import BatchFitParams
from dl_pipelines.pipelines.image_classification import params as cfg
from dl_pipelines.runtime.config import ParameterError
from tests.pipelines.image_classification.conftest import BASE, params_with


def test_base_parameters_parse_and_every_member_is_valid():
    config = cfg.load_config(BASE)
    assert cfg.selected_members(config) == BASE["per_dataset"]["digits"]["models"]
    for name in config.zoo:
        cfg.training(config, name)
    assert cfg.selected_members(cfg.load_config(params_with(models="all"))) == list(BASE["zoo"])


def test_training_settings_are_layered():
    params = params_with()
    params["zoo"]["lenet5"]["training"] = {"epochs": 3}
    config = cfg.load_config(params)
    lenet = cfg.training(config, "lenet5")
    assert lenet.epochs == 3  # member
    assert lenet.batch_size == BASE["per_dataset"]["digits"]["training"]["batch_size"]
    assert lenet.optimizer == BASE["training"]["optimizer"]  # common


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dataset": "cifar10"}, "dataset must be one of"),
        ({"models": ["lenet5", "lenet6"]}, "names 'lenet6', which is not in"),
        ({"models": "everything"}, "models must be null, 'all' or a list"),
        ({"zoo": {"x": {"builder": "transformer"}}}, "builder must be one of"),
        ({"zoo": {"x": {"builder": "linear", "loss": "hinge"}}}, "loss must be one of"),
        ({"zoo": {"x": {"builder": "linear", "lr": 1}}}, "unknown 'image_classification.zoo.x.lr'"),
    ],
)
def test_bad_parameters_name_the_key(overrides, message):
    with pytest.raises(ParameterError, match=message) as error:
        cfg.load_config(params_with(**overrides))
    assert "parameters_image_classification.yml" in str(error.value)


def test_bad_training_value_names_the_member():
    params = params_with()
    params["zoo"]["lenet5"]["training"] = {"optimizer": "rmsprop"}
    with pytest.raises(ParameterError, match="for member 'lenet5'.*optimizer must be one of"):
        cfg.load_config(params)


def test_training_params_share_the_fit_keys():
    """The shared keys (epochs, batch size, …) are checked by ``BatchFitParams``."""
    assert issubclass(cfg.TrainingParams, BatchFitParams)
    params = params_with()
    params["zoo"]["lenet5"]["training"] = {"batch_size": 0}
    with pytest.raises(ParameterError, match="for member 'lenet5'.*batch_size must be >= 1"):
        cfg.load_config(params)
    params["zoo"]["lenet5"]["training"] = {"monitor": "val_auc"}
    with pytest.raises(ParameterError, match="monitor must be one of"):
        cfg.load_config(params)
