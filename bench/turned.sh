#!/usr/bin/env bash
# The bench's typical and hard reports with every page scanned turned (90°, 180° or
# 270° clockwise, a fixed seed choosing; bench/turned.py makes them from the scans'
# own images), converted on one core: cells exact against the same truth, and the
# time against the upright scans in the same run. Usage: bench/turned.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/turned-bench}
. bench/prelude.sh
bench_prelude pypdfium2:pypdfium2 pillow:PIL
export OMP_THREAD_LIMIT=1
rm -rf "$out"
mkdir -p "$out/scans" "$out/cases" "$out/turned" "$out/upright"
"$venv/bin/python" bench/turned.py --cases ../shared/bench/cases --out "$out/scans" >"$out/turns.txt"
cases=()
for f in "$out"/scans/*.tif; do
    c=$(basename "$f" .tif)
    cases+=("$c")
    ln -s "$(realpath "../shared/bench/cases/$c")" "$out/cases/$c"
done
now() { date +%s.%N; }
start=$(now)
for c in "${cases[@]}"; do
    "$nianbao" convert "../shared/bench/cases/$c/scan.pdf" -q --jobs 1 >"$out/upright/$c.json"
done
upright=$(echo "$(now) - $start" | bc)
start=$(now)
for c in "${cases[@]}"; do
    "$nianbao" convert "$out/scans/$c.tif" -q --jobs 1 >"$out/turned/$c.json"
done
turned=$(echo "$(now) - $start" | bc)
echo "== upright scans (${#cases[@]} reports): $upright s"
"$nianbao" eval --cases "$out/cases" --outputs "$out/upright" | sed -n '1,6p'
echo "== every page turned (turns in $out/turns.txt): $turned s"
"$nianbao" eval --cases "$out/cases" --outputs "$out/turned" | sed -n '1,6p'
