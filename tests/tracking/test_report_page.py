"""The report page: one self-contained HTML file of an application's tables and figures."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dl_pipelines.tracking.report_page import MAX_AUDIO_BYTES, report_page, report_page_node
from dl_pipelines.tracking.report_tables import MAX_ROWS


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), colour).save(buffer, format="PNG")
    return buffer.getvalue()


class _Checker(HTMLParser):
    """Fails on a closing tag that does not close the last open one."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open[-3:])
        self.open.pop()


def _well_formed(page: str) -> None:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.open == []


def test_a_page_holds_escaped_captions_tables_and_embedded_figures():
    red, blue = _png((255, 0, 0)), _png((0, 0, 255))
    page = report_page(
        "day_night <run>",
        day_night_split_report={
            "train": {"images": 1036, "share_day": 0.5},
            "test": {"images": 130, "share_day": 0.5},
        },
        day_night_test_report={
            "metrics": {"test_accuracy": 0.99230769, "test_f1": 0.9923},
            "classes": ["day", "night"],
            "confusion_matrix": {"rows_true_columns_predicted": [[64, 1], [0, 65]]},
            "misclassified": [{"name": "a<b>&c", "p_night": 0.14}],
        },
        comparison=pd.DataFrame({"model": ["svm", "lenet5"], "test_accuracy": [0.9, 0.95]}),
        day_night_roc_curve_plot=red,
        style_transfer_pairs_plots={"astronaut__brick.png": blue, "coffee__grass.png": red},
    )
    _well_formed(page)
    assert "<title>day_night &lt;run&gt;</title>" in page
    # a dict of similar dicts is one table, its rows the outer keys
    assert "<th></th><th>images</th><th>share_day</th>" in page
    assert '<td>train</td><td class="n">1036</td><td class="n">0.5</td>' in page
    # nested scalars flattened to a.b keys, floats to 4 significant digits
    assert '<td>metrics.test_accuracy</td><td class="n">0.9923</td>' in page
    assert "<td>classes</td><td>[day, night]</td>" in page
    # a matrix and a list of records as tables of their own, their text escaped
    assert "<h4>confusion_matrix.rows_true_columns_predicted</h4>" in page
    assert "<td>a&lt;b&gt;&amp;c</td>" in page and "a<b>" not in page
    assert "<td>lenet5</td>" in page  # the DataFrame
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(i) for i in images] == [red, blue, red]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert captions == [
        "day_night_roc_curve_plot",
        "style_transfer_pairs_plots / astronaut__brick.png",
        "style_transfer_pairs_plots / coffee__grass.png",
    ]
    # the links at the top lead to every section
    links = re.findall(r'href="#([^"]+)"', page)
    assert len(links) == 5 and set(links) <= set(re.findall(r'<section id="([^"]+)"', page))
    # tables before figures, each in the order given
    assert page.index("day_night_split_report") < page.index("comparison") < page.index("<figure")


def test_similar_dicts_sit_side_by_side_and_equal_length_lists_become_columns():
    page = report_page(
        "t",
        data_report={
            "dataset": "digits",
            "train": {"images": 12, "per_class": {"0": 5, "1": 7}},
            "test": {"images": 4, "per_class": {"0": 2, "1": 2}},
        },
        history={"step": [2, 4], "total_loss": [9.0, 3.0], "tv_loss": [1, 1], "style": "swirls"},
    )
    _well_formed(page)
    assert "<td>dataset</td><td>digits</td>" in page
    assert "<th></th><th>images</th><th>per_class.0</th><th>per_class.1</th>" in page
    assert '<td>test</td><td class="n">4</td><td class="n">2</td><td class="n">2</td>' in page
    assert "<th>step</th><th>total_loss</th><th>tv_loss</th>" in page
    assert '<td class="n">4</td><td class="n">3</td><td class="n">1</td>' in page
    assert "<td>style</td><td>swirls</td>" in page


