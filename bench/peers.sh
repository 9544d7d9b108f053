#!/usr/bin/env bash
# nianbao against img2table (Tesseract chi_sim) and RapidOCR on the same pages, one
# core each: seconds per page, the ratios, cells exact. The peers come from PyPI into
# .nianbao/bench-venv on first run. Usage: bench/peers.sh [TIER] [DOCUMENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-typical}
limit=${2:-10}
venv=.nianbao/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q img2table rapidocr_onnxruntime pypdfium2
fi
scripts/setup.sh >/dev/null
cargo build --release -q
export NIANBAO_PDFIUM=${NIANBAO_PDFIUM:-$PWD/.nianbao/lib/libpdfium.so}
# One core for everyone: Tesseract's OpenMP and onnxruntime would take both.
export OMP_THREAD_LIMIT=1 OMP_NUM_THREADS=1
"$venv/bin/python" bench/peers.py --cases ../shared/bench/cases --tier "$tier" \
    --limit "$limit" --nianbao target/release/nianbao --json "${PEERS_JSON:-/dev/null}"
