#!/usr/bin/env bash
# Cost of the prose step: each case converted with and without --tables-only, one
# process at a time (one core), in the same run. Prints the whole-report times and the
# difference per page of the reports: per page of prose it is higher by the share of
# pages that hold only tables.
# Usage: scripts/bench_prose.sh [TIER] [N]   (default: typical 10)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${NIANBAO_BENCH:-$root/../shared/bench}
tier=${1:-typical}
n=${2:-10}
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/nianbao"
cd "$root"
mapfile -t cases < <(ls -d "$bench"/cases/*-"$tier" | head -n "$n")
python3 - "$bin" "${cases[@]}" <<'PY'
import json, subprocess, sys, time
binary, cases = sys.argv[1], sys.argv[2:]
full = tables = pages = 0.0
for case in cases:
    pdf = f"{case}/scan.pdf"
    t0 = time.perf_counter()
    doc = json.loads(subprocess.run([binary, "convert", pdf, "-q"], capture_output=True, check=True).stdout)
    t1 = time.perf_counter()
    subprocess.run([binary, "convert", pdf, "-q", "--tables-only"], capture_output=True, check=True)
    t2 = time.perf_counter()
    full += t1 - t0
    tables += t2 - t1
    pages += doc["source"]["pages"]
print(f"{len(cases)} reports, {int(pages)} pages, one process at a time (one core each):")
print(f"  with prose     {full:7.1f} s   {full / len(cases):5.2f} s a report")
print(f"  --tables-only  {tables:7.1f} s   {tables / len(cases):5.2f} s a report")
print(f"  prose step     {(full - tables) / pages:5.2f} s a page of the reports")
PY
