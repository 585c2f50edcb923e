# Two entry points for a fresh machine: `make demo` (build, QC, validate, import, load, example queries,
# HTML views, transition statistics, release, reason) and `make test`; `make quick` runs the fast tests only,
# `make lint` runs ruff (.ci/run runs it before `make test`).
#
# The demo is a pipeline of files. Each costly step is a target that make remakes only when a file it
# reads is newer (or an output is missing), so a second `make demo` with nothing changed redoes none of
# them; the example queries, the transition statistics and the evidence path read the store and run
# every time (a few seconds). A step that succeeds keeps what it printed in build/log/STEP.txt; that file
# is the step's stamp, and a step that fails leaves none.
#
#   reads                            step       writes                          read by
#   ontology/, examples/*.yaml       build      build/prc-kg.{ttl,owl,jsonld},  reason
#                                               build/examples.ttl,
#                                               build/prc-kg-with-examples.owl
#   ontology/, examples/, queries/qc qc         build/log/qc.txt                (gates load, release)
#   ontology/, examples/             validate   build/log/validate.txt          (gates load, release)
#   ratings.csv, mappings/items.csv  import     build/ratings/ratings.nt        load
#   corpus/mi-constructed.{csv,yaml} utterances build/utterances/mi-constructed.nt load
#   build, ratings.nt, utterances    load       build/store                     viz, queries, analyze, path,
#                                                                                agreement, transitions, profile
#   build/store                      viz        build/html/index.html
#   build, examples/, CHANGELOG.md   release    build/release/VERSION/
#   build/prc-kg-with-examples.owl   reason     build/log/reason.txt
#
# Every step also depends on the library (src/prc_kg/, queries/) and the installed environment, so a
# change in prc-kg itself redoes the steps it runs. Within a step, prc-kg keeps its own caches against
# the SHA-256 of the files it reads (build/cache/, see README "Caches"): validate and release share each
# gate's outcome, so SHACL runs once per change of what it checks (not in both steps, and not again when
# only code it does not use changed), and a step redone for a touched file with the same bytes reruns
# no gate. The read-only commands below pass --store build/store; without it they would use the store
# cached for the sources, built on first use.
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PRC     := $(BIN)/prc-kg
RUNTIME := $(VENV)/.runtime-stamp
TESTING := $(VENV)/.test-stamp
LOG     := build/log
QUICK   := not slow and not browser and not java and not huge_input

ONTOLOGY := $(shell find ontology -type f)
EXAMPLES := $(shell find examples -type f ! -name '*.md')  # data and the privacy allow-list, not the format notes
CASES    := $(filter %.yaml,$(EXAMPLES))
QC_RULES := $(wildcard queries/qc/*.rq)
CODE     := $(RUNTIME) $(shell find src/prc_kg queries -type f ! -path '*/__pycache__/*')

BUILD_FILES := build/prc-kg.ttl build/prc-kg.owl build/prc-kg.jsonld build/examples.ttl \
               build/prc-kg-with-examples.owl
RATINGS     := build/ratings/ratings.nt
CORPUS      := build/utterances/mi-constructed.nt
STORE       := build/store
HTML        := build/html
VIEWS       := $(HTML)/index.html

# FORCE when any of the files is missing, so a step whose stamp is newer than its inputs but whose
# output was deleted runs again.
missing = $(if $(filter-out $(wildcard $(1)),$(1)),FORCE)

# $(call logged,STEP,COMMAND): run COMMAND (echoed), show what it prints and keep it as build/log/STEP.txt
# when it succeeds; on failure remove the stamp and stop with COMMAND's exit code.
logged = @mkdir -p $(LOG) && echo '$(2)' && \
	{ PYTHONUNBUFFERED=1 $(2); echo $$? > $(LOG)/$(1).rc; } 2>&1 | tee $(LOG)/$(1).tmp; \
	rc=$$(cat $(LOG)/$(1).rc); rm -f $(LOG)/$(1).rc; \
	if [ "$$rc" = 0 ]; then mv $(LOG)/$(1).tmp $(LOG)/$(1).txt; else rm -f $(LOG)/$(1).tmp $(LOG)/$(1).txt; exit $$rc; fi

.PHONY: demo test quick lint clean FORCE
.DELETE_ON_ERROR:

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TESTING): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(LOG)/build.txt: $(ONTOLOGY) $(CASES) $(CODE) $(call missing,$(BUILD_FILES))
	$(call logged,build,$(PRC) build --out build)

$(LOG)/qc.txt: $(ONTOLOGY) $(CASES) $(QC_RULES) $(CODE)
	$(call logged,qc,$(PRC) qc)

$(LOG)/validate.txt: $(ONTOLOGY) $(EXAMPLES) $(CODE)
	$(call logged,validate,$(PRC) validate)

$(RATINGS): examples/study/ratings.csv examples/mappings/items.csv $(ONTOLOGY) $(CODE)
	$(call logged,import,$(PRC) import examples/study/ratings.csv --out $@)

$(CORPUS): examples/corpus/mi-constructed.csv examples/corpus/mi-constructed.yaml $(ONTOLOGY) $(CODE)
	$(call logged,utterances,$(PRC) import-utterances examples/corpus/mi-constructed.csv \
	  --layout examples/corpus/mi-constructed.yaml --out $@)

# load re-reads the ontology and examples (as build did), the imported ratings and the coded corpus;
# it runs after the checks.
$(LOG)/load.txt: $(LOG)/build.txt $(RATINGS) $(CORPUS) $(CODE) $(call missing,$(STORE)/prc-kg-store.json) \
                 | $(LOG)/qc.txt $(LOG)/validate.txt
	$(call logged,load,$(PRC) load --store $(STORE) --data $(RATINGS) $(CORPUS))

$(VIEWS): $(LOG)/load.txt $(CODE)
	$(call logged,viz,$(PRC) viz --store $(STORE) --out $(HTML))

$(LOG)/release.txt: $(LOG)/build.txt $(ONTOLOGY) $(EXAMPLES) CHANGELOG.md $(CODE) \
                    $(call missing,$(firstword $(wildcard build/release/*/SHA256SUMS) build/release/none)) \
                    | $(LOG)/qc.txt $(LOG)/validate.txt
	$(call logged,release,$(PRC) release)

