"""MkDocs hooks for the primitive_nn book (wired up by `hooks:` in mkdocs.yml).

Four jobs, all small:

1. Results. Prose never types a measured number. It writes a placeholder,
   double braces around `results.` plus a dotted key into docs/results.json
   (or `results.benchmark.` plus a key into docs/benchmark.json, which the
   scripts in benchmarks/ write),
   and `on_page_markdown` puts in `str()` of the value found there. The
   generator (`python -m primitive_nn.book`) writes values already rounded for
   display. An unknown key or a missing results.json fails the build. Only
   placeholders that start with `results.` are touched, so LaTeX such as
   `x^{{-1}}` passes through as it is.

2. KaTeX. The site serves its own copy of KaTeX: `on_post_build` copies the
   files named in KATEX_FILES from book/node_modules (installed with
   `npm ci --prefix book`) into site/assets/katex/. No page loads anything
   from another host.

3. Networks. The "Try it" page runs the networks shipped in the package
   (primitive_nn/models/*.npz). `on_post_build` writes what the page loads,
   a manifest and one float32 file per network, into site/assets/models/
   with `primitive_nn.machinery.models.export_for_site`, so the weights are
   committed once, in the package.

4. Numbers. Nothing types a chapter or an exercise number; they come from
   the nav's order, so inserting a chapter renumbers the book.
   - Chapters: every page listed under a nav section whose title starts with
     "Part " is a chapter, numbered 1, 2, ... through the book in nav order,
     unless its front matter says `unnumbered: true`. The number goes before
     the nav title and the page's H1: `# Width and depth` reads
     "13. Width and depth".
   - Exercises: a chapter writes `### Exercise: <title> {#<label>}` (the
     label, optional, becomes the heading's id through attr_list), and reads
     `### Exercise 13.1: <title>`, numbered in page order.
   - Figures: an image of `figures/` on a line of its own, a blank line and
     its caption's paragraph become a <figure> captioned "Figure 13.2." and
     labelled by the file's name: `[](#width-depth)` reads "Figure 13.2"
     (on a page without a chapter number, "Figure 2").
   - References: a link with empty text names its target. `[](schedules.md)`
     reads "Chapter 12", `[](optimizers.md#momentum-constant)` reads
     "Exercise 11.1", `[](#label)` points into the same page. A reference to
     an unnumbered page or to an unknown label fails the build.
   `on_nav` reads the nav and every page's source once, before any page is
   rendered, into the label table `_labels` ({page: {label: Label}}, the
   page's own chapter under the label ""), so a page can refer to a later
   one; `on_page_markdown` then numbers each page and resolves its
   references from that table. A new kind of numbered thing (figures,
   equations) is one more `Kind` in KINDS: its marker, and how it reads
   once numbered; references to it then work as they do for exercises.
"""

import itertools
import json
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mkdocs.exceptions import PluginError
from mkdocs.utils.meta import get_data

# `{{ results.a.b }}`, spaces optional. Everything up to `}}` is taken as the
# key, so a typo such as `results.dev acc` fails loudly instead of slipping by.
PLACEHOLDER = re.compile(r"\{\{\s*results\.([^{}]*?)\s*\}\}")

RESULTS_FILE = "results.json"  # inside docs_dir
BENCHMARK_FILE = "benchmark.json"  # inside docs_dir; quoted as results.benchmark.*
KATEX_DIST = Path("book", "node_modules", "katex", "dist")  # from mkdocs.yml's folder
KATEX_FILES = ("katex.min.js", "katex.min.css", "fonts", "contrib/auto-render.min.js")
KATEX_SITE_DIR = Path("assets", "katex")  # inside site_dir; mkdocs.yml points here
MODELS_DIR = Path("primitive_nn", "models")  # from mkdocs.yml's folder: the shipped networks

_results = {}  # loaded afresh at the start of every build (and `mkdocs serve` rebuild)
_labels = {}  # the label table, {page: {label: Label}}: read afresh by on_nav in every build


# ---- results placeholders ---------------------------------------------------


