"""The book quotes its numbers from docs/results.json, and numbers itself; nothing is typed by hand.

Four parts: unit tests of the results hook in book/hooks.py (substitution,
and the errors that fail the build); checks over the pages in docs/ that no
measured number is typed into the prose; unit tests of the numbering hook
(chapters and exercises numbered from the nav's order, references named by
their target); and checks that no page, docstring or README types a chapter
or exercise number.
"""

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = DOCS / "results.json"
EXERCISES = ROOT / "tests" / "test_exercises.py"

# Percentages that may be typed into a page, because they are quoted facts
# rather than results of this code: the seed notebook's reported training
# accuracy (iteration 490) and the 86% of its headline.
ALLOWED_PERCENTAGES = {"86.36%", "86%"}


@pytest.fixture(scope="module")
def hooks():
    """book/hooks.py, imported from its path (book/ is not a package)."""
    pytest.importorskip("mkdocs", reason="needs the docs extra: pip install -e '.[docs]'")
    spec = importlib.util.spec_from_file_location("book_hooks", ROOT / "book" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages():
    """Each Markdown page of the book, with its results placeholders taken out."""
    texts = {p.relative_to(DOCS).as_posix(): p.read_text("utf-8") for p in DOCS.rglob("*.md")}
    return {name: re.sub(r"\{\{.*?\}\}", " ", text) for name, text in texts.items()}


def book_nav():
    """mkdocs.yml's `nav:`, the order the book's chapters are numbered in."""
    yaml = pytest.importorskip("yaml", reason="needs the docs extra: pip install -e '.[docs]'")
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))["nav"]


def significant_digits(value):
    """How many significant digits `str(value)` shows: 84.43 -> 4, 0.654 -> 3, 0.1 -> 1."""
    return len(str(value).replace(".", "").lstrip("0"))


def numeric_leaves(tree, path="results"):
    """Yield (dotted key, value) for every number in a parsed results.json."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        if isinstance(value, (dict, list)):
            yield from numeric_leaves(value, f"{path}.{key}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield f"{path}.{key}", value


# ---- the results hook -------------------------------------------------------

RESULTS_FIXTURE = {"dev": {"accuracy_pct": 84.3, "runs": [{"loss": 0.52}]}, "epochs": 500}


def test_placeholders_are_replaced_by_their_values(hooks):
    page = "Dev accuracy: {{ results.dev.accuracy_pct }}%, {{results.epochs}} epochs."
    assert hooks.substitute(page, RESULTS_FIXTURE) == "Dev accuracy: 84.3%, 500 epochs."
    assert hooks.substitute("{{ results.dev.runs.0.loss }}", RESULTS_FIXTURE) == "0.52"


def test_latex_braces_pass_through(hooks):
    page = r"$x^{{-1}}$, $W^{{[1]}}$ and {{ not.results }} stay as they are."
    assert hooks.substitute(page, RESULTS_FIXTURE) == page


def test_unknown_key_fails_and_names_page_and_key(hooks):
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"results\.md.*results\.dev\.accuracy"):
        hooks.substitute("{{ results.dev.accuracy }}", RESULTS_FIXTURE, "results.md")
    with pytest.raises(PluginError, match="a group"):
        hooks.substitute("{{ results.dev }}", RESULTS_FIXTURE, "results.md")


def test_missing_or_broken_results_file_fails(hooks, tmp_path):
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="python -m primitive_nn.book"):
        hooks.load_results(tmp_path / "results.json")
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(PluginError, match="not valid JSON"):
        hooks.load_results(tmp_path / "results.json")
    (tmp_path / "results.json").write_text(json.dumps(RESULTS_FIXTURE))
    assert hooks.load_results(tmp_path / "results.json") == RESULTS_FIXTURE


def test_every_placeholder_in_the_book_has_a_value(hooks):
    results = hooks.book_results(DOCS)
    for page in DOCS.rglob("*.md"):
        hooks.substitute(page.read_text("utf-8"), results, page.name)  # raises if unknown


# ---- no hand-typed numbers --------------------------------------------------


def test_no_page_types_a_number_that_results_json_holds():
    """A measured number (a float in results.json) must come in through a placeholder.

    Numbers with fewer than three significant digits (0.1, 1.5) are left out:
    they are as often settings, constants of a derivation or step sizes as
    measurements, and would match those by coincidence.
    """
    assert RESULTS.is_file(), "docs/results.json is missing: run `python -m primitive_nn.book`"
    results = {**json.loads(RESULTS.read_text("utf-8")),
               "benchmark": json.loads((DOCS / "benchmark.json").read_text("utf-8"))}
    for key, value in numeric_leaves(results):
        if isinstance(value, int) or significant_digits(value) < 3:
            continue  # whole numbers (784 pixels, 10 classes, a seed) are settings, not results
        shown = re.compile(rf"(?<![\d.]){re.escape(str(value))}(?!\.?\d)")
        for name, text in pages().items():
            assert not shown.search(text), f"docs/{name} types {value}; write {{{{ {key} }}}}"


def test_no_page_types_a_percentage():
    """Percentages are results: only the allow-listed, quoted ones may be typed."""
    for name, text in pages().items():
        typed = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?\s?%", text)) - ALLOWED_PERCENTAGES
        assert not typed, f"docs/{name} types {sorted(typed)}: quote docs/results.json instead"


# Every table whose prose ranks settings, by the key of its seed count in results.json.
RANKED_TABLES = ("part2.ladder_seeds", "part2.ablation_seeds", "part2.optimizers.seeds",
                 "part2.learning_rate.seeds", "part2.minibatch.seeds", "part2.width_depth.seeds",
                 "part2.regularization.seeds")


@pytest.mark.parametrize("key", RANKED_TABLES)
def test_every_ranked_table_ran_three_seeds_or_more(key):
    """The book's rule (`primitive_nn.measurement`) needs the same 3 or more seeds on both sides."""
    value = json.loads(RESULTS.read_text("utf-8"))
    for part in key.split("."):
        value = value[part]
    assert value >= 3, f"{key} is {value}: a table the prose ranks needs at least 3 seeds"


