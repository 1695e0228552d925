"""The package is declared consistently: pyproject.toml, environment.yml and the layout agree."""

import hashlib
import re
import shutil
import subprocess
import sys

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from gan_course import settings

ROOT = settings.REPO_ROOT
#: The pip constraints file that pins the oldest supported stack (used by `make test-oldest`).
OLDEST = ROOT / ".ci" / "oldest.txt"


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(requirement: str) -> str:
    return Requirement(requirement).name.lower()


def test_environment_yml_agrees_with_pyproject():
    project = _pyproject()["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    python = next(d for d in conda if d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]
    assert "pip" in conda
    # everything else comes from pyproject itself, with the dev extras
    assert pip == ["-e .[dev]"]
    others = [d for d in conda if re.split(r"[<>=! ]", d)[0] not in ("python", "pip")]
    assert others == [], f"environment.yml lists packages pyproject.toml does not: {others}"
    assert "dev" in project["optional-dependencies"]


def test_required_dependencies_are_declared():
    project = _pyproject()["project"]
    names = {_name(d) for d in project["dependencies"]}
    assert {"tensorflow", "keras", "tensorflow-hub", "tensorboard", "matplotlib", "imageio",
            "scikit-image", "numpy", "tqdm", "ipywidgets"} <= names
    # Colab ships ipywidgets 7.7.1 and no JupyterLab: the install must accept the one and not
    # pull the other (JupyterLab is the `lab` extra, for `make lab`)
    widgets = next(d for d in project["dependencies"] if _name(d) == "ipywidgets")
    assert Requirement(widgets).specifier.contains("7.7.1")
    assert "jupyterlab" not in names and any(
        _name(d) == "jupyterlab" for d in project["optional-dependencies"]["lab"])
    tf = next(d for d in project["dependencies"] if d.startswith("tensorflow>"))
    assert tf == "tensorflow>=2.19,<2.22"
    dev = {_name(d) for d in project["optional-dependencies"]["dev"]}
    assert {"pytest", "ruff", "nbstripout", "hypothesis"} <= dev and dev & {"nbclient", "nbmake"}
    assert any("and-cuda" in d for d in project["optional-dependencies"]["gpu"])


def test_dev_extras_can_build_the_wheel_offline():
    """`pip wheel . --no-build-isolation` (tests/test_install.py) uses the venv's build tools."""
    pyproject = _pyproject()
    dev = {_name(d): Requirement(d) for d in pyproject["project"]["optional-dependencies"]["dev"]}
    for needed in map(Requirement, pyproject["build-system"]["requires"]):
        name = needed.name.lower()
        assert name in dev, f"add {needed} to the dev extras: the offline wheel build needs it"
        assert str(dev[name].specifier) == str(needed.specifier), (
            f"dev extras say {dev[name]}, [build-system] says {needed}: make them equal")


def _source_packages() -> set[str]:
    """Every folder of gan_course/ that holds Python files, as a dotted package name."""
    folders = {path.parent for path in (ROOT / "gan_course").rglob("*.py")
               if "__pycache__" not in path.parts}
    return {".".join(folder.relative_to(ROOT).parts) for folder in folders}


def test_explicit_package_discovery():
    setuptools = _pyproject()["tool"]["setuptools"]
    packages = setuptools["packages"]
    mapped = setuptools.get("package-dir", {})
    assert all(p == "gan_course" or p.startswith("gan_course.") for p in packages)
    data = [p for p in packages if any(p == m or p.startswith(m + ".") for m in mapped)]
    code = [p for p in packages if p not in data]
    for package in code:
        assert (ROOT / package.replace(".", "/") / "__init__.py").is_file(), package
    missing = sorted(_source_packages() - set(code))
    assert not missing, (f"gan_course has package folders that pyproject.toml does not list: "
                         f"{missing}. Add them to [tool.setuptools] packages (and give each an "
                         "__init__.py), or the wheel ships without them.")
    stale = sorted(set(code) - _source_packages())
    assert not stale, f"pyproject.toml lists packages that no longer exist: {stale}"


def test_the_wheel_maps_data_into_the_package():
    """data/ stays the repository's home of the data; the wheel carries all of it."""
    setuptools = _pyproject()["tool"]["setuptools"]
    data_package = settings.BUNDLED_DATA_DIR.relative_to(ROOT).as_posix().replace("/", ".")
    assert setuptools["package-dir"] == {data_package: "data"}
    assert data_package in setuptools["packages"]
    assert setuptools["package-data"][data_package] == ["**/*"], "ship every file of data/"
    assert not settings.BUNDLED_DATA_DIR.exists(), (
        f"{settings.BUNDLED_DATA_DIR} exists in the checkout: delete it, the embedded data "
        "lives in data/ (the wheel copies it there)")


def test_layout():
    for name in ("notebooks", "gan_course", "data", "tests", "tools", "environment.yml",
                 "README.md", "pyproject.toml", "Makefile", ".ci/run", ".ci/oldest.txt",
                 "data/README.md"):
        assert (ROOT / name).exists(), name
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lessons:", "test:", "test-oldest:", "test-colab:", "lab:", "clean:"):
        assert target in makefile


def _oldest_pins() -> dict[str, str]:
    pins = {}
    for line in OLDEST.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{OLDEST.name}: pin exact versions, not {line!r}"
            pins[requirement.name.lower()] = spec.version
    return pins


def test_oldest_stack_is_pinned_in_one_place_and_stated():
    pins = _oldest_pins()
    assert {"tensorflow", "keras"} <= set(pins), pins
    dependencies = {_name(d): Requirement(d) for d in _pyproject()["project"]["dependencies"]}
    readme = (ROOT / "README.md").read_text()
    for name, version in pins.items():
        declared = dependencies[name].specifier
        lower = [s.version for s in declared if s.operator == ">="]
        assert declared.contains(version), f"{name}=={version} is outside pyproject's {declared}"
        assert lower and Version(lower[0]) == Version(version), (
            f"pyproject allows {name}{declared} but CI tests the oldest as {name}=={version}: "
            f"make the lower bound >={version}, or change {OLDEST.name}")
        assert f"{name}=={version}" in readme, f"the README must state {name}=={version}"
    makefile = (ROOT / "Makefile").read_text()
    assert f"OLDEST := {OLDEST.relative_to(ROOT)}" in makefile and "-c $(OLDEST)" in makefile
    assert "make test-oldest" in (ROOT / ".ci" / "run").read_text()


def test_data_readme_records_every_file():
    readme = (ROOT / "data" / "README.md").read_text()
    for path in (ROOT / "data").iterdir():
        if path.is_file() and path.name != "README.md":
            assert path.name in readme, path.name
            assert hashlib.sha256(path.read_bytes()).hexdigest() in readme, path.name


def test_make_names_the_python_it_needs(tmp_path):
    """A python3 that TensorFlow has no wheels for (3.14) stops `make` with the fix, before a
    venv is made and a TensorFlow install fails."""
    fake = tmp_path / "python3.14"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'Python 3.14.0' && exit 0\n"
                    "exec " + sys.executable + " -c 'import sys; sys.exit(1)'\n")
    fake.chmod(0o755)
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    result = subprocess.run(["make", "venv", f"PYTHON={fake}"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "needs Python 3.10 to 3.13" in result.stdout + result.stderr
    assert "Python 3.14.0" in result.stdout + result.stderr
    assert not (tmp_path / ".venv").exists()
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.10,<3.14"
