"""Tests for dl_pipelines.vision.images."""

import numpy as np
import pytest
from PIL import Image

from dl_pipelines.vision.images import (
    ImageDecodeError,
    center_square,
    decode_image,
    linear_to_srgb,
    random_square_crop,
    resize,
    srgb_to_linear,
    to_rgb_uint8,
)


def _gradient(height: int, width: int) -> np.ndarray:
    """A deterministic RGB uint8 image whose pixels differ from each other."""
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack(
        [(rows * 7 + cols * 3) % 256, (rows * 11 + cols) % 256, (cols * 13 + rows * 5) % 256],
        axis=-1,
    ).astype(np.uint8)


# --- to_rgb_uint8 ---------------------------------------------------------------------


def test_to_rgb_uint8_grey_2d_is_repeated_into_three_channels():
    grey = np.array([[0, 100], [200, 255]], dtype=np.uint8)
    out = to_rgb_uint8(grey)
    assert out.shape == (2, 2, 3)
    assert out.dtype == np.uint8
    for channel in range(3):
        np.testing.assert_array_equal(out[..., channel], grey)


def test_to_rgb_uint8_grey_single_channel():
    grey = np.array([[[7], [9]]], dtype=np.uint8)
    out = to_rgb_uint8(grey)
    np.testing.assert_array_equal(out, [[[7, 7, 7], [9, 9, 9]]])


def test_to_rgb_uint8_rgb_uint8_unchanged():
    image = _gradient(5, 4)
    out = to_rgb_uint8(image)
    np.testing.assert_array_equal(out, image)
    assert out.flags["C_CONTIGUOUS"]


def test_to_rgb_uint8_non_contiguous_input_becomes_contiguous():
    image = _gradient(6, 6)[:, ::2]
    out = to_rgb_uint8(image)
    assert out.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(out, image)


def test_to_rgb_uint8_float_in_unit_range_is_scaled_and_rounded():
    image = np.array([[0.0, 0.5, 1.0, 0.2]], dtype=np.float64)
    out = to_rgb_uint8(image)
    assert out.dtype == np.uint8
    # 0.5 * 255 = 127.5 → rint → 128 (round half to even); 0.2 * 255 = 51.
    np.testing.assert_array_equal(out[0, :, 0], [0, 128, 255, 51])
    np.testing.assert_array_equal(out[..., 0], out[..., 2])


def test_to_rgb_uint8_float_out_of_range_is_clipped():
    out = to_rgb_uint8(np.array([[[-0.5, 0.5, 2.0]]], dtype=np.float32))
    np.testing.assert_array_equal(out, [[[0, 128, 255]]])


def test_to_rgb_uint8_rgba_composited_onto_white():
    rgba = np.array(
        [
            [
                [255, 0, 0, 255],  # opaque red
                [0, 0, 0, 0],  # fully transparent → white
                [0, 0, 0, 128],  # half-transparent black → grey
                [10, 20, 30, 255],
            ]
        ],  # opaque colour kept
        dtype=np.uint8,
    )
    out = to_rgb_uint8(rgba)
    assert out.shape == (1, 4, 3)
    np.testing.assert_array_equal(out[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(out[0, 1], [255, 255, 255])
    # 255 * (1 - 128/255) = 127
    np.testing.assert_array_equal(out[0, 2], [127, 127, 127])
    np.testing.assert_array_equal(out[0, 3], [10, 20, 30])


def test_to_rgb_uint8_grey_alpha_composited_onto_white():
    la = np.array([[[0, 0], [50, 255]]], dtype=np.uint8)
    out = to_rgb_uint8(la)
    np.testing.assert_array_equal(out, [[[255, 255, 255], [50, 50, 50]]])


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2, 3), (3, 3, 5), (3, 3, 0)])
def test_to_rgb_uint8_bad_shape_raises(shape):
    with pytest.raises(ValueError, match="Not an image"):
        to_rgb_uint8(np.zeros(shape, dtype=np.uint8))


