/*
 * cimjob-bench: every metric of docs/performance.md (spec: bench.md) in one process run, the
 * library and its baseline interleaved so that a noisy machine moves both alike.
 *
 *   cimjob-bench [--quick] [--json FILE|-] [--only GROUP[,GROUP...]] [--samples N]
 *
 * GROUPs: spawn, peers, teardown, terminate, kill_all, latency, query, concurrency, memory.
 * Ratios are library / baseline; lower is better except where a metric says "higher".
 * Times are printed, never asserted. Every process started here is ended here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cimjob/cimjob.h>
#include <cimjob/posix.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBUV
#include <uv.h>
#endif
#ifdef HAVE_GLIB
#include <gio/gio.h>
#endif

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

/* ---- small utilities ------------------------------------------------------------------- */

static int quick;
static unsigned int posix_flags; /* --posix-flags: cimjob_posix_config.flags of every registry */
static const char *only;
static int samples_opt; /* --samples N: teardown and terminate samples (0: the defaults) */
static char helper_path[PATH_MAX];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cimjob-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory");
    return p;
}

static int want(const char *group)
{
    if (!only)
        return 1;
    size_t gl = strlen(group);
    for (const char *p = only; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == gl && strncmp(p, group, l) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of v (sorted in place). */
static double pct(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static double mean(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / (double)n : 0;
}

/* Read exactly n bytes, waiting at most timeout_ms for each chunk. Returns 0 or -1. */
static int read_full(int fd, void *buf, size_t n, int timeout_ms)
{
    char *p = buf;
    while (n) {
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* Read and discard n bytes (the readiness bytes of a helper tree). */
static int drain_n(int fd, long n, int timeout_ms)
{
    char buf[4096];
    while (n > 0) {
        size_t chunk = n > (long)sizeof buf ? sizeof buf : (size_t)n;
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t got = read(fd, buf, chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        n -= got;
    }
    return 0;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static long heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)(mi.uordblks + mi.hblkhd);
}

static int pidfd_open_(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* ---- results --------------------------------------------------------------------------- */

typedef struct metric {
    char key[48];
    char unit[32];
    double lib, base; /* base < 0: no baseline */
    double ratio;     /* < 0: none */
    long samples;
    char goal[64];
    int met; /* 1, 0, -1: no goal */
    int higher_better;
    char note[200];
    char extra[1200]; /* more JSON members, each as ', "k": v' */
} metric;

static metric metrics[64];
static int nmetrics;
static char scaling_json[8192];

static metric *metric_add(const char *key, const char *unit)
{
    if (nmetrics == (int)(sizeof metrics / sizeof metrics[0]))
        die("too many metrics");
    metric *m = &metrics[nmetrics++];
    memset(m, 0, sizeof *m);
    snprintf(m->key, sizeof m->key, "%s", key);
    snprintf(m->unit, sizeof m->unit, "%s", unit);
    m->base = -1;
    m->ratio = -1;
    m->met = -1;
    return m;
}

static void extra(metric *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void extra(metric *m, const char *fmt, ...)
{
    size_t len = strlen(m->extra);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->extra + len, sizeof m->extra - len, fmt, ap);
    va_end(ap);
}

static void scaling_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void scaling_add(const char *fmt, ...)
{
    size_t len = strlen(scaling_json);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(scaling_json + len, sizeof scaling_json - len, fmt, ap);
    va_end(ap);
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  .. ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* ---- the library's side ----------------------------------------------------------------- */

static const struct variant {
    cimjob_containment c;
    const char *suffix;
} variants[] = {
    {CIMJOB_CONTAINMENT_AUTO, ""},
    {CIMJOB_CONTAINMENT_PGROUP, "_pgroup"},
    {CIMJOB_CONTAINMENT_SUBREAPER, "_subreaper"},
};

static const char *auto_gets = "?"; /* what CIMJOB_CONTAINMENT_AUTO gives on this machine */

static cimjob_registry *reg_posix(void)
{
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    pc.flags = posix_flags;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    ro.kill_timeout_us = 20000000;
    cimjob_registry *reg = NULL;
    if (!ro.backend || cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS)
        die("cannot create a posix registry: %s", cimjob_last_error());
    return reg;
}

static void reg_free(cimjob_registry *reg)
{
    if (cimjob_registry_free(reg) != CIMJOB_RC_SUCCESS)
        fprintf(stderr, "cimjob-bench: registry free: %s\n", cimjob_last_error());
}

static const char *containment_label(cimjob_containment c)
{
    return c == CIMJOB_CONTAINMENT_AUTO ? auto_gets : cimjob_containment_name((int)c);
}

/* Create, start and see Completed: one /bin/true through the library. */
static int lib_true(cimjob_registry *reg, cimjob_containment c)
{
    static const char *const argv[] = {"/bin/true", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "true";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START;
    o.containment = c;
    cimjob_job *job;
    if (cimjob_create(reg, &o, &job) != CIMJOB_RC_SUCCESS)
        return -1;
    cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
    cimjob_rc rc = cimjob_wait(job, CIMJOB_STATES_FINAL, 10000000, &st);
    if (c == CIMJOB_CONTAINMENT_AUTO && auto_gets[0] == '?') {
        cimjob_info info = CIMJOB_INFO_INIT;
        if (cimjob_query(job, &info) == CIMJOB_RC_SUCCESS)
            auto_gets = cimjob_containment_name((int)info.containment);
    }
    cimjob_remove(reg, job);
    cimjob_job_release(job);
    return rc == CIMJOB_RC_SUCCESS && st == CIMJOB_JOB_STATE_COMPLETED ? 0 : -1;
}

/* ---- the raw baseline ------------------------------------------------------------------ */

static posix_spawnattr_t pgroup_attr;

static int raw_true(void)
{
    static char prog[] = "/bin/true";
    char *const argv[] = {prog, NULL};
    pid_t pid;
    if (posix_spawn(&pid, "/bin/true", NULL, &pgroup_attr, argv, environ) != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The same with fork + exec instead of posix_spawn's vfork: what a fork-based spawn costs. */
static int fork_true(void)
{
    static char prog[] = "/bin/true";
    char *const argv[] = {prog, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        execve(prog, argv, environ);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- spawn_reap ------------------------------------------------------------------------- */

static void bench_spawn_reap(void)
{
    long total = quick ? 200 : 2000, batch = quick ? 20 : 50;
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        long n = v == 0 ? total : total / 4;
        cimjob_registry *reg = reg_posix();
        double *lt = xcalloc((size_t)n, sizeof *lt), *bt = xcalloc((size_t)n, sizeof *bt);
        double *ft = xcalloc((size_t)n, sizeof *ft);
        for (int w = 0; w < 5; w++) { /* warm up both */
            if (lib_true(reg, variants[v].c) != 0)
                die("spawn_reap: library: %s", cimjob_last_error());
            if (raw_true() != 0)
                die("spawn_reap: posix_spawn failed");
        }
        int64_t t_lib = 0, t_base = 0;
        for (long done = 0; done < n; done += batch) {
            for (long i = done; i < done + batch && i < n; i++) {
                int64_t t0 = now_ns();
                if (lib_true(reg, variants[v].c) != 0)
                    die("spawn_reap: library: %s", cimjob_last_error());
                lt[i] = (double)(now_ns() - t0) / 1000.0;
                t_lib += now_ns() - t0;
            }
            for (long i = done; i < done + batch && i < n; i++) {
                int64_t t0 = now_ns();
                if (raw_true() != 0)
                    die("spawn_reap: posix_spawn failed");
                bt[i] = (double)(now_ns() - t0) / 1000.0;
                t_base += now_ns() - t0;
            }
            for (long i = done; i < done + batch && i < n; i++) {
                int64_t t0 = now_ns();
                if (fork_true() != 0)
                    die("spawn_reap: fork failed");
                ft[i] = (double)(now_ns() - t0) / 1000.0;
            }
        }
        char key[48];
        snprintf(key, sizeof key, "spawn_reap%s", variants[v].suffix);
        metric *m = metric_add(key, "us/job (median)");
        double lmean = mean(lt, (size_t)n), bmean = mean(bt, (size_t)n);
        m->lib = pct(lt, (size_t)n, 50);
        m->base = pct(bt, (size_t)n, 50);
        m->ratio = m->lib / m->base;
        m->samples = n;
        snprintf(m->goal, sizeof m->goal, "ratio <= 1.05");
        m->met = m->ratio <= 1.05;
        snprintf(m->note, sizeof m->note, "containment %s; vs posix_spawn(SETPGROUP)+waitpid",
                 containment_label(variants[v].c));
        extra(m, ", \"containment\": \"%s\", \"library_mean\": %.2f, \"baseline_mean\": %.2f",
              containment_label(variants[v].c), lmean, bmean);
        extra(m, ", \"library_p90\": %.2f, \"baseline_p90\": %.2f", pct(lt, (size_t)n, 90),
              pct(bt, (size_t)n, 90));
        extra(m, ", \"fork_exec_baseline\": %.2f", pct(ft, (size_t)n, 50));
        extra(m, ", \"library_jobs_per_s\": %.0f, \"baseline_jobs_per_s\": %.0f",
              (double)n * 1e9 / (double)t_lib, (double)n * 1e9 / (double)t_base);
        progress("%s: %.1f us vs %.1f us (fork+exec %.1f us)", key, m->lib, m->base,
                 pct(ft, (size_t)n, 50));
        free(ft);
        free(lt);
        free(bt);
        reg_free(reg);
    }
}

/* ---- spawn_reap_peers -------------------------------------------------------------------- */

#ifdef HAVE_LIBUV
static uv_loop_t uv_loop_;

static void bench_uv_exit(uv_process_t *p, int64_t status, int sig)
{
    int *ok = p->data;
    *ok = status == 0 && sig == 0 ? 1 : -1;
    uv_close((uv_handle_t *)p, NULL);
}

static int uv_true(void)
{
    static char prog[] = "/bin/true";
    char *argv[] = {prog, NULL};
    uv_process_t proc;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = "/bin/true";
    o.args = argv;
    o.exit_cb = bench_uv_exit;
    int ok = 0;
    proc.data = &ok;
    if (uv_spawn(&uv_loop_, &proc, &o) != 0)
        return -1;
    uv_run(&uv_loop_, UV_RUN_DEFAULT);
    return ok == 1 ? 0 : -1;
}
#endif

#ifdef HAVE_GLIB
static int glib_true(void)
{
    GError *err = NULL;
    GSubprocess *p = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &err, "/bin/true", NULL);
    if (!p) {
        g_clear_error(&err);
        return -1;
    }
    int ok = g_subprocess_wait(p, NULL, &err) && g_subprocess_get_successful(p);
    g_clear_error(&err);
    g_object_unref(p);
    return ok ? 0 : -1;
}
#endif

static void bench_peers(void)
{
    enum { C_LIB, C_LIB_PG, C_RAW, C_UV, C_GLIB, C_N };
    static const char *const names[C_N] = {"library", "library_pgroup", "raw", "libuv", "glib"};
    int have[C_N] = {1, 1, 1, 0, 0};
#ifdef HAVE_LIBUV
    have[C_UV] = 1;
    uv_loop_init(&uv_loop_);
#endif
#ifdef HAVE_GLIB
    have[C_GLIB] = 1;
#endif
    long n = quick ? 60 : 500, batch = quick ? 20 : 25;
    double *t[C_N];
    for (int c = 0; c < C_N; c++)
        t[c] = xcalloc((size_t)n, sizeof(double));
    cimjob_registry *reg = reg_posix();
    for (long done = 0; done < n; done += batch) {
        for (int c = 0; c < C_N; c++) {
            if (!have[c])
                continue;
            for (long i = done; i < done + batch && i < n; i++) {
                int64_t t0 = now_ns();
                int r = -1;
                switch (c) {
                case C_LIB:
                    r = lib_true(reg, CIMJOB_CONTAINMENT_AUTO);
                    break;
                case C_LIB_PG:
                    r = lib_true(reg, CIMJOB_CONTAINMENT_PGROUP);
                    break;
                case C_RAW:
                    r = raw_true();
                    break;
#ifdef HAVE_LIBUV
                case C_UV:
                    r = uv_true();
                    break;
#endif
#ifdef HAVE_GLIB
                case C_GLIB:
                    r = glib_true();
                    break;
#endif
                default:
                    break;
                }
                if (r != 0)
                    die("spawn_reap_peers: %s failed", names[c]);
                t[c][i] = (double)(now_ns() - t0) / 1000.0;
            }
        }
    }
    reg_free(reg);
#ifdef HAVE_LIBUV
    uv_loop_close(&uv_loop_);
#endif
    double med[C_N];
    for (int c = 0; c < C_N; c++)
        med[c] = have[c] ? pct(t[c], (size_t)n, 50) : -1;
    metric *m = metric_add("spawn_reap_peers", "us/job (median)");
    m->lib = med[C_LIB];
    double best = -1;
    for (int c = C_UV; c < C_N; c++)
        if (have[c] && (best < 0 || med[c] < best))
            best = med[c];
    m->base = best;
    m->ratio = best > 0 ? m->lib / best : -1;
    m->samples = n;
    snprintf(m->goal, sizeof m->goal, "faster than libuv and GLib");
    m->met = best > 0 ? m->lib < best : -1;
    snprintf(m->note, sizeof m->note,
             "baseline: the faster peer; raw %.1f, libuv %.1f, GLib %.1f,"
             " library pgroup %.1f",
             med[C_RAW], med[C_UV], med[C_GLIB], med[C_LIB_PG]);
    for (int c = 1; c < C_N; c++)
        extra(m, ", \"%s\": %.2f", names[c], med[c]);
    if (have[C_UV])
        extra(m, ", \"libuv_over_raw\": %.3f", med[C_UV] / med[C_RAW]);
    if (have[C_GLIB])
        extra(m, ", \"glib_over_raw\": %.3f", med[C_GLIB] / med[C_RAW]);
    extra(m, ", \"library_over_raw\": %.3f, \"library_pgroup_over_raw\": %.3f",
          med[C_LIB] / med[C_RAW], med[C_LIB_PG] / med[C_RAW]);
    progress("spawn_reap_peers: lib %.1f pgroup %.1f raw %.1f uv %.1f glib %.1f", med[C_LIB],
             med[C_LIB_PG], med[C_RAW], med[C_UV], med[C_GLIB]);
    for (int c = 0; c < C_N; c++)
        free(t[c]);
}

/* ---- teardown and terminate --------------------------------------------------------------- */

/* A job whose tree holds n sleeping processes, every one of them running. */
static cimjob_job *lib_tree(cimjob_registry *reg, cimjob_containment c, long n)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        die("pipe: %s", strerror(errno));
    char num[24];
    snprintf(num, sizeof num, "%ld", n);
    const char *argv[] = {helper_path, "tree", num, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "tree";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START;
    o.containment = c;
    o.stdio[1].mode = CIMJOB_STDIO_FD;
    o.stdio[1].fd = p[1];
    cimjob_job *job;
    if (cimjob_create(reg, &o, &job) != CIMJOB_RC_SUCCESS)
        die("tree: %s", cimjob_last_error());
    close(p[1]);
    if (drain_n(p[0], n, 30000) != 0)
        die("tree of %ld: the helper did not come up", n);
    close(p[0]);
    return job;
}

/* Kill (or Terminate) a tree of n through the library; returns microseconds. */
static double lib_teardown(cimjob_registry *reg, cimjob_containment c, long n, int terminate)
{
    cimjob_job *job = lib_tree(reg, c, n);
    cimjob_job_state want = terminate ? CIMJOB_JOB_STATE_TERMINATED : CIMJOB_JOB_STATE_KILLED;
    int64_t t0 = now_ns();
    int ok;
    if (terminate)
        ok = cimjob_request_state_change(job, CIMJOB_REQUEST_TERMINATE, NULL) ==
             CIMJOB_RSC_COMPLETED;
    else
        ok = cimjob_kill_job(job, 0) == CIMJOB_RC_SUCCESS;
    int64_t t1 = now_ns();
    cimjob_info info = CIMJOB_INFO_INIT;
    if (!ok || cimjob_query(job, &info) != CIMJOB_RC_SUCCESS || info.job_state != want)
        die("%s of a tree of %ld failed: %s", terminate ? "terminate" : "kill", n,
            cimjob_last_error());
    cimjob_remove(reg, job);
    cimjob_job_release(job);
    return (double)(t1 - t0) / 1000.0;
}

/* The baseline, in a dedicated child that is the subreaper of the tree: one kill(-pgid) and
 * reaping until nothing is left. Returns microseconds. */
static double base_teardown(long n, int terminate)
{
    int res[2];
    if (pipe2(res, O_CLOEXEC) != 0)
        die("pipe: %s", strerror(errno));
    pid_t c = fork();
    if (c < 0)
        die("fork: %s", strerror(errno));
    if (c == 0) {
        close(res[0]);
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0)
            _exit(1);
        char num[24];
        snprintf(num, sizeof num, "%ld", n);
        char mode[] = "tree";
        char *argv[] = {helper_path, mode, num, NULL};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        pid_t pid;
        if (posix_spawn(&pid, helper_path, &fa, &pgroup_attr, argv, environ) != 0)
            _exit(1);
        close(p[1]);
        if (drain_n(p[0], n, 30000) != 0) {
            kill(-pid, SIGKILL);
            while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
            }
            _exit(1);
        }
        int64_t t0 = now_ns();
        kill(-pid, terminate ? SIGTERM : SIGKILL);
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
        }
        double us = (double)(now_ns() - t0) / 1000.0;
        (void)!write(res[1], &us, sizeof us);
        _exit(0);
    }
    close(res[1]);
    double us = -1;
    int ok = read_full(res[0], &us, sizeof us, 60000) == 0;
    close(res[0]);
    int status;
    while (waitpid(c, &status, 0) < 0 && errno == EINTR) {
    }
    if (!ok)
        die("baseline teardown of %ld failed", n);
    return us;
}

static void teardown_metric(const char *key, cimjob_registry *reg, cimjob_containment c, long n,
                            int samples, int terminate, int scaling)
{
    if (samples_opt > 0)
        samples = samples_opt;
    double *lt = xcalloc((size_t)samples, sizeof *lt), *bt = xcalloc((size_t)samples, sizeof *bt);
    (void)lib_teardown(reg, c, n, terminate); /* warm up */
    for (int i = 0; i < samples; i++) {
        if (i % 2 == 0) {
            lt[i] = lib_teardown(reg, c, n, terminate);
            bt[i] = base_teardown(n, terminate);
        } else {
            bt[i] = base_teardown(n, terminate);
            lt[i] = lib_teardown(reg, c, n, terminate);
        }
    }
    double lmin = pct(lt, (size_t)samples, 0), bmin = pct(bt, (size_t)samples, 0);
    double lmed = pct(lt, (size_t)samples, 50), bmed = pct(bt, (size_t)samples, 50);
    if (key) {
        metric *m = metric_add(key, "us (median)");
        m->lib = lmed;
        m->base = bmed;
        m->ratio = lmed / bmed;
        m->samples = samples;
        snprintf(m->goal, sizeof m->goal, "ratio <= 1.10");
        m->met = m->ratio <= 1.10;
        snprintf(m->note, sizeof m->note, "%ld processes, containment %s; vs kill(-pgid, %s)+reap",
                 n, containment_label(c), terminate ? "SIGTERM" : "SIGKILL");
        extra(m,
              ", \"processes\": %ld, \"containment\": \"%s\", \"library_min\": %.1f, "
              "\"baseline_min\": %.1f",
              n, containment_label(c), lmin, bmin);
        progress("%s: %.0f us vs %.0f us", key, lmed, bmed);
    }
    if (scaling)
        scaling_add("%s{\"processes\": %ld, \"library_us\": %.1f, \"baseline_us\": %.1f, "
                    "\"library_us_per_process\": %.3f, \"baseline_us_per_process\": %.3f, "
                    "\"samples\": %d}",
                    scaling == 1 ? "" : ", ", n, lmed, bmed, lmed / (double)n, bmed / (double)n,
                    samples);
    free(lt);
    free(bt);
}

static void bench_teardown(void)
{
    cimjob_registry *reg = reg_posix();
    static const long sizes[] = {10, 100, 1000};
    scaling_add("\"teardown\": [");
    for (size_t i = 0; i < 3; i++) {
        long n = sizes[i];
        int samples = n == 1000 ? (quick ? 3 : 9) : (quick ? 3 : 15);
        teardown_metric(n == 1000 ? "teardown_1000" : NULL, reg, CIMJOB_CONTAINMENT_AUTO, n,
                        samples, 0, i == 0 ? 1 : 2);
        if (n != 1000)
            progress("teardown %ld done", n);
    }
    scaling_add("]");
    for (size_t v = 1; v < sizeof variants / sizeof variants[0]; v++) {
        char key[48];
        snprintf(key, sizeof key, "teardown_1000%s", variants[v].suffix);
        teardown_metric(key, reg, variants[v].c, 1000, quick ? 1 : 5, 0, 0);
    }
    reg_free(reg);
}

static void bench_terminate(void)
{
    cimjob_registry *reg = reg_posix();
    teardown_metric("terminate_1000", reg, CIMJOB_CONTAINMENT_AUTO, 1000, quick ? 3 : 9, 1, 0);
    if (!quick) {
        for (size_t v = 1; v < sizeof variants / sizeof variants[0]; v++) {
            char key[48];
            snprintf(key, sizeof key, "terminate_1000%s", variants[v].suffix);
            teardown_metric(key, reg, variants[v].c, 1000, 3, 1, 0);
        }
    }
    reg_free(reg);
}

/* ---- kill_all: many live jobs ended at once ------------------------------------------------ */

/* Start n jobs of one sleeping process each, every one Running; then free the registry (which
 * kills them all and waits for every end). Returns microseconds for the free. */
static double lib_kill_all(cimjob_containment c, long n)
{
    cimjob_registry *reg = reg_posix();
    static const char *const argv[] = {"/bin/sleep", "1000", NULL};
    for (long i = 0; i < n; i++) {
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "sleeper";
        o.argv = argv;
        o.flags = CIMJOB_JOB_START;
        o.containment = c;
        for (int k = 0; k < 3; k++)
            o.stdio[k].mode = CIMJOB_STDIO_NULL;
        cimjob_job *job;
        if (cimjob_create(reg, &o, &job) != CIMJOB_RC_SUCCESS)
            die("kill_all: %s", cimjob_last_error());
        cimjob_info info = CIMJOB_INFO_INIT;
        if (cimjob_query(job, &info) != CIMJOB_RC_SUCCESS ||
            info.job_state != CIMJOB_JOB_STATE_RUNNING)
            die("kill_all: job %ld is not running", i);
        cimjob_job_release(job);
    }
    int64_t t0 = now_ns();
    cimjob_rc rc = cimjob_registry_free(reg);
    int64_t t1 = now_ns();
    if (rc != CIMJOB_RC_SUCCESS) {
        /* A figure, not an abort: the free missed its bound (every job is freed all the same). */
        progress("kill_all of %ld %s jobs: %s after %.0f ms", n, cimjob_containment_name((int)c),
                 cimjob_last_error(), (double)(t1 - t0) / 1e6);
        return -1;
    }
    return (double)(t1 - t0) / 1000.0;
}

/* The baseline: n sleeping processes, each its own process group, then kill(-pgid, SIGKILL)
 * to each and reap them all. Returns microseconds. */
static double base_kill_all(long n)
{
    static char sleep_path[] = "/bin/sleep", secs[] = "1000";
    char *const argv[] = {sleep_path, secs, NULL};
    pid_t *pids = xcalloc((size_t)n, sizeof *pids);
    for (long i = 0; i < n; i++)
        if (posix_spawn(&pids[i], argv[0], NULL, &pgroup_attr, argv, environ) != 0)
            die("posix_spawn: %s", strerror(errno));
    int64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        kill(-pids[i], SIGKILL);
    for (long i = 0; i < n; i++)
        while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR) {
        }
    int64_t t1 = now_ns();
    free(pids);
    return (double)(t1 - t0) / 1000.0;
}

static void bench_kill_all(void)
{
    static const cimjob_containment conts[] = {
        CIMJOB_CONTAINMENT_CGROUP, CIMJOB_CONTAINMENT_SUBREAPER, CIMJOB_CONTAINMENT_PGROUP};
    static const long sizes[] = {250, 1000};
    int samples = quick ? 1 : 3;
    for (size_t ci = 0; ci < sizeof conts / sizeof conts[0]; ci++) {
        double per[2] = {0, 0};
        for (size_t si = 0; si < 2; si++) {
            long n = sizes[si];
            if (quick && n != 250)
                continue;
            double *lt = xcalloc((size_t)samples, sizeof *lt);
            double *bt = xcalloc((size_t)samples, sizeof *bt);
            for (int i = 0; i < samples; i++) {
                lt[i] = lib_kill_all(conts[ci], n);
                bt[i] = base_kill_all(n);
            }
            int failed = 0;
            for (int i = 0; i < samples; i++)
                failed += lt[i] < 0;
            double lmed = pct(lt, (size_t)samples, 50), bmed = pct(bt, (size_t)samples, 50);
            per[si] = lmed / (double)n;
            if (n == 1000 || quick) {
                char key[48];
                snprintf(key, sizeof key, "kill_all_%ld_%s", n,
                         cimjob_containment_name((int)conts[ci]));
                metric *m = metric_add(key, "us (median)");
                m->lib = lmed;
                m->base = bmed;
                m->ratio = lmed / bmed;
                m->samples = samples;
                snprintf(m->goal, sizeof m->goal, "linear in jobs");
                m->met = !failed && (quick || per[1] <= 2.0 * per[0]);
                char at1000[48] = "";
                if (!quick)
                    snprintf(at1000, sizeof at1000, ", at 1000: %.1f", per[1]);
                snprintf(m->note, sizeof m->note,
                         "%ld live jobs freed by cimjob_registry_free; vs kill(-pgid)+reap each; "
                         "us/job at 250: %.1f%s%s",
                         n, per[0], at1000, failed ? "; the free answered Timeout" : "");
                extra(m, ", \"jobs\": %ld, \"us_per_job_250\": %.1f, \"us_per_job_1000\": %.1f", n,
                      per[0], per[1]);
                progress("%s: %.0f us vs %.0f us", key, lmed, bmed);
            }
            free(lt);
            free(bt);
        }
    }
}

/* ---- exit_latency ------------------------------------------------------------------------ */

static double lib_exit_latency(cimjob_registry *reg, cimjob_containment c)
{
    int go[2], res[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0)
        die("pipe: %s", strerror(errno));
    const char *argv[] = {helper_path, "exit", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "exit";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START;
    o.containment = c;
    o.stdio[0].mode = CIMJOB_STDIO_FD;
    o.stdio[0].fd = go[0];
    o.stdio[1].mode = CIMJOB_STDIO_FD;
    o.stdio[1].fd = res[1];
    cimjob_job *job;
    if (cimjob_create(reg, &o, &job) != CIMJOB_RC_SUCCESS)
        die("exit_latency: %s", cimjob_last_error());
    close(go[0]);
    close(res[1]);
    (void)!write(go[1], "g", 1);
    cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
    cimjob_rc rc = cimjob_wait(job, CIMJOB_STATES_FINAL, 10000000, &st);
    int64_t seen = now_ns();
    int64_t exited = 0;
    if (rc != CIMJOB_RC_SUCCESS || st != CIMJOB_JOB_STATE_COMPLETED ||
        read_full(res[0], &exited, sizeof exited, 10000) != 0)
        die("exit_latency: the job did not complete: %s", cimjob_last_error());
    close(go[1]);
    close(res[0]);
    cimjob_remove(reg, job);
    cimjob_job_release(job);
    return (double)(seen - exited) / 1000.0;
}

static double raw_exit_latency(void)
{
    int go[2], res[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0)
        die("pipe: %s", strerror(errno));
    char mode[] = "exit";
    char *argv[] = {helper_path, mode, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, go[0], 0);
    posix_spawn_file_actions_adddup2(&fa, res[1], 1);
    pid_t pid;
    if (posix_spawn(&pid, helper_path, &fa, &pgroup_attr, argv, environ) != 0)
        die("exit_latency: posix_spawn failed");
    posix_spawn_file_actions_destroy(&fa);
    int pfd = pidfd_open_(pid);
    if (pfd < 0)
        die("pidfd_open: %s", strerror(errno));
    close(go[0]);
    close(res[1]);
    (void)!write(go[1], "g", 1);
    struct pollfd pf = {pfd, POLLIN, 0};
    while (poll(&pf, 1, -1) < 0 && errno == EINTR) {
    }
    siginfo_t si;
    while (waitid((idtype_t)P_PIDFD, (id_t)pfd, &si, WEXITED) < 0 && errno == EINTR) {
    }
    int64_t seen = now_ns();
    int64_t exited = 0;
    if (read_full(res[0], &exited, sizeof exited, 10000) != 0)
        die("exit_latency: baseline child did not report");
    close(pfd);
    close(go[1]);
    close(res[0]);
    return (double)(seen - exited) / 1000.0;
}

static void bench_exit_latency(void)
{
    long n = quick ? 100 : 1000;
    for (size_t v = 0; v < 2; v++) {
        long nv = v == 0 ? n : n / 2;
        cimjob_registry *reg = reg_posix();
        double *lt = xcalloc((size_t)nv, sizeof *lt), *bt = xcalloc((size_t)nv, sizeof *bt);
        for (int w = 0; w < 5; w++) {
            (void)lib_exit_latency(reg, variants[v].c);
            (void)raw_exit_latency();
        }
        for (long i = 0; i < nv; i++) {
            if (i % 2) {
                lt[i] = lib_exit_latency(reg, variants[v].c);
                bt[i] = raw_exit_latency();
            } else {
                bt[i] = raw_exit_latency();
                lt[i] = lib_exit_latency(reg, variants[v].c);
            }
        }
        reg_free(reg);
        char key[48];
        snprintf(key, sizeof key, "exit_latency%s", variants[v].suffix);
        metric *m = metric_add(key, "us p50");
        double l50 = pct(lt, (size_t)nv, 50), b50 = pct(bt, (size_t)nv, 50);
        double l99 = pct(lt, (size_t)nv, 99), b99 = pct(bt, (size_t)nv, 99);
        m->lib = l50;
        m->base = b50;
        m->ratio = l50 / b50;
        m->samples = nv;
        snprintf(m->goal, sizeof m->goal, "p50 within 20 us of baseline");
        m->met = l50 - b50 <= 20.0;
        snprintf(m->note, sizeof m->note,
                 "p99 %.1f vs %.1f us; containment %s; vs poll(pidfd)+waitid", l99, b99,
                 containment_label(variants[v].c));
        extra(m, ", \"library_p99\": %.2f, \"baseline_p99\": %.2f, \"containment\": \"%s\"", l99,
              b99, containment_label(variants[v].c));
        progress("%s: p50 %.1f vs %.1f us, p99 %.1f vs %.1f", key, l50, b50, l99, b99);
        free(lt);
        free(bt);
    }
}

/* ---- query_10k ----------------------------------------------------------------------------- */

typedef struct qreg {
    long n;
    cimjob_fake *fake;
    cimjob_registry *reg;
    cimjob_job **jobs;
    char **ids;
} qreg;

static void qreg_open(qreg *q, long n)
{
    q->n = n;
    if (cimjob_fake_new(0, &q->fake) != CIMJOB_RC_SUCCESS)
        die("fake: %s", cimjob_last_error());
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(q->fake);
    ro.backend_config = q->fake;
    if (cimjob_registry_new(&ro, &q->reg) != CIMJOB_RC_SUCCESS)
        die("fake registry: %s", cimjob_last_error());
    q->jobs = xcalloc((size_t)n, sizeof *q->jobs);
    q->ids = xcalloc((size_t)n, sizeof *q->ids);
    for (long i = 0; i < n; i++) {
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "query";
        if (cimjob_create(q->reg, &o, &q->jobs[i]) != CIMJOB_RC_SUCCESS)
            die("create: %s", cimjob_last_error());
        q->ids[i] = strdup(cimjob_job_instance_id(q->jobs[i]));
    }
}

static void qreg_close(qreg *q)
{
    for (long i = 0; i < q->n; i++) {
        cimjob_job_release(q->jobs[i]);
        free(q->ids[i]);
    }
    free(q->jobs);
    free(q->ids);
    reg_free(q->reg);
    cimjob_fake_free(q->fake);
}

static volatile unsigned sink;

/* ns per cimjob_query of one job (the middle one). */
static double time_query(qreg *q, long calls)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_job *job = q->jobs[q->n / 2];
    int64_t t0 = now_ns();
    for (long i = 0; i < calls; i++) {
        if (cimjob_query(job, &info) != CIMJOB_RC_SUCCESS)
            die("query failed");
        sink += (unsigned)info.job_state;
    }
    return (double)(now_ns() - t0) / (double)calls;
}

/* Format "<prefix><n>" into buf (the registry's own numbering); returns buf. */
static const char *format_id(char *buf, const char *org, size_t org_len, unsigned long n)
{
    char tmp[24];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    memcpy(buf, org, org_len);
    char *p = buf + org_len;
    while (k)
        *p++ = tmp[--k];
    *p = '\0';
    return buf;
}

/* ns per cimjob_find (+ release) by InstanceID, over every job in a scattered order. The ID is
 * formatted on the stack, as a server would have it from a request: the cost measured is the
 * lookup's, not that of fetching the caller's string. */
static double time_find(qreg *q, long calls)
{
    char buf[64];
    /* Generated InstanceIDs are "<OrgID>:<incarnation>-<n>": the prefix ends at the last '-'. */
    const char *sep = strrchr(q->ids[0], '-');
    if (!sep)
        sep = strchr(q->ids[0], ':');
    size_t org_len = (size_t)(sep - q->ids[0]) + 1;
    if (strcmp(format_id(buf, q->ids[0], org_len, (unsigned long)q->n), q->ids[q->n - 1]) != 0)
        die("unexpected InstanceID numbering: %s", q->ids[q->n - 1]);
    unsigned long k = 12345;
    int64_t t0 = now_ns();
    for (long i = 0; i < calls; i++) {
        k = k * 6364136223846793005UL + 1442695040888963407UL;
        unsigned long idx = (k >> 33) % (unsigned long)q->n;
        cimjob_job *j;
        if (cimjob_find(q->reg, format_id(buf, q->ids[0], org_len, idx + 1), &j) !=
            CIMJOB_RC_SUCCESS)
            die("find failed");
        cimjob_job_release(j);
    }
    return (double)(now_ns() - t0) / (double)calls;
}

static void bench_query(void)
{
    static const long sizes[] = {10, 1000, 10000};
    enum { NS = 3, ROUNDS = 7 };
    qreg q[NS];
    for (int s = 0; s < NS; s++)
        qreg_open(&q[s], sizes[s]);
    long calls = quick ? 20000 : 300000;
    double qt[NS][ROUNDS], ft[NS][ROUNDS];
    for (int s = 0; s < NS; s++) {
        (void)time_query(&q[s], calls / 10);
        (void)time_find(&q[s], calls / 10);
    }
    for (int r = 0; r < ROUNDS; r++)
        for (int s = 0; s < NS; s++) {
            qt[s][r] = time_query(&q[s], calls);
            ft[s][r] = time_find(&q[s], calls);
        }
    double qm[NS], fm[NS];
    scaling_add("%s\"query\": [", scaling_json[0] ? ", " : "");
    for (int s = 0; s < NS; s++) {
        qm[s] = pct(qt[s], ROUNDS, 50);
        fm[s] = pct(ft[s], ROUNDS, 50);
        scaling_add("%s{\"jobs\": %ld, \"query_ns\": %.1f, \"find_ns\": %.1f, \"calls\": %ld}",
                    s ? ", " : "", sizes[s], qm[s], fm[s], calls * ROUNDS);
    }
    scaling_add("]");
    metric *m = metric_add("query_10k", "ns/call");
    m->lib = qm[2];
    m->base = qm[0];
    m->ratio = qm[2] / qm[0];
    m->samples = calls * ROUNDS;
    snprintf(m->goal, sizeof m->goal, "<= 200 ns, flat 10..10k");
    m->met = qm[2] <= 200 && m->ratio <= 1.25;
    snprintf(m->note, sizeof m->note,
             "cimjob_query at 10000 jobs; baseline: the same at 10 jobs (1000: %.1f ns)", qm[1]);
    extra(m, ", \"query_ns_10\": %.1f, \"query_ns_1000\": %.1f, \"query_ns_10000\": %.1f", qm[0],
          qm[1], qm[2]);
    m = metric_add("find_10k", "ns/call");
    m->lib = fm[2];
    m->base = fm[0];
    m->ratio = fm[2] / fm[0];
    m->samples = calls * ROUNDS;
    snprintf(m->goal, sizeof m->goal, "<= 200 ns, flat 10..10k");
    m->met = fm[2] <= 200 && m->ratio <= 1.25;
    snprintf(m->note, sizeof m->note,
             "cimjob_find+release by InstanceID at 10000 jobs; baseline: at 10 (1000: %.1f ns)",
             fm[1]);
    extra(m, ", \"find_ns_10\": %.1f, \"find_ns_1000\": %.1f, \"find_ns_10000\": %.1f", fm[0],
          fm[1], fm[2]);
    progress("query: %.1f/%.1f/%.1f ns, find %.1f/%.1f/%.1f ns", qm[0], qm[1], qm[2], fm[0], fm[1],
             fm[2]);
    for (int s = 0; s < NS; s++)
        qreg_close(&q[s]);
}

/* ---- concurrency ------------------------------------------------------------------------- */

#define CONC_POOL    1000
#define CONC_VICTIMS 65536

typedef struct conc {
    cimjob_registry *reg;
    cimjob_job *pool[CONC_POOL];
    char *ids[CONC_POOL];
    atomic_int stop;
    atomic_int go;
    cimjob_job *victims[CONC_VICTIMS];
    atomic_long nvictims;
    atomic_long kills;
    atomic_long kill_ns;
} conc;

typedef struct qthread {
    conc *c;
    pthread_t tid;
    unsigned long seed;
    long queries;
    long victim_queries;
    double victim_max_us;
    double victim_lat[4096];
    long nlat;
} qthread;

static void *conc_query(void *arg)
{
    qthread *t = arg;
    conc *c = t->c;
    cimjob_info info = CIMJOB_INFO_INIT;
    unsigned long k = t->seed;
    while (!atomic_load(&c->go)) {
    }
    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        for (int i = 0; i < 256; i++) {
            k = k * 6364136223846793005UL + 1442695040888963407UL;
            cimjob_job *j = c->pool[(k >> 33) % CONC_POOL];
            if (cimjob_query(j, &info) != CIMJOB_RC_SUCCESS)
                die("concurrent query failed");
        }
        t->queries += 256;
        /* A job that a writer is creating or killing right now. */
        long nv = atomic_load(&c->nvictims);
        if (nv > 0) {
            int64_t t0 = now_ns();
            (void)cimjob_query(c->victims[nv - 1], &info);
            double us = (double)(now_ns() - t0) / 1000.0;
            t->victim_queries++;
            if (us > t->victim_max_us)
                t->victim_max_us = us;
            if (t->nlat < (long)(sizeof t->victim_lat / sizeof t->victim_lat[0]))
                t->victim_lat[t->nlat++] = us;
        }
    }
    return NULL;
}

static void *conc_writer(void *arg)
{
    conc *c = arg;
    const char *argv[] = {helper_path, "sleep", NULL};
    while (!atomic_load(&c->go)) {
    }
    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "victim";
        o.argv = argv;
        o.flags = CIMJOB_JOB_START;
        cimjob_job *job;
        if (cimjob_create(c->reg, &o, &job) != CIMJOB_RC_SUCCESS)
            die("concurrency: create: %s", cimjob_last_error());
        long slot = atomic_fetch_add(&c->nvictims, 1);
        if (slot >= CONC_VICTIMS)
            die("concurrency: too many victims");
        c->victims[slot] = job; /* released after the run: readers may hold it */
        int64_t t0 = now_ns();
        if (cimjob_kill_job(job, 1) != CIMJOB_RC_SUCCESS)
            die("concurrency: kill: %s", cimjob_last_error());
        atomic_fetch_add(&c->kill_ns, now_ns() - t0);
        atomic_fetch_add(&c->kills, 1);
    }
    return NULL;
}

/* Queries per second with nq query threads and nw writers over dur_ms. */
static double conc_run(conc *c, int nq, int nw, int dur_ms, double *victim_max, double *victim_p99,
                       long *victim_n)
{
    qthread *qt = xcalloc((size_t)nq, sizeof *qt);
    pthread_t wt[8];
    atomic_store(&c->stop, 0);
    atomic_store(&c->go, 0);
    for (int i = 0; i < nq; i++) {
        qt[i].c = c;
        qt[i].seed = 977u * (unsigned)i + 1;
        pthread_create(&qt[i].tid, NULL, conc_query, &qt[i]);
    }
    for (int i = 0; i < nw; i++)
        pthread_create(&wt[i], NULL, conc_writer, c);
    int64_t t0 = now_ns();
    atomic_store(&c->go, 1);
    struct timespec ts = {dur_ms / 1000, (long)(dur_ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    atomic_store(&c->stop, 1);
    long total = 0;
    for (int i = 0; i < nq; i++) {
        pthread_join(qt[i].tid, NULL);
        total += qt[i].queries;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    for (int i = 0; i < nw; i++)
        pthread_join(wt[i], NULL);
    if (victim_max) {
        size_t nl = 0;
        for (int i = 0; i < nq; i++)
            nl += (size_t)qt[i].nlat;
        double *all = xcalloc(nl, sizeof *all);
        size_t k = 0;
        double mx = 0;
        long vn = 0;
        for (int i = 0; i < nq; i++) {
            memcpy(all + k, qt[i].victim_lat, (size_t)qt[i].nlat * sizeof *all);
            k += (size_t)qt[i].nlat;
            if (qt[i].victim_max_us > mx)
                mx = qt[i].victim_max_us;
            vn += qt[i].victim_queries;
        }
        if (mx > *victim_max)
            *victim_max = mx;
        *victim_p99 = pct(all, nl, 99);
        *victim_n += vn;
        free(all);
    }
    free(qt);
    return (double)total / secs;
}

static void bench_concurrency(void)
{
    conc *c = xcalloc(1, sizeof *c);
    c->reg = reg_posix();
    const char *pool_argv[] = {"/bin/true", NULL};
    for (int i = 0; i < CONC_POOL; i++) {
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "pool";
        o.argv = pool_argv; /* never started: New jobs */
        if (cimjob_create(c->reg, &o, &c->pool[i]) != CIMJOB_RC_SUCCESS)
            die("pool: %s", cimjob_last_error());
    }
    int rounds = quick ? 1 : 3, dur = quick ? 500 : 2000;
    double single[3], multi[3], readers[3], vmax = 0, vp99 = 0;
    long vn = 0;
    for (int r = 0; r < rounds; r++) {
        single[r] = conc_run(c, 1, 0, dur, NULL, NULL, NULL);
        multi[r] = conc_run(c, 8, 2, dur, &vmax, &vp99, &vn);
        readers[r] = conc_run(c, 8, 0, dur, NULL, NULL, NULL);
    }
    double readers_only = pct(readers, (size_t)rounds, 50);
    long kills = atomic_load(&c->kills);
    double kill_us = kills ? (double)atomic_load(&c->kill_ns) / (double)kills / 1000.0 : 0;
    long nv = atomic_load(&c->nvictims);
    for (long i = 0; i < nv; i++)
        cimjob_job_release(c->victims[i]);
    for (int i = 0; i < CONC_POOL; i++)
        cimjob_job_release(c->pool[i]);
    reg_free(c->reg);
    metric *m = metric_add("concurrency", "queries/s");
    m->lib = pct(multi, (size_t)rounds, 50);
    m->base = pct(single, (size_t)rounds, 50);
    m->ratio = m->lib / m->base;
    m->samples = rounds;
    m->higher_better = 1;
    snprintf(m->goal, sizeof m->goal, "ratio >= 0.8 (higher is better)");
    m->met = m->ratio >= 0.8;
    snprintf(m->note, sizeof m->note,
             "8 query + 2 create/kill threads on %ld cores (8 readers alone: %.0f/s); %ld kills "
             "(%.0f us each); query of a job being killed: p99 %.1f us",
             sysconf(_SC_NPROCESSORS_ONLN), readers_only, kills, kill_us, vp99);
    extra(m, ", \"queries_8_threads_no_writers\": %.0f", readers_only);
    extra(m,
          ", \"higher_is_better\": true, \"kills\": %ld, \"kill_us\": %.1f, "
          "\"victim_queries\": %ld, \"victim_query_p99_us\": %.2f, \"victim_query_max_us\": %.1f",
          kills, kill_us, vn, vp99, vmax);
    progress("concurrency: %.0f q/s vs %.0f single, %.0f readers only; victim p99 %.1f max %.0f "
             "us (kill %.0f us)",
             m->lib, m->base, readers_only, vp99, vmax, kill_us);
    free(c);
}

/* ---- memory_per_job ------------------------------------------------------------------------ */

static void bench_memory(void)
{
    /* The core's own cost: jobs that are not processes (the fake backend), New and Running. */
    long n = 10000;
    for (int started = 0; started < 2; started++) {
        cimjob_fake *fake;
        if (cimjob_fake_new(0, &fake) != CIMJOB_RC_SUCCESS)
            die("fake");
        cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
        ro.backend = cimjob_fake_backend(fake);
        ro.backend_config = fake;
        cimjob_registry *reg;
        if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS)
            die("registry");
        cimjob_job **jobs = xcalloc((size_t)n, sizeof *jobs);
        long h0 = heap_bytes();
        int f0 = count_fds();
        for (long i = 0; i < n; i++) {
            cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
            o.name = "memory";
            o.flags = started ? CIMJOB_JOB_START : 0;
            if (cimjob_create(reg, &o, &jobs[i]) != CIMJOB_RC_SUCCESS)
                die("create: %s", cimjob_last_error());
        }
        long h1 = heap_bytes();
        int f1 = count_fds();
        metric *m = metric_add(started ? "memory_per_job_running" : "memory_per_job", "bytes/job");
        m->lib = (double)(h1 - h0) / (double)n;
        m->samples = n;
        snprintf(m->goal, sizeof m->goal, "<= 1 KiB and <= 2 fds");
        double fds = (double)(f1 - f0) / (double)n;
        m->met = m->lib <= 1024 && fds <= 2;
        snprintf(m->note, sizeof m->note, "%ld %s jobs (fake backend): %.2f descriptors/job", n,
                 started ? "Running" : "New", fds);
        extra(m, ", \"descriptors_per_job\": %.3f, \"jobs\": %ld", fds, n);
        progress("%s: %.0f bytes, %.2f fds", m->key, m->lib, fds);
        for (long i = 0; i < n; i++)
            cimjob_job_release(jobs[i]);
        free(jobs);
        reg_free(reg);
        cimjob_fake_free(fake);
    }
    /* Live processes: fewer than 10 000 (each is a real process and, with a cgroup, a cgroup). */
    long np = quick ? 100 : 1000;
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        if (quick && v > 0)
            break;
        cimjob_registry *reg = reg_posix();
        cimjob_job **jobs = xcalloc((size_t)np, sizeof *jobs);
        const char *argv[] = {helper_path, "sleep", NULL};
        lib_true(reg, variants[v].c); /* the backend's one-time state */
        long h0 = heap_bytes();
        int f0 = count_fds();
        for (long i = 0; i < np; i++) {
            cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
            o.name = "memory";
            o.argv = argv;
            o.flags = CIMJOB_JOB_START;
            o.containment = variants[v].c;
            if (cimjob_create(reg, &o, &jobs[i]) != CIMJOB_RC_SUCCESS)
                die("create: %s", cimjob_last_error());
        }
        long h1 = heap_bytes();
        int f1 = count_fds();
        char key[64];
        snprintf(key, sizeof key, "memory_per_job_process%s", variants[v].suffix);
        metric *m = metric_add(key, "bytes/job");
        m->lib = (double)(h1 - h0) / (double)np;
        m->samples = np;
        double fds = (double)(f1 - f0) / (double)np;
        snprintf(m->goal, sizeof m->goal, "<= 1 KiB and <= 2 fds");
        m->met = m->lib <= 1024 && fds <= 2;
        snprintf(m->note, sizeof m->note,
                 "%ld live processes, containment %s: %.2f descriptors/job", np,
                 containment_label(variants[v].c), fds);
        extra(m, ", \"descriptors_per_job\": %.3f, \"jobs\": %ld, \"containment\": \"%s\"", fds, np,
              containment_label(variants[v].c));
        progress("%s: %.0f bytes, %.2f fds", key, m->lib, fds);
        for (long i = 0; i < np; i++)
            cimjob_job_release(jobs[i]);
        free(jobs);
        reg_free(reg); /* kills every one of them */
    }
}

/* ---- output ---------------------------------------------------------------------------- */

static void fmt_num(char *buf, size_t size, double v)
{
    if (v < 0)
        snprintf(buf, size, "-");
    else if (v >= 100000)
        snprintf(buf, size, "%.0f", v);
    else if (v >= 100)
        snprintf(buf, size, "%.1f", v);
    else
        snprintf(buf, size, "%.2f", v);
}

static void print_table(FILE *f)
{
    fprintf(f, "\n%-30s %-16s %12s %12s %7s %-4s %7s  %s\n", "metric", "unit", "library",
            "baseline", "ratio", "goal", "samples", "notes");
    for (int i = 0; i < nmetrics; i++) {
        metric *m = &metrics[i];
        char l[32], b[32], r[32];
        fmt_num(l, sizeof l, m->lib);
        fmt_num(b, sizeof b, m->base);
        if (m->ratio < 0)
            snprintf(r, sizeof r, "-");
        else
            snprintf(r, sizeof r, "%.3f", m->ratio);
        fprintf(f, "%-30s %-16s %12s %12s %7s %-4s %7ld  %s (%s)\n", m->key, m->unit, l, b, r,
                m->met < 0 ? "-"
                : m->met   ? "met"
                           : "MISS",
                m->samples, m->note, m->goal);
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (v < 0)
        fprintf(f, "null");
    else
        fprintf(f, "%.4g", v);
}

static void write_json(FILE *f, double elapsed_s)
{
    struct utsname u;
    uname(&u);
    char cpu[128] = "unknown";
    FILE *ci = fopen("/proc/cpuinfo", "re");
    if (ci) {
        char line[256];
        while (fgets(line, sizeof line, ci))
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':');
                if (p) {
                    snprintf(cpu, sizeof cpu, "%s", p + 2);
                    cpu[strcspn(cpu, "\n")] = '\0';
                }
                break;
            }
        fclose(ci);
    }
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(f, "{\n  \"meta\": {\"date\": \"%s\", \"cores\": %ld, \"kernel\": ", date,
            sysconf(_SC_NPROCESSORS_ONLN));
    json_str(f, u.release);
    fprintf(f, ", \"cpu\": ");
    json_str(f, cpu);
    fprintf(f,
            ", \"quick\": %s, \"libcimjob\": \"%s\", \"auto_containment\": \"%s\", "
            "\"elapsed_s\": %.1f",
            quick ? "true" : "false", cimjob_version(), auto_gets, elapsed_s);
#ifdef HAVE_LIBUV
    fprintf(f, ", \"libuv\": \"%s\"", uv_version_string());
#endif
#ifdef HAVE_GLIB
    fprintf(f, ", \"glib\": \"%u.%u.%u\"", glib_major_version, glib_minor_version,
            glib_micro_version);
#endif
    fprintf(f, "}");
    for (int i = 0; i < nmetrics; i++) {
        metric *m = &metrics[i];
        fprintf(f, ",\n  ");
        json_str(f, m->key);
        fprintf(f, ": {\"unit\": ");
        json_str(f, m->unit);
        fprintf(f, ", \"library\": ");
        json_num(f, m->lib);
        fprintf(f, ", \"baseline\": ");
        json_num(f, m->base);
        fprintf(f, ", \"ratio\": ");
        json_num(f, m->ratio);
        fprintf(f, ", \"samples\": %ld, \"goal\": ", m->samples);
        json_str(f, m->goal);
        fprintf(f, ", \"met\": %s, \"note\": ", m->met < 0 ? "null" : m->met ? "true" : "false");
        json_str(f, m->note);
        fprintf(f, "%s}", m->extra);
    }
    fprintf(f, ",\n  \"scaling\": {%s}\n}\n", scaling_json);
}

/* ---- main -------------------------------------------------------------------------------- */

static void find_helper(const char *argv0)
{
    const char *env = getenv("CIMJOB_BENCH_HELPER");
    if (env && *env) {
        snprintf(helper_path, sizeof helper_path, "%s", env);
        return;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(self, sizeof self, "%s", argv0);
        n = (ssize_t)strlen(self);
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        slash[1] = '\0';
    else
        self[0] = '\0';
    snprintf(helper_path, sizeof helper_path, "%scimjob-bench-helper", self);
    if (access(helper_path, X_OK) != 0)
        die("cannot find %s (set CIMJOB_BENCH_HELPER)", helper_path);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: cimjob-bench [--quick] [--json FILE|-] [--only GROUP[,GROUP...]] "
            "[--samples N]\n"
            "                    [--posix-flags N]  (cimjob_posix_config.flags, e.g. 8:\n"
            "                    CIMJOB_POSIX_NO_PIDFD_EXIT, the reaper stub of kernels < 6.15)\n"
            "groups: spawn peers teardown terminate kill_all latency query concurrency memory\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--posix-flags") == 0 && i + 1 < argc)
            posix_flags = (unsigned int)strtoul(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
            samples_opt = atoi(argv[++i]);
            if (samples_opt < 1 || samples_opt > 1000)
                usage();
        } else
            usage();
    }
    find_helper(argv[0]);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    posix_spawnattr_init(&pgroup_attr);
    posix_spawnattr_setflags(&pgroup_attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&pgroup_attr, 0);

    fprintf(stderr, "cimjob-bench%s: libcimjob %s, %ld cores, posix flags %#x\n",
            quick ? " --quick" : "", cimjob_version(), sysconf(_SC_NPROCESSORS_ONLN), posix_flags);
    int64_t t0 = now_ns();
    /* Peers last: GLib leaves a worker thread and libuv a SIGCHLD handler behind. */
    if (want("spawn"))
        bench_spawn_reap();
    if (want("teardown"))
        bench_teardown();
    if (want("terminate"))
        bench_terminate();
    if (want("kill_all"))
        bench_kill_all();
    if (want("latency"))
        bench_exit_latency();
    if (want("query"))
        bench_query();
    if (want("memory"))
        bench_memory();
    if (want("concurrency"))
        bench_concurrency();
    if (want("peers"))
        bench_peers();
    double elapsed = (double)(now_ns() - t0) / 1e9;

    FILE *out = json && strcmp(json, "-") == 0 ? stderr : stdout;
    print_table(out);
    fprintf(out, "\n%d metrics in %.1f s; CIMJOB_CONTAINMENT_AUTO is %s here\n", nmetrics, elapsed,
            auto_gets);
    if (json) {
        FILE *f = strcmp(json, "-") == 0 ? stdout : fopen(json, "w");
        if (!f)
            die("cannot write %s: %s", json, strerror(errno));
        write_json(f, elapsed);
        if (f != stdout)
            fclose(f);
    }
    return 0;
}
