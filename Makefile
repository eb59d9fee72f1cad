# Every target bootstraps .venv from the lock file when it is missing or older than it.
# The lock pins every package with its hashes; `make lock` refreshes it from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint bench format clean lock wheel-check

# pip is not upgraded: the lock must install with the pip that Python ships, as users' does.
# --no-deps: the lock holds every package, so pip resolves nothing. Resolving, Python 3.11's
# pip 23.2 read jusText's `lxml[html_clean]` as an extra the pinned lxml lacks (it spells it
# `html-clean`), looked for another lxml that has it, and refused the unpinned one it found.
$(STAMP): pyproject.toml requirements/dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# pip-tools in a venv of its own, so the project's venv never carries it. pip-compile (not uv):
# its hashed output installs with nothing but the pip that ships with Python.
LOCKENV := .lockenv
PIP_COMPILE := $(LOCKENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --upgrade
lock:
	test -x $(LOCKENV)/bin/pip-compile || \
	  ($(PYTHON) -m venv $(LOCKENV) && $(LOCKENV)/bin/pip install --quiet pip-tools)
	$(PIP_COMPILE) -o requirements/runtime.lock pyproject.toml
	$(PIP_COMPILE) --extra dev -o requirements/dev.lock pyproject.toml

# The path a pipx or distro user takes: build the wheel, install it with the stock pip into a
# fresh venv, open the sample edition in tmux and read an article.
wheel-check: $(STAMP)
	bash .ci/wheel_check.sh

# An editable install leaves src/ without bytecode, and with PYTHONDONTWRITEBYTECODE set every
# start (and every refresh worker) would compile the whole package again: ~0.2 s each time.
BYTECODE := $(BIN)/python -m compileall -q src

run: $(STAMP)
	@$(BYTECODE)
	$(BIN)/newsreader

demo: $(STAMP)
	@$(BYTECODE)
	$(BIN)/newsreader --demo

# Four workers on two cores: ~40% of the suite's time is waiting (subprocesses, servers'
# delays, pauses for the app), which a second pair of workers fills for ~5 s more CPU (their
# start-up and collection). `worksteal` lets an idle worker take queued tests from a busy one,
# and the tests marked `slow` start first (tests/conftest.py), so no long test is left running
# alone at the end. Temporary files go to /dev/shm when it exists (tests/conftest.py).
# Bytecode is written even under PYTHONDONTWRITEBYTECODE: pytest caches its assertion-rewritten
# test modules only then, and collecting them again costs each worker ~3 s of CPU per run.
test: $(STAMP)
	@$(BYTECODE)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n 4 --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(LOCKENV) .pytest_cache .mypy_cache .ruff_cache
