# Sourced by the bench scripts, from the project's root: the bench venv with the PyPI
# packages named ("package:module", installed where the module does not import, so a
# venv one script made serves the others), pdfium and chi_sim, a release build.
# Usage: bench_prelude PACKAGE:MODULE ...
bench_prelude() {
    venv=.nianbao/bench-venv
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    local missing=() spec
    for spec in "$@"; do
        "$venv/bin/python" -c "import ${spec#*:}" 2>/dev/null || missing+=("${spec%%:*}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        "$venv/bin/pip" install -q "${missing[@]}"
    fi
    scripts/setup.sh >/dev/null
    cargo build --release -q
    nianbao=target/release/nianbao
}
