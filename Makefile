# Each target bootstraps its own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BENCH := .venv-bench

.PHONY: run test bench smoke probe lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# --warm-up compiles the numba kernels into their on-disk cache once, at install,
# so the first launch does not pay the ~5 s compile.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/neurolab --warm-up
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/neurolab --warm-up
	touch $@ $(VENV)/.run-installed

# neurolab itself prints the hint for missing display libraries (see README).
run: $(VENV)/.run-installed
	$(BIN)/neurolab

test: $(VENV)/.test-installed
	$(BIN)/ruff check neurolab tests benchmarks
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

smoke: $(VENV)/.run-installed
	QT_QPA_PLATFORM=offscreen $(BIN)/neurolab --smoke-test

# GUI responsiveness probe: event-loop stalls and redraw rate during a live run.
probe: $(VENV)/.run-installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/probe_gui.py

# Peers (Brian2, PyTorch, scikit-learn, micrograd) live in their own venv: Brian2 needs
# numpy < 2.4. PyPI's torch for Linux brings its CUDA libraries: ~6 GB on first install.
$(BENCH)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH)/bin/python -m pip install --quiet -e '.[bench]' 'numpy<2.4'
	$(BENCH)/bin/neurolab --warm-up
	touch $@

bench: $(BENCH)/.installed
	$(BENCH)/bin/python benchmarks/bench_hh.py
	$(BENCH)/bin/python benchmarks/bench_w3.py
	$(BENCH)/bin/python benchmarks/bench_w4.py
	$(BENCH)/bin/python benchmarks/bench_autodiff.py
	$(BENCH)/bin/python benchmarks/bench_kernels.py
	QT_QPA_PLATFORM=offscreen $(BENCH)/bin/python benchmarks/probe_gui.py

lint: $(VENV)/.test-installed
	$(BIN)/ruff check neurolab tests benchmarks
	$(BIN)/ruff format --check neurolab tests benchmarks

clean:
	rm -rf $(VENV) $(BENCH) build dist *.egg-info

# Downloads for users (packaging/README.md): the PyInstaller bundle from a clean venv
# pinned by packaging/constraints.txt, then what this OS can build: on Linux the .tar.xz,
# the .deb and the NSIS installer around a stand-in payload (the real one is built on
# Windows). Output in dist/; takes ~10 min (most of it xz -9).
.PHONY: package package-test
package:
	sh packaging/linux/build-deps.sh
	$(PYTHON) packaging/build.py

# Builds all of the above with the fastest compression and checks it (tests/packaging):
# minutes, so `make test` skips these tests.
package-test: $(VENV)/.test-installed
	sh packaging/linux/build-deps.sh
	NEUROLAB_PACKAGE_TESTS=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/packaging -v $(PYTEST_ARGS)
