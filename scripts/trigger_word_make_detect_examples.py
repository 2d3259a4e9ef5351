"""Write the example recordings of data/01_raw/trigger_word/detect/ (run once; committed).

Two short recordings in held-out test voices (not used for training): a 16 kHz mono
file with the keyword twice and a confusable word, and a 44.1 kHz stereo file with the
keyword once (the right channel 6 dB quieter). The keyword is read from
conf/base/parameters_trigger_word.yml; the true keyword ends are printed.

    python scripts/trigger_word_make_detect_examples.py
"""

from pathlib import Path

import numpy as np
import yaml

from dl_pipelines.audio import io as audio
from dl_pipelines.audio.levels import db_to_gain
from dl_pipelines.pipelines.trigger_word.synthesis import recording
from dl_pipelines.runtime.seeding import rng

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data/01_raw/trigger_word/detect"


def main() -> None:
    params = yaml.safe_load((ROOT / "conf/base/parameters_trigger_word.yml").read_text())
    keyword = params["trigger_word"]["keyword"]
    OUT.mkdir(parents=True, exist_ok=True)
    mono, ends = recording(
        [(keyword, 0.4), ("motivate", 1.9), (keyword, 3.2)],
        "en-gb-scotland+m6",
        16000,
        4.6,
        rng(0, "detect", "mono"),
        keyword,
    )
    (OUT / "two_keywords_16k_mono.wav").write_bytes(audio.wav_bytes(mono, 16000))
    print("two_keywords_16k_mono.wav: keyword ends at", [round(e, 2) for e in ends])
    left, ends = recording(
        [(keyword, 0.3)], "en-029+f5", 44100, 1.6, rng(0, "detect", "stereo"), keyword
    )
    stereo = np.stack([left, left * db_to_gain(-6.0)], axis=1)
    (OUT / "one_keyword_44k_stereo.wav").write_bytes(audio.wav_bytes(stereo, 44100))
    print("one_keyword_44k_stereo.wav: keyword ends at", [round(e, 2) for e in ends])


if __name__ == "__main__":
    main()
