#!/usr/bin/env bash
# Runs a Windows program under Wine; used as meson's exe_wrapper (its path must
# contain "wine" so meson also exports WINEPATH for DLLs built by the project)
# and as CMake's CROSSCOMPILING_EMULATOR.
#  - uses a repo-local prefix (tools/.cache/wineprefix) unless WINEPREFIX is set,
#    so nothing touches ~/.wine and the prefix is created once, under a lock,
#    even when meson starts several tests in parallel;
#  - silences Wine's debug channels and Debian's "wine32 is missing" hint;
#  - needs no X display: console programs only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools=$(cd "$here/.." && pwd)
export WINEPREFIX="${WINEPREFIX:-$tools/.cache/wineprefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
unset DISPLAY WAYLAND_DISPLAY

# Debian 12: wine64 ships only /usr/lib/wine/wine64 (not on PATH); the `wine`
# package adds /usr/bin/wine, a wrapper that picks wine32 or wine64.
if [[ -x /usr/lib/wine/wine64 ]]; then
    wine=/usr/lib/wine/wine64
    wineserver=/usr/lib/wine/wineserver
elif command -v wine64 >/dev/null; then
    wine=$(command -v wine64); wineserver=wineserver
elif command -v wine >/dev/null; then
    wine=$(command -v wine); wineserver=wineserver
else
    echo "wine-exe-wrapper: no wine64/wine found (apt-get install wine64 wine)" >&2
    exit 127
fi
export WINELOADER="${WINELOADER:-$wine}"

# DLLs of the local MinGW deps prefix and of the MinGW runtime (libwinpthread,
# libgcc_s, libstdc++) in case something links them dynamically.
extra=()
for d in "$tools/.cache/mingw-prefix/bin" /usr/x86_64-w64-mingw32/lib \
         /usr/lib/gcc/x86_64-w64-mingw32/*-win32 /usr/lib/gcc/x86_64-w64-mingw32/*-posix; do
    [[ -d $d ]] && extra+=("Z:$(cd "$d" && pwd)")
done
if ((${#extra[@]})); then
    joined=$(IFS=';'; echo "${extra[*]}")
    export WINEPATH="${WINEPATH:+${WINEPATH%;};}$joined"
fi

if [[ ! -f $WINEPREFIX/system.reg ]]; then
    mkdir -p "$(dirname "$WINEPREFIX")"
    (
        flock 9
        if [[ ! -f $WINEPREFIX/system.reg ]]; then
            echo "wine-exe-wrapper: creating Wine prefix $WINEPREFIX (one-time)" >&2
            # Empty overrides skip the Mono/Gecko installer prompts.
            WINEDLLOVERRIDES="mscoree,mshtml=" "$wine" wineboot -i >/dev/null 2>&1 || true
            "$wineserver" -w || true
            [[ -f $WINEPREFIX/system.reg ]] || { echo "wine-exe-wrapper: wineboot failed" >&2; exit 1; }
        fi
    ) 9>"$WINEPREFIX.lock"
fi

exec "$wine" "$@"
