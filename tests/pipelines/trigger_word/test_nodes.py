"""trigger_word nodes on small inputs: user clips, bad input, detection timing, chimes."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from dl_pipelines.audio import io as audio
from dl_pipelines.pipelines.trigger_word import engines, nodes
from dl_pipelines.pipelines.trigger_word.params import parse_params
from dl_pipelines.runtime.config import ParameterError

RATE = 16000


def _tone(seconds: float, freq: float = 300.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _user_folder(count: int, seconds: float, rate: int = 22050) -> dict:
    return {
        f"speaker{i}/clip.wav": (_tone(seconds, 200 + 40 * i, rate), rate) for i in range(count)
    }


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
    espeak = np.asarray([nodes.family(g) == "espeak" for g in clips["positives_groups"]])
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
        mine = np.asarray([nodes.family(g) == source.engine for g in clips["positives_groups"]])
        if engines.engine(source.engine).missing() is None:
            assert set(clips["positives_split"][mine].tolist()) == {
                nodes.SPLITS.index(source.split)
            }
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
    backgrounds = {"too_short.wav": (_tone(2.0), RATE)}
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


def test_parameter_errors_name_the_key(tw_params):
    broken = copy.deepcopy(tw_params)
    del broken["mixing"]["snr_db"]
    with pytest.raises(ParameterError, match="trigger_word.mixing.snr_db"):
        parse_params(broken)
    clash = copy.deepcopy(tw_params)
    clash["default_data"]["negative_words"] = ["reactivate", "hello"]
    with pytest.raises(ParameterError, match="contain the keyword"):
        parse_params(clash)
    new_keyword = {**tw_params, "keyword": "Computer"}  # "computer" is a base negative word
    with pytest.raises(ParameterError) as error:
        parse_params(new_keyword)
    message = str(error.value)
    for text in (
        "['computer'] contain the keyword 'Computer'",
        "Remove them from trigger_word.default_data.negative_words",
        "words that sound like 'Computer'",
        "conf/base/parameters_trigger_word.yml",
    ):
        assert text in message, text
    margin = copy.deepcopy(tw_params)
    margin["mixing"]["end_margin_s"] = 0.6 * margin["audio"]["clip_seconds"]
    with pytest.raises(ParameterError, match="end_margin_s .* at most half"):
        parse_params(margin)
    margin["mixing"]["end_margin_s"] = 0.3 * margin["audio"]["clip_seconds"]
    margin["mixing"]["start_margin_s"] = 0.3 * margin["audio"]["clip_seconds"]
    with pytest.raises(ParameterError, match="start_margin_s \\+ end_margin_s .* at most half"):
        parse_params(margin)
    masks = copy.deepcopy(tw_params)
    masks["model"]["freq_mask_bins"] = -1
    with pytest.raises(ParameterError, match="freq_mask_bins"):
        parse_params(masks)
    shared = copy.deepcopy(tw_params)
    shared["default_data"]["voices"]["test"]["variants"] = ["m1"]
    with pytest.raises(ParameterError, match="'m1' is in both train and test"):
        parse_params(shared)
    averaged = copy.deepcopy(tw_params)
    averaged["training"]["average_last_epochs"] = averaged["training"]["epochs"] + 1
    with pytest.raises(ParameterError, match="average_last_epochs must be between 0"):
        parse_params(averaged)
    focal = copy.deepcopy(tw_params)
    focal["training"]["focal_gamma"] = -1.0
    with pytest.raises(ParameterError, match="focal_gamma must be >= 0"):
        parse_params(focal)
    held = copy.deepcopy(tw_params)
    p = parse_params(held)
    label = p.mixing.label_steps
    held["evaluation"]["hold_s"] = label * p.seconds_per_step  # as long as the label: fine
    assert parse_params(held).hold_steps == label
    held["evaluation"]["hold_s"] = (label + 1) * p.seconds_per_step
    with pytest.raises(
        ParameterError,
        match=rf"hold_s .*{label + 1} steps\) must be at most "
        rf"mixing.label_steps \({label} steps",
    ):
        parse_params(held)
    held["evaluation"]["hold_s"] = 0.0
    assert parse_params(held).hold_steps == 1


def test_confusable_words_share_four_letters_with_the_keyword():
    from dl_pipelines.pipelines.trigger_word.params import confusable_words

    words = ("activity", "captivate", "action", "hello", "vacate", "TIVA")
    # "activate" has acti, ctiv, tiva, ivat, vate: hello and vacate share none
    assert confusable_words("activate", words) == ["activity", "captivate", "action", "TIVA"]
    assert confusable_words("hey jarvis", words) == []


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


def test_longer_shared_runs_are_drawn_more_often():
    from dl_pipelines.pipelines.trigger_word.params import confusable_weights, shared_run

    assert shared_run("activate", "captivate") == 6  # "tivate"
    assert shared_run("activate", "activity") == 5  # "activ"
    assert shared_run("activate", "vacate") == 3  # "ate"
    assert shared_run("Activate!", "hello") == 1 and shared_run("activate", "plum") == 0
    weights = confusable_weights("activate", ["captivate", "activity", "vacate"], 3, 2.0)
    np.testing.assert_allclose(weights, np.array([8.0, 4.0, 1.0]) / 13.0)
    np.testing.assert_allclose(
        confusable_weights("activate", ["captivate", "vacate"], 3, 1.0), [0.5, 0.5]
    )


class _FakeModel:
    """Returns a fixed bump of scores: the detection time is known by hand."""

    def __init__(self, peak_at_s: float, seconds_per_step: float) -> None:
        self.peak_at_s, self.step = peak_at_s, seconds_per_step

    def predict(self, x, verbose=0):
        steps = (x.shape[1] - 15) // 4 + 1
        scores = np.zeros((len(x), steps, 1), dtype=np.float32)
        peak = int(round(self.peak_at_s / self.step))
        scores[:, peak - 10 : peak + 11, 0] = 0.6  # bump starts 10 steps before the peak
        scores[:, peak, 0] = 0.9
        return scores


def test_detect_folder_times_csv_and_chimes(tw_params):
    p = parse_params(tw_params)
    model = _FakeModel(1.5, p.seconds_per_step)
    files = {
        "a.wav": (np.stack([_tone(3.0, rate=44100)] * 2, axis=1), 44100),
        "b.wav": (_tone(2.5, rate=8000), 8000),
    }
    table, figures, chimed = nodes.detect_folder(model, files, {"threshold": 0.5}, tw_params)
    assert list(table.columns) == ["file", "time_s", "score"]
    assert table["file"].tolist() == ["a.wav", "b.wav"]
    peak = int(round(1.5 / p.seconds_per_step))
    expected = (peak - 11) * p.seconds_per_step  # the step before the bump starts
    np.testing.assert_allclose(table["time_s"], expected, atol=1e-3)
    # the score held for evaluation.hold_s (10 steps here): the bump's 0.6, not the
    # one-step 0.9 at its peak
    assert p.hold_steps == 10 and table["score"].tolist() == [0.6, 0.6]
    assert set(figures) == {"a.wav.png", "b.wav.png"}
    samples, rate = chimed["a.wav"]
    assert rate == 44100 and samples.shape == files["a.wav"][0].shape
    assert np.max(np.abs(samples)) <= 0.99 + 1e-6


def test_detect_folder_uses_one_time_for_csv_plot_and_chime(tw_params):
    """The chime and the plot markers sit at the csv's time_s, not at the score peak."""
    p = parse_params(tw_params)
    silent = np.zeros((3 * 44100, 2), dtype=np.float32)
    table, figures, chimed = nodes.detect_folder(
        _FakeModel(1.5, p.seconds_per_step),
        {"quiet.wav": (silent, 44100)},
        {"threshold": 0.5},
        tw_params,
    )
    (time_s,) = table["time_s"].tolist()
    peak_s = int(round(1.5 / p.seconds_per_step)) * p.seconds_per_step
    assert peak_s - time_s > 0.05  # the peak is later: the two must not be mixed up
    samples, rate = chimed["quiet.wav"]
    first = np.flatnonzero(np.abs(samples[:, 0]) > 0)[0]
    assert abs(first / rate - time_s) <= 2 / rate  # the chime starts at time_s
    for ax in figures["quiet.wav.png"].axes:
        marks = [
            line.get_xdata()[0] for line in ax.get_lines() if len(set(line.get_xdata())) == 1
        ]  # vertical lines (axvline)
        np.testing.assert_allclose(marks, [time_s])


