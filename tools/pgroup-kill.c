/*
 * The timeline of one Kill of a process-group job whose tree holds N sleeping processes (the
 * teardown_1000_pgroup shape of cimjob-bench, one job at a time), for strace or perf: prints
 * how long each cimjob_kill_job() took. docs/performance.md ("Issue 10, the last round").
 *
 *   meson setup build-bench -Dbench=true -Dbuildtype=release && ninja -C build-bench
 *   cc -O2 -Iinclude -o /tmp/pgroup-kill tools/pgroup-kill.c -Lbuild-bench/lib -lcimjob \
 *      -Wl,-rpath,$PWD/build-bench/lib
 *   /tmp/pgroup-kill build-bench/tests/bench/cimjob-bench-helper 1000 3        # 2 s apart
 *   PGROUP_KILL_NOSLEEP=1 /tmp/pgroup-kill build-bench/tests/bench/cimjob-bench-helper 1000 5
 *   PGROUP_KILL_NOSLEEP=1 strace -tt -o /tmp/kill.txt /tmp/pgroup-kill ... 1000 2
 *
 * Without the pause between rounds, the previous tree's zombies are still in /proc while the
 * next one dies (where init reaps orphans late), as between cimjob-bench's samples.
 */
#define _GNU_SOURCE
#include <cimjob/cimjob.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pgroup-kill HELPER N [ROUNDS]\n");
        return 2;
    }
    const char *helper = argv[1];
    long n = strtol(argv[2], NULL, 10);
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    cimjob_registry *reg;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "registry: %s\n", cimjob_last_error());
        return 1;
    }
    for (int r = 0; r < rounds; r++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) {
            perror("pipe2");
            return 1;
        }
        char num[24];
        snprintf(num, sizeof num, "%ld", n);
        const char *av[] = {helper, "tree", num, NULL};
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "tree";
        o.argv = av;
        o.flags = CIMJOB_JOB_START;
        o.containment = CIMJOB_CONTAINMENT_PGROUP;
        o.stdio[1].mode = CIMJOB_STDIO_FD;
        o.stdio[1].fd = p[1];
        cimjob_job *j;
        if (cimjob_create(reg, &o, &j) != CIMJOB_RC_SUCCESS) {
            fprintf(stderr, "create: %s\n", cimjob_last_error());
            return 1;
        }
        close(p[1]);
        char buf[4096];
        long got = 0; /* the helper writes one byte per process once it is up */
        while (got < n) {
            ssize_t k = read(p[0], buf, sizeof buf);
            if (k <= 0)
                break;
            got += k;
        }
        close(p[0]);
        long long t0 = now_us();
        cimjob_rc rc = cimjob_kill_job(j, 0);
        long long t1 = now_us();
        printf("round %d: %ld processes, Kill answered %s in %lld us\n", r, got, cimjob_rc_name(rc),
               t1 - t0);
        fflush(stdout);
        cimjob_remove(reg, j);
        cimjob_job_release(j);
        if (getenv("PGROUP_KILL_NOSLEEP") == NULL)
            sleep(2);
    }
    return cimjob_registry_free(reg) == CIMJOB_RC_SUCCESS ? 0 : 1;
}
