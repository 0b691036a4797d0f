# Two commands do everything from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP    := $(VENV)/.test-installed

.PHONY: demo test lint bench system-packages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Servers the integration tests start themselves: PostgreSQL binaries from Debian. And the Java side of
# the integration guide's examples: a JDK and Apache Avro for Java (/usr/share/java/avro.jar). Go's own
# transparency-log code (sumdb/note, sumdb/tlog), the independent checker of the audit log's formats. And for the
# console's browser tests: Debian's Chromium (Playwright drives it; its own download cannot work here) and a CJK font.
system-packages:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)
	@(command -v javac >/dev/null && test -f /usr/share/java/avro.jar) || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless libavro-java)
	@(command -v go >/dev/null && test -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog) || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-golang-x-mod-dev)
	@(test -x /usr/bin/chromium && test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc) || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

demo: $(RUNTIME_STAMP)
	$(BIN)/zwgk demo

# Lint, types and the import contracts. mypy reads the packages as zwgk.* through symlinks under
# .typecheck/ (pyproject's mypy_path): it cannot follow the editable install's package-dir mapping.
TYPECHECKED := domain projections archive connectors

lint: $(TEST_STAMP)
	@mkdir -p .typecheck/zwgk
	@for p in $(TYPECHECKED); do ln -sfn ../../$$p .typecheck/zwgk/$$p; done
	$(BIN)/ruff check .
	$(BIN)/mypy $(foreach p,$(TYPECHECKED),-p zwgk.$(p))
	$(BIN)/lint-imports

test: $(TEST_STAMP) system-packages lint
	$(BIN)/pytest

bench: $(TEST_STAMP) system-packages
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/audit_log.py
	$(BIN)/python bench/relay.py
	$(BIN)/python bench/archive.py
	$(BIN)/python bench/projections.py
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
