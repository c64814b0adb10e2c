/*
 * terminate-tree: end a whole process tree, gracefully first, then for certain.
 *
 * The job's shell starts two children, one of which ignores SIGTERM. A Terminate with a
 * one-second TimeoutPeriod sends SIGTERM to every process of the job and, when the
 * TimeoutPeriod passes with processes still there, escalates to a kill: the call answers 3
 * ("Can NOT complete within Timeout Period") and the job still ends Terminated. Then a second
 * job is ended with KillJob, the deprecated but still supported CIM method.
 *
 * Build: cc terminate-tree.c $(pkg-config --cflags --libs libcimjob) -o terminate-tree
 */
#include <cimjob/cimjob.h>

#include <stdio.h>

static void on_change(const cimjob_event *ev, void *userdata)
{
    (void)userdata;
    printf("  %s: %s -> %s\n", ev->instance_id, cimjob_job_state_name((int)ev->old_state),
           cimjob_job_state_name((int)ev->new_state));
}

/* Start a job running a small tree: a shell with a plain child and one that ignores SIGTERM;
 * once both are started, the shell ignores SIGTERM too. */
static cimjob_job *start_tree(cimjob_registry *reg, const char *name)
{
    static const char *const tree[] = {
        "sh", "-c", "sleep 600 & sh -c 'trap \"\" TERM; sleep 600' & trap '' TERM; wait", NULL};
    cimjob_job_options opts = CIMJOB_JOB_OPTIONS_INIT;
    opts.name = name;
    opts.argv = tree;
    opts.flags = CIMJOB_JOB_START;
    cimjob_job *job = NULL;
    if (cimjob_create(reg, &opts, &job) != CIMJOB_RC_SUCCESS)
        fprintf(stderr, "create: %s\n", cimjob_last_error());
    return job;
}

int main(void)
{
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_change; /* runs on our thread, in order */
    cimjob_registry *reg;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "registry: %s\n", cimjob_last_error());
        return 1;
    }

    /* 1. RequestStateChange(Terminate) with TimeoutPeriod 1 s, on a tree that resists. */
    cimjob_job *job = start_tree(reg, "tree to terminate");
    if (!job)
        return 1;
    cimjob_wait(job, CIMJOB_STATES_FINAL, 300000, NULL); /* let the tree grow for 0.3 s */
    int rsc =
        cimjob_request_state_change(job, CIMJOB_REQUEST_TERMINATE, "00000000000001.000000:000");
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_query(job, &info);
    printf("Terminate -> %d (%s): JobState %s, escalated %d\n  JobStatus: %s\n", rsc,
           cimjob_rsc_rc_name(rsc), cimjob_job_state_name((int)info.job_state), info.escalated,
           info.job_status);
    cimjob_job_release(job);

    /* 2. KillJob(DeleteOnKill = 1): kill at once, then remove the job from the registry. */
    job = start_tree(reg, "tree to kill");
    if (!job)
        return 1;
    cimjob_rc rc = cimjob_kill_job(job, 1);
    printf("KillJob -> %d (%s); a query now answers %s: the job was deleted\n", (int)rc,
           cimjob_rc_name((int)rc), cimjob_rc_name((int)cimjob_query(job, &info)));
    cimjob_job_release(job);

    cimjob_registry_free(reg);
    return rsc == CIMJOB_RSC_TIMEOUT && rc == CIMJOB_RC_SUCCESS ? 0 : 1;
}
