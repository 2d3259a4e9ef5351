"""Convolution arithmetic of the CNN notes, each fact against its hand-computed numbers."""

import numpy as np
import pytest

from dl_pipelines.pipelines.image_classification import convolution as conv

NOTES_IMAGE = np.array(
    [
        [3, 0, 1, 2, 7, 4],
        [1, 5, 8, 9, 3, 1],
        [2, 7, 2, 5, 1, 3],
        [0, 1, 3, 1, 7, 8],
        [4, 2, 1, 6, 2, 8],
        [2, 4, 5, 2, 3, 9],
    ]
)
STEP_IMAGE = np.array([[10, 10, 10, 0, 0, 0]] * 6)
CHECKER_IMAGE = np.array([[10, 10, 10, 0, 0, 0]] * 3 + [[0, 0, 0, 10, 10, 10]] * 3)


@pytest.mark.parametrize(
    ("n", "f", "p", "s", "expected"),
    [
        (6, 3, 0, 1, 4),  # the notes' 6×6 * 3×3 → 4×4
        (6, 3, 1, 1, 6),  # "same" padding keeps the size
        (7, 3, 0, 2, 3),  # 7×7 * 3×3, stride 2 → 3×3
        (7, 3, 1, 2, 4),  # ⌊(7 + 2 − 3)/2⌋ + 1
        (8, 3, 0, 2, 3),  # floor: the last window would stick out
        (32, 5, 0, 1, 28),  # LeNet-5 C1
        (14, 2, 0, 2, 7),  # 2×2 pooling, stride 2
        (39, 3, 0, 1, 37),  # the notes' ConvNet example, layer 1
        (37, 5, 0, 2, 17),
        (17, 5, 0, 2, 7),
    ],
)
def test_output_size_formula(n, f, p, s, expected):
    assert conv.output_size(n, f, p, s) == expected == (n + 2 * p - f) // s + 1


def test_output_size_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="does not fit"):
        conv.output_size(2, 3)
    with pytest.raises(ValueError, match="stride"):
        conv.output_size(6, 3, stride=0)


@pytest.mark.parametrize(("f", "p"), [(1, 0), (3, 1), (5, 2), (7, 3)])
def test_same_padding_is_half_the_filter(f, p):
    assert conv.same_padding(f) == p
    assert conv.output_size(10, f, p) == 10


def test_same_padding_needs_an_odd_filter():
    with pytest.raises(ValueError, match="odd"):
        conv.same_padding(4)


def test_vertical_edge_filter_on_the_notes_image():
    expected = [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]
    np.testing.assert_array_equal(conv.conv2d(NOTES_IMAGE, conv.VERTICAL_EDGE), expected)


def test_vertical_edge_filter_finds_the_step():
    expected = [[0, 30, 30, 0]] * 4
    np.testing.assert_array_equal(conv.conv2d(STEP_IMAGE, conv.VERTICAL_EDGE), expected)
    # dark-to-light is the same edge with the opposite sign
    np.testing.assert_array_equal(
        conv.conv2d(STEP_IMAGE[:, ::-1], conv.VERTICAL_EDGE), -np.array(expected)
    )


def test_horizontal_edge_filter_on_the_checker_image():
    expected = [[0, 0, 0, 0], [30, 10, -10, -30], [30, 10, -10, -30], [0, 0, 0, 0]]
    np.testing.assert_array_equal(conv.conv2d(CHECKER_IMAGE, conv.HORIZONTAL_EDGE), expected)


