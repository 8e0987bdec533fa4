r"""MkDocs hook: the whole book on one page, for printing (wired up by `hooks:` in mkdocs.yml).

The page is docs/print.md, marked by its front matter `print_book: true`
and listed in no nav. Its Markdown holds only a note for the reader; when
MkDocs renders it, `on_page_context` appends every page of the nav, in nav
order, as each page's own HTML. MkDocs (1.5 and later) converts every
page's Markdown, and runs every `on_page_content` and `on_env` (where
book/hooks.py numbers chapters, exercises and figures, and mkdocs-autorefs
resolves cross-references), before it renders any template, so each
`page.content` is final by then.

Putting many pages on one asks for four changes to each page's HTML:

- Ids. Every chapter has "exercises" and "summary", so every id of a page
  gets the page's name in front: `exercises` on data.md becomes
  `data--exercises`, and the page itself starts at the anchor `data`.
- Links. A link to a page of the book, `../data/#exercises` or
  `../data/`, becomes a link inside the document, `#data--exercises` or
  `#data`. A link whose target the printed book leaves out, and a link to
  any other file of the site, keeps its text and loses its link, so the
  printed book points only into itself or to other sites. Images keep
  working: their paths are rebased from the page's address to the print
  page's (a change only for the front page, which sits one level higher).
- Left out: each chapter's "The code" (its API reference, the rest of the
  page from `<h2 id="the-code">`, or a folded block whose summary is "The
  code"), the pages in NOT_PRINTED, and the "Try it" page's drawing pad,
  which is replaced by a sentence. Scripts in a page are dropped.
- Folds: what a page folds away, the exercises' solutions (`??? note
  "Solution"`) and a chapter's doctests, is printed open; paper cannot
  unfold it.

docs/stylesheets/print.css starts each part and chapter on a new sheet and
keeps a figure on one. The front page's title block opens the book, and a
contents list follows the note.
"""

import html as html_lib
import posixpath
import re
from urllib.parse import urlsplit

PRINT_FLAG = "print_book"  # front matter `print_book: true`: this page prints the book
NOT_PRINTED = ("appendix.md",)  # all API reference, the machinery's docstrings: read it on the site
SEPARATOR = "--"  # a page's name, then this, then the id it had on its own page

ID = re.compile(r'(?<=\s)id="(?P<id>[^"]*)"')
LINK = re.compile(r'<a\b(?P<before>[^>]*?)\shref="(?P<href>[^"]*)"(?P<after>[^>]*)>(?P<text>.*?)</a>', re.S)
SRC = re.compile(r'(?<=\s)src="(?P<src>[^"]*)"')
# Where a chapter's API reference starts: its "## The code" heading, or a folded block so titled.
THE_CODE = re.compile(r'<h2[^>]*\sid="the-code"|<details[^>]*>\s*<summary>\s*The code\b')
FOLD = re.compile(r'<details(?P<attrs>(?:(?!\sopen\b)[^>])*)>')  # a closed <details>
SCRIPT = re.compile(r'<script\b.*?</script>\s*|<link\b[^>]*>\s*', re.S)
INTERACTIVE = '<div class="try-app"'  # the "Try it" page's drawing pad: nothing to print
INTERACTIVE_NOTE = ('<p class="book-print-elsewhere"><em>The drawing pad is left out of the printed '
                    'book: open this page on the book\'s site to draw.</em></p>\n')
TITLE_BLOCK = re.compile(r'<div class="book-title">.*?</div>\n?', re.S)  # the front page's title


# ---- one page's HTML --------------------------------------------------------------


def prefix_ids(html, name):
    r"""Give every id in `html` the page's `name` in front: `exercises` -> `data--exercises`.

    >>> prefix_ids('<h2 id="exercises">Exercises</h2>', "data")
    '<h2 id="data--exercises">Exercises</h2>'
    """
    return ID.sub(lambda m: f'id="{name}{SEPARATOR}{m["id"]}"', html)


def element_end(html, start):
    r"""Where the element whose opening tag starts at `start` ends (after its closing tag)."""
    tag = re.match(r"<(\w+)", html[start:])[1]
    depth = 0
    for match in re.compile(rf"<(/?){tag}\b[^>]*>").finditer(html, start):
        depth += -1 if match[1] else 1
        if depth == 0:
            return match.end()
    return len(html)


