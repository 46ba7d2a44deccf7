#!/usr/bin/env bash
# The run command: installs what is missing, builds, and starts Sotto.
# Arguments are passed to `sotto` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release >&2
exec .build/release/sotto "$@"
