"""Model inputs: the splits' examples mixed, labelled and traced to their sources."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from dl_pipelines.audio import spectrograms
from dl_pipelines.pipelines.trigger_word import breakdown, model_inputs, nodes
from dl_pipelines.pipelines.trigger_word.params import parse_params


def _small(tw_params: dict, **mixing) -> dict:
    """The test parameters with ``mixing`` changed; validation and test default to two
    examples with keywords and 3.6 s of keyword-free audio each."""
    params = copy.deepcopy(tw_params)
    params["mixing"].update(
        {"val_examples": 2, "test_examples": 2, "val_free_hours": 0.001, "test_free_hours": 0.001}
    )
    params["mixing"].update(mixing)
    return params


def test_train_split_holds_the_keyword_free_share(tw_params):
    params = _small(tw_params, train_examples=8, train_free_share=0.25)
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    train, _, _, report = nodes.make_model_inputs(clips, params, seed=0)
    assert train["free"].tolist() == [False] * 6 + [True] * 2
    assert (train["ends"][train["free"]] < 0).all() and not train["y"][train["free"]].any()
    assert report["train"]["keyword_free_examples"] == 2


def test_model_input_records_sources_and_the_steps_after_other_words(tw_params):
    params = _small(tw_params, train_examples=24)
    p = parse_params(params)
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    train, _, test, _ = nodes.make_model_inputs(clips, params, seed=0)
    keyword = train["ends"] >= 0
    assert ((train["keyword_group"] != "") == keyword).all()
    train_groups = set(p.default_data.voices.train.voices()) | {
        f"{e.engine}:{v}" for e in p.default_data.engines if e.split == "train" for v in e.voices
    }
    assert set(train["keyword_group"][keyword].tolist()) <= train_groups
    assert ((train["keyword_family"] != "") == keyword).all()
    assert set(train["keyword_family"][keyword].tolist()) <= breakdown.trained_families(p)
    snr = train["keyword_snr_db"]
    assert np.isnan(snr[~keyword]).all()
    assert ((snr[keyword] >= p.mixing.snr_db[0]) & (snr[keyword] <= p.mixing.snr_db[1])).all()
    b = p.default_data.backgrounds
    assert set(train["background"].tolist()) <= set(b.train_kinds + b.train_only_kinds)
    assert set(test["background"].tolist()) <= set(b.train_kinds + b.heldout_kinds)
    # the steps after other words: runs of label_steps (or cut at the end), never a keyword's
    after = train["after_other"]
    assert after.shape == train["y"].shape and after.dtype == np.uint8 and after.any()
    assert not (after & train["y"]).any()
    for row in after:
        starts = np.flatnonzero(np.diff(np.concatenate([[0], row])) == 1)
        stops = np.flatnonzero(np.diff(np.concatenate([row, [0]])) == -1) + 1
        lengths = stops - starts
        assert ((lengths % p.mixing.label_steps == 0) | (stops == len(row))).all()


def test_model_input_does_not_depend_on_the_spectrogram_threads(tw_params):
    params = _small(tw_params, train_examples=10, chunk=3)
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    outputs = []
    for threads in (1, 3):
        params["mixing"]["spectrogram_threads"] = threads
        outputs.append(nodes.make_model_inputs(clips, params, seed=0)[0])
    one, three = outputs
    for key in ("x", "y", "ends", "free"):
        np.testing.assert_array_equal(one[key], three[key])
    # a chunk's spectrograms are those of its examples (examples 8 and 9 are keyword-free)
    p = parse_params(params)
    banks = model_inputs.banks(clips)
    weights = model_inputs.background_p(
        banks["backgrounds"], model_inputs.groups(clips)["backgrounds"], p, "train"
    )
    samples, *_ = model_inputs.mix_one(banks, p, "train", 7, False, 0, weights)
    expected = spectrograms.spectrogram(samples, **p.spectrogram.kwargs()).astype(np.float16)
    np.testing.assert_array_equal(three["x"][7], expected)


def test_only_training_words_are_warped_and_reverberated(tw_params):
    mixing = dict(tw_params["mixing"], voice_warp=[0.85, 1.2], reverb_probability=0.5)
    p = parse_params(dict(tw_params, mixing=mixing))
    train = model_inputs.mix_spec(p, "train")
    assert train.warp == (0.85, 1.2) and train.reverb_probability == 0.5
    for split in ("val", "test"):
        assert model_inputs.mix_spec(p, split).warp == (1.0, 1.0)
        assert model_inputs.mix_spec(p, split).reverb_probability == 0.0
    with pytest.raises(ValueError, match="reverb_probability"):
        parse_params(dict(tw_params, mixing=dict(mixing, reverb_probability=1.5)))


def test_training_keywords_can_have_their_own_snr_range(tw_params):
    params = _small(
        tw_params,
        train_examples=12,
        train_free_share=0.0,
        val_examples=6,
        test_examples=6,
        snr_db=[10.0, 20.0],
        train_snr_db=[-10.0, -5.0],
    )
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    train, val, test, _ = nodes.make_model_inputs(clips, params, seed=0)
    for data, (low, high) in ((train, (-10.0, -5.0)), (val, (10.0, 20.0)), (test, (10.0, 20.0))):
        snr = data["keyword_snr_db"][data["ends"] >= 0]
        assert snr.size and ((snr >= low) & (snr <= high)).all()
    with pytest.raises(ValueError, match="train_snr_db"):
        parse_params(dict(params, mixing=dict(params["mixing"], train_snr_db=[5.0, -5.0])))


def test_training_examples_can_have_their_own_most_other_words(tw_params):
    params = _small(
        tw_params,
        train_examples=16,
        train_free_share=0.5,
        val_examples=6,
        test_examples=6,
        val_free_hours=0.005,
        max_negatives=3,
        free_max_negatives=3,
    )
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    default = nodes.make_model_inputs(clips, params, seed=0)
    params["mixing"]["train_max_negatives"] = 0
    none = nodes.make_model_inputs(clips, params, seed=0)
    assert default[0]["after_other"].any() and not none[0]["after_other"].any()
    assert none[0]["free"].any()  # keyword-free training examples too: silent but for noise
    for split in (1, 2):  # validation and test keep their other words, the same audio
        assert none[split]["after_other"].any()
        np.testing.assert_array_equal(none[split]["x"], default[split]["x"])
    with pytest.raises(ValueError, match="train_max_negatives must be >= 0"):
        parse_params(dict(params, mixing=dict(params["mixing"], train_max_negatives=-1)))


def test_training_draws_backgrounds_by_their_weights(tw_params):
    params = _small(
        tw_params,
        train_examples=60,
        train_free_share=0.0,
        val_examples=40,
        train_background_weights=None,
    )
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    uniform = nodes.make_model_inputs(clips, params, seed=0)
    params["mixing"]["train_background_weights"] = {"babble": 50.0}
    p = parse_params(params)
    banks, groups = model_inputs.banks(clips), model_inputs.groups(clips)
    chances = model_inputs.background_p(banks["backgrounds"], groups["backgrounds"], p, "train")
    train_groups = groups["backgrounds"][clips["backgrounds_split"] == 0]
    assert chances.sum() == pytest.approx(1.0)
    # one background per kind here: babble 50 against 1 for each of the other kinds
    assert chances[train_groups == "babble"].sum() == pytest.approx(
        50 / (50 + len(train_groups) - 1)
    )
    assert model_inputs.background_p(banks["backgrounds"], groups["backgrounds"], p, "val") is None
    weighted = nodes.make_model_inputs(clips, params, seed=0)
    share = lambda data: np.mean(data["background"] == "babble")  # noqa: E731
    assert share(weighted[0]) > 0.75 > 0.4 > share(uniform[0])
    for split in (1, 2):  # validation and test audio are unchanged
        np.testing.assert_array_equal(weighted[split]["x"], uniform[split]["x"])
    # a group no background belongs to (the base's 'babble' with your own backgrounds)
    # is ignored: the draw is uniform again
    params["mixing"]["train_background_weights"] = {"chatter": 2.0}
    assert (
        model_inputs.background_p(
            banks["backgrounds"], groups["backgrounds"], parse_params(params), "train"
        )
        is None
    )
    params["mixing"]["train_background_weights"] = {"chatter": 2.0, "babble": 50.0}
    np.testing.assert_array_equal(
        model_inputs.background_p(
            banks["backgrounds"], groups["backgrounds"], parse_params(params), "train"
        ),
        chances,
    )
    params["mixing"]["train_background_weights"] = {"babble": 0}
    with pytest.raises(ValueError, match="train_background_weights must be numbers > 0"):
        parse_params(params)
