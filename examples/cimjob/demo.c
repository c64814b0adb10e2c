/*
 * `cimjob demo`: libcimjob on a real process tree, in one screen.
 *
 * A job's shell forks a plain sleeper, a child that ignores SIGTERM and a daemon that leaves
 * the session with setsid, then ignores SIGTERM itself. The demo shows each JobState change
 * as it happens and the job's CIM properties, asks for Terminate with a two-second
 * TimeoutPeriod, shows what survives SIGTERM until the escalation to a kill, and ends by
 * proving that no process of the job is left. The proof does not trust the library: every
 * process of the tree carries a tag in its environment, and /proc is searched for it.
 */
#include "cli.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GRACE "00000000000002.000000:000"

/* What each process of the tree is, told apart by its command line. */
static const char *role(const char *cmdline)
{
    if (strncmp(cmdline, "sh -c", 5) == 0)
        return "the job's main process, a shell that ignores SIGTERM";
    if (strcmp(cmdline, "sleep 1001") == 0)
        return "a plain child";
    if (strcmp(cmdline, "sleep 1002") == 0)
        return "a child that ignores SIGTERM";
    if (strcmp(cmdline, "sleep 1003") == 0)
        return "a daemon: left the session with setsid";
    return "";
}

static int has_tag(const char *pid, const char *tag)
{
    char path[300], buf[16384];
    snprintf(path, sizeof path, "/proc/%s/environ", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
        if (strcmp(buf + i, tag) == 0)
            return 1;
    return 0;
}

/* Count the processes whose environment carries the tag; list them as a table when asked,
 * and collect their commands into `brief` when it is not NULL. */
static int tagged(const char *tag, int list, char *brief, size_t brief_size)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    if (brief)
        brief[0] = '\0';
    if (list)
        printf("     %7s %7s %7s  %-12s %s\n", "PID", "PPID", "SID", "command", "what it is");
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || !has_tag(e->d_name, tag))
            continue;
        n++;
        if (!list && !brief)
            continue;
        char path[300], cmd[256] = "", stat[512] = "";
        long ppid = 0, sid = 0;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "re");
        if (f) {
            size_t k = fread(cmd, 1, sizeof cmd - 1, f);
            fclose(f);
            for (size_t i = 0; i + 1 < k; i++)
                if (cmd[i] == '\0')
                    cmd[i] = ' ';
            cmd[k] = '\0';
        }
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        f = fopen(path, "re");
        if (f) {
            if (fgets(stat, sizeof stat, f)) {
                /* pid (comm) state ppid pgrp session ...; comm may hold spaces. */
                const char *p = strrchr(stat, ')');
                long pgrp;
                if (!p || sscanf(p + 1, " %*c %ld %ld %ld", &ppid, &pgrp, &sid) != 3)
                    ppid = sid = 0;
            }
            fclose(f);
        }
        char shown[13];
        snprintf(shown, sizeof shown, "%.12s", strncmp(cmd, "sh -c", 5) == 0 ? "sh -c ..." : cmd);
        if (brief) {
            size_t used = strlen(brief);
            snprintf(brief + used, brief_size - used, "%s%s", used ? ", " : "", shown);
        }
        if (!list)
            continue;
        printf("     %7s %7ld %7ld  %-12s %s\n", e->d_name, ppid, sid, shown, role(cmd));
    }
    closedir(d);
    return n;
}

/* How the job's processes are held together, in one line. */
static const char *containment_text(cimjob_containment c)
{
    switch (c) {
    case CIMJOB_CONTAINMENT_CGROUP:
        return "a cgroup of its own holds every process, daemons too";
    case CIMJOB_CONTAINMENT_SUBREAPER:
        return "a helper process adopts whatever the tree orphans";
    case CIMJOB_CONTAINMENT_PGROUP:
        return "its process group only (a setsid daemon could escape)";
    default:
        return "";
    }
}

static void properties(cimjob_job *job)
{
    static const struct {
        const char *name;
        cimjob_time_property prop;
    } times[] = {{"TimeSubmitted", CIMJOB_PROP_TIME_SUBMITTED},
                 {"StartTime", CIMJOB_PROP_START_TIME},
                 {"TimeOfLastStateChange", CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE},
                 {"ElapsedTime", CIMJOB_PROP_ELAPSED_TIME}};
    cimjob_info info = CIMJOB_INFO_INIT;
    if (cimjob_query(job, &info) != CIMJOB_RC_SUCCESS)
        return;
    printf("     %-22s %s\n", "InstanceID", info.instance_id);
    printf("     %-22s %s\n", "Name", info.name);
    printf("     %-22s %d (%s)\n", "JobState", (int)info.job_state,
           cimjob_job_state_name((int)info.job_state));
    for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
        char buf[CIMJOB_DATETIME_SIZE];
        if (cimjob_info_format_time(&info, times[i].prop, buf) == CIMJOB_RC_SUCCESS)
            printf("     %-22s %s\n", times[i].name, buf);
    }
    printf("     %-22s %u\n", "ErrorCode", (unsigned)info.error_code);
    if (info.error_description[0])
        printf("     %-22s %s\n", "ErrorDescription", info.error_description);
    if (info.job_status[0])
        printf("     %-22s %s\n", "JobStatus", info.job_status);
    printf("     %-22s %s (%s backend): %s\n", "containment",
           cimjob_containment_name((int)info.containment), info.backend,
           containment_text(info.containment));
}

