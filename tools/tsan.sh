#!/usr/bin/env bash
# ThreadSanitizer: build with clang -Db_sanitize=thread in build-tsan/ and run suites 'unit'
# (including the 'threads' hammer), 'stress' (8 threads on the fake backend and on the posix
# backend with real processes) and 'posix' (the teardown shapes: children are started with
# fork() under TSan, see docs/reliability.md). Any data race, lock-order inversion or thread
# leak fails the run (halt_on_error, exit status 66).
#   tools/tsan.sh [--no-posix]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}" clang libclang-rt-14-dev
builddir=${BUILDDIR:-build-tsan}
opts=(-Dwerror=true -Dtests=true -Dexamples=false -Dcli=disabled -Db_sanitize=thread
      -Db_lundef=false)
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
    CC=clang meson setup "$builddir" "${opts[@]}" >/dev/null
fi
ninja -C "$builddir"
# second_deadlock_stack: both stacks of a lock-order report; die_after_fork=0: the library forks
# (clone3 / raw fork: no interceptor runs) and the child only makes system calls before exec.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:report_signal_unsafe=0}
suites=(--suite unit --suite stress)
# libcimjob-cimxml: its threads hammer (parser-context pool, instance cache, side table)
[ -d tests/cimxml ] && suites+=(--suite cimxml)
[ "${1:-}" = "--no-posix" ] || suites+=(--suite posix)
status=0
meson test -C "$builddir" --print-errorlogs --num-processes "$(nproc)" "${suites[@]}" || status=$?
python3 tools/test-summary.py "$builddir"
exit $status
