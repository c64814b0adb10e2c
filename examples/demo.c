/*
 * cimjob-demo: libcimjob on a real process tree, in one screen.
 *
 * It starts a job whose shell forks a small tree (a sleeper, a child that ignores SIGTERM and
 * a daemon that double-forks out of the process group with setsid), shows every JobState
 * change as it happens, asks for Terminate with a short TimeoutPeriod, shows the escalation to
 * a kill, and ends by proving that no process of the job is left: every process of the tree
 * carries a tag in its environment, and /proc is searched for it before and after.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cimjob/cimjob.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double t0;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_change(const cimjob_event *ev, void *userdata)
{
    (void)userdata;
    printf("  [%5.2fs] %-14s -> %s\n", now_s() - t0, cimjob_job_state_name((int)ev->old_state),
           cimjob_job_state_name((int)ev->new_state));
    fflush(stdout);
}

/* Count (and optionally list) the processes whose environment carries our tag. */
static int count_tagged(const char *tag, int list)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        char path[300], buf[8192], cmd[128] = "";
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        int found = 0;
        for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
            buf[len] = '\0';
            if (strcmp(buf + i, tag) == 0)
                found = 1;
        }
        if (!found)
            continue;
        n++;
        if (list) {
            snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
            f = fopen(path, "re");
            if (f) {
                size_t k = fread(cmd, 1, sizeof cmd - 1, f);
                fclose(f);
                for (size_t i = 0; i + 1 < k; i++)
                    if (cmd[i] == '\0' || cmd[i] == '\n')
                        cmd[i] = ' ';
                cmd[k] = '\0';
                if (k > 60)
                    strcpy(cmd + 57, "...");
            }
            printf("      pid %-7s %s\n", e->d_name, cmd);
        }
    }
    closedir(d);
    return n;
}

static void show(cimjob_job *job)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    char elapsed[CIMJOB_DATETIME_SIZE], changed[CIMJOB_DATETIME_SIZE];
    if (cimjob_query(job, &info) != CIMJOB_RC_SUCCESS)
        return;
    cimjob_info_format_time(&info, CIMJOB_PROP_ELAPSED_TIME, elapsed);
    cimjob_info_format_time(&info, CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE, changed);
    printf("    InstanceID            %s\n", info.instance_id);
    printf("    JobState              %d (%s)\n", (int)info.job_state,
           cimjob_job_state_name((int)info.job_state));
    printf("    TimeOfLastStateChange %s\n", changed);
    printf("    ElapsedTime           %s\n", elapsed);
    printf("    ErrorCode             %u\n", (unsigned)info.error_code);
    if (info.error_description[0])
        printf("    ErrorDescription      %s\n", info.error_description);
    if (info.job_status[0])
        printf("    JobStatus             %s\n", info.job_status);
    printf("    containment           %s (backend %s)\n",
           cimjob_containment_name((int)info.containment), info.backend);
}

int main(void)
{
    char tag[64];
    snprintf(tag, sizeof tag, "CIMJOB_DEMO_TAG=%ld", (long)getpid());
    const char *script =
        "sleep 1000 &\n"                                   /* a plain child */
        "sh -c 'trap \"\" TERM; exec sleep 1000' &\n"      /* ignores SIGTERM */
        "setsid -f sleep 1000 </dev/null >/dev/null 2>&1\n" /* a daemon, out of the group */
        "wait\n";
    const char *argv[] = {"sh", "-c", script, NULL};
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    const char **envp = calloc(n + 2, sizeof *envp);
    if (!envp)
        return 1;
    for (size_t i = 0; i < n; i++)
        envp[i] = environ[i];
    envp[n] = tag;

    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_change;
    cimjob_registry *reg;
    cimjob_rc rc = cimjob_registry_new(&ro, &reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-demo: %s (%s)\n", cimjob_rc_message(rc), cimjob_last_error());
        return 1;
    }
    t0 = now_s();
    printf("libcimjob %s demo: a job whose shell forks a sleeper, a SIGTERM-ignoring child and a "
           "setsid daemon\n\n",
           cimjob_version());
    printf("1. Create and start the job\n");
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = "demo process tree";
    jo.argv = argv;
    jo.envp = envp;
    /* The job ends when its last process does, not when the shell does: so the child that
     * ignores SIGTERM keeps it alive until the Terminate is escalated. */
    jo.flags = CIMJOB_JOB_START | CIMJOB_JOB_WAIT_FOR_ALL;
    cimjob_job *job;
    if ((rc = cimjob_create(reg, &jo, &job)) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-demo: %s (%s)\n", cimjob_rc_message(rc), cimjob_last_error());
        return 1;
    }
    /* Let the tree grow for a moment (the wait also observes the job meanwhile). */
    cimjob_wait(job, CIMJOB_STATES_FINAL, 700000, NULL);
    printf("\n2. The job is running; its processes (found by their environment tag):\n");
    int before = count_tagged(tag, 1);
    show(job);

    printf("\n3. RequestStateChange(Terminate, TimeoutPeriod 00000000000002.000000:000)\n"
           "   SIGTERM to every process, then a kill for whatever ignores it after 2 s\n");
    int rsc =
        cimjob_request_state_change(job, CIMJOB_REQUEST_TERMINATE, "00000000000002.000000:000");
    printf("   -> %d (%s)\n\n", rsc, cimjob_rsc_rc_name(rsc));
    show(job);

    int after = count_tagged(tag, 1);
    printf("\n4. Processes of the job before Terminate: %d; after: %d\n", before, after);
    printf("   %s\n", after == 0 ? "Nothing was left behind, not even the setsid daemon."
                                 : "SOMETHING WAS LEFT BEHIND.");
    cimjob_job_release(job);
    cimjob_registry_free(reg);
    free(envp);
    return after == 0 ? 0 : 1;
}
