"""The parameters: bad values named with their key, the confusable words, derived sizes."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from dl_pipelines.audio import spectrograms
from dl_pipelines.pipelines.trigger_word.params import parse_params
from dl_pipelines.runtime.config import ParameterError


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


@pytest.mark.parametrize("mean_frames", [None, 551])
def test_floor_value_is_what_silence_gives(tw_params, mean_frames):
    """What SpecAugment fills its masks and cut bands with: silence's value, -2 as
    normalised, 0 once the running mean (equal to a bin that stays there) is taken away."""
    params = copy.deepcopy(tw_params)
    params["spectrogram"]["mean_frames"] = mean_frames
    p = parse_params(params)
    assert ("mean_frames" in p.spectrogram.kwargs()) == (mean_frames is not None)
    silence = spectrograms.spectrogram(np.zeros(4000, dtype=np.float32), **p.spectrogram.kwargs())
    np.testing.assert_allclose(silence, p.spectrogram.floor_value, atol=1e-5)
    assert p.spectrogram.floor_value == (-2.0 if mean_frames is None else 0.0)
    params["spectrogram"]["mean_frames"] = 0
    with pytest.raises(ParameterError, match="spectrogram.mean_frames must be at least 1"):
        parse_params(params)


def test_bad_window_parameters_are_named(tw_params):
    bad = {
        **tw_params,
        "detect": {**tw_params["detect"], "overlap_seconds": 10.0, "window_seconds": 10.0},
    }
    with pytest.raises(ParameterError, match="trigger_word.detect.*overlap_seconds"):
        parse_params(bad)


def test_the_heard_band_counts_the_bins_up_to_max_hz(tw_params):
    """Bins are sample_rate / nfft apart (80 Hz at 16 kHz with nfft 200; 220.5 Hz at the
    course's 44.1 kHz, where 0 … 8 kHz is bins 0 … 36); none asked, none dropped."""
    band = copy.deepcopy(tw_params)
    assert (band["audio"]["sample_rate"], band["spectrogram"]["nfft"]) == (16000, 200)
    band["model"]["max_hz"] = 4000
    assert parse_params(band).heard_freqs == 51
    band["model"]["max_hz"] = 3999
    assert parse_params(band).heard_freqs == 50
    band["model"]["max_hz"] = 8000
    assert parse_params(band).heard_freqs == 101
    band["model"]["max_hz"] = None
    assert parse_params(band).heard_freqs is None
    band["model"]["max_hz"] = 0
    with pytest.raises(ParameterError, match="trigger_word.model.*max_hz"):
        parse_params(band)
