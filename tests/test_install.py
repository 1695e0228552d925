"""The package installs anywhere: a wheel carries the code and data/, and Colab installs it.

A learner who reuses the helpers in their own notebook installs the package, not the repository:
the built wheel must hold every module and every file of data/, and an installed copy must load
the embedded data and the shipped classifier offline, from any working directory.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from gan_course import data, settings

ROOT = settings.REPO_ROOT
#: The package folder inside the wheel that holds data/ (see [tool.setuptools.package-dir]).
BUNDLED = settings.BUNDLED_DATA_DIR.relative_to(ROOT).as_posix()


def _pyproject(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text())


def _source_files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


# --------------------------------------------------------------------------- the wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline with the venv's setuptools from a copy of the source tree.

    A copy, so that the build writes nothing into the checkout (setuptools' build/ keeps stale
    modules across builds).
    """
    need = next(r for r in _pyproject()["build-system"]["requires"] if r.startswith("setuptools"))
    least = Version(need.split(">=")[1])
    try:
        have = Version(metadata.version("setuptools"))
    except metadata.PackageNotFoundError:
        have = None
    if have is None or have < least:
        pytest.fail(f"building the wheel needs {need}, this environment has setuptools {have}: "
                    'run `pip install -e ".[dev]"` (make venv does)')
    source = tmp_path_factory.mktemp("source")
    for path in ROOT.iterdir():  # pyproject.toml, README.md, ...: what the build may read
        if path.is_file():
            shutil.copy2(path, source / path.name)
    package_dirs = {"gan_course", *_pyproject()["tool"]["setuptools"]["package-dir"].values()}
    for folder in package_dirs:
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(out)],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    (built,) = out.glob("gan_course-*.whl")
    BUILD_LOG[built] = result.stdout + result.stderr
    return built


BUILD_LOG: dict[Path, str] = {}


def test_the_build_is_quiet_and_lists_every_data_folder(wheel):
    """setuptools warns at every install about a data folder missing from `packages`; a
    learner's first `make` would show those warnings in red."""
    log = BUILD_LOG[wheel]
    assert "Warning" not in log and "would be ignored" not in log, log[-3000:]
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    folders = {"gan_course._data." + p.relative_to(ROOT / "data").as_posix().replace("/", ".")
               for p in (ROOT / "data").rglob("*") if p.is_dir()}
    assert folders <= listed, f"list these data folders in pyproject.toml: {folders - listed}"


def test_wheel_carries_every_module_and_every_data_file(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        wheel_metadata = archive.read(f"{dist_info}/METADATA").decode()
    modules = {p.relative_to(ROOT).as_posix() for p in _source_files(ROOT / "gan_course", "*.py")}
    assert "gan_course/__init__.py" in modules and len(modules) > 5
    missing = sorted(modules - names)
    assert not missing, f"the wheel lacks these modules (list their packages in pyproject.toml "\
                        f"[tool.setuptools] packages): {missing}"
    assert "gan_course/py.typed" in names
    data_files = {f"{BUNDLED}/{p.relative_to(ROOT / 'data').as_posix()}"
                  for p in _source_files(ROOT / "data")}
    assert f"{BUNDLED}/README.md" in data_files and len(data_files) >= 3
    missing = sorted(data_files - names)
    assert not missing, f"the wheel lacks these files of data/: {missing}"
    strays = sorted(n for n in names if not n.startswith(("gan_course/", dist_info + "/")))
    assert not strays, f"the wheel carries files outside the package: {strays}"
    url = _pyproject()["project"]["urls"]["Repository"]
    assert f"Project-URL: Repository, {url}" in wheel_metadata


@pytest.mark.slow
def test_installed_wheel_works_offline_outside_the_repository(wheel, tmp_path):
    """Install the wheel (without dependencies: this venv has them) into a folder of its own and
    use it from elsewhere: the code, the data and the classifier must come from the installed
    copy, even though this venv also has the checkout's editable install (whose import finder
    runs after PYTHONPATH's)."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(site), str(wheel)], check=True, capture_output=True,
                   timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = textwrap.dedent("""
        import hashlib, json, sys
        import numpy as np
        import gan_course
        from gan_course import data, metrics, settings

        (x_train, _), (x_test, _) = data.load_fashion_mnist()
        noise = np.random.default_rng(0).integers(0, 256, (300, 28, 28), dtype=np.uint8)
        print(json.dumps({
            "modules": sorted(m.__file__ for name, m in list(sys.modules.items())
                              if name.split(".")[0] == "gan_course"
                              and getattr(m, "__file__", None)),
            "data_dir": str(settings.data_dir()),
            "x_train_sha256": hashlib.sha256(x_train.tobytes()).hexdigest(),
            "fd_real": metrics.fashion_mnist_fd(x_train[:300], x_test[:300]),
            "fd_noise": metrics.fashion_mnist_fd(noise, x_test[:300]),
        }))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAN_COURSE_")}
    env.update(PYTHONPATH=str(site), PYTHONNOUSERSITE="1", GAN_COURSE_OFFLINE="1",
               GAN_COURSE_QUICK="1", GAN_COURSE_CACHE_DIR=str(tmp_path / "cache"),
               TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])

    installed = site.resolve()
    foreign = [m for m in report["modules"] if not Path(m).resolve().is_relative_to(installed)]
    assert not foreign, f"modules imported from outside the installed copy: {foreign}"
    assert Path(report["data_dir"]).resolve() == installed / BUNDLED
    (x_train, _), _ = data.load_embedded_fashion_mnist(ROOT / "data" / data.EMBEDDED_FASHION_MNIST)
    assert report["x_train_sha256"] == hashlib.sha256(x_train.tobytes()).hexdigest()
    assert np.isfinite(report["fd_real"]) and 0 <= report["fd_real"] < report["fd_noise"], report


