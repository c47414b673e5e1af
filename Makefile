# MedReg: `make run` serves the demo on the embedded SQLite database; `make test` runs the whole suite.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint messages demo-accounts clean-db

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MedReg needs Python 3.11 or newer")'
	@$(PY) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PY) -m venv $(VENV); \
	  else echo "Python's venv module is missing: run 'sudo apt-get install python3-venv' and try again"; exit 1; fi; }

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

messages: $(VENV)/.installed
	@$(BIN)/python -m medreg.core.i18n >/dev/null

run: messages
	$(BIN)/medreg migrate --noinput -v0
	$(BIN)/medreg load-reference >/dev/null
	$(BIN)/medreg demo
	$(BIN)/medreg demo accounts
	$(BIN)/medreg demo newcomers
	$(BIN)/medreg serve --host $(HOST) --port $(PORT)

test: messages
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/python scripts/check_house_rules.py
	$(BIN)/mypy medreg/core medreg/applications medreg/licences

demo-accounts: messages
	$(BIN)/medreg demo accounts --json

clean-db:
	rm -f var/medreg.sqlite3 var/medreg.sqlite3-wal var/medreg.sqlite3-shm
