# Two commands for a fresh machine with Python 3.11+ and make:
#   make demo   create .venv, install footprint, solve the flagship case (European spare parts)
#   make test   create or reuse .venv, install, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_CASE ?= models/eu-spares-base.toml
# the flagship's own limit is 120 s; the demo stops the solver earlier so that
# reading, solving and writing stay within two minutes
DEMO_TIME_LIMIT ?= 105

.PHONY: demo test install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/footprint solve $(DEMO_CASE) --time-limit $(DEMO_TIME_LIMIT) --out results/demo

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) results
