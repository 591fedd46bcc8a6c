# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: install browser nginx run run-cluster train test lint unit content-check validate rasa-test e2e bench load clean

install:                     ## .venv/ from requirements.lock (skipped when the lock is unchanged)
	@bash scripts/install.sh

browser:                     ## Debian's Chromium + ChromeDriver, for the browser test
	@bash scripts/install-browser.sh

nginx:                       ## Debian's nginx, for the cluster and its tests
	@bash scripts/install-nginx.sh

train: install               ## train only if config.yml, domain.yml or data/ changed
	@$(PY) -m bot train

run: install                 ## install, train if needed, start everything on localhost
	@$(PY) -m bot run

run-cluster: install nginx   ## PostgreSQL + Redis + 2 Rasa replicas + 2 dispatchers behind nginx
	@$(PY) -m bot run --cluster

lint: install
	@$(VENV)/bin/ruff check .

content-check: install
	@$(PY) -m bot content check

validate: install
	@$(PY) -m rasa data validate --config config.yml --domain domain.yml --data data --fail-on-warnings

test: install browser nginx train  ## everything CI runs
	@$(VENV)/bin/ruff check .
	@$(PY) -m bot content check
	@$(PY) -m rasa data validate --config config.yml --domain domain.yml --data data --fail-on-warnings
	@$(PY) -m pytest
	@$(PY) -m rasa test core --e2e --model models/calcinosi.tar.gz --stories tests/stories --out var/results/core --fail-on-prediction-errors
	@bash scripts/rasa-test-nlu.sh

bench: install train         ## benchmarks: prints a table, writes bench/results/*.json
	@$(PY) -m bench

load: install train          ## 32 conversations for 20 s mixed with bad input: no 5xx, nothing lost
	@$(PY) -m bench.load

clean:
	rm -rf var models .pytest_cache .ruff_cache
