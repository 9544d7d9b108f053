#!/usr/bin/env bash
# Builds models/places/names.txt, the names of China's administrative divisions
# (provinces, prefectures, counties and districts) that report fields use to restore
# a place name OCR misread. The names come from the adcodes table of the PyPI package
# `cpca` (MIT licence), fetched from PyPI; only the names are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --dest "$tmp" cpca==0.5.5
python3 - "$tmp"/cpca-*.whl models/places/names.txt <<'PY'
import csv, io, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    text = z.read("cpca/resources/adcodes.csv").decode("utf-8")
# A one-character "name" (a bare 县) is a placeholder row, not a place.
names = sorted({r["name"].strip() for r in csv.DictReader(io.StringIO(text))} - {""})
names = [n for n in names if len(n) >= 2]
with open(out, "w", encoding="utf-8") as f:
    f.write("".join(n + "\n" for n in names))
print(f"{len(names)} names -> {out}")
PY
