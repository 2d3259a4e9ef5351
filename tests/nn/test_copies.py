import keras
import numpy as np

from dl_pipelines.nn.copies import uncompiled_copy


def _loss(y_true, y_pred):  # a project-defined loss: a compiled model saves a reference
    return keras.ops.mean(keras.ops.square(y_true - y_pred))


def test_the_copy_computes_the_same_without_the_compilation(tmp_path) -> None:
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs))
    model.compile(optimizer="adam", loss=_loss)
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0)

    copy = uncompiled_copy(model)

    assert model.compiled and not copy.compiled
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(copy.predict(x, verbose=0), model.predict(x, verbose=0))
    copy.save(tmp_path / "copy.keras")
    loaded = keras.saving.load_model(tmp_path / "copy.keras")  # no custom_objects needed
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
