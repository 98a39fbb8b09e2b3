#!/usr/bin/env bash
# Installs latentscope's system dependencies on Debian or Ubuntu, only those missing:
# the four libraries it links (ncursesw, OpenBLAS, libsixel, libpng) and pkg-config.
# Usage: scripts/setup.sh [extra Debian packages...]
set -euo pipefail

packages=(libncursesw5-dev libopenblas-dev libsixel-dev libpng-dev pkg-config "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "error: swift not found. Install Swift 6 (https://www.swift.org/install/linux/) and run this again." >&2
    exit 1
fi
