#!/usr/bin/env bash
# Builds the test suites under a sanitizer and runs them.
#
#   scripts/sanitize.sh address|thread [extra `swift test` arguments, e.g. --filter WireTests]
#
# address: AddressSanitizer (with LeakSanitizer); thread: ThreadSanitizer (data races in actors,
# `@unchecked Sendable` types and the engine's worker pool). Each builds in its own folder
# (.build-asan, .build-tsan), so the normal build is untouched. Exits non-zero when a sanitizer
# reports, as the test then fails.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
address) folder=.build-asan ;;
thread) folder=.build-tsan ;;
*)
    echo "usage: scripts/sanitize.sh address|thread [swift test arguments]" >&2
    exit 2
    ;;
esac
sanitizer="$1"
shift

scripts/install-deps.sh
if [ -z "${SOTTO_TEST_POSTGRES_URL:-}" ]; then
    SOTTO_TEST_POSTGRES_URL="$(scripts/postgres.sh)"
    export SOTTO_TEST_POSTGRES_URL
fi
scripts/fetch-model.sh >/dev/null

# Reports go to stderr with the stack; halt_on_error makes the first one fail the run.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

swift build --build-tests --scratch-path "$folder" --sanitize "$sanitizer"
swift test --skip-build --scratch-path "$folder" --sanitize "$sanitizer" "$@"
