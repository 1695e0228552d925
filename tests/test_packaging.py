"""The package is declared consistently: pyproject.toml, environment.yml and the layout agree."""

import re

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from gan_course import settings

ROOT = settings.REPO_ROOT


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


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
    names = {re.split(r"[<>=!\[ ;]", d)[0].lower() for d in project["dependencies"]}
    assert {"tensorflow", "tensorflow-hub", "tensorboard", "matplotlib", "imageio",
            "scikit-image", "numpy", "tqdm", "ipywidgets", "jupyterlab"} <= names
    tf = next(d for d in project["dependencies"] if d.startswith("tensorflow>"))
    assert tf == "tensorflow>=2.19,<2.22"
    dev = {re.split(r"[<>=!\[ ;]", d)[0].lower() for d in project["optional-dependencies"]["dev"]}
    assert {"pytest", "ruff", "nbstripout", "hypothesis"} <= dev and dev & {"nbclient", "nbmake"}
    assert any("and-cuda" in d for d in project["optional-dependencies"]["gpu"])


def test_explicit_package_discovery():
    packages = _pyproject()["tool"]["setuptools"]["packages"]
    assert all(p == "gan_course" or p.startswith("gan_course.") for p in packages)
    for package in packages:
        assert (ROOT / package.replace(".", "/") / "__init__.py").is_file()


def test_layout():
    for name in ("notebooks", "gan_course", "data", "tests", "tools", "environment.yml",
                 "README.md", "pyproject.toml", "Makefile", ".ci/run", "data/README.md"):
        assert (ROOT / name).exists(), name
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lessons:", "test:", "lab:", "clean:"):
        assert target in makefile


def test_data_readme_records_every_file():
    readme = (ROOT / "data" / "README.md").read_text()
    import hashlib

    for path in (ROOT / "data").iterdir():
        if path.is_file() and path.name != "README.md":
            assert path.name in readme, path.name
            assert hashlib.sha256(path.read_bytes()).hexdigest() in readme, path.name
