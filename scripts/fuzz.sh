#!/bin/sh
# scripts/fuzz.sh [SECONDS] [PARSER...]: fuzzes the parsers of files from others
# with libFuzzer and AddressSanitizer, SECONDS (default 60) for each of
# safetensors, config, directions, session and attributes (or the PARSERs named).
#
# The targets are built into .build-fuzz (the normal build is not touched) and
# seeded with the real files: the tiny test model, the bundled model's config and
# directions, and every input in Tests/EngineTests/Fixtures/fuzz-regressions.
# The corpus each run grows is kept in .build-fuzz/corpus/PARSER, so later runs
# go on from it. An input that crashes is saved in .build-fuzz/findings/PARSER;
# copy it into Tests/EngineTests/Fixtures/fuzz-regressions/PARSER/, where
# `swift test` replays it (it must be refused with an error). The fuzzer is
# restarted after a finding until SECONDS are used up.
#
# Prints one line per parser: seconds, inputs executed, findings; exits 1 if any.
set -eu
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
PARSERS=${*:-safetensors config directions session attributes}
SCRATCH=.build-fuzz
FIX=Tests/EngineTests/Fixtures
REG=$FIX/fuzz-regressions
MODEL=assets/models/utkface64

target() {
    case $1 in
        safetensors) echo FuzzSafeTensors ;;
        config) echo FuzzConfig ;;
        directions) echo FuzzDirections ;;
        session) echo FuzzSession ;;
        attributes) echo FuzzAttributes ;;
        *) echo "unknown parser '$1' (safetensors, config, directions, session, attributes)" >&2; exit 2 ;;
    esac
}

# The real files each parser is seeded with (besides its regressions).
seed() {
    out=$1
    case $2 in
        safetensors)
            cp $FIX/tiny-model/generator.safetensors "$out/tiny-generator.safetensors"
            [ -f $MODEL/directions/vectors.safetensors ] && cp $MODEL/directions/vectors.safetensors "$out/bundled-vectors.safetensors"
            ;;
        config)
            cp $FIX/tiny-model/config.json "$out/tiny-config.json"
            [ -f $MODEL/config.json ] && cp $MODEL/config.json "$out/bundled-config.json"
            ;;
        directions)
            # index.json, one NUL byte, vectors.safetensors (the target's input format).
            if [ -f $MODEL/directions/index.json ]; then
                { cat $MODEL/directions/index.json; printf '\000'; cat $MODEL/directions/vectors.safetensors; } > "$out/bundled-directions.bin"
            fi
            ;;
        attributes)
            # attributes.json, one NUL byte, attributes.safetensors (the target's input format).
            { cat $FIX/tiny-classifier/attributes.json; printf '\000'; cat $FIX/tiny-classifier/attributes.safetensors; } > "$out/tiny-classifier.bin"
            if [ -f $MODEL/attributes.json ]; then
                { cat $MODEL/attributes.json; printf '\000'; cat $MODEL/attributes.safetensors; } > "$out/bundled-classifier.bin"
            fi
            ;;
        session) ;;   # the regressions are whole sessions
    esac
    cp $REG/$2/* "$out/" 2>/dev/null || true
}

max_len() {
    case $1 in
        safetensors | directions | attributes) echo 100000 ;;
        *) echo 16384 ;;
    esac
}

status=0
for p in $PARSERS; do
    t=$(target "$p")
    mkdir -p $SCRATCH
    if ! swift build -c debug --scratch-path $SCRATCH -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
        --product "$t" > $SCRATCH/build-$p.log 2>&1; then
        grep -E "error" $SCRATCH/build-$p.log >&2 || tail -20 $SCRATCH/build-$p.log >&2
        echo "$t did not build (log: $SCRATCH/build-$p.log)" >&2
        exit 1
    fi
    bin=$SCRATCH/debug/$t
    corpus=$SCRATCH/corpus/$p
    seeds=$SCRATCH/seeds/$p
    findings=$SCRATCH/findings/$p
    mkdir -p "$corpus" "$findings"
    rm -rf "$seeds" && mkdir -p "$seeds"
    seed "$seeds" "$p"
    log=$SCRATCH/fuzz-$p.log
    : > "$log"
    start=$(date +%s)
    runs=0
    i=0
    while :; do
        left=$((SECONDS_EACH - ($(date +%s) - start)))
        [ $left -gt 0 ] || break
        # Leaks are not findings here (the Swift runtime keeps caches); a 10 s input is (a hang).
        LATENTSCOPE_FUZZ_WEIGHTS=$FIX/tiny-model/generator.safetensors LATENTSCOPE_FUZZ_MODEL=$FIX/tiny-model \
            "$bin" "$corpus" "$seeds" -max_total_time=$left -max_len=$(max_len "$p") -timeout=10 -detect_leaks=0 \
            -artifact_prefix="$findings/" -print_final_stats=1 > "$log.run" 2>&1 || true
        i=$((i + 1))
        n=$(grep -E '^stat::number_of_executed_units' "$log.run" | tail -1 | awk '{print $2}')
        runs=$((runs + ${n:-0}))
        { echo "--- run $i, ended after $(($(date +%s) - start)) s"; cat "$log.run"; } >> "$log"
        rm -f "$log.run"
    done
    found=$(find "$findings" -type f | wc -l)
    echo "$p: $SECONDS_EACH s, $runs inputs executed, $found finding(s) in $findings (log: $log)"
    [ "$found" -eq 0 ] || status=1
done
exit $status
