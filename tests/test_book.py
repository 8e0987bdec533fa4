"""The book quotes its numbers from docs/results.json, never by hand.

Two parts: unit tests of the results hook in book/hooks.py (substitution,
and the errors that fail the build), and checks over the pages in docs/ that
no measured number is typed into the prose.
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
    """Each Markdown page of the book, with its results placeholders and exercise numbers taken out."""
    texts = {p.relative_to(DOCS).as_posix(): p.read_text("utf-8") for p in DOCS.rglob("*.md")}
    return {name: re.sub(r"\{\{.*?\}\}|Exercise \d+\.\d+", " ", text) for name, text in texts.items()}


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
    results = {**hooks.load_results(RESULTS), "benchmark": hooks.load_results(DOCS / "benchmark.json")}
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


@pytest.mark.skipif(not os.environ.get("PRIMITIVE_NN_SITE"), reason="PRIMITIVE_NN_SITE is not set")
def test_no_placeholder_is_left_anywhere_in_the_built_site():
    """Placeholders in docstrings are never filled: the built pages must hold none at all."""
    site = Path(os.environ["PRIMITIVE_NN_SITE"])
    pages = sorted(site.rglob("*.html"))
    assert pages, f"{site} holds no built site: run book/build.sh first"
    left = [p.relative_to(site).as_posix() for p in pages
            if re.search(r"\{\{\s*results\.", p.read_text("utf-8"))]
    assert not left, f"unfilled results placeholders in {left}"
