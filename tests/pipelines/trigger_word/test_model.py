"""The detector: course shapes, streaming (any length), the weighted loss, learning."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.trigger_word.model import (
    SpecAugment,
    WeightedBinaryCrossEntropy,
    build_trigger_word_model,
    inference_model,
    output_steps,
)


def _model(**kw):
    values = dict(
        n_freqs=101,
        conv_filters=196,
        conv_kernel=15,
        conv_stride=4,
        gru_units=(128, 128),
        dropout=0.2,
        learning_rate=1e-3,
        positive_weight=3.0,
    )
    values.update(kw)
    return build_trigger_word_model(**values)


def test_course_model_output_shape():
    model = _model()
    assert output_steps(5511, 15, 4) == 1375
    assert model.compute_output_shape((None, 5511, 101)) == (None, 1375, 1)
    assert not any("time_distributed" in layer.name for layer in model.layers)
    gru = [
        layer
        for layer in model.layers
        if "gru" in layer.name and "bn" not in layer.name and "dropout" not in layer.name
    ]
    assert len(gru) == 2 and not any(getattr(g, "go_backwards", False) for g in gru)


def test_any_length_and_streaming():
    model = _model(conv_filters=8, gru_units=(4,))
    x = np.random.default_rng(0).normal(size=(1, 215, 101)).astype("float32")
    full = np.asarray(model(x, training=False))
    assert full.shape == (1, output_steps(215, 15, 4), 1)
    prefix = np.asarray(model(x[:, :115], training=False))
    # causal: the scores of the first steps do not depend on later audio
    np.testing.assert_allclose(prefix[0, :, 0], full[0, : prefix.shape[1], 0], atol=1e-5)


def test_a_band_limited_detector_hears_nothing_above_its_band(tmp_path):
    """``heard_freqs`` 37 of 101 bins (0 … 8 kHz of the 44.1 kHz course spectrogram):
    changing the bins above leaves the scores as they are, a bin inside changes them,
    and the saved model and its training-free copy keep the band."""
    import keras

    model = _model(conv_filters=8, gru_units=(4,), heard_freqs=37)
    assert model.get_layer("conv").kernel.shape == (15, 37, 8)
    x = np.random.default_rng(0).normal(size=(2, 115, 101)).astype("float32")
    above, inside = x.copy(), x.copy()
    above[..., 37:] = 5.0
    inside[..., 36] += 1.0
    scores = np.asarray(model(x, training=False))
    np.testing.assert_array_equal(np.asarray(model(above, training=False)), scores)
    assert np.max(np.abs(np.asarray(model(inside, training=False)) - scores)) > 1e-4
    inference_model(model).save(tmp_path / "band.keras")
    loaded = keras.saving.load_model(tmp_path / "band.keras", compile=False)
    np.testing.assert_allclose(np.asarray(loaded(above, training=False)), scores, atol=1e-6)


def test_spec_augment_masks_bands_and_spans_in_training_only():
    layer = SpecAugment(freq_mask_bins=10, time_mask_frames=30, masks=2, seed=0)
    x = np.ones((8, 400, 101), dtype="float32")
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    y = np.asarray(layer(x, training=True))
    assert set(np.unique(y).tolist()) <= {0.0, 1.0}
    for example in y:
        masked_bins = int((example.sum(axis=0) == 0).sum())  # whole frequency bins
        masked_frames = int((example.sum(axis=1) == 0).sum())  # whole frames
        assert masked_bins <= 2 * 10 and masked_frames <= 2 * 30
        # every zero lies in a masked bin or a masked frame
        zeros = example == 0
        in_mask = (example.sum(axis=0) == 0)[None, :] | (example.sum(axis=1) == 0)[:, None]
        assert not (zeros & ~in_mask).any()
    assert (y == 0).any()  # something was masked
    assert SpecAugment.from_config(layer.get_config()).time_mask_frames == 30


def test_band_limiting_floors_every_bin_above_a_cutoff():
    layer = SpecAugment(
        band_limit_probability=1.0, band_limit_bins=(20, 40), floor_value=-2.0, masks=0, seed=3
    )
    x = np.ones((16, 50, 101), dtype="float32")
    y = np.asarray(layer(x, training=True))
    cutoffs = []
    for example in y:
        floored = np.flatnonzero((example == -2.0).all(axis=0))
        assert floored.size and (floored == np.arange(floored[0], 101)).all()  # a top band
        assert (example[:, : floored[0]] == 1.0).all()
        cutoffs.append(int(floored[0]))
    assert 20 <= min(cutoffs) and max(cutoffs) <= 40 and len(set(cutoffs)) > 1
    never = SpecAugment(band_limit_probability=0.0, band_limit_bins=(20, 40), masks=0)
    np.testing.assert_array_equal(np.asarray(never(x, training=True)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)


def test_model_with_spec_augment_scores_like_its_saved_copy(tmp_path):
    import keras

    model = _model(
        conv_filters=8,
        gru_units=(4,),
        augmentation=SpecAugment(
            10,
            30,
            2,
            seed=0,
            band_limit_probability=0.5,
            band_limit_bins=(20, 40),
            floor_value=-2.0,
        ),
    )
    assert any(isinstance(layer, SpecAugment) for layer in model.layers)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    x = np.random.default_rng(1).normal(size=(2, 215, 101)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(loaded(x, training=False)), np.asarray(model(x, training=False)), atol=1e-6
    )


def test_inference_model_drops_spec_augment_and_loads_without_project_classes(tmp_path):
    import json
    import zipfile

    import keras

    model = _model(conv_filters=8, gru_units=(4, 4), augmentation=SpecAugment(10, 30, 2, seed=0))
    served = inference_model(model)
    assert not any(isinstance(layer, SpecAugment) for layer in served.layers)
    assert served.count_params() == model.count_params()
    x = np.random.default_rng(2).normal(size=(2, 95, 101)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(served.predict(x, verbose=0)), np.asarray(model(x, training=False)), atol=1e-6
    )
    # the saved config names Keras classes only (a server without dl_pipelines loads it)
    served.save(tmp_path / "served.keras")
    with zipfile.ZipFile(tmp_path / "served.keras") as archive:
        config = archive.read("config.json").decode()
    assert "dl_pipelines" not in config
    assert not json.loads(config).get("compile_config")
    keras.saving.load_model(tmp_path / "served.keras")


def test_weighted_bce_hand_value():
    loss = WeightedBinaryCrossEntropy(positive_weight=3.0)
    y_true = np.array([[[1.0], [0.0]]], dtype="float32")
    y_pred = np.array([[[0.5], [0.25]]], dtype="float32")
    expected = (3 * -np.log(0.5) + -np.log(0.75)) / 2
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, rel=1e-5)
    assert WeightedBinaryCrossEntropy.from_config(loss.get_config()).positive_weight == 3.0


def test_focal_bce_hand_value():
    loss = WeightedBinaryCrossEntropy(positive_weight=3.0, focal_gamma=2.0)
    y_true = np.array([[[1.0], [0.0], [0.0]]], dtype="float32")
    y_pred = np.array([[[0.5], [0.25], [0.9]]], dtype="float32")
    expected = (3 * 0.5**2 * -np.log(0.5) + 0.25**2 * -np.log(0.75) + 0.9**2 * -np.log(0.1)) / 3
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, rel=1e-5)
    # the confident mistake (a negative at 0.9) now outweighs the rest
    assert 0.9**2 * -np.log(0.1) > 3 * 0.5**2 * -np.log(0.5) + 0.25**2 * -np.log(0.75)
    assert WeightedBinaryCrossEntropy.from_config(loss.get_config()).focal_gamma == 2.0
    with pytest.raises(ValueError, match="focal_gamma must be >= 0"):
        WeightedBinaryCrossEntropy(focal_gamma=-1.0)


def test_learns_a_tone_marker():
    """A tiny model learns to fire after a loud band: loss falls, separation beats chance."""
    generator = np.random.default_rng(0)
    n, frames = 96, 120
    x = generator.normal(0, 0.3, (n, frames, 16)).astype("float32")
    y = np.zeros((n, output_steps(frames, 5, 2), 1), dtype="float32")
    for i in range(n):
        at = int(generator.integers(10, 90))
        x[i, at : at + 6, 4:8] += 3.0
        step = (at + 6) // 2
        y[i, step : step + 8] = 1.0
    model = _model(
        n_freqs=16,
        conv_filters=8,
        conv_kernel=5,
        conv_stride=2,
        gru_units=(8,),
        dropout=0.0,
        learning_rate=0.01,
    )
    history = model.fit(x, y, epochs=12, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    p = np.asarray(model.predict(x, verbose=0))
    assert p[y == 1].mean() > p[y == 0].mean() + 0.3
