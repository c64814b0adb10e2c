#!/usr/bin/env bash
# Leak soak: cimjob-soak (tests/soak) in the plain, non-sanitized build that tools/valgrind.sh
# uses (build-valgrind/; RSS figures mean nothing under a sanitizer).
#   tools/soak.sh            --quick: 5000 posix lifecycles + 100000 on the fake, through
#                            `meson test --setup soak --suite soak` (counted by test-summary.py)
#   tools/soak.sh --full     100000 posix lifecycles (about 2 minutes on 2 cores), printed
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}"
builddir=${BUILDDIR:-build-valgrind}
opts=(-Dwerror=true -Dtests=true -Dexamples=false -Dcli=disabled -Db_sanitize=none)
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
    meson setup "$builddir" "${opts[@]}" >/dev/null
fi
ninja -C "$builddir" tests/soak/cimjob-soak >/dev/null
if [ "${1:-}" = "--full" ]; then
    exec "$builddir/tests/soak/cimjob-soak"
fi
status=0
meson test -C "$builddir" --setup soak --suite soak --print-errorlogs --verbose || status=$?
exit $status
