"""Offline speech synthesis: eSpeak NG through its C API (ctypes), no system package.

PyPI ``espeakng-loader`` ships ``libespeak-ng.so`` and its ``espeak-ng-data`` folder;
this module loads the library with :mod:`ctypes` and drives it synchronously:
``espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS)`` → ``espeak_SetSynthCallback`` (collects
the 16-bit samples) → ``espeak_SetVoiceByName`` / ``espeak_SetParameter`` (rate, pitch,
pitch range) → ``espeak_Synth`` → ``espeak_Synchronize``. eSpeak NG speaks at 22,050 Hz.

A voice is ``"<language>[+<variant>]"``: e.g. ``"en-us"``, ``"en-gb-scotland+m3"``,
``"en+f2"``. :func:`english_accents` and :func:`variants` list what the installed
data offers. eSpeak keeps global state, so calls are serialised with a lock. That state
also carries over between utterances (the same call twice gives slightly different
audio); the same sequence of calls in a fresh process gives the same audio, which is
what makes the default data reproducible from the seed.
"""

from __future__ import annotations

import ctypes
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

#: The sample rate eSpeak NG synthesises at.
ESPEAK_SAMPLE_RATE = 22050

# Constants of speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_RATE, _ESPEAK_VOLUME, _ESPEAK_PITCH, _ESPEAK_RANGE = 1, 2, 3, 4
_EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class SpeechError(ValueError):
    """eSpeak NG cannot be loaded, does not know a voice, or cannot say a text."""


class _Espeak:
    """The loaded library (one per process: eSpeak NG's state is global)."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as error:  # pragma: no cover - a dependency of the project
            raise SpeechError(
                "The PyPI package 'espeakng-loader' is not installed: pip install espeakng-loader"
            ) from error
        self.data_path = Path(espeakng_loader.get_data_path())
        try:
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as error:
            raise SpeechError(f"Cannot load eSpeak NG from espeakng-loader: {error}") from error
        lib = self.lib
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
        ]
        lib.espeak_Synchronize.restype = ctypes.c_int
        # The noise of breathy voices comes from eSpeak NG's own generator, which it
        # seeds from the clock: without a seed of ours the same call sounds different in
        # every process. (Older builds lack the call; their output is then not fixed.)
        self._set_seed = getattr(lib, "espeak_ng_SetRandSeed", None)
        if self._set_seed is not None:
            self._set_seed.argtypes = [ctypes.c_long]
            self._set_seed.restype = None
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data_path).encode(), 0)
        if rate <= 0:
            raise SpeechError(f"espeak_Initialize failed with data at {self.data_path}.")
        self.sample_rate = int(rate)
        self._chunks: list[np.ndarray] = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # keep a reference alive
        lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    def _collect(self, wav, numsamples, events) -> int:
        if wav and numsamples > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
        return 0

    def say(
        self, text: str, voice: str, rate: int, pitch: int, pitch_range: int, seed: int = 0
    ) -> np.ndarray:
        with self.lock:
            if self._set_seed is not None:
                self._set_seed(int(seed))
            if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise SpeechError(
                    f"eSpeak NG has no voice '{voice}'. Use a language such as "
                    f"{english_accents()[:4]} optionally with '+<variant>' "
                    f"from {variants()[:6]}…"
                )
            for parameter, value in (
                (_ESPEAK_RATE, rate),
                (_ESPEAK_PITCH, pitch),
                (_ESPEAK_RANGE, pitch_range),
                (_ESPEAK_VOLUME, 100),
            ):
                self.lib.espeak_SetParameter(parameter, int(value), 0)
            self._chunks = []
            encoded = text.encode("utf-8") + b"\0"
            status = self.lib.espeak_Synth(
                encoded, len(encoded), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None
            )
            self.lib.espeak_Synchronize()
            if status != _EE_OK:
                raise SpeechError(f"espeak_Synth failed (error {status}) for {text!r}.")
            chunks, self._chunks = self._chunks, []
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32) / 32768.0


@lru_cache(maxsize=1)
def _engine() -> _Espeak:
    return _Espeak()


def sample_rate() -> int:
    """The rate of :func:`synthesise`'s output (22,050 Hz)."""
    return _engine().sample_rate


