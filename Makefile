# The documented commands: `make run` and `make test` (README). Every other
# target is a step of those two or an operator's tool.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench setup install system-packages static translations seed worker beat lint format lock clean

run: setup seed
	@echo "Serving Pamoja at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: export DJANGO_SETTINGS_MODULE = config.settings.test
test: install
	@scripts/system-packages.sh --with-browser
	@scripts/verifier-tools.sh
	$(MANAGE) compilemessages --ignore=.venv -v0
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check_translations
	scripts/test.sh

setup: install system-packages translations
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input -v0

seed:
	$(MANAGE) seed_courses
	$(MANAGE) create_demo_accounts

# The virtualenv, rebuilt whenever the lock file changes.
install: $(VENV)/.installed
$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --require-hashes --no-deps -r requirements.lock
	touch $@

system-packages:
	@scripts/system-packages.sh

translations: install
	$(MANAGE) compilemessages --ignore=.venv -v0

# Benchmarks: each measures its floor in the same run and prints the ratio.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pamoja
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
bench: install translations
	@scripts/system-packages.sh --with-bench
	@for script in $(wildcard benchmarks/*.py); do \
		echo "== $$script"; \
		DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) $$script || exit 1; \
	done

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
