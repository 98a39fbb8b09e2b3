#!/usr/bin/env bash
# Trains the bundled model's recipe on, from wherever it stands: the local run folder
# or, on a new machine, the compact checkpoint committed in training/checkpoints/.
# Writes that compact checkpoint back (replaced, one file) whenever it checkpoints.
#
# Usage: scripts/train.sh [MINUTES] [DATA_DIR]
#   MINUTES   wall time of this invocation (default 120)
#   DATA_DIR  the utkface64 shards (default ../shared/datasets/utkface64)
# Environment: RUN (run folder, default ~/.cache/latentscope/runs/utk64-d),
#   THREADS (default auto: the cores other processes leave free, see cpu_share.py), PYTHON (default .venv/bin/python or python3),
#   KIMG (stop once the run has shown this many thousand real images in total, to compare runs at equal length).
#   BATCH (images per step, default 32; larger on a GPU, where small steps leave it idle).
# It runs at the lowest CPU priority, so builds and tests next to it stay usable.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
minutes=${1:-120}
data=$(realpath "${2:-../shared/datasets/utkface64}")
run=${RUN:-$HOME/.cache/latentscope/runs/utk64-d}
py=${PYTHON:-$([ -x .venv/bin/python ] && echo "$root/.venv/bin/python" || echo python3)}
threads=${THREADS:-auto}

# The recipe (docs/training.md, "The second model"). Changing any architecture value
# needs a new run folder and a new checkpoint file. --init-from only acts on a run that
# starts from nothing: G then starts from the second release (the first release's
# weights with its 64x64 positional encodings fitted by a 32x32 grid), widened by
# latentscope_train.widen to twice its channels at 32x32 and 64x64 without changing
# what it draws; D trains alone for the run's first 200 steps (--d-warmup counts from
# the run's start). No colour augmentation: D must see colour casts. Learning rates
# may change between invocations: from its 22.0 kimg checkpoint (commit c9c9514) the run goes on
# with G at 0.0002 and D's detail head (--d-detail 32, added at 22.0 kimg: it drifted a
# third less than the same branch without it; docs/training.md, "The detail head"). From its
# 99.0 kimg checkpoint (commit f05884e) on, D at 0.001 and G at 0.0001: no less drift, but
# the state averages best with the 64.1 kimg one (docs/training.md, "Averaging the run's states").
wide='{"32": 96, "64": 48}'
init=$run.init
recipe=(
    --config '{"pos_grid": 32, "channels": {"4": 128, "8": 128, "16": 64, "32": 96, "64": 48}}'
    --d-channels '{"64": 64, "32": 96, "16": 128, "8": 256, "4": 256}'
    --init-from "$init"
    --d-warmup 200
    --augment translation
    --lr 0.001
    --lr-g 0.0001
    --d-detail 32
)
compact=$root/training/checkpoints/utk64-d.pt
cd training
# Linux with autogroup scheduling shares the CPU between terminal sessions (process groups) before nice values
# count, so a training started from its own terminal would still take half the cores
# from a build or CI run in another: lower this shell's autogroup too where allowed.
if [ -w /proc/self/autogroup ]; then echo 19 > /proc/self/autogroup 2>/dev/null || true; fi
if [ ! -f "$init/config.json" ]; then  # the starting point of a new run (a few seconds)
    PYTHONPATH=. nice -n 19 "$py" -m latentscope_train.widen --model "$root/assets/models/utkface64" \
        --channels "$wide" --out "$init"
fi
exec nice -n 19 "$py" -m latentscope_train.train --run "$run" --data "$data" --minutes "$minutes" \
    --threads "$threads" --sample-every 250 --ckpt-minutes 10 ${KIMG:+--kimg "$KIMG"} ${BATCH:+--batch "$BATCH"} \
    --resume-from "$compact" --save-compact "$compact" \
    "${recipe[@]}"
