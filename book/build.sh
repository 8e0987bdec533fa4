#!/usr/bin/env bash
# Build the book into site/: KaTeX from the npm lock, then a strict MkDocs build.
# Assumes the Python side is installed: pip install -e . -r book/requirements-docs.lock
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1  # silence Material's notice about MkDocs 2.0
npm ci --prefix book --no-audit --no-fund
mkdocs build --strict
