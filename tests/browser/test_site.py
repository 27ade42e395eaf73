"""The built website, read in a real browser (headless Chromium driven by Playwright), fully offline.

Every HTML page of the book is served from localhost and opened once. Per page it checks: no console
errors, no failed requests, no request to any host but localhost (such requests are blocked, as in a
classroom without internet), math typeset by the bundled MathJax (no raw TeX left), every image
loaded, every internal link and anchor resolvable, and that exercise solutions stay collapsed until
clicked. A full-page screenshot of every page, and one of the first opened solution of each kind,
go to test-artifacts/screenshots/ (git-ignored). Two browsers share the pages to keep it fast.

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
        return "the Python package playwright is not installed (pip install -r requirements.txt)"
    return None


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
    finally:
        closing = True
        report.seconds = time.perf_counter() - start
        page.close()
    return report


def _visit_all(chromium: str, base_url: str, site: Path, pages: list[str]) -> dict[str, PageReport]:
    """One browser: visit the given pages one after the other (runs in its own thread)."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            # nothing leaves the machine: requests to other hosts are recorded (in visit) and blocked here
            context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).+"),
                          lambda route: route.abort("internetdisconnected"))
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

    for old in SCREENSHOTS.glob("*.png"):
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
