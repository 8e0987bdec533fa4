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
import itertools
import json
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


def watched_page(browser):
    """A page in a fresh context, and the log of what it asked for, what failed and what threw.

    Never wait on the outside world: any request that would leave the
    machine is refused. Close the returned context when done.
    """
    context = browser.new_context()
    log = {"requests": [], "failures": [], "js_errors": []}
    context.on("request", lambda r: log["requests"].append(r.url))
    context.on("requestfailed", lambda r: log["failures"].append(f"{r.url} ({r.failure})"))
    context.on("response", lambda r: r.status >= 400 and log["failures"].append(f"{r.url} (HTTP {r.status})"))
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    page.on("pageerror", lambda err: log["js_errors"].append(str(err)))
    return context, page, log


def visit(browser, url, screenshot=None):
    """Load `url` in a fresh context; return what INSPECT_JS saw and what went wrong."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context, page, log = watched_page(browser)
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
  const visible = e => e.checkVisibility() && !e.closest('details:not([open])');
  let api = 0;  // what a reader scrolls past: the reference that is not folded away
  for (const d of art.querySelectorAll('div.doc-object.doc-function, div.doc-object.doc-class'))
    if (visible(d) && !d.parentElement.closest('div.doc-object.doc-function, div.doc-object.doc-class'))
      api += d.innerText.length;
  return {
    folded: art.querySelectorAll('details.book-code div.doc-object').length,
    unfoldedExamples: [...art.querySelectorAll('div.doc-module > div.doc-contents .doc-section-title')]
      .filter(e => visible(e) && e.textContent.startsWith('Examples')).length,
    // a labelled equation shows its number; a reference to it names it
    equations: [...art.querySelectorAll('div.arithmatex[id]')]
      .map(e => [e.id, (e.querySelector('.katex .tag') || {}).textContent || '']),
    equationLinks: [...art.querySelectorAll('a')].filter(a => a.textContent.startsWith('Equation '))
      .map(a => [a.textContent, a.getAttribute('href')]),
    text: art.innerText.length, api,
    figures: [...art.querySelectorAll('img')].filter(visible).length,
    exercises: [...art.querySelectorAll('h2, h3')].filter(h => h.textContent.trim().startsWith('Exercise')).length,
    backticks: art.innerText.includes('``'),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    // wider than their box, and scrolling without a shadow at the edge to say so
    cutOff: [...art.querySelectorAll('div.arithmatex, .md-typeset__scrollwrap')]
      .filter(e => e.scrollWidth > e.clientWidth + 1)
      .filter(e => !['auto', 'scroll'].includes(getComputedStyle(e).overflowX) ||
                   !getComputedStyle(e).backgroundImage.includes('radial-gradient'))
      .map(e => e.textContent.trim().slice(0, 50)),
    // the first paragraph of the chapter's module, where a one-line docstring summary would sit
    opening: (art.querySelector('div.doc-module > div.doc-contents > :first-child') || {}).tagName === 'P'
      ? art.querySelector('div.doc-module > div.doc-contents > p').textContent.trim() : '',
    unwrappedTables: [...art.querySelectorAll('table')]
      .filter(t => !t.closest('.md-typeset__scrollwrap') && t.offsetWidth > art.clientWidth + 1).length,
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
        figures = page.evaluate("""() => [...document.querySelectorAll('article img')].map(i => {
          const caption = i.closest('figure')?.querySelector('figcaption strong');
          return {caption: caption ? caption.textContent : null, sharp: i.naturalWidth >= 2 * i.clientWidth};
        })""")
    finally:
        context.close()
    assert h1.startswith(f"{number}. "), f"{page_path}: the H1 reads {h1!r}, not chapter {number}"
    expected = [f"Exercise {number}.{k}:" for k in range(1, len(exercises) + 1)]
    assert [e[:len(x)] for e, x in zip(exercises, expected)] == expected, f"{page_path}: {exercises}"
    captions = [f["caption"] for f in figures]
    assert captions == [f"Figure {number}.{k}." for k in range(1, len(figures) + 1)], f"{page_path}: {captions}"
    assert all(f["sharp"] for f in figures), f"{page_path}: a figure shown wider than half its pixels"


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
    assert not seen["cutOff"], f"{page_path}: wider than the phone, no sign it scrolls: {seen['cutOff']}"
    assert not seen["unwrappedTables"], f"{page_path}: tables wider than the phone, not scrolling"
    assert not 0 < len(seen["opening"].split()) < 12, f"{page_path}: an orphan line: {seen['opening']!r}"
    assert seen["folded"], f"{page_path}: no reference folded under 'The code'"
    assert not seen["unfoldedExamples"], f"{page_path}: a module's doctests in the reading flow"
    number = book_chapters()[page_path[:-1] + ".md"][0]
    for label, tag in seen["equations"]:
        assert re.fullmatch(rf"\({number}\.\d+\)", tag), f"{page_path}: equation {label} reads {tag!r}"
    for text, href in seen["equationLinks"]:
        assert re.fullmatch(r"Equation \d+\.\d+", text) and "#" in href, f"{page_path}: {text} -> {href}"
    share = seen["api"] / seen["text"]
    assert share <= limit, f"{page_path}: {share:.0%} of the text is API reference (at most {limit:.0%})"


# ---------------------------------------------------------------- reader features


def test_dark_mode_follows_the_system_and_the_toggle_switches_back(base_url, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    try:
        page.goto(base_url + "handwriting/", wait_until="load")
        page.wait_for_function(MATH_DONE_JS, timeout=5000)
        seen = page.evaluate("""() => ({
          scheme: document.body.dataset.mdColorScheme,
          text: getComputedStyle(document.querySelector('article p')).color,
          figures: [...document.querySelectorAll('article img')].map(i => getComputedStyle(i).backgroundColor),
        })""")
        page.locator("label.md-header__button[for^='__palette']:visible").first.click()
        switched = page.evaluate("() => document.body.dataset.mdColorScheme")
    finally:
        context.close()
    assert seen["scheme"] == "slate" and switched == "default"
    red, green, blue = map(int, re.findall(r"\d+", seen["text"])[:3])
    assert 0.299 * red + 0.587 * green + 0.114 * blue > 160, f"dark text on the dark page: {seen['text']}"
    assert seen["figures"] and set(seen["figures"]) == {"rgb(255, 255, 255)"}, seen["figures"]


def test_search_shows_formulas_typeset(base_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    try:
        page.goto(base_url + "backprop/", wait_until="load")
        page.locator("input.md-search__input").click()      # the search box shows at 1280 px
        page.locator("input.md-search__input").fill("dZ")
        page.wait_for_selector(".md-search-result__item", timeout=10000)
        page.wait_for_timeout(500)
        seen = page.evaluate("""() => {
          const list = document.querySelector('.md-search-result__list');
          return {text: list.innerText, katex: list.querySelectorAll('.katex').length};
        }""")
    finally:
        context.close()
    assert seen["katex"] > 0, "no formula typeset in the search results"
    for raw in ("\\(", "\\[", "\\frac"):
        assert raw not in seen["text"], f"raw TeX {raw!r} in the search results"


PLAIN_WORDS = re.compile(r"[A-Za-z']+(?: [A-Za-z']+){4,}")  # five words or more, nothing else


def solution_openings():
    """(page, phrase): five plain words in a row from every folded solution's prose.

    The first such phrase that the book says nowhere else (in the package's
    docstrings, or on a page outside its solutions), so finding it in the
    search index can only mean the solution was indexed.
    """
    sources = [p.read_text("utf-8") for p in (ROOT / "primitive_nn").rglob("*.py")]
    solutions, elsewhere = [], sources
    for md in sorted((ROOT / "docs").glob("*.md")):
        lines, outside, i = md.read_text("utf-8").splitlines(), [], 0
        while i < len(lines):
            if lines[i].strip() == '??? note "Solution"':
                block = list(itertools.takewhile(lambda l: not l or l.startswith("    "), lines[i + 1:]))
                solutions.append((md.stem, " ".join(l.strip() for l in block
                                                   if not l.strip().startswith(("```", "--8<--", "$$")))))
                i += 1 + len(block)
            else:
                outside.append(lines[i])
                i += 1
        elsewhere = elsewhere + ["\n".join(outside)]
    elsewhere = " ".join(" ".join(text.split()) for text in elsewhere)
    openings = []
    for page, prose in solutions:
        prose = re.sub(r"\$[^$]*\$|`[^`]*`|\[[^\]]*\]\([^)]*\)|\{\{[^}]*\}\}", " | ", prose)
        phrases = (" ".join(m.group(0).split()[:5]) for m in PLAIN_WORDS.finditer(prose))
        phrase = next((p for p in phrases if p not in elsewhere), None)
        if phrase:
            openings.append((page, phrase))
    return openings


def test_search_does_not_give_away_the_solutions():
    """The built search index holds no solution's opening words (book/hooks.py excludes them)."""
    if not SITE:
        pytest.skip("PRIMITIVE_NN_SITE is not set")
    index = json.loads((Path(SITE) / "search" / "search_index.json").read_text("utf-8"))
    text = " ".join(" ".join(doc["text"].split()) for doc in index["docs"])
    openings = solution_openings()
    assert len(openings) > 50
    found = [(page, phrase) for page, phrase in openings if phrase in text]
    assert not found, f"solutions in the search index: {found}"


def test_a_page_opened_from_disk_says_search_needs_a_server(browser):
    if not SITE:
        pytest.skip("PRIMITIVE_NN_SITE is not set")
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).scheme
                  in ("file", "data", "blob") else route.abort())
    page = context.new_page()
    try:
        page.goto((Path(SITE).resolve() / "index.html").as_uri(), wait_until="load")
        note = page.locator(".book-local-file")
        note.wait_for(timeout=5000)
        said = note.inner_text()
    finally:
        context.close()
    assert "mkdocs serve" in said and "Search" in said


def test_the_front_page_gives_the_books_title_version_and_date(base_url, browser):
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    try:
        page.goto(base_url, wait_until="load")
        title, edition = page.inner_text(".book-title__name"), page.inner_text(".book-title__edition")
        head = page.title()
    finally:
        context.close()
    version = json.loads((ROOT / "docs" / "results.json").read_text("utf-8"))["version"]
    assert title == head == "A Neural Network from Scratch"
    assert re.fullmatch(rf"primitive_nn {re.escape(version)} · results of \d{{4}}-\d\d-\d\d", edition)