def test_detect_rejects_too_short_audio(tw_params):
    with pytest.raises(ValueError, match="tiny.wav' lasts .* shorter than"):
        nodes.detect_folder(
            _FakeModel(0.0, 0.02), {"tiny.wav": (_tone(0.01), RATE)}, {"threshold": 0.5}, tw_params
        )


def test_add_chimes_mono_and_stereo():
    mono = np.zeros(16000, dtype=np.float32)
    out = nodes.add_chimes(mono, 16000, [0.5], 1000.0, 0.2, -12.0)
    assert out.shape == mono.shape and np.abs(out[8000:8100]).max() > 0.05
    assert np.abs(out[:8000]).max() == 0
    stereo = np.zeros((16000, 2), dtype=np.float32)
    out = nodes.add_chimes(stereo, 16000, [0.1, 0.9], 1000.0, 0.2, -12.0)
    assert out.shape == (16000, 2)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])


@pytest.mark.parametrize("entry", ["trigger_word_raw_{kind}", "trigger_word_detect_audio"])
def test_catalog_folders_take_other_formats(entry, tmp_path, monkeypatch):
    """FLAC/OGG/MP3 next to WAV are loaded (here through a stand-in soundfile)."""
    import sys

    import yaml

    from dl_pipelines.audio import io as audio
    from dl_pipelines.datasets import AudioFolderDataset
    from tests.conftest import PROJECT_ROOT

    class FakeSoundfile:
        @staticmethod
        def read(buffer, dtype="float32", always_2d=True):
            return np.full((800, 1), 0.5, dtype=np.float32), 8000

    monkeypatch.setitem(sys.modules, "soundfile", FakeSoundfile)
    catalog = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_trigger_word.yml").read_text())
    config = {k: v for k, v in catalog[entry].items() if k not in ("type", "metadata")}
    for ending in (".flac", ".ogg", ".mp3"):
        (tmp_path / f"clip{ending}").write_bytes(b"compressed audio")
    (tmp_path / "clip.wav").write_bytes(audio.wav_bytes(_tone(0.1), RATE))
    (tmp_path / "notes.txt").write_text("not audio")
    loaded = AudioFolderDataset(**{**config, "path": str(tmp_path)}).load()
    assert sorted(loaded) == ["clip.flac", "clip.mp3", "clip.ogg", "clip.wav"]


