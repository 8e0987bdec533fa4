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

import ast
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
               r"[ \t]*\n(?P<caption>(?!:::)(?:[^\n]+\n?)+)", re.M),  # a directive is no caption
    lambda match, number: (f'<figure id="{match["label"]}" markdown="1">\n\n'
                           f'![{match["alt"]}]({match["src"]})\n\n'
                           f'<figcaption markdown="span"><strong>Figure {number}.</strong> '
                           f'{" ".join(match["caption"].split())}</figcaption>\n\n</figure>\n'),
    anywhere=True,
)
# `\label{<label>}` inside a display equation, on the page or in a docstring it renders: the
# equation is numbered, and `[](#<label>)` reads "Equation 9.2". The Markdown keeps the label
# (a docstring never passes through this hook's Markdown stage); `number_equations` turns it
# into KaTeX's `\tag{9.2}` in the page's HTML.
EQUATION = Kind("Equation", re.compile(r"(?<!`)\\label\{(?P<label>[\w-]+)\}"),  # not in `code`
                lambda match, number: match[0])
KINDS = (EXERCISE, FIGURE, EQUATION)

H1 = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t]*$", re.M)  # the page's title line
UNCAPTIONED = re.compile(r"^!\[[^\]\n]*\]\(figures/[^)\n]*\)[ \t]*$", re.M)  # a figure's line
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


def read_book(nav, docs_dir, root=None):
    """The label table of the book with this `nav` and these pages: {page: {label: Label}}.

    A chapter's own entry is under the label "" (what `[](page.md)` refers to).
    Pages outside the Parts, and those marked `unnumbered: true`, get no
    chapter number; a page the nav does not list is not in the table.
    `root` holds the modules the pages render (the folder above `docs_dir`).
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
        markdown = with_docstrings(markdown, root or Path(docs_dir).parent)  # equations are there too
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
    uncaptioned = UNCAPTIONED.search(FIGURE.marker.sub("", markdown))  # figures FIGURE leaves
    if uncaptioned:
        raise PluginError(f"{page}: the figure {uncaptioned[0].strip()} has no caption: give it "
                          "one, a paragraph after a blank line.")
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
    markdown = code_section(markdown, Path(config.config_file_path).parent)
    return substitute(markdown, _results, page.file.src_uri)


def on_page_content(html, page, config, files):
    labels = _labels.get(page.file.src_uri, {})
    if labels.get(""):  # a chapter: its title is the page's H1
        html = drop_module_summary(html)
    html = number_equations(html, page.file.src_uri, _labels)
    fold_code_toc(page.toc)
    html = fold_code(fold_examples(html))
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



# `::: primitive_nn.<module>` whose options say `members: false`: the page renders the module's
# docstring as its text. Its functions and classes then go into the page's "The code".
MODULE_TEXT = re.compile(r"^::: (?P<module>primitive_nn(?:\.\w+)*)[ \t]*\n"
                         r"(?P<options>(?:[ \t]+\S[^\n]*\n?)*)", re.M)
CODE_HEADING = re.compile(r"^## The code[ \t]*$", re.M)


def text_modules(markdown):
    """The modules whose docstrings `markdown` renders as text, in page order."""
    return [m["module"] for m in MODULE_TEXT.finditer(markdown)
            if re.search(r"^[ \t]+members:[ \t]*false[ \t]*$", m["options"], re.M)]


def module_source(module, root):
    """The parsed source of `module` ("primitive_nn.loss"), a package's __init__.py for a package."""
    path = Path(root, *module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    if not path.is_file():
        raise PluginError(f"'::: {module}': no module at {path}.")
    return ast.parse(path.read_text(encoding="utf-8"))


def public_members(module, root):
    """The names of `module`'s public functions and classes, in source order (its __all__, if any)."""
    tree = module_source(module, root)
    names = [node.name for node in tree.body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")]
    exported = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(target, "id", None) == "__all__" for target in node.targets)]
    return [name for name in names if name in exported[0]] if exported else names


