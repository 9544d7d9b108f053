#!/usr/bin/env bash
# nianbao against img2table (Tesseract chi_sim) and RapidOCR on the same pages, one
# core each: seconds per page, the ratios, cells exact. The peers come from PyPI into
# .nianbao/bench-venv on first run. Usage: bench/peers.sh [TIER] [DOCUMENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-typical}
limit=${2:-10}
. bench/prelude.sh
bench_prelude img2table:img2table rapidocr_onnxruntime:rapidocr_onnxruntime pypdfium2:pypdfium2
export NIANBAO_PDFIUM=${NIANBAO_PDFIUM:-$PWD/.nianbao/lib/libpdfium.so}
# One core for everyone: Tesseract's OpenMP and onnxruntime would take both.
export OMP_THREAD_LIMIT=1 OMP_NUM_THREADS=1
"$venv/bin/python" bench/peers.py --cases ../shared/bench/cases --tier "$tier" \
    --limit "$limit" --nianbao "$nianbao" --json "${PEERS_JSON:-/dev/null}"
