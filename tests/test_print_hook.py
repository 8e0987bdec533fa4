"""Unit tests of book/print_book.py, the hook that puts the whole book on one page for printing.

No site and no browser: the hook's functions work on strings, and
`whole_book` on a nav of stand-in pages. tests/test_print.py checks the
built print page in Chromium.
"""

import doctest
import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def printer():
    """book/print_book.py, imported from its path (book/ is not a package)."""
    spec = importlib.util.spec_from_file_location("print_book", ROOT / "book" / "print_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_doctests_pass(printer):
    failed, tried = doctest.testmod(printer)
    assert tried > 10 and failed == 0


def test_ids_get_the_page_name_and_links_follow(printer):
    html = ('<h2 id="exercises">Exercises<a class="headerlink" href="#exercises">¶</a></h2>'
            '<p data-id="x">See <a href="../softmax/#summary">the summary</a>, '
            '<a href="../softmax/">Chapter 3</a> and <a href="../">the preface</a>.</p>')
    names = {"softmax": "softmax", "data": "data", ".": "index"}
    out = printer.relink(printer.prefix_ids(html, "data"), "data/", names)
    assert 'id="data--exercises"' in out and 'href="#data--exercises"' in out
    assert 'data-id="x"' in out  # only id attributes are renamed
    assert '<a href="#softmax--summary">the summary</a>' in out
    assert '<a href="#softmax">Chapter 3</a>' in out and '<a href="#index">the preface</a>' in out


def test_the_front_page_links_and_images_are_rebased(printer):
    """The front page sits one level above the print page: its relative addresses change."""
    names = {"data": "data", ".": "index"}
    assert printer.in_document("data/#idx", "", names) == "#data--idx"
    assert printer.in_document("#notation", "", names) == "#index--notation"
    assert printer.rebase("figures/a.png", "", "print/") == "../figures/a.png"
    assert printer.rebase("../figures/a.png", "data/", "print/") == "../figures/a.png"
    assert printer.rebase("https://example.org/a.png", "", "print/") == "https://example.org/a.png"


def test_links_with_nowhere_to_go_keep_their_text(printer):
    names = {"data": "data"}
    html = ('<a href="../appendix/#launch">launch</a>, <a href="../javascripts/try.js"><code>try.js</code></a>, '
            '<a href="https://numpy.org/">NumPy</a>')
    out = printer.relink(html, "data/", names)
    assert out == 'launch, <code>try.js</code>, <a href="https://numpy.org/">NumPy</a>'
    assert printer.unlink_missing('<a href="#data--gone">x</a> <a href="#data">y</a>', {"data"}) == 'x <a href="#data">y</a>'


@pytest.mark.parametrize("tail", [
    '<h2 id="the-code">The code</h2>\n<div class="doc doc-object doc-function"><h3 id="f">f</h3></div>',
    '<h2 id="the-code">The code</h2><p>See.</p><details class="book-code"><summary>The reference: '
    '1 function</summary><div class="doc doc-object doc-function"></div></details>',
    '<details class="api"><summary>The code</summary><h2 id="the-code">The code</h2><p>API</p></details>',
    '<div class="wrap"><h2 id="the-code">The code</h2><div><p>API</p></div></div>',
])
def test_the_code_is_left_out_however_it_is_wrapped(printer, tail):
    text = '<p>Text.</p>\n<details class="note"><summary>Solution</summary><p>42</p></details>\n'
    assert printer.drop_the_code(text + tail) == text


def test_folds_open_and_the_drawing_pad_goes(printer):
    html = ('<details class="note" data-search-exclude>\n<summary>Solution</summary></details>'
            '<details class="doctests"><summary>Examples</summary></details><details open><summary>x</summary></details>')
    assert printer.open_folds(html).count(" open>") == 3
    pad = ('<p>Draw.</p><div class="try-app" id="try-app"><div><canvas id="c"></canvas></div></div>'
           '<link rel="stylesheet" href="../stylesheets/try.css">\n<script src="../javascripts/try.js"></script>'
           '<h2 id="what">What you are seeing</h2>')
    out = printer.without_interactive(pad)
    assert "canvas" not in out and "script" not in out and "try.css" not in out
    assert out.startswith("<p>Draw.</p>") and out.endswith('<h2 id="what">What you are seeing</h2>')


def stand_in(src_uri, url, content, title=None):
    """A page as MkDocs hands it to the hook: its file, address, title and final HTML."""
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=url, content=content,
                           title=title, is_page=True, is_section=False)


def test_the_whole_book_has_unique_ids_and_only_links_inside(printer):
    chapter = ('<h1 id="1-the-data">1. The data</h1><figure id="samples"><img src="../figures/s.png">'
               '<figcaption><strong>Figure 1.1.</strong> Digits.</figcaption></figure>'
               '<h2 id="exercises">Exercises</h2><p><a href="../appendix/#fetch">fetch</a>, '
               '<a href="#samples">Figure 1.1</a>, <a href="../softmax/#exercises">there</a></p>'
               '<h2 id="the-code">The code</h2><div class="doc doc-object doc-function"><h3 id="f">f</h3></div>')
    pages = [
        stand_in("index.md", "", '<div class="book-title">\n<p>Title</p>\n</div>\n<h1 id="preface">Preface</h1>'
                 '<p><a href="data/">Chapter 1</a> <img src="figures/p.png"></p>', "Preface"),
        stand_in("data.md", "data/", chapter, "1. The data"),
        stand_in("softmax.md", "softmax/", '<h1 id="3-softmax">3. Softmax</h1><h2 id="exercises">Exercises</h2>',
                 "3. Softmax"),
        stand_in("appendix.md", "appendix/", '<h1 id="appendix">Appendix</h1><h2 id="fetch">fetch</h2>', "Appendix"),
    ]
    part = SimpleNamespace(title="Part I: the seed's network", children=pages[1:3], is_section=True, is_page=False)
    nav = SimpleNamespace(pages=pages, items=[pages[0], part, pages[3]])
    book = printer.whole_book('<p class="note">Print me.</p>', nav, "print/")

    ids = re.findall(r'\sid="([^"]*)"', book)
    assert len(ids) == len(set(ids))
    assert book.startswith('<div class="book-title">') and book.count("book-title") == 1
    assert "Appendix" not in book and "the-code" not in book and 'id="f"' not in book
    links = re.findall(r'href="([^"]*)"', book)
    assert all(link[1:] in ids for link in links), links
    assert "#data--samples" in links and "#softmax--exercises" in links and "#data" in links
    assert "fetch," in book  # the appendix is left out: its link keeps only its text
    assert re.findall(r'src="([^"]*)"', book) == ["../figures/p.png", "../figures/s.png"]
    assert book.index('id="part-i"') < book.index('data-page="data"') < book.index('data-page="softmax"')
