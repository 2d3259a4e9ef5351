"""A config-driven zoo of image classifiers, from a linear classifier to EfficientNet.

Every builder takes the input shape ``(height, width, channels)`` and the class count
and returns an uncompiled ``keras.Model`` whose last layer, named ``logits``, is a
plain ``Dense`` giving one *score* per class (no softmax): the same scores feed the
multiclass SVM loss or the softmax cross-entropy
(:mod:`~dl_pipelines.pipelines.image_classification.linear_losses`), and ``argmax`` of
them is the prediction. Each docstring states the parameter count at the builder's
default input and options; ``tests/pipelines/image_classification/test_zoo.py`` checks it.

Course notes → builder (names as used in ``conf/base/parameters_image_classification.yml``),
by module:

* :mod:`.dense`: the linear score function f(x, W) = Wx + b with an L1/L2/elastic-net
  weight penalty λR(W) (:func:`linear`); 2- and 3-layer networks with ReLU/sigmoid/tanh/
  leaky ReLU/ELU/maxout, dropout, batch norm (:func:`mlp`, :func:`Maxout`)
* :mod:`.classic`: LeNet-5 (1998: tanh, average pooling), AlexNet and VGG-16 shapes
  scaled to small inputs (:func:`lenet5`, :func:`alexnet`, :func:`vgg`)
* :mod:`.modern`: ResNet (identity and projection shortcuts), Inception (1×1 / 3×3 /
  5×5 / pool branches with 1×1 bottlenecks) (:func:`resnet`, :func:`inception`)
* :mod:`.mobile`: MobileNet v1 (depthwise-separable) and v2 (inverted residual, linear
  bottleneck), EfficientNet compound scaling (depth αᵠ, width βᵠ, resolution γᵠ)
  (:func:`mobilenet_v1`, :func:`mobilenet_v2`, :func:`efficientnet`,
  :func:`compound_scaling`)
* :mod:`.registry`: :data:`BUILDERS` (builder name → function) and :func:`build`
* :mod:`.macs`: :func:`estimate_macs`, the multiply-accumulates of a forward pass
* :mod:`.base`: what the builders share (input check, class scores, batch-norm momentum)

The convolutional blocks come from :mod:`dl_pipelines.nn.blocks`. Keras is imported
lazily so that importing the zoo stays cheap for the Kedro CLI.
"""

from dl_pipelines.pipelines.image_classification.zoo.base import set_batch_norm_momentum
from dl_pipelines.pipelines.image_classification.zoo.classic import alexnet, lenet5, vgg
from dl_pipelines.pipelines.image_classification.zoo.dense import (
    MLP_ACTIVATIONS,
    Maxout,
    linear,
    mlp,
)
from dl_pipelines.pipelines.image_classification.zoo.macs import estimate_macs
from dl_pipelines.pipelines.image_classification.zoo.mobile import (
    EFFICIENTNET_STAGES,
    MOBILENET_V2_STAGES,
    compound_scaling,
    efficientnet,
    efficientnet_input_size,
    mobilenet_v1,
    mobilenet_v2,
)
from dl_pipelines.pipelines.image_classification.zoo.modern import inception, resnet
from dl_pipelines.pipelines.image_classification.zoo.registry import BUILDERS, build

__all__ = [
    "BUILDERS",
    "EFFICIENTNET_STAGES",
    "MLP_ACTIVATIONS",
    "MOBILENET_V2_STAGES",
    "Maxout",
    "alexnet",
    "build",
    "compound_scaling",
    "efficientnet",
    "efficientnet_input_size",
    "estimate_macs",
    "inception",
    "lenet5",
    "linear",
    "mlp",
    "mobilenet_v1",
    "mobilenet_v2",
    "resnet",
    "set_batch_norm_momentum",
    "vgg",
]
