/*
 * agent-poll: a tiny management agent. It runs several jobs at once and drives them from its
 * own poll() loop, next to whatever else it watches (here: standard input, where a line
 * "terminate" ends every job still running).
 *
 * The integration is three calls:
 *   cimjob_registry_fd()           a descriptor that becomes readable when a job has news;
 *   cimjob_registry_next_timeout() when the library's next timer (Terminate escalation, kill
 *                                  retries, TimeBeforeRemoval) is due: the poll() timeout;
 *   cimjob_registry_dispatch()     do what is ready, without blocking; callbacks run here.
 * The agent adds a policy of its own: a job running longer than 2 s is terminated.
 *
 * Build: cc agent-poll.c $(pkg-config --cflags --libs libcimjob) -o agent-poll
 */
#include <cimjob/cimjob.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_RUN_US 2000000 /* the agent's policy: no job runs longer than this */

static int running; /* jobs not yet in a final state */

static void on_change(const cimjob_event *ev, void *userdata)
{
    (void)userdata;
    printf("%s: %s -> %s\n", ev->instance_id, cimjob_job_state_name((int)ev->old_state),
           cimjob_job_state_name((int)ev->new_state));
    if (cimjob_job_state_is_final((int)ev->new_state))
        running--;
}

/* Terminate (asynchronously: the loop must not block) every job running for too long, or
 * every job when `all` is set. Returns microseconds until the next job would be too old. */
static int64_t enforce(cimjob_registry *reg, int all)
{
    cimjob_job **jobs;
    size_t n;
    int64_t next = -1;
    if (cimjob_registry_list(reg, &jobs, &n) != CIMJOB_RC_SUCCESS)
        return 100000;
    for (size_t i = 0; i < n; i++) {
        cimjob_info info = CIMJOB_INFO_INIT;
        if (cimjob_query(jobs[i], &info) != CIMJOB_RC_SUCCESS ||
            info.job_state != CIMJOB_JOB_STATE_RUNNING)
            continue;
        if (all || info.elapsed_time_us >= MAX_RUN_US) {
            cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
            ro.flags = CIMJOB_REQUEST_ASYNC;
            ro.timeout_us = 1000000; /* 1 s to go quietly, then a kill */
            int rsc = (int)cimjob_request_state_change_ex(jobs[i], CIMJOB_REQUEST_TERMINATE, &ro);
            printf("%s: Terminate -> %d (%s)\n", info.instance_id, rsc, cimjob_rsc_rc_name(rsc));
        } else {
            int64_t left = (int64_t)(MAX_RUN_US - info.elapsed_time_us);
            if (next < 0 || left < next)
                next = left;
        }
    }
    cimjob_job_list_free(jobs, n);
    return next;
}

int main(void)
{
    /* Three jobs: two finish on their own, one would run forever. */
    static const char *const cmds[][4] = {{"sleep", "0.5", NULL, NULL},
                                          {"sh", "-c", "sleep 1; exit 3", NULL},
                                          {"sleep", "3600", NULL, NULL}};
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_change;
    cimjob_registry *reg;
    intptr_t fd;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS ||
        cimjob_registry_fd(reg, &fd) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "agent: %s\n", cimjob_last_error());
        return 1;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
        jo.name = cmds[i][0];
        jo.argv = cmds[i];
        jo.flags = CIMJOB_JOB_START;
        jo.delete_on_completion = 0; /* keep them for the summary */
        running++; /* counted first: a start that fails ends the job inside cimjob_create() */
        if (cimjob_create(reg, &jo, NULL) != CIMJOB_RC_SUCCESS)
            running--;
    }

    int stdin_open = 1;
    while (running > 0) {
        /* Sleep until the library's next timer or the agent's own, whichever comes first. */
        int64_t lib_us, own_us = enforce(reg, 0);
        cimjob_registry_next_timeout(reg, &lib_us);
        int64_t us = lib_us < 0 ? own_us : own_us < 0 ? lib_us : lib_us < own_us ? lib_us : own_us;
        struct pollfd fds[2] = {{(int)fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        poll(fds, stdin_open ? 2 : 1, us < 0 ? -1 : (int)((us + 999) / 1000));
        if (fds[1].revents) {
            char line[64];
            if (!fgets(line, sizeof line, stdin))
                stdin_open = 0; /* end of input: keep serving the jobs */
            else if (strncmp(line, "terminate", 9) == 0)
                enforce(reg, 1);
        }
        cimjob_registry_dispatch(reg); /* observe exits, run timers, call on_change */
    }

    /* A summary of every job, from the registry itself. */
    cimjob_job **jobs;
    size_t n;
    if (cimjob_registry_list(reg, &jobs, &n) == CIMJOB_RC_SUCCESS) {
        for (size_t i = 0; i < n; i++) {
            cimjob_info info = CIMJOB_INFO_INIT;
            cimjob_query(jobs[i], &info);
            printf("%-12s %-6s %-10s ErrorCode %u\n", info.instance_id, info.name,
                   cimjob_job_state_name((int)info.job_state), (unsigned)info.error_code);
        }
        cimjob_job_list_free(jobs, n);
    }
    cimjob_registry_free(reg);
    return 0;
}
