#!/usr/bin/env bash
# Installs what is missing, then converts the bundled sample scan to JSON on stdout
# and writes its debug overlays to target/demo-debug/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
cargo run --release --quiet -- convert fixtures/sample-scan.pdf --debug-dir target/demo-debug "$@"
