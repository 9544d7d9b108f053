#!/usr/bin/env bash
# Finer scans: the first N typical reports resampled to 600 dpi in gray (bench/turned.py
# --gray --upright --dpi 600, lossless TIFF) or with --bilevel cut to bilevel at 600 dpi
# (Group 4), converted tables-only on one core as nianbao reads them by default (shrunk
# to 300 dpi) and as scanned (--max-scan-dpi 600): seconds, peak memory, cells exact
# and flagged for each, in one run.
# Usage: bench/fine.sh [--bilevel] [N] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=gray
if [ "${1:-}" = --bilevel ]; then kind=bilevel; shift; fi
n=${1:-10}
out=${2:-target/fine-bench}
. bench/prelude.sh
bench_prelude pypdfium2:pypdfium2 pillow:PIL
export OMP_THREAD_LIMIT=1
rm -rf "$out"
mkdir -p "$out/scans" "$out/cases"
"$venv/bin/python" bench/turned.py --cases ../shared/bench/cases --out "$out/scans" \
    "--$kind" --upright --dpi 600 --tier typical --limit "$n" >/dev/null
for f in "$out"/scans/*.tif; do
    c=$(basename "$f" .tif)
    ln -s "$(realpath "../shared/bench/cases/$c")" "$out/cases/$c"
done
for max in 300 600; do
    mkdir -p "$out/read-$max"
    /usr/bin/time -f "%e %M" -o "$out/time-$max" "$nianbao" convert "$out"/scans/*.tif \
        --tables-only --jobs 1 -q --max-scan-dpi "$max" -o "$out/read-$max"
    read -r secs kb <"$out/time-$max"
    scores=$("$nianbao" eval --cases "$out/cases" --outputs "$out/read-$max" |
        awk -F'|' '$2 ~ /all/ {print "cells exact" $5 ", flagged" $11}')
    echo "$kind, --max-scan-dpi $max: $secs s for $n reports, peak $((kb / 1024)) MiB, $scores"
done
