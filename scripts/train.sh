#!/usr/bin/env bash
# Trains the bundled model's recipe on, from wherever it stands: the local run folder
# or, on a new machine, the compact checkpoint committed in training/checkpoints/.
# Writes that compact checkpoint back (replaced, one file) whenever it checkpoints.
#
# Usage: scripts/train.sh [MINUTES] [DATA_DIR]
#   MINUTES   wall time of this invocation (default 120)
#   DATA_DIR  the utkface64 shards (default ../shared/datasets/utkface64)
# Environment: RUN (run folder, default ~/.cache/latentscope/runs/utk64-anchors),
#   THREADS (default auto: the cores other processes leave free, see cpu_share.py), PYTHON (default .venv/bin/python or python3),
#   KIMG (stop once the run has shown this many thousand real images in total, to compare runs at equal length).
#   BATCH (images per step, default 32; larger on a GPU, where small steps leave it idle).
# It runs at the lowest CPU priority, so builds and tests next to it stay usable.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
minutes=${1:-120}
data=$(realpath "${2:-../shared/datasets/utkface64}")
run=${RUN:-$HOME/.cache/latentscope/runs/utk64-anchors}
py=${PYTHON:-$([ -x .venv/bin/python ] && echo "$root/.venv/bin/python" || echo python3)}
threads=${THREADS:-auto}

# What this script trains on: the whole generator from the ninth release, held to drawing 512 real
# faces from w's of their own (--anchors, pixel loss; docs/training.md, "Anchors: real faces the
# synthesis is held to" and "The anchors' run, trained on"), against a discriminator of the recipe's
# widths with the detail head, D alone for the first 100 steps of a new run. Its samples judge worse
# than the release (every whole-generator run drifts in texture); it is trained for what the
# release lacks: faces the synthesis cannot draw, watched as the projection error of held-out real
# faces (project --against). The mapping refit before it is training/checkpoints/utk64-map.pt at
# commit e642545, the refit behind the ninth release the same file at commit a53217b, and the
# whole-generator run behind the releases up to the seventh (utk64-d, 138.9 kimg)
# training/checkpoints/utk64-d.pt at commit 61de9dd, each with its commit's scripts/train.sh.
# Changing any architecture value or the anchor count needs a new run folder and checkpoint file.
# --init-from only acts on a run that starts from nothing: it then starts from the bundled model.
# Learning rates may change between invocations.
init=$root/assets/models/utkface64
recipe=(
    --config '{"pos_grid": 32, "channels": {"4": 128, "8": 128, "16": 64, "32": 96, "64": 48}, "attention_blur": {"64": 1}}'
    --d-channels '{"64": 64, "32": 96, "16": 128, "8": 256, "4": 256}'
    --d-detail 32
    --init-from "$init"
    --d-warmup 100
    --augment translation
    --lr 0.0025
    --lr-g 0.0005
    --ema-kimg 2
    --anchors 512
    --anchor-weight 4
    --anchor-fit-steps 25
)
compact=$root/training/checkpoints/utk64-anchors.pt
cd training
# Linux with autogroup scheduling shares the CPU between terminal sessions (process groups) before nice values
# count, so a training started from its own terminal would still take half the cores
# from a build or CI run in another: lower this shell's autogroup too where allowed.
if [ -w /proc/self/autogroup ]; then echo 19 > /proc/self/autogroup 2>/dev/null || true; fi
exec nice -n 19 "$py" -m latentscope_train.train --run "$run" --data "$data" --minutes "$minutes" \
    --threads "$threads" --sample-every 250 --ckpt-minutes 10 ${KIMG:+--kimg "$KIMG"} ${BATCH:+--batch "$BATCH"} \
    --resume-from "$compact" --save-compact "$compact" \
    "${recipe[@]}"
