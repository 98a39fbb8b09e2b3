#!/usr/bin/env bash
# Sets up and runs every test: the Python training pipeline (pytest) and the
# Swift package (engine parity, imaging, terminal, explorer, CLI end to end,
# the explorer driven in tmux) and the installer (scripts/test-install.sh). Installs
# missing Debian and Python packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
# tmux for the explorer's terminal tests; Xvfb, xterm, kitty and xwd for the real-terminal ones.
extra=(tmux xvfb xterm kitty x11-apps)
python3 -m venv --help >/dev/null 2>&1 || extra+=(python3-venv python3-pip)
scripts/setup.sh "${extra[@]}"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== Python: training pipeline" >&2
# A virtual environment (Debian's python refuses system-wide pip installs);
# it sees already-installed packages, so a machine with torch reuses it.
[ -x .venv/bin/python ] || python3 -m venv --system-site-packages .venv
.venv/bin/python -m pip install -q -r training/requirements.txt
.venv/bin/python -m pip install -q --no-deps -r training/requirements-eval.txt
.venv/bin/python -m pytest training/tests -q 2>&1 | tee "$log/pytest"

echo "== Swift: build and test" >&2
swift build --build-tests
swift test --skip-build 2>&1 | tee "$log/swift"

echo "== Install: scripts/install.sh into a temporary prefix, used from elsewhere" >&2
scripts/test-install.sh 2>&1 | tee "$log/install"

# One closing line for both suites (each run above already failed the script on any failure).
py=$(grep -Eo '[0-9]+ passed' "$log/pytest" | tail -1 | grep -Eo '[0-9]+' || echo 0)
sw=$(grep -Eo 'Test run with [0-9]+ tests' "$log/swift" | tail -1 | grep -Eo '[0-9]+' || echo 0)
pyskip=$(grep -Eo '[0-9]+ skipped' "$log/pytest" | tail -1 | grep -Eo '[0-9]+' || echo 0)
swskip=$(grep -cE '^. Test .* skipped' "$log/swift" || true)
inst=$(grep -Eo '^install: [0-9]+ passed' "$log/install" | grep -Eo '[0-9]+' || echo 0)
echo "all: $((py + sw - swskip + inst)) passed, 0 failed, $((pyskip + swskip)) skipped"