def load_results(path):
    """Read the results JSON at `path`; raise PluginError if it is missing or bad."""
    path = Path(path)
    if not path.is_file():
        raise PluginError(
            f"{path} is missing: the book quotes its numbers from it. "
            "Run `python -m primitive_nn.book` to regenerate it."
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise PluginError(f"{path} is not valid JSON ({err}); regenerate it.") from err


def lookup(results, dotted_key, page="?"):
    """Return the leaf value at `dotted_key` (e.g. "dev.accuracy_pct") in `results`."""
    value = results
    for part in dotted_key.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise PluginError(
                f"{page}: unknown key 'results.{dotted_key}' "
                f"(no '{part}' in {RESULTS_FILE}); fix the page or regenerate the results."
            )
    if isinstance(value, (dict, list)):
        raise PluginError(f"{page}: 'results.{dotted_key}' is a group, not a single value.")
    return value


def substitute(markdown, results, page="?"):
    """Replace every results placeholder in `markdown` with `str()` of its value."""
    return PLACEHOLDER.sub(lambda m: str(lookup(results, m.group(1), page)), markdown)


# ---- chapter, exercise and reference numbers -------------------------------

PART_PREFIX = "Part "  # a nav section whose title starts so holds chapters
UNNUMBERED = "unnumbered"  # front matter `unnumbered: true`: a page of a Part that is no chapter
CHAPTER = "Chapter"  # what a reference to a chapter page reads before its number


@dataclass(frozen=True)
class Label:
    """A numbered thing as a reference names it: kind "Exercise", number "11.1"."""

    kind: str
    number: str

    def __str__(self):
        return f"{self.kind} {self.number}"


@dataclass(frozen=True)
class Kind:
    """One kind of numbered thing inside a chapter, numbered <chapter>.1, .2, ... in page order."""

    name: str  # what a reference reads before the number: "Exercise" -> "Exercise 11.1"
    marker: re.Pattern  # an unnumbered one in a page's Markdown; group "label" is its label, if any
    numbered: Callable[[re.Match, str], str]  # the marker as the reader sees it, given its number
    anywhere: bool = False  # on a page without a chapter number too, numbered 1, 2, ... there


# `### Exercise: <title> {#label}`, label optional; attr_list makes the label the heading's id.
EXERCISE = Kind(
    "Exercise",
    re.compile(r"^###[ \t]+Exercise:(?P<rest>.*?(?:\{[ \t]*#(?P<label>[\w-]+)[ \t]*\})?)[ \t]*$", re.M),
    lambda match, number: f"### Exercise {number}:{match['rest']}",
)
# `![alt](figures/<label>.png)`, a blank line, then the caption's paragraph: a figure, labelled
# by its file's name. md_in_html keeps the Markdown inside the <figure> and its caption.
FIGURE = Kind(
    "Figure",
    re.compile(r"^!\[(?P<alt>[^\]\n]*)\]\((?P<src>figures/(?P<label>[\w-]+)\.(?:png|svg))\)[ \t]*\n"
               r"[ \t]*\n(?P<caption>(?:[^\n]+\n?)+)", re.M),
    lambda match, number: (f'<figure id="{match["label"]}" markdown="1">\n\n'
                           f'![{match["alt"]}]({match["src"]})\n\n'
                           f'<figcaption markdown="span"><strong>Figure {number}.</strong> '
                           f'{" ".join(match["caption"].split())}</figcaption>\n\n</figure>\n'),
    anywhere=True,
)
KINDS = (EXERCISE, FIGURE)  # equations, when they are numbered, are one more Kind

H1 = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t]*$", re.M)  # the page's title line
# A number typed by hand: a heading "Exercise 3.2" or a chapter's H1 "# 3. Softmax".
TYPED = re.compile(r"^#{1,6}[ \t]+Exercise[ \t]+\d|\A\s*#[ \t]+\d+\.[ \t]", re.M)
# `[](target)`: a reference. Fenced and inline code is matched first, and left alone.
REFERENCE = re.compile(
    r"(?P<code>^[ \t]*(?P<fence>`{3,}|~{3,}).*?^[ \t]*(?P=fence)|`[^`\n]+`)"
    r"|\[\]\((?P<target>[^()\s]+)\)",
    re.M | re.S,
)


def nav_pages(nav, in_part=False):
    """Yield (page, is inside a Part) for each page of `nav` (mkdocs.yml's `nav:`), in order."""
    for entry in nav or ():
        title, value = next(iter(entry.items())) if isinstance(entry, dict) else (None, entry)
        if isinstance(value, list):
            yield from nav_pages(value, in_part or str(title).startswith(PART_PREFIX))
        elif isinstance(value, str) and value.endswith(".md"):  # not an external link
            yield value, in_part


def add_label(labels, name, label, page):
    """Put `label` into one page's `labels` under `name`; PluginError if the page has it already."""
    if name in labels:
        raise PluginError(f"{page}: the label '{name}' is used twice; give each its own.")
    labels[name] = label


