#!/usr/bin/env bash
# One-time set-up for a fresh Debian machine: system packages and the project's virtual environment.
# Safe to re-run: each step is skipped when already done. Used by the README's two commands.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${TRAJGEN_VENV:-.venv}
PY=${PYTHON:-python3}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# System packages: only what is missing (git for versioned installs, compilers for sdists).
need=()
for pkg in git libosmesa6; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
# PyMOL and Qt panel tests: a virtual X server and the X, GL and font libraries Qt5/Qt6 load.
for pkg in xvfb xauth libgl1 libgl1-mesa-dri libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 \
    libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-image0 libxcb-render-util0 \
    libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-cursor0; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ]; then
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
stamp="$VENV/.trajgen-installed"
want=$(cat pyproject.toml .ci/setup.sh | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # The exact pin takes the CPU build; a looser one pulls gigabytes of CUDA packages.
    "$VENV/bin/python" -m pip install -q "torch==2.13.0"
    # Every extra, so that no test is skipped for a missing package.
    "$VENV/bin/python" -m pip install -q -e ".[torch,dev,eval,md,mdcath]"
    # PyMOL plugin and Qt panel tests (both bindings: PyMOL's PyQt5, ChimeraX's PyQt6)
    "$VENV/bin/python" -m pip install -q "pymol-open-source==3.2.0a0" "PyQt5==5.15.11" "PyQt6==6.11.0" "pytest-qt==4.5.0"
    echo "$want" > "$stamp"
fi

# Real ChimeraX 1.7.1 (no GUI) for the bundle's integration tests, from the harness that sits
# beside the checkout (../shared/chimerax); about 2 minutes the first time, seconds after.
if [ -f ../shared/chimerax/setup.sh ] && [ ! -e .cxvenv/.cxh/trajgen-ready ]; then
    PYTHON=${PYTHON:-python3.11} bash ../shared/chimerax/setup.sh "$PWD/.cxvenv" > .cxvenv-setup.log 2>&1 \
        || { tail -30 .cxvenv-setup.log; exit 1; }
    touch .cxvenv/.cxh/trajgen-ready
fi
