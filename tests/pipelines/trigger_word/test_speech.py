"""Tests for dl_pipelines.pipelines.trigger_word.speech: eSpeak NG through ctypes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dl_pipelines.audio import levels
from dl_pipelines.pipelines.trigger_word import speech


def test_keyword_is_spoken_non_silent_at_22050_hz():
    x = speech.synthesise("activate", "en-us")
    assert speech.sample_rate() == speech.ESPEAK_SAMPLE_RATE == 22050
    assert x.dtype == np.float32 and 0.3 < len(x) / 22050 < 2.0
    assert levels.rms_db(x) > -40.0
    assert np.max(np.abs(x)) <= 1.0


def test_voices_rates_and_pitches_change_the_audio():
    base = speech.synthesise("activate", "en-us+m1", rate=175, pitch=50)
    faster = speech.synthesise("activate", "en-us+m1", rate=300, pitch=50)
    other = speech.synthesise("activate", "en-gb-scotland+f3", rate=175, pitch=50)
    assert len(faster) < len(base)
    assert len(other) != len(base) or not np.array_equal(other, base)
    # eSpeak carries some state from one utterance to the next (same call sequence in a
    # fresh process → same audio), so a repeat is close but not identical.
    again = speech.synthesise("activate", "en-us+m1", rate=175, pitch=50)
    assert abs(len(again) - len(base)) < 0.1 * len(base)


def test_installed_voices_are_listed():
    assert {"en", "en-us", "en-gb-scotland"} <= set(speech.english_accents())
    assert {"m1", "f1", "klatt", "whisper"} <= set(speech.variants())


@pytest.mark.parametrize("text", ["", "   ", "7", "😀", "你好", "act!vate"])
def test_text_it_cannot_say_is_rejected(text):
    with pytest.raises(speech.SpeechError, match="cannot say|non-empty"):
        speech.synthesise(text)


def test_unknown_voice_is_rejected():
    with pytest.raises(speech.SpeechError, match="no voice 'xx-nowhere'"):
        speech.synthesise("hello", "xx-nowhere")


def test_rate_out_of_range_is_rejected():
    with pytest.raises(speech.SpeechError, match="rate"):
        speech.synthesise("hello", rate=20)


_SPEAK_AND_HASH = """
import hashlib
from dl_pipelines.pipelines.trigger_word import speech
digest = hashlib.sha1()
for voice, seed in (("en-029+Alicia", 7), ("en-us+m1", 1), ("en-029+Alicia", 7)):
    digest.update(speech.synthesise("activate", voice, seed=seed).tobytes())
print(digest.hexdigest())
"""


def test_breathy_voices_are_the_same_in_every_process():
    # Alicia's breath noise comes from eSpeak NG's own generator, which eSpeak seeds from
    # the clock: unseeded, every process (every pipeline run) said it differently.
    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", _SPEAK_AND_HASH],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout.strip().splitlines()[-1]

    assert run() == run()
