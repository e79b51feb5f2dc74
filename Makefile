# Two entry points for a fresh clone (see README.md):
#   make book   set up .venv and build the HTML book into _build/html
#   make test   set up .venv with the test tools and run every test:
#               unit tests, nbval over every notebook, the strict book build,
#               and the browser test of the built pages
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BUILD  := $(BIN)/jupyter-book build . -W -n --keep-going
# The book's arrays are small: extra BLAS threads only fight over the cores.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: book test unit notebooks build browser student clean-outputs lab clean

$(VENV)/.book: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.book requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

# Debian's Chromium (Playwright's own browser download is not used) and local copies
# of the scripts the pages load from CDNs, so that the browser test runs offline.
$(VENV)/.browser: $(VENV)/.test requirements-browser.txt tests/browser/package.json tests/browser/package-lock.json
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm)
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $@

book: $(VENV)/.book
	$(BUILD)

test: $(VENV)/.browser
	$(BIN)/python -m pytest tests --ignore=tests/browser
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env chapters
	$(BUILD)
	$(BIN)/python -m pytest tests/browser

unit: $(VENV)/.test
	$(BIN)/python -m pytest tests --ignore=tests/browser

notebooks: $(VENV)/.test
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env chapters

build: $(VENV)/.book
	$(BUILD)

browser: $(VENV)/.browser
	$(BIN)/python -m pytest tests/browser

clean-outputs: $(VENV)/.book
	$(BIN)/python tools/notebooks.py clean chapters/*.ipynb

student: $(VENV)/.book
	$(BIN)/python tools/notebooks.py student chapters student

lab: $(VENV)/.book
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab chapters

clean:
	rm -rf _build student
