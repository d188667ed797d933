# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck soak bench clean

$(BIN)/.runtime: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	# The package itself, editable: $(BIN)/sheetsync runs this checkout from any folder.
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(BIN)/.dev: requirements.txt requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

demo: $(BIN)/.runtime
	$(BIN)/sheetsync demo --out demo-output

test: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy sheetsync sheet_template main.py bench
	$(BIN)/python -m pytest

soak: $(BIN)/.dev
	SHEETSYNC_SOAK=1 $(BIN)/python -m pytest tests -k "soak or fault or crash" -q

# Sync and cold-start figures, checked against the performance targets (see README,
# "Performance"); writes bench/results.json. Takes a few minutes.
bench: $(BIN)/.dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-output
