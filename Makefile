# Developer entry points. Everything runs from the project virtualenv (.venv), made by `make setup`.
PY := .venv/bin/python

.PHONY: help setup proto lint run stop test bench db-start db-stop db-status clean

help:
	@echo "make setup     venv + deps, PostGIS, buf, third-party protos (idempotent)"
	@echo "make proto     regenerate gen/ from proto/ (and envoy/envoy.yaml)"
	@echo "make lint      contract checks: buf lint, buf breaking, gen/ up to date, envoy config"
	@echo "make run       database, every service and Envoy in the foreground (Ctrl-C stops)"
	@echo "make stop      stop what make run started (from another terminal)"
	@echo "make test      setup + lint + private PostgreSQL + pytest (ARGS=\"-k auth\" for pytest)"
	@echo "make bench     python -m bench.run (auth), python -m bench.matching (1M trips: all ahead, then 730 days of history)"
	@echo "make db-start / db-stop / db-status   the private PostgreSQL in .data/pg"
	@echo "make clean     remove build/ and caches (keeps .venv, node_modules and .data)"

setup:
	scripts/setup.sh

proto: setup
	$(PY) scripts/gen_proto.py
	@if [ -f envoy/generate.py ]; then $(PY) envoy/generate.py; fi

lint: setup
	scripts/check_contracts.sh

run:
	scripts/run.sh

stop:
	scripts/stop.sh

test:
	scripts/test.sh $(ARGS)

bench: setup
	$(PY) -m bench.run $(ARGS)
	$(PY) -m bench.matching
	$(PY) -m bench.matching --history-days 730

db-start:
	scripts/pg.sh start

db-stop:
	scripts/pg.sh stop

db-status:
	scripts/pg.sh status

clean:
	rm -rf build .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path "./.venv/*" -not -path "./node_modules/*" -prune -exec rm -rf {} +