def drop_the_code(html):
    r"""`html` without its API reference: from "The code" (or the block that folds it) to the end.

    >>> drop_the_code('<p>Text.</p>\n<h2 id="the-code">The code</h2>\n<div>API</div>')
    '<p>Text.</p>\n'
    >>> drop_the_code('<p>Text.</p><details class="api"><summary>The code</summary>API</details>')
    '<p>Text.</p>'
    """
    found = THE_CODE.search(html)
    if not found:
        return html
    cut = found.start()
    for tag in ("details", "div"):  # "The code" inside a wrapper: cut from the wrapper's start
        while len(re.findall(rf"<{tag}\b", html[:cut])) > html[:cut].count(f"</{tag}>"):
            cut = html.rfind(f"<{tag}", 0, cut)
    return html[:cut]


def without_interactive(html):
    r"""`html` without scripts and stylesheets, its drawing pad replaced by a sentence.

    >>> without_interactive('<p>Draw.</p>\n<div class="try-app"><div>pad</div></div>\n<script src="a.js"></script>')
    '<p>Draw.</p>\n<p class="book-print-elsewhere"><em>The drawing pad is left out of the printed book: open this page on the book\'s site to draw.</em></p>\n\n'
    """
    start = html.find(INTERACTIVE)
    if start >= 0:
        html = html[:start] + INTERACTIVE_NOTE + html[element_end(html, start):]
    return SCRIPT.sub("", html)


def open_folds(html):
    r"""Print each folded block (an exercise's solution, a chapter's doctests) open.

    >>> open_folds('<details class="note" data-search-exclude>\n<summary>Solution</summary>')
    '<details class="note" data-search-exclude open>\n<summary>Solution</summary>'
    """
    return FOLD.sub(r"<details\g<attrs> open>", html)


# ---- addresses ---------------------------------------------------------------------


def site_path(url, page_url):
    r"""The site path that the relative `url`, written on the page at `page_url`, points to.

    None for an address of its own (another site, `/...`, `data:`) or a bare `#fragment`.

    >>> site_path("../data/", "softmax/"), site_path("figures/a.png", ""), site_path("../", "data/")
    ('data', 'figures/a.png', '.')
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_url) or ".", parts.path))


def rebase(url, page_url, print_url):
    r"""`url` as written on the page at `page_url`, rewritten for the page at `print_url`.

    >>> rebase("figures/a.png", "", "print/"), rebase("../figures/a.png", "data/", "print/")
    ('../figures/a.png', '../figures/a.png')
    """
    path = site_path(url, page_url)
    if path is None:
        return url
    fragment = "#" + urlsplit(url).fragment if "#" in url else ""
    return posixpath.relpath(path, posixpath.dirname(print_url) or ".") + fragment


def in_document(href, page_url, names):
    r"""The in-document address for the link `href` on the page at `page_url`, or None if none.

    `names` maps each printed page's site path ("data", "." for the front
    page) to its name. A bare fragment stays on its page; a link to another
    site is returned as it is.

    >>> names = {"data": "data", ".": "index"}
    >>> in_document("#summary", "data/", names), in_document("../data/#exercises", "softmax/", names)
    ('#data--summary', '#data--exercises')
    >>> in_document("../", "data/", names), in_document("../try.js", "data/", names)
    ('#index', None)
    >>> in_document("https://numpy.org/", "data/", names)
    'https://numpy.org/'
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return href
    name = names.get(site_path(href, page_url) if parts.path else page_key(page_url))
    if name is None:
        return None
    return f"#{name}{SEPARATOR}{parts.fragment}" if parts.fragment else f"#{name}"


def relink(html, page_url, names):
    r"""Point every link of `html` into the document; a link with nowhere to go keeps its text only.

    >>> relink('<a href="../data/#x">see</a> <a href="../try.js">try.js</a>', "softmax/", {"data": "data"})
    '<a href="#data--x">see</a> try.js'
    """
    def linked(match):
        target = in_document(html_lib.unescape(match["href"]), page_url, names)
        if target is None:
            return match["text"]
        return f'<a{match["before"]} href="{html_lib.escape(target)}"{match["after"]}>{match["text"]}</a>'

    return LINK.sub(linked, html)


