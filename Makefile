# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck soak bench render fleet-demo clean

# The runtime dependencies, then the package itself, editable: $(BIN)/sheetsync runs this
# checkout from any folder.
$(BIN)/.runtime: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(BIN)/.dev: requirements.txt requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

demo: $(BIN)/.runtime
	$(BIN)/sheetsync demo --out demo-output

test: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy sheetsync sheet_template main.py bench render
	$(BIN)/python -m pytest -n auto

soak: $(BIN)/.dev
	SHEETSYNC_SOAK=1 $(BIN)/python -m pytest -n auto tests -k "soak or fault or crash" -q

# Sync, cold-start and fleet figures, checked against the performance targets (see README,
# "Performance"); writes bench/results.json. Takes a few minutes.
bench: $(BIN)/.dev
	$(BIN)/python -m bench

# The demo workbook's tabs as PNG pictures, as LibreOffice prints them (render-output/png/).
# LibreOffice Calc, poppler-utils (pdftoppm) and the Carlito font (Calibri's metrics, so columns
# are as wide as in Excel) are installed with apt when soffice or pdftoppm is missing.
RENDER_PACKAGES := libreoffice-calc poppler-utils fonts-crosextra-carlito
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
render: $(BIN)/.runtime
	@if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then \
		echo "Installing $(RENDER_PACKAGES) with apt-get"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $(RENDER_PACKAGES); \
	fi
	$(BIN)/python -m render --out render-output

# The fleet on this machine: the Firestore emulator, fake Cloud Tasks and Secret Manager, the
# fake Google server; 200 tenants dispatched and synced, then dispatched again (nothing twice).
fleet-demo: $(BIN)/.dev
	$(BIN)/python -m bench.fleet --tenants 200 --show

clean:
	rm -rf $(VENV) demo-output render-output
