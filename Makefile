# The workbook's commands. `make lab` and `make test` are the two a newcomer needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Keep Jupyter's and IPython's runtime files inside the repository, not in a home folder.
export JUPYTER_RUNTIME_DIR := $(CURDIR)/var/jupyter/runtime
export IPYTHONDIR := $(CURDIR)/var/ipython
export MPLBACKEND ?= Agg
# pytest-django is off for notebooks (each kernel boots Django itself), so its ini key is unknown.
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with nbval-sanitize.cfg -p no:django \
	-W ignore::pytest.PytestConfigWarning
LESSONS := $(sort $(wildcard notebooks/*.ipynb))
SOLUTIONS := $(sort $(wildcard solutions/*.ipynb))

SERVICES_SANITIZE := var/nbval-sanitize-services.cfg

.PHONY: help install install-test install-grading install-services install-browser \
	install-ci lab test test-project test-notebooks lint format notebooks clean \
	test-services test-browser test-rerun services-start services-stop test-api lesson-times

help:
	@echo "make lab        open JupyterLab on the first lesson (installs on first run)"
	@echo "make test       lint, the demo project's tests, and every notebook under strict nbval"
	@echo "make test-api   schemathesis, every check, against the served demo API"
	@echo "make notebooks  re-execute every lesson and solution in place (refresh outputs)"
	@echo "make exercises  regenerate exercises/ from solutions/ (FORCE=1 overwrites notebooks changed by hand)"
	@echo "make grade SUBMISSIONS=dir  grade learners' notebooks into the gradebook var/grades.csv (and a report)"
	@echo "make bench-grading  time the grading of 30 copies of one exercise notebook, and nbgrader's"
	@echo "make progress  run your exercises/ afresh: done, wrong or not started, a table and a plot"
	@echo "make bench      the benchmark table (printed; written to var/bench.csv, .md and .png)"
	@echo "make bench-services  the benchmark, quick sizes, on the services' PostgreSQL"
	@echo "make site       the course as a website in var/site/html: lessons with their outputs, exercises, guides"
	@echo "make test-rerun every notebook with each code cell run twice: the same verdicts"
	@echo "make lesson-times  each lesson's time under strict nbval, RUNS runs (3) and the median"

# uv installs (PyPI's `uv`, into the environment itself): about five times faster than pip
# here, and it compiles no bytecode up front (Python writes it on first import), so the
# environment is smaller. The lessons' requirements are the default; each extra comes with
# the command that needs it: test (make test), grading (make exercises, grade, progress),
# services (when CACHE_URL or CELERY_BROKER_URL is set), browser, ci.
UV := $(BIN)/uv
PIP_INSTALL := $(UV) pip install --quiet --python $(BIN)/python

$(STAMP): requirements.txt pyproject.toml
	test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet uv; }
	$(PIP_INSTALL) -r requirements.txt
	touch $@

# One stamp per extra: .venv/.installed-test is requirements-test.txt installed. The files
# include one another (test includes grading; browser and ci include test), and so do stamps.
$(VENV)/.installed-%: requirements-%.txt requirements.txt $(STAMP)
	$(PIP_INSTALL) -r $<
	touch $@
$(VENV)/.installed-test: $(VENV)/.installed-grading
$(VENV)/.installed-browser $(VENV)/.installed-ci: $(VENV)/.installed-test

# nbgrader comes for its preprocessors (make exercises, make grade); its JupyterLab menus
# and panels would only distract a learner. An instructor can enable them again.
$(VENV)/.installed-grading: requirements-grading.txt requirements.txt $(STAMP)
	$(PIP_INSTALL) -r $<
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
	for extension in formgrader validate_assignment assignment_list course_list; do \
		$(BIN)/jupyter server extension disable --sys-prefix \
			nbgrader.server_extensions.$$extension >/dev/null 2>&1; done
	touch $@

# The kernels' IPython profile (IPYTHONDIR, above): a cell run before the setup cell says
# to run the setup cell, not a page of Django traceback (demo_project/lab/ready.py).
PROFILE := $(IPYTHONDIR)/profile_default/ipython_kernel_config.py
$(PROFILE): demo_project/lab/ipython_kernel_config.py
	mkdir -p $(@D) && cp $< $@

# With Redis switched on (README, "Going further"), its client comes too.
install: $(STAMP) $(PROFILE) $(if $(CACHE_URL)$(CELERY_BROKER_URL),$(VENV)/.installed-services)
	@mkdir -p $(JUPYTER_RUNTIME_DIR)

install-test install-grading install-services install-browser install-ci: install-%: \
		install $(VENV)/.installed-%

# The repository is the root (so exercises/ and solutions/ are in reach), the first lesson
# opens; --allow-root only where make runs as root (a container, a CI machine).
lab: install
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ServerApp.root_dir=. $(LAB_OPTIONS) notebooks/00-start-here.ipynb

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-project: install-test
	$(BIN)/pytest -n 2

test-notebooks: install-test
	$(BIN)/pytest $(NBVAL) -n 2 --dist loadscope $(LESSONS) $(SOLUTIONS)

test: lint test-project test-notebooks

# The services lane: run after `eval "$$(scripts/services.sh start)"` (CI's .ci/run does it).
# The project's tests run on PostgreSQL and Redis with tasks eager (a worker would read
# another database than the test one); the notebooks run against the worker too, one at
# a time, since they share one database.
test-services: install-test install-services
	@test -n "$$DATABASE_URL" || { echo "Start the services first: eval \"\$$(scripts/services.sh start)\""; exit 2; }
	env -u CELERY_BROKER_URL $(BIN)/pytest -p no:xdist
	mkdir -p var && cat nbval-sanitize.cfg nbval-sanitize-services.cfg > $(SERVICES_SANITIZE)
	$(BIN)/pytest $(NBVAL:nbval-sanitize.cfg=$(SERVICES_SANITIZE)) -p no:xdist $(LESSONS) $(SOLUTIONS)

# Every notebook with each code cell run twice in a row: the same verdicts (one kernel each).
test-rerun: install-test
	$(BIN)/pytest -n 2 -m rerun tests/test_rerun.py

# Each lesson's time under strict nbval, kernel start included: RUNS runs one after another,
# one notebook at a time, then a table of every run and the median (docs/maintainers.md).
# A cell that fails is listed, and the runs go on: the times are still worth having.
RUNS ?= 3
lesson-times: install-test
	mkdir -p var/lesson-times && rm -f var/lesson-times/run-*.xml
	for run in $$(seq $(RUNS)); do \
		$(BIN)/pytest $(NBVAL) -p no:xdist -q -o junit_family=xunit1 \
			--junitxml=var/lesson-times/run-$$run.xml $(LESSONS) > var/lesson-times/run-$$run.log \
			|| grep -h '^FAILED' var/lesson-times/run-$$run.log; done
	$(BIN)/python scripts/lesson_times.py var/lesson-times/run-*.xml

# The browser lane: JupyterLab and the Swagger UI in Debian's chromium.
test-browser: install-browser
	$(BIN)/pytest -p no:xdist -m browser tests/browser

# Schemathesis, every check, against a real runserver of the demo API (about 2 minutes).
test-api: install-ci
	scripts/test-api.sh

notebooks: install
	$(BIN)/jupyter nbconvert --log-level WARN --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=300 --ExecutePreprocessor.record_timing=False \
		$(LESSONS) $(SOLUTIONS)

.PHONY: exercises grade bench-grading progress bench bench-services

# exercises/ is generated: never edit it by hand (docs/instructor-guide.md).
exercises: install-grading
	$(BIN)/python -m demo_project.tools.exercises $(if $(FORCE),--force)

# Grade learners' copies: make grade SUBMISSIONS=collected/ (folders or notebooks), merged
# into the class gradebook var/grades.csv. One folder whose name has spaces is quoted whole,
# SUBMISSIONS="collected/Amélie Dubois/"; several paths are separated by spaces.
grade: install-grading
	@test -n "$(SUBMISSIONS)" || { echo "Say what to grade: make grade SUBMISSIONS=collected/"; exit 2; }
	$(BIN)/python -m demo_project.tools.grading "$(SUBMISSIONS)" --csv var/grades.csv $(GRADE_OPTIONS)

# A measurement, not a test: 30 submissions of one notebook, graded with 2 jobs in the
# sandbox, then by nbgrader's autograde.
bench-grading: install-grading
	$(BIN)/python tests/bench_grading.py

# A learner's own progress: exercises/ run afresh (nothing written into it), visible checks.
progress: install-grading
	$(BIN)/python -m demo_project.tools.grading.progress exercises --png var/progress.png

# A measurement, not a test: it exits 0 and prints MISS beside a target it did not meet.
# The same command measures PostgreSQL when DATABASE_URL points there (docs/benchmarks.md).
bench: install
	$(BIN)/python -m demo_project.tools.bench --csv var/bench.csv --png var/bench.png --md var/bench.md

# The services lane's benchmark: the quick sizes on the database DATABASE_URL names (a
# minute), so CI runs every benchmark, the bulk insert's target included, on PostgreSQL.
bench-services: install
	@test -n "$$DATABASE_URL" || { echo "Start the services first: eval \"\$$(scripts/services.sh start)\""; exit 2; }
	$(BIN)/python -m demo_project.tools.bench --quick --csv var/bench-services.csv \
		--png var/bench-services.png --md var/bench-services.md

clean:
	rm -rf var .pytest_cache .ruff_cache

# The course as a website: the committed notebooks with their stored outputs (nothing is
# executed), the quick start and the guides, in var/site/html; then no solution text in it.
SITE_SRC := var/site/src
SITE_HTML := var/site/html
SITE_DOCS := docs/instructor-guide.md docs/benchmarks.md docs/self-check-answers.md docs/maintainers.md

.PHONY: site

# Sphinx and MyST-NB come with the target (requirements-site.txt); the leak test needs pytest.
site: $(VENV)/.installed-site $(VENV)/.installed-test
	rm -rf $(SITE_SRC) $(SITE_HTML)
	mkdir -p $(SITE_SRC)/notebooks $(SITE_SRC)/exercises $(SITE_SRC)/docs
	cp -R site/. $(SITE_SRC)/
	cp README.md $(SITE_SRC)/
	cp $(LESSONS) $(SITE_SRC)/notebooks/
	cp exercises/*.ipynb $(SITE_SRC)/exercises/
	cp $(SITE_DOCS) docs/*.png $(SITE_SRC)/docs/
	$(BIN)/sphinx-build -b html -W --keep-going -q $(SITE_SRC) $(SITE_HTML)
	$(BIN)/pytest -p no:xdist -p no:cacheprovider tests/test_site.py
	@echo "The site is in $(SITE_HTML)/index.html"