int cli_demo(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0) {
            fprintf(stderr, "cimjob demo: unknown option '%s'\n", argv[1]);
            cli_usage(stderr);
            return CLI_EXIT_FAILED;
        }
        puts("Usage: cimjob demo\nRun the demo: a job on a real process tree, a Terminate with a "
             "2 s TimeoutPeriod,\nits escalation to a kill, and the proof nothing is left.");
        return 0;
    }
    /* The tree. The shell ignores SIGTERM only after forking, so its children do not inherit
     * that; the second child ignores it on its own; setsid -f makes a daemon. */
    const char *script = "sleep 1001 &\n"
                         "sh -c 'trap \"\" TERM; exec sleep 1002' &\n"
                         "setsid -f sleep 1003 </dev/null >/dev/null 2>&1\n"
                         "trap '' TERM\n"
                         "wait\n";
    const char *argv_job[] = {"sh", "-c", script, NULL};

    /* The tag every process of the job inherits: the environment plus one variable. */
    extern char **environ;
    char tag[64];
    snprintf(tag, sizeof tag, "CIMJOB_DEMO_TAG=%ld", (long)getpid());
    size_t n = 0;
    while (environ[n])
        n++;
    const char **envp = calloc(n + 2, sizeof *envp);
    if (!envp)
        return 1;
    memcpy(envp, environ, n * sizeof *envp);
    envp[n] = tag;

    cli_events ev = {CLI_EVENTS_TEXT, stdout, "   ", cli_now_us(), 1, 0};
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = cli_events_on_change;
    ro.userdata = &ev;
    cimjob_registry *reg;
    cimjob_rc rc = cimjob_registry_new(&ro, &reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob demo: %s (%s)\n", cimjob_rc_message(rc), cimjob_last_error());
        free(envp);
        return 1;
    }

    printf("libcimjob %s: one CIM job (CIM_ConcreteJob) on a real process tree\n\n",
           cimjob_version());
    printf("1. Create the job and Start it. Its shell forks a plain sleeper, a child that\n"
           "   ignores SIGTERM and a daemon that leaves with setsid, then ignores SIGTERM too.\n");
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = "demo process tree";
    jo.argv = argv_job;
    jo.envp = envp;
    jo.flags = CIMJOB_JOB_START | CIMJOB_JOB_DIE_WITH_HOST;
    jo.delete_on_completion = 0;
    cimjob_job *job = NULL;
    rc = cimjob_create(reg, &jo, &job);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob demo: %s (%s)\n", cimjob_rc_message(rc), cimjob_last_error());
        cimjob_registry_free(reg);
        free(envp);
        return 1;
    }
    /* Let the tree grow for a moment; the wait observes the job meanwhile. */
    cimjob_wait(job, CIMJOB_STATES_FINAL, 700000, NULL);

    printf("\n2. The job's processes, found by a tag in their environment (not by asking the "
           "library):\n");
    int before = tagged(tag, 1, NULL, 0);
    printf("   and its CIM properties (cimjob_query):\n");
    properties(job);

    printf("\n3. RequestStateChange(Terminate, TimeoutPeriod %s)\n", GRACE);
    printf("   SIGTERM goes to every process of the job; whatever is still there after 2 s is "
           "killed.\n");
    cimjob_request_options rq = CIMJOB_REQUEST_OPTIONS_INIT;
    rq.flags = CIMJOB_REQUEST_ASYNC; /* return at once, so we can watch */
    cimjob_interval_parse(GRACE, &rq.timeout_us);
    int rsc = (int)cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &rq);
    printf("   It returned %d (%s):\n   asked with CIMJOB_REQUEST_ASYNC, it does not wait; "
           "we watch JobState instead.\n",
           rsc, cimjob_rsc_rc_name(rsc));
    cimjob_job_state st = CIMJOB_JOB_STATE_SHUTTING_DOWN;
    while (cimjob_wait(job, CIMJOB_STATES_FINAL, 500000, &st) == CIMJOB_RC_TIMEOUT) {
        char names[256];
        int alive = tagged(tag, 0, names, sizeof names);
        printf("   [%8.3fs] still alive after SIGTERM: %d process%s (%s)\n",
               (double)(cli_now_us() - ev.t0_us) / 1e6, alive, alive == 1 ? "" : "es", names);
        fflush(stdout);
    }
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_query(job, &info);
    if (info.escalated)
        printf("   The TimeoutPeriod passed with processes still there: the Terminate was "
               "escalated\n   to a kill. The job still ends Terminated, as CIM asks.\n");

    printf("\n4. Its CIM properties now:\n");
    properties(job);

    int after = tagged(tag, 0, NULL, 0);
    printf("\n5. Processes with the job's tag: %d before the Terminate, %d now.\n", before, after);
    if (after == 0) {
        printf("   Nothing is left behind, not even the setsid daemon.\n");
    } else {
        printf("   SOMETHING WAS LEFT BEHIND:\n");
        tagged(tag, 1, NULL, 0);
    }

    cimjob_job_release(job);
    cimjob_registry_free(reg);
    free(envp);
    return after == 0 ? 0 : 1;
}
