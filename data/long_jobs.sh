#!/usr/bin/env bash
# Start a session's long CPU jobs in the background, niced, one thread each, all stopping by
# themselves after HOURS: two MD campaign lanes (the 2 ns runs of the smallest proteins, and the
# short runs of every candidate) and the training run of docs/configs/cpu.toml, which resumes
# from training/cpu/last.pt. Logs go to LOGS (default /tmp/trajgen-jobs).
#
#     bash data/long_jobs.sh 2.0            # from the repository root, after bash .ci/setup.sh
#     JOBS="md-long train" bash data/long_jobs.sh 1.5
#
# Before committing, wait for them to stop (or stop them: kill the PIDs in LOGS/pids); what they
# finished is in data/md (runs, manifest rows, checksums) and training/cpu (resume state, logs).
set -euo pipefail
cd "$(dirname "$0")/.."
HOURS=${1:?usage: bash data/long_jobs.sh HOURS}
JOBS=${JOBS:-"md-long md-short train"}
LOGS=${LOGS:-/tmp/trajgen-jobs}
CAND=${CAND:-/tmp/trajgen-candidates}
TG=.venv/bin/trajgen
HELDOUT=../shared/data/heldout.fasta
mkdir -p "$LOGS"

# Candidate structures: pfam40 and the screened pip-package files (downloaded once, outside the repo).
if [ ! -s "$CAND/train_files.txt" ]; then
    DRY_RUN=1 bash data/make_dataset.sh "$CAND" > "$LOGS/candidates.log" 2>&1
fi
mapfile -t FILES < "$CAND/train_files.txt"

start() {   # name, command...
    local name=$1; shift
    nohup nice -n 19 "$@" > "$LOGS/$name.log" 2>&1 &
    echo "$name $!" >> "$LOGS/pids"
    echo "started $name (pid $!, log $LOGS/$name.log)"
}

for job in $JOBS; do
    case $job in
        md-long|md-short)
            start "$job" $TG data campaign "${FILES[@]}" --out data/md --heldout $HELDOUT --tiers "${job#md-}" \
                --hours "$HOURS" --threads 1 ;;
        train)
            # deterministic, rebuilt the same on every machine; files already there are kept
            $TG data synthetic "${FILES[@]}" --out data/cache/synthetic --heldout $HELDOUT > "$LOGS/synthetic.log" 2>&1
            start train $TG train docs/configs/cpu.toml --hours "$HOURS" --quiet ;;
        *) echo "unknown job $job (md-long, md-short, train)"; exit 2 ;;
    esac
done
