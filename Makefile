# The workbook's commands. `make lab` and `make test` are the two a newcomer needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Keep Jupyter's and IPython's runtime files inside the repository, not in a home folder.
export JUPYTER_RUNTIME_DIR := $(CURDIR)/var/jupyter/runtime
export IPYTHONDIR := $(CURDIR)/var/ipython
export MPLBACKEND ?= Agg
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with nbval-sanitize.cfg -p no:django
LESSONS := $(sort $(wildcard notebooks/*.ipynb))
SOLUTIONS := $(sort $(wildcard solutions/*.ipynb))

.PHONY: help install lab test test-project test-notebooks lint format notebooks exercises bench clean

help:
	@echo "make lab        open JupyterLab on the first lesson (installs on first run)"
	@echo "make test       lint, the demo project's tests, and every notebook under strict nbval"
	@echo "make notebooks  re-execute every lesson and solution in place (refresh outputs)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make bench      the benchmark table (printed, and written to var/bench.csv)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

lab: install
	$(BIN)/jupyter lab notebooks/00-start-here.ipynb

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-project: install
	$(BIN)/pytest -n 2

test-notebooks: install
	$(BIN)/pytest $(NBVAL) -n 2 --dist loadscope $(LESSONS) $(SOLUTIONS)

test: lint test-project test-notebooks

notebooks: install
	$(BIN)/jupyter nbconvert --log-level WARN --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=120 $(LESSONS) $(SOLUTIONS)

clean:
	rm -rf var .pytest_cache .ruff_cache
