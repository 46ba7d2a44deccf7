#!/usr/bin/env bash
# Copies the theme files in themes/ into Sources/TUI/Themes/ShippedThemes.swift, so the
# binary carries them. Run after editing a theme; the TUI tests check the copy is current.
set -euo pipefail
cd "$(dirname "$0")/.."

names=(dark light solarized-dark high-contrast)
out=Sources/TUI/Themes/ShippedThemes.swift
{
    echo "// The shipped themes, embedded so the binary needs no files beside it. The files in"
    echo "// \`themes/\` are the source; ThemeTests fails when a copy here differs from its file."
    echo "// Regenerate with scripts/embed-themes.sh."
    echo ""
    echo "/// The TOML text of each theme in \`themes/\`."
    echo "enum ShippedThemes {"
    printf '    static let names = ['
    sep=""
    for n in "${names[@]}"; do printf '%s"%s"' "$sep" "$n"; sep=", "; done
    echo "]"
    echo ""
    echo "    static let source: [String: String] = ["
    for n in "${names[@]}"; do
        if grep -q -e '"""' -e '\\' "themes/$n.toml"; then
            echo "themes/$n.toml: triple quotes and backslashes cannot be embedded" >&2
            exit 1
        fi
        echo "        \"$n\": \"\"\""
        sed -e 's/^\(.\)/        \1/' "themes/$n.toml"
        echo "        \"\"\","
    done
    echo "    ]"
    echo "}"
} >"$out"