def test_chimed_copies_of_other_formats_do_not_clash(tw_params):
    p = parse_params(tw_params)
    files = {name: (_tone(2.0), RATE) for name in ("a.wav", "a.mp3", "b.FLAC")}
    _, _, chimed = nodes.detect_folder(
        _FakeModel(1.0, p.seconds_per_step), files, {"threshold": 0.5}, tw_params
    )
    assert sorted(chimed) == ["a.mp3.wav", "a.wav", "b.FLAC.wav"]


def test_train_split_holds_the_keyword_free_share(tw_params):
    params = copy.deepcopy(tw_params)
    params["mixing"].update(
        train_examples=8,
        train_free_share=0.25,
        val_examples=2,
        test_examples=2,
        val_free_hours=0.001,
        test_free_hours=0.001,
    )
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    train, _, _, report = nodes.make_model_inputs(clips, params, seed=0)
    assert train["free"].tolist() == [False] * 6 + [True] * 2
    assert (train["ends"][train["free"]] < 0).all() and not train["y"][train["free"]].any()
    assert report["train"]["keyword_free_examples"] == 2


def test_model_input_records_sources_and_the_steps_after_other_words(tw_params):
    params = copy.deepcopy(tw_params)
    params["mixing"].update(
        train_examples=24,
        val_examples=2,
        test_examples=2,
        val_free_hours=0.001,
        test_free_hours=0.001,
    )
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
    assert set(train["keyword_family"][keyword].tolist()) <= nodes.trained_families(p)
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
    params = copy.deepcopy(tw_params)
    params["mixing"].update(
        train_examples=10,
        chunk=3,
        val_examples=2,
        test_examples=2,
        val_free_hours=0.001,
        test_free_hours=0.001,
    )
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
    banks = nodes._banks(clips)
    weights = nodes.background_p(
        banks["backgrounds"], nodes._groups(clips)["backgrounds"], p, "train"
    )
    samples, *_ = nodes.mix_one(banks, p, "train", 7, False, 0, weights)
    expected = audio.spectrogram(samples, **p.spectrogram.kwargs()).astype(np.float16)
    np.testing.assert_array_equal(three["x"][7], expected)


def test_floor_value_is_what_silence_gives(tw_params):
    p = parse_params(tw_params)
    silence = audio.spectrogram(np.zeros(4000, dtype=np.float32), **p.spectrogram.kwargs())
    np.testing.assert_allclose(silence, p.spectrogram.floor_value, atol=1e-5)


def test_only_training_words_are_warped_and_reverberated(tw_params):
    mixing = dict(tw_params["mixing"], voice_warp=[0.85, 1.2], reverb_probability=0.5)
    p = parse_params(dict(tw_params, mixing=mixing))
    train = nodes.mix_spec(p, "train")
    assert train.warp == (0.85, 1.2) and train.reverb_probability == 0.5
    for split in ("val", "test"):
        assert nodes.mix_spec(p, split).warp == (1.0, 1.0)
        assert nodes.mix_spec(p, split).reverb_probability == 0.0
    with pytest.raises(ValueError, match="reverb_probability"):
        parse_params(dict(tw_params, mixing=dict(mixing, reverb_probability=1.5)))


