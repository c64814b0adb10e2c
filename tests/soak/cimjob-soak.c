/*
 * cimjob-soak: many job lifecycles with mixed outcomes, sampling the process's open
 * descriptors (/proc/self/fd) and resident memory (VmRSS) at quiescent points; fails when
 * either grows beyond a small bound after the warm-up. See docs/reliability.md.
 *
 *   cimjob-soak [--quick] [--lifecycles N] [--concurrency C] [--backend posix|fake]
 *
 * Outcomes, in turn: complete (true), exception (false), terminate (sleep 30, then
 * RequestStateChange(Terminate)), kill (sleep 30, then KillJob); on posix every tenth job is
 * forced to the subreaper and every tenth to the pgroup containment, the rest take the best
 * (a cgroup where writable). C jobs are in flight at once (asynchronous requests, one thread
 * dispatching with cimjob_registry_run()); each finished job is checked (the expected final
 * state), removed and released. Every job carries a tag in its environment: at the end no
 * tagged process and no job cgroup may be left.
 *
 * Default: 100000 lifecycles, 48 in flight. --quick: 5000 (CI). Exit status 0 on success.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/fake.h>
#include <cimjob/posix.h>
#include "../procscan.h"

#define MS           INT64_C(1000)
#define SEC          INT64_C(1000000)
#define MAX_INFLIGHT 256
#define FD_BOUND     2    /* descriptors over the warm-up baseline */
#define RSS_BOUND_KB 2048 /* resident memory over the warm-up baseline */

enum outcome { OUT_COMPLETE, OUT_EXCEPTION, OUT_TERMINATE, OUT_KILL, OUT_N };
static const char *const outcome_name[OUT_N] = {"complete", "exception", "terminate", "kill"};
static const cimjob_job_state outcome_state[OUT_N] = {
    CIMJOB_JOB_STATE_COMPLETED, CIMJOB_JOB_STATE_EXCEPTION, CIMJOB_JOB_STATE_TERMINATED,
    CIMJOB_JOB_STATE_KILLED};

typedef struct slot {
    cimjob_job *job;
    enum outcome want;
    int requested;
} slot;

static int posix_mode = 1;
static cimjob_fake *g_fake;
static char g_tag[64];

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec / 1000;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (f == NULL)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static int start_job(cimjob_registry *reg, slot *s, long i, const char *const *envp)
{
    static const char *const argvs[OUT_N][3] = {
        {"true", NULL}, {"false", NULL}, {"sleep", "30", NULL}, {"sleep", "30", NULL}};
    s->want = (enum outcome)(i % OUT_N);
    s->requested = 0;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = outcome_name[s->want];
    o.flags = CIMJOB_JOB_START;
    o.delete_on_completion = 0;
    if (posix_mode) {
        o.argv = argvs[s->want];
        o.envp = envp;
        o.stdio[0].mode = CIMJOB_STDIO_NULL;
        o.containment = i % 10 == 8   ? CIMJOB_CONTAINMENT_SUBREAPER
                        : i % 10 == 9 ? CIMJOB_CONTAINMENT_PGROUP
                                      : CIMJOB_CONTAINMENT_AUTO;
    } else {
        cimjob_fake_outcome fo = CIMJOB_FAKE_OUTCOME_INIT;
        if (s->want == OUT_COMPLETE || s->want == OUT_EXCEPTION) {
            fo.run_us = 10 * MS;
            fo.error_code = s->want == OUT_EXCEPTION ? 1 : 0;
            fo.error_description = s->want == OUT_EXCEPTION ? "exited with status 1" : NULL;
        }
        fo.terminate_us = 5 * MS;
        cimjob_fake_push(g_fake, &fo);
    }
    cimjob_rc rc = cimjob_create(reg, &o, &s->job);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-soak: create: %s (%s)\n", cimjob_rc_name(rc), cimjob_last_error());
        return -1;
    }
    return 0;
}

/* Request the end of a terminate/kill job once it runs; 1 when the slot's job is done. */
static int step(cimjob_registry *reg, slot *s, long *bad)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    if (cimjob_query(s->job, &info) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-soak: query failed: %s\n", cimjob_last_error());
        (*bad)++;
        return 1;
    }
    if (!s->requested && info.job_state == CIMJOB_JOB_STATE_RUNNING &&
        (s->want == OUT_TERMINATE || s->want == OUT_KILL)) {
        cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
        ro.flags = CIMJOB_REQUEST_ASYNC;
        s->requested = 1;
        if (s->want == OUT_TERMINATE) {
            ro.timeout_us = 5 * SEC;
            int rsc = cimjob_request_state_change_ex(s->job, CIMJOB_REQUEST_TERMINATE, &ro);
            if (rsc != CIMJOB_RSC_TRANSITION_STARTED && rsc != CIMJOB_RSC_COMPLETED) {
                fprintf(stderr, "cimjob-soak: Terminate answered %d\n", rsc);
                (*bad)++;
            }
        } else {
            cimjob_rc rc = cimjob_kill_job_ex(s->job, 0, &ro);
            if (rc != CIMJOB_RC_BUSY && rc != CIMJOB_RC_SUCCESS) {
                fprintf(stderr, "cimjob-soak: KillJob answered %d\n", rc);
                (*bad)++;
            }
        }
        return 0;
    }
    if (!cimjob_job_state_is_final((int)info.job_state))
        return 0;
    if (info.job_state != outcome_state[s->want]) {
        fprintf(stderr, "cimjob-soak: %s job %s ended %s (%s)\n", outcome_name[s->want],
                info.instance_id, cimjob_job_state_name((int)info.job_state),
                info.error_description);
        (*bad)++;
    }
    if (cimjob_remove(reg, s->job) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-soak: remove failed: %s\n", cimjob_last_error());
        (*bad)++;
    }
    cimjob_job_release(s->job);
    s->job = NULL;
    return 1;
}

