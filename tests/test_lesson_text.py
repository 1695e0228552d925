"""The lessons' prose quotes no number its run may not print, and tells one story."""

import pytest

from gan_course import lesson_text, lessons, settings

NOTEBOOKS = lessons.find_notebooks(settings.REPO_ROOT / "notebooks")
LESSONS = [p for p in NOTEBOOKS if p.name != "00_setup.ipynb"]


def notebook(*markdown, code=""):
    cells = [{"cell_type": "markdown", "source": text} for text in markdown]
    return {"cells": cells + [{"cell_type": "code", "source": code}]}


@pytest.mark.parametrize("text, number", [
    # what lesson 3's cell 31 said: its run printed 21.14, 13.56 and 0.218
    ("The two baselines need no training, so their rows are the same in every run: the "
     "constant colour scores 21.04 dB, 13.7 and 0.19. `bench/README.md` trained both.", "21.04"),
    # lesson 5's cell 12 (lesson 1 measures 0.84 with the same classifier)
    ("the Fréchet distance (lower is better; real against real is about 1.5 here)", "1.5"),
    # lesson 5's cell 34
    ("In quick mode it cost pixels and structure: PSNR 20.3 -> 14.7 dB, SSIM 0.81 -> 0.56.",
     "20.3"),
    ("The projection GAN recognised 90.8% of its samples.", "90.8%"),
    ("| model | FD |\n| --- | --- |\n| DCGAN | 13.3 |", "13.3"),
])
def test_a_number_from_one_run_is_found(text, number):
    found = lesson_text.unlabelled_numbers(notebook(text))
    assert number in [f.number.replace(" ", "") for f in found], found


@pytest.mark.parametrize("text", [
    "Adam with beta_1 = 0.5 and a LeakyReLU slope of 0.2.",                # settings in code
    "The course needs TensorFlow 2.19 to 2.21.",                            # versions
    "When D rejects a fake ($\\sigma(-6) \\approx 0.0025$) and `lr=0.01`.",  # maths and code
    "In full mode the DCGAN reaches FD 13.3 (2-core CPU, [bench/README.md](../bench/README.md)).",
    "Isola et al. (2017) report 0.69 for L1 alone.",                        # a citation
    "Measured over 3 seeds (bench/README.md):\n\n| model | FD |\n| --- | --- |\n| DCGAN | 13.3 |",
    "Each class holds 10 % of the samples.",                                # 0.1 in the code
    "It trains 5,000 steps on 28x28 images in 10 minutes.",                 # whole numbers
])
def test_settings_versions_maths_and_labelled_references_pass(text):
    code = "keras.optimizers.Adam(2e-4, beta_1=0.5); layers.LeakyReLU(0.2); share = 0.1"
    assert lesson_text.unlabelled_numbers(notebook(text, code=code)) == []


def test_a_label_in_the_next_sentence_does_not_cover_a_number():
    text = "The grey input scores 19.68 dB. The bench (bench/README.md) trained both."
    assert [f.number for f in lesson_text.unlabelled_numbers(notebook(text))] == ["19.68"]


def test_sentences_keep_decimals_and_abbreviations_whole():
    text = "Karras et al. use 0.5 here. Then e.g. 3.5 there! Last"
    assert lesson_text.sentences(text) == ["Karras et al. use 0.5 here.",
                                          "Then e.g. 3.5 there!", "Last"]


def test_words_and_tables_are_counted():
    nb = notebook("## Results\n\nOne two.\n\n| a |\n| - |\n\n| b |\n| - |", "### Next\nthree")
    assert lesson_text.markdown_words(nb) == 16 + 3  # white-space separated, as the hook counts
    assert lesson_text.tables_per_section(nb) == {"Results": 2, "Next": 0}
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_no_lesson_quotes_a_number_its_run_may_not_print(path):
    found = lesson_text.unlabelled_numbers(path)
    assert found == [], "\n".join(map(str, found)) + (
        "\nPrint the number from the code beside it, or label it as a reference "
        "(bench/README.md, data/README.md or a citation): gan_course/lesson_text.py")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_tells_one_story(path):
    words = lesson_text.markdown_words(path)
    assert words <= lesson_text.MAX_WORDS, (
        f"{path.name}: {words} markdown words; move the lab report to bench/README.md")
    crowded = {h: n for h, n in lesson_text.tables_per_section(path).items() if n > 1}
    assert crowded == {}, f"{path.name}: more than one table in {crowded}"
