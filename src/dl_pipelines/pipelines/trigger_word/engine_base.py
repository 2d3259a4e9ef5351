"""What every speech engine adapter is (:mod:`.engines` lists them)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

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
