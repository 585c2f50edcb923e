# Two entry points for a fresh machine: `make demo` (build, QC, validate, import, load, example queries,
# HTML views, transition statistics, release, reason) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/prc-kg build
	$(BIN)/prc-kg qc
	$(BIN)/prc-kg validate
	$(BIN)/prc-kg import examples/study/ratings.csv
	$(BIN)/prc-kg load --store build/store
	$(BIN)/prc-kg query cq01_session_intervention_types --store build/store
	$(BIN)/prc-kg query cq19_alliance_outcome_meta_analyses --store build/store
	$(BIN)/prc-kg query interpretation_productivity_lag1 --store build/store
	$(BIN)/prc-kg viz --store build/store --out build/html
	$(BIN)/prc-kg analyze transitions --significant --store build/store
	$(BIN)/prc-kg path "intervention quality" "therapeutic benefit" --store build/store
	$(BIN)/prc-kg release
	@$(BIN)/prc-kg reason --with-examples --show 5; rc=$$?; \
	  if [ $$rc -eq 3 ]; then echo "(reasoning skipped: install Java, e.g. apt-get install -y default-jre-headless)"; \
	  elif [ $$rc -ne 0 ]; then exit $$rc; fi

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf build
