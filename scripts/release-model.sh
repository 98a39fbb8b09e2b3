#!/usr/bin/env bash
# Turns a training run, or a model already exported, into the shipped model:
# exports the EMA generator to assets/models/utkface64 (or copies the exported
# model there), regenerates the Swift engine's parity fixtures, evaluates it with
# the independent judge, draws the model card's figures, the README's grid and
# screenshot, and recomputes the shipped latent directions.
#
# Usage: scripts/release-model.sh SOURCE [DATA_DIR]
#   SOURCE    a training run folder (checkpoint.pt, log.csv), or an exported model
#             folder (config.json, generator.safetensors), e.g. one written by
#             latentscope_train.regrid; the loss figure is redrawn only from a run
#   DATA_DIR  the utkface64 shards (default ../shared/datasets/utkface64)
# Environment: PYTHON (default .venv/bin/python, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(realpath "${1:?usage: scripts/release-model.sh SOURCE [DATA_DIR]}")
data=$(realpath "${2:-../shared/datasets/utkface64}")
root=$(pwd)
model="$root/assets/models/utkface64"
py=${PYTHON:-$([ -x .venv/bin/python ] && echo "$root/.venv/bin/python" || echo python3)}

plot_run=()
if [ -f "$src/checkpoint.pt" ]; then
    (cd training && $py -m latentscope_train.export --checkpoint "$src/checkpoint.pt" --out "$model")
    plot_run=(--run "$src")
elif [ -f "$src/config.json" ] && [ -f "$src/generator.safetensors" ]; then
    if [ "$src" != "$model" ]; then
        for f in generator.safetensors config.json; do  # each file whole or not at all
            cp "$src/$f" "$model/.$f.tmp" && mv "$model/.$f.tmp" "$model/$f"
        done
    fi
else
    echo "release-model.sh: $src holds neither checkpoint.pt nor config.json + generator.safetensors" >&2
    exit 2
fi
(cd training && $py -m latentscope_train.fixtures --shipped "$model")
(cd training && $py -m latentscope_train.evaluate --model "$model" --data "$data" --n 1000 --out "$root/docs/figures/evaluation.json")
(cd training && $py -m latentscope_train.plots "${plot_run[@]}" --model "$model" --out "$root/docs/figures")
swift build -c release --product latentscope >&2
.build/release/latentscope grid --seeds 0-15 --cols 8 --size 96 -o docs/figures/grid.png
if [ -x scripts/make-directions.sh ]; then scripts/make-directions.sh "$model" "$data"; fi
# The README's screenshot, where a virtual display can be had (Xvfb, xterm); a note otherwise.
scripts/explorer-screenshot.sh docs/figures/explorer.png || echo "release-model.sh: docs/figures/explorer.png not redrawn" >&2
echo "released $(jq -r '.training.kimg' "$model/config.json" 2>/dev/null || echo '?') kimg into $model" >&2
