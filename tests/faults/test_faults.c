/*
 * Suite "faults": the posix backend when the system says no. Each case checks the documented
 * code (docs/teardown.md, "Results and bad input"), that no descriptor leaks, that no
 * half-created job is left in the registry (a create that fails leaves the count unchanged;
 * a start that fails leaves a complete job in Exception), and that nothing is left running
 * (every job carries a tag in its environment, searched for in /proc).
 *
 *   - EMFILE: RLIMIT_NOFILE lowered step by step in a forked child (the harness keeps its own);
 *   - EAGAIN from fork: RLIMIT_NPROC as uid nobody in a forked child (root ignores NPROC);
 *   - a cgroup that cannot be created: cgroup_parent missing, not writable, not a cgroup;
 *     containment forced to CGROUP gives Not Supported, AUTO falls back and says which;
 *   - allocation failure during cimjob_registry_new(), create and start (cimjob__alloc_budget);
 *   - a working directory and a stdin file the job's user may not use (uid nobody).
 *
 * ENFILE (the system-wide table) is not provoked: lowering fs.file-max would hit every process
 * on the machine. The library sees it through the same calls and errno paths as EMFILE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/posix.h>
#include "../procscan.h"

extern atomic_long cimjob__alloc_budget;

#define SEC    INT64_C(1000000)
#define NOBODY 65534

static char g_tag[64];
static const char *g_envp[2];

/* ---- helpers usable in a forked child (no cmocka asserts there: they would longjmp into the
 * runner of the child's copy) ---------------------------------------------------------------- */

static int g_child_failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);                             \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            g_child_failed = 1;                                                                    \
        }                                                                                          \
    } while (0)

static cimjob_registry *registry(const char *cgroup_parent, cimjob_rc *rc_out)
{
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    pc.cgroup_parent = cgroup_parent;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    ro.default_terminate_timeout_us = 2 * SEC;
    cimjob_registry *reg = NULL;
    cimjob_rc rc = cimjob_registry_new(&ro, &reg);
    if (rc_out)
        *rc_out = rc;
    return rc == CIMJOB_RC_SUCCESS ? reg : NULL;
}

static size_t reg_count(cimjob_registry *reg)
{
    size_t n = 0;
    cimjob_registry_count(reg, &n);
    return n;
}

/* One job to its end: the create's code, and the final snapshot when it was created. The job
 * is removed afterwards, so the registry is empty again. */
static cimjob_rc run_job(cimjob_registry *reg, const char *const *argv, cimjob_containment cont,
                         const char *cwd, const char *stdin_path, cimjob_info *info)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "fault";
    o.argv = argv;
    o.envp = g_envp;
    o.cwd = cwd;
    o.containment = cont;
    o.flags = CIMJOB_JOB_START;
    o.delete_on_completion = 0;
    o.stdio[0].mode = stdin_path ? CIMJOB_STDIO_FILE : CIMJOB_STDIO_NULL;
    o.stdio[0].path = stdin_path;
    cimjob_job *job = NULL;
    size_t before = reg_count(reg);
    cimjob_rc rc = cimjob_create(reg, &o, &job);
    if (rc != CIMJOB_RC_SUCCESS) {
        CHECK(job == NULL, "a failed create handed out a job");
        CHECK(reg_count(reg) == before, "a failed create left a job in the registry (%zu -> %zu)",
              before, reg_count(reg));
        return rc;
    }
    cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
    cimjob_rc w = cimjob_wait(job, 0, 10 * SEC, &st);
    CHECK(w == CIMJOB_RC_SUCCESS, "job did not end (%s)", cimjob_job_state_name((int)st));
    if (w != CIMJOB_RC_SUCCESS)
        cimjob_kill_job(job, 0);
    *info = (cimjob_info)CIMJOB_INFO_INIT;
    cimjob_query(job, info);
    CHECK(cimjob_remove(reg, job) == CIMJOB_RC_SUCCESS, "remove: %s", cimjob_last_error());
    cimjob_job_release(job);
    CHECK(reg_count(reg) == before, "registry count %zu, expected %zu", reg_count(reg), before);
    return rc;
}

