/*
 * agent-libuv: the agent-poll example on libuv. The registry's descriptor is a uv_poll_t, the
 * library's next timer a uv_timer_t; both call cimjob_registry_dispatch(), and a small helper
 * re-arms the timer after every dispatch. libuv owns the loop; libcimjob starts no thread.
 *
 * Build: cc agent-libuv.c $(pkg-config --cflags --libs libcimjob libuv) -o agent-libuv
 */
#include <cimjob/cimjob.h>

#include <stdio.h>
#include <uv.h>

static cimjob_registry *reg;
static uv_poll_t poll_handle;
static uv_timer_t timer; /* the library's next timer */
static uv_timer_t limit; /* the agent's own policy: terminate the long job after 1 s */
static cimjob_job *long_job;
static int running;

static void on_change(const cimjob_event *ev, void *userdata)
{
    (void)userdata;
    printf("%s: %s -> %s\n", ev->instance_id, cimjob_job_state_name((int)ev->old_state),
           cimjob_job_state_name((int)ev->new_state));
    if (cimjob_job_state_is_final((int)ev->new_state))
        running--;
}

/* Nothing left to watch: close our handles, so that uv_run() returns. */
static void stop(void)
{
    if (uv_is_closing((uv_handle_t *)&poll_handle))
        return;
    uv_close((uv_handle_t *)&poll_handle, NULL);
    uv_close((uv_handle_t *)&timer, NULL);
    uv_close((uv_handle_t *)&limit, NULL);
}

static void on_timer(uv_timer_t *t);

/* Dispatch, then arm the timer for the library's next deadline (or stop when all ended). */
static void dispatch(void)
{
    cimjob_registry_dispatch(reg);
    int64_t us;
    if (running == 0)
        stop();
    else if (cimjob_registry_next_timeout(reg, &us) == CIMJOB_RC_SUCCESS) {
        if (us >= 0)
            uv_timer_start(&timer, on_timer, (uint64_t)(us + 999) / 1000, 0);
        else
            uv_timer_stop(&timer);
    }
}

static void on_timer(uv_timer_t *t)
{
    (void)t;
    dispatch();
}

static void on_readable(uv_poll_t *p, int status, int events)
{
    (void)p;
    (void)status;
    (void)events;
    dispatch();
}

static void on_limit(uv_timer_t *t)
{
    (void)t;
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC; /* never block the loop */
    ro.timeout_us = 1000000;
    int rsc = (int)cimjob_request_state_change_ex(long_job, CIMJOB_REQUEST_TERMINATE, &ro);
    printf("Terminate -> %d (%s)\n", rsc, cimjob_rsc_rc_name(rsc));
    dispatch();
}

int main(void)
{
    static const char *const quick[] = {"sleep", "0.3", NULL};
    static const char *const slow[] = {"sleep", "3600", NULL};
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_change;
    intptr_t fd;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS ||
        cimjob_registry_fd(reg, &fd) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "agent: %s\n", cimjob_last_error());
        return 1;
    }
    uv_loop_t *loop = uv_default_loop();
    uv_poll_init(loop, &poll_handle, (int)fd);
    uv_poll_start(&poll_handle, UV_READABLE, on_readable);
    uv_timer_init(loop, &timer);
    uv_timer_init(loop, &limit);

    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.flags = CIMJOB_JOB_START;
    jo.name = "quick";
    jo.argv = quick;
    running++; /* counted first: a start that fails ends the job inside cimjob_create() */
    if (cimjob_create(reg, &jo, NULL) != CIMJOB_RC_SUCCESS)
        running--;
    jo.name = "slow";
    jo.argv = slow;
    running++;
    if (cimjob_create(reg, &jo, &long_job) != CIMJOB_RC_SUCCESS)
        running--;
    if (running > 0)
        uv_timer_start(&limit, on_limit, 1000, 0);
    else
        stop();
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    cimjob_job_release(long_job);
    cimjob_registry_free(reg);
    return 0;
}
