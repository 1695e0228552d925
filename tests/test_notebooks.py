"""Execute every lesson notebook in quick mode, one test per notebook."""

import pytest

from gan_course import lessons, settings

NOTEBOOKS = lessons.find_notebooks(settings.REPO_ROOT / "notebooks")


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(path, tmp_path):
    result = lessons.execute_notebook(path, quick=True)
    assert result.ok, f"{path.name} failed:\n{result.error}"
    assert result.metrics, f"{path.name} reported no headline metric (lessons.report_metric)"
    # TensorFlow's Python warnings (e.g. "triggered tf.function retracing") alarm a learner
    warnings = [line for cell in result.notebook.cells for output in cell.get("outputs", [])
                if output.get("output_type") == "stream"
                for line in output.get("text", "").splitlines() if "WARNING:tensorflow" in line]
    assert warnings == [], warnings


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
