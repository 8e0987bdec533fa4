"""The printed book: the print page (docs/print.md, filled by book/print_book.py) in Chromium.

The page is loaded once, as a reader would open it before printing: all its
math typeset by KaTeX, every image loaded, every printed page of the nav
there in nav order with its numbered title and numbered figure captions
(the same captions as the chapter's own page), no id twice, and no link
left to another page of the site. Then Chromium prints it, in print media
on A4, to artifacts/book.pdf (PRIMITIVE_NN_ARTIFACTS), which must have a
plausible number of pages.

Run it on a built site, as tests/test_browser.py is run:

    PRIMITIVE_NN_SITE=site pytest -m browser tests/test_print.py

Without PRIMITIVE_NN_SITE the tests skip. The unit tests of the hook's
functions, which need no site, are in tests/test_print_hook.py.
"""

import importlib.util
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_browser import ARTIFACTS, MATH_DONE_JS, ROOT, SITE, book_chapters, is_local, watched_page
from test_browser import base_url, browser  # noqa: F401  (the fixtures: the served site, Chromium)

pytestmark = pytest.mark.browser

PRINT_PAGE = "print/"
# The book printed on about 130 A4 sheets in 2026-11. Far more means something that is left
# out (the API reference under "The code", the appendix) got in, or the layout broke.
MAX_SHEETS = 400
PDF_SECONDS = 120  # loading, typesetting and printing took about 40 s on 2 cores in 2026-11

PRINT_JS = """() => {
  const book = document.querySelector('.book-print');
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  return {
    untypeset: [...book.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('.katex'))
      .map(e => e.textContent.slice(0, 80)),
    errors: [...book.querySelectorAll('.katex-error')].map(e => e.textContent.slice(0, 80)),
    badImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    duplicateIds: [...new Set(ids.filter((id, k) => ids.indexOf(id) !== k))],
    sections: [...book.querySelectorAll('section.book-print-page')].map(s => ({
      id: s.dataset.page,
      h1: s.querySelector('h1')?.innerText.trim() ?? null,
      captions: [...s.querySelectorAll('figure figcaption strong')].map(c => c.textContent.trim()),
    })),
    parts: [...book.querySelectorAll('.book-print-part')].map(p => p.id),
    links: [...book.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    closedFolds: [...book.querySelectorAll('details:not([open])')].map(d => d.innerText.slice(0, 60)),
    reference: book.querySelectorAll('[id$="--the-code"], div.doc-function, div.doc-class').length,
    scripts: book.querySelectorAll('script, canvas').length,
  };
}"""


def load(name, path):
    """A module of book/ (not a package), imported from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed_pages():
    """The name of each page that the print page holds ("data"), in nav order."""
    import yaml

    hooks, printer = load("book_hooks", "book/hooks.py"), load("print_book", "book/print_book.py")
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))["nav"]
    return [printer.page_name(page) for page, _ in hooks.nav_pages(nav) if page not in printer.NOT_PRINTED]


def printed_parts():
    """The id of each part's title sheet ("part-i"), from the nav's "Part ..." sections, in order."""
    import yaml

    printer = load("print_book", "book/print_book.py")
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))["nav"]
    titles = [next(iter(entry)) for entry in nav if isinstance(entry, dict)]
    return [printer.part_id(title) for title in titles if title.startswith("Part ")]


def site_captions(name):
    """The figure captions' numbers on the page's own built HTML: ["Figure 3.1.", ...]."""
    html = (Path(SITE) / ("" if name == "index" else name) / "index.html").read_text("utf-8")
    return re.findall(r"<figcaption[^>]*>\s*<strong>(Figure [^<]*)</strong>", html)


@pytest.fixture(scope="module")
def printed(base_url, browser):
    """The print page once typeset: (what it shows, its log, the PDF's bytes, seconds taken)."""
    context, page, log = watched_page(browser)
    try:
        start = time.monotonic()
        page.goto(base_url + PRINT_PAGE, wait_until="load", timeout=PDF_SECONDS * 1000)
        page.wait_for_function(MATH_DONE_JS, timeout=PDF_SECONDS * 1000)  # the whole book's math
        seen = page.evaluate(PRINT_JS)
        page.emulate_media(media="print")
        page.evaluate("document.fonts.ready.then(() => true)")
        pdf = page.pdf(format="A4")  # as the print dialog's default: no "Background graphics"
        seconds = time.monotonic() - start
    finally:
        context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "book.pdf").write_bytes(pdf)
    return seen, log, pdf, seconds


