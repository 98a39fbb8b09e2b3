#!/usr/bin/env bash
# Makes docs/figures/explorer.png: the explorer on the bundled model in a real
# xterm (-ti vt340, so the face is a sixel picture), directions panel open,
# a named direction walked, on a virtual display. Rerun it after a release.
#
#   scripts/explorer-screenshot.sh [OUT.png]
#
# Needs Xvfb, xterm, xwd, xwininfo, tmux and Python with Pillow (the training
# environment, .venv). Environment: PYTHON, SEED
# (default 7), DIRECTION (default gender), OFFSET (steps, default 2), COLS and
# ROWS (default 140x40).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-docs/figures/explorer.png}")
seed=${SEED:-7} direction=${DIRECTION:-gender} offset=${OFFSET:-2} cols=${COLS:-140} rows=${ROWS:-40}
py=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
for tool in Xvfb xterm xwd xwininfo tmux; do
    command -v "$tool" >/dev/null || { echo "explorer-screenshot: $tool is not installed" >&2; exit 1; }
done
nice swift build -c release --product latentscope >&2
bin=$(swift build -c release --show-bin-path)/latentscope
work=$(mktemp -d)
display=:$((90 + RANDOM % 100))
sock=shot-$$
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    [ -n "${xterm_pid:-}" ] && kill "$xterm_pid" 2>/dev/null || true
    [ -n "${x_pid:-}" ] && kill "$x_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# 1. The state, set up with the explorer's own commands in tmux and saved as a session.
tmux -L "$sock" -f /dev/null new-session -d -x "$cols" -y "$rows" -s s \
    "$bin explore --seed $seed --renderer blocks"
sleep 3
for cmd in "panel directions" "dir $direction" "offset $offset" "save $work/session.json"; do
    tmux -L "$sock" send-keys -t s ":$cmd" Enter
    sleep 1
done
for _ in $(seq 1 20); do [ -s "$work/session.json" ] && break; sleep 0.5; done
[ -s "$work/session.json" ] || { echo "explorer-screenshot: the session was not saved" >&2; tmux -L "$sock" capture-pane -p -t s >&2; exit 1; }
tmux -L "$sock" kill-server

# 2. The same session in xterm, which answers the explorer's queries as a sixel terminal.
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 & x_pid=$!
sleep 2
DISPLAY=$display xterm -ti vt340 -geometry "${cols}x${rows}+0+0" -fa Monospace -fs 10 -bg black -fg grey85 \
    -xrm 'XTerm*maxGraphicSize: 4096x4096' -e "$bin" explore --session "$work/session.json" & xterm_pid=$!
sleep 12
DISPLAY=$display xwd -root -silent -out "$work/screen.xwd"
# The xterm window's size: the largest window of the tree (it sits at +0+0).
size=$(DISPLAY=$display xwininfo -root -tree | grep -o ' [0-9]\+x[0-9]\++0+0' | sort -t x -k1,1n | tail -1 | tr -d ' ')
"$py" - "$work/screen.xwd" "$work/shot.png" "${size%%+*}" <<'PY'
import struct, sys
from PIL import Image
data = open(sys.argv[1], "rb").read()
h = struct.unpack(">25I", data[:100])
header, width, height, bpp, line, ncolors = h[0], h[4], h[5], h[11], h[12], h[19]
if bpp != 32:
    sys.exit(f"explorer-screenshot: xwd wrote {bpp} bits per pixel, not 32")
start = header + 12 * ncolors
img = Image.frombuffer("RGBX", (width, height), data[start:start + line * height], "raw", "BGRX", line, 1).convert("RGB")
w, _, hh = sys.argv[3].partition("x")
if w and hh:
    img = img.crop((0, 0, int(w), int(hh)))
img.save(sys.argv[2])
PY
mv "$work/shot.png" "$out"
echo "wrote $out ($size)"
