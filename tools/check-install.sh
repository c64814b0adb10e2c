#!/usr/bin/env bash
# Install a build into a scratch directory and build an outside program against it through
# pkg-config only, as a user would; then run it. Used as a meson test (suite 'install').
#   check-install.sh BUILDDIR SOURCEDIR
set -euo pipefail
builddir=$1
srcdir=$2
command -v pkg-config >/dev/null || { echo "pkg-config missing"; exit 77; }
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$builddir" --no-rebuild --destdir "$dest" --quiet >/dev/null
pc=$(find "$dest" -name libcimjob.pc | head -1)
[ -n "$pc" ] || { echo "libcimjob.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR=$dest
cflags=$(pkg-config --cflags libcimjob)
libs=$(pkg-config --libs libcimjob)
echo "pkg-config: $cflags $libs"
cat > "$dest/outside.c" <<'C'
#include <cimjob/cimjob.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    cimjob_fake *fake;
    cimjob_registry *reg;
    cimjob_job *job;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    cimjob_info info = CIMJOB_INFO_INIT;
    if (cimjob_fake_new(0, &fake) != CIMJOB_RC_SUCCESS)
        return 1;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS)
        return 2;
    o.run_us = 1000000;
    cimjob_fake_push(fake, &o);
    jo.name = "outside";
    jo.flags = CIMJOB_JOB_START;
    if (cimjob_create(reg, &jo, &job) != CIMJOB_RC_SUCCESS)
        return 3;
    cimjob_wait(job, CIMJOB_STATES_FINAL, -1, NULL);
    cimjob_query(job, &info);
    printf("libcimjob %s: %s is %s\n", cimjob_version(), info.instance_id,
           cimjob_job_state_name((int)info.job_state));
    cimjob_job_release(job);
    cimjob_registry_free(reg);
    cimjob_fake_free(fake);
    return info.job_state == CIMJOB_JOB_STATE_COMPLETED ? 0 : 4;
}
C
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror "$dest/outside.c" $cflags $libs -o "$dest/outside"
libdir=$(pkg-config --variable=libdir libcimjob)
LD_LIBRARY_PATH="$dest$libdir" "$dest/outside"
# The shared library must be the one found, and it must export cimjob_* only.
LD_LIBRARY_PATH="$dest$libdir" ldd "$dest/outside" | grep -q "$dest" || { echo "outside program did not link the installed library"; exit 1; }
