"""The built website, read in a real browser (headless Chromium driven by Playwright), fully offline.

Every HTML page of the book is served from localhost and opened once. Per page it checks: no console
errors, no failed requests, no request to any host but localhost (such requests are blocked, as in a
classroom without internet), math typeset by the bundled MathJax (no raw TeX left), every image
loaded, every internal link and anchor resolvable, and that exercise solutions stay collapsed until
clicked. A full-page screenshot of every page, and one of the first opened solution of each kind,
go to test-artifacts/screenshots/ (git-ignored). Two browsers share the pages to keep it fast.

Every reader (issue 15): each page is also laid out at 390 px (a phone) and checked there: nothing
wider than the screen, display equations that fit or scroll in their own box beside their number,
tables that scroll in their own box, inline code that wraps, figures that open full-size; every
image has alt text that is not a file path; Korean text is marked lang="ko"; every control shows
keyboard focus; solution toggles have names of their own; and axe-core (WCAG 2.1 A and AA, bundled
by the pip package axe-playwright-python, loaded from disk) finds no critical or serious violation
at either width. axe's results go to test-artifacts/axe/, the figure sizes to
test-artifacts/figures.json. Search snippets are checked over http and from the folder (file://).

Which site: BOOK_HTML_DIR=_build/html uses an existing build (as `make test` does after its strict
build); without it the book is built into a temporary folder first. Which browser: $CHROMIUM, else
chromium / chromium-browser / google-chrome on PATH. Playwright only drives it; it never downloads a
browser. Without a browser the tests are skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_RESULTS = ROOT / "test-artifacts" / "axe"
FIGURE_REPORT = ROOT / "test-artifacts" / "figures.json"
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The notebooks draw text of at least 11 pt at 100 dpi (about 15 px). Shown at less than 1/1.7 of
# its pixel width, a figure's smallest text falls below ~9 px (issue 15). course_reader.js keeps
# every figure at least 600 px wide (scrolling inside its box on a phone), so no figure may shrink more.
FIGURE_SHRINK_LIMIT = 1.7
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# TeX that must never reach the reader as text (code blocks excluded): MathJax renders all of it.
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|begin|end|mathbf|mathcal|operatorname|sum|prod|left|right"
    r"|partial|nabla|odot|hat|sqrt|cdot|sigma|delta|eta|top|leftarrow|textstyle|big)(?![a-zA-Z])"
)
MATHJAX_VERSION = "3.2.2"  # the copy bundled by sphinx-mathjax-offline
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}


# ----------------------------------------------------------------------------- environment


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM", "")]
    candidates += [shutil.which(name) or "" for name in
                   ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")]
    candidates += ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
                   "/Applications/Chromium.app/Contents/MacOS/Chromium"]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def _missing_requirement() -> str | None:
    if find_chromium() is None:
        return "no Chromium found (install it, e.g. `apt-get install chromium`, or set CHROMIUM=/path/to/chrome)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -r requirements-browser.txt)"
    if axe_script() is None:
        return "axe-core is not installed (pip install -r requirements-browser.txt: axe-playwright-python)"
    return None


@functools.lru_cache(maxsize=1)
def axe_script() -> str | None:
    """axe.min.js as shipped by the pinned pip package axe-playwright-python (never from a CDN)."""
    try:
        import axe_playwright_python
    except ImportError:
        return None
    path = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    return path.read_text(encoding="utf-8") if path.is_file() else None


# One line for the whole module: skipped on a learner's machine, a failure in CI (CI=true).
if (_MISSING := _missing_requirement()) is not None:
    if IN_CI:
        pytest.fail(f"CI=true but {_MISSING}", pytrace=False)
    pytest.skip(_MISSING, allow_module_level=True)


@pytest.fixture(scope="session")
def chromium() -> str:
    return find_chromium()


@pytest.fixture(scope="session")
def site(chromium, tmp_path_factory) -> Path:
    """The folder of the built HTML site: $BOOK_HTML_DIR, or a fresh build in a temporary folder."""
    given = os.environ.get("BOOK_HTML_DIR", "").strip()
    if given:
        path = Path(given)
        path = path if path.is_absolute() else (Path.cwd() / path)
        assert (path / "index.html").is_file(), f"BOOK_HTML_DIR={given}: no index.html there; build the book first"
        return path.resolve()
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jupyter_book) if jupyter_book.exists() else "jupyter-book",
           "build", str(ROOT), "--path-output", str(out), "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, f"book build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return out / "_build" / "html"


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".svg": "image/svg+xml", ".woff": "font/woff", ".woff2": "font/woff2",
                      ".ipynb": "application/x-ipynb+json", ".md": "text/markdown"}

    def log_message(self, format, *args):  # noqa: A002 - keep pytest output clean
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # the browser may drop a connection when a page is closed; that is not a site error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def server(site):
    httpd = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, name="book-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# ----------------------------------------------------------------------------- one visit per page


@dataclass
class PageReport:
    path: str                                   # e.g. "chapters/01_perceptron.html"
    status: int = 0
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    mathjax_version: str | None = None
    math_nodes: int = 0
    mjx_containers: int = 0
    untypeset_math: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    solutions: list[dict] = field(default_factory=list)
    korean: dict | None = None
    lang_missing: list[str] = field(default_factory=list)   # Korean text without lang="ko" around it
    alt: list[dict] = field(default_factory=list)            # every content image: alt text and its source
    toggles: list[dict] = field(default_factory=list)        # solution toggle buttons and their names
    focus: dict = field(default_factory=dict)                 # controls checked, and those without a focus ring
    axe: dict = field(default_factory=dict)                   # "desktop"/"phone" -> {violation id: (impact, count)}
    phone: dict = field(default_factory=dict)                 # the 390 px layout facts
    redirect: str | None = None                 # a page that only redirects (index.html -> intro.html)
    favicon: str | None = None
    screenshot: Path | None = None
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)  # seconds per step, to keep the test fast


def html_pages(site: Path) -> list[str]:
    pages = []
    for path in site.rglob("*.html"):
        rel = path.relative_to(site)
        if rel.parts[0] not in SKIP_DIRS:
            pages.append(rel.as_posix())
    return sorted(pages)


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True  # data:, blob:, about: never reach the network
    return (parts.hostname or "") in LOCAL_HOSTS


WAIT_FOR_RENDERING = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  for (const img of document.images) { img.loading = 'eager'; }
  const pending = [...document.images].filter(img => !img.complete)
      .map(img => new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); }));
  await Promise.race([Promise.all(pending), new Promise(done => setTimeout(done, 10000))]);
  if (document.fonts) { await document.fonts.ready; }
  return (window.MathJax && MathJax.version) || null;
}"""

