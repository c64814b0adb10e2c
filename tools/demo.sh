#!/usr/bin/env bash
# The README's first command: build libcimjob and the `cimjob` command (installing the Debian
# packages they need when missing), then run `cimjob demo` on a real process tree.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/deps.sh
. tools/deps.sh
cimjob_need_packages "${CIMJOB_BUILD_PACKAGES[@]}"
builddir=${BUILDDIR:-build}
if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" -Dcli=enabled >/dev/null
else
    meson setup "$builddir" -Dcli=enabled >/dev/null
fi
echo "==> building libcimjob, its examples and the cimjob command in $builddir/"
if ! log=$(ninja -C "$builddir" 2>&1); then
    printf '%s\n' "$log"
    exit 1
fi
echo
status=0
"$builddir/examples/cimjob/cimjob" demo || status=$?
cat <<EOT

Next: use it in place of timeout(1), e.g.
  $builddir/examples/cimjob/cimjob run --terminate-after 5 --grace 1 -- sleep 60
  $builddir/examples/cimjob/cimjob run --events json -- sh -c 'exit 3'
(\`$builddir/examples/cimjob/cimjob run --help\`, \`man docs/cimjob.1\`)
EOT
exit $status
