"""Mixing and labels: hand-computed label tracks, no overlap, no clipping, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import levels
from dl_pipelines.pipelines.trigger_word.mixing import (
    ClipBank,
    MixSpec,
    augment_word,
    end_step,
    label_track,
    mix_example,
    needed,
    place,
    room_response,
    warp,
)

RATE = 1000


def test_label_track_ones_exactly_after_the_end():
    # 10 s at 44.1 kHz, Ty = 1375: a keyword ending at 5 s ends in step 687.
    n = 441000
    assert end_step(220500, n, 1375) == 687
    y = label_track([220500], n, 1375, 50)
    assert y.dtype == np.uint8 and y.shape == (1375,)
    assert np.flatnonzero(y).tolist() == list(range(688, 738))


def test_label_track_is_clipped_at_ty_and_overlaps_merge():
    y = label_track([441000 - 500], 441000, 1375, 50)  # ends in step 1373
    assert np.flatnonzero(y).tolist() == [1374]  # only the last step is left
    y = label_track([0, 3208], 441000, 1375, 50)  # ends in steps 0 and 10
    assert y[1:61].all() and y.sum() == 60 and not y[0]


def test_place_never_overlaps_and_stays_inside():
    generator = np.random.default_rng(1)
    for _ in range(200):
        lengths = generator.integers(1, 300, generator.integers(0, 8))
        starts = place(lengths, 2000, generator)
        assert (starts >= 0).all() and (starts + lengths <= 2000).all()
        order = np.argsort(starts)
        assert (starts[order][1:] >= (starts + lengths)[order][:-1]).all()
    with pytest.raises(ValueError, match="do not fit"):
        place(np.array([1500, 600]), 2000, generator)


def test_place_keeps_the_minimum_gap():
    generator = np.random.default_rng(2)
    assert needed(np.array([300, 200, 100]), 50) == 700 and needed(np.array([], int), 50) == 0
    for _ in range(200):
        lengths = generator.integers(1, 300, generator.integers(0, 6))
        starts = place(lengths, 2000, generator, min_gap=100)
        assert (starts >= 0).all() and (starts + lengths <= 2000).all()
        order = np.argsort(starts)
        assert (starts[order][1:] - (starts + lengths)[order][:-1] >= 100).all()
    # exactly enough room: one arrangement per order, the gaps are exactly the minimum
    starts = place(np.array([500, 500]), 1100, generator, min_gap=100)
    assert sorted(starts.tolist()) == [0, 600]
    with pytest.raises(ValueError, match="do not fit"):
        place(np.array([500, 500]), 1099, generator, min_gap=100)


def test_mixing_drops_other_words_to_keep_the_gaps():
    positives, negatives, backgrounds = _banks()
    ids = np.arange(3)
    spec = _spec(min_gap=400)  # 4 keywords of 300 + 3 gaps = 2100 ≤ 3000; others dropped
    for i in range(20):
        _, ends, *_ = mix_example(
            np.random.default_rng(i),
            spec,
            backgrounds,
            np.arange(2),
            positives,
            ids,
            negatives,
            ids,
            n_positives=4,
            n_negatives=3,
        )
        assert len(ends) == 4 and (np.diff(ends) >= 300 + 400).all()


def _banks():
    generator = np.random.default_rng(0)
    t = np.arange(300) / RATE
    keyword = [(0.5 * np.sin(2 * np.pi * 50 * t)).astype(np.float32) for _ in range(3)]
    other = [(0.5 * np.sin(2 * np.pi * 120 * t[:200])).astype(np.float32) for _ in range(3)]
    noise = [generator.normal(0, 0.3, 5000).astype(np.float32) for _ in range(2)]
    return ClipBank.from_clips(keyword), ClipBank.from_clips(other), ClipBank.from_clips(noise)


def _spec(**kw):
    values = dict(
        sample_rate=RATE,
        n_samples=3000,
        output_steps=100,
        label_steps=5,
        max_positives=4,
        max_negatives=3,
        background_db=(-20.0, -5.0),
        snr_db=(10.0, 30.0),
    )
    values.update(kw)
    return MixSpec(**values)


def test_mixing_places_keywords_where_it_says_and_never_clips():
    positives, negatives, backgrounds = _banks()
    ids = np.arange(3)
    for i in range(50):
        generator = np.random.default_rng(i)
        x, ends, *_ = mix_example(
            generator, _spec(), backgrounds, np.arange(2), positives, ids, negatives, ids
        )
        assert x.shape == (3000,) and x.dtype == np.float32
        assert np.max(np.abs(x)) <= 0.99 + 1e-6
        assert len(ends) <= 4 and ends == sorted(ends)
        template = np.sin(2 * np.pi * 50 * np.arange(300) / RATE)
        for end in ends:  # the keyword (a 50 Hz tone, SNR ≥ 10 dB) ends exactly there
            segment = x[end - 300 : end]
            assert np.corrcoef(segment, template)[0, 1] > 0.9


def test_mixing_is_deterministic_and_counts_can_be_fixed():
    positives, negatives, backgrounds = _banks()
    ids = np.arange(3)
    a = mix_example(
        np.random.default_rng(7), _spec(), backgrounds, np.arange(2), positives, ids, negatives, ids
    )
    b = mix_example(
        np.random.default_rng(7), _spec(), backgrounds, np.arange(2), positives, ids, negatives, ids
    )
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    _, ends, *_ = mix_example(
        np.random.default_rng(3),
        _spec(),
        backgrounds,
        np.arange(2),
        positives,
        ids,
        negatives,
        ids,
        n_positives=0,
        n_negatives=3,
    )
    assert ends == []
    _, ends, *_ = mix_example(
        np.random.default_rng(3),
        _spec(),
        backgrounds,
        np.arange(2),
        positives,
        ids,
        negatives,
        ids,
        n_positives=4,
        n_negatives=0,
    )
    assert len(ends) == 4


def test_end_margin_keeps_every_word_clear_of_the_end():
    positives, negatives, backgrounds = _banks()
    ids = np.arange(3)
    spec = _spec(end_margin=1000)  # words only in the first 2000 of 3000 samples
    for i in range(50):
        x, ends, *_ = mix_example(
            np.random.default_rng(i),
            spec,
            backgrounds,
            np.arange(2),
            positives,
            ids,
            negatives,
            ids,
        )
        assert all(end <= 2000 for end in ends)
    # the last 1000 samples hold background only: nothing above its level
    quiet = mix_example(
        np.random.default_rng(0),
        _spec(end_margin=1000, max_negatives=3),
        backgrounds,
        np.arange(2),
        positives,
        ids,
        negatives,
        ids,
        n_positives=4,
        n_negatives=3,
    )[0]
    assert levels.rms(quiet[2000:]) < 0.5 * levels.rms(quiet[:2000])


def test_start_margin_keeps_every_word_clear_of_the_start():
    positives, negatives, backgrounds = _banks()
    ids = np.arange(3)
    spec = _spec(start_margin=1000)  # words only in the last 2000 of 3000 samples
    lengths = np.asarray([len(positives.clip(i)) for i in ids])
    for i in range(50):
        _, ends, *_ = mix_example(
            np.random.default_rng(i),
            spec,
            backgrounds,
            np.arange(2),
            positives,
            ids,
            negatives,
            ids,
        )
        assert all(end >= 1000 + lengths.min() for end in ends)
    quiet = mix_example(
        np.random.default_rng(0),
        _spec(start_margin=1000, max_negatives=3),
        backgrounds,
        np.arange(2),
        positives,
        ids,
        negatives,
        ids,
        n_positives=4,
        n_negatives=3,
    )[0]
    assert levels.rms(quiet[:1000]) < 0.5 * levels.rms(quiet[1000:])


def test_snr_is_applied_against_the_background():
    positives, negatives, backgrounds = _banks()
    spec = _spec(snr_db=(20.0, 20.0), background_db=(-30.0, -30.0), max_negatives=0)
    x, (end,), *_ = mix_example(
        np.random.default_rng(0),
        spec,
        backgrounds,
        np.arange(2),
        positives,
        np.arange(3),
        negatives,
        np.arange(3),
        n_positives=1,
    )
    word = x[end - 300 : end]
    rest = np.concatenate([x[: end - 300], x[end:]])
    # word + noise ≈ 20 dB above the noise: rms ratio ≈ 10
    assert 20 * np.log10(levels.rms(word) / levels.rms(rest)) == pytest.approx(20.0, abs=0.5)


def test_clip_bank_round_trip():
    clips = [np.array([0.0, 0.5], dtype=np.float32), np.array([-0.25], dtype=np.float32)]
    bank = ClipBank.from_clips(clips)
    assert len(bank) == 2 and bank.lengths().tolist() == [2, 1]
    np.testing.assert_allclose(bank.clip(0), clips[0], atol=1e-4)
    np.testing.assert_allclose(bank.clip(1), clips[1], atol=1e-4)


# ----------------------------------------------------------------------- augmentation
def _peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def test_warp_moves_pitch_up_and_shortens_by_the_factor():
    rate = 8000
    tone = np.sin(2 * np.pi * 200 * np.arange(8000) / rate).astype(np.float32)
    faster = warp(tone, 1.25)
    assert len(faster) == 6400 and faster.dtype == np.float32
    assert _peak_hz(faster, rate) == pytest.approx(250, abs=2)
    slower = warp(tone, 0.8)
    assert len(slower) == 10000 and _peak_hz(slower, rate) == pytest.approx(160, abs=2)
    assert warp(tone, 1.0) is tone


def test_room_response_has_the_asked_decay_and_ratio():
    rate = 16000
    h = room_response(np.random.default_rng(0), rate, rt60=0.5, drr_db=6.0)
    assert len(h) == 8000 and h[0] == 1.0
    tail = h[1:].astype(np.float64)
    assert 10 * np.log10(1.0 / np.sum(tail**2)) == pytest.approx(6.0, abs=0.01)
    # 60 dB in 0.5 s: the energy of the first and last 50 ms differs by about 54 dB
    first, last = np.sum(tail[:800] ** 2), np.sum(tail[-800:] ** 2)
    assert 10 * np.log10(first / last) == pytest.approx(54, abs=3)


def test_augmented_words_keep_their_dry_end_as_the_keyword_end():
    positives, negatives, backgrounds = _banks()
    ids = np.arange(3)
    spec = _spec(
        warp=(0.8, 1.25),
        reverb_probability=1.0,
        reverb_seconds=(0.1, 0.2),
        reverb_drr_db=(20.0, 20.0),
        snr_db=(30.0, 30.0),
        max_negatives=0,
    )
    lengths = set()
    for i in range(30):
        x, ends, *_ = mix_example(
            np.random.default_rng(i),
            spec,
            backgrounds,
            np.arange(2),
            positives,
            ids,
            negatives,
            ids,
            n_positives=1,
        )
        (end,) = ends
        # the warped 50 Hz keyword, its tail 20 dB down: loud before its end, faint after
        before, after = levels.rms(x[end - 100 : end]), levels.rms(x[end + 20 : end + 120])
        assert before > 3 * after
        word, dry = augment_word(positives.clip(0), spec, np.random.default_rng(i))
        assert len(word) > dry and 240 <= dry <= 375
        lengths.add(dry)
    assert len(lengths) > 20  # a new voice for nearly every word


def test_mixed_example_records_its_sources_in_the_order_of_the_ends():
    _, negatives, backgrounds = _banks()
    t = np.arange(300) / RATE
    positives = ClipBank.from_clips(
        [(0.5 * np.sin(2 * np.pi * f * t)).astype(np.float32) for f in (50, 80, 130)]
    )  # three different keywords
    seen = set()
    for i in range(30):
        mixed = mix_example(
            np.random.default_rng(i),
            _spec(snr_db=(10.0, 17.0)),
            backgrounds,
            np.arange(1, 2),
            positives,
            np.arange(1, 3),
            negatives,
            np.arange(3),
        )
        k = len(mixed.ends)
        assert len(mixed.keyword_clips) == len(mixed.keyword_snr_db) == k
        assert mixed.background == 1 and set(mixed.keyword_clips) <= {1, 2}
        assert all(10.0 <= snr <= 17.0 for snr in mixed.keyword_snr_db)
        for end, clip in zip(mixed.ends, mixed.keyword_clips, strict=True):
            # the clip recorded for an end is the one whose samples sit just before it
            segment = mixed.samples[end - 300 : end]
            match = [np.corrcoef(segment, positives.clip(j))[0, 1] for j in range(3)]
            assert match[clip] > 0.9 and int(np.argmax(match)) == clip
        seen.update(mixed.keyword_clips)
        # other words (200 samples of a 120 Hz tone) end where other_ends says
        assert mixed.other_ends == sorted(mixed.other_ends)
        for end in mixed.other_ends:
            segment = mixed.samples[end - 200 : end]
            assert np.corrcoef(segment, negatives.clip(0))[0, 1] > 0.9
            assert all(abs(end - e) >= 200 for e in mixed.ends)
    assert seen == {1, 2}
