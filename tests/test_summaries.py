"""Every chapter ends its reading with a short summary: three to five points, before the exercises.

A chapter is a numbered page of mkdocs.yml's nav, as `book_chapters` in
tests/test_browser.py reads them with book/hooks.py's `read_book`. Its
`## Summary` is the `##` section just before `## Exercises`; a chapter
without exercises puts it just before `## The code`, or last on the page.
The summary is a list of 3 to 5 top-level points. (The numbers in it are
placeholders like every other number of the book: tests/test_book.py checks
that no page types one.)

The checks run on the pages' Markdown, so they need no built site; they need
MkDocs and PyYAML, as building the book does.
"""

import re
from pathlib import Path

import pytest

from test_browser import book_chapters

DOCS = Path(__file__).resolve().parent.parent / "docs"

SUMMARY = "Summary"
AFTER = ("Exercises", "The code")  # what the summary comes just before, the first the page has
MIN_POINTS, MAX_POINTS = 3, 5

FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")  # a code fence opens or closes: its `##` lines are code
H2 = re.compile(r"^##[ \t]+(?P<title>.+?)[ \t]*$")  # a `## ` heading, not `###`
POINT = re.compile(r"^[-*+][ \t]+\S")  # a top-level bullet; an indented one continues a point


def sections(markdown):
    """[(title, lines)] for each `## ` section of a page, in order, without its code blocks."""
    found, fence = [], None
    for line in markdown.splitlines():
        opened = FENCE.match(line)
        if opened and (fence is None or opened[1].startswith(fence)):
            fence = opened[1] if fence is None else None
            continue
        if fence is not None:
            continue
        heading = H2.match(line)
        if heading:
            found.append((heading["title"], []))
        elif found:
            found[-1][1].append(line)
    return found


def summary_problem(markdown):
    """What is wrong with a chapter page's summary, in words, or None if nothing is."""
    titles = [title for title, _ in sections(markdown)]
    if titles.count(SUMMARY) != 1:
        return f"has {titles.count(SUMMARY)} '## {SUMMARY}' sections, where it needs one"
    before = next((title for title in AFTER if title in titles), None)
    expected = titles.index(before) - 1 if before else len(titles) - 1
    if titles.index(SUMMARY) != expected:
        where = f"just before '## {before}'" if before else "last on the page"
        return f"puts '## {SUMMARY}' after '## {titles[expected]}'; it belongs {where}"
    points = sum(1 for line in dict(sections(markdown))[SUMMARY] if POINT.match(line))
    if not MIN_POINTS <= points <= MAX_POINTS:
        return f"has {points} points in its summary, where {MIN_POINTS} to {MAX_POINTS} are asked for"
    return None


def chapter_pages():
    """Test parameters: each chapter's page ("data.md"), in nav order."""
    pytest.importorskip("mkdocs", reason="needs the docs extra: pip install -e '.[docs]'")
    pytest.importorskip("yaml", reason="needs the docs extra: pip install -e '.[docs]'")
    return list(book_chapters())


@pytest.fixture(scope="module")
def chapters():
    return chapter_pages()


def test_the_book_has_chapters_to_check(chapters):
    assert "data.md" in chapters and "results.md" not in chapters, chapters


def test_every_chapter_ends_its_reading_with_a_summary(chapters):
    problems = [f"docs/{page} {problem}" for page in chapters
                if (problem := summary_problem((DOCS / page).read_text("utf-8")))]
    assert not problems, "\n".join(problems)


# ---- the check itself, on made-up pages ---------------------------------------

def page(points, after="## Exercises\n\n### Exercise: one\n", summary=True):
    """A made-up chapter page whose summary has `points` points, followed by `after`."""
    body = "".join(f"- point {i}, which\n  goes on a second line\n" for i in range(points))
    text = "# A chapter\n\nReading.\n\n## Measured\n\nA table.\n\n"
    return text + (f"## Summary\n\n{body}\n" if summary else "") + after


@pytest.mark.parametrize("points", [MIN_POINTS, MAX_POINTS])
def test_three_to_five_points_pass(points):
    assert summary_problem(page(points)) is None
    assert summary_problem(page(points, after="## The code\n\n::: a.module\n")) is None
    assert summary_problem(page(points, after="")) is None


@pytest.mark.parametrize("points", [0, MIN_POINTS - 1, MAX_POINTS + 1])
def test_too_few_or_too_many_points_fail(points):
    assert "points" in summary_problem(page(points))


def test_a_missing_or_misplaced_summary_fails():
    assert "0 '## Summary'" in summary_problem(page(4, summary=False))
    misplaced = page(4, after="## In pictures\n\nA figure.\n\n## Exercises\n")
    assert "after '## In pictures'" in summary_problem(misplaced)
    assert "last on the page" in summary_problem(page(4, after="## More\n\nText.\n"))
    assert "2 '## Summary'" in summary_problem(page(4, after="## Summary\n\n- again\n"))


def test_headings_and_bullets_inside_code_do_not_count():
    code = "```python\n## Exercises\n- not a point\n```\n"
    assert summary_problem(page(MAX_POINTS).replace("## Summary\n\n", "## Summary\n\n" + code)) is None
    assert "1 points" in summary_problem(page(1).replace("## Measured\n", "## Measured\n\n" + code))
