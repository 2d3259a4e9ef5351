"""The clips: the user's resampled, checked and split by speaker; the default set made."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from dl_pipelines.pipelines.trigger_word import engines, nodes
from dl_pipelines.pipelines.trigger_word.clips import family, user_clips
from dl_pipelines.pipelines.trigger_word.params import SPLITS, parse_params
from tests.pipelines.trigger_word.conftest import RATE, tone


def _user_folder(count: int, seconds: float, rate: int = 22050) -> dict:
    return {f"speaker{i}/clip.wav": (tone(seconds, 200 + 40 * i, rate), rate) for i in range(count)}


def test_user_clips_are_resampled_and_split_by_speaker(tw_params):
    backgrounds = {
        f"bg{i}.wav": (np.random.default_rng(i).normal(0, 0.1, 4 * 44100).astype(np.float32), 44100)
        for i in range(4)
    }
    clips = nodes.prepare_clips(
        _user_folder(10, 0.4), _user_folder(10, 0.3), backgrounds, tw_params, seed=1
    )
    assert int(clips["sample_rate"]) == RATE
    lengths = np.diff(clips["positives_offsets"])
    assert np.all(np.abs(lengths - 0.4 * RATE) < 0.02 * RATE)  # resampled 22.05 → 16 kHz
    for kind in ("positives", "negatives", "backgrounds"):
        assert set(clips[f"{kind}_split"].tolist()) == {0, 1, 2}
    # a speaker's clips never straddle two splits
    names = clips["positives_names"].tolist()
    assert len(names) == len(set(names)) == 10
    assert clips["backgrounds_groups"].tolist() == [f"bg{i}.wav" for i in range(4)]


def test_default_data_is_made_when_folders_are_empty(tw_params):
    clips = nodes.prepare_clips({}, {}, {}, tw_params, seed=0)
    p = parse_params(tw_params)
    voices = p.default_data.voices
    espeak = np.asarray([family(g) == "espeak" for g in clips["positives_groups"]])
    n_train = len(voices.train.voices()) * p.default_data.keyword_clips_per_voice
    assert int(np.sum((clips["positives_split"] == 0) & espeak)) == n_train
    test_names = [
        n
        for n, s, e in zip(clips["positives_names"], clips["positives_split"], espeak, strict=True)
        if s == 2 and e
    ]
    assert all(n.split("/")[1].split("+")[0] in voices.test.accents for n in test_names)
    kinds = {
        n.split("/")[1].split("-")[0]
        for n, s in zip(clips["backgrounds_names"], clips["backgrounds_split"], strict=True)
        if s == 2
    }
    assert {"brown", "room"} <= kinds  # held-out background kinds are in test
    train_kinds = {
        n.split("/")[1].split("-")[0]
        for n, s in zip(clips["backgrounds_names"], clips["backgrounds_split"], strict=True)
        if s == 0
    }
    assert not {"brown", "room"} & train_kinds
    # the groups the test FRR is broken down by: voices of words, kinds of backgrounds
    assert set(clips["positives_groups"][(clips["positives_split"] == 2) & espeak].tolist()) == set(
        voices.test.voices()
    )
    # … and the other engines' voices, each engine in its own split only
    for source in p.default_data.engines:
        mine = np.asarray([family(g) == source.engine for g in clips["positives_groups"]])
        if engines.engine(source.engine).missing() is None:
            assert set(clips["positives_split"][mine].tolist()) == {SPLITS.index(source.split)}
        else:
            assert not mine.any()
    assert set(clips["backgrounds_groups"][clips["backgrounds_split"] == 2].tolist()) == kinds
    for i in range(len(clips["positives_offsets"]) - 1):  # every keyword clip is audible
        a, b = clips["positives_offsets"][i : i + 2]
        assert np.abs(clips["positives_samples"][a:b]).max() > 1000


def test_train_only_background_kinds_stay_out_of_validation_and_test(tw_params):
    params = copy.deepcopy(tw_params)
    params["default_data"]["backgrounds"]["train_only_kinds"] = ["clatter"]
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    groups, split = clips["backgrounds_groups"], clips["backgrounds_split"]
    assert "clatter" in set(groups[split == 0].tolist())
    assert "clatter" not in set(groups[split > 0].tolist())
    assert {"brown", "room"} <= set(groups[split == 2].tolist())
    with pytest.raises(ValueError, match="one of train_kinds, heldout_kinds"):
        parse_params(
            dict(
                params,
                default_data=dict(
                    params["default_data"],
                    backgrounds=dict(
                        params["default_data"]["backgrounds"], train_only_kinds=["room"]
                    ),
                ),
            )
        )


def test_short_background_is_named(tw_params):
    backgrounds = {"too_short.wav": (tone(2.0), RATE)}
    with pytest.raises(ValueError, match="too_short.wav.*shorter than one 3 s example"):
        nodes.prepare_clips({}, {}, backgrounds, tw_params, seed=0)


def test_silent_clip_is_named(tw_params):
    positives = {"quiet.wav": (np.zeros(8000, dtype=np.float32), RATE)}
    with pytest.raises(ValueError, match="quiet.wav' is silent"):
        nodes.prepare_clips(positives, {}, {}, tw_params, seed=0)


@pytest.mark.parametrize("keyword", ["🙂", "2024", "   "])
def test_unsayable_keyword_names_the_parameter(tw_params, keyword):
    params = {**tw_params, "keyword": keyword}
    with pytest.raises(ValueError, match="trigger_word.keyword"):
        nodes.prepare_clips({}, {}, {}, params, seed=0)


def test_training_negatives_favour_confusable_words(tw_params):
    from dl_pipelines.pipelines.trigger_word.params import confusable_words

    params = copy.deepcopy(tw_params)
    d = params["default_data"]
    d["negative_words"] = ["captivate", "vacate", "hello", "banana", "river", "paper"]
    d["negative_clips_per_voice"] = 12
    confusable = set(confusable_words(params["keyword"], tuple(d["negative_words"]), 3))
    assert confusable == {"captivate", "vacate"}

    def words(share: float, split: int) -> list[str]:
        d["train_confusable_share"] = share
        clips = nodes.prepare_clips({}, {}, {}, params, seed=3)
        return [
            n.split("/")[2].rsplit("-", 1)[0]
            for n, s in zip(clips["negatives_names"], clips["negatives_split"], strict=True)
            if s == split
        ]

    assert set(words(1.0, split=0)) == confusable  # train: only near misses
    assert set(words(1.0, split=2)) - confusable  # test keeps the uniform draw
    uniform = words(0.0, split=0)
    assert 0 < sum(w in confusable for w in uniform) < len(uniform)


def test_an_implausibly_short_word_clip_is_warned_about_by_name(tw_params, caplog):
    p = parse_params(tw_params)
    raw = {f"s{i}/word.wav": (tone(0.4), RATE) for i in range(3)}
    raw["s3/clipped.wav"] = (tone(0.01), RATE)  # a 10 ms "keyword"
    with caplog.at_level("WARNING"):
        clips, *_ = user_clips("positives", raw, p, seed=0)
    assert len(clips) == 4
    assert "positives/s3/clipped.wav' lasts 10 ms" in caplog.text
    assert "s0/word.wav" not in caplog.text
