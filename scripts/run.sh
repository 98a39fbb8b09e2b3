#!/usr/bin/env bash
# Sets up, builds (release) and starts latentscope on the bundled model.
# Arguments are passed on: scripts/run.sh grid --seeds 0-15 -o grid.png
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product latentscope >&2
exec .build/release/latentscope "$@"
