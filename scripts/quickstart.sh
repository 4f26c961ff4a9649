#!/usr/bin/env bash
# Sets up a virtual environment in .venv (if missing), installs the SDK with the embedded emulator,
# then runs the end-to-end sample: against Azure when AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING is set,
# otherwise against a local emulator started in-process.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[emulator]'
exec .venv/bin/python samples/quickstart.py "$@"
