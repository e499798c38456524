# One command for the demo, one for the whole test suite; both set up everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: venv demo test lint bench soak clean

$(BIN)/causely-exporter: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: $(BIN)/causely-exporter

demo: venv
	$(BIN)/causely-exporter --demo

lint: venv
	$(BIN)/ruff check exporter tests bench
	$(BIN)/ruff format --check exporter tests bench
	$(BIN)/mypy exporter

test: venv lint
	./scripts/install-test-deps.sh
	$(BIN)/pytest -q

bench: venv
	./scripts/install-test-deps.sh nginx:nginx-light wrk:wrk
	$(BIN)/python -m bench.run_all

soak: venv
	$(BIN)/pytest -q --soak -m soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
