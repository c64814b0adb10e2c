#!/usr/bin/env bash
# The jobs page with many jobs (tests/ui/bench_ui.py): `cimjob serve` on 127.0.0.1 with JOBS
# finished jobs, the page in headless Chromium; prints the load time, redraw times and heap.
# Usage: tools/bench-ui.sh [JOBS]   (default 10000). Figures: docs/ui.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}" "${CIMJOB_UI_PACKAGES[@]}"
builddir=${BUILDDIR:-build}
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" -Dcli=enabled >/dev/null
ninja -C "$builddir" examples/cimjob/cimjob
/usr/bin/python3 tests/ui/bench_ui.py "$builddir/examples/cimjob/cimjob" "${1:-10000}"