INSPECT_PAGE = r"""() => {
  const mathNodes = [...document.querySelectorAll('span.math, div.math')];
  const untypeset = mathNodes.filter(n => !n.querySelector('mjx-container')).map(n => n.textContent.trim().slice(0, 80));
  const mathErrors = [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent);
  // all text, hidden text included, outside code and outside typeset math
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight').forEach(n => n.remove());
  const text = clone.textContent;
  const images = [...document.images].map(img => ({
      src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const icon = document.querySelector('link[rel~="icon"]');
  return {mathNodes: mathNodes.length, containers: document.querySelectorAll('mjx-container').length,
          untypeset, mathErrors, text, images, links, favicon: icon ? icon.href : null};
}"""

# Solutions: sphinx-exercise `{solution}` with :class: dropdown, and the gated solution-start/-end
# form (the same admonition with notebook cells inside), both collapsed by sphinx-togglebutton.
SOLUTIONS = """() => [...document.querySelectorAll('div.solution')].map((sol, index) => {
  sol.dataset.browserTest = String(index);
  const body = [...sol.children].filter(c => !c.classList.contains('admonition-title'));
  const shown = c => { const s = getComputedStyle(c); const r = c.getBoundingClientRect();
                       return s.display !== 'none' && s.visibility !== 'hidden' && r.height > 0; };
  return {index, id: sol.id, gated: sol.querySelector('.cell') !== null,
          dropdown: sol.classList.contains('dropdown'), hiddenClass: sol.classList.contains('toggle-hidden'),
          bodyShown: body.some(shown), hasButton: sol.querySelector('button.toggle-button') !== null};
})"""

SOLUTION_SHOWN = """(index) => {
  const sol = document.querySelector(`div.solution[data-browser-test="${index}"]`);
  const body = [...sol.children].filter(c => !c.classList.contains('admonition-title'));
  return !sol.classList.contains('toggle-hidden') && body.some(c => {
      const s = getComputedStyle(c); const r = c.getBoundingClientRect();
      return s.display !== 'none' && s.visibility !== 'hidden' && r.height > 0 && Number(s.opacity) > 0.9; });
}"""

