"""Tests for dl_pipelines.nn.keras_data."""

import numpy as np
import pytest

from dl_pipelines.nn.keras_data import ArrayBatches, random_horizontal_flip


def _data(n: int = 10):
    x = np.arange(n * 2 * 3 * 1, dtype=np.uint8).reshape(n, 2, 3, 1)
    y = np.arange(n) * 10
    return x, y


def _epoch_rows(batches: ArrayBatches, x: np.ndarray) -> np.ndarray:
    """Recover the example order of one epoch from the batches' x values."""
    firsts = {int(row.reshape(-1)[0]): i for i, row in enumerate(x)}
    return np.array(
        [firsts[int(xb.reshape(-1)[0])] for i in range(len(batches)) for xb in batches[i][0]]
    )


@pytest.mark.parametrize(
    "n, batch_size, expected", [(10, 3, 4), (9, 3, 3), (1, 5, 1), (10, 1, 10), (10, 10, 1)]
)
def test_number_of_batches_is_ceil(n, batch_size, expected):
    x, y = _data(n)
    assert len(ArrayBatches(x, y, batch_size)) == expected


def test_batches_cover_data_and_last_is_smaller():
    x, y = _data(10)
    batches = ArrayBatches(x, y, batch_size=4)
    sizes = [len(batches[i][0]) for i in range(len(batches))]
    assert sizes == [4, 4, 2]
    xb, yb = batches[2]
    assert len(yb) == 2


def test_no_shuffle_keeps_original_order_and_converts_x_to_float32():
    x, y = _data(7)
    batches = ArrayBatches(x, y, batch_size=3, shuffle=False)
    xs = np.concatenate([batches[i][0] for i in range(len(batches))])
    ys = np.concatenate([batches[i][1] for i in range(len(batches))])
    assert xs.dtype == np.float32
    np.testing.assert_array_equal(xs, x.astype(np.float32))
    np.testing.assert_array_equal(ys, y)
    assert ys.dtype == y.dtype
    batches.on_epoch_end()
    np.testing.assert_array_equal(batches[0][1], y[:3])


def test_shuffle_is_a_permutation_keeping_pairs():
    x, y = _data(20)
    batches = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=1)
    order = _epoch_rows(batches, x)
    assert sorted(order.tolist()) == list(range(20))
    assert not np.array_equal(order, np.arange(20))
    ys = np.concatenate([batches[i][1] for i in range(len(batches))])
    np.testing.assert_array_equal(ys, y[order])  # x and y stay paired


def test_shuffle_differs_between_epochs():
    x, y = _data(20)
    batches = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=1)
    first = _epoch_rows(batches, x)
    batches.on_epoch_end()
    second = _epoch_rows(batches, x)
    assert sorted(second.tolist()) == list(range(20))
    assert not np.array_equal(first, second)


def test_same_seed_same_order_every_epoch():
    x, y = _data(20)
    a = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=3)
    b = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=3)
    for _ in range(3):
        np.testing.assert_array_equal(_epoch_rows(a, x), _epoch_rows(b, x))
        a.on_epoch_end()
        b.on_epoch_end()


def test_different_seed_different_order():
    x, y = _data(20)
    a = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=3)
    b = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=4)
    assert not np.array_equal(_epoch_rows(a, x), _epoch_rows(b, x))


def test_getitem_is_repeatable_within_epoch():
    x, y = _data(20)
    batches = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=3, augment=random_horizontal_flip)
    for i in range(len(batches)):
        np.testing.assert_array_equal(batches[i][0], batches[i][0])
        np.testing.assert_array_equal(batches[i][1], batches[i][1])


def test_y_none_returns_one_tuple():
    x, _ = _data(5)
    batches = ArrayBatches(x, None, batch_size=2)
    item = batches[0]
    assert isinstance(item, tuple) and len(item) == 1
    np.testing.assert_array_equal(item[0], x[:2].astype(np.float32))


def test_mismatched_lengths_raise():
    x, y = _data(5)
    with pytest.raises(ValueError, match="5 examples but y has 4"):
        ArrayBatches(x, y[:4], batch_size=2)


def test_batch_size_must_be_positive():
    x, y = _data(5)
    with pytest.raises(ValueError, match="batch_size"):
        ArrayBatches(x, y, batch_size=0)


def test_augment_receives_batch_and_seeded_rng():
    x, y = _data(8)
    calls = []

    def augment(xb, generator):
        calls.append(generator.random())
        return xb + 1

    a = ArrayBatches(x, y, batch_size=4, seed=5, augment=augment)
    np.testing.assert_array_equal(a[0][0], x[:4].astype(np.float32) + 1)
    a[1]
    a[0]
    assert calls[0] == calls[2] and calls[0] != calls[1]  # per batch, reproducible
    a.on_epoch_end()
    a[0]
    assert calls[3] != calls[0]  # and per epoch


def test_random_horizontal_flip_flips_exactly_the_chosen_images():
    rng_data = np.random.default_rng(0)
    x = rng_data.integers(0, 256, size=(32, 4, 5, 3), dtype=np.uint8)
    before = x.copy()
    out = random_horizontal_flip(x, np.random.default_rng(11))
    chosen = np.random.default_rng(11).random(len(x)) < 0.5
    assert 0 < chosen.sum() < len(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_array_equal(out[chosen], x[chosen][:, :, ::-1])
    np.testing.assert_array_equal(out[~chosen], x[~chosen])
    # Flipped images really changed (random pixels are not mirror-symmetric).
    assert not np.array_equal(out[chosen], x[chosen])
    np.testing.assert_array_equal(x, before)  # input untouched


def test_sample_weights_travel_with_their_examples():
    x, y = _data(20)
    weights = np.arange(20 * 4, dtype=np.float32).reshape(20, 4)  # per output step
    batches = ArrayBatches(x, y, batch_size=6, shuffle=True, seed=3, sample_weight=weights)
    order = _epoch_rows(batches, x)
    assert all(len(batches[i]) == 3 for i in range(len(batches)))
    ws = np.concatenate([batches[i][2] for i in range(len(batches))])
    np.testing.assert_array_equal(ws, weights[order])
    with pytest.raises(ValueError, match="one row per example"):
        ArrayBatches(x, y, batch_size=6, sample_weight=weights[:5])
    with pytest.raises(ValueError, match="needs y"):
        ArrayBatches(x, None, batch_size=6, sample_weight=weights)
