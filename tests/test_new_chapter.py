"""A new chapter is four new files and two new lines, and the book numbers it in place.

In a copy of the repository, this test adds a toy chapter the way the
appendix's "Adding a chapter" says: its module, its page, its book module
(an experiment, a figure, a quoted number) and its test, plus one line in
mkdocs.yml's nav and one in the package preface's reading order. Then
`python -m primitive_nn.book --smoke` and `mkdocs build --strict` must
succeed with it, the toy chapter numbered where it was inserted and every
later chapter renumbered. Nothing else in the copy is edited.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = {".git", ".venv", "site", ".cache", "node_modules", "__pycache__", "artifacts",
            ".pytest_cache", "build", "dist"}

NEW_FILES = {
    "primitive_nn/toy.py": '''r"""A toy chapter: doubling.

$$
y = 2x \\label{doubling}
$$

`2 * x` (`double`), [](#doubling).
"""


def double(x):
    r"""$2x$.

    Examples
    --------
    >>> double(2.5)
    5.0
    """
    return 2 * x
''',
    "docs/toy.md": '''# A toy chapter

Doubling, after [](minibatch.md). The mean pixel, doubled, is
{{ results.toy.doubled }}.

![A line up to the doubled mean pixel.](figures/toy-line.png)

A line from 0 up to the doubled mean pixel.

::: primitive_nn.toy
    options:
      members: false
      show_root_heading: false
      show_root_toc_entry: false
      heading_level: 2

## Exercises

### Exercise: double twice {#twice}

What is `double(double(1))`? This is [](#twice).

??? note "Solution"
    Four.
''',
    "primitive_nn/machinery/pages/toy.py": '''r"""The book module of the toy chapter: one experiment, one figure, one number."""

from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.toy import double


@experiment("toy", "the mean pixel of 100 images, doubled")
def toy(lab):
    return {"doubled": double(float(lab.mnist.train_images[:100].mean()))}, {}


@figure("toy-line")
@styled
def line(lab):
    fig = Figure(figsize=(WIDTH, 2.0), layout="constrained")
    fig.subplots().plot([0, 1], [0, lab.result("toy")[0]["doubled"]])
    return fig


@quoted("toy")
def numbers(lab):
    return {"doubled": round(lab.result("toy")[0]["doubled"], 3)}
''',
    "tests/test_toy.py": '''from primitive_nn.toy import double


def test_double():
    assert double(3) == 6
''',
}
NAV_AFTER = "      - Mini-batch SGD: minibatch.md\n"
NAV_LINE = "      - A toy chapter: toy.md\n"
ORDER_AFTER = "- `primitive_nn.minibatch`: mini-batch SGD, an unbiased gradient, a fast gather.\n"
ORDER_LINE = "- `primitive_nn.toy`: doubling, a toy.\n"


def copy_repository(target):
    """The working tree without caches, environments or builds; KaTeX linked, not copied."""
    shutil.copytree(ROOT, target, ignore=lambda folder, names: [n for n in names if n in LEFT_OUT
                                                                  or n.endswith(".egg-info")])
    (target / "book" / "node_modules").symlink_to(ROOT / "book" / "node_modules")


def insert_after(path, anchor, line):
    text = path.read_text("utf-8")
    assert text.count(anchor) == 1, f"{path.name} no longer holds {anchor!r}"
    path.write_text(text.replace(anchor, anchor + line), "utf-8")


def run(args, cwd):
    env = {**os.environ, "PYTHONPATH": str(cwd), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def unnumbered(page):
    """True if a page's front matter says `unnumbered: true` (the toy page has none)."""
    path = ROOT / "docs" / page
    return path.is_file() and re.match(r"---\n(.*?\n)?unnumbered: true\b", path.read_text("utf-8"),
                                       re.S) is not None


def chapter_number(title):
    """The number the book gives the nav entry `title`: its place among the Parts' chapters."""
    nav = (ROOT / "mkdocs.yml").read_text("utf-8").replace(NAV_AFTER, NAV_AFTER + NAV_LINE)
    entries = [line.strip()[2:] for line in nav.splitlines() if line.startswith("      - ")]
    chapters = [entry for entry in entries if not unnumbered(entry.rsplit(" ", 1)[-1])]
    return 1 + next(i for i, entry in enumerate(chapters) if entry.startswith(title))


@pytest.mark.mnist
@pytest.mark.slow
def test_a_toy_chapter_needs_only_new_files_and_two_lines(tmp_path):
    if not (ROOT / "book" / "node_modules" / "katex").is_dir():
        pytest.skip("KaTeX is not installed: run `npm ci --prefix book` (book/build.sh does)")
    copy = tmp_path / "repo"
    copy_repository(copy)
    for name, text in NEW_FILES.items():
        (copy / name).write_text(text, "utf-8")
    insert_after(copy / "mkdocs.yml", NAV_AFTER, NAV_LINE)
    insert_after(copy / "primitive_nn" / "__init__.py", ORDER_AFTER, ORDER_LINE)

    run(["primitive_nn.book", "--smoke", "--seeds", "0", "--quiet", "--runs-dir",
         str(tmp_path / "runs")], copy)
    run(["mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")], copy)

    toy, after = chapter_number("A toy chapter"), chapter_number("Momentum and Adam")
    assert after == toy + 1
    page = (tmp_path / "site" / "toy" / "index.html").read_text("utf-8")
    assert re.search(rf"<h1[^>]*>{toy}\. A toy chapter", page)
    assert f"Exercise {toy}.1: double twice" in page
    assert f">Chapter {toy - 1}</a>" in page and f">Exercise {toy}.1</a>" in page
    assert f"\\tag{{{toy}.1}}" in page and f">Equation {toy}.1</a>" in page
    assert "The reference: 1 function" in page and 'id="primitive_nn.toy.double"' in page
    assert "{{" not in page and (tmp_path / "site" / "figures" / "toy-line.png").is_file()
    assert "toy" in run(["primitive_nn.book", "--list", "--runs-dir", str(tmp_path / "runs")],
                        copy).stdout
    following = (tmp_path / "site" / "optimizers" / "index.html").read_text("utf-8")
    assert re.search(rf"<h1[^>]*>{after}\. Momentum and Adam", following)
    assert f"Exercise {after}.1" in following