# HermiT reads the RDF/XML of ontology and examples that build wrote. Without Java (exit 3) the step
# says so and leaves no stamp, so it runs once Java is installed.
$(LOG)/reason.txt: $(LOG)/build.txt $(CODE)
	@mkdir -p $(LOG) && echo '$(PRC) reason --file build/prc-kg-with-examples.owl --show 5' && \
	{ PYTHONUNBUFFERED=1 $(PRC) reason --file build/prc-kg-with-examples.owl --show 5; echo $$? > $(LOG)/reason.rc; } \
	  2>&1 | tee $(LOG)/reason.tmp; \
	rc=$$(cat $(LOG)/reason.rc); rm -f $(LOG)/reason.rc; \
	if [ "$$rc" = 0 ]; then mv $(LOG)/reason.tmp $@; else rm -f $(LOG)/reason.tmp $@; fi; \
	if [ "$$rc" = 3 ]; then echo "(reasoning skipped: install Java, e.g. apt-get install -y default-jre-headless)"; \
	elif [ "$$rc" != 0 ]; then exit $$rc; fi

FORCE:

# The steps in the order of the pipeline (make stops at the first that fails), then the read-only steps
# on the store, then one line per costly step from its log, run now or earlier.
demo: $(LOG)/build.txt $(LOG)/qc.txt $(LOG)/validate.txt $(RATINGS) $(CORPUS) $(LOG)/load.txt $(VIEWS) \
      $(LOG)/release.txt $(LOG)/reason.txt
	$(PRC) query cq01_session_intervention_types --store $(STORE)
	$(PRC) query cq19_alliance_outcome_meta_analyses --store $(STORE)
	$(PRC) query interpretation_productivity_lag1 --store $(STORE)
	$(PRC) analyze transitions --significant --store $(STORE)
	$(PRC) path "intervention quality" "patient productivity" --store $(STORE)
	$(PRC) path "therapeutic alliance" annie --store $(STORE)
	$(PRC) agreement --store $(STORE)
	$(PRC) transitions --store $(STORE) --from therapist --to patient --by mi_quality --table differences
	$(PRC) profile --store $(STORE) --by mi_quality
	@echo "steps (each runs again only when what it reads changes; full output in $(LOG)/):"
	@for step in build:'^triples' qc:'^QC:' validate:'^(SHACL|privacy):' import:'^imported' \
	             utterances:'^imported' load:'^loaded' \
	             viz:'^open ' release:'^release ' reason:'^HermiT'; do \
	  name=$${step%%:*}; log=$(LOG)/$$name.txt; [ -f $$log ] || continue; \
	  grep -E "$${step#*:}" $$log | sed "s/^/  $$name ($$(date -r $$log '+%Y-%m-%d %H:%M')): /"; \
	done

test: $(TESTING)
	$(BIN)/python -m pytest -q

# The fast unit tests (markers in pyproject.toml): under a minute, for use while editing.
quick: $(TESTING)
	$(BIN)/python -m pytest -q -m "$(QUICK)"

# Run by .ci/run before `make test`.
lint: $(TESTING)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf build
