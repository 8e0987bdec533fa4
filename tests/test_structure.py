"""The package's shape: chapters apart from machinery, no import cycles, small machinery functions.

A chapter module may start a command from its `if __name__ == "__main__":`
lines, and import nothing else from `primitive_nn.machinery`. The import
graph, read from the source, has no cycle. Machinery functions stay short
enough to read at a glance.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "primitive_nn"
MACHINERY = PACKAGE / "machinery"
CHAPTERS = sorted(p for p in PACKAGE.glob("*.py") if p.name != "__main__.py")
MAX_BODY_LINES = 30  # a machinery function's body, its docstring left out


def module_name(path):
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


def imports(path):
    """The primitive_nn modules `path` imports, leaving out `if __name__ == "__main__":` blocks."""
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            node.body = []  # the entry lines of `python -m primitive_nn.<chapter>`
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {name for name in found if name in modules} - {module_name(path)}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_chapter_imports_the_machinery(path):
    assert not {m for m in imports(path) if m.startswith("primitive_nn.machinery")}


def test_the_import_graph_has_no_cycle():
    graph = {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}
    done, path = set(), []

    def visit(module):
        if module in path:
            pytest.fail("import cycle: " + " -> ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        path.append(module)
        for other in graph.get(module, ()):
            visit(other)
        path.pop()
        done.add(module)
    for module in graph:
        visit(module)


def test_machinery_functions_are_short():
    long = []
    for path in sorted(MACHINERY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                if body and body[-1].end_lineno - body[0].lineno + 1 > MAX_BODY_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not long, f"function bodies over {MAX_BODY_LINES} lines: {long}"


def test_every_subpackage_is_installed():
    """A non-editable install carries only the packages pyproject.toml lists."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {module_name(init) for init in PACKAGE.rglob("__init__.py")}
    assert found == listed


def test_every_book_module_is_named_like_its_page():
    pages = {p.stem for p in (MACHINERY / "pages").glob("*.py")} - {"__init__"}
    missing = {name for name in pages if not (PACKAGE.parent / "docs" / f"{name}.md").is_file()}
    assert pages and not missing, f"book modules without a page docs/NAME.md: {sorted(missing)}"
