"""Every zoo builder: builds, runs a forward pass, and has the parameter count its
docstring states; plus hand-counted parameters of the small members."""

import inspect
import re

import keras
import numpy as np
import pytest

from dl_pipelines.pipelines.image_classification import zoo as model_zoo

DOCUMENTED = re.compile(r"Parameters at the default input \([^)]*\):\s*([\d,]+)", re.S)


def _documented_count(builder) -> int:
    match = DOCUMENTED.search(inspect.getdoc(builder))
    assert match, f"{builder.__name__}'s docstring states no parameter count"
    return int(match.group(1).replace(",", ""))


@pytest.mark.parametrize("name", sorted(model_zoo.BUILDERS))
def test_builder_has_its_documented_parameter_count(name):
    builder = model_zoo.BUILDERS[name]
    model = builder()
    assert model.count_params() == _documented_count(builder)
    defaults = inspect.signature(builder).parameters
    shape = defaults["input_shape"].default
    x = np.random.default_rng(0).random((2, *shape)).astype("float32")
    scores = np.asarray(model(x, training=False))
    assert scores.shape == (2, defaults["num_classes"].default)
    assert np.isfinite(scores).all()
    assert model.layers[-1].name == "logits"
    assert model.layers[-1].activation is keras.activations.linear


@pytest.mark.parametrize("name", sorted(model_zoo.BUILDERS))
def test_builder_takes_input_shape_and_class_count(name):
    model = model_zoo.build(name, (28, 28, 3), 7)
    assert model.input_shape == (None, 28, 28, 3)
    assert model.output_shape == (None, 7)


def test_linear_parameters_and_regularisers():
    model = model_zoo.linear((8, 8, 1), 10, l1=1e-4, l2=1e-3)
    assert model.count_params() == 8 * 8 * 10 + 10
    model(np.ones((1, 8, 8, 1), dtype="float32"))
    penalty = float(sum(np.asarray(loss) for loss in model.losses))
    w = np.asarray(model.get_layer("logits").kernel)
    assert penalty == pytest.approx(1e-4 * np.abs(w).sum() + 1e-3 * (w**2).sum(), rel=1e-4)
    assert model_zoo.linear().losses == []


def test_mlp_two_and_three_layers():
    assert model_zoo.mlp((8, 8, 1), 10, hidden=(128,)).count_params() == 64 * 128 + 128 + 1290
    three = model_zoo.mlp((8, 8, 1), 10, hidden=(100, 50), activation="tanh")
    assert three.count_params() == (64 * 100 + 100) + (100 * 50 + 50) + (50 * 10 + 10)
    assert three.name == "mlp_3layer"


@pytest.mark.parametrize("activation", model_zoo.MLP_ACTIVATIONS)
def test_mlp_activations(activation):
    model = model_zoo.mlp(
        (4, 4, 1), 3, hidden=(8,), activation=activation, batch_norm=True, dropout=0.1
    )
    assert model(np.ones((2, 4, 4, 1), dtype="float32")).shape == (2, 3)


