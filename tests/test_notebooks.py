"""Execute every lesson notebook in quick mode, one test per notebook."""

import contextlib
import os

import pytest

from gan_course import lessons, settings

NOTEBOOKS = lessons.find_notebooks(settings.REPO_ROOT / "notebooks")


#: What a verdict says when a number is normal: inside the band, better, or a fixed number
#: that matches its record. Anything else ("No:", "No range", "Nothing recorded", "differs")
#: fails: a lesson whose settings changed since its range was measured fails here.
NORMAL = ("is my run normal? Yes:", "is my run normal? Better:", "matches it to 1 %")


def _stream_lines(result):
    return [line for cell in result.notebook.cells for output in cell.get("outputs", [])
            if output.get("output_type") == "stream"
            for line in output.get("text", "").splitlines()]


@contextlib.contextmanager
def _one_core():
    """Run the kernel (which inherits this process's CPU affinity) on one core: a machine
    slower than the one the ranges were measured on, with other thread counts."""
    if not hasattr(os, "sched_setaffinity") or not os.path.isdir("/proc/self/task"):
        pytest.skip("this OS cannot pin a process to one core")
    before = os.sched_getaffinity(0)

    def pin(cores):  # every thread: the kernel may be started from any of them
        for thread in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError):  # a thread that ended meanwhile
                os.sched_setaffinity(int(thread), cores)

    pin({min(before)})
    try:
        yield
    finally:
        pin(before)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode_twice(path, tmp_path):
    """Run All, then Run All again on the same cache (a learner pressing it twice). Lesson 1's
    first run is on one core: quick mode counts steps, so it gets the verdicts of two cores."""
    env = {"GAN_COURSE_CACHE_DIR": str(tmp_path / "cache")}
    slowed = path.name.startswith("01_")
    # the executed notebook, its HTML page and its results pages go to build/lessons, as with
    # `make lessons`, for `make test-browser`
    with _one_core() if slowed else contextlib.nullcontext():
        result = lessons.execute_notebook(path, out_dir=settings.REPO_ROOT / "build" / "lessons",
                                          quick=True, env=env)
    assert result.ok, f"{path.name} failed:\n{result.error}"
    assert result.metrics, f"{path.name} reported no headline metric (lessons.report_metric)"
    lines = _stream_lines(result)
    if slowed:
        assert any("1 intra-op and 1 inter-op" in line for line in lines), "not on one core"
    # TensorFlow's Python log lines (e.g. "WARNING:tensorflow:... triggered tf.function
    # retracing", "INFO:tensorflow:Assets written to: ...") alarm a learner
    warnings = [line for line in lines if "WARNING:tensorflow" in line or "INFO:tensorflow" in line]
    assert warnings == [], warnings
    verdicts = [line for line in lines if "is my run normal?" in line]
    assert len(verdicts) == len(result.metrics), verdicts
    assert all(any(word in line for word in NORMAL) for line in verdicts), verdicts

    again = lessons.execute_notebook(path, quick=True, env=env)
    assert again.ok, f"{path.name} failed when run a second time:\n{again.error}"
    trainings = [line for line in _stream_lines(again) if "steps in total" in line]
    finished = [line for line in _stream_lines(again) if "this run finished earlier" in line]
    assert len(finished) == len(trainings), (finished, trainings)
    assert [m["name"] for m in again.metrics] == [m["name"] for m in result.metrics]
    for first, second in zip(result.metrics, again.metrics, strict=True):
        assert second["value"] == pytest.approx(first["value"], rel=0.01), (first, second)


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_setup.ipynb"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name != "00_setup.ipynb"],
                         ids=lambda p: p.stem)
def test_every_lesson_offers_to_keep_its_cache_on_drive(path):
    """On Colab a recycled runtime loses the cache; the set-up cell offers Drive in one line,
    before anything is trained or cached."""
    import nbformat

    code = [cell.source for cell in nbformat.read(path, as_version=4).cells
            if cell.cell_type == "code"]
    setup = next(i for i, source in enumerate(code) if "hardware.setup()" in source)
    assert "settings.keep_cache_on_drive(KEEP_ON_DRIVE)" in code[setup]
    assert "KEEP_ON_DRIVE = False" in code[setup]
    assert not any("cache_dir(" in source for source in code[:setup])
    before = code[setup].split("keep_cache_on_drive")[0]
    assert "cache_dir(" not in before and ".fit(" not in before


