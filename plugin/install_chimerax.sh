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
$chimerax --nogui --offscreen --exit --nostatus --safemode --cmd "devel $action $stage ${TRAJGEN_CX_DEVEL_ARGS:-} exit true"
if [ "$action" = build ]; then
    mkdir -p "$here/dist"
    cp "$stage"/dist/*.whl "$here/dist/"
    ls "$here"/dist/ChimeraX_Trajgen-*.whl
fi
