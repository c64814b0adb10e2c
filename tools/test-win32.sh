#!/usr/bin/env bash
# Windows (x86_64-w64-mingw32) cross build + tests under Wine, on Debian 12.
# Idempotent: installs only what is missing, builds CMocka for MinGW once into
# tools/.cache/mingw-prefix, creates the Wine prefix once, then (when the
# project has a meson.build) configures build-win32 and runs meson test: every
# suite under Wine (the portable unit suites, 'win32' against real process trees,
# 'dll-exports': the DLL exports only cimjob_* and needs no MinGW runtime DLL).
# Exits non-zero when anything fails.
#   usage: tools/test-win32.sh [extra meson setup args...]
# Env: BUILDDIR (default build-win32), SETUP_ONLY=1 to stop after the toolchain.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CROSS_DIR=$ROOT/tools/cross
CACHE=$ROOT/tools/.cache
PREFIX=$CACHE/mingw-prefix
CMOCKA_STAMP=$PREFIX/.cmocka-built
BUILDDIR=${BUILDDIR:-build-win32}
export WINEPREFIX=${WINEPREFIX:-$CACHE/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}

log() { printf '[test-win32] %s\n' "$*"; }
die() { printf '[test-win32] error: %s\n' "$*" >&2; exit 1; }

SUDO=
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root or sudo for apt-get"
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- packages
pkgs=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64
      wine64 wine meson ninja-build pkg-config cmake)
# dpkg-dev provides dpkg-source, which `apt-get source` needs to unpack.
[[ -f $CMOCKA_STAMP ]] || pkgs+=(dpkg-dev xz-utils)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$p")
done

