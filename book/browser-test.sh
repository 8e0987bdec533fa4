#!/usr/bin/env bash
# Check the built book (run book/build.sh first) in headless Chromium.
# Installs nothing; needs: apt-get install chromium, and
# pip install -r book/requirements-browser.lock (plus pytest).
# The softmax chapter's screenshot lands in $PRIMITIVE_NN_ARTIFACTS (artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
PRIMITIVE_NN_SITE=site python3 -m pytest -m browser tests/test_browser.py "$@"
