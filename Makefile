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

.PHONY: help install install-test install-grading install-services install-browser install-hub \
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
	@echo "make bench-databases  the full benchmark on SQLite, then PostgreSQL, and one table of both"
	@echo "make bench-class N=30  N learners on one JupyterHub at once: memory, CPU, time (docs/class-sizing.md)"
	@echo "make learners LEARNERS_REPO=path  publish the workbook without solutions/ for a class's hub"
	@echo "make hub-link HUB_URL=url LEARNERS_REPO=url  the nbgitpuller link that gives each learner the workbook"
	@echo "make try-server  (root) the hub's guide tried on a clean Debian 12 under systemd-nspawn"
	@echo "make site       the course as a website in var/site/html: lessons with their outputs, exercises, guides"
	@echo "make test-rerun every notebook with each code cell run twice: the same verdicts"
	@echo "make lesson-times  each lesson's time under strict nbval, RUNS runs (3) and the median"

# uv installs (PyPI's `uv`, into the environment itself): about five times faster than pip
# here, and it compiles no bytecode up front (Python writes it on first import), so the
# environment is smaller. The environment's pip only fetches uv, then leaves with the
# setuptools that came with it: uv installs everything else. The lessons' requirements are
# the default; each extra comes with the command that needs it: test (make test), grading
# (make exercises, grade, progress), services (when DATABASE_URL, CACHE_URL or
# CELERY_BROKER_URL is set), browser, ci. The range of uv is the one of pyproject.toml's
# uv_build, so that uv builds the workbook itself.
# uv-excludes.txt: two packages the lessons do not use, which IPython and ipykernel run without.
UV := $(BIN)/uv
PIP_INSTALL := $(UV) pip install --quiet --python $(BIN)/python --excludes uv-excludes.txt

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.13,<0.14"
	$(UV) pip uninstall --quiet --python $(BIN)/python pip setuptools

$(STAMP): requirements.txt pyproject.toml uv-excludes.txt | $(UV)
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

# With PostgreSQL or Redis switched on (README, "Going further"), their clients come too.
install: $(STAMP) $(PROFILE) \
		$(if $(DATABASE_URL)$(CACHE_URL)$(CELERY_BROKER_URL),$(VENV)/.installed-services)
	@mkdir -p $(JUPYTER_RUNTIME_DIR)

install-test install-grading install-services install-browser install-ci: install-%: \
		install $(VENV)/.installed-%

# A class on one server (docs/jupyterhub.md): JupyterHub, nbgitpuller and the idle culler
# from PyPI, the proxy from npm, and the kit's kernel profile where every learner's kernel
# reads it (the venv's etc/ipython), since a learner's IPYTHONDIR is their own.
HUB := deploy/jupyterhub
$(HUB)/node_modules/.package-lock.json: $(HUB)/package.json $(HUB)/package-lock.json
	cd $(HUB) && npm ci --no-audit --no-fund --loglevel=error
$(VENV)/etc/ipython/ipython_kernel_config.py: demo_project/lab/ipython_kernel_config.py
	mkdir -p $(@D) && cp $< $@
install-hub: install $(VENV)/.installed-hub $(HUB)/node_modules/.package-lock.json \
		$(VENV)/etc/ipython/ipython_kernel_config.py

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

# The browser lane: JupyterLab and the Swagger UI in Debian's chromium, and a class of
# three on the hub (tests/browser/test_hub.py).
test-browser: install-browser install-hub
	$(BIN)/pytest -p no:xdist -m browser tests/browser

# Schemathesis, every check, against a real runserver of the demo API (about 2 minutes).
test-api: install-ci
	scripts/test-api.sh

notebooks: install
	$(BIN)/jupyter nbconvert --log-level WARN --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=300 --ExecutePreprocessor.record_timing=False \
		$(LESSONS) $(SOLUTIONS)

.PHONY: exercises grade bench-grading progress bench bench-services bench-databases bench-class

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

