#!/usr/bin/env bash
# The README's test command: set up (if needed) and run the whole test suite.
# CI's .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
exec .venv/bin/python -m pytest -q "$@"