def test_training_keywords_can_have_their_own_snr_range(tw_params):
    params = copy.deepcopy(tw_params)
    params["mixing"].update(
        train_examples=12,
        train_free_share=0.0,
        val_examples=6,
        test_examples=6,
        val_free_hours=0.001,
        test_free_hours=0.001,
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
    params = copy.deepcopy(tw_params)
    params["mixing"].update(
        train_examples=16,
        train_free_share=0.5,
        val_examples=6,
        test_examples=6,
        val_free_hours=0.005,
        test_free_hours=0.001,
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
    params = copy.deepcopy(tw_params)
    params["mixing"].update(
        train_examples=60,
        train_free_share=0.0,
        val_examples=40,
        test_examples=2,
        val_free_hours=0.001,
        test_free_hours=0.001,
        train_background_weights=None,
    )
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    uniform = nodes.make_model_inputs(clips, params, seed=0)
    params["mixing"]["train_background_weights"] = {"babble": 50.0}
    p = parse_params(params)
    banks, groups = nodes._banks(clips), nodes._groups(clips)
    chances = nodes.background_p(banks["backgrounds"], groups["backgrounds"], p, "train")
    train_groups = groups["backgrounds"][clips["backgrounds_split"] == 0]
    assert chances.sum() == pytest.approx(1.0)
    # one background per kind here: babble 50 against 1 for each of the other kinds
    assert chances[train_groups == "babble"].sum() == pytest.approx(
        50 / (50 + len(train_groups) - 1)
    )
    assert nodes.background_p(banks["backgrounds"], groups["backgrounds"], p, "val") is None
    weighted = nodes.make_model_inputs(clips, params, seed=0)
    share = lambda data: np.mean(data["background"] == "babble")  # noqa: E731
    assert share(weighted[0]) > 0.75 > 0.4 > share(uniform[0])
    for split in (1, 2):  # validation and test audio are unchanged
        np.testing.assert_array_equal(weighted[split]["x"], uniform[split]["x"])
    # a group no background belongs to (the base's 'babble' with your own backgrounds)
    # is ignored: the draw is uniform again
    params["mixing"]["train_background_weights"] = {"chatter": 2.0}
    assert (
        nodes.background_p(
            banks["backgrounds"], groups["backgrounds"], parse_params(params), "train"
        )
        is None
    )
    params["mixing"]["train_background_weights"] = {"chatter": 2.0, "babble": 50.0}
    np.testing.assert_array_equal(
        nodes.background_p(
            banks["backgrounds"], groups["backgrounds"], parse_params(params), "train"
        ),
        chances,
    )
    params["mixing"]["train_background_weights"] = {"babble": 0}
    with pytest.raises(ValueError, match="train_background_weights must be numbers > 0"):
        parse_params(params)


def test_frr_by_group_and_snr_band():
    hit = np.array([True, False, True, True, False, False])
    groups = np.array(["a", "a", "b", "b", "b", "c"])
    assert nodes.frr_by(hit, groups) == {
        "a": {"keywords": 2, "frr": 0.5},
        "b": {"keywords": 3, "frr": 1 / 3},
        "c": {"keywords": 1, "frr": 1.0},
    }
    assert list(nodes.frr_by(hit, groups, ["c", "x", "a"])) == ["c", "a"]  # order kept
    edges = (0.0, 5.0, 10.0, 20.0)
    assert nodes.band_names(edges) == ["0-5 dB", "5-10 dB", "10-20 dB"]
    assert nodes.band_names((-5.0, 0.0)) == ["-5 to 0 dB"]
    bands = nodes.snr_band(np.array([0.0, 4.99, 5.0, 19.5, 20.0, -0.1, 20.1, np.nan]), edges)
    assert bands.tolist() == ["0-5 dB", "0-5 dB", "5-10 dB", "10-20 dB", "10-20 dB", "", "", ""]


def test_training_seed_changes_the_training_not_the_data(tw_params):
    generator = np.random.default_rng(0)
    n, frames, steps = 8, 598, 146
    data = {
        "x": generator.normal(0, 1, (n, frames, 101)).astype(np.float16),
        "y": (generator.random((n, steps)) < 0.1).astype(np.uint8),
        "after_other": np.zeros((n, steps), dtype=np.uint8),
        "free": np.zeros(n, dtype=bool),
    }

    def trained(seed, training_seed):
        params = copy.deepcopy(tw_params)
        params["training"].update(epochs=1, early_stopping_patience=1, seed=training_seed)
        model, _ = nodes.train_model(data, data, params, seed=seed)
        return np.concatenate([w.reshape(-1) for w in model.get_weights()])

    same = trained(0, 5)
    np.testing.assert_array_equal(trained(1, 5), same)  # the training seed rules
    assert not np.allclose(trained(0, 6), same)  # another one: other weights
    np.testing.assert_array_equal(trained(5, None), same)  # None: the global seed


def test_other_word_weight_weighs_the_steps_after_other_words(tw_params):
    # Same seed, so the same initial model: the first loss differs only by the weights.
    # A learning rate of ~0 keeps the model as it is through the epoch.
    generator = np.random.default_rng(0)
    n, frames, steps = 16, 598, 146
    after_other = np.zeros((n, steps), dtype=np.uint8)
    after_other[:, ::2] = 1  # every other step
    data = {
        "x": generator.normal(0, 1, (n, frames, 101)).astype(np.float16),
        "y": np.zeros((n, steps), dtype=np.uint8),
        "after_other": after_other,
        "free": np.zeros(n, dtype=bool),
    }
    losses, val_losses = {}, {}
    for weight in (1.0, 3.0):
        params = copy.deepcopy(tw_params)
        params["training"].update(
            epochs=1, learning_rate=1e-12, other_word_weight=weight, early_stopping_patience=1
        )
        _, history = nodes.train_model(data, data, params, seed=0)
        losses[weight], val_losses[weight] = history["loss"][0], history["val_loss"][0]
    assert losses[3.0] / losses[1.0] == pytest.approx(2.0, rel=0.05)  # (1 + 3) / 2
    assert val_losses[3.0] == pytest.approx(val_losses[1.0], rel=1e-4)  # never weighted


def test_family_metrics_split_heard_families_from_held_out_engines() -> None:
    frr = {
        "espeak": (np.array([0.0, 0.1, 0.5]), 30),
        "piper": (np.array([0.0, 0.2, 0.4]), 10),
        "flite": (np.array([0.1, 0.3, 0.9]), 20),
    }
    metrics = nodes._family_metrics("test", frr, 1, {"espeak", "piper", "user"})
    assert metrics["test_frr_family_flite"] == 0.3
    assert metrics["test_frr_heldout_engine"] == 0.3
    assert np.isclose(metrics["test_frr_seen_families"], (0.1 * 30 + 0.2 * 10) / 40)
    only_seen = nodes._family_metrics("val", {"espeak": frr["espeak"]}, 2, {"espeak"})
    assert "val_frr_heldout_engine" not in only_seen


def test_trained_families_are_espeak_and_the_train_engines(tw_params: dict) -> None:
    p = nodes.parse_params(tw_params)
    assert nodes.trained_families(p) == {"espeak", "user", "piper"}


def test_an_implausibly_short_word_clip_is_warned_about_by_name(tw_params, caplog):
    p = parse_params(tw_params)
    raw = {f"s{i}/word.wav": (_tone(0.4), RATE) for i in range(3)}
    raw["s3/clipped.wav"] = (_tone(0.01), RATE)  # a 10 ms "keyword"
    with caplog.at_level("WARNING"):
        clips, *_ = nodes._user_clips("positives", raw, p, seed=0)
    assert len(clips) == 4
    assert "positives/s3/clipped.wav' lasts 10 ms" in caplog.text
    assert "s0/word.wav" not in caplog.text


def test_chimes_added_in_blocks_equal_chimes_added_at_once(tmp_path, monkeypatch):
    from dl_pipelines.audio.stream import AudioFile

    monkeypatch.setattr(nodes, "STREAM_BLOCK_FRAMES", 1000)  # a chime spans blocks

    stereo = np.stack([_tone(3.0), 0.5 * _tone(3.0, 500.0)], axis=1) * 3.0  # peak 0.9
    path = tmp_path / "x.wav"
    path.write_bytes(audio.wav_bytes(stereo, RATE))
    samples, _ = audio.load_audio(path, mono=False)
    times, chime = [0.5, 2.9], (1320.0, 0.25, -3.0)
    whole = nodes.add_chimes(samples, RATE, times, *chime)
    blocks = np.concatenate(list(nodes.chimed_blocks(AudioFile.open(path), times, *chime)))
    np.testing.assert_allclose(blocks, whole, atol=1e-6)
    assert np.max(np.abs(blocks)) <= 0.99 + 1e-6
