#!/bin/sh
# Fail when the shared library exports a symbol outside the public prefix: every exported
# symbol must start with "cimjob_" and must not be an internal "cimjob__" one.
#   usage: check-exports.sh path/to/libcimjob.so
# Exit 77 (meson: skipped) on Windows builds or when nm is missing.
set -u
lib=${1:-}
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
    echo "check-exports: no shared library given ($lib)" >&2
    exit 1
fi
case $lib in
*.dll | *.dll.a | *.lib)
    echo "check-exports: Windows DLL, skipped"
    exit 77
    ;;
esac
NM=${NM:-nm}
if ! command -v "$NM" >/dev/null 2>&1; then
    echo "check-exports: $NM not found, skipped"
    exit 77
fi
# -D: the dynamic symbol table; --defined-only: what the library itself provides.
syms=$("$NM" -D --defined-only "$lib") || {
    echo "check-exports: $NM -D failed on $lib" >&2
    exit 1
}
# Columns: value type name (name may carry @VERSION). Absolute symbols (type A) are the version
# script's node names (CIMJOB_0), not code or data.
bad=$(printf '%s\n' "$syms" | awk '
    NF >= 2 {
        name = $NF; type = $(NF - 1)
        sub(/@.*/, "", name)
        if (type == "A" && name ~ /^CIMJOB_([A-Z]+_)?[0-9]+$/) next
        if (name !~ /^cimjob_/ || name ~ /^cimjob__/) print type " " name
    }')
total=$(printf '%s\n' "$syms" | awk 'NF >= 2 { n++ } END { print n + 0 }')
if [ -n "$bad" ]; then
    echo "check-exports: $lib exports symbols outside cimjob_*:" >&2
    printf '%s\n' "$bad" | sed 's/^/  /' >&2
    exit 1
fi
if [ "$total" -lt 10 ]; then
    echo "check-exports: only $total exported symbols in $lib; is the API exported at all?" >&2
    exit 1
fi
echo "check-exports: $total symbols, all cimjob_*"
exit 0
