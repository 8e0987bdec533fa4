r"""Every docstring with a backslash in it must be a raw string (an `r` prefix).

In a plain string, `\beta` starts with the escape `\b`, a backspace, and
`\frac` with `\f`, a form feed: `help()` and the book would show garbled math.
The check reads the source, not the value, because the value of "\beta" holds
no backslash at all any more.
"""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "primitive_nn"
HAS_DOCSTRING = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def non_raw_docstrings(source, filename="<string>"):
    """Return "file:line name" for each docstring in `source` with a backslash but no r prefix."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, HAS_DOCSTRING) or ast.get_docstring(node, clean=False) is None:
            continue
        literal = node.body[0].value
        text = ast.get_source_segment(source, literal)
        prefix = re.match(r"[A-Za-z]*", text).group()
        if "\\" in text and "r" not in prefix.lower():
            name = getattr(node, "name", "module")
            found.append(f"{filename}:{literal.lineno} {name}")
    return found


def test_the_check_catches_a_plain_docstring():
    source = 'def f():\n    """Return $\\beta$."""\n'  # the source reads """Return $\beta$."""
    assert non_raw_docstrings(source) == ["<string>:2 f"]


def test_the_check_passes_raw_and_backslash_free_docstrings():
    source = '"""Module."""\nclass C:\n    r"""$\\beta$"""\n    def g(self):\n        R"""$\\alpha$"""\n'
    assert non_raw_docstrings(source) == []


def test_package_docstrings_with_backslashes_are_raw():
    files = sorted(PACKAGE.rglob("*.py"))
    assert files, f"no modules found in {PACKAGE}"
    found = [hit for f in files for hit in non_raw_docstrings(f.read_text("utf-8"), f.name)]
    assert not found, "docstrings with a backslash must start with r: " + ", ".join(found)