# Korean glyphs: draw Hangul with the page's font on a canvas; tofu (no font has the glyph) looks the
# same for every character, so real glyphs must differ from each other and from a missing glyph.
KOREAN_GLYPHS = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const family = getComputedStyle(el).fontFamily;
  const draw = (ch) => { const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const g = c.getContext('2d'); g.font = `32px ${family}`; g.fillStyle = '#000'; g.textBaseline = 'top';
    g.fillText(ch, 4, 4); const d = g.getImageData(0, 0, 48, 48).data;
    let s = ''; let ink = 0; for (let i = 3; i < d.length; i += 4) { s += d[i] > 127 ? '1' : '0'; ink += d[i] > 127; }
    return {s, ink}; };
  const missing = draw('\\u{10FFFD}');
  const glyphs = ['순', '전', '파', '역', '가'].map(draw);
  return {family, text: el.textContent, ink: glyphs.map(g => g.ink),
          allDistinct: new Set(glyphs.map(g => g.s)).size === glyphs.length,
          noneMissing: glyphs.every(g => g.s !== missing.s)};
}"""


# lang="ko": every text node with Hangul must sit inside an element whose language is Korean.
KOREAN_LANG = r"""() => {
  const hangul = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const missing = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!hangul.test(n.textContent) || n.parentElement.closest('script, style')) continue;
    const owner = n.parentElement.closest('[lang]');
    if (!owner || !owner.lang.toLowerCase().startsWith('ko')) missing.push(n.textContent.trim().slice(0, 40));
  }
  return missing;
}"""

# Alt text of every image in the page's content (the logo's empty alt sits in a link that has text).
ALT_TEXT = r"""() => [...document.querySelectorAll('article.bd-article img')].map(img => ({
  src: img.getAttribute('src'), alt: img.getAttribute('alt'),
  fromContext: img.classList.contains('alt-from-context'),
  caption: !!img.closest('figure') && !!img.closest('figure').querySelector('figcaption'),
  fullSize: !!img.closest('a[href]') && img.closest('a[href]').href === img.src}))"""

TOGGLES = r"""() => [...document.querySelectorAll('div.solution button.toggle-button, .admonition.toggle button.toggle-button')]
  .map(b => ({id: b.id, name: b.getAttribute('aria-label') || b.textContent.trim(), expanded: b.getAttribute('aria-expanded')}))"""

# Keyboard focus: after one Tab (keyboard modality), focus every visible control and read its ring.
FOCUS_RINGS = r"""() => {
  const controls = [...document.querySelectorAll(
      'a[href], button, summary, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
    .filter(el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
                    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.disabled; });
  const ring = el => { const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    return outline || (s.boxShadow && s.boxShadow !== 'none'); };
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '') +
    ' "' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30) + '"';
  const without = [];
  for (const el of controls) {
    el.focus({preventScroll: true});
    if (document.activeElement === el && el.matches(':focus-visible') && !ring(el)) without.push(describe(el));
  }
  document.activeElement && document.activeElement.blur();
  return {checked: controls.length, without};
}"""

# The phone layout (390 px): what sticks out of the screen, equations, tables, inline code, figures.
PHONE_LAYOUT = r"""async () => {
  await new Promise(done => setTimeout(done, 250));   // course_reader.js re-measures after a resize
  const vw = document.documentElement.clientWidth;
  const article = document.querySelector('article.bd-article') || document.body;
  const label = el => (el.id || el.closest('[id]')?.id || el.tagName.toLowerCase());
  const equations = [...document.querySelectorAll('div.math')].map(div => {
    const box = div.querySelector(':scope > mjx-container');
    const number = div.querySelector(':scope > span.eqno');
    if (!box) return null;
    const r = box.getBoundingClientRect(); const n = number ? number.getBoundingClientRect() : null;
    const s = getComputedStyle(box);
    const fits = box.scrollWidth <= box.clientWidth + 1;
    return {id: label(div), number: number ? number.textContent.replace('#', '').trim() : null,
            fits, scrolls: ['auto', 'scroll'].includes(s.overflowX),
            hint: fits || box.classList.contains('course-scroll-right'),
            focusable: fits || box.tabIndex >= 0,
            numberClear: !n || n.left >= r.right - 1 || n.right <= r.left + 1,
            numberVisible: !n || (n.right <= vw + 1 && n.width > 0),
            right: Math.round(r.right)};
  }).filter(Boolean);
  const tables = [...article.querySelectorAll('table')].map(table => {
    const box = table.closest('.pst-scrollable-table-container') || table.parentElement;
    const r = box.getBoundingClientRect(); const s = getComputedStyle(box);
    const fits = table.getBoundingClientRect().width <= box.clientWidth + 1;
    return {id: label(table), fits, scrolls: ['auto', 'scroll'].includes(s.overflowX),
            hint: fits || box.classList.contains('course-scroll-right'), right: Math.round(r.right)};
  });
  const literals = [...article.querySelectorAll('code.literal')]
    .filter(c => !c.closest('pre, table, .pst-scrollable-table-container'))
    .map(c => ({text: c.textContent.slice(0, 60), right: Math.round(c.getBoundingClientRect().right)}))
    .filter(c => c.right > vw + 1);
  const figures = [...article.querySelectorAll('img')].filter(img => img.naturalWidth > 0).map(img => {
    const shown = img.getBoundingClientRect().width;
    return {src: img.getAttribute('src').split('/').pop(), natural: img.naturalWidth,
            shown: Math.round(shown), ratio: shown > 0 ? img.naturalWidth / shown : null,
            caption: (img.closest('figure')?.querySelector('.caption-number')?.textContent || '').trim()};
  });
  // elements sticking out on the right, outside any box that scrolls or clips them
  const offenders = [];
  for (const el of article.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) continue;
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped) offenders.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} (${label(el)}) ends at ${Math.round(r.right)} px`);
    if (offenders.length >= 10) break;
  }
  return {viewport: vw, pageWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth,
          equations, tables, literals, figures, offenders};
}"""

# preload: false, or axe re-fetches @import-ed stylesheets from the wrong folder (404s). Colours do not
# change with the width, so the phone run skips color-contrast, by far the slowest rule on long pages.
AXE_RUN = """async ([tags, contrast]) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                                          preload: false, rules: {'color-contrast': {enabled: contrast}}});
  return {url: result.url, testEngine: result.testEngine, timestamp: result.timestamp,
          violations: result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            tags: v.tags, nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 300),
            summary: n.failureSummary}))}))};
}"""


def run_axe(page, page_path: str, kind: str) -> dict:
    """axe-core on the open page; the full result goes to test-artifacts/axe/<page>--<kind>.json."""
    import json

    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_script())
    result = page.evaluate(AXE_RUN, [AXE_TAGS, kind == "desktop"])
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    (AXE_RESULTS / f"{page_path.removesuffix('.html').replace('/', '__')}--{kind}.json").write_text(
        json.dumps(result, indent=1), encoding="utf-8")
    return {v["id"]: (v["impact"], len(v["nodes"]), [n["target"] for n in v["nodes"][:3]])
            for v in result["violations"]}


def _screenshot_name(page_path: str, suffix: str = "") -> str:
    return page_path.removesuffix(".html").replace("/", "__") + suffix + ".png"


REDIRECT = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.IGNORECASE)


def visit(context, base_url: str, site: Path, page_path: str) -> PageReport:
    report = PageReport(page_path)
    redirect = REDIRECT.search((site / page_path).read_text(encoding="utf-8", errors="replace")[:2000])
    if redirect:  # a redirect stub: check that it lands on an existing page, which is visited itself
        report.redirect = redirect.group(1)
        report.status = 200
        report.links = [f"{base_url}/{(Path(page_path).parent / report.redirect).as_posix().removeprefix('./')}"]
        return report
    page = context.new_page()
    closing = False

    def on_console(msg):
        if msg.type == "error":
            report.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def on_failed(request):
        if not closing and _is_local(request.url):
            report.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response):
        if response.status >= 400:
            report.failed_requests.append(f"{response.url}: HTTP {response.status}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: report.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("request", lambda request: None if _is_local(request.url)
            else report.external_requests.append(request.url))
    start = time.perf_counter()
    try:
        response = page.goto(f"{base_url}/{page_path}", wait_until="load", timeout=30_000)
        report.status = response.status if response else 0
        report.phases["load"] = time.perf_counter() - start
        report.mathjax_version = page.evaluate(WAIT_FOR_RENDERING)
        report.phases["render"] = time.perf_counter() - start
        try:
            page.wait_for_load_state("networkidle", timeout=5_000)
        except Exception:  # noqa: BLE001 - a page that keeps polling is reported by the other checks
            pass
        report.phases["idle"] = time.perf_counter() - start
        facts = page.evaluate(INSPECT_PAGE)
        report.math_nodes, report.mjx_containers = facts["mathNodes"], facts["containers"]
        report.untypeset_math, report.math_errors = facts["untypeset"], facts["mathErrors"]
        report.raw_tex = sorted({m.group(0) for m in RAW_TEX.finditer(facts["text"])})
        report.images, report.links, report.favicon = facts["images"], facts["links"], facts["favicon"]
        if page_path == "glossary.html":
            report.korean = page.evaluate(KOREAN_GLYPHS, "dl.glossary dd strong")
        report.lang_missing = page.evaluate(KOREAN_LANG)
        report.alt = page.evaluate(ALT_TEXT)
        report.toggles = page.evaluate(TOGGLES)
        page.keyboard.press("Tab")  # keyboard modality: programmatic focus now shows :focus-visible
        report.focus = page.evaluate(FOCUS_RINGS)
        report.axe["desktop"] = run_axe(page, page_path, "desktop")
        report.phases["a11y"] = time.perf_counter() - start

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        report.screenshot = SCREENSHOTS / _screenshot_name(page_path)
        report.phases["inspect"] = time.perf_counter() - start
        page.screenshot(path=str(report.screenshot), full_page=True)
        report.phases["screenshot"] = time.perf_counter() - start

        report.solutions = page.evaluate(SOLUTIONS)
        for sol in report.solutions:  # where a reader clicks: the title (the chevron button sits inside it)
            page.locator(f'div.solution[data-browser-test="{sol["index"]}"] > .admonition-title').click()
        for sol in report.solutions:
            try:
                page.wait_for_function(SOLUTION_SHOWN, arg=sol["index"], timeout=3_000)
                sol["shownAfterClick"] = True
            except Exception:  # noqa: BLE001 - recorded, asserted in test_solutions_collapsed_until_clicked
                sol["shownAfterClick"] = False
        for kind in (False, True):  # a picture of the first opened solution of each kind
            opened = [sol for sol in report.solutions if sol["gated"] is kind and sol["shownAfterClick"]]
            if opened:
                name = _screenshot_name(page_path, "--solution-gated" if kind else "--solution-dropdown")
                page.locator(f'div.solution[data-browser-test="{opened[0]["index"]}"]').screenshot(
                    path=str(SCREENSHOTS / name))
        # the same page on a phone, solutions open (their content must fit too)
        page.set_viewport_size(PHONE)
        report.phone = page.evaluate(PHONE_LAYOUT)
        report.axe["phone"] = run_axe(page, page_path, "phone")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / _screenshot_name(page_path, "--390px")), full_page=True)
        report.phases["phone"] = time.perf_counter() - start
    finally:
        closing = True
        report.seconds = time.perf_counter() - start
        page.close()
    return report


def _offline_context(browser, *, allow_files: bool = False):
    """A 1280 px browser context that blocks every request to a host other than this machine
    (and, unless allow_files, to file: URLs)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    allowed = r"(https?://(127\.0\.0\.1|localhost)[:/])" + (r"|file:" if allow_files else "")
    context.route(re.compile(rf"^(?!{allowed}).+"), lambda route: route.abort("internetdisconnected"))
    return context


def _visit_all(chromium: str, base_url: str, site: Path, pages: list[str]) -> dict[str, PageReport]:
    """One browser: visit the given pages one after the other (runs in its own thread)."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            # nothing leaves the machine: requests to other hosts are recorded (in visit) and blocked here
            context = _offline_context(browser)
            for page_path in pages:
                results[page_path] = visit(context, base_url, site, page_path)
            context.close()
        finally:
            browser.close()
    return results


@pytest.fixture(scope="session")
def reports(chromium, site, server) -> dict[str, PageReport]:
    """Every page visited once. Two browsers share the pages (long chapters spread out) to stay fast."""
    from concurrent.futures import ThreadPoolExecutor

    for old in [*SCREENSHOTS.glob("*.png"), *AXE_RESULTS.glob("*.json")]:
        old.unlink()
    pages = html_pages(site)
    assert "index.html" in pages and len(pages) > 3, f"the site at {site} looks empty: {pages}"
    workers = max(1, int(os.environ.get("BROWSER_TEST_WORKERS", min(2, os.cpu_count() or 1))))
    shares: list[list[str]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for page_path in sorted(pages, key=lambda p: -(site / p).stat().st_size):
        lightest = loads.index(min(loads))
        shares[lightest].append(page_path)
        loads[lightest] += (site / page_path).stat().st_size
    # a separate Playwright instance per thread: its sync API must not be shared between threads
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_visit_all, chromium, server, site, share) for share in shares if share]
        results = {}
        for future in futures:
            results.update(future.result())
    return dict(sorted(results.items()))


def _failures(reports, describe) -> list[str]:
    lines = []
    for path, report in reports.items():
        problems = describe(report)
        if problems:
            lines.append(f"{path}: {problems}")
    return lines


# ----------------------------------------------------------------------------- the checks


def test_every_page_loads(reports):
    bad = _failures(reports, lambda r: f"HTTP {r.status}" if r.status != 200 else None)
    assert not bad, "\n".join(bad)


def test_no_console_errors(reports):
    bad = _failures(reports, lambda r: r.console_errors)
    assert not bad, "console errors:\n" + "\n".join(bad)


def test_no_failed_requests(reports):
    bad = _failures(reports, lambda r: r.failed_requests)
    assert not bad, "failed requests:\n" + "\n".join(bad)


def test_works_offline_no_request_leaves_localhost(reports):
    bad = _failures(reports, lambda r: r.external_requests)
    assert not bad, "requests to the internet (the site must work offline):\n" + "\n".join(bad)


def test_math_is_rendered_by_bundled_mathjax(reports):
    def problems(r: PageReport):
        out = []
        if r.math_nodes:
            if r.mathjax_version != MATHJAX_VERSION:
                out.append(f"MathJax {r.mathjax_version!r} loaded, expected the bundled {MATHJAX_VERSION}")
            if r.untypeset_math:
                out.append(f"{len(r.untypeset_math)} math nodes without MathJax output, e.g. {r.untypeset_math[:3]}")
            if r.mjx_containers < r.math_nodes:
                out.append(f"{r.mjx_containers} MathJax containers for {r.math_nodes} math nodes")
        if r.math_errors:
            out.append(f"TeX errors: {r.math_errors[:5]}")
        if r.raw_tex:
            out.append(f"raw TeX left in the text: {r.raw_tex}")
        return out
    bad = _failures(reports, problems)
    assert not bad, "\n".join(bad)
    assert reports["notation.html"].math_nodes > 10, "notation.html should be full of math"


def test_every_image_loads(reports):
    def problems(r: PageReport):
        return [f"{img['src']} ({img['width']}x{img['height']}, complete={img['complete']})"
                for img in r.images if not (img["complete"] and img["width"] > 0 and img["height"] > 0)]
    bad = _failures(reports, problems)
    assert not bad, "images that did not load:\n" + "\n".join(bad)


def test_solutions_collapsed_until_clicked(reports):
    def problems(r: PageReport):
        out = []
        for sol in r.solutions:
            if not sol["hasButton"] or not sol["hiddenClass"] or sol["bodyShown"]:
                out.append(f"{sol['id']} is not collapsed on load")
            elif not sol.get("shownAfterClick"):
                out.append(f"{sol['id']} did not open when its title was clicked")
        return out
    bad = _failures(reports, problems)
    assert not bad, "\n".join(bad)
    if any(path.startswith("chapters/") for path in reports):
        solutions = [sol for r in reports.values() for sol in r.solutions]
        assert any(not sol["gated"] for sol in solutions), "no {solution} dropdown found in any chapter"
        assert any(sol["gated"] for sol in solutions), "no gated solution-start/solution-end found in any chapter"


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.anchors.add(value or "")


@functools.lru_cache(maxsize=None)
def _anchors_of(path: Path) -> frozenset[str]:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.anchors)


def test_internal_links_resolve(reports, site, server):
    def problems(r: PageReport):
        out = []
        for href in sorted(set(r.links)):
            if not href.startswith(server + "/"):
                continue  # external links (DOIs, launch buttons) are links, not requests
            parts = urlsplit(href)
            target = site / unquote(parts.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                out.append(f"{href.removeprefix(server)}: no such file")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _anchors_of(target):
                out.append(f"{href.removeprefix(server)}: no anchor #{unquote(parts.fragment)} in {target.name}")
        return out
    bad = _failures(reports, problems)
    assert not bad, "broken internal links:\n" + "\n".join(bad)


def test_chapters_offer_their_notebook_for_download(reports, site, server):
    chapters = [path for path in reports if path.startswith("chapters/") and
                (site / "_sources" / path).with_suffix(".ipynb").is_file()]
    missing = []
    for path in chapters:
        wanted = f"{server}/_sources/{path.removesuffix('.html')}.ipynb"
        if wanted not in reports[path].links:
            missing.append(path)
    assert not missing, f"no .ipynb download button on: {missing}"


def test_logo_and_favicon(reports):
    pages = {path: r for path, r in reports.items() if not r.redirect}
    bad = _failures(pages, lambda r: None if r.favicon and r.favicon.endswith("favicon.svg") else "no favicon link")
    bad += _failures(pages, lambda r: None if any(img["src"].endswith("logo.svg") for img in r.images) else "no logo")
    assert not bad, "\n".join(bad)


def test_glossary_renders_korean(reports):
    report = reports.get("glossary.html")
    assert report is not None, "glossary.html is missing from the site"
    korean = report.korean
    assert korean is not None, "the glossary has no Korean terms (dl.glossary dd strong)"
    assert re.search(r"[\uac00-\ud7a3]", korean["text"]), korean
    assert korean["noneMissing"] and korean["allDistinct"] and min(korean["ink"]) > 20, (
        f"Korean glyphs do not render (tofu) with font {korean['family']!r}: install a CJK font "
        f"(Debian: apt-get install fonts-noto-cjk). Details: {korean}")


def test_screenshot_of_every_page(reports):
    missing = [path for path, r in reports.items()
               if not r.redirect and not (r.screenshot and r.screenshot.stat().st_size > 1000)]
    assert not missing, f"no screenshot for {missing}"
    slowest = max(reports.values(), key=lambda r: r.seconds)
    for r in sorted(reports.values(), key=lambda r: -r.seconds):
        print(f"{r.seconds:6.2f} s  {r.path}  " + " ".join(f"{k}@{v:.2f}" for k, v in r.phases.items()))
    print(f"\n{len(reports)} pages in {sum(r.seconds for r in reports.values()):.1f} s "
          f"(slowest {slowest.path}: {slowest.seconds:.1f} s); screenshots in {SCREENSHOTS}")



# ----------------------------------------------------------------------------- every reader (issue 15)

PATH_LIKE = re.compile(r"^(?:\.\./|\./|/)?(?:[\w.\-]+/)*[\w.\-]+\.(?:png|jpe?g|svg|gif|webp)$", re.IGNORECASE)


def _pages(reports):
    return {path: r for path, r in reports.items() if not r.redirect}


def test_axe_finds_no_critical_or_serious_violation(reports):
    """axe-core, WCAG 2.1 A + AA, on every page at 1280 px and at 390 px (solutions open)."""
    lines, bad = [], []
    for path, r in _pages(reports).items():
        counts = {}
        for kind, found in r.axe.items():
            critical = sum(n for impact, n, _ in found.values() if impact == "critical")
            serious = sum(n for impact, n, _ in found.values() if impact == "serious")
            counts[kind] = (critical, serious)
            for rule, (impact, n, targets) in found.items():
                if impact in ("critical", "serious"):
                    bad.append(f"{path} ({kind}): {impact} {rule} x{n}, e.g. {targets}")
        assert set(counts) == {"desktop", "phone"}, f"{path}: axe did not run at both widths: {r.axe}"
        lines.append(f"{path:42s} " + "  ".join(f"{kind} critical={c} serious={s}" for kind, (c, s) in counts.items()))
    print("\naxe-core " + AXE_TAGS.__repr__() + ", results in " + str(AXE_RESULTS) + "\n" + "\n".join(lines))
    assert not bad, "axe violations:\n" + "\n".join(bad)


def test_no_page_wider_than_a_phone(reports):
    widths = {path: r.phone["pageWidth"] for path, r in _pages(reports).items()}
    print("\npage widths at 390 px: narrowest... widest:", min(widths.values()), max(widths.values()))
    bad = _failures(_pages(reports), lambda r: (
        f"page is {r.phone['pageWidth']} px wide on a {r.phone['viewport']} px screen: {r.phone['offenders']}"
        if r.phone["pageWidth"] > r.phone["viewport"] or r.phone["offenders"] else None))
    assert not bad, "\n".join(bad)


def test_equations_fit_or_scroll_beside_their_number(reports):
    def problems(r: PageReport):
        out = []
        for eq in r.phone["equations"]:
            what = f"equation {eq['number'] or eq['id']}"
            if not eq["numberClear"] or not eq["numberVisible"]:
                out.append(f"{what}: its number overlaps the formula or is off screen")
            if not eq["fits"] and not (eq["scrolls"] and eq["hint"] and eq["focusable"]):
                out.append(f"{what}: wider than its box and not a visible, focusable scroll box ({eq})")
            if eq["right"] > r.phone["viewport"] + 1:
                out.append(f"{what}: sticks out of the screen ({eq['right']} px)")
        return out
    bad = _failures(_pages(reports), problems)
    assert not bad, "\n".join(bad)
    assert any(not eq["fits"] for r in reports.values() for eq in r.phone.get("equations", [])), \
        "no equation needed to scroll at 390 px: is this check still looking at the right elements?"


def test_tables_scroll_in_their_own_box(reports):
    def problems(r: PageReport):
        return [f"table {t['id']}: {t}" for t in r.phone["tables"]
                if t["right"] > r.phone["viewport"] + 1 or not (t["fits"] or (t["scrolls"] and t["hint"]))]
    bad = _failures(_pages(reports), problems)
    assert not bad, "\n".join(bad)


def test_inline_code_wraps(reports):
    bad = _failures(_pages(reports), lambda r: r.phone["literals"])
    assert not bad, "inline code sticking out at 390 px:\n" + "\n".join(bad)


def test_every_image_has_alt_text_and_opens_full_size(reports):
    """Alt text is never a file path; figures link to their full-size image; images whose alt was
    made from the surrounding text (no caption) are listed for the authors, not failed."""
    import json

    def problems(r: PageReport):
        out = []
        for img in r.alt:
            alt = (img["alt"] or "").strip()
            if not alt or PATH_LIKE.match(alt) or alt == img["src"]:
                out.append(f"{img['src']}: alt text {alt!r} is missing or a file path")
            if not img["fullSize"]:
                out.append(f"{img['src']}: not a link to the full-size image")
        return out
    bad = _failures(_pages(reports), problems)
    from_context = [f"{path}: {img['src'].split('/')[-1]}: {img['alt']!r}"
                    for path, r in _pages(reports).items() for img in r.alt if img["fromContext"]]
    if from_context:
        print("\nimages without a caption (alt text made from the surrounding text; give them a caption):\n"
              + "\n".join(from_context))
    # figure sizes at 390 px, for the authors (fonts >= 11 pt, at most two panels per row)
    figures = {path: r.phone["figures"] for path, r in _pages(reports).items() if r.phone.get("figures")}
    FIGURE_REPORT.parent.mkdir(parents=True, exist_ok=True)
    FIGURE_REPORT.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    shrunk = [f"{path}: {f['caption'] or f['src']} {f['natural']} px shown at {f['shown']} px (x{f['ratio']:.1f})"
              for path, figs in figures.items() for f in figs if f["ratio"] and f["ratio"] > FIGURE_SHRINK_LIMIT]
    assert not shrunk, (f"figures shrunk more than {FIGURE_SHRINK_LIMIT}x at 390 px (text below ~9 px; "
                        f"see {FIGURE_REPORT}):\n" + "\n".join(shrunk))
    assert not bad, "\n".join(bad)


def test_korean_text_is_marked_korean(reports):
    bad = _failures(_pages(reports), lambda r: r.lang_missing)
    assert not bad, 'Korean text outside lang="ko":\n' + "\n".join(bad)
    assert reports["glossary.html"].korean and not reports["glossary.html"].lang_missing


def test_every_control_shows_keyboard_focus(reports):
    bad = _failures(_pages(reports), lambda r: r.focus["without"][:10])
    assert not bad, "controls without a visible focus ring:\n" + "\n".join(bad)
    assert all(r.focus["checked"] > 5 for r in _pages(reports).values()), "the focus check found no controls"


def test_solution_toggles_have_names_of_their_own(reports):
    def problems(r: PageReport):
        names = [t["name"] for t in r.toggles]
        out = [f"{t['id']}: named {t['name']!r}" for t in r.toggles
               if not t["name"] or t["name"] == "Toggle hidden content" or "Solution" not in t["name"]]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            out.append(f"toggles share a name: {duplicates}")
        return out
    bad = _failures(_pages(reports), problems)
    assert not bad, "\n".join(bad)
    assert any(r.toggles for r in reports.values()), "no solution toggle found"


# ----------------------------------------------------------------------------- search


SEARCH_QUERY = "gradient"
SEARCH_RESULTS = """async () => {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const status = document.querySelector('#search-results .search-summary, #search-results > p');
    const items = document.querySelectorAll('#search-results ul.search li');
    const snippets = document.querySelectorAll('#search-results ul.search li p.context');
    if (status && /found|did not match/i.test(status.textContent) && snippets.length >= Math.min(items.length, 5))
      return {items: items.length, snippets: [...snippets].map(p => p.textContent), titles: [...items].map(li => li.querySelector('a').textContent)};
    await new Promise(done => setTimeout(done, 200));
  }
  return {items: document.querySelectorAll('#search-results ul.search li').length, snippets: [], timeout: true};
}"""
# text from the page header, toolbar and cell chrome that must not reach a snippet
HEADER_TEXT = re.compile(r"Download|Print to PDF|\.ipynb|Contents|Show code cell|Skip to main|Toggle")


def _search(chromium: str, url: str) -> tuple[dict, list[str]]:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            context = _offline_context(browser, allow_files=True)
            page = context.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
            page.goto(url, wait_until="load")
            result = page.evaluate(SEARCH_RESULTS)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"search--{url.split(':')[0]}.png"))
        finally:
            browser.close()
    return result, errors


@pytest.mark.parametrize("how", ["http", "file"])
def test_search_snippets_are_clean_text(chromium, site, server, how):
    """Search results with snippets, without TeX or header text, served over http and from the folder."""
    url = (f"{server}/search.html?q={SEARCH_QUERY}" if how == "http"
           else (site / "search.html").as_uri() + f"?q={SEARCH_QUERY}")
    result, errors = _search(chromium, url)
    assert not errors, f"console errors on {how} search: {errors[:5]}"
    assert result["items"] >= 3 and not result.get("timeout"), f"search for {SEARCH_QUERY!r} over {how}: {result}"
    assert len(result["snippets"]) == result["items"], f"results without a snippet over {how}: {result}"
    tex = [t for t in result["snippets"] if RAW_TEX.search(t)]
    header = [HEADER_TEXT.search(t).group(0) + ": " + t[:80] for t in result["snippets"] if HEADER_TEXT.search(t)]
    assert not tex, f"raw TeX in search snippets: {tex[:3]}"
    assert not header, f"header or toolbar text in search snippets: {header[:3]}"
    assert not [t for t in result["titles"] if RAW_TEX.search(t)], f"raw TeX in result titles: {result['titles']}"
