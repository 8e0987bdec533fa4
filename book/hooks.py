"""MkDocs hooks for the primitive_nn book (wired up by `hooks:` in mkdocs.yml).

Three jobs, all small:

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
"""

import json
import re
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

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
    _results = load_results(Path(config.docs_dir) / RESULTS_FILE)
    benchmark = Path(config.docs_dir) / BENCHMARK_FILE  # written by benchmarks/*.py, if run
    if benchmark.is_file():
        _results = {**_results, "benchmark": load_results(benchmark)}


def on_page_markdown(markdown, page, config, files):
    return substitute(markdown, _results, page.file.src_uri)


def on_post_build(config):
    copy_katex(katex_source(config), config.site_dir)
    export_networks(config)


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
