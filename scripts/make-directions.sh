#!/usr/bin/env bash
# Recomputes every direction shipped with a model, and the figures and numbers
# of docs/directions.md (its results section is rewritten from the new numbers
# by latentscope_train.directions_doc); run it whenever the model is re-exported.
#
#   scripts/make-directions.sh MODEL_DIR DATA_DIR
#
#   MODEL_DIR  an exported model (config.json + generator.safetensors); its
#              directions/ folder is rewritten: pca0-31, sefa0-15 and per layer
#              set (sefa-coarse*, sefa-middle*, sefa-fine*), age, gender, yaw,
#              smile (when landmarks.py's networks are installed), age|gender,
#              gender|age; the attribute classifier is exported beside it
#   DATA_DIR   the utkface64 folder (zip shards + labels.csv); the attribute
#              classifiers pinned in training/classifiers/ were trained on it
#              (others are trained from it and cached), and the labels of
#              generated faces are cached under ~/.cache/latentscope
#
# Environment: FIGURES (default docs/figures) for the PNGs and the report JSON
# (docs/directions.md is rewritten only when it is docs/figures), PYTHON
# (default .venv/bin/python, else python3), SAMPLES (generated faces labelled
# for the named directions, default 3000), SEED (the face of the sweep
# sheets, default 7). Takes about 25-40 minutes on two CPU cores.
set -euo pipefail
if [ $# -ne 2 ]; then
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
MODEL=$(cd "$1" && pwd)
DATA=$(cd "$2" && pwd)
cd "$(dirname "$0")/.."
ROOT=$PWD
FIGURES=${FIGURES:-docs/figures}
mkdir -p "$FIGURES"
FIGURES=$(cd "$FIGURES" && pwd)
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=$ROOT/.venv/bin/python; else PYTHON=python3; fi
fi
SAMPLES=${SAMPLES:-3000}
SEED=${SEED:-7}

echo "== build" >&2
nice swift build --product latentscope >&2
BIN=$(swift build --show-bin-path)/latentscope
RES=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["resolution"])' "$MODEL/config.json")
SETS=(--layers all --layers coarse)
[ "$RES" -ge 16 ] && SETS+=(--layers middle)
[ "$RES" -ge 64 ] && SETS+=(--layers fine)

echo "== PCA (GANSpace)" >&2
nice "$BIN" directions pca --model "$MODEL" -k 32 --samples 100000
echo "== SeFa" >&2
nice "$BIN" directions sefa --model "$MODEL" "${SETS[@]}" -k 16 --sigma-seeds 2000

echo "== named directions (age, gender, yaw, smile)" >&2
(cd training && nice -n 19 "$PYTHON" -m latentscope_train.attributes --model "$MODEL" --data "$DATA" \
    --samples "$SAMPLES" --threads "$(nproc)" --stats "$FIGURES/attribute-stats.json")

echo "== evidence and figures" >&2
(cd training && nice -n 19 "$PYTHON" -m latentscope_train.direction_report --model "$MODEL" --data "$DATA" \
    --threads "$(nproc)" --sheet-seed "$SEED" --figures "$FIGURES" --json "$FIGURES/directions-report.json")
nice "$BIN" directions sheet --model "$MODEL" --seed "$SEED" --method pca --count 8 --steps 7 --size 64 -q -o "$FIGURES/pca-sweep.png"
nice "$BIN" directions sheet --model "$MODEL" --seed "$SEED" --method sefa --names sefa0,sefa1,sefa-coarse0,sefa-coarse1,sefa-middle0,sefa-fine0 \
    --steps 7 --size 64 -q -o "$FIGURES/sefa-sweep.png" 2>/dev/null \
    || nice "$BIN" directions sheet --model "$MODEL" --seed "$SEED" --method sefa --count 6 --steps 7 --size 64 -q -o "$FIGURES/sefa-sweep.png"
nice "$BIN" directions list --model "$MODEL" > "$FIGURES/directions-list.txt"
echo "wrote $MODEL/directions and $FIGURES" >&2

echo "== docs/directions.md" >&2
if [ "$FIGURES" = "$ROOT/docs/figures" ]; then
    (cd training && "$PYTHON" -m latentscope_train.directions_doc --figures "$FIGURES" --doc "$ROOT/docs/directions.md" --model "$MODEL")
else
    echo "FIGURES is not docs/figures: docs/directions.md left as it is" >&2
fi