def test_dicts_that_share_too_few_keys_stay_tables_of_their_own():
    page = report_page(
        "t",
        pair_head_report={
            "metrics": {"pair_verify_accuracy": 0.5, "pair_verify_roc_auc": 0.53},
            "history": {"accuracy": [0.52, 0.5], "loss": [0.69, 0.7]},
        },
        test_report={
            "frr_by_family": {  # validation and test families differ on purpose
                "val": {"espeak": {"frr": 0.3}, "festival": {"frr": 0.2}},
                "test": {"flite": {"frr": 0.7}},
            }
        },
    )
    _well_formed(page)
    assert "<td>metrics.pair_verify_accuracy</td>" in page
    assert "<td>history.loss</td><td>[0.69, 0.7]</td>" in page
    assert "<h4>frr_by_family.val</h4>" in page
    assert "<td>frr_by_family.test.flite.frr</td>" in page
    assert "<th>espeak.frr</th>" not in page


def test_audio_clips_are_players_after_the_figures_within_the_pages_audio_budget():
    from dl_pipelines.audio.io import wav_bytes

    tone = np.sin(np.linspace(0, 400 * np.pi, 8000)).astype(np.float32) * 0.5
    page = report_page(
        "t",
        report={"a": 1},
        trigger_word_example_audio={"example_0.wav": (tone, 8000), "example_1.wav": (tone, 8000)},
        trigger_word_examples_plot=_png((0, 0, 0)),
        one_wav=wav_bytes(tone[:4000], 8000),
    )
    _well_formed(page)
    clips = re.findall(
        r'<audio controls preload="metadata" src="data:audio/wav;base64,([^"]+)"', page
    )
    assert [base64.b64decode(c) for c in clips] == [wav_bytes(tone, 8000)] * 2 + [
        wav_bytes(tone[:4000], 8000)
    ]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert captions == [
        "trigger_word_examples_plot",
        "trigger_word_example_audio / example_0.wav · 1.0 s, 8000 Hz",
        "trigger_word_example_audio / example_1.wav · 1.0 s, 8000 Hz",
        "one_wav · 0.5 s, 8000 Hz",
    ]
    assert page.index("<h2>Figures</h2>") < page.index("<h2>Audio</h2>")
    links = re.findall(r'href="#([^"]+)"', page)
    assert set(links) == set(re.findall(r'<section id="([^"]+)"', page))


def test_audio_past_the_budget_is_named_not_embedded():
    rate = 16000
    long = np.zeros(MAX_AUDIO_BYTES // 2 - rate, np.float32)  # just under the budget
    page = report_page("t", clips={"a.wav": (long, rate), "b.wav": (long[:rate], rate)})
    _well_formed(page)
    assert page.count("<audio ") == 1
    assert "Not embedded (the page holds at most 4 MiB of audio): clips / b.wav" in page


def test_long_tables_are_cut_with_a_note():
    page = report_page("t", rows=[{"i": i} for i in range(MAX_ROWS + 7)])
    assert page.count("<tr>") == MAX_ROWS + 1  # the header row
    assert "… 7 more rows" in page


@pytest.mark.parametrize(
    ("value", "message"),
    [(np.zeros(3), "ndarray"), (object(), "object"), (b"not a png", "not a PNG")],
)
def test_a_section_of_another_type_is_a_type_error_naming_it(value, message):
    with pytest.raises(TypeError, match=message):
        report_page("t", odd_section=value)


def test_the_node_reads_the_datasets_by_name_and_writes_the_apps_page():
    node = report_page_node("day_night", "Day or night", "day_night_split_report", "x_plot")
    assert node.outputs == ["day_night_report_page"]
    assert node.inputs == ["day_night_split_report", "x_plot"]
    page = node.run({"day_night_split_report": {"a": 1}, "x_plot": _png((0, 0, 0))})
    assert "<h1>Day or night</h1>" in page["day_night_report_page"]
