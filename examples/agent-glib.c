/*
 * agent-glib: the agent-poll example on a GLib main loop. The registry's descriptor is watched
 * with g_unix_fd_add(), the library's next timer is a GLib timeout re-armed after every
 * dispatch, and the agent's own policy (terminate the long job after 1 s) is one more timeout.
 *
 * Build: cc agent-glib.c $(pkg-config --cflags --libs libcimjob glib-2.0) -o agent-glib
 */
#include <cimjob/cimjob.h>

#include <glib-unix.h>
#include <glib.h>
#include <stdio.h>

static cimjob_registry *reg;
static GMainLoop *loop;
static guint timer_id; /* the library's next timer, 0 when none */
static int running;

static void on_change(const cimjob_event *ev, void *userdata)
{
    (void)userdata;
    printf("%s: %s -> %s\n", ev->instance_id, cimjob_job_state_name((int)ev->old_state),
           cimjob_job_state_name((int)ev->new_state));
    if (cimjob_job_state_is_final((int)ev->new_state) && --running == 0)
        g_main_loop_quit(loop);
}

static gboolean on_timer(gpointer data);

/* Dispatch, then re-arm the timer for the library's next deadline. */
static void dispatch(void)
{
    cimjob_registry_dispatch(reg);
    if (timer_id)
        g_source_remove(timer_id);
    timer_id = 0;
    int64_t us;
    if (cimjob_registry_next_timeout(reg, &us) == CIMJOB_RC_SUCCESS && us >= 0)
        timer_id = g_timeout_add((guint)((us + 999) / 1000), on_timer, NULL);
}

static gboolean on_timer(gpointer data)
{
    (void)data;
    timer_id = 0; /* this source ends when we return FALSE */
    dispatch();
    return G_SOURCE_REMOVE;
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data)
{
    (void)fd;
    (void)cond;
    (void)data;
    dispatch();
    return G_SOURCE_CONTINUE;
}

static gboolean on_limit(gpointer job)
{
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC; /* never block the loop */
    ro.timeout_us = 1000000;
    int rsc = (int)cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &ro);
    printf("Terminate -> %d (%s)\n", rsc, cimjob_rsc_rc_name(rsc));
    dispatch();
    return G_SOURCE_REMOVE;
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
    loop = g_main_loop_new(NULL, FALSE);
    guint fd_id = g_unix_fd_add((gint)fd, G_IO_IN, on_readable, NULL);

    cimjob_job *slow_job = NULL;
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
    if (cimjob_create(reg, &jo, &slow_job) == CIMJOB_RC_SUCCESS)
        g_timeout_add(1000, on_limit, slow_job);
    else
        running--;

    if (running > 0)
        g_main_loop_run(loop);
    g_source_remove(fd_id);
    if (timer_id)
        g_source_remove(timer_id);
    g_main_loop_unref(loop);
    cimjob_job_release(slow_job);
    cimjob_registry_free(reg);
    return 0;
}
