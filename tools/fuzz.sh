#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan + coverage) and run each for a bounded
# time on a copy of its seed corpus. Prints executions per target; exits non-zero on a finding
# (the crashing input is left in build-fuzz/findings/).
#   tools/fuzz.sh [SECONDS_PER_TARGET]     (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}" clang libclang-rt-14-dev
secs=${1:-60}
builddir=build-fuzz
opts=(-Dfuzz=true -Dtests=false -Dexamples=false -Dcli=disabled -Ddefault_library=static
      -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link)
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
    CC=clang meson setup "$builddir" "${opts[@]}" >/dev/null
fi
targets=(datetime api)
[ -n "$(pkg-config --modversion jansson 2>/dev/null)" ] && targets+=(redfish)
ninja -C "$builddir" "${targets[@]/#/tests/fuzz/fuzz_}" >/dev/null
mkdir -p "$builddir/findings"
status=0
for t in "${targets[@]}"; do
    work=$(mktemp -d)
    cp tests/fuzz/corpus/$t/* "$work/"
    log="$builddir/fuzz_$t.log"
    if "$builddir/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$builddir/findings/$t-" -print_final_stats=1 "$work" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
        echo "fuzz_$t: ${runs:-?} executions in ${secs}s, no finding"
    else
        echo "fuzz_$t: FINDING (see $log and $builddir/findings/)"
        tail -30 "$log"
        status=1
    fi
    rm -rf "$work"
done
exit $status
