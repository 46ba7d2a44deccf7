#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/, one per parser) and runs them.
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]   fuzz each target (all by default) for N seconds (default 60)
#   scripts/fuzz.sh --regress [TARGET...]       CI: each target over its committed corpus, once
#   scripts/fuzz.sh --list                      the targets' names
#
# Prints one line per target (executions, seconds, crashes) and exits non-zero when any target
# crashed; a crash's input is kept under .build-fuzz/crashes/ (replay it with --replay FILE TARGET).
# The binary is built with `--sanitize fuzzer --sanitize address` in its own build folder
# (.build-fuzz), so it never slows or changes the normal build. New inputs the fuzzer finds go to
# .build-fuzz/corpus/TARGET; the committed seeds (Fuzz/corpus/TARGET) are only read.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
mode=fuzz
replay=""
names=()
while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#--seconds=}"; shift ;;
    --regress) mode=regress; shift ;;
    --replay) mode=replay; replay="$2"; shift 2 ;;
    --list) mode=list; shift ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option $1 (see scripts/fuzz.sh --help)" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
    esac
done
case "$seconds" in '' | *[!0-9]*) echo "error: --seconds takes a whole number" >&2; exit 2 ;; esac

# The registry in Fuzz/Sources/Entry.swift is the list of targets.
all=$(sed -n 's/^    "\([a-z0-9-]*\)": fuzz[A-Za-z]*,$/\1/p' Fuzz/Sources/Entry.swift)
if [ "$mode" = list ]; then
    echo "$all"
    exit 0
fi
if [ ${#names[@]} -eq 0 ]; then
    # shellcheck disable=SC2206
    names=($all)
fi
for name in "${names[@]}"; do
    if ! grep -qx -- "$name" <<<"$all"; then
        echo "error: no fuzz target named $name (scripts/fuzz.sh --list names them)" >&2
        exit 2
    fi
done

# The same system libraries as the normal build; the fuzzer and sanitizer runtimes ship with
# the Swift toolchain.
scripts/install-deps.sh

build=.build-fuzz
echo "building the fuzz targets in $build (first build: several minutes)" >&2
mkdir -p "$build"
SOTTO_FUZZ=1 swift build --scratch-path "$build" --product sotto-fuzz \
    --sanitize fuzzer --sanitize address >"$build/build.log" 2>&1 || {
    tail -n 40 "$build/build.log" >&2
    echo "error: the fuzz build failed (log: $build/build.log)" >&2
    exit 1
}
binary="$build/debug/sotto-fuzz"
# Leak detection is off: Swift packs flags into the spare bits of object pointers, which
# LeakSanitizer then misses, so objects that globals own are reported as leaked (seen with the
# ML-KEM key and the pinned AMD roots); SOTTO_FUZZ_LEAKS=1 turns it on. Swift's own crash
# backtracer is off so that AddressSanitizer's report is the one printed.
leaks="${SOTTO_FUZZ_LEAKS:-0}"
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=$leaks}"

if [ "$mode" = replay ]; then
    SOTTO_FUZZ_TARGET="${names[0]}" exec "$binary" "$replay"
fi

mkdir -p "$build/crashes" "$build/logs"
failed=0
for name in "${names[@]}"; do
    seeds="Fuzz/corpus/$name"
    work="$build/corpus/$name"
    mkdir -p "$work"
    args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 -detect_leaks="$leaks"
        -artifact_prefix="$build/crashes/$name-")
    [ -f "Fuzz/dict/$name.dict" ] && args+=(-dict="Fuzz/dict/$name.dict")
    # The regression runs the committed seeds once each and stops: deterministic, so CI fails
    # only on a parser change that breaks an input which used to pass.
    [ "$mode" = regress ] && args+=(-runs=0)
    log="$build/logs/$name.log"
    before=$(find "$build/crashes" -name "$name-*" | wc -l)
    start=$(date +%s)
    # The seeds run first in every mode, so a committed reproducer fails at once.
    set +e
    SOTTO_FUZZ_TARGET="$name" "$binary" "${args[@]}" "$work" "$seeds" >"$log" 2>&1
    status=$?
    set -e
    elapsed=$(($(date +%s) - start))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(($(find "$build/crashes" -name "$name-*" | wc -l) - before))
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    line=$(printf '%-28s executions %12s  seconds %5s  crashes %s' "$name" "${executions:-?}" "$elapsed" "$crashes")
    if [ "$crashes" -ne 0 ]; then
        failed=1
        artifact=$(find "$build/crashes" -name "$name-*" -newermt "@$start" 2>/dev/null | head -n 1)
        line="$line  (log: $log${artifact:+, input: $artifact})"
    fi
    echo "$line"
done
exit "$failed"
