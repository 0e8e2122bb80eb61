# One entry point for people and CI. `make demo` and `make test` set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch is pinned in the same pip command as the project so pip never pulls a CUDA build.
TORCH ?= torch==2.13.0

.PHONY: setup demo test lint docs clean

setup: $(VENV)/.klass-installed

$(VENV)/.klass-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)" -e ".[all]"
	# MOSES SMILES (training data of the molecule model) ship inside this wheel; its
	# dependencies are not needed to read them.
	$(PY) -m pip install -q --no-deps molsets==0.3.1
	touch $@

demo: setup
	$(VENV)/bin/klass demo

lint: setup
	$(VENV)/bin/ruff check .

# The site goes to site/ (git-ignored). --strict turns every warning (broken link or anchor,
# page missing from the nav, API object that no longer exists) into a failure; no --quiet,
# which would hide warnings from the strict count.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict -d site

test: lint docs
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis site
