"""The PDF of the whole book (`make pdf`: Jupyter Book's LaTeX builder, xelatex).

Checks _build/latex/book.pdf (or $BOOK_PDF): every chapter is in it, numbered as on the website
(Exercise 4.1, equation (4.6)), solutions are printed as solutions, the Korean glossary terms are in
the text with a CJK font embedded, and xelatex reported no missing glyph and no code line running
off the page. `make pdf` builds the PDF and then runs this file (`make browser` leaves it out); run
directly, it skips without a PDF, and under CI=true a missing PDF is a failure. Needs pdfinfo,
pdftotext and pdffonts (Debian: poppler-utils).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PDF = Path(os.environ.get("BOOK_PDF", "").strip() or ROOT / "_build" / "latex" / "book.pdf")
IN_CI = os.environ.get("CI", "").strip().lower() == "true"

if not PDF.is_file():
    if IN_CI:
        pytest.fail(f"CI=true but there is no PDF at {PDF}: run `make pdf` first", pytrace=False)
    pytest.skip(f"no PDF at {PDF} (build it with `make pdf`)", allow_module_level=True)
if not all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdffonts")):
    if IN_CI:
        pytest.fail("CI=true but poppler-utils (pdfinfo, pdftotext, pdffonts) is not installed", pytrace=False)
    pytest.skip("poppler-utils (pdfinfo, pdftotext, pdffonts) is not installed", allow_module_level=True)

# the pages of the website that must be in the PDF: their titles, as the toc lists them
TOC_TITLES = re.compile(r"^\s*- file: (\S+)", re.MULTILINE)


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout


@pytest.fixture(scope="module")
def text() -> str:
    return _run("pdftotext", "-enc", "UTF-8", str(PDF), "-")


@pytest.fixture(scope="module")
def log() -> str:
    path = PDF.with_suffix(".log")
    assert path.is_file(), f"no LaTeX log beside the PDF ({path})"
    return path.read_text(encoding="utf-8", errors="replace")


def _chapter_titles() -> list[str]:
    titles = []
    for doc in TOC_TITLES.findall((ROOT / "_toc.yml").read_text(encoding="utf-8")):
        if doc.startswith("chapters/"):
            source = ROOT / f"{doc}.ipynb"
            if source.is_file():
                import json
                cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
                first = "".join(cells[0]["source"]).strip().splitlines()[0]
                titles.append(first.lstrip("# ").strip())
    return titles


def test_pdf_has_the_whole_book(text):
    pages = int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(PDF)), re.MULTILINE).group(1))
    print(f"\n{PDF}: {pages} pages")
    titles = _chapter_titles()
    assert titles, "no chapter found in _toc.yml"
    flat = re.sub(r"\s+", " ", text)
    missing = [t for t in titles if t not in flat]
    assert not missing, f"chapters missing from the PDF: {missing}"
    assert pages >= 20 * len(titles) // 2, f"only {pages} pages for {len(titles)} chapters"
    for page in ("Notation", "Glossary", "References"):
        assert page in flat, f"{page} is not in the PDF"


def test_numbers_match_the_website(text):
    """Chapter 4 is Backpropagation in the PDF too: its first exercise is 4.1, equations are (4.n)."""
    flat = re.sub(r"\s+", " ", text)
    assert "Exercise 4.1" in flat, "no 'Exercise 4.1' in the PDF"
    assert not re.search(r"Exercise \d+\.\d+\.\d+", flat), "exercises numbered by section (4.10.1), not as on the website"
    assert re.search(r"\(4\.\d\)", flat), "no numbered equation (4.n) in the PDF"
    assert re.search(r"Fig\. 4\.\d", flat), "no numbered figure (Fig. 4.n) in the PDF"


def test_solutions_are_printed(text):
    flat = re.sub(r"\s+", " ", text)
    assert len(re.findall(r"Solution to Exercise \d+\.\d+", flat)) >= 10, "solutions are missing from the PDF"


def test_korean_terms_in_a_cjk_font(text):
    assert re.search(r"[\uac00-\ud7a3]{2,}", text), "no Korean text in the PDF"
    fonts = _run("pdffonts", str(PDF))
    assert "NotoSansCJK" in fonts.replace(" ", ""), f"no Noto Sans CJK font embedded:\n{fonts}"


def test_no_missing_glyph(log):
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", log)))
    assert not missing, f"glyphs missing from the PDF's fonts: {missing}"


def test_nothing_runs_far_off_the_page(log):
    """Code blocks wrap (verbatimforcewraps) and tables wrap their text; a long one-line equation or
    identifier may stick out a little (listed), but nothing by more than a quarter of the text width."""
    overfull = sorted(float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log))
    print(f"\noverfull lines (pt): {overfull[-10:]}")
    assert not [x for x in overfull if x > 110], f"lines running far off the page: {overfull[-5:]} pt"