def number_items(markdown, chapter, page="?"):
    """Number each Kind's markers in `markdown` <chapter>.1, .2, ...; return the text and its labels."""
    labels = {}
    for kind in KINDS:
        count = itertools.count(1)

        def numbered(match, kind=kind, count=count):
            if chapter is None and kind.anywhere:
                label = Label(kind.name, str(next(count)))
                if match["label"]:
                    add_label(labels, match["label"], label, page)
                return kind.numbered(match, label.number)
            if chapter is None:
                raise PluginError(
                    f"{page}: '{match[0].strip()}' is on a page without a chapter number; "
                    "only the chapters, the numbered pages of the Parts, number their "
                    f"{kind.name.lower()}s."
                )
            label = Label(kind.name, f"{chapter}.{next(count)}")
            if match["label"]:
                add_label(labels, match["label"], label, page)
            return kind.numbered(match, label.number)

        markdown = kind.marker.sub(numbered, markdown)
    return markdown, labels


def read_book(nav, docs_dir):
    """The label table of the book with this `nav` and these pages: {page: {label: Label}}.

    A chapter's own entry is under the label "" (what `[](page.md)` refers to).
    Pages outside the Parts, and those marked `unnumbered: true`, get no
    chapter number; a page the nav does not list is not in the table.
    """
    table, chapters = {}, itertools.count(1)
    for page, in_part in nav_pages(nav):
        markdown, meta = get_data(Path(docs_dir, page).read_text(encoding="utf-8"))
        typed = TYPED.search(markdown)
        if typed:
            raise PluginError(
                f"{page}: '{typed[0].strip()}' types a number; the book numbers its chapters and "
                "exercises itself (write '# Title' and '### Exercise: title {#label}')."
            )
        chapter = str(next(chapters)) if in_part and not meta.get(UNNUMBERED) else None
        table[page] = {"": Label(CHAPTER, chapter)} if chapter else {}
        for name, label in number_items(markdown, chapter, page)[1].items():
            add_label(table[page], name, label, page)
    return table


def resolve(target, page, table):
    """The Label that the reference `[](target)` on `page` names; PluginError if there is none."""
    path, _, name = target.partition("#")
    where = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
    reference = f"the reference []({target})"
    if where not in table:
        raise PluginError(f"{page}: {reference} points to {where}, which the nav does not list.")
    if name not in table[where]:
        if not name:
            raise PluginError(
                f"{page}: {reference} points to {where}, which has no chapter number "
                "(only the pages of the Parts are numbered); link it with words instead."
            )
        raise PluginError(
            f"{page}: {reference} names the label '{name}', which {where} does not define "
            f"(a label is written {{#{name}}} at the end of a numbered heading)."
        )
    return table[where][name]


def refer(markdown, page, table):
    """Give every reference `[](target)` in `markdown` its name: `[Chapter 9](target)`."""

    def named(match):
        if match["code"]:
            return match[0]
        return f"[{resolve(match['target'], page, table)}]({match['target']})"

    return REFERENCE.sub(named, markdown)


def number_page(markdown, page, table):
    """The Markdown of `page` as the reader sees it: numbered, its references named."""
    chapter = table.get(page, {}).get("")
    markdown = number_items(markdown, chapter and chapter.number, page)[0]
    if chapter:
        if not H1.search(markdown):
            raise PluginError(f"{page}: a chapter needs a '# Title' line to carry its number.")
        markdown = H1.sub(lambda m: f"# {chapter.number}. {m['title']}", markdown, count=1)
    return refer(markdown, page, table)


# ---- KaTeX assets -----------------------------------------------------------


def katex_source(config):
    """Folder holding KaTeX's dist files; raise PluginError if npm has not run."""
    dist = Path(config.config_file_path).parent / KATEX_DIST
    missing = [name for name in KATEX_FILES if not (dist / name).exists()]
    if missing:
        raise PluginError(
            f"KaTeX is not installed ({dist / missing[0]} not found). "
            "Run `npm ci --prefix book` first, then build again."
        )
    return dist


def copy_katex(dist, site_dir):
    """Copy the KaTeX files from `dist` into `site_dir`/assets/katex/."""
    target = Path(site_dir) / KATEX_SITE_DIR
    for name in KATEX_FILES:
        source, dest = dist / name, target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(source, dest)


# ---- MkDocs events ----------------------------------------------------------


def on_config(config):
    katex_source(config)  # fail before the slow part of the build, not after it


def on_pre_build(config):
    global _results
    _results = book_results(Path(config.docs_dir))


