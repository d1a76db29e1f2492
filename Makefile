# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench setup clean

## set up .venv with the project and its test tools (again only when pyproject.toml changes)
setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run the product on its embedded defaults: the database (created or upgraded; on the first run a
## demo school, whose logins are printed once), the local mail catcher in the background, and the
## web app with the worker in the foreground (Ctrl+C stops both). Open the address it prints.
## With REDRESS_SMTP_HOST set, email goes to that server and no mail catcher is started.
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(STAMP)
	$(BIN)/redress init --demo
	@if [ -n "$$REDRESS_SMTP_HOST" ]; then exec $(BIN)/redress serve --host $(HOST) --port $(PORT); fi; \
	$(BIN)/redress mailbox --port "$${REDRESS_MAILBOX_PORT:-8025}" --dir "$${REDRESS_MAILBOX_DIR:-mail}" & mailbox=$$!; \
	trap 'kill $$mailbox 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	echo "Redress: open http://$(HOST):$(PORT)/ and sign in (email is caught in ./mail: redress mailbox --list)"; \
	$(BIN)/redress serve --host $(HOST) --port $(PORT)

## lint, type-check and run every test
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## performance figures (not part of `make test`)
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
