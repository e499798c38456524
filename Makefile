# One command for the demo, one for the whole test suite; both set up everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: help venv demo test test-unit test-integration test-shipped test-e2e test-image chart lint bench soak chaos clean

help: ## list the targets, one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z0-9-]*:.*## / {printf "  make %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# One stamp per install: the demo needs the package only, the other targets the test tools too.
$(VENV)/.installed-%: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '$(if $(filter test,$*),.[test],.)'
	touch $@

venv: $(VENV)/.installed-test ## create .venv with the package (editable) and the test tools

demo: $(VENV)/.installed-package ## run the exporter against the built-in simulator on 127.0.0.1:9863 (collects every 15s)
	$(BIN)/causely-exporter --demo --web.listen-address=127.0.0.1:9863

lint: venv ## ruff check, ruff format --check, mypy --strict on exporter/
	$(BIN)/ruff check exporter tests bench scripts
	$(BIN)/ruff format --check exporter tests bench scripts
	$(BIN)/mypy exporter

# The tiers are directories under tests/ (markers added from the path, see tests/conftest.py).
# Outside CI a missing binary skips with its reason; in CI (CI=true) it fails.
test: venv lint ## lint, install the test tools if missing (promtool, amtool, podman), run every tier
	./scripts/install-test-deps.sh
	$(BIN)/pytest -q

test-unit: venv ## the in-process tier (tests/unit), in parallel: no process, no binary, < 1 min
	$(BIN)/pytest -q -n 4 tests/unit

test-integration: venv ## the exporter and simulator as processes, promtool, openssl
	./scripts/install-test-deps.sh
	$(BIN)/pytest -q tests/integration

test-shipped: venv ## shipped rules, dashboards, mixin and deploy files through their tools
	./scripts/install-test-deps.sh
	$(BIN)/pytest -q tests/shipped

test-e2e: venv ## real Prometheus and Alertmanager against the exporter and the bridge
	./scripts/install-test-deps.sh
	$(BIN)/pytest -q tests/e2e

test-image: venv ## build the image with podman and run it as the chart does (also part of make test)
	./scripts/install-test-deps.sh
	$(BIN)/pytest -q -s -m image tests/shipped/test_image.py

chart: venv ## lint and render the Helm chart with every values file of its ci/ and check the objects
	$(BIN)/pytest -q tests/shipped/test_chart.py

bench: venv ## benchmarks (installs nginx and wrk if missing); figures in bench/RESULTS.md
	./scripts/install-test-deps.sh nginx:nginx-light wrk:wrk
	$(BIN)/python -m bench.run_all

soak: venv ## long soak test with random faults
	$(BIN)/pytest -q --soak -m soak

chaos: venv ## long chaos test of an HA pair (CHAOS_SEED, CHAOS_ROUNDS)
	$(BIN)/pytest -q -s --chaos -m chaos

clean: ## remove .venv and the tool caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
