#!/usr/bin/env bash
# make test-browser: what a learner sees, in a real browser (tools/check_browser.py).
# Debian's Chromium (installed here when missing), Playwright and JupyterLab (.ci/browser.txt) in
# .venv; the lesson pages from build/lessons (written by `make test` and `make lessons`; built
# with `make lessons` when missing). Screenshots go to build/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if ! command -v chromium >/dev/null 2>&1; then
    echo "[test-browser] installing Debian's chromium"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
chromium --version
$PY -m pip install --quiet -r .ci/browser.txt
if ! compgen -G "build/lessons/[0-9][0-9]_*.html" >/dev/null; then
    echo "[test-browser] no lesson pages in build/lessons: running make lessons first"
    make lessons
fi
# bounded: JupyterLab is stopped by the checker, and the whole check by this timeout
timeout --kill-after=30 900 $PY tools/check_browser.py --lessons build/lessons --out build/browser
