"""The book as every reader gets it: screen readers, phones, offline search, and the PDF.

Loaded by _config.yml (sphinx.local_extensions). What it does, and where:

Doctree (every builder)
* Alt text: an image inside a figure with a caption ({glue:figure}, {figure}) gets the caption as
  its alt text when it has none (docutils would otherwise write the file path). An image without a
  caption (a plain cell output) gets "Figure output in section "...": <first sentence after it>";
  such images carry ``data-alt-source="context"`` in the HTML, and the browser test lists them so
  authors can give them a caption. Math in captions is read out as text (\\sigma -> σ).

HTML (post-processing the written pages at build-finished, so every page is covered: chapters,
glossary, search, index, the theme's sidebar)
* ``lang="ko"`` on every run of Hangul that is not already inside an element marked Korean
  (explicit ``<span lang="ko">`` in the sources stays as it is; nothing is wrapped twice).
* Figures open full-size on tap: images in figures and cell outputs are wrapped in a link to the
  image file (the accessible name of that link is the image's alt text).
* Accessible names: myst-nb's "Show code cell source" summaries keep their visible text as name
  (not "Toggle hidden content"); the bibliography's list items get role="listitem"
  (axe: aria-required-children); the solution toggles are named by _static/course_reader.js.
* Search snippets: _static/course_search_pages.js holds each page's text with math read out and
  without headers, toolbars or code-cell chrome; _ext/static/course_search.js (search.html only)
  answers the snippet requests of Sphinx's search from it, so search works the same over http and
  from a folder (file://).

LaTeX (jupyter-book build . --builder pdflatex; see `make pdf`)
* Chapter and exercise numbers as on the website: pages outside the numbered parts (notation,
  glossary, references, instructor guide) are unnumbered chapters, so "Backpropagation" is
  chapter 4 in the PDF too; exercises are numbered "4.1", not "4.10.1".
* Links to exercises ({ref}`ex-...`, e.g. the instructor guide's table) resolve in the PDF.
* Tables wrap their text (column widths from their contents) instead of running into the margin.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import unicodedata
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx


# ----------------------------------------------------------------------------- TeX read out as text

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "nabla": "∇", "partial": "∂", "odot": "⊙", "otimes": "⊗", "cdot": "·", "times": "×",
    "top": "ᵀ", "intercal": "ᵀ", "sum": "Σ", "prod": "Π", "approx": "≈", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "infty": "∞", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "mapsto": "↦", "in": "∈", "ell": "ℓ", "pm": "±", "mid": "|", "ldots": "…",
    "dots": "…", "cdots": "…", "prime": "′", "propto": "∝", "sim": "∼", "lVert": "‖", "rVert": "‖",
    "Vert": "‖", "lvert": "|", "rvert": "|", "langle": "⟨", "rangle": "⟩", "circ": "∘",
    "log": "log", "ln": "ln", "exp": "exp", "max": "max", "min": "min", "tanh": "tanh",
    "arg": "arg", "argmax": "argmax", "argmin": "argmin", "lim": "lim", "quad": " ", "qquad": " ",
}
# binary operators, relations and big operators read with a space on each side
_SPACED = {"sum", "prod", "approx", "le", "leq", "ge", "geq", "ne", "neq", "to", "rightarrow", "leftarrow",
           "mapsto", "in", "times", "cdot", "odot", "otimes", "pm", "propto", "sim", "mid"}
_SPACING = re.compile(r"\\[,;:! ]")
_DROP = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|displaystyle|textstyle|"
                   r"limits|nolimits|tag\*?\{[^{}]*\}|label\{[^{}]*\}|nonumber|notag)(?![a-zA-Z])")
_STYLED = re.compile(r"\\(?:mathbf|mathrm|mathit|mathsf|mathtt|boldsymbol|bm|text|textbf|textit|"
                     r"operatorname\*?|mbox|mathcal|mathbb)\s*\{([^{}]*)\}")
_ACCENT = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304", "vec": "\u20d7", "dot": "\u0307"}


def tex_to_text(tex: str) -> str:
    """Read a TeX formula as plain text for alt text and search snippets: ``\\sigma'(z)`` -> ``σ′(z)``."""
    s = tex.strip()
    for delim in (r"\(", r"\)", r"\[", r"\]", "$$", "$"):
        s = s.replace(delim, " ")
    s = re.sub(r"\\begin\{[^{}]*\}|\\end\{[^{}]*\}", " ", s)
    s = _SPACING.sub(" ", s)
    s = _DROP.sub("", s)
    for _ in range(4):  # nested groups, innermost first
        s = _STYLED.sub(r"\1", s)
        s = re.sub(r"\\d?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}",
                   lambda m: f"{_group(m.group(1))}/{_group(m.group(2))}", s)
        s = re.sub(r"\\sqrt\s*\{([^{}]*)\}", lambda m: f"√{_group(m.group(1))}", s)
        s = re.sub(r"\\(hat|tilde|bar|vec|dot)\s*\{([^{}]*)\}",
                   lambda m: m.group(2) + _ACCENT[m.group(1)] if len(m.group(2)) == 1 else m.group(2), s)
        s = re.sub(r"\\(?:underbrace|overbrace)\s*\{([^{}]*)\}", r"\1", s)
        s = re.sub(r"([_^])\s*\{([^{}]*)\}", lambda m: m.group(1) + _group(m.group(2)), s)
    s = re.sub(r"\\(hat|tilde|bar|vec|dot)\s*([a-zA-Z])", lambda m: m.group(2) + _ACCENT[m.group(1)], s)
    s = re.sub(r"\\([a-zA-Z]+)", lambda m: (f" {_SYMBOLS[m.group(1)]} " if m.group(1) in _SPACED
                                           else _SYMBOLS.get(m.group(1), m.group(1))), s)
    s = s.replace("\\\\", "; ").replace("&", " ").replace("{", "").replace("}", "").replace("\\", "")
    s = re.sub(r"\s+([_^])", r"\1", s.replace("^ᵀ", "ᵀ").replace("'", "′"))  # Σ _i -> Σ_i
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", s).strip())


