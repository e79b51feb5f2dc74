# Two entry points for a fresh clone (see README.md):
#   make book   set up .venv and build the HTML book into _build/html
#   make test   set up .venv with the test tools and run every test:
#               unit tests, nbval over every notebook, the strict book build,
#               and the browser tests of the built pages and of its PDFs
# and one more:
#   make pdf    print the built book to _build/pdf/book-student.pdf (no solutions)
#               and _build/pdf/book-instructor.pdf (with them)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# --all: every page is read again, so that a page shows the chapter as it runs now.
BUILD  := $(BIN)/jupyter-book build . --all -W -n --keep-going
# The book's arrays are small: extra BLAS threads only fight over the cores.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: book test unit notebooks build browser pdf student clean-outputs lab clean \
	test-build test-unit test-student test-notebooks test-browser-pages test-browser-pdf

$(VENV)/.book: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.book requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

# Debian's Chromium (Playwright's own browser download is not used), poppler-utils
# (pdfunite joins the printed pages, pdftotext reads them back), and local copies of
# the scripts the pages load from CDNs, so that the browser test runs offline.
$(VENV)/.browser: $(VENV)/.test requirements-browser.txt tests/browser/package.json tests/browser/package-lock.json
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm)
	command -v pdfunite >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils)
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $@

# Every chapter runs afresh: the jupyter-cache of an earlier run is emptied first.
book: $(VENV)/.book
	rm -rf _build/.jupyter_cache
	$(BUILD)

# Every test, two jobs at a time (TEST_JOBS=1: one after another). Each chapter is
# executed twice: once by nbval (on TEST_JOBS cores, pytest-xdist), whose run the build
# then shows (tools/nbval_keep.py fills the build's jupyter-cache), and once as the
# student's copy without solutions. The chain nbval, build, browser test of the pages is
# the longest: make starts it first (the goals are listed so that each freed core goes to
# it), and the jobs beside it (the student copies, the unit tests, the PDFs) run at a
# lower priority (nice), so that they take only what the chain leaves. Each job's output
# is printed when it ends; a failing job does not stop the others (--keep-going), and
# make test fails if any did.
TEST_JOBS ?= 2
BESIDE := nice -n 10
test: $(VENV)/.browser
	$(MAKE) --no-print-directory --keep-going -j$(TEST_JOBS) --output-sync=target \
		test-browser-pages test-browser-pdf test-student test-unit

test-notebooks:
	rm -rf _build/nbval
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile -p tools.nbval_keep --nbval-keep _build/nbval \
		--nbval-lax --nbval-current-env chapters

test-build: test-notebooks
	$(BIN)/python tools/nbval_keep.py _build/nbval chapters _build/.jupyter_cache
	$(BUILD)

test-unit:
	$(BESIDE) $(BIN)/python -m pytest tests --ignore=tests/browser --ignore=tests/test_notebooks.py

test-student:
	$(BESIDE) $(BIN)/python -m pytest tests/test_notebooks.py

test-browser-pages: test-build
	$(BIN)/python -m pytest -n $(TEST_JOBS) tests/browser/test_pages.py tests/browser/test_a11y.py

test-browser-pdf: test-build
	$(BESIDE) $(BIN)/python -m pytest tests/browser/test_pdf.py

unit: $(VENV)/.test
	$(BIN)/python -m pytest tests --ignore=tests/browser

notebooks: $(VENV)/.test
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env chapters

build: $(VENV)/.book
	$(BUILD)

browser: $(VENV)/.browser
	$(BIN)/python -m pytest tests/browser

# After make book (or any build into _build/html); see tools/pdf.py.
pdf: $(VENV)/.browser
	$(BIN)/python tools/pdf.py --html _build/html --out _build/pdf

clean-outputs: $(VENV)/.book
	$(BIN)/python tools/notebooks.py clean chapters/*.ipynb

student: $(VENV)/.book
	$(BIN)/python tools/notebooks.py student chapters student

lab: $(VENV)/.book
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab chapters

clean:
	rm -rf _build student
