"""Checks on what a lesson's prose says, for the course's authors (``tests/test_lesson_text.py``
runs them on every lesson).

A lesson's markdown may not quote a number that the run beside it may not print. A measured
number in prose (a decimal such as ``21.04`` or a percentage such as ``80.8 %``) must be one of:

- a setting the notebook's own code uses (the same literal appears in a code cell: ``0.5`` for
  Adam's beta_1, or ``0.9`` for a "90 %" confidence threshold);
- a software version (``TensorFlow 2.19``);
- maths or code: inside ``$...$`` or backticks (``$\\sigma(-6) \\approx 0.0025$``);
- a labelled reference: its sentence names where it was measured or published,
  ``bench/README.md``, ``data/README.md`` or a citation with a year ("Isola et al. (2017)
  report ..."); a table is labelled by the paragraph just above it.

Everything else is what one run printed once, which the next run will not repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: At most this many markdown words per lesson: one story, read in one sitting.
MAX_WORDS = 2200

_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+|\d+(?:\.\d+)?)(\s?%)?(?![\w.]*\d)")
_NOT_PROSE = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`|\]\([^)]*\)|<[^>\n]+>", re.S)
_LABEL = re.compile(r"bench/README\.md|data/README\.md|et al\.|\b(?:19|20)\d\d\b")
_VERSION = re.compile(r"(?:TensorFlow|Keras|Python|TF|NumPy|numpy|ipywidgets|CUDA|version|"
                      r"versions|compute capability)\s+(?:\d+\.\w+\s+(?:to|and|or)\s+)?$")
_ABBREVIATIONS = ("et al.", "e.g.", "i.e.", "cf.", "vs.", "Fig.", "Eq.")


@dataclass(frozen=True)
class ProseNumber:
    """A number in a lesson's markdown that no code, citation or reference backs."""

    cell: int
    number: str
    context: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.number!r} in ...{self.context}..."


def _cells(notebook) -> list[tuple[str, str]]:
    """[(cell_type, source)] of an nbformat notebook, a notebook dict, or a path to one."""
    if isinstance(notebook, (str, Path)):
        import json
        notebook = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = notebook["cells"] if isinstance(notebook, dict) else notebook.cells
    return [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list)
             else c["source"]) for c in cells]


def markdown_words(notebook) -> int:
    """The number of words (white-space separated) in the notebook's markdown cells."""
    return sum(len(source.split()) for kind, source in _cells(notebook) if kind == "markdown")


def sentences(paragraph: str) -> list[str]:
    """Split prose at a full stop, question or exclamation mark followed by white space, but
    not after an abbreviation ("et al.", "e.g.") or inside a decimal."""
    parts, start = [], 0
    for match in re.finditer(r"[.!?]\s+", paragraph):
        end = match.start() + 1
        if any(paragraph[:end].endswith(a) for a in _ABBREVIATIONS):
            continue
        parts.append(paragraph[start:end])
        start = match.end()
    parts.append(paragraph[start:])
    return [p for p in parts if p.strip()]


def _blocks(markdown: str) -> list[str]:
    """Paragraphs, list items and tables of a markdown cell."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", markdown):
        lines = paragraph.split("\n")
        table = [line for line in lines if line.lstrip().startswith("|")]
        prose = "\n".join(line for line in lines if not line.lstrip().startswith("|"))
        blocks.extend(re.split(r"\n(?=\s*(?:[-*]|\d+\.)\s)", prose))
        if table:
            blocks.append("\n".join(table))
    return [b for b in blocks if b.strip()]


def _in_code(number: str, percent: bool, code: str) -> bool:
    literals = {number}
    if percent:
        value = float(number) / 100
        literals = {f"{value:g}", f"{value:.2f}".rstrip("0"), repr(value)}
    return any(re.search(rf"(?<![\w.]){re.escape(lit)}(?![\w])", code) for lit in literals)


def unlabelled_numbers(notebook) -> list[ProseNumber]:
    """The decimals and percentages in the notebook's markdown that are not a setting of its
    code, a version, maths, or a labelled reference (see the module docstring)."""
    cells = _cells(notebook)
    code = "\n".join(source for kind, source in cells if kind == "code")
    found = []
    for index, (kind, source) in enumerate(cells):
        if kind != "markdown":
            continue
        previous = ""
        for block in _blocks(source):
            is_table = block.lstrip().startswith("|")
            pieces = [block] if is_table else sentences(block)
            for piece in pieces:
                labelled = bool(_LABEL.search(piece)) or (is_table and _LABEL.search(previous))
                if labelled:
                    continue
                prose = _NOT_PROSE.sub(" ", piece)
                for match in _NUMBER.finditer(prose):
                    number, percent = match.group(1), bool(match.group(2))
                    if "." not in number and not percent:
                        continue  # whole numbers: counts, sizes, steps
                    if _VERSION.search(prose[:match.start()]) or _in_code(number, percent, code):
                        continue
                    context = " ".join(prose[max(0, match.start() - 40):match.end() + 25].split())
                    found.append(ProseNumber(index, match.group(0).strip(), context))
            previous = block
    return found


def tables_per_section(notebook) -> dict[str, int]:
    """{section heading (## or ###): number of markdown tables in it}."""
    counts: dict[str, int] = {}
    heading = "(before the first heading)"
    for kind, source in _cells(notebook):
        if kind != "markdown":
            continue
        in_table = False
        for line in source.split("\n"):
            if re.match(r"#{2,3}\s", line):
                heading = line.lstrip("#").strip()
                counts.setdefault(heading, 0)
            is_row = line.lstrip().startswith("|")
            if is_row and not in_table:
                counts[heading] = counts.get(heading, 0) + 1
            in_table = is_row
    return counts
