# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
DEMO_OUT ?= demo-output

.PHONY: install demo test lint bench deploy clean

install: $(STAMP)

# Reinstall when the dependency list or the pins change (constraints.txt keeps CI off multi-GB CUDA wheels), and
# rebuild the C extension of the quality rules when its source changes.
$(STAMP): pyproject.toml constraints.txt setup.py stages/quality/_native.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO_OUT)
	$(BIN)/python -m flows.curate configs/sample.yaml --output $(DEMO_OUT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/extract_bench.py --write-results

# Work pools and every deployment in prefect.yaml, on the server PREFECT_API_URL points at (see README).
deploy: $(STAMP)
	@test -n "$$PREFECT_API_URL" || { echo "set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api) first"; exit 2; }
	$(BIN)/prefect work-pool inspect refinery-cpu >/dev/null 2>&1 || $(BIN)/prefect work-pool create refinery-cpu --type process
	$(BIN)/prefect work-pool inspect refinery-gpu >/dev/null 2>&1 || $(BIN)/prefect work-pool create refinery-gpu --type process
	$(BIN)/prefect --no-prompt deploy --all

clean:
	rm -rf $(VENV) $(DEMO_OUT) .prefect .pytest_cache .ruff_cache
