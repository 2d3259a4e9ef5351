"""Convolution arithmetic of the CNN notes, in plain NumPy, one fact per function.

Deep-learning "convolution" is cross-correlation: the filter is slid over the image
without flipping, and each output is the sum of the element-wise products. Shapes are
``(height, width)`` for one channel; ``tests/pipelines/image_classification/
test_convolution.py`` checks every function against the notes' hand-computed numbers
and against Keras' own layers.
"""

from __future__ import annotations

import numpy as np

#: Vertical-edge filter of the notes: bright-left / dark-right gives a positive response.
VERTICAL_EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64)
#: Horizontal-edge filter: bright-top / dark-bottom gives a positive response.
HORIZONTAL_EDGE = VERTICAL_EDGE.T.copy()
#: Sobel filter (vertical edges): more weight on the centre row.
SOBEL_VERTICAL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)
#: Scharr filter (vertical edges): better rotational symmetry than Sobel.
SCHARR_VERTICAL = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)


def output_size(n: int, f: int, padding: int = 0, stride: int = 1) -> int:
    """Output side of a convolution or pooling: ⌊(n + 2p − f) / s⌋ + 1."""
    if f < 1 or stride < 1 or padding < 0:
        raise ValueError(
            f"need f >= 1, stride >= 1, padding >= 0; got f={f}, stride={stride}, padding={padding}"
        )
    if n + 2 * padding < f:
        raise ValueError(f"a {f}×{f} filter does not fit a {n}-wide input padded by {padding}")
    return (n + 2 * padding - f) // stride + 1


def same_padding(f: int) -> int:
    """Padding p = (f − 1) / 2 that keeps the size at stride 1 ("same"); f must be odd."""
    if f < 1 or f % 2 == 0:
        raise ValueError(f"'same' padding (f − 1)/2 needs an odd filter size, got {f}")
    return (f - 1) // 2


def conv2d(
    image: np.ndarray,
    kernel: np.ndarray,
    padding: int = 0,
    stride: int = 1,
    pad_mode: str = "constant",
) -> np.ndarray:
    """One-channel 2-D cross-correlation with ``padding`` and ``stride``.

    ``pad_mode`` is NumPy's: ``constant`` pads with zeros (what CNN layers do), ``edge``
    repeats the border pixels (no false edges along the border of a photo).
    Output shape: (:func:`output_size` of the height, of the width).
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("conv2d takes a 2-D image and a 2-D kernel")
    padded = np.pad(image, padding, mode=pad_mode)
    fh, fw = kernel.shape
    out_h = output_size(image.shape[0], fh, padding, stride)
    out_w = output_size(image.shape[1], fw, padding, stride)
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[i * stride : i * stride + fh, j * stride : j * stride + fw]
            out[i, j] = np.sum(window * kernel)
    return out


def pool2d(
    image: np.ndarray, size: int = 2, stride: int | None = None, mode: str = "max"
) -> np.ndarray:
    """Max or average pooling of one channel ("valid", stride defaults to the size)."""
    image = np.asarray(image, dtype=np.float64)
    stride = size if stride is None else stride
    reduce = {"max": np.max, "average": np.mean}.get(mode)
    if reduce is None:
        raise ValueError(f"mode must be 'max' or 'average', got '{mode}'")
    out_h = output_size(image.shape[0], size, 0, stride)
    out_w = output_size(image.shape[1], size, 0, stride)
    return np.array(
        [
            [
                reduce(image[i * stride : i * stride + size, j * stride : j * stride + size])
                for j in range(out_w)
            ]
            for i in range(out_h)
        ]
    )


def conv_output_shape(
    spatial: tuple[int, ...], f: int, filters: int, padding: int = 0, stride: int = 1
) -> tuple[int, ...]:
    """Output shape of a 1-D, 2-D or 3-D convolution with ``filters`` filters.

    A 1-D signal of length 14 with 16 filters of size 5 gives (10, 16); a 14×14×14
    volume with 16 filters of 5×5×5 gives (10, 10, 10, 16).
    """
    return (*(output_size(n, f, padding, stride) for n in spatial), filters)


def conv_parameters(
    f: int, channels_in: int, filters: int, dims: int = 2, bias: bool = True
) -> int:
    """Weights of a convolution layer: (f^dims · n_c + 1) · n_c' — independent of the input size."""
    return (f**dims * channels_in + int(bias)) * filters


def conv_multiplications(n_out: int, f: int, channels_in: int, filters: int) -> int:
    """Multiplications of a normal convolution: n_out² · f² · n_c · n_c'."""
    return n_out * n_out * f * f * channels_in * filters


def depthwise_separable_multiplications(
    n_out: int, f: int, channels_in: int, filters: int
) -> tuple[int, int]:
    """(depthwise, pointwise) multiplications: n_out²·f²·n_c and n_out²·n_c·n_c'."""
    return n_out * n_out * f * f * channels_in, n_out * n_out * channels_in * filters


def depthwise_separable_cost_ratio(f: int, filters: int) -> float:
    """Depthwise-separable cost / normal cost = 1/n_c' + 1/f²."""
    return 1 / filters + 1 / (f * f)


def edge_maps(grey: np.ndarray) -> dict[str, np.ndarray]:
    """Vertical, horizontal, Sobel-magnitude and Scharr-magnitude edges of a grey image.

    "same"-padded by repeating the border pixels, so every map has the image's size
    and the border shows no false edge; the magnitudes are
    √(g_x² + g_y²) of the vertical and transposed (horizontal) filter responses.
    """
    grey = np.asarray(grey, dtype=np.float64)
    p = same_padding(3)
    maps = {
        "vertical": conv2d(grey, VERTICAL_EDGE, p, pad_mode="edge"),
        "horizontal": conv2d(grey, HORIZONTAL_EDGE, p, pad_mode="edge"),
    }
    for name, kernel in (("sobel", SOBEL_VERTICAL), ("scharr", SCHARR_VERTICAL)):
        gx = conv2d(grey, kernel, p, pad_mode="edge")
        gy = conv2d(grey, kernel.T, p, pad_mode="edge")
        maps[name] = np.hypot(gx, gy)
    return maps


def receptive_field(kernel_sizes: list[int], strides: list[int]) -> int:
    """Side of the input region one output unit sees after stacked convolutions/pools."""
    field, jump = 1, 1
    for f, s in zip(kernel_sizes, strides, strict=True):
        field += (f - 1) * jump
        jump *= s
    return field
