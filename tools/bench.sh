#!/usr/bin/env bash
# Build cimjob-bench (release, -Dbench=true, in build-bench) and run it: every metric of
# docs/performance.md in one run, library and baseline interleaved. Installs what it needs.
#   tools/bench.sh [--quick] [--json FILE] [--plot] [--only GROUP[,GROUP...]] [--posix-flags N]
#                  [--samples N]
# --quick: every metric in seconds (the CI smoke run); --json: also write the JSON object;
# --plot: draw docs/perf-*.png from that JSON (tools/plot-bench.sh; needs --json).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}" libuv1-dev libglib2.0-dev gnuplot-nox

args=()
json=
plot=0
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) args+=(--quick) ;;
    --json) json=$2; shift ;;
    --only) args+=(--only "$2"); shift ;;
    --posix-flags) args+=(--posix-flags "$2"); shift ;;
    --samples) args+=(--samples "$2"); shift ;;
    --plot) plot=1 ;;
    *) echo "usage: tools/bench.sh [--quick] [--json FILE] [--plot] [--only GROUPS] [--posix-flags N] [--samples N]" >&2; exit 2 ;;
    esac
    shift
done
[ "$plot" = 1 ] && [ -z "$json" ] && json=build-bench/bench.json

builddir=build-bench
opts=(-Dbench=true -Dbuildtype=release -Dtests=false -Dexamples=false -Dcli=disabled)
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
    meson setup "$builddir" "${opts[@]}" >/dev/null
fi
ninja -C "$builddir" tests/bench/cimjob-bench tests/bench/cimjob-bench-helper >/dev/null

if [ -n "$json" ]; then
    mkdir -p "$(dirname "$json")"
    "$builddir/tests/bench/cimjob-bench" "${args[@]}" --json "$json"
    echo "JSON: $json"
else
    "$builddir/tests/bench/cimjob-bench" "${args[@]}"
fi
if [ "$plot" = 1 ]; then
    bash tools/plot-bench.sh "$json"
fi
