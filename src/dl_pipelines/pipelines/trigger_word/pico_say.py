"""Says words with SVOX Pico (PyPI ``py-nanotts``), for ``engine_programs.PicoEngine``.

Run as a program of its own (``python pico_say.py``), never imported by the pipeline:
Pico's library crashes an interpreter that has loaded TensorFlow. Standard input:
``{"requests": [{"text": "...", "voice": "en-US", "speed": 1.0, "pitch": 1.0,
"out": "<wav path>"}]}``; writes one 16-bit, 16 kHz mono WAV per request.
"""

import json
import sys
import wave

RATE = 16000


def main() -> None:
    import py_nanotts

    tts = py_nanotts.NanoTTS()
    for request in json.load(sys.stdin)["requests"]:
        pcm = tts.speak(
            request["text"],
            voice=request["voice"],
            speed=request["speed"],
            pitch=request["pitch"],
        )
        with wave.open(request["out"], "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(pcm)


if __name__ == "__main__":
    main()