@pytest.mark.parametrize("dtype", [np.int64, np.uint16, np.int8, bool])
def test_to_rgb_uint8_bad_dtype_raises(dtype):
    with pytest.raises(ValueError, match="Unsupported image dtype"):
        to_rgb_uint8(np.zeros((2, 2, 3), dtype=dtype))


# --- resize ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(8, 12), (40, 30), (1, 1), (16, 16)])
def test_resize_shape_and_dtype(size):
    image = _gradient(20, 24)
    out = resize(image, size)
    assert out.shape == (*size, 3)
    assert out.dtype == np.uint8


def test_resize_identity_when_same_size():
    image = _gradient(10, 15)
    out = resize(image, (10, 15))
    np.testing.assert_array_equal(out, image)
    assert out is image


def test_resize_preserves_uniform_colour():
    image = np.full((30, 20, 3), (12, 200, 99), dtype=np.uint8)
    out = resize(image, (7, 11))
    assert (out == np.array([12, 200, 99], dtype=np.uint8)).all()


def test_resize_height_width_order():
    # Left half black, right half white: after resizing the left column is dark and
    # the right column light, which fails if height and width were swapped.
    image = np.zeros((10, 40, 3), dtype=np.uint8)
    image[:, 20:] = 255
    out = resize(image, (20, 8))
    assert out.shape == (20, 8, 3)
    assert out[:, 0].max() < 30 and out[:, -1].min() > 225


# --- center_square --------------------------------------------------------------------


def test_center_square_landscape():
    image = _gradient(4, 10)
    out = center_square(image)
    assert out.shape == (4, 4, 3)
    np.testing.assert_array_equal(out, image[:, 3:7])


def test_center_square_portrait():
    image = _gradient(9, 5)
    out = center_square(image)
    assert out.shape == (5, 5, 3)
    np.testing.assert_array_equal(out, image[2:7, :])


def test_center_square_of_square_is_unchanged():
    image = _gradient(6, 6)
    np.testing.assert_array_equal(center_square(image), image)


# --- random_square_crop ---------------------------------------------------------------


def _find_crop(image: np.ndarray, crop: np.ndarray) -> tuple[int, int] | None:
    side = crop.shape[0]
    for top in range(image.shape[0] - side + 1):
        for left in range(image.shape[1] - side + 1):
            if np.array_equal(image[top : top + side, left : left + side], crop):
                return top, left
    return None


def test_random_square_crop_side_within_bounds_and_inside_image():
    image = _gradient(40, 60)
    rng = np.random.default_rng(0)
    sides = set()
    for _ in range(50):
        crop = random_square_crop(image, rng, 0.5, 0.8)
        side = crop.shape[0]
        assert crop.shape == (side, side, 3)
        assert round(40 * 0.5) <= side <= round(40 * 0.8)
        sides.add(side)
        # It is a window of the original image (views share memory).
        assert np.shares_memory(crop, image)
        assert _find_crop(image, crop) is not None
    assert len(sides) > 3  # the side varies


def test_random_square_crop_full_fraction_is_short_side():
    image = _gradient(12, 30)
    crop = random_square_crop(image, np.random.default_rng(1), 1.0, 1.0)
    assert crop.shape == (12, 12, 3)


def test_random_square_crop_tiny_fraction_is_at_least_one_pixel():
    image = _gradient(10, 10)
    crop = random_square_crop(image, np.random.default_rng(1), 0.0, 0.01)
    assert crop.shape == (1, 1, 3)


def test_random_square_crop_deterministic_for_seeded_rng():
    image = _gradient(50, 70)
    a = [random_square_crop(image, np.random.default_rng(7), 0.3, 0.9) for _ in range(3)]
    rng_b = np.random.default_rng(7)
    b = random_square_crop(image, rng_b, 0.3, 0.9)
    for crop in a:
        np.testing.assert_array_equal(crop, b)
    # A sequence of crops from one generator is reproducible too.
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    seq1 = [_find_crop(image, random_square_crop(image, g1, 0.3, 0.9)) for _ in range(4)]
    seq2 = [_find_crop(image, random_square_crop(image, g2, 0.3, 0.9)) for _ in range(4)]
    assert seq1 == seq2
    assert len(set(seq1)) > 1  # successive crops of one generator differ


