#!/usr/bin/env bash
# Installs latentscope into a temporary prefix with scripts/install.sh and checks, as a
# user elsewhere on the machine would: the binary runs from another folder and finds
# the installed model by itself, the manual pages and the shell completions are there.
# Prints "install: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/latentscope-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...
    local name=$1; shift
    if "$@" >"$work/out" 2>&1; then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/out" | tail -20; fi
}

check "install.sh into a fresh prefix" scripts/install.sh "$work/prefix"
bin="$work/prefix/bin/latentscope"
mkdir -p "$work/elsewhere"
# A clean environment: no LATENTSCOPE_MODEL, HOME without a model, another working folder.
run_elsewhere() { (cd "$work/elsewhere" && env -i PATH=/usr/bin:/bin HOME="$work/home" "$bin" "$@"); }
check "generate from another folder finds the installed model" run_elsewhere generate --seed 1 --size 64 -o face.png
check "the output is a PNG" bash -c "head -c 8 '$work/elsewhere/face.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
check "info names the installed model folder" bash -c "cd '$work/elsewhere' && env -i PATH=/usr/bin:/bin HOME='$work/home' '$bin' info | grep -q '$work/prefix/share/latentscope/models/utkface64'"
check "directions are installed" run_elsewhere directions list
check "the binary moved elsewhere still says where it looked" bash -c "
    cp '$bin' '$work/lonely' && cd '$work/elsewhere' && ! env -i PATH=/usr/bin:/bin HOME='$work/home' '$work/lonely' info 2>'$work/err' \
    && grep -q 'was not found; looked in' '$work/err' && grep -q '$work/home/.local/share/latentscope/models' '$work/err'"
check "manual page for the tool" grep -q '^\.Dt LATENTSCOPE 1' "$work/prefix/share/man/man1/latentscope.1"
check "manual page per subcommand" test -s "$work/prefix/share/man/man1/latentscope.generate.1"
check "bash completion loads" bash -c "source '$work/prefix/share/bash-completion/completions/latentscope' && complete -p latentscope"
check "zsh completion" grep -q '#compdef latentscope' "$work/prefix/share/zsh/site-functions/_latentscope"
check "fish completion" grep -q "complete -c 'latentscope'" "$work/prefix/share/fish/vendor_completions.d/latentscope.fish"
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