# ---------------------------------------------------------------- deb-src
# apt-get source needs a deb-src line; derive it from the entry for this
# release's main suite (deb822 .sources or one-line .list), add it only if the
# machine has no deb-src at all.
need_update=0
have_deb_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] && grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] && grep -Eiq '^Types:.*[[:space:]]deb-src([[:space:]]|$)' "$f" && return 0
    done
    return 1
}
add_deb_src() {
    local codename f entry
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || die "cannot tell the Debian codename from /etc/os-release"
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # First enabled stanza of type deb listing "$codename" in Suites; copy
        # it (keeps URIs/Signed-By as they are) as deb-src for that suite only.
        entry=$(awk -v cn="$codename" 'BEGIN { RS = ""; FS = "\n" }
            { deb = 0; suite = 0; off = 0
              for (i = 1; i <= NF; i++) {
                if ($i ~ /^[Tt]ypes:/ && $i ~ /[[:space:]]deb([[:space:]]|$)/) deb = 1
                if ($i ~ /^[Ee]nabled:[[:space:]]*[Nn]o/) off = 1
                if ($i ~ /^[Ss]uites:/) { n = split($i, a, /[[:space:]]+/)
                  for (j = 2; j <= n; j++) if (a[j] == cn) suite = 1 } }
              if (deb && suite && !off) {
                for (i = 1; i <= NF; i++) {
                  l = $i
                  if (l ~ /^[Tt]ypes:/) l = "Types: deb-src"
                  else if (l ~ /^[Ss]uites:/) l = "Suites: " cn
                  print l }
                exit } }' "$f")
        if [[ -n $entry ]]; then
            log "adding deb-src (from $f) -> /etc/apt/sources.list.d/libcimjob-deb-src.sources"
            printf '# Added by libcimjob tools/test-win32.sh for apt-get source.\n%s\n' "$entry" \
                | $SUDO tee /etc/apt/sources.list.d/libcimjob-deb-src.sources >/dev/null
            return 0
        fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        entry=$(grep -E "^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+[[:space:]]+${codename}[[:space:]]" "$f" \
                | head -n1 | sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /') || true
        if [[ -n $entry ]]; then
            log "adding deb-src (from $f) -> /etc/apt/sources.list.d/libcimjob-deb-src.list"
            printf '# Added by libcimjob tools/test-win32.sh for apt-get source.\n%s\n' "$entry" \
                | $SUDO tee /etc/apt/sources.list.d/libcimjob-deb-src.list >/dev/null
            return 0
        fi
    done
    die "no apt source for '$codename' found to derive a deb-src entry from"
}
if [[ ! -f $CMOCKA_STAMP ]] && ! have_deb_src; then
    add_deb_src
    need_update=1
fi

if ((${#missing[@]})) || ((need_update)); then
    log "apt-get update"
    $SUDO apt-get update -qq
fi
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    # No recommends: keeps Wine to its console parts (no fonts/gstreamer/wine32).
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        2> >(grep -v '^debconf: delaying package configuration' >&2)
fi
log "toolchain: $(x86_64-w64-mingw32-gcc -dumpversion) (mingw-w64), $(/usr/lib/wine/wine64 --version 2>/dev/null || wine --version), meson $(meson --version)"

# ---------------------------------------------------------------- CMocka
# Debian's own cmocka source, built static with MinGW: no DLL to ship to Wine.
if [[ -f $CMOCKA_STAMP ]]; then
    log "cmocka: cached ($(cat "$CMOCKA_STAMP"))"
else
    mkdir -p "$CACHE/src"
    srcdir=$(find "$CACHE/src" -maxdepth 1 -type d -name 'cmocka-*' | sort | tail -n1)
    if [[ -z $srcdir || ! -f $srcdir/CMakeLists.txt ]]; then
        log "cmocka: apt-get source"
        rm -rf "$CACHE/src"; mkdir -p "$CACHE/src"
        # Filtered: dpkg-source chatter and the root-only "_apt sandbox" warning.
        (cd "$CACHE/src"; apt-get source -qq cmocka 2>&1 \
            | grep -Ev 'unsandboxed|^dpkg-source: info:') || true
        srcdir=$(find "$CACHE/src" -maxdepth 1 -type d -name 'cmocka-*' | sort | tail -n1)
        [[ -n $srcdir && -f $srcdir/CMakeLists.txt ]] || die "apt-get source cmocka failed"
    fi
    log "cmocka: building $(basename "$srcdir") for x86_64-w64-mingw32 (static)"
    rm -rf "$CACHE/cmocka-build" "$PREFIX"
    cmake -S "$srcdir" -B "$CACHE/cmocka-build" -G Ninja -Wno-dev \
        -DCMAKE_TOOLCHAIN_FILE="$CROSS_DIR/x86_64-w64-mingw32.cmake" \
        -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$PREFIX" \
        -DBUILD_SHARED_LIBS=OFF -DWITH_STATIC_LIB=ON \
        -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF -DPICKY_DEVELOPER=OFF \
        >"$CACHE/cmocka-configure.log" 2>&1 \
        || { tail -n 30 "$CACHE/cmocka-configure.log"; die "cmocka configure failed"; }
    cmake --build "$CACHE/cmocka-build" >"$CACHE/cmocka-build.log" 2>&1 \
        || { tail -n 30 "$CACHE/cmocka-build.log"; die "cmocka build failed"; }
    cmake --install "$CACHE/cmocka-build" >/dev/null
    # cmocka always builds a DLL too, and its .pc says -lcmocka: keep only the
    # static archive under that name so every consumer links it statically,
    # and make the .pc relocatable (${pcfiledir}) in case the clone moves.
    mv "$PREFIX/lib/libcmocka-static.a" "$PREFIX/lib/libcmocka.a"
    rm -f "$PREFIX/lib/libcmocka.dll.a" "$PREFIX/bin/cmocka.dll"
    rmdir "$PREFIX/bin" 2>/dev/null || true
    sed -i 's|/lib/cmocka\.dll\.a|/lib/libcmocka.a|' "$PREFIX/lib/cmake/cmocka/cmocka-config.cmake"
    ver=$(sed -n 's/^Version:[[:space:]]*//p' "$PREFIX/lib/pkgconfig/cmocka.pc")
    cat >"$PREFIX/lib/pkgconfig/cmocka.pc" <<EOF
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: cmocka
Description: The cmocka unit testing library (static, x86_64-w64-mingw32)
Version: $ver
Libs: -L\${libdir} -lcmocka
Cflags: -I\${includedir}
EOF
    echo "$(basename "$srcdir") static" >"$CMOCKA_STAMP"
    log "cmocka: installed into ${PREFIX#"$ROOT"/}"
fi

# ---------------------------------------------------------------- Wine prefix
if [[ ! -f $WINEPREFIX/system.reg ]]; then
    log "wine: creating prefix ${WINEPREFIX#"$ROOT"/} (first time only)"
    t0=$SECONDS
    "$CROSS_DIR/wine-exe-wrapper.sh" cmd /c exit 0
    log "wine: prefix ready in $((SECONDS - t0))s"
fi

# ---------------------------------------------------------------- cross file
# Meson < 1.3 (Debian 12 has 1.0.1) does not expand @DIRNAME@: render a copy
# with this clone's absolute path. Rewritten only on change, so existing build
# dirs are not needlessly regenerated.
CROSS_FILE=$CACHE/x86_64-w64-mingw32.ini
rendered=$(printf '# Generated by tools/test-win32.sh from tools/cross/x86_64-w64-mingw32.ini; do not edit.\n'
          sed "/^[[:space:]]*#/!s|@DIRNAME@|$CROSS_DIR|g" "$CROSS_DIR/x86_64-w64-mingw32.ini")
if [[ ! -f $CROSS_FILE ]] || [[ $(cat "$CROSS_FILE") != "$rendered" ]]; then
    printf '%s\n' "$rendered" >"$CROSS_FILE"
    log "cross file: ${CROSS_FILE#"$ROOT"/} (rendered)"
fi

[[ ${SETUP_ONLY:-0} == 1 ]] && { log "toolchain ready (SETUP_ONLY=1)"; exit 0; }

# ---------------------------------------------------------------- build + test
if [[ ! -f meson.build ]]; then
    log "no meson.build yet: toolchain ready, nothing to build"
    exit 0
fi
setup_args=(--cross-file "$CROSS_FILE")
if [[ -f $BUILDDIR/meson-private/coredata.dat ]]; then
    setup_args+=(--reconfigure)
elif [[ -d $BUILDDIR/meson-private ]]; then
    rm -rf "$BUILDDIR"   # half-configured (interrupted setup): start over
fi
log "meson setup $BUILDDIR"
meson setup "$BUILDDIR" "${setup_args[@]}" "$@"
# One wineserver for the whole run, with no test's output pipe open, started after any earlier
# one has exited: a wineserver started by a test holds that test's pipe open (meson then waits
# for it to exit), and one shutting down while the next starts has been seen to crash.
WINESERVER=/usr/lib/wine/wineserver64
[[ -x $WINESERVER ]] || WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver)
"$WINESERVER" -k 2>/dev/null || true # one left by an earlier run would make -w wait forever
"$WINESERVER" -w 2>/dev/null || true
"$WINESERVER" -p </dev/null >/dev/null 2>&1 || true
# Start Wine's own services (services.exe, winedevice.exe) now, with no pipe of a test: they
# live as long as the server and would otherwise keep the first test's output open.
"$CROSS_DIR/wine-exe-wrapper.sh" cmd /c exit 0 </dev/null >/dev/null 2>&1 || true
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT
log "meson test"
status=0
meson test -C "$BUILDDIR" --print-errorlogs || status=$?
# Retry once, and only for Wine's own crash (not for a failing test): the retry log says so.
if [[ $status != 0 ]] && grep -q "wineserver crashed" "$BUILDDIR/meson-logs/testlog.txt"; then
    log "Wine reported a wineserver crash: restarting it and running the suites once more"
    "$WINESERVER" -k 2>/dev/null || true
    "$WINESERVER" -w 2>/dev/null || true
    "$WINESERVER" -p </dev/null >/dev/null 2>&1 || true
    "$CROSS_DIR/wine-exe-wrapper.sh" cmd /c exit 0 </dev/null >/dev/null 2>&1 || true
    status=0
    meson test -C "$BUILDDIR" --print-errorlogs || status=$?
fi
exit $status
