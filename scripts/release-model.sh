#!/usr/bin/env bash
# Turns a training run into the shipped model: exports the EMA generator to
# assets/models/utkface64, regenerates the Swift engine's parity fixtures,
# evaluates it with the independent judge, draws the model card's figures and
# the README's grid, and recomputes the shipped latent directions.
#
# Usage: scripts/release-model.sh RUN_DIR [DATA_DIR]
#   RUN_DIR   a training run folder (checkpoint.pt, log.csv)
#   DATA_DIR  the utkface64 shards (default ../shared/datasets/utkface64)
set -euo pipefail
cd "$(dirname "$0")/.."
run=$(realpath "${1:?usage: scripts/release-model.sh RUN_DIR [DATA_DIR]}")
data=$(realpath "${2:-../shared/datasets/utkface64}")
root=$(pwd)
model="$root/assets/models/utkface64"
py=${PYTHON:-python3}

(cd training && $py -m latentscope_train.export --checkpoint "$run/checkpoint.pt" --out "$model")
(cd training && $py -m latentscope_train.fixtures --shipped "$model")
(cd training && $py -m latentscope_train.evaluate --model "$model" --data "$data" --n 1000 --out "$root/docs/figures/evaluation.json")
(cd training && $py -m latentscope_train.plots --run "$run" --model "$model" --out "$root/docs/figures")
swift build -c release --product latentscope >&2
.build/release/latentscope grid --seeds 0-15 --cols 8 --size 96 -o docs/figures/grid.png
if [ -x scripts/make-directions.sh ]; then scripts/make-directions.sh "$model" "$data"; fi
echo "released $(jq -r '.training.kimg' "$model/config.json" 2>/dev/null || echo '?') kimg into $model" >&2