def with_docstrings(markdown, root):
    """`markdown` with each module it renders as text replaced by that module's docstring."""
    modules = set(text_modules(markdown))
    return MODULE_TEXT.sub(
        lambda m: (ast.get_docstring(module_source(m["module"], root)) or "") + "\n"
        if m["module"] in modules else m[0], markdown)


def code_section(markdown, root):
    """`markdown` ending in "## The code": the public functions and classes of the modules it renders.

    A page may write the heading and a few sentences under it; the hook adds
    one `::: module.member` line per member, so a new chapter lists nothing
    by hand. A page that renders no module's text is left as it is.
    """
    members = [f"::: {module}.{name}" for module in text_modules(markdown)
               for name in public_members(module, root)]
    if not members:
        return markdown
    headings = re.findall(r"^## .*$", markdown, re.M)
    if CODE_HEADING.search(markdown) and headings[-1].strip() != "## The code":
        raise PluginError("'## The code' must be the page's last section: the hook adds the "
                          "reference at the end.")
    if not CODE_HEADING.search(markdown):
        markdown = markdown.rstrip() + "\n\n## The code\n"
    return markdown.rstrip() + "\n\n" + "\n".join(members) + "\n"


# mkdocstrings renders each member under "The code" as a block headed by an <h3> whose id is
# the member's full name.
REFERENCE_BLOCK = re.compile(r'<div class="doc doc-object doc-(?P<kind>function|class)">\s*'
                             r'<h3 id="(?P<module>[\w.]+)\.\w+"')


def fold_code(html):
    """Fold the reference under "The code" (the page's last section) into closed <details>.

    One fold per module, named by it when the page has several. The
    sentences under the heading stay in view. Following a link to a
    function inside opens its fold (browsers open a <details> that holds
    the target of the address's #fragment).

    >>> fold_code('<p>Text.</p><h2 id="the-code">The code</h2><p>See.</p>'
    ...           '<div class="doc doc-object doc-function">\\n<h3 id="m.f">f</h3></div>')[12:]
    '<h2 id="the-code">The code</h2><p>See.</p><details class="book-code"><summary>The reference: 1 function, with doctests and source</summary>\\n<div class="doc doc-object doc-function">\\n<h3 id="m.f">f</h3></div></details>\\n'
    """
    heading = html.find('<h2 id="the-code"')
    blocks = list(REFERENCE_BLOCK.finditer(html, max(heading, 0))) if heading >= 0 else []
    groups = [list(group) for _, group in itertools.groupby(blocks, key=lambda b: b["module"])]
    if not groups:
        return html
    folded = [html[:blocks[0].start()]]
    for k, group in enumerate(groups):
        end = groups[k + 1][0].start() if k + 1 < len(groups) else len(html)
        kinds = [block["kind"] for block in group]
        counts = [f"{n} {kind}{'es' if kind == 'class' else 's'}" if n > 1 else f"1 {kind}"
                  for kind in ("function", "class") if (n := kinds.count(kind))]
        name = f"<code>{group[0]['module']}</code>" if len(groups) > 1 else "The reference"
        folded.append(f'<details class="book-code"><summary>{name}: {" and ".join(counts)}, '
                      f'with doctests and source</summary>\n{html[group[0].start():end]}</details>\n')
    return "".join(folded)


def fold_code_toc(toc):
    """Leave the folded members out of the page's table of contents: "The code" has no children."""
    for item in toc:
        if item.id == "the-code":
            item.children = []
        fold_code_toc(item.children)


EXAMPLES_TITLE = '<p><span class="doc-section-title">Examples:</span></p>'
DIV = re.compile(r"<(/?)div\b")


def block_end(html, start):
    """Where the <div> that `start` lies in closes: the index of its `</div>`."""
    depth = 0
    for tag in DIV.finditer(html, start):
        if not tag[1]:
            depth += 1
        elif depth == 0:
            return tag.start()
        else:
            depth -= 1
    return len(html)


