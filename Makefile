# The two commands a newcomer needs: `make demo` and `make test`. See README.md.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock pyproject.toml | sha1sum | cut -c1-12)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
# The project's own files come first on the path, ahead of the editable install's finder, so a
# second checkout (a git worktree sharing this venv) runs and tests its own code.
export PYTHONPATH := $(CURDIR)
# PANAH_MODE has no default (a server must never fall back to demo mode): the targets below
# that run Panah say `demo` themselves; the tests set it in panah/testing.py.
DEMO_ENV := PANAH_MODE=demo

.PHONY: install install-production system-libs demo test lint migrations-check test-sqlite test-postgres test-browser browsers messages lock bench clean

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	# pip 23 (what Python 3.11's venv brings) refuses a hashed lock whose packages ask for an
	# extra of another pinned package (weasyprint -> fonttools[woff]); pip 24 and later do not.
	$(BIN)/pip install --quiet --disable-pip-version-check 'pip>=24,<27'
	# The server's set and the tools that test it; a production install takes requirements.lock
	# alone (deploy/).
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

install: system-libs $(STAMP)

# A server: the runtime set alone, no test tools (docs/deploy.md).
install-production: system-libs
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check 'pip>=24,<27'
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .

# Debian's libraries that WeasyPrint loads at run time for the PDF exports: Pango, and
# HarfBuzz's font subsetter (without it every PDF logs a warning and embeds whole fonts);
# and a Java runtime for Spark.
system-libs:
	@ldconfig -p | grep -q libharfbuzz-subset.so.0 && ldconfig -p | grep -q libpangoft2-1.0.so.0 \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
	@# Java 17 for the Spark linkage backend (pyspark starts a local JVM; its test runs in make test).
	@command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq openjdk-17-jre-headless)

demo: install
	$(DEMO_ENV) $(BIN)/panah migrate --noinput
	$(DEMO_ENV) $(BIN)/panah demo
	@echo ""
	@echo "Panah is starting at http://$(if $(filter 127.0.0.1,$(HOST)),localhost,$(HOST)):$(PORT)/ with its background worker (Ctrl-C stops both)"
	@# The worker runs imports and linkage started from the web; the trap stops it with the server.
	@$(DEMO_ENV) $(BIN)/panah worker --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/panah runserver $(HOST):$(PORT)

test: install browsers lint migrations-check test-sqlite test-postgres test-browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_house_rules.py

migrations-check: install
	$(DEMO_ENV) PANAH_VAR_DIR=$$(mktemp -d) $(BIN)/panah makemigrations --check --dry-run

# worksteal: the slow migration tests would otherwise queue on one worker at the end.
test-sqlite: install
	$(BIN)/pytest -n 2 --dist worksteal -m "not browser" -q

test-postgres: install
	pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	PANAH_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 --dist worksteal -m "not browser" -q

test-browser: install browsers
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m browser -q -p no:xdist

# Debian's Chromium drives the browser tests (never a downloaded browser build); poppler's
# pdftotext reads back the PDFs they download (subject access export, researcher's report).
browsers:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	@command -v pdftotext >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils)

# Regenerate translation catalogues after changing strings; needs gettext.
messages: install
	@command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext)
	cd panah && $(DEMO_ENV) ../$(BIN)/panah makemessages -l fr -l nl -l fa --no-location --no-obsolete
	cd panah && $(DEMO_ENV) ../$(BIN)/panah compilemessages

# Re-pin every dependency after editing requirements.in.
lock:
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile requirements.in --python-version 3.11 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile requirements-dev.in --python-version 3.11 --generate-hashes -o requirements-dev.lock
	$(BIN)/uv pip compile requirements-bench.in --python-version 3.11 --generate-hashes -o requirements-bench.lock

bench: install
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bench.lock
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) var/panah.sqlite3*
