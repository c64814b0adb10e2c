/*
 * custom-backend: a job that is not a process. A simulated VM migration runs on a worker
 * thread of its own, reports PercentComplete as it goes, and receives the Terminate ("cancel
 * the migration") and Kill requests of CIM clients through a user-supplied backend.
 *
 * The backend has no wait/dispatch slots: its events arrive as reports from the worker thread,
 * and the core waits for them on its own condition variable. It has no suspend slot, so a
 * Suspend request is answered Not Supported (1) by the core without calling anything.
 */
#include <cimjob/cimjob.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* One migration: what the worker thread needs. */
typedef struct migration {
    cimjob_job *job; /* a token for reports */
    pthread_t thread;
    atomic_int cancel; /* 1: cancel cleanly (Terminate), 2: abandon now (Kill) */
} migration;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *migrate(void *arg)
{
    migration *m = arg;
    cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
    for (unsigned pct = 0; pct <= 100; pct += 10) {
        int c = atomic_load(&m->cancel);
        if (c) {
            /* A cancel rolls the VM back; a kill just stops copying. */
            r.error_code = 1;
            r.error_description = c == 1 ? "migration cancelled, VM rolled back to the source"
                                         : "migration abandoned";
            break;
        }
        cimjob_set_percent_complete(m->job, pct);
        sleep_ms(50); /* copying memory pages ... */
    }
    cimjob_backend_report_exit(m->job, &r);
    return NULL;
}

/* ---- the backend: five small functions --------------------------------------------------- */

static cimjob_rc vm_open(const cimjob_backend_host *host, void *config, void **state)
{
    (void)host;
    *state = config; /* nothing shared between migrations in this example */
    return CIMJOB_RC_SUCCESS;
}

static void vm_close(void *state)
{
    (void)state;
}

static cimjob_rc vm_spawn(void *state, cimjob_job *job, const cimjob_job_options *opts,
                          void **job_state)
{
    (void)state;
    (void)opts; /* opts->backend_data would name the VM and the destination host */
    migration *m = calloc(1, sizeof *m);
    if (!m)
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "vm: out of memory");
    m->job = job;
    if (pthread_create(&m->thread, NULL, migrate, m) != 0) {
        free(m);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "vm: cannot start the migration thread");
    }
    *job_state = m;
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc vm_terminate(void *state, void *job_state)
{
    (void)state;
    atomic_store(&((migration *)job_state)->cancel, 1);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc vm_kill(void *state, void *job_state)
{
    (void)state;
    atomic_store(&((migration *)job_state)->cancel, 2);
    return CIMJOB_RC_SUCCESS;
}

static void vm_release(void *state, void *job_state)
{
    migration *m = job_state;
    (void)state;
    pthread_join(m->thread, NULL);
    free(m);
}

static const cimjob_backend vm_backend = {
    .version = CIMJOB_BACKEND_VERSION,
    .name = "vm-migration",
    .caps = CIMJOB_CAP_TIMEOUT, /* a Terminate can be escalated to vm_kill */
    .open = vm_open,
    .close = vm_close,
    .spawn = vm_spawn,
    .terminate = vm_terminate,
    .kill = vm_kill,
    .release = vm_release,
    /* suspend, resume, service: NULL, so Not Supported; no wait/dispatch: reports only. */
};

static void on_change(const cimjob_event *ev, void *userdata)
{
    (void)userdata;
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_query(ev->job, &info);
    printf("  %s: %s -> %s (%u%%)\n", ev->instance_id, cimjob_job_state_name((int)ev->old_state),
           cimjob_job_state_name((int)ev->new_state), info.percent_complete);
}

int main(void)
{
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.org_id = "Example";
    ro.backend = &vm_backend;
    ro.on_state_change = on_change;
    cimjob_registry *reg;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "custom-backend: %s\n", cimjob_last_error());
        return 1;
    }

    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = "Migrate VM web-01 to host-b";
    jo.flags = CIMJOB_JOB_START;
    cimjob_job *a, *b;
    cimjob_create(reg, &jo, &a);
    jo.name = "Migrate VM db-01 to host-c";
    cimjob_create(reg, &jo, &b);

    /* A Suspend: the backend has no suspend slot. */
    int rsc = cimjob_request_state_change(b, CIMJOB_REQUEST_SUSPEND, NULL);
    printf("Suspend db-01 -> %d (%s)\n", rsc, cimjob_rsc_rc_name(rsc));

    /* Cancel db-01 after a moment; let web-01 finish. */
    sleep_ms(120);
    rsc = cimjob_request_state_change(b, CIMJOB_REQUEST_TERMINATE, "00000000000001.000000:000");
    printf("Terminate db-01 -> %d (%s)\n", rsc, cimjob_rsc_rc_name(rsc));
    cimjob_wait(a, CIMJOB_STATES_FINAL, -1, NULL);

    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_query(a, &info);
    printf("web-01: %s, PercentComplete %u\n", cimjob_job_state_name((int)info.job_state),
           info.percent_complete);
    cimjob_query(b, &info);
    printf("db-01: %s, %s\n", cimjob_job_state_name((int)info.job_state), info.error_description);

    cimjob_job_release(a);
    cimjob_job_release(b);
    cimjob_registry_free(reg);
    return 0;
}