def synthesise(
    text: str,
    voice: str = "en-us",
    rate: int = 175,
    pitch: int = 50,
    pitch_range: int = 50,
    min_peak: float = 0.01,
    seed: int = 0,
) -> np.ndarray:
    """Speak ``text`` with eSpeak NG: ``float32`` mono samples at :func:`sample_rate`.

    Args:
        text: What to say (UTF-8; a word, a phrase).
        voice: ``"<language>[+<variant>]"``, e.g. ``"en-us+f3"``.
        rate: Speed in words per minute (eSpeak: 80–450, default 175).
        pitch: Base pitch 0–100 (default 50).
        pitch_range: Pitch variation 0–100 (0 = monotone, default 50).
        min_peak: Output whose peak stays below this is "not speech".
        seed: Seed of eSpeak NG's noise (the breath of breathy variants such as
            ``Alicia``): the same sequence of calls gives the same samples in every
            fresh process. eSpeak NG carries state from one call to the next, so the
            same call made twice in one process may differ by a few samples.

    Raises:
        SpeechError: the voice is unknown, or eSpeak produced no audible speech for the
            text (empty text, only punctuation or symbols it does not pronounce).
    """
    check_speakable(text)
    if not 80 <= rate <= 450 or not 0 <= pitch <= 100 or not 0 <= pitch_range <= 100:
        raise SpeechError(
            f"eSpeak needs rate in [80, 450] words/min and pitch, pitch_range "
            f"in [0, 100]; got rate={rate}, pitch={pitch}, "
            f"pitch_range={pitch_range}."
        )
    samples = _engine().say(text, voice, rate, pitch, pitch_range, seed)
    if samples.size == 0 or float(np.max(np.abs(samples))) < min_peak:
        raise SpeechError(
            f"eSpeak NG cannot say {text!r} with voice '{voice}': it produced "
            "no audible speech. Use a word written in letters of the voice's "
            "language."
        )
    return samples


def check_speakable(text: str) -> None:
    """Raise :class:`SpeechError` unless ``text`` is words in Latin letters.

    eSpeak's English voices read anything, spelling out or naming what they cannot
    pronounce ("😀" becomes "grinning face"), which is not the word that was typed: a
    keyword must be letters (with spaces, hyphens or apostrophes between words).
    """
    if not isinstance(text, str) or not text.strip():
        raise SpeechError(f"Cannot synthesise {text!r}: give a non-empty word or phrase.")
    bad = sorted(
        {
            c
            for c in text
            if not (c in " -'" or (c.isalpha() and "LATIN" in unicodedata.name(c, "")))
        }
    )
    if bad:
        raise SpeechError(
            f"eSpeak NG cannot say {text!r} as a word: it holds "
            f"{' '.join(repr(c) for c in bad)}, which are not Latin letters. "
            "Write the word in letters (spaces, '-' and apostrophes allowed), "
            "e.g. 'seven' rather than '7'."
        )


def english_accents() -> list[str]:
    """eSpeak NG's English voices in the installed data (``en``, ``en-us``, …)."""
    folder = _data_path() / "lang" / "gmw"
    names = sorted(p.name.lower() for p in folder.glob("en*") if p.is_file())
    return [n for n in names if n != "en-shaw"]  # Shavian script, not spoken English


def variants() -> list[str]:
    """Voice variants (``m1`` … ``f5``, ``klatt``, ``whisper``, named ones)."""
    return sorted(p.name for p in (_data_path() / "voices" / "!v").iterdir() if p.is_file())


def _data_path() -> Path:
    import espeakng_loader

    return Path(espeakng_loader.get_data_path())
