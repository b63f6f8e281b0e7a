#!/usr/bin/env bash
# The README's main job: set up (if needed) and run trajgen on the bundled example protein.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
mkdir -p out
example=$(.venv/bin/python -c "from trajgen.engine.assets import example_structure; print(example_structure())")
echo "== trajgen info $example"
.venv/bin/trajgen info "$example"
