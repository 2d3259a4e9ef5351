"""The shared conv stack: layer names, shapes, parameter count and batch-norm momentum."""

from __future__ import annotations

import keras

from dl_pipelines.vision.backbone import conv_pool_stack, with_batch_norm_momentum


def test_conv_pool_stack_halves_the_size_per_stage() -> None:
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, conv_pool_stack(inputs, (4, 8)))
    assert model.output_shape == (None, 8, 8, 8)
    assert [layer.name for layer in model.layers[1:]] == [
        f"block{i}_{part}" for i in (1, 2) for part in ("conv", "bn", "act", "pool")
    ]
    # 3×3 convolutions without bias, 4 batch-norm numbers per channel
    assert model.count_params() == (9 * 3 * 4 + 4 * 4) + (9 * 4 * 8 + 4 * 8)


def test_batch_norm_momentum_is_set_and_saved(tmp_path) -> None:
    inputs = keras.Input((16, 16, 3))
    model = with_batch_norm_momentum(keras.Model(inputs, conv_pool_stack(inputs, (2,))))
    assert model.get_layer("block1_bn").momentum == 0.9
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    assert loaded.get_layer("block1_bn").get_config()["momentum"] == 0.9
