#!/usr/bin/env bash
# Installs what nianbao needs on a Debian machine, once; later runs only check.
#  - libtesseract, leptonica, their headers and the chi_sim/eng data: Debian packages.
#  - the pdfium shared library: taken out of the PyPI wheel pypdfium2 (it ships
#    libpdfium.so) into .nianbao/lib/, where nianbao looks first.
#  - with --test, also Chromium and ChromeDriver (Debian packages), which the review
#    page's browser test drives.
# Set NIANBAO_PDFIUM=/path/to/libpdfium.so to use another copy instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng libtesseract-dev libleptonica-dev pkg-config)
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium chromium-driver)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pdfium="$root/.nianbao/lib/libpdfium.so"
if [ -z "${NIANBAO_PDFIUM:-}" ] && [ ! -s "$pdfium" ]; then
  # Pinned so every machine reads PDFs with the same pdfium build.
  version=5.15.2
  echo "setup: fetching libpdfium.so from the pypdfium2 $version wheel" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "pypdfium2==$version"
  mkdir -p "$(dirname "$pdfium")"
  python3 - "$tmp" "$pdfium" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/pypdfium2-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/libpdfium.so"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        dst.write(src.read())
PY
fi
