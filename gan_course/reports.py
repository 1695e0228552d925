"""Results pages: a folder with an ``index.html`` that shows, row by row, what a model was given,
what it made and what it should have made, like the test mode of the reference pix2pix tool.

::

    page = reports.write_results_page(run_dir / "results", [
        ("photo 1", grey_1, colourised_1, photo_1), ...],
        numbers={"PSNR (dB)": 23.1, "colourfulness ratio": 0.87})
    reports.show_results_page(page, rows=3)  # the first rows inline in the notebook

The folder holds ``index.html``, the pictures as PNG files in ``images/`` (linked relatively,
so the folder can be moved or zipped), and ``index.json``, the page's contents, which
:func:`show_results_page` reads. Pixel values follow :mod:`gan_course.image_ops`: uint8 is
[0, 255], floats are read as ``value_range``, by default [-1, 1].
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from gan_course import image_ops
from gan_course.files import atomic_write_bytes, png_bytes

PAGE_NAME = "index.html"
CONTENTS_NAME = "index.json"
IMAGES_FOLDER = "images"
#: Longest file-name stem taken from a row name (the column name and ".png" follow).
MAX_STEM = 60

#: The page's wrapper class: every style rule is scoped to it, so that the inline version in a
#: notebook leaves the notebook's own tables alone.
WRAPPER_CLASS = "gan-course-results"
_STYLE = """
.gan-course-results { font-family: sans-serif; }
.gan-course-results table { border-collapse: collapse; margin-bottom: 1.5em; }
.gan-course-results th, .gan-course-results td {
  border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: middle; }
.gan-course-results table.numbers td { font-variant-numeric: tabular-nums; }
.gan-course-results table.results img { min-width: 128px; image-rendering: pixelated; }
""".strip()


def safe_stem(name: str) -> str:
    """A file-name stem made of ``[A-Za-z0-9._-]`` only: other characters become ``_``, runs of
    them one ``_``; leading dots and underscores are dropped (no hidden files), the length is
    capped at :data:`MAX_STEM`, and an empty result becomes ``"row"``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).lstrip("._")[:MAX_STEM].rstrip("._")
    return stem or "row"


def _unique(stem: str, taken: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3`` ... whichever is free in ``taken`` (compared without
    case, for case-insensitive file systems); the result is added to ``taken``."""
    candidate, number = stem, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem}-{number}"
    taken.add(candidate.lower())
    return candidate


def _format_number(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


def _render(title: str, columns: list[str], numbers: list[list[str]],
            rows: list[dict], src, whole_page: bool = True) -> str:
    """The page's HTML, or with ``whole_page=False`` just its styled ``<div>`` (for a notebook).
    ``rows``: dicts with ``name`` and ``images`` (paths relative to the page); ``src`` maps such
    a path to the ``src`` attribute's value."""
    e = html.escape
    style = f"<style>\n{_STYLE}\n</style>"
    if whole_page:
        lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                 f"<title>{e(title)}</title>", style, "</head>", "<body>",
                 f'<div class="{WRAPPER_CLASS}">', f"<h1>{e(title)}</h1>"]
    else:
        lines = [style, f'<div class="{WRAPPER_CLASS}">', f"<h3>{e(title)}</h3>"]
    if numbers:
        lines.append('<table class="numbers">')
        lines += [f"<tr><th>{e(name)}</th><td>{e(value)}</td></tr>" for name, value in numbers]
        lines.append("</table>")
    lines.append('<table class="results">')
    lines.append("<tr>" + "".join(f"<th>{e(column)}</th>" for column in columns) + "</tr>")
    for row in rows:
        cells = [f"<td>{e(row['name'])}</td>"]
        for column, path in zip(columns[1:], row["images"], strict=True):
            cells.append(f'<td><img src="{e(src(path))}" alt="{e(row["name"])}: {e(column)}">'
                         "</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</table>", "</div>"]
    lines += ["</body>", "</html>", ""] if whole_page else []
    return "\n".join(lines)


