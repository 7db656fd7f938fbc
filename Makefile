# Each target bootstraps .venv from pyproject.toml on a fresh machine; nothing else is needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint mutate diagrams bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[test,lint,mutate]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/slr demo

# The suite on TEST_WORKERS processes, each with its own local AWS (most tests wait on the
# local AWS's latency, not on a CPU), with branch coverage of lifecycle/ (and of the `slr`
# processes the tests start) printed at the end. docs/testing.md says what stays uncovered.
TEST_WORKERS ?= 6
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --cov=lifecycle --cov-branch --cov-report=term

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Mutation testing of the pure model (lifecycle/model/) against its own unit tests; CPU-bound,
# so MUTATE_CHILDREN processes (default 2). docs/mutation.md lists the survivors and why.
MUTATE_CHILDREN ?= 2
mutate: $(STAMP)
	$(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN)
	$(VENV)/bin/mutmut results

# Every registered workflow's diagrams, one set of files each.
diagrams: $(STAMP)
	for workflow in $$($(PY) -c "from lifecycle.registry import workflows; print(*workflows())"); do \
		$(VENV)/bin/slr --workflow $$workflow diagram --format all -o diagrams || exit 1; \
	done

bench: $(STAMP)
	$(PY) -m benchmarks

# Seeded and bounded: SOAK_SECONDS (default 60), SOAK_SEED, SOAK_MAX_COMMANDS, SOAK_STEPS.
soak: $(STAMP)
	$(PY) -m soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants
