# MLPs from scratch: two commands for learners (make book, make test), the rest for authors.
# Every target creates .venv and installs requirements.txt first if needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.installed-browser
OTTER_STAMP := $(VENV)/.installed-otter
COURSEWORK_TESTS = tests/test_assign.py tests/test_book_student.py
HAVE_CHROMIUM = command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || [ -n "$${CHROMIUM:-}" ]
export PATH := $(abspath $(BIN)):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# One BLAS thread: the course's matrices are small, and on a busy 2-core machine multi-threaded
# OpenBLAS made training up to 10x slower. Results are the same.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
SHELL  := /bin/bash
.SHELLFLAGS := -euo pipefail -c

NOTEBOOKS = $(sort $(wildcard chapters/*.ipynb))
# Chapter 11 needs the optional PyTorch extra (pip install -r requirements-torch.txt).
TORCH_NOTEBOOKS = chapters/11_pytorch.ipynb
HAVE_TORCH = $(BIN)/python -c "import torch" 2>/dev/null
# nbval compares numbers to their printed precision plus 0.1 % (chapters/conftest.py explains why).
NBVAL     = -p no:cacheprovider --nbval --nbval-sanitize-with .ci/nbval_sanitize.cfg --nbval-cell-timeout=300
# `make nbval NB=chapters/05_regression.ipynb` checks one notebook; default: every chapter.
NB ?= chapters
# Other arithmetic for `make nbval-variants` (x86-64 names): NumPy's SIMD dispatch lowered to
# AVX2 (X86_V3, the most common laptop CPU today) and then to the x86-64-v2 baseline (SSE4.2),
# each with other OpenBLAS kernels (AVX-512 where the CPU has it, else Haswell; then the SSE-only
# Nehalem kernels) and PyTorch's matching kernels. On CI's AVX-512 machine, where OpenBLAS picks
# its Haswell kernels, `make nbval` plus this cover three NumPy code paths and three BLAS kernels.
OPENBLAS_KERNEL_1 = $(if $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo yes),SkylakeX,Haswell)
NBVAL_VARIANT_1 = NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" OPENBLAS_CORETYPE=$(OPENBLAS_KERNEL_1) ATEN_CPU_CAPABILITY=avx2
NBVAL_VARIANT_2 = NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR" OPENBLAS_CORETYPE=Nehalem ATEN_CPU_CAPABILITY=default

.PHONY: help install book book-strict test unit nbval nbval-variants browser pdf lab notebooks bench student assign book-student grade coursework-test clean

help:
	@echo "make book       build the website into _build/html (sets up .venv first)"
	@echo "make test       unit tests + nbval on every notebook + strict book build + browser test"
	@echo "make nbval-variants  nbval again under other arithmetic (lowered NumPy SIMD, another OpenBLAS kernel)"
	@echo "make browser    strict build, then every page checked in headless Chromium (screenshots in test-artifacts/)"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make notebooks  re-execute every chapter in a fresh kernel and store the outputs"
	@echo "make bench      time the digits network: mlp_utils vs NumPy, matmul limit, PyTorch, scikit-learn"
	@echo "make assign     per chapter: the student notebook and an otter autograder zip (HIDDEN=dir of hidden checks)"
	@echo "make grade CHAPTER=NN_name SUBMISSIONS=file-or-folder   otter run in a sandbox -> gradebook CSV + feedback"
	@echo "make book-student  the website from the student edition (no solutions) into _build/student-html"
	@echo "make student    the student notebooks into student/"
	@echo "make coursework-test  the end-to-end coursework tests (otter; CI runs them)"
	@echo "make pdf        the whole book as one PDF, _build/latex/book.pdf (needs TeX Live: see README), then its checks"
	@echo "make clean      remove _build (keeps .venv)"

$(STAMP): requirements.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo "Open _build/html/index.html in a browser."

book-strict: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going

unit: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests --ignore=tests/browser $(addprefix --ignore=,$(COURSEWORK_TESTS))

nbval: $(STAMP)
	if $(HAVE_TORCH); then skip=""; else \
	  echo "PyTorch not installed: skipping $(TORCH_NOTEBOOKS) (pip install -r requirements-torch.txt)"; \
	  skip="$(addprefix --ignore=,$(TORCH_NOTEBOOKS))"; fi; \
	$(BIN)/python -m pytest $(NBVAL) $$skip $(NB)

# The same stored outputs must pass under other arithmetic (CI runs this after make test).
nbval-variants: $(STAMP)
	@echo 'nbval under $(NBVAL_VARIANT_1)'
	$(NBVAL_VARIANT_1) $(BIN)/python -c "import numpy; numpy.show_runtime()" 2>/dev/null | grep -A2 "'found'" || true
	$(NBVAL_VARIANT_1) $(MAKE) --no-print-directory nbval NB="$(NB)"
	@echo 'nbval under $(NBVAL_VARIANT_2)'
	$(NBVAL_VARIANT_2) $(BIN)/python -c "import numpy; numpy.show_runtime()" 2>/dev/null | grep -A2 "'found'" || true
	$(NBVAL_VARIANT_2) $(MAKE) --no-print-directory nbval NB="$(NB)"

# The browser test needs Chromium and Playwright: Playwright is installed only where a Chromium
# exists (or under CI=true, where a missing browser fails the test instead of skipping it).
browser: book-strict
	if [ "$${CI:-}" = true ] || $(HAVE_CHROMIUM); then \
	  [ $(BROWSER_STAMP) -nt requirements-browser.txt ] || { $(BIN)/python -m pip install --quiet -r requirements-browser.txt && touch $(BROWSER_STAMP); }; fi
	BOOK_HTML_DIR=_build/html $(BIN)/python -m pytest -p no:cacheprovider tests/browser --ignore=tests/browser/test_pdf.py

test: unit nbval book-strict browser

# JupyterLab refuses to start as root (containers, dev-containers, cloud VMs) unless told; with no
# screen (no DISPLAY on Linux) it cannot open a browser, so it only prints the URL to open.
# LAB_ARGS adds options, e.g. make lab LAB_ARGS="--port=8890".
LAB_ROOT    = $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
LAB_BROWSER = $(if $(and $(filter Linux,$(shell uname -s 2>/dev/null)),$(if $(DISPLAY)$(WAYLAND_DISPLAY),,none)),--no-browser)
lab: $(STAMP)
	$(BIN)/python -m pip show jupyterlab >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet jupyterlab==4.6.6
	$(if $(LAB_BROWSER),@echo "No screen here: open the URL printed below (http://127.0.0.1:...) in a browser.")
	exec $(BIN)/jupyter lab $(LAB_ROOT) $(LAB_BROWSER) $(LAB_ARGS) chapters

notebooks: $(STAMP)
	for nb in $(NOTEBOOKS); do \
	  if [[ " $(TORCH_NOTEBOOKS) " == *" $$nb "* ]] && ! $(HAVE_TORCH); then \
	    echo "PyTorch not installed: not executing $$nb"; continue; fi; \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter execute --inplace --timeout=600 "$$nb"; \
	done

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_train.py

# Coursework (instructor extras): otter-grader and its pins (requirements-otter.txt), installed
# on first use into .venv. Not part of `make test` (a learner needs none of it); CI runs
# `make coursework-test`.
$(OTTER_STAMP): requirements-otter.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-otter.txt
	touch $@

student: $(OTTER_STAMP)
	$(BIN)/python -m coursework.assign --no-run-tests --out _build/student-assign --student-dir student

assign: $(OTTER_STAMP)
	$(BIN)/python -m coursework.assign $(if $(HIDDEN),--hidden "$(HIDDEN)") $(if $(OUT),--out "$(OUT)")

book-student: $(OTTER_STAMP)
	$(BIN)/python -m coursework.book_student

grade: $(OTTER_STAMP)
	@$(BIN)/python -m coursework.grade "$(SUBMISSIONS)" --assignment "$(CHAPTER)" $(if $(ASSIGN_DIR),--assign-dir "$(ASSIGN_DIR)") $(if $(OUT),--out "$(OUT)") $(if $(BUDGET),--budget "$(BUDGET)") $(if $(JOBS),--jobs "$(JOBS)")

# otter assign, otter run in the sandbox, the gradebook and the student site, end to end
# (COURSEWORK_ALL_CHAPTERS=1: every chapter and every attack, about 10 minutes).
coursework-test: $(OTTER_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider $(COURSEWORK_TESTS)

# The whole book as one PDF, _build/latex/book.pdf: Jupyter Book's LaTeX builder with xelatex (CJK
# font for the glossary). Needs TeX Live from Debian (.ci/run installs it): texlive-xetex
# texlive-latex-extra texlive-fonts-recommended texlive-lang-cjk texlive-lang-chinese latexmk
# fonts-noto-cjk fonts-dejavu-core fonts-dejavu-extra poppler-utils. tests/browser/test_pdf.py checks it.
pdf: $(STAMP)
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	if grep -n "Missing character" _build/latex/book.log; then echo "glyphs missing in the PDF (see above)"; exit 1; fi
	@echo "PDF: _build/latex/book.pdf, $$(pdfinfo _build/latex/book.pdf | awk '/^Pages:/ {print $$2}') pages"
	BOOK_PDF=_build/latex/book.pdf $(BIN)/python -m pytest -p no:cacheprovider tests/browser/test_pdf.py

clean:
	rm -rf _build
