# The two commands: `make lessons` and `make test`. Both create .venv on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The oldest supported TensorFlow and Keras, pinned in .ci/oldest.txt, in a venv of their own
OLDEST := .ci/oldest.txt
OLDEST_VENV := .venv-oldest
OLDEST_PY := $(OLDEST_VENV)/bin/python
OLDEST_STAMP := $(OLDEST_VENV)/.installed
# Test processes (pytest-xdist): the tests spend much of their time in Python, not in
# TensorFlow's threads, so two share 2 cores well. `make test TEST_WORKERS=0` runs them in one.
TEST_WORKERS ?= 2
PYTEST_WORKERS = -n $(TEST_WORKERS) --dist worksteal
# `make solutions` runs two notebooks at a time (their seconds overlap); `make lessons` one, so
# that each lesson's time is its own
SOLUTION_JOBS ?= 2

.PHONY: lessons solutions test test-oldest test-colab test-browser lint lab clean venv

# Re-install when the dependency list changes.
# TensorFlow 2.19-2.21 has wheels for Python 3.10 to 3.13 only.
PY_OK := import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 14))
PY_NEED = { echo "gan-course needs Python 3.10 to 3.13 (TensorFlow has no wheels for \
	$$($(PYTHON) --version 2>&1)); run e.g. make PYTHON=python3.12"; exit 1; }

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -c "$(PY_OK)" || $(PY_NEED)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

$(OLDEST_STAMP): pyproject.toml $(OLDEST)
	@test -x $(OLDEST_PY) || $(PYTHON) -c "$(PY_OK)" || $(PY_NEED)
	@test -x $(OLDEST_PY) || $(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_PY) -m pip install --quiet --upgrade pip
	$(OLDEST_PY) -m pip install --quiet -c $(OLDEST) -e ".[dev]"
	@touch $(OLDEST_STAMP)

## Execute every notebooks/NN_*.ipynb in quick mode -> build/lessons/*.ipynb and *.html
lessons: $(STAMP)
	GAN_COURSE_QUICK=1 $(PY) -m gan_course.lessons --out build/lessons

## Execute every notebooks/solutions/NN_*_solutions.ipynb (worked exercises) in quick mode
## -> build/solutions/*.ipynb and *.html
solutions: $(STAMP)
	GAN_COURSE_QUICK=1 $(PY) -m gan_course.lessons --notebooks notebooks/solutions --out build/solutions \
		--jobs $(SOLUTION_JOBS)

## Lint (.py and .ipynb), check notebooks carry no outputs, run the tests
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m nbstripout --verify notebooks/*.ipynb notebooks/solutions/*.ipynb tests/notebooks/*.ipynb
	GAN_COURSE_QUICK=1 $(PY) -m pytest $(PYTEST_WORKERS)

## The unit tests (no notebooks, no slow tests) on the oldest supported TensorFlow and Keras
test-oldest: $(OLDEST_STAMP)
	@$(OLDEST_PY) -c "import tensorflow as tf, keras; \
		print('oldest stack: TensorFlow', tf.__version__, '+ Keras', keras.__version__)"
	GAN_COURSE_QUICK=1 $(OLDEST_PY) -m pytest $(PYTEST_WORKERS) \
		-m "not notebook and not slow and not network" --tb=short

## Colab's GPU-runtime stack (Python 3.13, .ci/colab.txt) on the CPU: the install cell must leave
## it unchanged; then the unit tests and lesson 1 (skipped, with a message, without Python 3.13)
test-colab:
	bash .ci/test-colab.sh

## What a learner sees, in Debian's Chromium (installed if missing) through Playwright: JupyterLab
## runs 00_setup.ipynb from its Run menu; every build/lessons page and results page loads its
## images and shows no error (pages from `make test` or `make lessons`; screenshots: build/browser)
test-browser: $(STAMP)
	bash .ci/test-browser.sh

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check gan_course tests tools bench

## Open JupyterLab on the notebooks
lab: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,lab]"
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path "./$(VENV)/*" \
		-not -path "./$(OLDEST_VENV)/*" -exec rm -rf {} +
