#!/usr/bin/env bash
# Measures the embedded engine against llama.cpp side by side on the same model and threads.
#
# Builds sotto-server in release, then alternates `sotto-server bench` and
# scripts/reference/bench-llama-cpp.py (same prompt and timing definitions) for ROUNDS rounds, each
# invocation taking the median of RUNS runs; prints the median over rounds of each side's pp128 and
# tg64 tokens/s and the ratio ours/llama.cpp. Interleaving spreads any background load over both.
#
# llama.cpp comes from llama-cpp-python, installed (built from source) into .cache/llama-venv the
# first time. Not part of CI: a manual check of the speed bar.
#
# Usage: scripts/bench-engine.sh [--model PATH] [--threads N] [--rounds N] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."

readonly llama_cpp_python_version="0.3.36"
readonly venv=".cache/llama-venv"
model=""
threads=2
rounds=5
runs=5
while [ $# -gt 0 ]; do
    case "$1" in
        --model) model="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        *) echo "usage: $0 [--model PATH] [--threads N] [--rounds N] [--runs N]" >&2; exit 2 ;;
    esac
done
[ -n "$model" ] || model="$(scripts/fetch-model.sh)"

if ! "$venv/bin/python" -c "import llama_cpp" >/dev/null 2>&1; then
    echo "installing llama-cpp-python $llama_cpp_python_version into $venv (builds llama.cpp: several minutes)..." >&2
    python3 -m venv "$venv"
    CMAKE_ARGS="-DGGML_NATIVE=ON" "$venv/bin/pip" install --quiet "llama-cpp-python==$llama_cpp_python_version" >&2
fi

echo "building sotto-server (release)..." >&2
swift build -c release --product sotto-server >&2
server="$(swift build -c release --show-bin-path)/sotto-server"

ours_pp=()
ours_tg=()
theirs_pp=()
theirs_tg=()
# The median t/s column of a bench table's row for TEST.
column() { awk -v test="$2" '$1 == test { print $3 }' <<<"$1"; }
for round in $(seq 1 "$rounds"); do
    ours="$("$server" bench --model "$model" --threads "$threads" --runs "$runs")"
    theirs="$("$venv/bin/python" scripts/reference/bench-llama-cpp.py --model "$model" --threads "$threads" --runs "$runs")"
    ours_pp+=("$(column "$ours" pp128)")
    ours_tg+=("$(column "$ours" tg64)")
    theirs_pp+=("$(column "$theirs" pp128)")
    theirs_tg+=("$(column "$theirs" tg64)")
    echo "round $round: ours pp128 ${ours_pp[-1]} tg64 ${ours_tg[-1]}, llama.cpp pp128 ${theirs_pp[-1]} tg64 ${theirs_tg[-1]}" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
op="$(median "${ours_pp[@]}")"
ot="$(median "${ours_tg[@]}")"
tp="$(median "${theirs_pp[@]}")"
tt="$(median "${theirs_tg[@]}")"
echo "model $(basename "$model"), $threads threads, median of $rounds rounds of $runs runs each"
printf '%-8s %12s %12s %8s\n' test "ours t/s" "llama.cpp" ratio
printf '%-8s %12.2f %12.2f %8.3f\n' pp128 "$op" "$tp" "$(awk -v a="$op" -v b="$tp" 'BEGIN { print a / b }')"
printf '%-8s %12.2f %12.2f %8.3f\n' tg64 "$ot" "$tt" "$(awk -v a="$ot" -v b="$tt" 'BEGIN { print a / b }')"
