"""tools/check_colab_install.py: the install cell leaves Colab's runtime as it is."""

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_colab_install",
                                               ROOT / "tools" / "check_colab_install.py")
check = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = check  # its dataclasses look their module up
_spec.loader.exec_module(check)

FREEZE = """# a comment
tensorflow==2.20.0
Keras==3.13.2
tf_keras==2.20.1
google-colab @ file:///colabtools/dist/google_colab-1.0.0.tar.gz
"""


def test_pins_reads_name_equals_version_lines_only():
    assert check.pins(FREEZE) == {"tensorflow": "2.20.0", "keras": "3.13.2",
                                  "tf-keras": "2.20.1"}


def test_compare_names_every_changed_or_removed_package():
    same = check.compare(FREEZE, FREEZE + "gan-course==0.1.0\n")
    assert same.ok and same.added == {"gan-course": "0.1.0"}
    after = "tensorflow==2.21.0\nkeras==3.13.2\ngan-course==0.1.0\n"
    changed = check.compare(FREEZE, after)
    assert not changed.ok
    assert "tensorflow 2.20.0 -> 2.21.0" in changed.message
    assert "tf-keras 2.20.1 -> removed" in changed.message
    protected = check.compare("", "keras==3.12.0\n", protect={"keras": "3.13.2"})
    assert not protected.ok and "keras: Colab has 3.13.2" in protected.message


def test_the_colab_pins_of_make_test_colab_are_colabs_versions():
    colab = check.pins(check.FREEZE.read_text())
    ours = check.pins((ROOT / ".ci" / "colab.txt").read_text())
    assert {"tensorflow", "keras", "numpy", "protobuf", "ipywidgets", "tf-keras"} <= set(ours)
    assert {name: colab.get(name) for name in ours} == ours


def _resolve(project):
    try:
        return check.resolve(project)
    except check.NetworkError as error:
        pytest.skip(f"the package index cannot be reached: {str(error)[-200:]}")


@pytest.mark.network
def test_the_install_keeps_every_version_colab_has():
    outcome = _resolve(ROOT)
    assert outcome.ok, outcome.message
    # the cell adds the course and what Colab lacks, and no front end of its own
    assert "jupyterlab" not in outcome.added, outcome.message


@pytest.mark.network
def test_a_requirement_that_colab_does_not_meet_is_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "needs-new-widgets"
        version = "0.1"
        dependencies = ["ipywidgets>=8"]

        [tool.setuptools]
        py-modules = []
    """))
    outcome = _resolve(tmp_path)
    assert not outcome.ok
    assert "ipywidgets" in outcome.message