def unlink_missing(html, ids):
    r"""Keep only the text of an in-document link whose target is not among `ids`.

    >>> unlink_missing('<a href="#a">A</a> <a href="#b">B</a>', {"a"})
    '<a href="#a">A</a> B'
    """
    def kept(match):
        href = html_lib.unescape(match["href"])
        return match[0] if not href.startswith("#") or href[1:] in ids else match["text"]

    return LINK.sub(kept, html)


# ---- the whole book ------------------------------------------------------------------


def page_name(src_uri):
    r"""The name a page's ids and anchor take in the printed book: "data.md" -> "data"."""
    return posixpath.splitext(src_uri)[0].replace("/", "-")


def printed_page(page, names, print_url):
    r"""One page's HTML as the printed book shows it, in a <section> that starts with its anchor."""
    name = names[page_key(page.url)]
    html = open_folds(without_interactive(drop_the_code(page.content)))
    html = SRC.sub(lambda m: f'src="{rebase(m["src"], page.url, print_url)}"', html)
    html = relink(prefix_ids(html, name), page.url, names)
    # The anchor is a <span>: Material names each code block after its nearest ancestor with an
    # id, so an id on the <section> would give all of a page's code blocks the same one.
    return (f'<section class="book-print-page" data-page="{name}"><span id="{name}"></span>\n'
            f'{html}\n</section>\n')


def contents(items, names):
    r"""The contents list: the parts and their pages, each linked to where it starts."""
    def entry(href, title, inner=""):
        return f'<li><a href="#{href}">{html_lib.escape(title, quote=False)}</a>{inner}</li>'

    lines = ['<nav class="book-print-contents">\n<h2 id="contents">Contents</h2>\n<ul>']
    for item in items:
        if item.is_section:
            chapters = "".join(entry(names[page_key(p.url)], p.title) for p in printed(item.children))
            lines.append(entry(part_id(item.title), item.title, f"<ul>{chapters}</ul>"))
        elif printed([item]):
            lines.append(entry(names[page_key(item.url)], item.title))
    return "\n".join(lines) + "\n</ul>\n</nav>\n"


def printed(items):
    r"""The pages among `items` that the printed book holds."""
    return [p for p in items if p.is_page and p.file.src_uri not in NOT_PRINTED]


def page_key(url):
    r"""The site path of the page at `url`, as `names` keys it: "data/" -> "data", "" -> "."."""
    return site_path(url, "") or "."


def part_id(title):
    r"""The id of a part's title sheet: "Part I: the seed's network" -> "part-i"."""
    return "part-" + re.sub(r"\W+", "-", title.split(":")[0].removeprefix("Part ")).strip("-").lower()


def whole_book(note, nav, print_url):
    r"""The print page's HTML: the title, `note`, the contents, then every printed page of `nav`."""
    pages = printed(nav.pages)
    names = {page_key(p.url): page_name(p.file.src_uri) for p in pages}
    parts = {}  # the first page of each part -> the part's title sheet
    for item in nav.items:
        if item.is_section and printed(item.children):
            heading = html_lib.escape(item.title, quote=False)
            parts[printed(item.children)[0].file.src_uri] = (
                f'<div class="book-print-part" id="{part_id(item.title)}"><p>{heading}</p></div>\n')
    body = "".join(parts.get(p.file.src_uri, "") + printed_page(p, names, print_url) for p in pages)
    title = TITLE_BLOCK.search(body)
    if title:  # the front page's title block opens the book
        body = body[:title.start()] + body[title.end():]
    book = (title[0] if title else "") + note + contents(nav.items, names) + body
    return unlink_missing(book, {m["id"] for m in ID.finditer(book)})


# ---- MkDocs events ---------------------------------------------------------------


def on_page_context(context, page, config, nav):
    if page.meta.get(PRINT_FLAG):  # every other page's content is final by now
        page.content = f'<div class="book-print">\n{whole_book(page.content, nav, page.url)}</div>\n'
    return context