# A measurement, not a test: N learners on one JupyterHub at once, each running lessons 00
# and 05 and the exercise of 05 in their own server's kernels; memory (PSS and RSS), CPU
# time and time to the last lesson, written into docs/class-sizing.md and its plot.
# make bench-class N="5 10 20 30" measures each size in turn (about 20 minutes here).
bench-class: install-hub $(VENV)/.installed-bench
	$(BIN)/python -m demo_project.tools.bench_class $(or $(N),30) $(BENCH_CLASS_OPTIONS)

# A learner's own progress: exercises/ run afresh (nothing written into it), visible checks.
progress: install-grading
	$(BIN)/python -m demo_project.tools.grading.progress exercises --png var/progress.png

# A measurement, not a test: it exits 0 and prints MISS beside a target it did not meet.
# The same command measures PostgreSQL when DATABASE_URL points there (docs/benchmarks.md).
bench: install
	$(BIN)/python -m demo_project.tools.bench --csv var/bench.csv --png var/bench.png --md var/bench.md

# Both databases, one after the other, then one table side by side (var/bench-databases.md):
# the full run on SQLite, then on PostgreSQL and Redis (started here unless DATABASE_URL is
# set). About 20 minutes on an idle 2-core machine; the README's table comes from it.
bench-databases: install install-services
	scripts/bench-databases.sh

# The services lane's benchmark: the quick sizes on the database DATABASE_URL names (a
# minute), so CI runs every benchmark, the bulk insert's target included, on PostgreSQL.
bench-services: install
	@test -n "$$DATABASE_URL" || { echo "Start the services first: eval \"\$$(scripts/services.sh start)\""; exit 2; }
	$(BIN)/python -m demo_project.tools.bench --quick --csv var/bench-services.csv \
		--png var/bench-services.png --md var/bench-services.md

# What make builds under var/, and the caches. A gradebook (var/grades.csv and what sits
# beside it, or one per class under var/) is an instructor's record, not a build: kept.
clean:
	rm -rf var/jupyter var/ipython var/cache var/site var/screenshots var/bench.* var/bench-* var/lesson-times \
		var/progress.png $(SERVICES_SANITIZE) .pytest_cache .ruff_cache

.PHONY: learners hub-link try-server

# The hub's guide tried on a clean Debian 12 booted under systemd-nspawn, as root, three
# to six minutes with the cached base system (docs/maintainers.md); HEAD is what it tries.
try-server: install-browser
	deploy/jupyterhub/try-server.sh

# What a class's homes receive (docs/jupyterhub.md): HEAD without solutions/, one commit
# more on the branch of LEARNERS_REPO (a path, created bare, or a URL git can push to).
learners:
	@test -n "$(LEARNERS_REPO)" || { echo "Say where: make learners LEARNERS_REPO=/srv/workbook-learners.git"; exit 2; }
	deploy/jupyterhub/publish-learners.sh "$(LEARNERS_REPO)" $(LEARNERS_BRANCH)

# The nbgitpuller link to hand out: make hub-link HUB_URL=https://... LEARNERS_REPO=...
hub-link: install
	@test -n "$(HUB_URL)" -a -n "$(LEARNERS_REPO)" || { echo "make hub-link HUB_URL=https://hub.example.org LEARNERS_REPO=https://example.org/workbook.git"; exit 2; }
	@$(BIN)/python deploy/jupyterhub/link.py "$(HUB_URL)" "$(LEARNERS_REPO)" $(if $(LEARNERS_BRANCH),--branch $(LEARNERS_BRANCH))

# The course as a website: the committed notebooks with their stored outputs (nothing is
# executed), the quick start and the guides, in var/site/html; then no solution text in it.
SITE_SRC := var/site/src
SITE_HTML := var/site/html
SITE_DOCS := docs/instructor-guide.md docs/jupyterhub.md docs/class-sizing.md docs/benchmarks.md docs/self-check-answers.md docs/maintainers.md

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
