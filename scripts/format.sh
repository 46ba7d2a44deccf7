#!/usr/bin/env bash
# Formats the Swift sources with the toolchain's swift-format and the committed
# .swift-format. With --check, changes nothing and fails when a file would change.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift-format >/dev/null 2>&1 && ! swift format --version >/dev/null 2>&1; then
    # A check that cannot run is a failed check: CI would otherwise pass unformatted code.
    echo "swift-format not found: it ships with Swift 6 toolchains; put the toolchain's bin folder on PATH" >&2
    exit 1
fi
fmt() { if command -v swift-format >/dev/null 2>&1; then swift-format "$@"; else swift format "$@"; fi; }

files=$(git ls-files --cached --others --exclude-standard -- 'Package.swift' 'Sources/*.swift' 'Tests/*.swift' 'Benchmarks/*.swift' 'Fuzz/*.swift')
if [ "${1:-}" = "--check" ]; then
    fmt lint --strict --configuration .swift-format $files
else
    fmt format --in-place --configuration .swift-format $files
fi
