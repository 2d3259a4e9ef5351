# Two commands on a fresh Linux machine with Python 3.11 (see README):
#   make run    set up .venv if needed, then run the default pipeline
#   make test   set up .venv if needed, then run the test suite
# Both are idempotent: the install step reruns only when pyproject.toml or
# requirements.lock change.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export KEDRO_DISABLE_TELEMETRY := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install voices lint format hooks run test trigger-word gpu shipping viz viz-build mlflow-ui clean \
        team-tracking-start team-tracking-stop test-team-tracking \
        benchmark benchmark-trigger-word benchmark-faces benchmark-style-transfer \
        benchmark-detection benchmark-all airflow-venv airflow-dags test-airflow

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

# trigger_word's held-out voice families, Festival and Flite, are Debian packages: installed
# here when this is a Debian-like machine and we are root; otherwise the pipeline skips
# them with a log line (and its held-out-engine metric is missing), and this says so.
# GnuSpeech, a training family, is an npm package installed into the virtual environment
# (trigger_word runs it with Node.js); skipped likewise where npm is missing.
VOICE_PACKAGES := flite festival festvox-kallpc16k festvox-kdlpc16k
NPM_VOICES     := @echogarden/gnuspeech-wasm@0.3.0

voices:
	@if command -v flite >/dev/null && command -v festival >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing the speech engines $(VOICE_PACKAGES) (apt-get)"; \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	      $(VOICE_PACKAGES) >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	      $(VOICE_PACKAGES) >/dev/null 2>&1; }; } || \
	  echo "make voices: apt-get could not install $(VOICE_PACKAGES); trigger_word skips them"; \
	else echo "make voices: to hear Festival and Flite voices, run as root: apt-get install \
	$(VOICE_PACKAGES) (trigger_word skips them until then)"; fi
	@if [ -f $(VENV)/node_modules/@echogarden/gnuspeech-wasm/package.json ]; then :; \
	elif command -v npm >/dev/null; then \
	  echo "Installing the speech engine $(NPM_VOICES) (npm, into $(VENV))"; \
	  npm install --prefix $(VENV) --no-save --no-package-lock --no-audit --no-fund \
	    $(NPM_VOICES) >/dev/null 2>&1 || \
	  echo "make voices: npm could not install $(NPM_VOICES); trigger_word skips GnuSpeech"; \
	else echo "make voices: to hear GnuSpeech voices, install Node.js and npm \
	(trigger_word skips them until then)"; fi

# `make run` runs what a plain `kedro run` runs (every pipeline but the on-demand ones) in
# two kedro runs: trigger_word and its detection on JAX (their base sizes are chosen for
# JAX's ~2× faster GRU training on CPU), all the others on TensorFlow. A test keeps these
# two lists equal to the registry's __default__.
JAX_PIPELINES := trigger_word,trigger_word_detect
TF_PIPELINES  := day_night,day_night_predict,faces,faces_verify,faces_identify
TF_PIPELINES  := $(TF_PIPELINES),image_classification,localization,detection
TF_PIPELINES  := $(TF_PIPELINES),detection_predict,segmentation,segmentation_predict
TF_PIPELINES  := $(TF_PIPELINES),style_transfer

run: $(VENV)/.installed-jax voices
	$(BIN)/kedro run --pipelines $(TF_PIPELINES)
	KERAS_BACKEND=jax $(BIN)/kedro run --pipelines $(JAX_PIPELINES)
	$(MAKE) shipping

# Exports of the two registered models for a server and for devices, parity-checked and
# timed (docs/shipping.md); each needs its training run first.
SHIPPED_MODELS := day_night trigger_word

shipping: install
	for model in $(SHIPPED_MODELS); do \
	  KERAS_BACKEND=tensorflow $(BIN)/kedro run --pipelines shipping --params model=$$model || exit 1; \
	done

# Also the jax extra (the data-parallel tests train on two fake JAX CPU devices) and
# Airflow in .venv-airflow (tests/airflow runs day_night's DAG with `airflow dags test`).
test: $(VENV)/.installed-jax airflow-venv voices lint
	DL_PIPELINES_REQUIRE_AIRFLOW=1 $(BIN)/python -m pytest

# ruff's rules and formatter as pyproject.toml's [tool.ruff] sets them; part of `make test`
# (and CI). `make format` rewrites what `ruff format --check` would reject.
lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

format: install
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

# ruff (check + format) on the staged files before every commit (.pre-commit-config.yaml)
hooks: install
	$(BIN)/pre-commit install

# Every training application on the GPUs of a Linux machine with an NVIDIA driver: the
# `gpu` extra (JAX with its CUDA 12 wheels) and conf/gpu's sizes (README § GPUs).
gpu: $(STAMP) voices
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[gpu]"
	KERAS_BACKEND=jax $(BIN)/kedro run --env gpu

