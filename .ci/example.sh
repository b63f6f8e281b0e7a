#!/usr/bin/env bash
# The README's main job: set up (if needed) and run trajgen on the bundled example protein.
# Writes out/example.dcd + out/example.pdb (topology) and prints what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
mkdir -p out
tg=.venv/bin/trajgen
example=$(.venv/bin/python -c "from trajgen.engine.assets import example_structure; print(example_structure())")
echo "== trajgen info $example"
$tg info "$example"
# The default generator is auto: the trained model when weights are installed; none are shipped
# yet (see the README), so the elastic-network Langevin baseline stands in and the output says so
# (a note first, and the last line names the generator). --overwrite: out/ is this job's own.
echo "== trajgen generate: 10 ns, a frame every 100 ps, 300 K"
$tg generate "$example" -o out/example.dcd --length 10ns --interval 100ps --temperature 300 --seed 0 \
    --overwrite
.venv/bin/python - <<'PY'
import mdtraj
t = mdtraj.load("out/example.dcd", top="out/example.pdb")
rmsd = mdtraj.rmsd(t, t, 0, atom_indices=t.topology.select("name CA")) * 10
print(f"== out/example.dcd: {t.n_frames} frames, {t.n_atoms} atoms; "
      f"CA RMSD to the start {rmsd.mean():.2f} A on average, {rmsd.max():.2f} A at most")
PY
