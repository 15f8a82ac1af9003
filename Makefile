# The two commands of the README:
#   make book [SCALE=cpu|smoke|gpu|paper] [CHAPTERS="s1 s2"] [SET="key=value ..."] [PARTIAL=1] [PLAN=1]
#                                                                execute chapters, render HTML
#   make test                                                    unit tests + smoke chapters
# Both create the virtual environment (.venv) and install the package on first use.

SCALE ?= cpu
CHAPTERS ?=
# Parameter overrides for every selected chapter, e.g. SET="dimension=800" (python -m hessbook.build --set)
SET ?=
# PARTIAL=1: a chapter whose dataset is missing shows "not computed" instead of failing the build
PARTIAL ?=
# PLAN=1: list per chapter the jobs, how many are stored and an estimated time; run nothing
PLAN ?=
PYTHON ?= python3
VENV ?= .venv
SHARED_DATA ?= ../shared/data
PY := $(VENV)/bin/python
STAMP := $(VENV)/.hessbook-installed
TEST_STAMP := $(VENV)/.hessbook-test-installed
# Independent references for tests and benchmarks only. Their metadata pins old requests
# (torchattacks) or nothing useful, so they are installed without their dependencies;
# what they need (torch, numpy, scipy, tqdm) is installed here or by the package.
REFERENCE_PACKAGES := torchattacks==3.5.1 pyhessian==0.1

.PHONY: book test env data bench clean lab

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "[make] installing hessbook and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(PY) -m pip install -e . > $(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

env: $(STAMP)

$(TEST_STAMP): $(STAMP)
	@$(PY) -m pip install scipy >> $(VENV)/install.log 2>&1 && \
	 $(PY) -m pip install --no-deps $(REFERENCE_PACKAGES) >> $(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; exit 1; }
	@touch $(TEST_STAMP)

# Link the datasets shipped beside the checkout into a writable ./data (torchvision extracts
# MNIST's .gz files next to them). Without them, torchvision downloads when there is network.
data:
	@if [ -d "$(SHARED_DATA)" ] && [ ! -e data/.linked ]; then \
		mkdir -p data && cp -rsn "$$(cd $(SHARED_DATA) && pwd)"/. data/ && touch data/.linked && \
		echo "[make] linked $(SHARED_DATA) into ./data"; fi

book: env data
	$(PY) -m hessbook.build --scale $(SCALE) $(if $(CHAPTERS),--chapters $(CHAPTERS)) $(if $(SET),--set $(SET)) $(if $(PARTIAL),--allow-missing-data) $(if $(PLAN),--plan)

test: env $(TEST_STAMP) data
	$(PY) -m pytest

bench: env $(TEST_STAMP) data
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf _build

lab: env data
	@$(PY) -c "import jupyterlab" 2>/dev/null || $(PY) -m pip install -q jupyterlab
	$(VENV)/bin/jupyter lab book/
