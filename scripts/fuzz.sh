#!/usr/bin/env bash
# Runs every cargo-fuzz target for a fixed time (not part of CI: it needs nightly and
# minutes per target). Usage: scripts/fuzz.sh [seconds per target, default 600] [target...]
# Needs: rustup toolchain nightly, `cargo install cargo-fuzz`, and libpdfium.so from
# scripts/setup.sh for pdf_loader. A crash leaves its input in fuzz/artifacts/TARGET/;
# turn each into a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(image_loader pdf_loader grid_builder label_matcher)
fi
export NIANBAO_PDFIUM=${NIANBAO_PDFIUM:-$PWD/.nianbao/lib/libpdfium.so}
export OMP_THREAD_LIMIT=1
cargo +nightly fuzz build -O
# Seed corpora from the fixtures, so runs start from real inputs.
mkdir -p fuzz/corpus/{image_loader,pdf_loader,label_matcher}
cp -n fixtures/*.pdf fuzz/corpus/pdf_loader/ 2>/dev/null || true
cp -n fixtures/digital-150dpi.tif fuzz/corpus/image_loader/ 2>/dev/null || true
printf '本年新收政府信息公开申请数量' > fuzz/corpus/label_matcher/label
printf '二〇二二年一月十九日' > fuzz/corpus/label_matcher/date
for t in "${targets[@]}"; do
    echo "== $t: ${secs}s"
    # -rss_limit_mb: the limits under test must keep every input far below it.
    cargo +nightly fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
        -max_len=262144 2>&1 | tail -n 4
done
