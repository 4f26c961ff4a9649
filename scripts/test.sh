#!/usr/bin/env bash
# Sets up a virtual environment in .venv (if missing), installs the project with its test extras,
# then runs every check CI runs: generated-code freshness, ruff, mypy, the API reference build and the whole
# pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# The dashboard's browser test drives the system's Chromium through chromium-driver. CI runs as root on a clean
# Debian machine: install them there when missing (160 MB of packages, about a minute). Elsewhere, without them, the
# test is skipped and says what to install.
if { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# The Storage queue delivery tests run against Azurite, Microsoft's Azure Storage emulator (npm package azurite). It goes
# into .tools/node_modules of this checkout (gitignored): no root and no change to npm's global prefix are needed, the
# version is pinned per checkout, and the tests find it at one known path. 3.35.0 is the newest release that runs on
# Debian's Node.js (3.36 and later want Node 22). Node.js itself comes from Debian's packages when CI (root) has none;
# elsewhere, without Node.js, those tests are skipped and say what to install.
if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x .tools/node_modules/.bin/azurite-queue ] && command -v npm >/dev/null; then
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --loglevel=error azurite@3.35.0 >/dev/null
fi
if [ -f swagger/generate.py ]; then .venv/bin/python swagger/generate.py --check; fi
# Lint every top-level source folder the project has (samples/benchmarks may be added later).
lint_dirs=()
for d in azure jobrouter_emulator swagger samples tests benchmarks; do [ -d "$d" ] && lint_dirs+=("$d"); done
.venv/bin/python -m ruff check "${lint_dirs[@]}"
.venv/bin/python -m mypy azure jobrouter_emulator
# The API reference: a missing or malformed docstring is an error.
.venv/bin/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
.venv/bin/python -m pytest "$@"
