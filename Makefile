# Every target does its own set-up: venv, install, model fetch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install models test test-fast demo lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,litellm,reasoning]'
	touch $(STAMP)

install: $(STAMP)

# Models used by the integration tests and the demo (sha256-checked, cached under ~/.cache).
models: install
	$(BIN)/paretoprompt models pull smollm2-135m-instruct
	$(BIN)/paretoprompt models pull qwen2.5-coder-0.5b-instruct

test: models
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not llm and not soak"

demo: models
	$(BIN)/paretoprompt models pull qwen2.5-coder-1.5b-instruct
	$(BIN)/paretoprompt optimize configs/demo.toml --run-dir runs/demo-$$(date +%Y%m%d-%H%M%S)

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

clean:
	rm -rf $(VENV) build dist src/*.egg-info