def fold_examples(html):
    """Fold a module's "Examples" section, its doctests, into a closed <details> where it stands.

    A chapter's text is its module's docstring, whose doctests end it; they
    stay in the docstring, and the page shows them on request. A function's
    examples, inside the folded reference, are left as they are.

    >>> fold_examples('<div class="doc doc-object doc-module"><div class="doc doc-contents first">'
    ...               '<p>Text.</p>\\n' + EXAMPLES_TITLE + '<div class="highlight">x</div></div></div>')[75:]
    '<p>Text.</p>\\n<details class="doctests"><summary>Examples, run as doctests</summary><div class="highlight">x</div></details></div></div>'
    """
    at = html.find(EXAMPLES_TITLE)
    while at >= 0:
        owner = html.rfind('<div class="doc doc-object ', 0, at)
        end = at + len(EXAMPLES_TITLE)
        if html.startswith('<div class="doc doc-object doc-module">', owner):
            end = block_end(html, end)
            html = (f'{html[:at]}<details class="doctests"><summary>Examples, run as doctests'
                    f'</summary>{html[at + len(EXAMPLES_TITLE):end]}</details>{html[end:]}')
        at = html.find(EXAMPLES_TITLE, end)
    return html


# ---- equations --------------------------------------------------------------------

DISPLAY_MATH = re.compile(r'<div class="arithmatex">(?P<math>(?:(?!</div>).)*?)</div>', re.S)
# An empty link: a reference `[](#label)` or `[](page.md#label)` written in a docstring, as
# mkdocstrings renders it ("../page/#label"; a label of its own page prefixed "module--label").
EMPTY_LINK = re.compile(r'<a href="(?:\.\./(?P<page>[\w-]+)/)?#(?:[\w.]+--)?(?P<label>[\w-]+)"></a>')


def number_equations(html, page, table):
    r"""Give each labelled display equation of `page` its number, and each empty reference its name.

    `\label{name}` becomes KaTeX's `\tag{9.2}` at the equation's end, and
    the equation's <div> the id `name`. A reference written in a docstring
    reaches the HTML as an empty link, named here from the label `table`.

    >>> table = {"softmax.md": {"grad": Label("Equation", "4.1")}, "backprop.md": {}}
    >>> number_equations('<div class="arithmatex">\\[ dZ = A - Y \\label{grad} \\]</div>'
    ...                  ' by <a href="#loss--grad"></a>', "softmax.md", table)
    '<div class="arithmatex" id="grad">\\[ dZ = A - Y  \\tag{4.1}\\]</div> by <a href="#grad">Equation 4.1</a>'
    >>> number_equations('see <a href="../softmax/#grad"></a>', "backprop.md", table)
    'see <a href="../softmax/#grad">Equation 4.1</a>'
    """
    labels = table.get(page, {})

    def tagged(match):
        names = EQUATION.marker.findall(match["math"])
        if not names:
            return match[0]
        if len(names) > 1 or getattr(labels.get(names[0]), "kind", "") != EQUATION.name:
            raise PluginError(f"{page}: the equation labelled {', '.join(names)} needs exactly one "
                              "label, numbered on a chapter's page.")
        math = EQUATION.marker.sub("", match["math"])
        end = math.rfind("\\]")
        return (f'<div class="arithmatex" id="{names[0]}">'
                f'{math[:end]}\\tag{{{labels[names[0]].number}}}{math[end:]}</div>')

    def named(match):
        where = f"{match['page']}.md" if match["page"] else page
        target = f"{'../' + match['page'] + '/' if match['page'] else ''}#{match['label']}"
        label = resolve(f"{where}#{match['label']}", page, table)
        return f'<a href="{target}">{label}</a>'

    return EMPTY_LINK.sub(named, DISPLAY_MATH.sub(tagged, html))


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