def book_results(docs_dir):
    """What `{{ results.* }}` can quote: results.json, the day it was committed, the benchmarks."""
    results = load_results(docs_dir / RESULTS_FILE)
    results["date"] = results_date(docs_dir / RESULTS_FILE)
    benchmark = docs_dir / BENCHMARK_FILE  # written by benchmarks/*.py, if run
    if benchmark.is_file():
        results["benchmark"] = load_results(benchmark)
    return results


def on_nav(nav, config, files):
    global _labels
    _labels = read_book(config.nav, config.docs_dir)  # every page's numbers, before any page renders
    for page in nav.pages:
        chapter = _labels.get(page.file.src_uri, {}).get("")
        if chapter and page.title is not None:  # without a nav title, the numbered H1 is the title
            page.title = f"{chapter.number}. {page.title}"
    return nav


def on_page_markdown(markdown, page, config, files):
    markdown = number_page(markdown, page.file.src_uri, _labels)
    return substitute(markdown, _results, page.file.src_uri)


def on_page_content(html, page, config, files):
    if _labels.get(page.file.src_uri, {}).get(""):  # a chapter: its title is the page's H1
        html = drop_module_summary(html)
    return sized_figures(hide_solutions(html), Path(config.docs_dir))


def on_post_build(config):
    copy_katex(katex_source(config), config.site_dir)
    export_networks(config)


def results_date(path):
    """The day results.json was last committed (git), else last written: "2026-11-30"."""
    import datetime
    import subprocess

    try:
        day = subprocess.run(["git", "log", "-1", "--format=%cs", "--", path.name], cwd=path.parent,
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        day = ""
    return day or datetime.date.fromtimestamp(path.stat().st_mtime).isoformat()


# ---- search ---------------------------------------------------------------------

# pymdownx.details writes `??? note "Solution"` as a folded <details> block.
SOLUTION = re.compile(r'<details class="note">(\s*<summary>Solution</summary>)')


def hide_solutions(html):
    """Keep the folded solutions out of the search index: Material skips `data-search-exclude`.

    >>> hide_solutions('<details class="note">\\n<summary>Solution</summary><p>42</p></details>')
    '<details class="note" data-search-exclude>\\n<summary>Solution</summary><p>42</p></details>'
    """
    return SOLUTION.sub(r'<details class="note" data-search-exclude>\1', html)


# ---- a chapter's module -------------------------------------------------------------

# mkdocstrings renders `::: primitive_nn.<module>` as a module block whose text opens with
# the docstring's one-line summary, which on a chapter's page only repeats its title.
MODULE_SUMMARY = re.compile(r'(<div class="doc doc-object doc-module">\s*'
                            r'<div class="doc doc-contents first">\s*)<p>(?:(?!</p>)[^\n])*</p>\n?')


def drop_module_summary(html):
    """Take out the one-line summary that opens each module's docstring on a chapter's page.

    >>> drop_module_summary('<div class="doc doc-object doc-module">\\n<div class="doc doc-contents '
    ...                     'first">\\n<p>Checking gradients.</p>\\n<p>Every formula...</p>')
    '<div class="doc doc-object doc-module">\\n<div class="doc doc-contents first">\\n<p>Every formula...</p>'
    """
    return MODULE_SUMMARY.sub(r"\1", html)


# ---- figures ------------------------------------------------------------------

FIGURE_IMG = re.compile(r'<img (?P<attrs>[^>]*?)src="(?P<src>(?:\.\./)*figures/(?P<name>[\w-]+\.png))"')
SHARP = 2  # the figure kit writes PNGs at twice the resolution they are shown at


def sized_figures(html, docs_dir):
    """Give each figure's <img> the width it is drawn for: its PNG's pixel width / SHARP."""
    def sized(match):
        png = docs_dir / "figures" / match["name"]
        if not png.is_file() or "width=" in match["attrs"]:
            return match[0]
        width = int.from_bytes(png.read_bytes()[16:20], "big")  # the IHDR chunk: width, then height
        return f'<img {match["attrs"]}width="{width // SHARP}" src="{match["src"]}"'

    return FIGURE_IMG.sub(sized, html)


# ---- the shipped networks ---------------------------------------------------


def export_networks(config):
    """Write the "Try it" page's manifest and weights into the site; PluginError if they are bad."""
    from primitive_nn.errors import PrimitiveNNError
    from primitive_nn.machinery.models import export_for_site

    models = Path(config.config_file_path).parent / MODELS_DIR
    try:
        export_for_site(models, config.site_dir)
    except PrimitiveNNError as err:
        raise PluginError(f"the shipped networks cannot be exported: {err}") from err
