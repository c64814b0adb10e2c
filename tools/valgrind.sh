#!/usr/bin/env bash
# valgrind memcheck on the unit suite, through the meson test setup of the top-level
# meson.build (`meson test --setup valgrind --suite unit`: any memory error or definite leak
# fails the test) in a plain, non-sanitized build in build-valgrind/.
#   tools/valgrind.sh [extra meson test arguments, e.g. --suite stress]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}" valgrind
builddir=${BUILDDIR:-build-valgrind}
opts=(-Dwerror=true -Dtests=true -Dexamples=false -Dcli=disabled -Db_sanitize=none)
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
    meson setup "$builddir" "${opts[@]}" >/dev/null
fi
ninja -C "$builddir"
status=0
meson test -C "$builddir" --setup valgrind --suite unit --print-errorlogs \
    --num-processes "$(nproc)" "$@" || status=$?
python3 tools/test-summary.py "$builddir"
exit $status
