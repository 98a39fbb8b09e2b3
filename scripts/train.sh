#!/usr/bin/env bash
# Trains the bundled model's recipe on, from wherever it stands: the local run folder
# or, on a new machine, the compact checkpoint committed in training/checkpoints/.
# Writes that compact checkpoint back (replaced, one file) whenever it checkpoints.
#
# Usage: scripts/train.sh [MINUTES] [DATA_DIR]
#   MINUTES   wall time of this invocation (default 120)
#   DATA_DIR  the utkface64 shards (default ../shared/datasets/utkface64)
# Environment: RUN (run folder, default ~/.cache/latentscope/runs/utk64-c),
#   THREADS (default auto: the cores other processes leave free, see cpu_share.py), PYTHON (default .venv/bin/python or python3).
# It runs at the lowest CPU priority, so builds and tests next to it stay usable.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
minutes=${1:-120}
data=$(realpath "${2:-../shared/datasets/utkface64}")
run=${RUN:-$HOME/.cache/latentscope/runs/utk64-c}
py=${PYTHON:-$([ -x .venv/bin/python ] && echo "$root/.venv/bin/python" || echo python3)}
threads=${THREADS:-auto}

# The recipe (docs/training.md, "The second model"). Changing any architecture value
# needs a new run folder and a new checkpoint file. --init-from only acts on a run that
# starts from nothing: G then starts from the first release's weights with its 64x64
# positional encodings fitted by a 32x32 grid (the second release), and D trains alone
# for the run's first 200 steps (--d-warmup counts from the run's start). No colour
# augmentation: D must see colour casts. Learning rates may change
# between invocations.
recipe=(
    --config '{"pos_grid": 32}'
    --d-channels '{"64": 64, "32": 96, "16": 128, "8": 256, "4": 256}'
    --init-from "$root/assets/models/utkface64"
    --d-warmup 200
    --augment translation
    --lr-g 0.0005
)
cd training
# Linux with autogroup scheduling shares the CPU between terminal sessions (process groups) before nice values
# count, so a training started from its own terminal would still take half the cores
# from a build or CI run in another: lower this shell's autogroup too where allowed.
if [ -w /proc/self/autogroup ]; then echo 19 > /proc/self/autogroup 2>/dev/null || true; fi
exec nice -n 19 "$py" -m latentscope_train.train --run "$run" --data "$data" --minutes "$minutes" \
    --threads "$threads" --sample-every 250 --ckpt-minutes 10 \
    --resume-from "$root/training/checkpoints/utk64-c.pt" --save-compact "$root/training/checkpoints/utk64-c.pt" \
    "${recipe[@]}"