/* Run fn in a forked child; the case fails when the child reports a failure or dies. */
static void in_child(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        g_child_failed = 0;
        fn();
        fflush(NULL);
        _exit(g_child_failed ? 1 : 0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the forked case failed (status 0x%x): see its messages above", status);
    assert_int_equal(procscan_tagged(g_tag, "test_faults"), 0);
}

static int become_nobody(void)
{
    return setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0 ? 0 : -1;
}

static const char *const g_true[] = {"true", NULL};

/* The documented ErrorCodes of a start the system refused (docs/teardown.md): OS_ERROR when
 * the library's own call failed (pipe, socket, fork in the host), 126 when the failure came
 * from the child or the helper before exec (standard streams, the helper's fork), as for a
 * command that cannot be executed; the errno text is in ErrorDescription either way. */
static int spawn_failure_code(uint32_t code)
{
    return code == CIMJOB_RC_OS_ERROR || code == 126;
}
static const cimjob_containment g_conts[] = {CIMJOB_CONTAINMENT_AUTO, CIMJOB_CONTAINMENT_SUBREAPER,
                                             CIMJOB_CONTAINMENT_PGROUP};

/* ---- EMFILE --------------------------------------------------------------------------------- */

static void emfile_child(void)
{
    cimjob_registry *reg = registry(NULL, NULL);
    CHECK(reg != NULL, "registry: %s", cimjob_last_error());
    if (reg == NULL)
        return;
    cimjob_info info;
    struct rlimit orig;
    getrlimit(RLIMIT_NOFILE, &orig);
    int emfile = 0, completed = 0;
    long after_first = -1;
    for (int round = 0; round < 2; round++) {
        for (size_t c = 0; c < sizeof g_conts / sizeof g_conts[0]; c++) {
            run_job(reg, g_true, g_conts[c], NULL, NULL, &info); /* warm: lazily opened fds */
            long base = procscan_count_fds();
            for (int k = 0; k <= 12; k++) {
                struct rlimit rl = orig;
                rl.rlim_cur = (rlim_t)(base + k);
                setrlimit(RLIMIT_NOFILE, &rl);
                cimjob_rc rc = run_job(reg, g_true, g_conts[c], NULL, NULL, &info);
                setrlimit(RLIMIT_NOFILE, &orig);
                if (rc != CIMJOB_RC_SUCCESS) {
                    CHECK(rc == CIMJOB_RC_OS_ERROR || rc == CIMJOB_RC_NO_MEMORY,
                          "create with %d descriptors free answered %s (%s)", k,
                          cimjob_rc_name((int)rc), cimjob_last_error());
                    emfile++;
                } else if (info.job_state == CIMJOB_JOB_STATE_COMPLETED) {
                    completed++;
                } else {
                    CHECK(info.job_state == CIMJOB_JOB_STATE_EXCEPTION &&
                              spawn_failure_code(info.error_code) &&
                              strstr(info.error_description, "Too many open files") != NULL,
                          "%s with %d descriptors free: %s, ErrorCode %u, \"%s\"",
                          cimjob_containment_name((int)g_conts[c]), k,
                          cimjob_job_state_name((int)info.job_state), info.error_code,
                          info.error_description);
                    emfile++;
                }
            }
        }
        /* No leak: a second round of the same faults ends with the same descriptors. */
        long now = procscan_count_fds();
        if (round == 0)
            after_first = now;
        else
            CHECK(now <= after_first, "descriptors grew from %ld to %ld over a round of EMFILE",
                  after_first, now);
    }
    CHECK(emfile > 0, "no start ever saw EMFILE");
    CHECK(completed > 0, "no start ever succeeded");
    printf("EMFILE: %d starts refused with the documented code, %d completed\n", emfile, completed);
    CHECK(cimjob_registry_free(reg) == CIMJOB_RC_SUCCESS, "registry_free");
}

static void test_emfile(void **state)
{
    (void)state;
    in_child(emfile_child);
}

/* Forced cgroup containment out of descriptors: the system is short of something now, which
 * is OS_ERROR (a transient failure), never NOT_SUPPORTED (cgroups are there). */
static void emfile_cgroup_child(void)
{
    cimjob_registry *reg = registry(NULL, NULL);
    CHECK(reg != NULL, "registry: %s", cimjob_last_error());
    if (reg == NULL)
        return;
    cimjob_info info;
    run_job(reg, g_true, CIMJOB_CONTAINMENT_CGROUP, NULL, NULL, &info);
    if (info.job_state != CIMJOB_JOB_STATE_COMPLETED) {
        printf("SKIP: no cgroup containment here (%s)\n", info.error_description);
        cimjob_registry_free(reg);
        return;
    }
    struct rlimit orig;
    getrlimit(RLIMIT_NOFILE, &orig);
    int emfile = 0, completed = 0;
    for (int round = 0; round < 2; round++) {
        long base = procscan_count_fds();
        for (int k = 0; k <= 8; k++) {
            /* Exactly k descriptors free: fill the table up to a low limit, give k back. */
            struct rlimit rl = orig;
            rl.rlim_cur = (rlim_t)(base + 32);
            setrlimit(RLIMIT_NOFILE, &rl);
            int fill[64], nf = 0;
            while (nf < 64 && (fill[nf] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
                nf++;
            for (int i = 0; i < k && nf > 0; i++)
                close(fill[--nf]);
            cimjob_rc rc = run_job(reg, g_true, CIMJOB_CONTAINMENT_CGROUP, NULL, NULL, &info);
            while (nf > 0)
                close(fill[--nf]);
            setrlimit(RLIMIT_NOFILE, &orig);
            if (rc != CIMJOB_RC_SUCCESS) {
                CHECK(rc == CIMJOB_RC_OS_ERROR || rc == CIMJOB_RC_NO_MEMORY,
                      "create with %d descriptors free answered %s (%s)", k,
                      cimjob_rc_name((int)rc), cimjob_last_error());
                emfile++;
            } else if (info.job_state == CIMJOB_JOB_STATE_COMPLETED) {
                completed++;
            } else {
                CHECK(info.job_state == CIMJOB_JOB_STATE_EXCEPTION &&
                          info.error_code != CIMJOB_RC_NOT_SUPPORTED &&
                          spawn_failure_code(info.error_code) &&
                          strstr(info.error_description, "Too many open files") != NULL,
                      "cgroup with %d descriptors free: %s, ErrorCode %u, \"%s\"", k,
                      cimjob_job_state_name((int)info.job_state), info.error_code,
                      info.error_description);
                emfile++;
            }
        }
    }
    CHECK(emfile > 0, "no cgroup start ever saw EMFILE");
    CHECK(completed > 0, "no cgroup start ever succeeded");
    printf("EMFILE (cgroup): %d starts refused with OS_ERROR, %d completed\n", emfile, completed);
    CHECK(cimjob_registry_free(reg) == CIMJOB_RC_SUCCESS, "registry_free");
}

static void test_emfile_cgroup(void **state)
{
    (void)state;
    in_child(emfile_cgroup_child);
}

/* ---- EAGAIN from fork ------------------------------------------------------------------------ */

static int procs_of(uid_t uid)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        char p[300];
        struct stat sb;
        snprintf(p, sizeof p, "/proc/%s", de->d_name);
        if (stat(p, &sb) == 0 && sb.st_uid == uid)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

static void eagain_child(void)
{
    CHECK(become_nobody() == 0, "cannot become uid %d: %s", NOBODY, strerror(errno));
    if (g_child_failed)
        return;
    cimjob_registry *reg = registry(NULL, NULL);
    CHECK(reg != NULL, "registry: %s", cimjob_last_error());
    if (reg == NULL)
        return;
    cimjob_info info;
    int eagain = 0, completed = 0;
    for (size_t c = 0; c < sizeof g_conts / sizeof g_conts[0]; c++) {
        for (int k = 0; k <= 3; k++) {
            /* Processes of this uid that may exist: ours and whatever else runs as nobody.
             * k 0..2: room for that many more; k 3: no limit (the soft limit back at the hard). */
            int mine = procs_of(NOBODY);
            struct rlimit old, rl;
            getrlimit(RLIMIT_NPROC, &old);
            rl = old;
            if (k < 3)
                rl.rlim_cur = (rlim_t)(mine + k);
            setrlimit(RLIMIT_NPROC, &rl);
            cimjob_rc rc = run_job(reg, g_true, g_conts[c], NULL, NULL, &info);
            setrlimit(RLIMIT_NPROC, &old);
            if (rc != CIMJOB_RC_SUCCESS) {
                CHECK(0, "create answered %s (%s)", cimjob_rc_name((int)rc), cimjob_last_error());
            } else if (info.job_state == CIMJOB_JOB_STATE_COMPLETED) {
                completed++;
            } else {
                CHECK(info.job_state == CIMJOB_JOB_STATE_EXCEPTION &&
                          spawn_failure_code(info.error_code) &&
                          strstr(info.error_description, "Resource temporarily unavailable"),
                      "%s with NPROC %d: %s, ErrorCode %u, \"%s\"",
                      cimjob_containment_name((int)g_conts[c]), mine + k,
                      cimjob_job_state_name((int)info.job_state), info.error_code,
                      info.error_description);
                eagain++;
            }
        }
    }
    CHECK(eagain > 0, "fork never failed with EAGAIN");
    CHECK(completed > 0, "no start succeeded");
    printf("EAGAIN: %d starts ended in Exception with the errno text, %d completed\n", eagain,
           completed);
    CHECK(cimjob_registry_free(reg) == CIMJOB_RC_SUCCESS, "registry_free");
}

static void test_eagain_fork(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip(); /* needs root to become another uid */
    in_child(eagain_child);
}

/* ---- a cgroup that cannot be created ----------------------------------------------------------
 */

static void test_cgroup_uncreatable(void **state)
{
    (void)state;
    char notcg[] = "/tmp/cimjob-notcg-XXXXXX"; /* writable, but not a cgroup file system */
    assert_non_null(mkdtemp(notcg));
    const char *parents[] = {"/nonexistent/cimjob", "/proc", notcg};
    long fds = procscan_count_fds();
    for (size_t p = 0; p < sizeof parents / sizeof parents[0]; p++) {
        cimjob_rc rc;
        cimjob_registry *reg = registry(parents[p], &rc);
        if (reg == NULL) {
            /* Refused up front is also clear; it must say so with a documented code. */
            assert_true(rc == CIMJOB_RC_INVALID_PARAMETER || rc == CIMJOB_RC_NOT_SUPPORTED);
            continue;
        }
        cimjob_info info;
        g_child_failed = 0;
        assert_int_equal(run_job(reg, g_true, CIMJOB_CONTAINMENT_CGROUP, NULL, NULL, &info),
                         CIMJOB_RC_SUCCESS);
        assert_int_equal(g_child_failed, 0);
        if (info.job_state != CIMJOB_JOB_STATE_EXCEPTION ||
            info.error_code != CIMJOB_RC_NOT_SUPPORTED ||
            strstr(info.error_description, "cgroup") == NULL)
            fail_msg("forced cgroup under %s: %s, ErrorCode %u, \"%s\"", parents[p],
                     cimjob_job_state_name((int)info.job_state), info.error_code,
                     info.error_description);
        print_message("cgroup under %s: \"%s\"\n", parents[p], info.error_description);
        /* AUTO: falls back, runs, and reports what it got. */
        assert_int_equal(run_job(reg, g_true, CIMJOB_CONTAINMENT_AUTO, NULL, NULL, &info),
                         CIMJOB_RC_SUCCESS);
        assert_int_equal(g_child_failed, 0);
        assert_int_equal(info.job_state, CIMJOB_JOB_STATE_COMPLETED);
        assert_true(info.containment == CIMJOB_CONTAINMENT_SUBREAPER ||
                    info.containment == CIMJOB_CONTAINMENT_PGROUP);
        assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    }
    /* Nothing made under the fake parent, nothing leaked, nothing running. */
    DIR *d = opendir(notcg);
    assert_non_null(d);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            entries++;
    closedir(d);
    assert_int_equal(entries, 0);
    assert_int_equal(rmdir(notcg), 0);
    assert_int_equal(procscan_count_fds(), fds);
    assert_int_equal(procscan_tagged(g_tag, "test_faults"), 0);
}

/* ---- allocation failure -----------------------------------------------------------------------
 */

static void test_alloc_failure(void **state)
{
    (void)state;
    long fds = procscan_count_fds();
    /* cimjob_registry_new() with the n-th allocation failing: No Memory, nothing kept. */
    int n;
    for (n = 0; n < 200; n++) {
        atomic_store(&cimjob__alloc_budget, n);
        cimjob_rc rc;
        cimjob_registry *reg = registry(NULL, &rc);
        atomic_store(&cimjob__alloc_budget, -1);
        if (reg != NULL) {
            assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
            break;
        }
        assert_int_equal(rc, CIMJOB_RC_NO_MEMORY);
        assert_int_equal(procscan_count_fds(), fds);
    }
    assert_true(n < 200);
    print_message("registry_new: the first %d allocations each fail cleanly\n", n);

    cimjob_registry *reg = registry(NULL, NULL);
    assert_non_null(reg);
    for (size_t c = 0; c < sizeof g_conts / sizeof g_conts[0]; c++) {
        cimjob_info info;
        run_job(reg, g_true, g_conts[c], NULL, NULL, &info); /* warm */
        long base = procscan_count_fds();
        int refused = 0, failed_start = 0;
        for (n = 0; n < 400; n++) {
            g_child_failed = 0;
            atomic_store(&cimjob__alloc_budget, n);
            cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
            o.name = "alloc";
            o.argv = g_true;
            o.envp = g_envp;
            o.containment = g_conts[c];
            o.flags = CIMJOB_JOB_START;
            o.delete_on_completion = 0;
            o.stdio[0].mode = CIMJOB_STDIO_NULL;
            cimjob_job *job = NULL;
            cimjob_rc rc = cimjob_create(reg, &o, &job);
            long left = atomic_exchange(&cimjob__alloc_budget, -1);
            if (rc != CIMJOB_RC_SUCCESS) {
                assert_int_equal(rc, CIMJOB_RC_NO_MEMORY);
                assert_null(job);
                assert_int_equal(reg_count(reg), 0);
                refused++;
                continue;
            }
            cimjob_job_state st;
            assert_int_equal(cimjob_wait(job, 0, 10 * SEC, &st), CIMJOB_RC_SUCCESS);
            info = (cimjob_info)CIMJOB_INFO_INIT;
            assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
            if (st != CIMJOB_JOB_STATE_COMPLETED) {
                /* The start failed for want of memory: a whole job, in Exception, saying so. */
                assert_int_equal(st, CIMJOB_JOB_STATE_EXCEPTION);
                assert_int_equal(info.error_code, CIMJOB_RC_NO_MEMORY);
                failed_start++;
            }
            assert_int_equal(cimjob_remove(reg, job), CIMJOB_RC_SUCCESS);
            cimjob_job_release(job);
            assert_int_equal(reg_count(reg), 0);
            if (left > 0 && st == CIMJOB_JOB_STATE_COMPLETED)
                break; /* every allocation of a whole lifecycle succeeded */
        }
        assert_true(n < 400);
        assert_int_equal(procscan_count_fds(), base);
        print_message("%s: %d creates refused (No Memory), %d starts in Exception (No Memory), "
                      "then %d allocations suffice\n",
                      cimjob_containment_name((int)g_conts[c]), refused, failed_start, n);
    }
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    assert_true(procscan_count_fds() <= fds + 1);
    assert_int_equal(procscan_tagged(g_tag, "test_faults"), 0);
}

/* ---- what the job's user may not use ----------------------------------------------------------
 */

static char g_dir[64];
static char g_file[128];

static void nobody_child(void)
{
    CHECK(become_nobody() == 0, "cannot become uid %d: %s", NOBODY, strerror(errno));
    if (g_child_failed)
        return;
    cimjob_registry *reg = registry(NULL, NULL);
    CHECK(reg != NULL, "registry: %s", cimjob_last_error());
    if (reg == NULL)
        return;
    cimjob_info info;
    for (size_t c = 0; c < sizeof g_conts / sizeof g_conts[0]; c++) {
        run_job(reg, g_true, g_conts[c], g_dir, NULL, &info);
        CHECK(info.job_state == CIMJOB_JOB_STATE_EXCEPTION &&
                  info.error_code == CIMJOB_RC_INVALID_PARAMETER &&
                  strstr(info.error_description, "working directory") &&
                  strstr(info.error_description, "Permission denied"),
              "cwd %s: %s, ErrorCode %u, \"%s\"", g_dir, cimjob_job_state_name((int)info.job_state),
              info.error_code, info.error_description);
        run_job(reg, g_true, g_conts[c], NULL, g_file, &info);
        CHECK(info.job_state == CIMJOB_JOB_STATE_EXCEPTION &&
                  info.error_code == CIMJOB_RC_INVALID_PARAMETER &&
                  strstr(info.error_description, "stdin file") &&
                  strstr(info.error_description, "Permission denied"),
              "stdin %s: %s, ErrorCode %u, \"%s\"", g_file,
              cimjob_job_state_name((int)info.job_state), info.error_code, info.error_description);
    }
    CHECK(cimjob_registry_free(reg) == CIMJOB_RC_SUCCESS, "registry_free");

    /* A cgroup v2 directory this uid may not write (its own cgroup, root's): forced CGROUP is
     * Not Supported with the reason, AUTO falls back and reports what it got. */
    reg = registry(NULL, NULL);
    CHECK(reg != NULL, "registry: %s", cimjob_last_error());
    if (reg == NULL)
        return;
    run_job(reg, g_true, CIMJOB_CONTAINMENT_CGROUP, NULL, NULL, &info);
    CHECK(info.job_state == CIMJOB_JOB_STATE_EXCEPTION &&
              info.error_code == CIMJOB_RC_NOT_SUPPORTED &&
              strstr(info.error_description, "cgroup") &&
              strstr(info.error_description, "Permission denied"),
          "forced cgroup as nobody: %s, ErrorCode %u, \"%s\"",
          cimjob_job_state_name((int)info.job_state), info.error_code, info.error_description);
    printf("cgroup as uid nobody: \"%s\"\n", info.error_description);
    run_job(reg, g_true, CIMJOB_CONTAINMENT_AUTO, NULL, NULL, &info);
    CHECK(info.job_state == CIMJOB_JOB_STATE_COMPLETED &&
              info.containment == CIMJOB_CONTAINMENT_SUBREAPER,
          "AUTO as nobody: %s in %s", cimjob_job_state_name((int)info.job_state),
          cimjob_containment_name((int)info.containment));
    CHECK(cimjob_registry_free(reg) == CIMJOB_RC_SUCCESS, "registry_free");
}

static void test_cwd_and_stdin_not_permitted(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    snprintf(g_dir, sizeof g_dir, "/tmp/cimjob-noperm-XXXXXX");
    assert_non_null(mkdtemp(g_dir)); /* 0700, root's */
    snprintf(g_file, sizeof g_file, "/tmp/cimjob-noperm-in-%d", (int)getpid());
    int fd = open(g_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    in_child(nobody_child);
    unlink(g_file);
    rmdir(g_dir);
}

int main(void)
{
    snprintf(g_tag, sizeof g_tag, "CIMJOB_FAULTS_TAG=%d", (int)getpid());
    g_envp[0] = g_tag;
    g_envp[1] = NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emfile),        cmocka_unit_test(test_emfile_cgroup),
        cmocka_unit_test(test_eagain_fork),   cmocka_unit_test(test_cgroup_uncreatable),
        cmocka_unit_test(test_alloc_failure), cmocka_unit_test(test_cwd_and_stdin_not_permitted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