#: The settings a learner changes at the top of a lesson or before trying their own data.
LEARNER_SETTINGS = {"QUICK", "START_FRESH", "KEEP_ON_DRIVE", "STYLE", "CONTENT", "MY_PHOTO",
                    "MY_CONTENT", "TEXTURE", "MY_TEXTURE"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_learner_settings_are_colab_form_fields(path):
    """On Colab, `NAME = value  #@param {type: ...}` shows a checkbox or a text box; elsewhere
    it is a plain assignment. Each setting's first assignment is one, with a literal value of
    the declared type (a text box cannot hold None)."""
    import ast

    import nbformat

    seen = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            name = line.split("=")[0].strip()
            if name not in LEARNER_SETTINGS or "=" not in line or name in seen:
                continue
            seen.add(name)
            assert "#@param {type:" in line, f"{path.name}: {line!r} is not a form field"
            value = ast.literal_eval(line.split("=", 1)[1].split("#@param")[0].strip())
            kind = line.split("type:")[1].strip(' "}')
            assert {"boolean": bool, "string": str}[kind] is type(value), line
    if path.name != "00_setup.ipynb":
        assert {"QUICK", "START_FRESH", "KEEP_ON_DRIVE"} <= seen, path.name


SOLUTIONS = settings.REPO_ROOT / "notebooks" / "solutions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_linked_solutions_notebook_exists_and_installs_like_its_lesson(path):
    """An exercise list that links to its worked solutions links to a notebook that exists
    (``make solutions`` runs it), and on Colab that notebook installs the package the same way."""
    import re

    import nbformat

    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    for link in re.findall(r"\((solutions/[^)]+\.ipynb)\)", text):
        solution = path.parent / link
        assert solution.is_file(), f"{path.name} links to {link}, which does not exist"
        assert solution.name == f"{path.stem}_solutions.ipynb"
        install = [c.source for c in nbformat.read(path, as_version=4).cells
                   if "%pip install" in c.source]
        assert install and install[0] in [c.source for c in nbformat.read(
            solution, as_version=4).cells]


#: The "your turn" functions each lesson asks the learner to write (at least these).
YOUR_TURN = {
    "01_": {"ns_d_loss", "ns_g_loss", "train_step"},
    "02_": {"circular_pad", "sliced_wasserstein", "seam_ratio"},
    "03_": {"projection_logit", "receptive_field", "pix2pix_g_loss"},
    "04_": {"adain", "laplacian_pyramid", "gram_matrix"},
    "05_": {"pixel_norm", "minibatch_stddev", "slerp", "inversion_loss", "steering_loss",
            "truncate"},
}
CHECK_CALL = r"checks\.(\w+)\((\w+)\b"


def your_turn_cells(path) -> dict[str, int]:
    """{name: cell index} of the lesson's "your turn" cells: a stub that raises
    NotImplementedError, then ``checks.name(name ...)`` and its ``.use()`` in the same cell."""
    import re

    import nbformat

    found = {}
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            match = re.search(CHECK_CALL, line)
            if match and match.group(1) == match.group(2) and ".use()" in cell.source:
                stub = cell.source.split(line)[0]
                assert f"def {match.group(1)}(" in stub and "raise NotImplementedError" in stub, (
                    f"{path.name}, cell {index}: the check of {match.group(1)} comes after a stub "
                    "that raises NotImplementedError")
                found[match.group(1)] = index
    return found


@pytest.mark.parametrize("prefix", sorted(YOUR_TURN))
def test_each_lesson_has_its_your_turn_cells_before_any_answer(prefix):
    import re

    import nbformat

    path = next(p for p in NOTEBOOKS if p.name.startswith(prefix))
    found = your_turn_cells(path)
    assert YOUR_TURN[prefix] <= set(found) and len(found) >= 3, (path.name, found)
    from gan_course.checks import hints

    cells = nbformat.read(path, as_version=4).cells
    for name in found:
        ours = [f.__name__ for f in hints.our_functions(name)]
        shown = [i for i, cell in enumerate(cells) if "show_source(" in cell.source
                 and any(re.search(rf"\.{o}\b", cell.source) for o in ours)]
        assert not shown, (
            f"{path.name}: cell {shown} shows the course's {name} whatever the learner did; "
            f"show it with checks.compare_with_ours({name!r}), which waits for a pass")


def test_the_your_turn_finder_finds_planted_cells(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def f(x):\n    raise NotImplementedError\n\n\n"
                                  "f = checks.f(f).use()"),
        nbformat.v4.new_code_cell("g = checks.g(g).use()"),  # no stub before it
    ])
    path = tmp_path / "99_planted.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(AssertionError, match="after a stub"):
        your_turn_cells(path)
    nb.cells = nb.cells[:1]
    nbformat.write(nb, path)
    assert your_turn_cells(path) == {"f": 0}


@pytest.mark.parametrize("prefix", sorted(YOUR_TURN))
def test_the_solutions_answer_and_check_every_your_turn_function(prefix):
    import nbformat

    path = next(SOLUTIONS.glob(f"{prefix}*_solutions.ipynb"))
    lesson = next(p for p in NOTEBOOKS if p.name.startswith(prefix))
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    for name in your_turn_cells(lesson):
        assert f"def {name}(" in source and f"checks.{name}" in source, (path.name, name)
    assert ".passed" in source
