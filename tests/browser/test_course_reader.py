"""Unit tests of the book's HTML post-processing and TeX reading (_ext/course_reader.py); no browser."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="needs Sphinx (pip install -r requirements.txt)")
# _ext/ holds the book's Sphinx extensions, not a package: load the module from its file.
_SPEC = importlib.util.spec_from_file_location(
    "course_reader", Path(__file__).resolve().parents[2] / "_ext" / "course_reader.py")
course_reader = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(course_reader)


@pytest.mark.parametrize(("tex", "text"), [
    (r"\sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big)", "σ′(z) = σ(z) (1 - σ(z))"),
    (r"\nabla_{W^{(l)}}\mathcal{L}", "∇_(W^(l))L"),
    (r"\frac{1}{n}\sum_i \hat{y}_i", "1/n Σ_i ŷ_i"),
    (r"\(\delta^{(l)}\)", "δ^(l)"),
    (r"X^\top \delta", "Xᵀ δ"),
])
def test_tex_reads_as_text(tex, text):
    assert course_reader.tex_to_text(tex) == text


def test_korean_runs_get_lang_once():
    page = ('<html lang="en"><body><p>term (역전파 알고리즘), again <span lang="ko">순전파</span></p>'
            '<script>const s = "역전파";</script><title>역전파</title></body></html>')
    out = course_reader.postprocess_html(page)
    assert '(<span lang="ko">역전파 알고리즘</span>)' in out
    assert out.count('lang="ko"') == 2, out                 # the explicit span is not wrapped again
    assert 'const s = "역전파";' in out and "<title>역전파</title>" in out   # scripts and titles untouched


def test_figures_link_to_their_full_size_image():
    page = ('<figure><img alt="A plot" src="../_images/a.png" /></figure>'
            '<div class="cell_output"><a href="x"><img src="../_images/b.png"/></a></div>'
            '<p><img src="logo.svg" alt=""/></p>')
    out = course_reader.postprocess_html(page)
    assert '<a class="reference internal image-reference course-fullsize" href="../_images/a.png"' in out
    assert out.count("course-fullsize") == 1                # already in a link / not a figure: unchanged


@pytest.mark.parametrize(("alt", "needed"), [
    (None, True), ("", True), ("../_images/148aa7a0.png", True), ("fig.png", True),
    ("Loss curves of 100 seeds", False),
])
def test_alt_text_that_is_a_path_is_replaced(alt, needed):
    assert course_reader.needs_alt(alt, "../_images/148aa7a0.png") is needed


def test_search_snippet_has_no_tex_and_no_chrome():
    page = ('<article class="bd-article"><section id="s"><h1>Title<a class="headerlink" href="#s">#</a></h1>'
            '<p>The error <span class="math notranslate nohighlight">\\(\\delta^{(l)}\\)</span> flows back.</p>'
            '<div class="math notranslate nohighlight" id="eq"><span class="eqno">(4.1)</span>\\[a = b\\]</div>'
            '<button>Copy</button></section></article>')
    snippet = course_reader.page_snippet_html(page)
    assert snippet.startswith('<div role="main">') and '<section id="s">' in snippet
    assert "δ^(l)" in snippet and "\\(" not in snippet and "(4.1)" not in snippet
    assert "Copy" not in snippet and "#" not in snippet