# trigger_word on the JAX backend (about 2× faster GRU training on CPU than TensorFlow:
# docs/trigger_word.md § Backends); the base settings are sized for it.
$(VENV)/.installed-jax: $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[jax]"
	touch $@

trigger-word: $(VENV)/.installed-jax voices
	KERAS_BACKEND=jax $(BIN)/kedro run --pipelines trigger_word

viz: install
	$(BIN)/kedro viz run --no-browser --host 127.0.0.1 --port 4141

viz-build: install
	$(BIN)/kedro viz build

mlflow-ui: install
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000

# A team tracking server: PostgreSQL + mlflow server on http://127.0.0.1:5000
# (docs/team_tracking.md); its data lives in .team_tracking/.
team-tracking-start: install
	$(BIN)/python -m dl_pipelines.tracking.team start

team-tracking-stop: install
	$(BIN)/python -m dl_pipelines.tracking.team stop

test-team-tracking: install
	$(BIN)/python -m pytest tests/tracking/test_team.py

# Benchmarks (README § Benchmarks): each prints a ratio against a baseline measured in the
# same process. Options of a script: make <target> BENCHMARK_ARGS="--repeats 1".
BENCHMARK_ARGS ?=

benchmark: install
	$(BIN)/python benchmarks/input_pipeline.py $(BENCHMARK_ARGS)

benchmark-trigger-word: install
	$(BIN)/python benchmarks/trigger_word_mixing.py $(BENCHMARK_ARGS)

benchmark-faces: install
	$(BIN)/python benchmarks/faces_triplet_mining.py $(BENCHMARK_ARGS)

benchmark-style-transfer: install
	$(BIN)/python benchmarks/style_transfer_speed.py $(BENCHMARK_ARGS)

benchmark-detection: install
	$(BIN)/python benchmarks/detection_sliding_windows.py $(BENCHMARK_ARGS)

benchmark-all: benchmark benchmark-trigger-word benchmark-faces benchmark-style-transfer \
               benchmark-detection

clean:
	rm -rf $(VENV) mlruns mlflow.db build

# Fashion-MNIST for `kedro run --pipelines image_classification --params
# image_classification.dataset=fashion_mnist`: copies the IDX files that Debian's
# `dataset-fashion-mnist` package installs (apt-get install dataset-fashion-mnist).
FASHION_MNIST_SRC ?= /usr/share/datasets/fashion-mnist
.PHONY: fashion-mnist
fashion-mnist:
	@test -d $(FASHION_MNIST_SRC) || { echo "$(FASHION_MNIST_SRC) not found: apt-get install dataset-fashion-mnist, or set FASHION_MNIST_SRC=<folder with the four IDX .gz files>"; exit 1; }
	mkdir -p data/01_raw/fashion_mnist
	cp $(FASHION_MNIST_SRC)/train-images-idx3-ubyte.gz $(FASHION_MNIST_SRC)/train-labels-idx1-ubyte.gz \
	   $(FASHION_MNIST_SRC)/t10k-images-idx3-ubyte.gz $(FASHION_MNIST_SRC)/t10k-labels-idx1-ubyte.gz \
	   data/01_raw/fashion_mnist/

# Apache Airflow (docs/airflow.md). Airflow 3 lives in its own virtual environment,
# .venv-airflow, pinned by requirements-airflow.lock (its pins conflict with the project's);
# kedro-airflow, which writes the DAGs, is the project's `airflow` extra. `make airflow-dags`
# writes one DAG per training application into airflow_dags/ (AIRFLOW_DAGS=…): its tasks
# run this project's .venv/bin/python in this folder. Generating loads the Kedro context,
# whose kedro-mlflow hook opens a tracking store: a throwaway SQLite file, not the server.
AIRFLOW_VENV         ?= .venv-airflow
AIRFLOW_DAGS         ?= airflow_dags
AIRFLOW_APPLICATIONS ?= day_night,faces,image_classification,localization,detection,segmentation
AIRFLOW_APPLICATIONS := $(AIRFLOW_APPLICATIONS),style_transfer,trigger_word

airflow-venv: $(AIRFLOW_VENV)/.installed $(VENV)/.installed-airflow

$(AIRFLOW_VENV)/.installed: requirements-airflow.lock
	test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet -c requirements-airflow.lock "apache-airflow>=3.3,<4"
	touch $@

$(VENV)/.installed-airflow: $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[airflow]"
	touch $@

airflow-dags: $(VENV)/.installed-airflow
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	MLFLOW_TRACKING_URI=sqlite:///$$tmp/mlflow.db $(BIN)/kedro airflow create --env airflow \
	  --pipelines $(AIRFLOW_APPLICATIONS) --jinja-file conf/airflow/dag_template.j2 \
	  --target-dir $(AIRFLOW_DAGS) --params project_path=$(CURDIR),python=$(abspath $(BIN))/python

# Airflow itself runs day_night's DAG (`airflow dags test`, --env test sizes): tests/airflow/
test-airflow: install airflow-venv
	$(BIN)/python -m pytest tests/airflow
