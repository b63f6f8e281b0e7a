#!/usr/bin/env bash
# Build the ChimeraX bundle described by ../bundle_info.xml and install it into a ChimeraX.
#
#   plugin/install_chimerax.sh [CHIMERAX_COMMAND] [build|install]
#
# CHIMERAX_COMMAND defaults to "chimerax" (for example: "/opt/UCSF/ChimeraX/bin/ChimeraX" or
# "python -m chimerax.core"). "build" only writes the wheel to dist/ (install it later with
# ChimeraX's "toolshed install dist/ChimeraX_Trajgen-*.whl").
#
# Why a staging folder: ChimeraX's bundle builder runs setuptools in the folder that holds
# bundle_info.xml, and setuptools would then read the trajgen distribution's own
# pyproject.toml. The stage holds bundle_info.xml and the package folders it names, nothing else.
#
# Where it installs: ChimeraX's default is a per-user install ("devel install ... user true"),
# which pip refuses inside a virtual environment (a ChimeraX run as "python -m chimerax.core" from
# a venv). A small script run inside ChimeraX detects that and installs into the environment
# instead ("user false"). TRAJGEN_CX_DEVEL_ARGS, when set, replaces that choice (e.g. "user true").
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
chimerax=${1:-chimerax}
action=${2:-install}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/plugin"
cp "$here/bundle_info.xml" "$stage/"
cp -r "$here/engine" "$here/ui" "$stage/"
cp -r "$here/plugin/chimerax" "$stage/plugin/"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
export USER=${USER:-$(id -un)}
script=$(mktemp -d)
trap 'rm -rf "$stage" "$script"' EXIT
cat > "$script/devel.py" <<'PY'
import os
import sys

from chimerax.core.commands import run

action, stage = sys.argv[1], sys.argv[2]
in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
extra = os.environ.get("TRAJGEN_CX_DEVEL_ARGS") or ("user false" if in_venv and action == "install" else "")
if in_venv and action == "install" and not os.environ.get("TRAJGEN_CX_DEVEL_ARGS"):
    print("ChimeraX runs in a virtual environment: installing the bundle into it (user false)")
run(session, f"devel {action} {stage} {extra} exit true")  # noqa: F821 (ChimeraX defines session)
PY
$chimerax --nogui --offscreen --exit --nostatus --safemode --script "$script/devel.py $action $stage"
if [ "$action" = build ]; then
    mkdir -p "$here/dist"
    cp "$stage"/dist/*.whl "$here/dist/"
    ls "$here"/dist/ChimeraX_Trajgen-*.whl
fi
