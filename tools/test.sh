#!/usr/bin/env bash
# The README's second command: build libcimjob with warnings as errors and run every test.
#   tools/test.sh                 native build in build/
#   tools/test.sh --sanitize      AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}"

builddir=${BUILDDIR:-build}
opts=(-Dwerror=true -Dtests=true -Dexamples=true -Dcli=enabled)
if [ "${1:-}" = "--sanitize" ]; then
    builddir=${BUILDDIR:-build-asan}
    opts+=(-Db_sanitize=address,undefined -Db_lundef=false -Ddefault_library=static)
    # Where the sanitized tests run: a report must fail its test (UBSan only prints by
    # default). tests/sanitizer/ub-canary proves it: it passes only if UBSan stops it.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
    opts+=(-Ddocs=true) # the API reference: an undocumented public symbol fails the build
fi
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
    meson setup "$builddir" "${opts[@]}" >/dev/null
fi
ninja -C "$builddir"
status=0
meson test -C "$builddir" --print-errorlogs --num-processes "$(nproc)" || status=$?
python3 tools/test-summary.py "$builddir"
exit $status
