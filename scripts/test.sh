#!/usr/bin/env bash
# Installs what is missing, then runs every test (unit and integration, with the real
# Tesseract and pdfium), plus the format and lint gates.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --test
cd "$root"
cargo fmt --all -- --check
cargo clippy --release --all-targets --quiet -- -D warnings
cargo test --release