def test_random_square_crop_differs_between_seeds():
    image = _gradient(50, 70)
    crops = {
        random_square_crop(image, np.random.default_rng(s), 0.3, 0.9).tobytes() for s in range(10)
    }
    assert len(crops) > 1


# --- sRGB <-> linear ------------------------------------------------------------------


def test_srgb_to_linear_known_values():
    out = srgb_to_linear(np.array([0, 255, 128, 10], dtype=np.uint8))
    assert out.dtype == np.float32
    assert out[0] == 0.0
    assert out[1] == pytest.approx(1.0, abs=1e-6)
    assert out[2] == pytest.approx(0.2158605, abs=1e-5)
    # 10/255 = 0.0392 is below the 0.04045 knee: linear segment c / 12.92.
    assert out[3] == pytest.approx(10 / 255 / 12.92, rel=1e-5)


def test_linear_to_srgb_known_values():
    out = linear_to_srgb(np.array([0.0, 1.0, 0.2158605, -0.3, 4.0], dtype=np.float32))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [0, 255, 128, 0, 255])


def test_srgb_linear_round_trip_all_uint8_values_exact():
    values = np.arange(256, dtype=np.uint8)
    linear = srgb_to_linear(values)
    assert np.all(np.diff(linear) > 0)  # strictly increasing
    np.testing.assert_array_equal(linear_to_srgb(linear), values)


def test_srgb_to_linear_keeps_shape():
    image = _gradient(3, 4)
    assert srgb_to_linear(image).shape == (3, 4, 3)


# --- decode_image ---------------------------------------------------------------------


def test_decode_png_rgb(tmp_path):
    image = _gradient(12, 17)
    path = tmp_path / "a.png"
    Image.fromarray(image).save(path)
    out = decode_image(path)
    assert out.shape == (12, 17, 3)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, image)  # PNG is lossless


def test_decode_png_grey_and_str_path(tmp_path):
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5) * 10
    path = tmp_path / "grey.png"
    Image.fromarray(grey, mode="L").save(path)
    out = decode_image(str(path))
    assert out.shape == (4, 5, 3)
    np.testing.assert_array_equal(out[..., 1], grey)


def test_decode_png_rgba_composited_onto_white(tmp_path):
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[0, 0] = (200, 10, 10, 255)
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, mode="RGBA").save(path)
    out = decode_image(path)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out[0, 0], [200, 10, 10])
    np.testing.assert_array_equal(out[1, 2], [255, 255, 255])


def test_decode_jpeg(tmp_path):
    image = np.full((21, 33, 3), (30, 120, 220), dtype=np.uint8)
    path = tmp_path / "b.jpg"
    Image.fromarray(image).save(path, quality=95)
    out = decode_image(path)
    assert out.shape == (21, 33, 3)
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - image.astype(int)).max() <= 4


def test_decode_jpeg_honours_exif_orientation(tmp_path):
    image = np.zeros((10, 30, 3), dtype=np.uint8)  # landscape
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° CW to display
    path = tmp_path / "rotated.jpg"
    Image.fromarray(image).save(path, exif=exif.tobytes())
    assert decode_image(path).shape == (30, 10, 3)


def test_decode_corrupt_file_raises_with_path_and_fix(tmp_path):
    path = tmp_path / "x.jpg"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    with pytest.raises(ImageDecodeError) as info:
        decode_image(path)
    message = str(info.value)
    assert str(path) in message
    assert "Replace" in message
    assert isinstance(info.value, ValueError)


def test_decode_truncated_png_raises(tmp_path):
    path = tmp_path / "cut.png"
    Image.fromarray(_gradient(64, 64)).save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ImageDecodeError, match="cut.png"):
        decode_image(path)


def test_decode_16bit_grey_png_is_scaled_not_clipped(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((2, 2), 32768, dtype=np.uint16)).save(path)
    out = decode_image(path)
    assert abs(int(out[0, 0, 0]) - 128) <= 1
