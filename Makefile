# Two entry points for a fresh clone (see README.md):
#   make book   set up .venv and build the HTML book into _build/html
#   make test   set up .venv (with the test tools) and run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BUILD  := $(BIN)/jupyter-book build . -W -n --keep-going

.PHONY: book test unit notebooks build-check student clean-outputs lab clean

$(VENV)/.book: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.book requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

book: $(VENV)/.book
	$(BUILD)

test: $(VENV)/.test
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env chapters
	$(BUILD)

unit: $(VENV)/.test
	$(BIN)/python -m pytest tests

notebooks: $(VENV)/.test
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env chapters

clean-outputs: $(VENV)/.book
	$(BIN)/python tools/notebooks.py clean chapters/*.ipynb

student: $(VENV)/.book
	$(BIN)/python tools/notebooks.py student chapters student

lab: $(VENV)/.book
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab chapters

clean:
	rm -rf _build student
