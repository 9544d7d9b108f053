#!/usr/bin/env bash
# The bench's scanned reports as a gray scanner keeps them (each page's image taken to
# gray by its luma, so a red seal is gray ink over the print: bench/turned.py --gray
# --upright), or with --bilevel as a bilevel one does (that gray cut at one fixed level,
# Group 4), converted beside the colour scans they come from, two at a time: cells exact
# and the prose's scores (headings, CER, dates) for both.
# Usage: bench/gray.sh [--bilevel] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=gray
if [ "${1:-}" = --bilevel ]; then kind=bilevel; shift; fi
out=${1:-target/$kind-bench}
. bench/prelude.sh
bench_prelude pypdfium2:pypdfium2 pillow:PIL numpy:numpy
rm -rf "$out"
mkdir -p "$out/scans" "$out/cases" "$out/$kind" "$out/colour"
"$venv/bin/python" bench/turned.py --cases ../shared/bench/cases --out "$out/scans" \
    "--$kind" --upright --tier clean --tier typical --tier hard >/dev/null
for f in "$out"/scans/*.tif; do
    c=$(basename "$f" .tif)
    ln -s "$(realpath "../shared/bench/cases/$c")" "$out/cases/$c"
done
export nianbao out kind
ls "$out/cases" | xargs -P 2 -I{} sh -c '
    "$nianbao" convert "$out/cases/{}/scan.pdf" -q >"$out/colour/{}.json" &&
    "$nianbao" convert "$out/scans/{}.tif" -q >"$out/$kind/{}.json"'
for k in colour "$kind"; do
    echo "== $k scans"
    "$nianbao" eval --cases "$out/cases" --outputs "$out/$k" | sed -n '1,6p'
    "$venv/bin/python" scripts/score_prose.py "$out/$k" "$out/cases" | tail -5
done
