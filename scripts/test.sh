#!/usr/bin/env bash
# Sets up and runs every test: the Python training pipeline (pytest) and the
# Swift package (engine parity, imaging, terminal, explorer, CLI end to end,
# the explorer driven in tmux). Installs missing Debian and Python packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=(tmux)
python3 -m venv --help >/dev/null 2>&1 || extra+=(python3-venv python3-pip)
scripts/setup.sh "${extra[@]}"

echo "== Python: training pipeline" >&2
# A virtual environment (Debian's python refuses system-wide pip installs);
# it sees already-installed packages, so a machine with torch reuses it.
[ -x .venv/bin/python ] || python3 -m venv --system-site-packages .venv
.venv/bin/python -m pip install -q -r training/requirements.txt
.venv/bin/python -m pip install -q --no-deps -r training/requirements-eval.txt
.venv/bin/python -m pytest training/tests -q

echo "== Swift: build and test" >&2
swift build --build-tests
swift test --skip-build
