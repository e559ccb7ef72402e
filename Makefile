# TrainerDesk: `make run` serves the app with a demo trainer; `make test` runs every test.
# Both set up everything they need first (venv, bun, Chromium for tests).
SHELL := /bin/bash
PORT ?= 3000
export PORT
ENV := source scripts/env.sh &&

.PHONY: run test lint setup setup-browser migrate seed clean bench bench-calendars bench-calendar bench-load bench-dashboard bench-request-path bench-live

.venv/.installed: requirements.txt
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

.tools/node_modules/.bin/bun:
	npm install --prefix .tools --no-audit --no-fund bun@1.4.4

setup: .venv/.installed .tools/node_modules/.bin/bun

setup-browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

migrate: setup
	$(ENV) python -m trainerdesk.migrations

seed: migrate
	$(ENV) python -m trainerdesk.seed

run: seed
	$(ENV) exec scripts/serve.sh

test: setup setup-browser
	$(ENV) ruff check .
	$(ENV) ruff format --check .
	$(ENV) python -m pytest --basetemp=.pytest-tmp $(PYTEST_ARGS)

lint: setup
	$(ENV) ruff check .
	$(ENV) ruff format --check .

clean:
	rm -rf .web .states data

bench: migrate
	$(ENV) python benchmarks/bench_slots.py

bench-calendars: migrate
	$(ENV) python benchmarks/bench_calendars.py

bench-load: setup
	$(ENV) python benchmarks/bench_load.py

bench-request-path: setup
	$(ENV) python benchmarks/bench_request_path.py

bench-live: setup setup-browser
	$(ENV) python benchmarks/bench_live.py $(BENCH_ARGS)

bench-dashboard: setup setup-browser
	$(ENV) python benchmarks/bench_dashboard.py

bench-calendar: setup setup-browser
	$(ENV) python benchmarks/bench_calendar.py
