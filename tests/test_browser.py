"""Load every page of the built book in headless Chromium and check what a reader sees.

For each page: the math is typeset by KaTeX (no raw TeX left, no KaTeX
errors), every image loaded, nothing failed to load or threw, and no request
left 127.0.0.1. For each chapter (the numbered pages of mkdocs.yml's nav):
its H1 and its exercises show its number, and a chapter that renders a
module reads as a chapter. A screenshot of the softmax chapter is saved as
an artifact.

Run it on a built site (see book/browser-test.sh):

    PRIMITIVE_NN_SITE=site pytest -m browser tests/test_browser.py

Without PRIMITIVE_NN_SITE the tests skip. With it set, a missing site,
playwright or Chromium is an error, so CI cannot pass by skipping. Chromium
is the system one (`apt-get install chromium`); playwright never downloads
a browser here. PRIMITIVE_NN_CHROMIUM overrides its path.
"""

import functools
import http.server
import importlib.util
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SITE = os.environ.get("PRIMITIVE_NN_SITE")  # the built site, e.g. "site"
ARTIFACTS = Path(os.environ.get("PRIMITIVE_NN_ARTIFACTS", "artifacts"))
SCREENSHOT_PAGE = "softmax/index.html"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# Runs in the page once KaTeX has had its turn. Text inside code, inside
# typeset math, or hidden (a closed "Source code" box) is not what a reader sees.
INSPECT_JS = """() => {
  const math = [...document.querySelectorAll(".arithmatex")];
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el && !el.closest("pre, code, .katex, script, style") && el.checkVisibility())
      texts.push(walker.currentNode.data);
  }
  return {
    untypeset: math.filter(e => !e.querySelector(".katex")).map(e => e.textContent.slice(0, 80)),
    errors: [...document.querySelectorAll(".katex-error")].map(e => e.textContent.slice(0, 80)),
    text: texts.join(" "),
    badImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
  };
}"""
MATH_DONE_JS = "() => [...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex, .katex-error'))"


def site_pages():
    """Every HTML page of the built site, relative to it (404.html uses absolute links)."""
    if not SITE:
        return [pytest.param(None, marks=pytest.mark.skip(reason="PRIMITIVE_NN_SITE is not set"))]
    pages = sorted(p.relative_to(SITE).as_posix() for p in Path(SITE).rglob("*.html"))
    return [p for p in pages if p != "404.html"] or [None]  # None: set, but no site


@pytest.fixture(scope="module")
def base_url():
    """Serve the site from 127.0.0.1 on a free port, in a background thread."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=SITE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless system Chromium, driven by playwright; skipped, saying why, without a built site."""
    if not SITE:
        pytest.skip("PRIMITIVE_NN_SITE is not set: the browser tests need a built site")
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("playwright is not installed: pip install -r book/requirements-browser.lock")
    chromium = os.environ.get("PRIMITIVE_NN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail(f"Chromium not found at {chromium}: run `apt-get install -y chromium`.")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def is_local(url):
    """True for a request the site may make: to 127.0.0.1, or an inline data:/blob: URL."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname == "127.0.0.1"


def visit(browser, url, screenshot=None):
    """Load `url` in a fresh context; return what INSPECT_JS saw and what went wrong."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context()
    log = {"requests": [], "failures": [], "js_errors": []}
    context.on("request", lambda r: log["requests"].append(r.url))
    context.on("requestfailed", lambda r: log["failures"].append(f"{r.url} ({r.failure})"))
    context.on("response", lambda r: r.status >= 400 and log["failures"].append(f"{r.url} (HTTP {r.status})"))
    # Never wait on the outside world: refuse any request that would leave the machine.
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    page.on("pageerror", lambda err: log["js_errors"].append(str(err)))
    try:
        page.goto(url, wait_until="load")
        try:
            page.wait_for_function(MATH_DONE_JS, timeout=5000)
        except PlaywrightTimeout:
            pass  # the assertions say what is left untypeset
        if screenshot:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.evaluate("document.fonts.ready.then(() => true)")
            page.screenshot(path=screenshot, full_page=True)
        return page.evaluate(INSPECT_JS), log
    finally:
        context.close()


@pytest.mark.parametrize("page_path", site_pages())
def test_page(page_path, base_url, browser):
    if page_path is None:
        pytest.fail(f"PRIMITIVE_NN_SITE={SITE} holds no built site: run book/build.sh first.")
    shot = ARTIFACTS / "softmax.png" if page_path == SCREENSHOT_PAGE else None
    seen, log = visit(browser, base_url + page_path, shot)

    assert not log["js_errors"], f"{page_path}: JavaScript errors: {log['js_errors']}"
    outside = [u for u in log["requests"] if not is_local(u)]
    assert not outside, f"{page_path}: requests that left 127.0.0.1: {outside}"
    assert not log["failures"], f"{page_path}: requests that failed: {log['failures']}"
    assert seen["untypeset"] == [], f"{page_path}: math KaTeX did not typeset: {seen['untypeset']}"
    assert seen["errors"] == [], f"{page_path}: KaTeX errors: {seen['errors']}"
    text = " ".join(seen["text"].split())
    for raw in ("$$", "\\frac", "\\("):
        at = text.find(raw)
        assert at < 0, f"{page_path}: raw TeX {raw!r} in the visible text: ...{text[at - 60:at + 60]}..."
    assert seen["badImages"] == [], f"{page_path}: images that did not load: {seen['badImages']}"


# ---------------------------------------------------------------- chapter pages

# The chapters are the numbered pages of mkdocs.yml's nav, as book/hooks.py numbers them.
# A chapter's module is the first `::: primitive_nn.<module>` its page renders (the ladder
# renders none). At most this much of a chapter's visible text may be API reference
# (mkdocstrings' function and class blocks); the data and training chapters are held to
# less, being the ones most tempted to show machinery.
API_SHARE = 0.45
API_SHARE_OF = {"data.md": 0.35, "training.md": 0.35}
NOT_CHAPTERS = {"__init__", "errors", "book", "predict"}  # the preface, and thin commands
MODULE = re.compile(r"^::: (primitive_nn\.\w+)[ \t]*$", re.M)  # a page renders a whole module


@functools.cache
def book_chapters():
    """{page: (number, [modules it renders])} for every chapter, in nav order.

    Needs PyYAML and MkDocs (book/requirements-docs.lock), as building the site did.
    """
    import yaml

    spec = importlib.util.spec_from_file_location("book_hooks", ROOT / "book" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))["nav"]
    table = hooks.read_book(nav, ROOT / "docs")
    return {page: (labels[""].number, MODULE.findall((ROOT / "docs" / page).read_text("utf-8")))
            for page, labels in table.items() if "" in labels}


