#!/usr/bin/env bash
# Build every example again, out of tree, against the installed library through pkg-config
# only, as a user would; then run the quick ones. Also checks that the `cimjob` command and its
# man page were installed. Used as a meson test (suite 'install') and by CI.
#   check-examples.sh BUILDDIR SOURCEDIR
# Exit 77 (skipped) when pkg-config is missing.
set -euo pipefail
builddir=$1
srcdir=$2
command -v pkg-config >/dev/null || { echo "pkg-config missing"; exit 77; }
cc=${CC:-cc}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$builddir" --no-rebuild --destdir "$dest" --quiet >/dev/null
pc=$(find "$dest" -name libcimjob.pc | head -1)
[ -n "$pc" ] || { echo "libcimjob.pc was not installed"; exit 1; }
# The installed .pc says prefix=/usr/local (say); the sysroot makes pkg-config point into $dest.
PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
export PKG_CONFIG_SYSROOT_DIR=$dest
# The directory of the installed libcimjob.so, from its -L (pkg-config already put the sysroot
# in front of it; --variable=libdir does not do so on every pkg-config version).
libdir=$(pkg-config --libs-only-L libcimjob | sed 's/^ *-L//; s/ .*//')
[ -d "$libdir" ] || libdir=$dest$(pkg-config --variable=libdir libcimjob)
export LD_LIBRARY_PATH=$libdir
out=$dest/examples
mkdir -p "$out"

failed=0
built=0
skipped=()
# build NAME "SOURCES" "EXTRA PKG-CONFIG MODULES" [EXTRA FLAGS]
build() {
    local name=$1 sources=$2 pkgs=$3 extra=${4:-} p
    for p in $pkgs; do
        # A dependency of libcimjob's own must come from the scratch prefix; others (cmocka,
        # libuv, glib, jansson) from the system. Without the sysroot for those.
        if ! PKG_CONFIG_SYSROOT_DIR='' pkg-config --exists "$p"; then
            skipped+=("$name (no $p)")
            return 0
        fi
    done
    local flags libs
    flags=$(pkg-config --cflags libcimjob)
    libs=$(pkg-config --libs libcimjob)
    if [ -n "$pkgs" ]; then
        # shellcheck disable=SC2086
        flags="$flags $(PKG_CONFIG_SYSROOT_DIR='' pkg-config --cflags $pkgs)"
        # shellcheck disable=SC2086
        libs="$libs $(PKG_CONFIG_SYSROOT_DIR='' pkg-config --libs $pkgs)"
    fi
    local srcs=() s
    for s in $sources; do srcs+=("$srcdir/examples/$s"); done
    # shellcheck disable=SC2086
    if "$cc" -Wall -Wextra -Werror $san_flags "${srcs[@]}" $flags $extra $libs -o "$out/$name" \
        2>"$out/$name.log"; then
        echo "built    $name"
        built=$((built + 1))
    else
        echo "FAILED   $name:"
        sed 's/^/    /' "$out/$name.log"
        failed=1
    fi
}

# A sanitized build installs an instrumented library: its users must be built the same way.
sanitize=$(meson introspect "$builddir" --buildoptions 2>/dev/null | python3 -c '
import json, sys
print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "none"))' ||
    echo none)
san_flags=
[ "$sanitize" = none ] || san_flags="-fsanitize=$sanitize"

echo "pkg-config: $(pkg-config --cflags libcimjob) $(pkg-config --libs libcimjob)"
build run-and-wait run-and-wait.c ""
build terminate-tree terminate-tree.c ""
build agent-poll agent-poll.c ""
build agent-libuv agent-libuv.c "libuv"
build agent-glib agent-glib.c "glib-2.0"
build custom-backend custom-backend.c "" "-pthread"
build unit-test-with-fake unit-test-with-fake.c "cmocka"
cli_common="cimjob/main.c cimjob/run.c cimjob/events.c cimjob/demo.c cimjob/timeout.c
    cimjob/duration.c cimjob/sigpipe.c cimjob/tty.c cimjob/escape.c"
build cimjob "$cli_common" "jansson" "-lm"
# `cimjob serve` against libcimjob-redfish through its own pkg-config name (when installed).
# Its jobs page (cimjob/ui/) becomes ui_assets.c as in the meson build (ui/embed.py).
serve_common="$cli_common cimjob/serve.c cimjob/http.c cimjob/accounts.c cimjob/redfish_route.c
    cimjob/ui.c cimjob/ui_route.c"
serve_flags="$out/ui_assets.c -I$srcdir/examples/cimjob -DCIMJOB_CLI_SERVE=1 -pthread -lm"
if pkg-config --exists cimjob-redfish; then
    ui=$srcdir/examples/cimjob/ui
    python3 "$ui/embed.py" "$out/ui_assets.c" "$ui/index.html" "$ui/cimjob.css" "$ui/cimjob.js"
    build cimjob-serve "$serve_common" "jansson libmicrohttpd gnutls libcrypt" \
        "$serve_flags $(pkg-config --cflags --libs cimjob-redfish)"
fi
# ... and with WBEM CIM-XML at /cimom, through pkg-config cimjob-cimxml (when installed).
if pkg-config --exists cimjob-redfish cimjob-cimxml; then
    build cimjob-serve-wbem "$serve_common cimjob/cimom.c" "jansson libmicrohttpd gnutls libcrypt" \
        "$serve_flags -DCIMJOB_CLI_CIMXML=1 $(pkg-config --cflags --libs cimjob-redfish cimjob-cimxml)"
fi

# The installed shared library (when there is one: not with default_library=static) must be
# the one the programs use.
if [ -x "$out/run-and-wait" ] && [ -e "$libdir/libcimjob.so" ]; then
    ldd "$out/run-and-wait" | grep "$dest" >/dev/null ||
        { echo "run-and-wait did not link the installed library"; failed=1; }
fi

# Run the quick ones (a second or two in all).
run() {
    local name=$1
    shift
    [ -x "$out/$name" ] || return 0
    if "$out/$name" "$@" >"$out/$name.run" 2>&1 </dev/null; then
        echo "ran      $name $*"
    else
        echo "FAILED   $name $* (exit $?):"
        sed 's/^/    /' "$out/$name.run"
        failed=1
    fi
}
run run-and-wait true
run unit-test-with-fake
run custom-backend
run cimjob version
run cimjob run --quiet -- true
run cimjob-serve serve --help
run cimjob-serve-wbem serve --help

# The command and its man page are installed with the library when the cli feature is on.
if [ -f "$builddir/examples/cimjob/cimjob" ]; then
    find "$dest" -path '*/bin/cimjob' -type f | grep . >/dev/null ||
        { echo "cimjob was built but not installed"; failed=1; }
    find "$dest" -path '*/man1/cimjob.1' | grep . >/dev/null ||
        { echo "docs/cimjob.1 was not installed"; failed=1; }
    # The installed command finds its own library (an $ORIGIN-relative RPATH), moved anywhere.
    installed=$(find "$dest" -path '*/bin/cimjob' -type f | head -1)
    if [ -n "$installed" ] && [ -e "$libdir/libcimjob.so" ]; then
        if env -u LD_LIBRARY_PATH "$installed" version >/dev/null 2>&1; then
            echo "ran      installed cimjob without LD_LIBRARY_PATH"
        else
            echo "FAILED   the installed cimjob does not find its library without LD_LIBRARY_PATH"
            failed=1
        fi
    fi
fi

for s in "${skipped[@]+"${skipped[@]}"}"; do echo "skipped  $s"; done
echo "$built examples built out of tree against the installed library"
exit $failed
