#!/usr/bin/env bash
# Installs what is missing, then runs every test (unit and integration, with the real
# Tesseract and pdfium), plus the format and lint gates.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --test
cd "$root"
cargo fmt --all -- --check
cargo clippy --release --all-targets --quiet -- -D warnings
# Tesseract's OpenMP workers spin while they wait; with the tests running in parallel
# on few cores they spend most of the time in the kernel (the binary limits them
# itself, the library in a test process does not).
export OMP_THREAD_LIMIT=1
cargo test --release