def write_results_page(directory, rows, numbers=None, title: str = "Results",
                       columns=("name", "input", "output", "target"),
                       value_range=image_ops.SIGNED) -> Path:
    """Write a results page into ``directory`` and return the path of its ``index.html``.

    ``rows``: a non-empty sequence of ``(name, input, output, target)``, one entry per column of
    ``columns`` (the first is the row's name, the rest are images; so a fourth image needs a
    fifth column name). Each image is one picture (H, W), (H, W, 1) or (H, W, 3), uint8 in
    [0, 255] or float in ``value_range`` (default [-1, 1]); the images of a row may differ in
    size and channels (a grey input beside a colour output). ``numbers``: an optional mapping
    ``name -> value`` (floats shown with 4 significant digits, anything else with ``str``),
    shown in a small table above the images, e.g. the PSNR and colourfulness ratio of the test
    set.

    Every image becomes ``images/<row>_<column>.png``, the names made of ``[A-Za-z0-9._-]``
    (:func:`safe_stem`) and unique (``-2``, ``-3`` ... for repeated row names). All text is
    HTML-escaped. The images are written first and ``index.html`` last, atomically, so the page
    never points at a missing picture. Files left in ``images/`` by an earlier page with other
    row names are not removed. Raises ``ValueError`` (``TypeError`` for a wrong dtype) before
    writing anything if a row or an image is malformed.
    """

    columns = [str(column) for column in columns]
    if len(columns) < 2:
        raise ValueError(f"columns={columns!r} needs a name column and at least one image column.")
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__len__") or len(rows) == 0:
        raise ValueError("rows must be a non-empty list of (name, input, output, target) "
                         "tuples, one entry per column.")
    if numbers is None:
        numbers = {}
    if not isinstance(numbers, Mapping):
        raise TypeError(f"numbers must be a dict name -> value, got {type(numbers).__name__}.")
    table = [[str(name), _format_number(value)] for name, value in numbers.items()]

    prepared = []  # (name, [uint8 images]) checked before anything is written
    for index, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") \
                or len(row) != len(columns):
            length = len(row) if hasattr(row, "__len__") else "?"
            raise ValueError(f"rows[{index}] has {length} entries; each row needs "
                             f"{len(columns)}: ({', '.join(columns)}).")
        name, *images = row
        pictures = []
        for column, image in zip(columns[1:], images, strict=True):
            label = f"rows[{index}] ({str(name)!r}), column {column!r}"
            array = image_ops.check_images(image, label, value_range=value_range,
                                           batched=False)
            picture = image_ops.to_uint8(array, value_range, name=label)
            pictures.append(picture[..., 0] if picture.shape[-1] == 1 else picture)
        prepared.append((str(name), pictures))

    directory = Path(directory)
    image_dir = directory / IMAGES_FOLDER
    image_dir.mkdir(parents=True, exist_ok=True)
    taken_columns: set[str] = set()
    column_stems = [_unique(safe_stem(column), taken_columns) for column in columns[1:]]
    taken_rows: set[str] = set()
    taken_files: set[str] = set()  # row "a_b", column "c" and row "a", column "b_c" meet
    contents = []
    for name, pictures in prepared:
        stem = _unique(safe_stem(name), taken_rows)
        paths = []
        for column_stem, picture in zip(column_stems, pictures, strict=True):
            file_stem = _unique(f"{stem}_{column_stem}", taken_files)
            relative = f"{IMAGES_FOLDER}/{file_stem}.png"
            (directory / relative).write_bytes(png_bytes(picture))
            paths.append(relative)
        contents.append({"name": name, "images": paths})

    page = directory / PAGE_NAME
    manifest = {"title": str(title), "columns": columns, "numbers": table, "rows": contents}
    atomic_write_bytes(directory / CONTENTS_NAME,
                       json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
    atomic_write_bytes(page, _render(str(title), columns, table, contents,
                                     src=lambda path: path).encode("utf-8"))
    return page


def show_results_page(path, rows: int = 3):
    """The numbers and the first ``rows`` rows of a page from :func:`write_results_page`, as an
    ``IPython.display.HTML`` to show in a notebook.

    ``path``: the page's ``index.html`` or its folder. The pictures are embedded in the HTML as
    data URIs: the page's relative links would resolve against the notebook's folder, not the
    page's. Only the page's ``<div>`` is returned (no ``<html>``/``<body>``), with its styles
    scoped to it. ``rows=None`` shows every row.
    """
    import base64

    from IPython.display import HTML

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: pass the index.html (or the folder) "
                                "that reports.write_results_page returned.")
    directory = path if path.is_dir() else path.parent
    contents_file = directory / CONTENTS_NAME
    if not contents_file.is_file():
        raise FileNotFoundError(f"{contents_file} is missing: is {path} a page written by "
                                "reports.write_results_page?")
    contents = json.loads(contents_file.read_text(encoding="utf-8"))
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, (int, np.integer))
                             or rows < 0):
        raise ValueError(f"rows={rows!r} must be an int >= 0, or None for every row.")
    shown = contents["rows"] if rows is None else contents["rows"][:rows]

    def data_uri(relative: str) -> str:
        encoded = base64.b64encode((directory / relative).read_bytes()).decode("ascii")
        return f"data:image/png;base64,{encoded}"

    return HTML(_render(contents["title"], contents["columns"], contents["numbers"], shown,
                        src=data_uri, whole_page=False))