def _group(text: str) -> str:
    text = text.strip()
    return text if re.fullmatch(r"[\w′'.]+|\([^()]*\)", text) else f"({text})"


def readable_text(node: nodes.Node) -> str:
    """The text of a node with its math read out (tex_to_text) and runs of white space collapsed."""
    parts = []
    for child in node.findall(lambda n: isinstance(n, (nodes.Text, nodes.math))):
        if isinstance(child, nodes.math):
            parts.append(tex_to_text(child.astext()))
        elif not any(isinstance(parent, nodes.math) for parent in _parents(child)):
            parts.append(child.astext())
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _parents(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


# ----------------------------------------------------------------------------- alt text (doctree)

_PATH_LIKE = re.compile(r"^(?:[\w.\-]*/)*[\w.\-]+\.(?:png|jpe?g|svg|gif|webp|pdf)$", re.IGNORECASE)


def needs_alt(alt: str | None, uri: str = "") -> bool:
    """True when an image has no real alt text: none, empty, its own file name, or any file path."""
    alt = (alt or "").strip()
    return not alt or alt == uri or bool(_PATH_LIKE.match(alt))


def _first_sentence(text: str, limit: int = 200) -> str:
    match = re.match(r"(.+?[.!?:])(?:\s|$)", text)
    sentence = (match.group(1) if match else text).strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _context_alt(image: nodes.image) -> str:
    """Alt text for an image without a caption: its section's title and the sentence that follows."""
    section = next((p for p in _parents(image) if isinstance(p, nodes.section)), None)
    title = readable_text(section[0]) if section is not None and len(section) else ""
    following = ""
    cell = next((p for p in _parents(image) if isinstance(p, nodes.container)
                 and "cell" in p.get("classes", [])), None)
    anchor = cell if cell is not None else image
    for sibling in anchor.findall(nodes.paragraph, include_self=False, descend=False, siblings=True):
        following = readable_text(sibling)
        if following:
            break
    where = f"Figure in the section “{title}”" if title else "Figure"
    return f"{where}. {_first_sentence(following)}" if following else where + "."


def set_alt_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for image in doctree.findall(nodes.image):
        if not needs_alt(image.get("alt"), image.get("uri", "")):
            continue
        figure = image.parent if isinstance(image.parent, nodes.figure) else None
        if figure is None and isinstance(image.parent, nodes.reference) and isinstance(image.parent.parent, nodes.figure):
            figure = image.parent.parent
        caption = next(iter(figure.findall(nodes.caption)), None) if figure is not None else None
        text = readable_text(caption) if caption is not None else ""
        if text:
            image["alt"] = text
        else:
            image["alt"] = _context_alt(image)
            image["classes"].append("alt-from-context")


# ----------------------------------------------------------------------------- HTML post-processing

HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
HANGUL_RUN = re.compile(rf"[{HANGUL}]+(?:[ \u00a0·,()~\-]+[{HANGUL}]+)*")
_TAG = re.compile(r"""<!--.*?-->|<(script|style|textarea|title)\b[^>]*>.*?</\1\s*>|<![^>]*>|"""
                  r"""</?[a-zA-Z][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""", re.DOTALL | re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _attrs(tag: str) -> dict[str, str]:
    inner = re.sub(r"^</?[a-zA-Z][\w:-]*", "", tag).rstrip(">").rstrip("/")
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(inner)}


def postprocess_html(text: str) -> str:
    """Korean runs get lang="ko"; images in figures and cell outputs link to their full-size file."""
    out: list[str] = []
    stack: list[tuple[str, str, str]] = []  # (tag, lang, classes)
    pos = 0
    pending_close_link = None  # the tag name whose end closes a full-size link (img is void: at once)
    for match in _TAG.finditer(text):
        data = text[pos:match.start()]
        if data:
            lang = stack[-1][1] if stack else ""
            out.append(data if lang.lower().startswith("ko") or not re.search(f"[{HANGUL}]", data)
                       else HANGUL_RUN.sub(lambda m: f'<span lang="ko">{m.group(0)}</span>', data))
        tag = match.group(0)
        pos = match.end()
        if tag.startswith("<!") or match.group(1):
            out.append(tag)
            continue
        name = re.match(r"</?([a-zA-Z][\w:-]*)", tag).group(1).lower()
        if tag.startswith("</"):
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    del stack[depth:]
                    break
            out.append(tag)
            continue
        attrs = _attrs(tag)
        if name == "img":
            in_link = any(t == "a" for t, _, _ in stack)
            in_figure = any(t == "figure" or "cell_output" in c.split() or "output" in c.split()
                            for t, _, c in stack)
            src = attrs.get("src", "")
            if in_figure and not in_link and src and not src.startswith("data:"):
                out.append(f'<a class="reference internal image-reference course-fullsize" href="{html.escape(src)}" '
                           f'title="Open the full-size image">{tag}</a>')
                continue
        out.append(tag)
        if name not in VOID and not tag.endswith("/>"):
            lang = attrs.get("lang", stack[-1][1] if stack else "")
            stack.append((name, lang, attrs.get("class", "")))
    data = text[pos:]
    if data:
        out.append(data)
    result = "".join(out)
    # myst-nb names every "Show code cell source" summary "Toggle hidden content": let the visible
    # text be the accessible name (WCAG 2.5.3, label in name).
    result = result.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    # the bibliography: items of a list are list items (doc-biblioentry is deprecated in ARIA 1.2)
    result = result.replace('role="doc-biblioentry"', 'role="listitem"')
    return result


# ----------------------------------------------------------------------------- search snippets

_SNIPPET_DROP = re.compile(
    r"""<(script|style|nav|header|footer|button|form|svg|summary)\b.*?</\1\s*>|"""
    r"""<a class="headerlink".*?</a>|<span class="eqno">.*?</span>|<span class="caption-number">.*?</span>""",
    re.DOTALL | re.IGNORECASE)
_MATH_HTML = re.compile(r"""<(span|div) class="math[^"]*"[^>]*>(.*?)</\1>""", re.DOTALL)


def page_snippet_html(page_html: str) -> str | None:
    """The article of a built page, reduced to its sections (with their ids) and readable text."""
    start = page_html.find('<article class="bd-article"')
    if start < 0:
        return None
    end = page_html.find("</article>", start)
    article = page_html[start:end]
    # drop cell chrome, toolbars, the sidebar "Contents", and code-cell prompts
    article = re.sub(r'<div class="(?:prev-next-area|bd-header-article|toctree-wrapper)[^"]*".*?</div>\s*</div>',
                     " ", article, flags=re.DOTALL)
    article = _SNIPPET_DROP.sub(" ", article)
    # a glossary term's result shows the term with its definition (its id is on the <dt>)
    article = re.sub(r'<dt([^>]*) id="([^"]+)"([^>]*)>(.*?)</dt>((?:\s*<dt.*?</dt>)*\s*<dd>.*?</dd>)',
                     r'<section id="\2"><dt\1\3>\4</dt>\5</section>', article, flags=re.DOTALL)
    article = _MATH_HTML.sub(lambda m: " " + html.escape(tex_to_text(html.unescape(m.group(2)))) + " ", article)
    pieces: list[str] = []
    for token in re.finditer(r"<(/?)(section|h[1-6]|p|li|dt|dd|pre|td|th|figcaption)\b([^>]*)>|<[^>]+>|([^<]+)",
                             article):
        closing, tag, attrs, data = token.group(1), token.group(2), token.group(3), token.group(4)
        if data is not None:
            pieces.append(data)
        elif tag == "section":
            if closing:
                pieces.append("</section>")
            else:
                ident = re.search(r'id="([^"]+)"', attrs or "")
                pieces.append(f'<section id="{ident.group(1)}">' if ident else "<section>")
        elif tag:
            pieces.append(" ")
    body = re.sub(r"[ \t\r\n\u00a0]+", " ", "".join(pieces))
    return f'<div role="main">{body}</div>'


def write_search_pages(app: Sphinx) -> None:
    outdir = Path(app.outdir)
    pages = {}
    for docname in sorted(app.env.found_docs):
        path = outdir / (docname + app.builder.out_suffix)
        if path.is_file():
            snippet = page_snippet_html(path.read_text(encoding="utf-8"))
            if snippet:
                pages[docname + app.builder.out_suffix] = snippet
    static = outdir / "_static"
    static.mkdir(exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("static") / "course_search.js", static / "course_search.js")
    (static / "course_search_pages.js").write_text(
        "// Generated by _ext/course_reader.py: the text of every page, for search snippets (offline too).\n"
        f"window.COURSE_SEARCH_PAGES = {json.dumps(pages, ensure_ascii=False, separators=(',', ':'))};\n",
        encoding="utf-8")


SEARCH_SCRIPTS = ('<script src="_static/course_search_pages.js"></script>\n'
                  '<script src="_static/course_search.js"></script>\n')


def add_search_scripts(page_html: str) -> str:
    """search.html loads the page texts and the fetch that answers from them, before searchtools.js."""
    marker = '<script src="_static/searchtools.js'
    if "course_search.js" in page_html or marker not in page_html:
        return page_html
    return page_html.replace(marker, SEARCH_SCRIPTS + marker, 1)


def finish_html(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for path in outdir.rglob("*.html"):
        if path.relative_to(outdir).parts[0] in {"_static", "_sources", "_images", "_downloads"}:
            continue
        before = path.read_text(encoding="utf-8")
        after = postprocess_html(before)
        if path == outdir / "search.html":
            after = add_search_scripts(after)
        if after != before:
            path.write_text(after, encoding="utf-8")
    write_search_pages(app)


# ----------------------------------------------------------------------------- LaTeX


def _latex_numbering(app: Sphinx) -> None:
    """Exercises numbered per chapter (4.1, as on the website), not per section (4.10.1).

    sphinx-jupyterbook-latex sets numfig_secnum_depth = 2 because the PDF has parts; Sphinx
    numbers figures and exercises with it when the pages are read. Set 1 for that (builder-inited
    runs before reading), and 2 again once the numbers exist (when the whole book's tree is
    resolved, just before the LaTeX writer starts: _latex_counters_per_chapter), because the
    LaTeX writer turns it into sphinx.sty's numfigreset: 2 with parts means "reset per chapter",
    so figures and equations read Fig. 4.1 and (4.6) in the PDF.
    """
    if app.builder.format == "latex":
        app.config.numfig_secnum_depth = 1


def _latex_counters_per_chapter(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format == "latex":
        app.config.numfig_secnum_depth = 2


def latex_chapter_numbers(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Unnumbered chapters in the PDF for the pages the website leaves unnumbered (notation, glossary...).

    The LaTeX builder resolves the whole book as one tree; each page starts with a start_of_file node.
    """
    if app.builder.format != "latex":
        return
    from sphinx import addnodes

    for start in doctree.findall(addnodes.start_of_file):
        numbered = bool(app.env.toc_secnumbers.get(start.get("docname")))
        start.insert(0, nodes.raw("", "\\setcounter{secnumdepth}{%d}\n" % (2 if numbered else -2),
                                  format="latex"))


def latex_table_widths(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Tables wrap their text in the PDF: column widths in proportion to their longest entry.

    Without given widths Sphinx sets long tables in 'l' columns, which never wrap (the instructor
    guide's list of exercises ran 11 cm into the margin).
    """
    if app.builder.format != "latex":
        return
    for table in doctree.findall(nodes.table):
        if "colwidths-given" in table["classes"]:
            continue
        for tgroup in table.findall(nodes.tgroup):
            colspecs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
            longest = [4] * len(colspecs)  # characters: the longest entry (at most 40) or word
            for row in tgroup.findall(nodes.row):
                for index, entry in enumerate(e for e in row.children if isinstance(e, nodes.entry)):
                    if index < len(longest):
                        text = entry.astext()
                        word = max((len(w) for w in text.split()), default=0)
                        longest[index] = max(longest[index], min(len(text), 40), word + 1)
            for colspec, width in zip(colspecs, longest):
                colspec["colwidth"] = width
        table["classes"].append("colwidths-given")


def _visit_exercise_with_label(original):
    def visit(self, node):
        label = node.attributes.get("label")
        entry = self.builder.env.sphinx_exercise_registry.get(label, {}) if label else {}
        docname = entry.get("docname")
        if docname:  # {ref}`ex-...` links point at "docname:label" (sphinx-exercise sets only exercise:label)
            self.body.append(r"\phantomsection\label{%s}" % self.idescape(f"{docname}:{label}") + "\n")
        original(self, node)  # last: it opens the admonition whose title argument follows
    return visit


def _register_latex_labels(app: Sphinx) -> None:
    try:
        from sphinx_exercise import nodes as ex_nodes
    except ImportError:  # pragma: no cover - sphinx-exercise is in requirements.txt
        return
    for node_class, visit, depart in (
            (ex_nodes.exercise_enumerable_node, ex_nodes.visit_exercise_enumerable_node,
             ex_nodes.depart_exercise_enumerable_node),
            (ex_nodes.exercise_node, ex_nodes.visit_exercise_node, ex_nodes.depart_exercise_node)):
        app.add_node(node_class, override=True, latex=(_visit_exercise_with_label(visit), depart))


# ----------------------------------------------------------------------------- setup


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", set_alt_text)
    app.connect("doctree-resolved", latex_chapter_numbers)
    app.connect("doctree-resolved", latex_table_widths)
    app.connect("builder-inited", _latex_numbering, priority=900)  # after sphinx-jupyterbook-latex
    app.connect("doctree-resolved", _latex_counters_per_chapter)
    app.connect("build-finished", finish_html)
    app.connect("builder-inited", _register_latex_labels)
    # jupyter-book adds every .js file of _static/ to every page anyway; this names it explicitly
    # (course_book.drop_duplicate_scripts keeps one). course_search.js is for search.html only, so
    # it lives in _ext/static/ and is copied at build-finished.
    app.add_js_file("course_reader.js")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
