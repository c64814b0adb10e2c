#!/usr/bin/env bash
# The picture of the jobs page in the README (docs/ui.png): builds the `cimjob` command, starts
# `cimjob serve` on 127.0.0.1 with jobs in several states, and takes the page's screenshot in
# headless Chromium (tests/ui/screenshot.py). Usage: tools/screenshot-ui.sh [OUTPUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}" "${CIMJOB_UI_PACKAGES[@]}"
builddir=${BUILDDIR:-build}
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" -Dcli=enabled >/dev/null
ninja -C "$builddir" examples/cimjob/cimjob
/usr/bin/python3 tests/ui/screenshot.py "$builddir/examples/cimjob/cimjob" "${1:-docs/ui.png}"
