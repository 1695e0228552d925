# The two commands: `make lessons` and `make test`. Both create .venv on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: lessons test lint lab clean venv

# Re-install when the dependency list changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

## Execute every notebooks/NN_*.ipynb in quick mode -> build/lessons/*.ipynb and *.html
lessons: $(STAMP)
	GAN_COURSE_QUICK=1 $(PY) -m gan_course.lessons --out build/lessons

## Lint (.py and .ipynb), check notebooks carry no outputs, run the tests
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m nbstripout --verify notebooks/*.ipynb
	GAN_COURSE_QUICK=1 $(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check gan_course tests tools bench

## Open JupyterLab on the notebooks
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path "./$(VENV)/*" -exec rm -rf {} +
