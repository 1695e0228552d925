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
