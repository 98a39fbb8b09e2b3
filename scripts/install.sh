#!/usr/bin/env bash
# Builds latentscope (release) and installs it under PREFIX (default /usr/local):
#
#   PREFIX/bin/latentscope
#   PREFIX/share/latentscope/models/utkface64/      the bundled model and its directions
#   PREFIX/share/man/man1/latentscope*.1            manual pages (swift-argument-parser's generate-manual)
#   PREFIX/share/bash-completion/completions/latentscope
#   PREFIX/share/zsh/site-functions/_latentscope
#   PREFIX/share/fish/vendor_completions.d/latentscope.fish
#
# Usage: scripts/install.sh [PREFIX]
# The installed binary finds the model in PREFIX/share/latentscope on its own; --model
# and LATENTSCOPE_MODEL still override it. Missing system packages are installed first.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac

scripts/setup.sh
echo "== build (release)" >&2
swift build -c release --product latentscope >&2
bin="$(swift build -c release --show-bin-path)/latentscope"
echo "== manual pages" >&2
swift package plugin generate-manual --multi-page >&2
manuals=$(find "$(swift build -c release --show-bin-path)/../.." -path '*GenerateManual*' -name 'latentscope*.1' 2>/dev/null | sort -u)
[ -n "$manuals" ] || { echo "error: generate-manual wrote no manual page" >&2; exit 1; }

echo "== install into $prefix" >&2
# Stage everything first, so a failure leaves no half-installed tree.
stage=$(mktemp -d "${TMPDIR:-/tmp}/latentscope-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT
install -D -m 755 "$bin" "$stage/bin/latentscope"
model="$stage/share/latentscope/models/utkface64"
mkdir -p "$model/directions"
install -m 644 assets/models/utkface64/config.json assets/models/utkface64/generator.safetensors "$model/"
install -m 644 assets/models/utkface64/directions/* "$model/directions/"
mkdir -p "$stage/share/man/man1"
for m in $manuals; do install -m 644 "$m" "$stage/share/man/man1/"; done
install -d "$stage/share/bash-completion/completions" "$stage/share/zsh/site-functions" "$stage/share/fish/vendor_completions.d"
"$bin" --generate-completion-script bash > "$stage/share/bash-completion/completions/latentscope"
"$bin" --generate-completion-script zsh > "$stage/share/zsh/site-functions/_latentscope"
"$bin" --generate-completion-script fish > "$stage/share/fish/vendor_completions.d/latentscope.fish"
mkdir -p "$prefix"
cp -R "$stage/." "$prefix/"
echo "installed $prefix/bin/latentscope (model in $prefix/share/latentscope/models/utkface64)" >&2