static void pump(cimjob_registry *reg)
{
    if (posix_mode)
        cimjob_registry_run(reg, 5 * MS);
    else
        cimjob_fake_advance(g_fake, 5 * MS);
}

int main(int argc, char **argv)
{
    long total = 100000, conc = 48;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
            total = 5000;
        } else if (strcmp(argv[i], "--lifecycles") == 0 && i + 1 < argc) {
            total = atol(argv[++i]);
        } else if (strcmp(argv[i], "--concurrency") == 0 && i + 1 < argc) {
            conc = atol(argv[++i]);
        } else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
            posix_mode = strcmp(argv[++i], "fake") != 0;
        } else {
            fprintf(stderr, "usage: cimjob-soak [--quick] [--lifecycles N] [--concurrency C] "
                            "[--backend posix|fake]\n");
            return 2;
        }
    }
    if (conc < 1 || conc > MAX_INFLIGHT || total < 100) {
        fprintf(stderr, "cimjob-soak: concurrency 1..%d, at least 100 lifecycles\n", MAX_INFLIGHT);
        return 2;
    }
    long samples = quick ? 10 : 20;
    long every = total / samples; /* a quiescent sample after each such run */
    long warmup = 2;              /* samples before the baseline is taken */

    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    const char **envp = NULL;
    if (posix_mode) {
        snprintf(g_tag, sizeof g_tag, "CIMJOB_SOAK_TAG=%d-%" PRId64, (int)getpid(), now_us());
        extern char **environ;
        size_t n = 0;
        while (environ[n])
            n++;
        envp = calloc(n + 2, sizeof *envp);
        if (envp == NULL)
            return 1;
        for (size_t i = 0; i < n; i++)
            envp[i] = environ[i];
        envp[n] = g_tag;
        ro.backend = cimjob_backend_by_name("posix");
        ro.backend_config = &pc;
    } else {
        if (cimjob_fake_new(0, &g_fake) != CIMJOB_RC_SUCCESS)
            return 1;
        ro.backend = cimjob_fake_backend(g_fake);
        ro.backend_config = g_fake;
    }
    cimjob_registry *reg = NULL;
    cimjob_rc rc = cimjob_registry_new(&ro, &reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-soak: registry: %s\n", cimjob_last_error());
        return 1;
    }
    printf("cimjob-soak: %ld lifecycles on %s, %ld in flight, a sample every %ld\n", total,
           posix_mode ? "posix" : "fake", conc, every);
    printf("%10s %8s %6s %9s\n", "lifecycles", "seconds", "fds", "rss_kB");
    fflush(stdout);

    slot inflight[MAX_INFLIGHT];
    memset(inflight, 0, sizeof inflight);
    long started = 0, done = 0, bad = 0, nsample = 0;
    long base_fds = -1, base_rss = -1, max_fds = 0, max_rss = 0, fail = 0;
    int64_t t0 = now_us();
    while (done < total && bad < 20) {
        long target = (nsample + 1) * every; /* drain to this many, then sample */
        if (target > total)
            target = total;
        for (long k = 0; k < conc; k++) {
            slot *s = &inflight[k];
            if (s->job == NULL && started < target) {
                if (start_job(reg, s, started, envp) != 0) {
                    bad++;
                    break;
                }
                started++;
            }
            if (s->job != NULL && step(reg, s, &bad))
                done++;
        }
        pump(reg);
        if (done == target) {
            long fds = procscan_count_fds(), rss = rss_kb();
            nsample++;
            printf("%10ld %8.1f %6ld %9ld\n", done, (double)(now_us() - t0) / 1e6, fds, rss);
            fflush(stdout);
            if (nsample == warmup) {
                base_fds = fds;
                base_rss = rss;
            } else if (nsample > warmup) {
                if (fds > max_fds)
                    max_fds = fds;
                if (rss > max_rss)
                    max_rss = rss;
                if (fds > base_fds + FD_BOUND) {
                    fprintf(stderr, "cimjob-soak: descriptors grew from %ld to %ld\n", base_fds,
                            fds);
                    fail = 1;
                }
                if (rss > base_rss + RSS_BOUND_KB) {
                    fprintf(stderr, "cimjob-soak: RSS grew from %ld kB to %ld kB\n", base_rss, rss);
                    fail = 1;
                }
            }
        }
    }
    double secs = (double)(now_us() - t0) / 1e6;
    for (long k = 0; k < conc; k++)
        if (inflight[k].job) {
            cimjob_kill_job(inflight[k].job, 0);
            cimjob_job_release(inflight[k].job);
        }
    if (cimjob_registry_free(reg) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-soak: registry_free did not confirm every job ended\n");
        fail = 1;
    }
    cimjob_fake_free(g_fake);
    free(envp);
    if (posix_mode && (procscan_tagged(g_tag, "cimjob-soak") != 0 ||
                       procscan_job_cgroups_left("cimjob-soak") != 0))
        fail = 1;
    printf("%ld lifecycles in %.1f s (%.0f/s); descriptors %ld -> max %ld (bound +%d), "
           "RSS %ld kB -> max %ld kB (bound +%d kB); %ld unexpected outcomes\n",
           done, secs, done / (secs > 0 ? secs : 1), base_fds, max_fds, FD_BOUND, base_rss, max_rss,
           RSS_BOUND_KB, bad);
    if (fail || bad || done < total) {
        printf("FAIL\n");
        return 1;
    }
    printf("OK\n");
    return 0;
}
