#!/usr/bin/env bash
# Converts every case of the shared benchmark and scores it.
# Usage: scripts/bench.sh [OUTDIR] [JOBS] [CASE_GLOB]
# NIANBAO_CASES: another folder of cases (<case>/scan.pdf + truth.json), e.g. synthetic
# ones from models/calibration/render_reports.py; NIANBAO_CONVERT_ARGS: extra options
# for convert, e.g. --explain-confidence.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${NIANBAO_BENCH:-$root/../shared/bench}
out=${1:-$root/target/bench-out}
jobs=${2:-2}
glob=${3:-*}
cases=${NIANBAO_CASES:-$bench/cases}
mkdir -p "$out/in"
rm -f "$out"/*.json
for d in "$cases"/$glob/; do
  id=$(basename "$d")
  ln -sf "$d/scan.pdf" "$out/in/$id.pdf"
done
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
# A copy, so rebuilding during a long run does not swap the binary under it.
cp "$root/target/release/nianbao" "$out/nianbao"
start=$(date +%s.%N)
"$out/nianbao" convert "$out"/in/*.pdf -o "$out" --jobs "$jobs" ${NIANBAO_CONVERT_ARGS:-} || true
end=$(date +%s.%N)
pages=$(python3 -c "import json,glob,sys;print(sum(json.load(open(p))['source']['pages'] for p in glob.glob(sys.argv[1]+'/*.json')))" "$out")
echo "wall $(python3 -c "print(round($end-$start,1))") s for $pages pages with $jobs jobs"
python3 "$bench/score.py" --cases "$cases" --outputs "$out" --json "$out/summary.json" $([ "$glob" = "*" ] || echo --only-present)
