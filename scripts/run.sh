#!/usr/bin/env bash
# The run command: installs what is missing, fetches the default model, builds, and opens Sotto's
# full-screen chat in local mode: a development server (SIMULATED attestation, the embedded model)
# started on loopback by sotto itself and stopped when it quits. The first run creates an account
# with a software passkey (or a security key, when one is plugged in).
# With arguments, runs that sotto command instead, e.g. `scripts/run.sh history`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
model=$(scripts/fetch-model.sh)
swift build -c release >&2

export SOTTO_MODEL="$model"
exec .build/release/sotto "$@"