def chapter_pages(with_module=False):
    """Test parameters: the chapters' site paths ("data/"), or a skip where no site is set."""
    if not SITE:
        return [pytest.param(None, marks=pytest.mark.skip(reason="PRIMITIVE_NN_SITE is not set"))]
    return [page[:-3] + "/" for page, (_, modules) in book_chapters().items() if modules or not with_module]


CHAPTER_JS = """() => {
  const art = document.querySelector('article');
  let api = 0;
  for (const d of art.querySelectorAll('div.doc-object.doc-function, div.doc-object.doc-class'))
    if (!d.parentElement.closest('div.doc-object.doc-function, div.doc-object.doc-class'))
      api += d.innerText.length;
  const visible = e => e.checkVisibility() && !e.closest('details:not([open])');
  return {
    text: art.innerText.length, api,
    figures: [...art.querySelectorAll('img')].filter(visible).length,
    exercises: [...art.querySelectorAll('h2, h3')].filter(h => h.textContent.trim().startsWith('Exercise')).length,
    backticks: art.innerText.includes('``'),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


def test_every_chapter_module_has_a_page():
    for needed in ("yaml", "mkdocs"):
        pytest.importorskip(needed, reason="needs the docs extra: pip install -e '.[docs]'")
    modules = {p.stem for p in (ROOT / "primitive_nn").glob("*.py")}
    rendered = {m.split(".")[1] for _, page_modules in book_chapters().values() for m in page_modules}
    assert rendered == modules - NOT_CHAPTERS


@pytest.mark.parametrize("page_path", chapter_pages())
def test_chapter_page_shows_its_number(page_path, base_url, browser):
    """The H1 reads "<n>. Title" and the exercises "Exercise <n>.1", "<n>.2", ... in order."""
    number = book_chapters()[page_path[:-1] + ".md"][0]
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    try:
        page.goto(base_url + page_path, wait_until="load")
        h1 = page.locator("article h1").first.inner_text().strip()
        exercises = [h.strip() for h in page.locator("article h3").all_inner_texts() if h.strip().startswith("Exercise")]
    finally:
        context.close()
    assert h1.startswith(f"{number}. "), f"{page_path}: the H1 reads {h1!r}, not chapter {number}"
    expected = [f"Exercise {number}.{k}:" for k in range(1, len(exercises) + 1)]
    assert [e[:len(x)] for e, x in zip(exercises, expected)] == expected, f"{page_path}: {exercises}"


@pytest.mark.parametrize("page_path", chapter_pages(with_module=True))
def test_chapter_page_reads_as_a_chapter(page_path, base_url, browser):
    module = book_chapters()[page_path[:-1] + ".md"][1][0]
    limit = API_SHARE_OF.get(page_path[:-1] + ".md", API_SHARE)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    try:
        page.goto(base_url + page_path, wait_until="load")
        page.wait_for_function(MATH_DONE_JS, timeout=5000)
        rendered = page.locator(f"[id^='{module}--'], [id^='{module}.']").count()
        assert rendered, f"{page_path} does not render {module}"
        seen = page.evaluate(CHAPTER_JS)
    finally:
        context.close()
    assert seen["figures"] >= 1, f"{page_path}: no visible figure"
    assert seen["exercises"] >= 3, f"{page_path}: {seen['exercises']} exercises"
    assert seen["overflow"] <= 0, f"{page_path}: scrolls sideways by {seen['overflow']} px at 390 px"
    assert not seen["backticks"], f"{page_path}: doubled backticks in the visible text"
    share = seen["api"] / seen["text"]
    assert share <= limit, f"{page_path}: {share:.0%} of the text is API reference (at most {limit:.0%})"
