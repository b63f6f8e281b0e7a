#!/usr/bin/env bash
# Where the CPU training run stands, written to docs/eval/cpu_run/ at the end of a session:
# the evaluation suite (learned model vs ENM vs MD on the held-out reference targets), long
# rollouts, the temperature response, the step size against MD's by stride, the anchor's
# restoring pull, the hierarchy's seams, and the architecture A/B on the same validation windows
# when a baseline checkpoint is given. Every number is measured by the scripts named in the
# report; nothing here is the shipped model unless model_card --install ran.
#
#     bash benchmarks/cpu_run_report.sh training/cpu [BASELINE.safetensors]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?usage: bash benchmarks/cpu_run_report.sh RUN_DIR [BASELINE.safetensors]}
BASELINE=${2:-}
OUT=docs/eval/cpu_run
PY=.venv/bin/python
CKPT="$RUN/best.safetensors"
ONNX=$(mktemp -d)/best.onnx
mkdir -p "$OUT"
$PY -m trajgen.engine.cli export-onnx "$CKPT" -o "$ONNX" > /dev/null
step=$($PY -c "from trajgen.engine.checkpoint import read_info; print(read_info('$CKPT').step)")

{
    echo "# The CPU training run at step $step (not the shipped model)"
    echo
    echo "Written by \`bash benchmarks/cpu_run_report.sh $RUN ${BASELINE}\` on $(date -u +%Y-%m-%d)."
    echo "Checkpoint: \`$CKPT\` (EMA weights of the best validation loss), run through ONNX Runtime."
    echo
    echo "## Training log (last rows)"
    echo
    echo '```'
    tail -n 3 "$RUN/train.csv"
    tail -n 3 "$RUN/val.csv"
    echo '```'
    if [ -n "$BASELINE" ]; then
        echo
        echo "## Architecture A/B on the same validation windows"
        echo
        $PY benchmarks/compare_checkpoints.py docs/configs/cpu.toml "$CKPT" "$BASELINE" --batches 32 2>/dev/null | grep -v dcdplugin
    fi
    echo
    echo "## Temperature response"
    echo
    $PY benchmarks/temperature_response.py --checkpoint "$ONNX" --length 20ns --interval 100ps 2>/dev/null
    echo
    echo "## One step against MD's displacement at that lag (1GUU_A, the validation protein)"
    echo
    $PY benchmarks/stride_response.py --checkpoint "$ONNX" --pdb data/md/1GUU_A_obc_300K_s0_long.pdb \
        --md data/md/1GUU_A_obc_300K_s0_long.xtc 2>/dev/null
    echo
    echo "## Restoring pull of the anchor (NTL9, 1 ns frames, single level)"
    echo
    $PY benchmarks/anchor_pull.py --checkpoint "$ONNX" --pdb ../shared/data/reference/ntl9_2hbaA00_320K.pdb 2>/dev/null
    echo
    echo "## Hierarchy seams (bundled example, 10 ps frames)"
    echo
    $PY benchmarks/hierarchy.py --checkpoint "$ONNX" --interval-ps 10 --frames 100 2>/dev/null
} > "$OUT/summary.md"

$PY -m trajgen.engine.evaluate.suite --out "$OUT/suite" --seed 0 --checkpoint "$ONNX" > /dev/null
$PY benchmarks/long_horizon.py --checkpoint "$ONNX" --length 1us --interval 1ns --out "$OUT/long" > /dev/null
echo "wrote $OUT/summary.md, $OUT/suite/report.md, $OUT/long/long_horizon.md"
