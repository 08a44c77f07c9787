# Everyday commands. The README names two: `make run` and `make test`.
# Both set everything up on a fresh machine (virtual environment, local PostgreSQL, browser).
PY := .venv/bin/python
DEV := python3 tools/dev.py

.PHONY: run test manage lint messages lock ci bench scan

run:            ## serve on http://127.0.0.1:8000 with the background worker (Ctrl-C stops all)
	@$(DEV) run

test:           ## the whole test suite, browser tests included; extra pytest args: make test ARGS="-k login"
	@$(DEV) test $(ARGS)

manage:         ## any manage.py command against the same database: make manage ARGS="shell"
	@$(DEV) manage $(ARGS)

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

messages:       ## refresh the English catalogue after changing UI strings
	$(DEV) manage makemessages -l en --no-location --no-obsolete -i ".venv/*" -i "var/*"

bench:          ## load benchmark (docs/performance.md): make bench ARGS="--quick" or ARGS="--proposals 20000"
	@python3 bench/run.py $(ARGS)

scan:           ## the CI's wapiti scan of the running app (tools/scan.py; report in var/scan/)
	@python3 -m tools.scan $(ARGS)

lock:           ## re-pin requirements*.txt from pyproject.toml
	sh tools/lock.sh

ci:
	bash .ci/run
