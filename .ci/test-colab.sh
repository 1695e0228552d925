#!/usr/bin/env bash
# `make test-colab`: the course on Colab's GPU-runtime stack, run on the CPU.
# 1. A venv on Python 3.13 (Colab's) with Colab's versions of the packages the course uses
#    (.ci/colab.txt, from Colab's package list .ci/colab/pip-freeze-gpu.txt): the runtime a
#    learner starts with.
# 2. The course installed as the notebooks' install cell does (`pip install <the package>`, no
#    constraints), then a check that no package of step 1 changed version.
# 3. The unit tests, and lesson 1 in quick mode.
# Without a Python 3.13 (PYTHON_COLAB=..., python3.13 on the PATH, or pyenv's) it says so and
# skips.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-colab
PINS=.ci/colab.txt

is_313() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; }
python=""
for candidate in "${PYTHON_COLAB:-}" "$(command -v python3.13 || true)" \
                 "$( (pyenv prefix 3.13 2>/dev/null || true) | head -n 1)/bin/python"; do
  if is_313 "$candidate"; then python=$candidate; break; fi
done
if [ -z "$python" ]; then
  echo "[test-colab] skipped: no Python 3.13 found (Colab's); set PYTHON_COLAB=/path/to/python3.13" \
       "or install one (pyenv install 3.13)"
  exit 0
fi
echo "[test-colab] Colab's stack on $("$python" --version) ($python)"

if [ ! -f "$VENV/.runtime" ] || [ "$PINS" -nt "$VENV/.runtime" ]; then
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # shellcheck disable=SC2046  # one argument per pinned package
  "$VENV/bin/python" -m pip install --quiet -c "$PINS" $(sed -n 's/^\([A-Za-z0-9_.-]*\)==.*/\1/p' "$PINS")
  touch "$VENV/.runtime"
fi
"$VENV/bin/python" -m pip freeze --all > "$VENV/before.txt"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check .  # the install cell
"$VENV/bin/python" -m pip freeze --all > "$VENV/after.txt"
"$VENV/bin/python" tools/check_colab_install.py compare "$VENV/before.txt" "$VENV/after.txt" \
  --protect "$PINS"

# the test tools Colab lacks; Colab's own (pytest, nbclient, ipykernel) stay at its versions,
# but for setuptools: tests/test_install.py builds the wheel offline, which needs setuptools 77
# (the install cell builds it in pip's isolated environment instead)
"$VENV/bin/python" -m pip install --quiet hypothesis nbstripout ruff nbmake pytest-xdist "setuptools>=77,<82" \
  wheel
TF_CPP_MIN_LOG_LEVEL=2 "$VENV/bin/python" -c "import tensorflow as tf, keras, numpy; print('[test-colab] TensorFlow', \
tf.__version__, '+ Keras', keras.__version__, '+ numpy', numpy.__version__)"
export GAN_COURSE_QUICK=1
# the tests and the lesson import this folder's source, the same code the install above put in
# site-packages (tests/test_install.py checks what the wheel holds)
"$VENV/bin/python" -m pytest -n "${TEST_WORKERS:-2}" --dist worksteal -m "not notebook and not slow and not network" --tb=short \
  -p no:cacheprovider "$@"
"$VENV/bin/python" -m gan_course.lessons --only 01 --out build/colab-lessons
