/*
 * run-and-wait: the smallest useful libcimjob program. Create a job, start it, wait for it to
 * end, then query and print its CIM properties (CIM_ConcreteJob).
 *
 *   run-and-wait                     runs: sh -c 'echo hello from the job; sleep 1'
 *   run-and-wait COMMAND [ARG...]    runs COMMAND
 *
 * Build: cc run-and-wait.c $(pkg-config --cflags --libs libcimjob) -o run-and-wait
 */
#include <cimjob/cimjob.h>

#include <stdio.h>

/* Print a time property as a CIM datetime; CIM NULL (a job never started) prints as NULL. */
static void print_time(const cimjob_info *info, const char *name, cimjob_time_property prop)
{
    char buf[CIMJOB_DATETIME_SIZE];
    if (cimjob_info_format_time(info, prop, buf) == CIMJOB_RC_SUCCESS)
        printf("  %-22s %s\n", name, buf);
    else
        printf("  %-22s NULL\n", name);
}

int main(int argc, char **argv)
{
    const char *fallback[] = {"sh", "-c", "echo hello from the job; sleep 1", NULL};
    const char *const *command = argc > 1 ? (const char *const *)(argv + 1) : fallback;

    /* 1. A registry with the platform's process backend (posix, or win32 on Windows). */
    cimjob_registry *reg;
    cimjob_rc rc = cimjob_registry_new(NULL, &reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "registry: %s (%s)\n", cimjob_rc_name(rc), cimjob_last_error());
        return 1;
    }

    /* 2. A job. CIMJOB_JOB_START starts it at once: New -> Starting -> Running. Keep it after
     *    it ends (DeleteOnCompletion false) so we can query it at leisure. */
    cimjob_job_options opts = CIMJOB_JOB_OPTIONS_INIT;
    opts.name = "run-and-wait example";
    opts.argv = command;
    opts.flags = CIMJOB_JOB_START;
    opts.delete_on_completion = 0;
    cimjob_job *job;
    rc = cimjob_create(reg, &opts, &job);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "create: %s (%s)\n", cimjob_rc_name(rc), cimjob_last_error());
        cimjob_registry_free(reg);
        return 1;
    }

    /* 3. Wait for a final JobState (Completed, Terminated, Killed or Exception). A start that
     *    failed (command not found) is already final: Exception, ErrorCode 127. */
    cimjob_job_state state;
    cimjob_wait(job, CIMJOB_STATES_FINAL, -1, &state);

    /* 4. Query the job's CIM properties. */
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_query(job, &info);
    printf("CIM_ConcreteJob\n");
    printf("  %-22s %s\n", "InstanceID", info.instance_id);
    printf("  %-22s %s\n", "Name", info.name);
    printf("  %-22s %d (%s)\n", "JobState", (int)info.job_state,
           cimjob_job_state_name((int)info.job_state));
    print_time(&info, "TimeSubmitted", CIMJOB_PROP_TIME_SUBMITTED);
    print_time(&info, "StartTime", CIMJOB_PROP_START_TIME);
    print_time(&info, "TimeOfLastStateChange", CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE);
    print_time(&info, "ElapsedTime", CIMJOB_PROP_ELAPSED_TIME);
    print_time(&info, "TimeBeforeRemoval", CIMJOB_PROP_TIME_BEFORE_REMOVAL);
    printf("  %-22s %s\n", "DeleteOnCompletion", info.delete_on_completion ? "true" : "false");
    printf("  %-22s %u\n", "PercentComplete", info.percent_complete);
    printf("  %-22s %u\n", "ErrorCode", (unsigned)info.error_code);
    printf("  %-22s %s\n", "ErrorDescription", info.error_description);
    printf("  %-22s %s\n", "JobStatus", info.job_status);
    printf("  %-22s %s\n", "Owner", info.owner);
    printf("  %-22s", "OperationalStatus"); /* e.g. 17 2: Completed, OK */
    for (unsigned i = 0; i < info.operational_status_count; i++)
        printf(" %u", info.operational_status[i]);
    printf("\n");

    /* 5. Release our reference and free the registry (it would end any job still running). */
    cimjob_job_release(job);
    cimjob_registry_free(reg);
    return state == CIMJOB_JOB_STATE_COMPLETED ? 0 : 1;
}
