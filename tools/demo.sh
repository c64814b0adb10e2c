#!/usr/bin/env bash
# The README's first command: build libcimjob and run its demo on a real process tree.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}"
builddir=${BUILDDIR:-build}
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" >/dev/null
else
    meson setup "$builddir" >/dev/null
fi
ninja -C "$builddir" examples/cimjob-demo >/dev/null
echo
exec "$builddir/examples/cimjob-demo"
