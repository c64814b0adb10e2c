#!/usr/bin/env bash
# Build cimxml-bench (release, -Dbench=true, in build-bench) and run it: GetInstance and
# EnumerateInstances over CIM-XML with 1 000 and 10 000 jobs on `cimjob serve`'s HTTP layer,
# against the same server answering a prebuilt response of the same bytes (docs/performance.md).
#   tools/bench-cimxml.sh [--quick] [--seconds S] [--clients C] [--jobs N[,N...]] [--ops gi,ei]
#                         [--vary-id]   (a new MESSAGE ID per request: every request read by libxml2)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}"
builddir=build-bench
opts=(-Dbench=true -Dbuildtype=release -Dtests=false -Dexamples=false -Dcli=disabled)
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
    meson setup "$builddir" "${opts[@]}" >/dev/null
fi
ninja -C "$builddir" tests/bench/cimxml-bench >/dev/null
exec "$builddir/tests/bench/cimxml-bench" "$@"
