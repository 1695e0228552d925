import shutil
from html.parser import HTMLParser

import imageio.v3 as iio
import numpy as np
import pytest

from gan_course import image_ops, reports

EVIL = '<script>&"x"'


class _Page(HTMLParser):
    """Collects the tables of a page: per table, its rows as lists of (tag, text, attributes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.tables, self.srcs = [], {}, []
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("class"), [])
        elif tag == "tr":
            self._row = []
            self._table.append(self._row)
        elif tag in ("th", "td"):
            self._cell = [tag, "", []]
            self._row.append(self._cell)
        elif tag == "img":
            self.srcs.append(attrs["src"])
            self._cell[2].append(attrs)

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data


def _parse(text):
    parser = _Page()
    parser.feed(text)
    parser.close()
    return parser


def _rows(n=3, seed=0):
    rng = np.random.default_rng(seed)
    return [(f"photo {i}", rng.uniform(-1, 1, (16, 12)), rng.uniform(-1, 1, (16, 12, 3)),
             rng.uniform(-1, 1, (16, 12, 3))) for i in range(n)]


def test_page_has_a_header_and_one_row_of_four_cells_per_entry(tmp_path):
    rows = _rows(3)
    page = reports.write_results_page(tmp_path / "results", rows, title="Lesson 3")
    assert page == tmp_path / "results" / "index.html"
    parsed = _parse(page.read_text(encoding="utf-8"))
    results = parsed.tables["results"]
    header, data_rows = results[0], results[1:]
    assert [(tag, text) for tag, text, _ in header] == [
        ("th", "name"), ("th", "input"), ("th", "output"), ("th", "target")]
    assert len(data_rows) == len(rows)
    for row, cells in zip(rows, data_rows, strict=True):
        assert len(cells) == 4 and all(tag == "td" for tag, _, _ in cells)
        assert cells[0][1] == row[0]
        assert all(len(images) == 1 for _, _, images in cells[1:])
    assert "numbers" not in parsed.tables  # no numbers given, no table
    assert "<title>Lesson 3</title>" in page.read_text()


def test_every_src_is_relative_and_exists_and_holds_the_image(tmp_path):
    rows = _rows(2)
    page = reports.write_results_page(tmp_path / "out", rows)
    srcs = _parse(page.read_text()).srcs
    assert len(srcs) == 2 * 3
    for src in srcs:
        assert src.startswith("images/") and src.endswith(".png")
        assert (page.parent / src).is_file()
    # the pixels survive: the first row's output, read back
    written = iio.imread(page.parent / srcs[1])
    np.testing.assert_array_equal(written, image_ops.to_uint8(rows[0][2]))
    assert iio.imread(page.parent / srcs[0]).shape == (16, 12)  # grey stays grey
    # the folder can be moved: the links are relative
    moved = shutil.move(str(page.parent), str(tmp_path / "moved"))
    for src in srcs:
        assert (tmp_path / "moved" / src).is_file(), moved


def test_names_are_escaped_and_file_names_are_safe(tmp_path):
    image = np.zeros((4, 4), np.float32)
    rows = [(EVIL, image, image, image), ("../../etc/passwd", image, image, image),
            ("", image, image, image)]
    page = reports.write_results_page(tmp_path, rows, title=EVIL, numbers={EVIL: EVIL})
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text and EVIL not in text
    assert "&lt;script&gt;&amp;&quot;x&quot;" in text
    parsed = _parse(text)
    assert "script" not in parsed.tags
    assert parsed.tables["results"][1][0][1] == EVIL  # shown as text
    files = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert len(files) == 9
    for name in files:
        assert all(c.isalnum() or c in "._-" for c in name) and not name.startswith(".")
    for src in parsed.srcs:
        assert (tmp_path / src).resolve().parent == (tmp_path / "images").resolve()


def test_rows_with_the_same_name_get_distinct_files(tmp_path):
    rng = np.random.default_rng(0)
    rows = [(name, *(rng.uniform(-1, 1, (8, 8, 3)) for _ in range(3)))
            for name in ("same", "same", "Same", "same?", "same!")]
    page = reports.write_results_page(tmp_path, rows)
    srcs = _parse(page.read_text()).srcs
    assert len(srcs) == len(set(src.lower() for src in srcs)) == 15
    assert len(list((tmp_path / "images").iterdir())) == 15
    # the second "same" row links its own pixels, not the first row's
    second_output = iio.imread(tmp_path / srcs[4])
    np.testing.assert_array_equal(second_output, image_ops.to_uint8(rows[1][2]))


def test_numbers_appear_above_the_images(tmp_path):
    numbers = {"PSNR (dB)": 23.456789, "colourfulness ratio": np.float32(0.8712), "images": 50,
               "note": "L1 only"}
    page = reports.write_results_page(tmp_path, _rows(1), numbers=numbers)
    text = page.read_text()
    assert text.index('class="numbers"') < text.index('class="results"')
    table = _parse(text).tables["numbers"]
    assert [(cells[0][1], cells[1][1]) for cells in table] == [
        ("PSNR (dB)", "23.46"), ("colourfulness ratio", "0.8712"), ("images", "50"),
        ("note", "L1 only")]


def test_value_range_uint8_and_more_columns(tmp_path):
    unit = np.linspace(0, 1, 48).reshape(4, 4, 3)
    as_bytes = np.round(unit * 255).astype(np.uint8)
    rows = [("a", unit, unit[..., :1], as_bytes, unit)]
    page = reports.write_results_page(tmp_path, rows, value_range=image_ops.UNIT,
                                      columns=("name", "L", "output", "target", "L1 only"))
    parsed = _parse(page.read_text())
    assert [cell[1] for cell in parsed.tables["results"][0]] == [
        "name", "L", "output", "target", "L1 only"]
    assert len(parsed.tables["results"][1]) == 5
    for src in (parsed.srcs[0], parsed.srcs[2]):
        np.testing.assert_array_equal(iio.imread(tmp_path / src), as_bytes)


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        ([], ValueError, "non-empty"),
        (None, ValueError, "non-empty"),
        ([("a", np.zeros((4, 4)), np.zeros((4, 4)))], ValueError,
         r"rows\[0\] has 3 entries; each row needs 4: \(name, input, output, target\)"),
        ([("a", np.zeros((2, 4, 4, 3)), np.zeros((4, 4)), np.zeros((4, 4)))], ValueError,
         r"rows\[0\] \('a'\), column 'input' must be one image.*x\[0\]"),
        ([("a", np.zeros((4, 4)), np.zeros((4, 4, 4)), np.zeros((4, 4)))], ValueError,
         r"column 'output'.*C = 1 or 3.*RGBA"),
        ([("a", np.zeros((4, 4)), np.zeros(4), np.zeros((4, 4)))], ValueError,
         r"column 'output' must be one image"),
        ([("a", np.zeros((4, 4)), np.zeros((4, 4)), np.full((4, 4), 200.0))], ValueError,
         r"column 'target' must be in \[-1, 1\]"),
        ([("a", np.zeros((4, 4)), np.zeros((4, 4), np.int64), np.zeros((4, 4)))], TypeError,
         "int64"),
    ],
)
def test_bad_rows_give_clear_errors_and_write_nothing(tmp_path, rows, error, match):
    with pytest.raises(error, match=match):
        reports.write_results_page(tmp_path / "page", rows)
    assert not (tmp_path / "page").exists()


def test_bad_numbers_and_columns(tmp_path):
    with pytest.raises(TypeError, match="numbers must be a dict"):
        reports.write_results_page(tmp_path, _rows(1), numbers=[1.0])
    with pytest.raises(ValueError, match="image column"):
        reports.write_results_page(tmp_path, [("a",)], columns=("name",))


def test_safe_stem():
    assert reports.safe_stem("photo 1 (grey)") == "photo_1_grey"
    assert reports.safe_stem("../x") == "x"
    assert reports.safe_stem("") == reports.safe_stem("???") == "row"
    assert reports.safe_stem("a.b-c_d") == "a.b-c_d"
    assert len(reports.safe_stem("x" * 500)) == reports.MAX_STEM


def test_show_results_page_embeds_the_first_rows(tmp_path):
    from IPython.display import HTML

    page = reports.write_results_page(tmp_path, _rows(5), numbers={"PSNR": 20.0},
                                      title=EVIL)
    shown = reports.show_results_page(page, rows=2)
    assert isinstance(shown, HTML)
    parsed = _parse(shown.data)
    assert len(parsed.tables["results"]) == 1 + 2
    assert parsed.tables["numbers"][0][1][1] == "20"
    assert len(parsed.srcs) == 6 and all(s.startswith("data:image/png;base64,")
                                         for s in parsed.srcs)
    assert "<html" not in shown.data and "<script>" not in shown.data
    # the folder works as well as the file, and None shows every row
    assert len(_parse(reports.show_results_page(tmp_path, rows=None).data)
               .tables["results"]) == 6
    with pytest.raises(FileNotFoundError, match="write_results_page"):
        reports.show_results_page(tmp_path / "elsewhere")
    with pytest.raises(FileNotFoundError, match="index.json is missing"):
        reports.show_results_page(tmp_path / "images")  # a folder that holds no page
    with pytest.raises(ValueError, match="rows"):
        reports.show_results_page(page, rows=-1)