def test_sobel_and_scharr_weigh_the_centre_row():
    np.testing.assert_array_equal(conv.SOBEL_VERTICAL, [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(conv.SCHARR_VERTICAL, [[3, 0, -3], [10, 0, -10], [3, 0, -3]])
    # on the step image each responds in proportion to its column sum (4 and 16)
    np.testing.assert_array_equal(
        conv.conv2d(STEP_IMAGE, conv.SOBEL_VERTICAL), [[0, 40, 40, 0]] * 4
    )
    np.testing.assert_array_equal(
        conv.conv2d(STEP_IMAGE, conv.SCHARR_VERTICAL), [[0, 160, 160, 0]] * 4
    )


def test_edge_filters_ignore_flat_regions_and_sum_to_zero():
    flat = np.full((5, 5), 7.0)
    for kernel in (
        conv.VERTICAL_EDGE,
        conv.HORIZONTAL_EDGE,
        conv.SOBEL_VERTICAL,
        conv.SCHARR_VERTICAL,
    ):
        assert kernel.sum() == 0
        np.testing.assert_array_equal(conv.conv2d(flat, kernel), np.zeros((3, 3)))


def test_zero_padding_makes_border_edges_and_edge_padding_does_not():
    flat = np.full((4, 4), 5.0)
    assert np.abs(conv.conv2d(flat, conv.VERTICAL_EDGE, padding=1)).max() == 15
    assert np.abs(conv.conv2d(flat, conv.VERTICAL_EDGE, 1, pad_mode="edge")).max() == 0


def test_padding_and_stride_shapes():
    image = np.arange(49.0).reshape(7, 7)
    kernel = np.ones((3, 3))
    assert conv.conv2d(image, kernel, padding=1).shape == (7, 7)
    strided = conv.conv2d(image, kernel, stride=2)
    assert strided.shape == (3, 3)
    # the top-left output is the sum of the top-left 3×3 window
    assert strided[0, 0] == image[:3, :3].sum()
    assert strided[1, 1] == image[2:5, 2:5].sum()


def test_max_pooling_of_the_notes_example():
    x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    np.testing.assert_array_equal(conv.pool2d(x, 2), [[6, 8], [3, 4]])
    np.testing.assert_array_equal(conv.pool2d(x, 2, mode="average"), [[3.25, 5.25], [2, 2]])


def test_max_pooling_3x3_stride_1():
    x = np.array(
        [[1, 3, 2, 1, 3], [2, 9, 1, 1, 5], [1, 3, 2, 3, 2], [8, 3, 5, 1, 0], [5, 6, 1, 2, 9]]
    )
    np.testing.assert_array_equal(conv.pool2d(x, 3, stride=1), [[9, 9, 5], [9, 9, 5], [8, 6, 9]])


def test_depthwise_separable_cost_example():
    # 6×6×3 input, 3×3 filters, 5 output channels → a 4×4×5 output
    normal = conv.conv_multiplications(n_out=4, f=3, channels_in=3, filters=5)
    depthwise, pointwise = conv.depthwise_separable_multiplications(4, 3, 3, 5)
    assert normal == 2160
    assert (depthwise, pointwise) == (432, 240)
    assert depthwise + pointwise == 672
    assert (depthwise + pointwise) / normal == pytest.approx(
        conv.depthwise_separable_cost_ratio(f=3, filters=5)
    )
    assert conv.depthwise_separable_cost_ratio(3, 5) == pytest.approx(1 / 5 + 1 / 9)


def test_one_by_one_convolution_mixes_channels_only():
    # 28×28×192 → 1×1 conv with 32 filters → 28×28×32; it multiplies channels per pixel
    assert conv.conv_output_shape((28, 28), f=1, filters=32) == (28, 28, 32)
    assert conv.conv_parameters(1, 192, 32) == 192 * 32 + 32
    # the notes' bottleneck: 28×28×192 → 5×5 conv 32 costs 120 M; via a 1×1 to 16 first, 12.4 M
    direct = conv.conv_multiplications(28, 5, 192, 32)
    bottleneck = conv.conv_multiplications(28, 1, 192, 16) + conv.conv_multiplications(
        28, 5, 16, 32
    )
    assert direct == 120_422_400
    assert bottleneck == 12_443_648


def test_one_and_three_dimensional_convolution_shapes():
    assert conv.conv_output_shape((14,), f=5, filters=16) == (10, 16)
    assert conv.conv_output_shape((10,), f=5, filters=32) == (6, 32)
    assert conv.conv_output_shape((14, 14, 14), f=5, filters=16) == (10, 10, 10, 16)
    assert conv.conv_output_shape((10, 10, 10), f=5, filters=32) == (6, 6, 6, 32)


def test_parameter_counts_do_not_depend_on_the_image_size():
    # the notes: 10 filters of 3×3×3 have (27 + 1) · 10 = 280 parameters, whatever the image
    assert conv.conv_parameters(3, 3, 10) == 280
    assert conv.conv_parameters(5, 16, 32, dims=1) == (5 * 16 + 1) * 32
    assert conv.conv_parameters(5, 1, 16, dims=3) == (125 + 1) * 16


def test_receptive_field_of_stacked_convolutions():
    assert conv.receptive_field([3, 3], [1, 1]) == 5  # two 3×3 see a 5×5 region
    assert conv.receptive_field([3, 3, 3], [1, 1, 1]) == 7
    assert conv.receptive_field([3, 2, 3], [1, 2, 1]) == 8


def test_keras_layers_agree_with_the_arithmetic():
    import keras

    x = NOTES_IMAGE.astype("float32")[None, :, :, None]
    layer = keras.layers.Conv2D(1, 3, use_bias=False)
    layer.build(x.shape)
    layer.set_weights([conv.VERTICAL_EDGE.astype("float32")[:, :, None, None]])
    np.testing.assert_allclose(
        np.asarray(layer(x))[0, :, :, 0], conv.conv2d(NOTES_IMAGE, conv.VERTICAL_EDGE)
    )
    seven = keras.ops.ones((1, 7, 7, 1))
    assert keras.layers.Conv2D(1, 3, strides=2)(seven).shape == (1, 3, 3, 1)
    assert keras.layers.Conv2D(1, 3, padding="same")(seven).shape == (1, 7, 7, 1)
    assert keras.layers.Conv1D(16, 5)(keras.ops.ones((1, 14, 1))).shape == (1, 10, 16)
    assert keras.layers.Conv3D(16, 5)(keras.ops.ones((1, 14, 14, 14, 1))).shape == (
        1,
        10,
        10,
        10,
        16,
    )
    pooled = keras.layers.MaxPooling2D(2)(
        np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype="float32")[
            None, :, :, None
        ]
    )
    np.testing.assert_array_equal(np.asarray(pooled)[0, :, :, 0], [[6, 8], [3, 4]])


def test_edge_maps_keep_the_image_size():
    image = np.zeros((12, 16))
    image[:, 8:] = 1.0
    maps = conv.edge_maps(image)
    assert set(maps) == {"vertical", "horizontal", "sobel", "scharr"}
    for edge in maps.values():
        assert edge.shape == image.shape
    # the vertical step is found by the vertical filter only, and the border shows no edge
    assert np.abs(maps["vertical"][:, 7:9]).min() > 0
    assert np.abs(maps["vertical"][:, [0, 1, 2, -3, -2, -1]]).max() == 0
    assert np.abs(maps["horizontal"]).max() == 0
