# Two entry points: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint test-slow bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# A CPU build of torch 2.13.0; an unpinned torch would pull a multi-GB CUDA build.
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test,distributed]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# The house enforces itself: style (ruff), the layer order (import-linter), types of derive/numerics/stats (mypy).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q --run-slow

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_derive.py

clean:
	rm -rf $(VENV) build *.egg-info