def test_the_print_page_is_typeset_and_loads(printed):
    seen, log, _, _ = printed
    assert not log["js_errors"], f"JavaScript errors: {log['js_errors']}"
    assert not log["failures"], f"requests that failed: {log['failures']}"
    assert seen["untypeset"] == [], f"math KaTeX did not typeset: {seen['untypeset'][:5]}"
    assert seen["errors"] == [], f"KaTeX errors: {seen['errors'][:5]}"
    assert seen["badImages"] == [], f"images that did not load: {seen['badImages']}"
    assert seen["duplicateIds"] == [], f"ids used twice: {seen['duplicateIds'][:10]}"


def test_every_page_is_there_in_nav_order_with_its_number(printed):
    sections = printed[0]["sections"]
    assert [s["id"] for s in sections] == printed_pages()
    chapters = {page[:-3]: number for page, (number, _) in book_chapters().items()}
    for section in sections:
        assert section["h1"], f"{section['id']}: no title"
        if section["id"] in chapters:
            number = chapters[section["id"]]
            assert section["h1"].startswith(f"{number}. "), f"{section['id']}: {section['h1']!r}"
    assert printed[0]["parts"] == printed_parts()


def test_figures_are_numbered_as_on_the_chapter_pages(printed):
    sections = printed[0]["sections"]
    assert sum(len(s["captions"]) for s in sections) >= 20
    chapters = {page[:-3]: number for page, (number, _) in book_chapters().items()}
    for section in sections:
        assert section["captions"] == site_captions(section["id"]), section["id"]
        if section["id"] in chapters:
            number = chapters[section["id"]]
            expected = [f"Figure {number}.{k}." for k in range(1, len(section["captions"]) + 1)]
            assert section["captions"] == expected, section["id"]


def test_links_stay_in_the_document(printed):
    seen = printed[0]
    elsewhere = [h for h in seen["links"] if not h.startswith("#") and
                 (not urlsplit(h).scheme or is_local(h))]
    assert not elsewhere, f"links to other pages of the site: {elsewhere[:10]}"
    assert len([h for h in seen["links"] if h.startswith("#")]) > 100


def test_what_is_left_out_and_what_is_opened(printed):
    seen = printed[0]
    assert seen["reference"] == 0, "the API reference under 'The code' is in the printed book"
    assert seen["scripts"] == 0, "a script or the drawing pad's canvas is in the printed book"
    assert seen["closedFolds"] == [], f"folded blocks that print closed: {seen['closedFolds'][:5]}"


def test_the_pdf_has_a_plausible_number_of_pages(printed):
    seen, _, pdf, seconds = printed
    assert pdf.startswith(b"%PDF-")
    sheets = len(re.findall(rb"/Type\s*/Page\b", pdf))  # each page object; /Pages is another word
    at_least = len(seen["sections"]) + len(seen["parts"]) + 2  # each on a new sheet; title, contents
    assert at_least <= sheets <= MAX_SHEETS, f"the PDF has {sheets} pages"
    assert seconds < PDF_SECONDS, f"loading and printing took {seconds:.0f} s"


def test_the_front_page_links_to_the_print_page():
    if not SITE:
        pytest.skip("PRIMITIVE_NN_SITE is not set")
    front = (Path(SITE) / "index.html").read_text("utf-8")
    assert f'href="{PRINT_PAGE}"' in front, "the front page does not link to the printed book"