# --------------------------------------------------------------------------- Colab


def repository(root: Path = ROOT) -> tuple[str, str]:
    """(the repository URL from pyproject.toml, its owner/name path)."""
    url = _pyproject(root)["project"]["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", url)
    assert match, f"[project.urls] Repository = {url!r}: expected https://github.com/OWNER/REPO"
    return url, match.group(1)


def install_line(root: Path = ROOT) -> str:
    """What the notebooks' Colab cell runs: a normal install of the package from the repository."""
    name = _pyproject(root)["project"]["name"]
    return f'%pip install --quiet "{name} @ git+{repository(root)[0]}"'


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def check_install_cells(root: Path = ROOT):
    url, _ = repository(root)
    expected = install_line(root)
    found = notebooks(root)
    assert found, f"no notebooks in {root / 'notebooks'}"
    for path in found:
        cells = json.loads(path.read_text())["cells"]
        cell = next(c for c in cells if c["cell_type"] == "code")
        source = "".join(cell["source"])
        lines = [line.strip() for line in source.splitlines()]
        assert "IN_COLAB" in source, f"{path.name}: the first code cell is not the install cell"
        assert lines.count(expected) == 1, f"{path.name}: the install cell must run {expected}"
        assert "git clone" not in source and "install -e" not in source, path.name
        urls = re.findall(r"https?://[^\s\"']+", source)
        assert urls == [url], f"{path.name}: the install cell names {urls}, pyproject says {url}"


def check_readme_links(root: Path = ROOT):
    url, path = repository(root)
    readme = (root / "README.md").read_text()
    links = re.findall(r"https://colab\.research\.google\.com/github/([^/\s]+/[^/\s]+)/blob/[^/\s]+/"
                       r"(notebooks/[^)\s]+\.ipynb)", readme)
    assert links, "the README has no Colab links"
    for linked, notebook in links:
        assert linked == path, f"README Colab link to {linked}, pyproject's repository is {path}"
        assert (root / notebook).is_file(), f"README Colab link to a missing {notebook}"
    unlinked = sorted({p.relative_to(root).as_posix() for p in notebooks(root)}
                      - {notebook for _, notebook in links})
    assert not unlinked, f"add an 'Open in Colab' link to the README's lesson table: {unlinked}"
    installs = re.findall(r"git\+https?://[^\s\"'`]+", readme)
    assert installs and set(installs) == {f"git+{url}"}, installs


def test_colab_cells_install_the_package_from_the_repository():
    check_install_cells()


def test_readme_links_and_install_command_name_the_repository():
    check_readme_links()


def test_readme_command_points_everything_at_a_fork(tmp_path):
    """The README's one-line command for a fork changes the repository everywhere at once."""
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"`(grep -rl [^`]*sed -i [^`]*)`", readme)
    assert len(commands) == 1, "the README should give one command that points links at a fork"
    _, old = repository()
    assert f"s|{old}|YOU/REPO|g" in commands[0]
    for name in ("README.md", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    subprocess.run(["bash", "-c", commands[0].replace("YOU/REPO", "a-learner/my-gans")],
                   cwd=tmp_path, check=True, timeout=60)
    assert repository(tmp_path) == ("https://github.com/a-learner/my-gans", "a-learner/my-gans")
    check_install_cells(tmp_path)
    check_readme_links(tmp_path)
