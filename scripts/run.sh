#!/usr/bin/env bash
# The run command: installs what is missing, fetches the default model, builds, and starts Sotto
# against a local development server (simulated attestation, the embedded model), on loopback.
# With arguments, runs that sotto command against the local server, e.g. `scripts/run.sh verify`.
# Until the full-screen chat lands, it opens a simple prompt loop.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
model=$(scripts/fetch-model.sh)
swift build -c release >&2

data="${XDG_DATA_HOME:-$HOME/.local/share}/sotto-local"
mkdir -p "$data"
log="$data/server.log"
.build/release/sotto-server serve --dev --model "$model" --listen 127.0.0.1:0 --data-dir "$data/server" \
    >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT

url=""
for _ in $(seq 300); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n 1 || true)
    [ -n "$url" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "the local server did not start; see $log" >&2
    exit 1
fi

sotto() { .build/release/sotto "$1" --dev --server "$url" --data-dir "$data/device" "${@:2}"; }

if [ $# -gt 0 ]; then
    sotto "$@"
    exit
fi

echo "Sotto — local development server at $url (SIMULATED attestation, embedded SmolLM2)."
echo "The full-screen chat is coming; for now, type a question (Ctrl-D to quit)."
sotto verify | tail -n 1
while IFS= read -r -p "> " line; do
    [ -n "${line// /}" ] && sotto ask "$line" || true
done
echo
