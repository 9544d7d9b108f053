#!/usr/bin/env bash
# Bulk-run benchmark: throughput of `nianbao batch` with 1 and 2 workers on the same
# documents, and peak memory (RSS) of 2 workers over a large archive.
# Usage: scripts/bench_batch.sh [DOCS_FOR_THROUGHPUT] [DOCS_FOR_MEMORY] [WORKDIR]
# The documents are the shared benchmark's scans, cycled, each copy made distinct by
# a comment after the PDF's end (so each is a new document to the archive).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${NIANBAO_BENCH:-$root/../shared/bench}
small=${1:-20}
large=${2:-200}
work=${3:-$root/target/bench-batch}
rm -rf "$work" && mkdir -p "$work/small" "$work/large"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/nianbao"
mapfile -t scans < <(ls "$bench"/cases/*/scan.pdf)
make_docs() { # DIR COUNT
  for ((k = 0; k < $2; k++)); do
    src=${scans[$((k % ${#scans[@]}))]}
    dst="$1/$(basename "$(dirname "$src")")-$k.pdf"
    cp "$src" "$dst" && printf '\n%% copy %d\n' "$k" >> "$dst"
  done
}
make_docs "$work/small" "$small"
make_docs "$work/large" "$large"
cd "$root"
seconds() { # JOBS DB DIR
  local start end
  start=$(date +%s.%N)
  "$bin" batch "$3" --db "$2" --jobs "$1" --quiet 2>/dev/null || true
  end=$(date +%s.%N)
  python3 -c "print(round($end - $start, 1))"
}
t1=$(seconds 1 "$work/jobs1.sqlite" "$work/small")
t2=$(seconds 2 "$work/jobs2.sqlite" "$work/small")
pages=$(python3 -c "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute('SELECT sum(pages) FROM documents').fetchone()[0])" "$work/jobs1.sqlite")
echo "throughput on $small documents ($pages pages): --jobs 1 ${t1} s, --jobs 2 ${t2} s, speed-up $(python3 -c "print(round($t1 / $t2, 2))")x"
/usr/bin/time -f "%M" -o "$work/rss" "$bin" batch "$work/large" --db "$work/large.sqlite" --jobs 2 --quiet 2>/dev/null || true
echo "peak RSS with --jobs 2 over $large documents: $(( $(cat "$work/rss") / 1024 )) MB"