def test_maxout_takes_the_maximum_of_its_pieces():
    layer = model_zoo.Maxout(2)
    x = np.array([[1.0, 5.0, -2.0, -3.0, 0.5, 0.4]], dtype="float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), [[5.0, -2.0, 0.5]])
    model = model_zoo.mlp((4, 4, 1), 3, hidden=(8,), activation="maxout")
    assert model.count_params() == (16 * 16 + 16) + (8 * 3 + 3)


def test_mlp_rejects_an_unknown_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        model_zoo.mlp(activation="swishy")


def test_lenet5_is_the_1998_shape():
    model = model_zoo.lenet5()
    shapes = {layer.name: layer.output.shape[1:] for layer in model.layers}
    assert shapes["c1"] == (28, 28, 6)
    assert shapes["s2"] == (14, 14, 6)
    assert shapes["c3"] == (10, 10, 16)
    assert shapes["s4"] == (5, 5, 16)
    assert isinstance(model.get_layer("s2"), keras.layers.AveragePooling2D)
    assert model.get_layer("c1").activation is keras.activations.tanh
    # (5·5·1 + 1)·6 + (5·5·6 + 1)·16 + (400 + 1)·120 + (120 + 1)·84 + (84 + 1)·10
    assert model.count_params() == 156 + 2416 + 48120 + 10164 + 850


def test_resnet_uses_identity_and_projection_shortcuts():
    model = model_zoo.resnet(blocks_per_stage=2)
    names = [layer.name for layer in model.layers]
    assert "stage2_1_proj_conv" in names and "stage3_1_proj_conv" in names
    assert "stage1_1_proj_conv" not in names and "stage2_2_proj_conv" not in names
    assert sum(isinstance(layer, keras.layers.Add) for layer in model.layers) == 6


def test_inception_concatenates_four_branches():
    model = model_zoo.inception(width=16)
    concat = model.get_layer("inception3a_concat")
    # 1×1: 16, 3×3: 32, 5×5: 8, pool projection: 8
    assert concat.output.shape[-1] == 16 + 32 + 8 + 8


def test_mobilenets_are_cheaper_than_a_plain_cnn():
    v1, v2 = model_zoo.mobilenet_v1(), model_zoo.mobilenet_v2()
    assert any(isinstance(layer, keras.layers.DepthwiseConv2D) for layer in v1.layers)
    # v2 keeps the identity only where the shape is kept
    assert sum(isinstance(layer, keras.layers.Add) for layer in v2.layers) == 3
    vgg = model_zoo.vgg()
    assert model_zoo.estimate_macs(v1) < model_zoo.estimate_macs(vgg) / 2


def test_alpha_shrinks_mobilenet():
    assert (
        model_zoo.mobilenet_v2(alpha=0.5).count_params()
        < model_zoo.mobilenet_v2().count_params() / 2.5
    )


def test_compound_scaling():
    assert model_zoo.compound_scaling(0) == (1.0, 1.0, 1.0)
    depth, width, resolution = model_zoo.compound_scaling(1)
    assert (depth, width, resolution) == pytest.approx((1.2, 1.1, 1.15))
    assert depth * width**2 * resolution**2 == pytest.approx(2.0, abs=0.1)
    assert model_zoo.efficientnet_input_size(0) == 32
    assert model_zoo.efficientnet_input_size(2) == 44  # 32 · 1.3225 = 42.3 → 44
    b0 = model_zoo.efficientnet()
    b1 = model_zoo.efficientnet((36, 36, 1), phi=1)
    assert b1.count_params() > b0.count_params()
    assert sum(isinstance(layer, keras.layers.Multiply) for layer in b0.layers) == 6  # SE


def test_estimate_macs_counts_by_hand():
    assert model_zoo.estimate_macs(model_zoo.linear()) == 640
    # LeNet: 28²·6·25 + 10²·16·150 + 400·120 + 120·84 + 84·10
    assert model_zoo.estimate_macs(model_zoo.lenet5()) == (117600 + 240000 + 48000 + 10080 + 840)


def test_build_rejects_unknown_names_and_options():
    with pytest.raises(ValueError, match="Unknown model builder 'resnet9000'"):
        model_zoo.build("resnet9000", (8, 8, 1), 10)
    with pytest.raises(ValueError, match="has no option"):
        model_zoo.build("linear", (8, 8, 1), 10, depth=3)
    with pytest.raises(ValueError, match="num_classes"):
        model_zoo.build("linear", (8, 8, 1), 1)


def test_a_tiny_linear_classifier_learns():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4, 4, 1)).astype("float32")
    y = (x[:, 0, 0, 0] > x[:, 3, 3, 0]).astype("int64")
    from dl_pipelines.pipelines.image_classification.linear_losses import multiclass_svm_loss

    keras.utils.set_random_seed(0)
    model = model_zoo.linear((4, 4, 1), 2)
    model.compile(
        keras.optimizers.Adam(0.05),
        loss=multiclass_svm_loss,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert history.history["accuracy"][-1] > 0.9


def test_maxout_model_saves_and_loads(tmp_path):
    model = model_zoo.mlp((4, 4, 1), 3, hidden=(8,), activation="maxout")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.ones((1, 4, 4, 1), dtype="float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)
