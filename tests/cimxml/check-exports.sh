#!/bin/sh
# Only cimjob_cimxml_* leaves libcimjob-cimxml.so.
set -u
lib=$1
bad=$(nm -D --defined-only "$lib" | awk 'NF >= 2 { n = $NF; t = $(NF-1); sub(/@.*/, "", n);
    if (t == "A") next; if (n !~ /^cimjob_cimxml_/) print t " " n }')
if [ -n "$bad" ]; then
    echo "libcimjob-cimxml exports symbols outside cimjob_cimxml_*:" >&2
    echo "$bad" >&2
    exit 1
fi
echo "exports: $(nm -D --defined-only "$lib" | grep -c ' T cimjob_cimxml_') cimjob_cimxml_* functions"
