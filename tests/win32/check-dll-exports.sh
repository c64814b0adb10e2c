#!/bin/sh
# Fail when the DLL exports anything but the public API: every name in its export table must
# start with "cimjob_" and not be an internal "cimjob__" one. (tests/check-exports.sh does the
# same for ELF with nm -D; a DLL's exports are read from its PE export directory instead.)
#   usage: check-dll-exports.sh OBJDUMP path/to/libcimjob-0.dll
set -u
objdump=$1
dll=$2
table=$("$objdump" -p "$dll") || { echo "check-dll-exports: $objdump -p $dll failed" >&2; exit 1; }
# The "[Ordinal/Name Pointer] Table" section lists one "[ n] name" per exported name.
names=$(printf '%s\n' "$table" | awk '
    /^\[Ordinal\/Name Pointer\] Table/ { on = 1; next }
    on && /^[[:space:]]*$/ { on = 0 }
    on && /\[ *[0-9]+\]/ { print $NF }')
total=$(printf '%s\n' "$names" | grep -c . || true)
bad=$(printf '%s\n' "$names" | grep -v '^cimjob_' ; printf '%s\n' "$names" | grep '^cimjob__')
if [ -n "$bad" ]; then
    echo "check-dll-exports: $dll exports names outside cimjob_*:" >&2
    printf '  %s\n' $bad >&2
    exit 1
fi
if [ "$total" -lt 10 ]; then
    echo "check-dll-exports: only $total exports in $dll; is the API exported at all?" >&2
    exit 1
fi
# The DLL must load on a bare Windows: only system DLLs, no MinGW runtime beside it.
deps=$(printf '%s\n' "$table" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
for d in $deps; do
    case $d in
    kernel32.dll | advapi32.dll | user32.dll | msvcrt.dll | ucrtbase.dll | api-ms-win-*) ;;
    *)
        echo "check-dll-exports: $dll needs $d, which Windows does not ship" >&2
        exit 1
        ;;
    esac
done
echo "check-dll-exports: $total exports, all cimjob_*; imports: $(echo $deps)"
exit 0
