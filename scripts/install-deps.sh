#!/usr/bin/env bash
# Installs the Debian packages Sotto builds and tests with, when any is missing.
# Fast when everything is present: one dpkg query, no network.
set -euo pipefail

packages=(
    pkg-config
    libncurses-dev      # ncursesw (the wide-character build) for the TUI
    libsodium-dev       # the crypto layer
    libcurl4-openssl-dev  # the client's HTTP
    libfido2-dev        # security keys
    libsqlite3-dev      # the local cache and the server's default store
    tmux                # end-to-end tests drive the real TUI through it
    postgresql          # the server store's PostgreSQL tests (scripts/postgres.sh)
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "Installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