def test_every_comparison_was_judged_by_the_rule():
    """No comparison the pages quote was made on too few seeds to judge."""
    verdicts = [v for k, v in leaves(json.loads(RESULTS.read_text("utf-8"))) if k.endswith(".real")]
    assert verdicts and set(verdicts) <= {"yes", "no"}, sorted(set(verdicts))


def leaves(tree, prefix=""):
    """(dotted key, value) for every leaf of a JSON tree."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from leaves(v, f"{prefix}{k}.")
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from leaves(v, f"{prefix}{i}.")
    else:
        yield prefix[:-1], tree


def test_readme_shows_the_tables_and_the_book_time_that_results_json_holds():
    """README is read without the book's hooks, so it types its tables: they must be the current ones.

    After `python -m primitive_nn.book`, copy the rows from the built ladder page.
    """
    results = json.loads(RESULTS.read_text("utf-8"))
    readme = (ROOT / "README.md").read_text("utf-8")
    for rung in results["part2"]["ladder"].values():
        after = f"`{rung['after']}`" if rung["after"] else ""
        row = (f"| `{rung['name']}` | {after} | {rung['about']} | {rung['params']} | "
               f"{rung['test_mean']} ± {rung['test_sd']} | {rung['seconds']} |")
        assert row in readme, f"README's ladder table is stale; the row should read\n{row}"
    for mode in ("faithful", "corrected", "he"):
        s = results[mode]
        cells = " | ".join(f"{s[f'{split}_mean']} ± {s[f'{split}_sd']} ({s[f'{split}_min']}–"
                           f"{s[f'{split}_max']})" for split in ("train", "dev", "test"))
        assert f"| {cells} | {round(s['reaching_seed'] * s['runs'] / 100)} of {s['runs']} |" in readme, \
            f"README's table of the seed's recipe over seeds is stale: {mode} should read {cells}"
    corrected = results["corrected"]
    assert (f"({corrected['test_mean']}% test accuracy on average over {corrected['runs']} seeds)"
            in " ".join(readme.split())), "README's opening is stale"
    best = results["part2"]["ladder"]["best"]["test_mean"]
    assert f"to {best}% test accuracy (the mean over seeds 0–2)" in " ".join(readme.split()), \
        "README's opening is stale"
    minutes = round(sum(results["experiment_seconds"].values()) / 60)
    assert f"committed files add up to {minutes} minutes" in " ".join(readme.split()), \
        f"README's time for the book's run is stale: the experiments took {minutes} minutes"


@pytest.mark.skipif(not os.environ.get("PRIMITIVE_NN_SITE"), reason="PRIMITIVE_NN_SITE is not set")
def test_no_placeholder_is_left_anywhere_in_the_built_site():
    """Placeholders in docstrings are never filled: the built pages must hold none at all."""
    site = Path(os.environ["PRIMITIVE_NN_SITE"])
    pages = sorted(site.rglob("*.html"))
    assert pages, f"{site} holds no built site: run book/build.sh first"
    left = [p.relative_to(site).as_posix() for p in pages
            if re.search(r"\{\{\s*results\.", p.read_text("utf-8"))]
    assert not left, f"unfilled results placeholders in {left}"


# ---- chapter, exercise and reference numbers ---------------------------------

# A made-up book: a preface, two Parts (one with an unnumbered results page) and an appendix.
TOY_PAGES = {
    "preface.md": "# Preface\n\nStart with [](intro.md); the last exercise is [](tools.md#hammer).\n",
    "intro.md": "# Introduction\n\n### Exercise: first {#first}\n\n### Exercise: unlabelled\n\n"
                "### Exercise: third {#third}\n\nSee [](#third), then [](tools.md).\n",
    "tools.md": "# Tools\n\n### Exercise: the hammer {#hammer}\n\nBack to [](intro.md#first).\n",
    "results.md": "---\nunnumbered: true\n---\n\n# Results\n\nFrom [](tools.md).\n",
    "new.md": "# A new chapter\n\n### Exercise: new {#fresh}\n",
    "appendix.md": "# Appendix\n",
}


def toy_nav(*part_one):
    """The made-up book's nav, with `part_one` as Part I's pages."""
    return ["preface.md", {"Part I: basics": list(part_one)},
            {"Part II: more": [{"Tools": "tools.md"}, {"Results": "results.md"}]},
            {"Appendix": "appendix.md"}]


@pytest.fixture
def toy_docs(tmp_path):
    for name, text in TOY_PAGES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def named(table):
    """A label table as plain strings: {page: {label: "Exercise 1.1"}}."""
    return {page: {label: str(value) for label, value in labels.items()} for page, labels in table.items()}


def test_chapters_and_exercises_follow_the_nav_order(hooks, toy_docs):
    table = named(hooks.read_book(toy_nav({"Intro": "intro.md"}), toy_docs))
    assert table == {
        "preface.md": {}, "appendix.md": {}, "results.md": {},  # outside the Parts, or unnumbered
        "intro.md": {"": "Chapter 1", "first": "Exercise 1.1", "third": "Exercise 1.3"},
        "tools.md": {"": "Chapter 2", "hammer": "Exercise 2.1"},
    }


def test_inserting_a_page_renumbers_the_chapters_after_it(hooks, toy_docs):
    table = named(hooks.read_book(toy_nav("new.md", {"Intro": "intro.md"}), toy_docs))
    assert table["new.md"] == {"": "Chapter 1", "fresh": "Exercise 1.1"}
    assert table["intro.md"] == {"": "Chapter 2", "first": "Exercise 2.1", "third": "Exercise 2.3"}
    assert table["tools.md"] == {"": "Chapter 3", "hammer": "Exercise 3.1"}


def test_a_page_is_numbered_and_its_references_named(hooks, toy_docs):
    table = hooks.read_book(toy_nav("new.md", {"Intro": "intro.md"}), toy_docs)
    intro = hooks.number_page(TOY_PAGES["intro.md"], "intro.md", table)
    assert intro == ("# 2. Introduction\n\n### Exercise 2.1: first {#first}\n\n### Exercise 2.2: unlabelled\n\n"
                     "### Exercise 2.3: third {#third}\n\nSee [Exercise 2.3](#third), then [Chapter 3](tools.md).\n")
    preface = hooks.number_page(TOY_PAGES["preface.md"], "preface.md", table)
    assert preface == "# Preface\n\nStart with [Chapter 2](intro.md); the last exercise is [Exercise 3.1](tools.md#hammer).\n"
    code = "# Preface\n\n`[](nowhere.md)` and\n\n```md\n[](nowhere.md)\n```\n"
    assert hooks.number_page(code, "preface.md", table) == code  # code shows the syntax, untouched


def test_figures_are_numbered_captioned_and_referred_to(hooks, toy_docs):
    figure = "![Loss against steps](figures/{}.png)\n\nThe loss falls,\nthen {}.\n"
    (toy_docs / "tools.md").write_text("# Tools\n\n" + figure.format("loss", "flattens") + "\nSee [](#loss).\n\n"
                                       + figure.format("steps", "stops"))
    (toy_docs / "results.md").write_text("---\nunnumbered: true\n---\n# Results\n\n" + figure.format("a", "b"))
    table = hooks.read_book(toy_nav({"Intro": "intro.md"}), toy_docs)
    assert named(table)["tools.md"] == {"": "Chapter 2", "loss": "Figure 2.1", "steps": "Figure 2.2"}
    assert named(table)["results.md"] == {"a": "Figure 1"}            # an unnumbered page counts its own
    tools = hooks.number_page((toy_docs / "tools.md").read_text(), "tools.md", table)
    assert ('<figure id="loss" markdown="1">\n\n![Loss against steps](figures/loss.png)\n\n'
            '<figcaption markdown="span"><strong>Figure 2.1.</strong> The loss falls, then flattens.'
            '</figcaption>\n\n</figure>\n') in tools
    assert "See [Figure 2.1](#loss)." in tools and "<strong>Figure 2.2.</strong>" in tools
    from mkdocs.exceptions import PluginError

    for after in ("", "::: primitive_nn.loss\n"):  # nothing after it, or a directive: no caption
        with pytest.raises(PluginError, match=r"tools\.md: the figure .*loss\.png.* has no caption"):
            hooks.number_page(f"# Tools\n\n![Loss](figures/loss.png)\n\n{after}", "tools.md", table)


def test_equations_are_numbered_on_the_page_and_in_the_docstrings_it_renders(hooks, toy_docs):
    from mkdocs.exceptions import PluginError

    module = "::: primitive_nn.loss\n    options:\n      members: false\n"
    (toy_docs / "tools.md").write_text(f"# Tools\n\n$$\na \\label{{first}}\n$$\n\n{module}\n"
                                       "$$\nb \\label{last}\n$$\n\nBy [](#softmax-gradient).\n")
    table = hooks.read_book(toy_nav({"Intro": "intro.md"}), toy_docs, root=ROOT)
    assert {k: v for k, v in named(table)["tools.md"].items() if k} == {  # the docstring's, in order
        "first": "Equation 2.1", "softmax-shift": "Equation 2.2", "softmax-gradient": "Equation 2.3",
        "last": "Equation 2.4"}
    tools = hooks.number_page((toy_docs / "tools.md").read_text(), "tools.md", table)
    assert "By [Equation 2.3](#softmax-gradient)." in tools
    html = '<div class="arithmatex">\\[\nb \\label{last}\n\\]</div> <a href="../tools/#loss--first"></a>'
    assert hooks.number_equations(html, "tools.md", table).startswith(
        '<div class="arithmatex" id="last">\\[\nb \n\\tag{2.4}\\]</div> <a href="../tools/#first">Equation 2.1</a>')
    with pytest.raises(PluginError, match="the equation labelled first"):  # not intro.md's own label
        hooks.number_equations(html.replace("last", "first"), "intro.md", table)
    (toy_docs / "results.md").write_text("---\nunnumbered: true\n---\n# Results\n\n$$\nc \\label{c}\n$$\n")
    with pytest.raises(PluginError, match="results.md.*without a chapter number"):
        hooks.read_book(toy_nav({"Intro": "intro.md"}), toy_docs, root=ROOT)


def test_every_numbered_equation_is_referred_to(hooks):
    """The book numbers the equations its text refers back to, and only those."""
    table = hooks.read_book(book_nav(), DOCS)
    texts = "".join(p.read_text("utf-8") for p in [*DOCS.glob("*.md"), *(ROOT / "primitive_nn").glob("*.py")])
    equations = [(page, name) for page, labels in table.items() for name, label in labels.items()
                 if label.kind == "Equation"]
    assert equations, "no numbered equation in the book"
    unreferred = [f"{page}#{name}" for page, name in equations if f"#{name})" not in texts]
    assert not unreferred, f"numbered, never referred to: {unreferred}"


def test_the_code_lists_every_public_member_of_the_modules_a_page_renders(hooks):
    from mkdocs.exceptions import PluginError

    page = "# Measuring\n\n::: primitive_nn.measurement\n    options:\n      members: false\n\n## Exercises\n"
    members = ["binomial_se", "paired_difference", "t_critical", "is_real"]
    assert hooks.code_section(page, ROOT) == page + "\n## The code\n\n" + "".join(
        f"::: primitive_nn.measurement.{name}\n" for name in members)
    written = page + "\n## The code\n\nA sentence.\n"  # a page may say something under the heading
    assert hooks.code_section(written, ROOT).startswith(written + "\n::: primitive_nn.measurement.binomial_se\n")
    whole = "# Measuring\n\n::: primitive_nn.measurement\n"  # renders the members itself
    assert hooks.code_section(whole, ROOT) == whole
    with pytest.raises(PluginError, match="must be the page's last section"):
        hooks.code_section(page.replace("## Exercises", "## The code\n\n## Exercises"), ROOT)


def test_the_reference_and_a_modules_doctests_are_folded(hooks):
    page = ('<div class="doc doc-object doc-module"><div class="doc doc-contents first"><p>Text.</p>'
            + hooks.EXAMPLES_TITLE + '<p>Two:</p><div class="highlight">&gt;&gt;&gt; 1 + 1</div></div></div>'
            '<h2 id="the-code">The code</h2>'
            '<div class="doc doc-object doc-function">\n<h3 id="m.f">f</h3>' + hooks.EXAMPLES_TITLE
            + '<div class="highlight">x</div></div>'
            '<div class="doc doc-object doc-class">\n<h3 id="m.C">C</h3></div>')
    folded = hooks.fold_code(hooks.fold_examples(page))
    assert folded.count("<details") == 2 and folded.count("</details>") == 2
    assert ('<details class="doctests"><summary>Examples, run as doctests</summary><p>Two:</p>'
            '<div class="highlight">&gt;&gt;&gt; 1 + 1</div></details></div></div>') in folded
    assert ('<h2 id="the-code">The code</h2><details class="book-code"><summary>The reference: '
            '1 function and 1 class, with doctests and source</summary>') in folded
    assert folded.endswith("</div></details>\n") and hooks.EXAMPLES_TITLE in folded  # f's, unfolded
    two = hooks.fold_code(page.replace('id="m.C"', 'id="n.C"'))  # one fold per module, each named
    assert two.count('<details class="book-code">') == 2
    assert "<summary><code>m</code>: 1 function," in two and "<summary><code>n</code>: 1 class," in two


def test_an_unknown_or_unnumbered_reference_fails_and_names_page_and_reference(hooks, toy_docs):
    from mkdocs.exceptions import PluginError

    table = hooks.read_book(toy_nav({"Intro": "intro.md"}), toy_docs)
    for target, why in [("results.md", "no chapter number"), ("preface.md", "no chapter number"),
                        ("tools.md#nail", "label 'nail'"), ("#hammer", "label 'hammer'"),
                        ("missing.md", "does not list")]:
        with pytest.raises(PluginError, match=rf"intro\.md: the reference \[\]\({re.escape(target)}\).*{why}"):
            hooks.number_page(f"# Introduction\n\nSee [](#first) and []({target}).\n", "intro.md", table)


def test_exercises_outside_a_chapter_typed_numbers_and_twice_used_labels_fail(hooks, toy_docs):
    from mkdocs.exceptions import PluginError

    nav = toy_nav({"Intro": "intro.md"})
    (toy_docs / "appendix.md").write_text("# Appendix\n\n### Exercise: stray\n")
    with pytest.raises(PluginError, match=r"appendix\.md: .*Exercise: stray.*without a chapter number"):
        hooks.read_book(nav, toy_docs)
    (toy_docs / "appendix.md").write_text("# Appendix\n")
    (toy_docs / "tools.md").write_text("# Tools\n\n### Exercise 2.1: the hammer\n")
    with pytest.raises(PluginError, match=r"tools\.md: .*types a number"):
        hooks.read_book(nav, toy_docs)
    (toy_docs / "tools.md").write_text("# 2. Tools\n")
    with pytest.raises(PluginError, match=r"tools\.md: .*types a number"):
        hooks.read_book(nav, toy_docs)
    (toy_docs / "tools.md").write_text("# Tools\n\n### Exercise: a {#same}\n\n### Exercise: b {#same}\n")
    with pytest.raises(PluginError, match=r"tools\.md: the label 'same' is used twice"):
        hooks.read_book(nav, toy_docs)


def test_every_reference_in_the_book_resolves_and_every_exercise_has_a_label(hooks):
    table = hooks.read_book(book_nav(), DOCS)
    for path in sorted(DOCS.glob("*.md")):
        page, text = path.name, path.read_text("utf-8")
        hooks.number_page(text, page, table)  # raises on an unknown reference
        unlabelled = [line for line in text.splitlines()
                      if line.startswith("### Exercise:") and not re.search(r"\{#[\w-]+\}\s*$", line)]
        assert not unlabelled, f"docs/{page}: give each exercise a label, {{#label}}: {unlabelled}"


def test_exercise_tests_and_solutions_are_named_after_their_exercise(hooks):
    """tests/test_exercises.py names an exercise `<page>-<label>` (its solution) or
    `test_<page>_<label>_...` (its tests), and a page includes a solution under its own exercise."""
    table = hooks.read_book(book_nav(), DOCS)
    exercises = {f"{page[:-3]}-{label}" for page, labels in table.items()
                 for label, value in labels.items() if value.kind == "Exercise"}
    source = EXERCISES.read_text("utf-8")
    sections = set(re.findall(r"^# --8<-- \[start:([\w-]+)\]", source, re.M))
    assert sections and sections <= exercises, f"solutions named after no exercise: {sections - exercises}"
    tests = re.findall(r"^def (test_\w+)", source, re.M)
    prefixes = {"test_" + name.replace("-", "_") for name in exercises}
    stray = [t for t in tests if not any(t == p or t.startswith(p + "_") for p in prefixes)]
    assert tests and not stray, f"tests named after no exercise (test_<page>_<label>_...): {stray}"
    for page in table:
        label = None
        for line in (DOCS / page).read_text("utf-8").splitlines():
            heading = re.match(r"#+ .*?(?:\{#([\w-]+)\})?\s*$", line)
            if heading:
                label = heading[1]
            shown = re.search(r'--8<-- "tests/test_exercises\.py:([\w-]+)"', line)
            if shown:
                assert shown[1] == f"{page[:-3]}-{label}", f"docs/{page} shows {shown[1]} under the exercise {label}"


TYPED_NUMBER = re.compile(r"\b(?:Chapters?\s+\d|Exercises?\s+\d+\.\d)", re.I)


def test_nothing_types_a_chapter_or_exercise_number():
    """Pages write `[](page.md)` or `[](page.md#label)`; docstrings and README name the chapter."""
    texts = {f"docs/{name}": text for name, text in pages().items()}
    texts["README.md"] = (ROOT / "README.md").read_text("utf-8")
    for path in sorted((ROOT / "primitive_nn").rglob("*.py")):
        texts[path.relative_to(ROOT).as_posix()] = path.read_text("utf-8")
    typed = {name: TYPED_NUMBER.findall(text) for name, text in texts.items()}
    typed = {name: found for name, found in typed.items() if found}
    assert not typed, (
        f"typed chapter or exercise numbers: {typed}; in a page write [](page.md) or "
        "[](page.md#label), elsewhere name the chapter (the mini-batch chapter, `primitive_nn.minibatch`)")


def test_nav_titles_carry_no_number():
    def titles(nav):
        for entry in nav:
            if isinstance(entry, dict):
                for title, value in entry.items():
                    yield title
                    if isinstance(value, list):
                        yield from titles(value)

    typed = [title for title in titles(book_nav()) if re.match(r"\s*\d", str(title))]
    assert not typed, f"mkdocs.yml: nav titles with typed numbers {typed}; book/hooks.py numbers chapters"


@pytest.mark.skipif(not os.environ.get("PRIMITIVE_NN_SITE"), reason="PRIMITIVE_NN_SITE is not set")
def test_the_built_site_shows_the_numbers(hooks):
    """Each chapter's H1, nav entry and exercise headings carry its number; no reference is left empty."""
    site = Path(os.environ["PRIMITIVE_NN_SITE"])
    table = hooks.read_book(book_nav(), DOCS)
    home = (site / "index.html").read_text("utf-8")
    for page, labels in table.items():
        html = (site / ("index.html" if page == "index.md" else page[:-3] + "/index.html")).read_text("utf-8")
        assert not re.search(r"<a [^>]*href=\"[^\"]*\"[^>]*>\s*</a>", html), f"{page}: an empty link"
        if "" not in labels:
            continue
        number = labels[""].number
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1]
        assert re.sub(r"<[^>]+>", "", h1).startswith(f"{number}. "), f"{page}: H1 {h1!r}"
        link = re.search(rf'href="{re.escape(page[:-3])}/" class="md-nav__link">\s*<span[^>]*>\s*([^<]*)', home)
        assert link and link[1].strip().startswith(f"{number}. "), f"{page}: nav entry {link and link[1]!r}"
        headings = re.findall(r"<h3 [^>]*>(Exercise [^:<]*):", html)
        labelled = [value for value in labels.values() if value.kind == "Exercise"]
        assert headings == [f"Exercise {number}.{k}" for k in range(1, len(headings) + 1)], f"{page}: {headings}"
        assert len(headings) >= len(labelled), f"{page}: {headings}, but {len(labelled)} labelled exercises"


def test_the_words_of_the_saturation_and_calibration_pages_fit_their_numbers():
    """Sentences that read a result in words; after a rerun, a failure here means: reread them."""
    results = json.loads(RESULTS.read_text("utf-8"))
    s, c = results["saturation"], results["calibration"]
    # saturation.md: "stands at ...% on the test set, chance for ten digits"
    assert s["trained"]["sigmoid"]["test"] < 12
    # "Layer 1 receives less than a hundred-thousandth of the output layer's gradient"
    assert all(v < 1e-5 for k, v in s["first_over_last"].items() if k.startswith("sigmoid"))
    # "Under tanh and ReLU the nine hidden layers' gradients are level"
    assert all(0.8 < v < 1.25 for k, v in s["fall_per_layer"].items() if not k.startswith("sigmoid"))
    # "The curves show where the gap opens ... Later epochs narrow the gap"
    for start, first in s["first_epoch_dev"].items():
        final = s["losses"][start]
        assert (first["cross_entropy"] - first["squared"]
                > final["cross_entropy"]["dev"] - final["squared"]["dev"])
    # calibration.md: "Every run's temperature ... is above 1"
    assert c["temperature_range"][0] > 1
