/*
 * Jobs: creation, snapshots, RequestStateChange and KillJob applied through the state table,
 * the end of a job as a backend reports it, and retention.
 */
#include <cimjob/cim_error.h>

#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "state.h"
#include "text.h"

/* Depth of backend slot calls made by the core on this thread: a report made from inside one
 * must not run callbacks (the caller may hold the pump). */
static _Thread_local int in_backend;

#define KNOWN_JOB_FLAGS                                                                            \
    (CIMJOB_JOB_START | CIMJOB_JOB_WAIT_FOR_ALL | CIMJOB_JOB_DIE_WITH_HOST |                       \
     CIMJOB_JOB_INHERIT_FDS | CIMJOB_JOB_FOREGROUND | CIMJOB_JOB_INHERIT_SIGNALS)
#define KNOWN_REQUEST_FLAGS (CIMJOB_REQUEST_ASYNC | CIMJOB_REQUEST_NO_ESCALATE)
/* JobStatus of a job in the run queue. */
#define QUEUE_WAIT_TEXT "Waiting for a run slot (the registry's limit of running jobs)"

/* ---- options ------------------------------------------------------------------------------ */

cimjob_rc cimjob_job_options_init(cimjob_job_options *opts, unsigned int version)
{
    if (!opts)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_job_options_init: opts is NULL");
    if (version != CIMJOB_JOB_OPTIONS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION,
                            "cimjob_job_options_init: unknown version %u", version);
    cimjob_job_options def = CIMJOB_JOB_OPTIONS_INIT;
    *opts = def;
    return CIMJOB_RC_SUCCESS;
}

static size_t strv_len(const char *const *v)
{
    size_t n = 0;
    while (v[n])
        n++;
    return n;
}

/* One block: the pointer array followed by the strings. */
static const char *const *strv_dup(const char *const *v)
{
    size_t n = strv_len(v), bytes = (n + 1) * sizeof(char *);
    for (size_t i = 0; i < n; i++)
        bytes += strlen(v[i]) + 1;
    char **out = cimjob__malloc(bytes);
    if (!out)
        return NULL;
    char *p = (char *)(out + n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(p, v[i], len);
        out[i] = p;
        p += len;
    }
    out[n] = NULL;
    return (const char *const *)out;
}

static cimjob_rc validate_options(cimjob_registry *reg, const cimjob_job_options *o)
{
    if (o->version != CIMJOB_JOB_OPTIONS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "cimjob_create: unknown options version %u",
                            o->version);
    if (!o->name || !*o->name)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_create: Name is required");
    if (strlen(o->name) > CIMJOB_NAME_MAX)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_create: Name is longer than %d bytes", CIMJOB_NAME_MAX);
    if (!cimjob__utf8_valid(o->name))
        return cimjob__fail(CIMJOB_RC_INVALID_UTF8, "cimjob_create: Name is not valid UTF-8");
    if (o->local_id && !cimjob__utf8_valid(o->local_id))
        return cimjob__fail(CIMJOB_RC_INVALID_UTF8, "cimjob_create: LocalID is not valid UTF-8");
    if (o->owner && !cimjob__utf8_valid(o->owner))
        return cimjob__fail(CIMJOB_RC_INVALID_UTF8, "cimjob_create: Owner is not valid UTF-8");
    if (o->local_id && (!*o->local_id || strchr(o->local_id, ':')))
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_create: LocalID must be non-empty and without ':'");
    if (o->flags & ~(unsigned int)KNOWN_JOB_FLAGS)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_create: unknown flags 0x%x",
                            o->flags & ~(unsigned int)KNOWN_JOB_FLAGS);
    if ((int)o->containment < CIMJOB_CONTAINMENT_AUTO ||
        (int)o->containment > CIMJOB_CONTAINMENT_NONE)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_create: unknown containment %d",
                            (int)o->containment);
    for (int i = 0; i < 3; i++) {
        const cimjob_stdio *s = &o->stdio[i];
        if ((int)s->mode < CIMJOB_STDIO_INHERIT || (int)s->mode > CIMJOB_STDIO_FD)
            return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                                "cimjob_create: stdio[%d] has unknown mode %d", i, (int)s->mode);
        if (s->mode == CIMJOB_STDIO_FILE && (!s->path || !*s->path))
            return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                                "cimjob_create: stdio[%d] is a file without a path", i);
        if (s->mode == CIMJOB_STDIO_FD && s->fd < 0)
            return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                                "cimjob_create: stdio[%d] descriptor %ld is negative", i,
                                (long)s->fd);
    }
    if (o->time_before_removal_us > CIMJOB_INTERVAL_MAX_US)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_create: TimeBeforeRemoval exceeds the CIM interval maximum");
    if (o->owner && strlen(o->owner) > CIMJOB_TEXT_MAX)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_create: Owner is longer than %d bytes", CIMJOB_TEXT_MAX);
    if (reg->be->caps & CIMJOB_CAP_PROCESSES) {
        if (!o->argv || !o->argv[0] || !*o->argv[0])
            return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                                "cimjob_create: backend '%s' needs argv with a program in argv[0]",
                                reg->be->name);
    }
    return CIMJOB_RC_SUCCESS;
}

/* ---- lifetime ----------------------------------------------------------------------------- */

cimjob_job *cimjob_job_ref(cimjob_job *job)
{
    if (job)
        atomic_fetch_add_explicit(&job->refs, 1, memory_order_relaxed);
    return job;
}

void cimjob_job_release(cimjob_job *job)
{
    if (job && atomic_fetch_sub_explicit(&job->refs, 1, memory_order_acq_rel) == 1)
        cimjob__job_destroy(job);
}

static void free_copies(cimjob_job *job)
{
    cimjob_job_options *o = &job->spawn_opts;
    cimjob__free(cimjob__unconst(o->argv));
    cimjob__free(cimjob__unconst(o->envp));
    cimjob__free(cimjob__unconst(o->cwd));
    for (int i = 0; i < 3; i++)
        cimjob__free(cimjob__unconst(o->stdio[i].path));
    cimjob__free(job->instance_id);
    cimjob__free(job->name);
    cimjob__free(job->owner);
    cimjob__free(job->error_description);
    cimjob__free(job->job_status);
    if (job->plan) {
        cimjob__free(job->plan->notify);
        cimjob__free(job->plan->other_recovery_action);
        cimjob__free(job->plan);
    }
    cimjob__job_clear_errors(job);
}

/* Replace a text property (ErrorDescription, JobStatus), cut to CIMJOB_TEXT_MAX bytes at a
 * character boundary, with bytes that are not UTF-8 (a backend's text may carry a file name)
 * replaced by '?'; "" frees it. With job->lock held. Returns -1 when memory runs out: the old
 * text is then dropped, never left half-written. */
static int set_text(char **field, const char *text)
{
    int empty = 0;
    char *p = cimjob__utf8_dup_clean(text, CIMJOB_TEXT_MAX, &empty);
    cimjob__free(*field);
    *field = p;
    return !empty && !p ? -1 : 0;
}

void cimjob__job_destroy(cimjob_job *job)
{
    cimjob_registry *reg = job->reg;
    if (job->user_destroy)
        job->user_destroy(job->user_data);
    free_copies(job);
    cimjob__mutex_destroy(&job->lock);
    cimjob__mutex_destroy(&job->op_lock);
    cimjob__free(job);
    cimjob__reg_unref(reg);
}

const char *cimjob_job_instance_id(const cimjob_job *job)
{
    return job && job->instance_id ? job->instance_id : "";
}

/* ---- state changes ------------------------------------------------------------------------ */

/* With job->lock held. */
static void set_state(cimjob_job *job, cimjob_job_state st)
{
    cimjob_job_state old = job->state;
    if (old == st)
        return;
    job->state = st;
    if (st == CIMJOB_JOB_STATE_SUSPENDED) {
        job->suspended_since = cimjob__reg_now(job->reg);
    } else if (old == CIMJOB_JOB_STATE_SUSPENDED && job->suspended_since >= 0) {
        int64_t now = cimjob__reg_now(job->reg);
        if (now > job->suspended_since)
            job->suspended_us += (uint64_t)(now - job->suspended_since);
        job->suspended_since = -1;
    }
    job->time_of_last_state_change_us = cimjob__reg_realtime(job->reg);
    uint32_t changed = CIMJOB_PROPERTY_JOB_STATE | job->changed_acc;
    job->changed_acc = 0;
    cimjob__reg_changed(job->reg, job, old, st, job->time_of_last_state_change_us, changed);
}

/* The CIM_Error that says why a job ended in Exception. With job->lock held. */
static void record_end_error(cimjob_job *job, int starting)
{
    char num[24], num2[24];
    const char *desc = job->error_description ? job->error_description : "";
    const char *argv0 = job->spawn_opts.argv ? job->spawn_opts.argv[0] : job->name;
    snprintf(num, sizeof num, "%lu", (unsigned long)job->error_code);
    /* A program that ran and ended before the job left Starting (a quick `exit 3`) is not a
     * failed start: only a spawn error or the helper's 126/127 (exec failed) are. */
    if (starting && !job->spawn_rc && job->error_code != 126 && job->error_code != 127 &&
        (job->exit_status > 0 || job->term_signal > 0))
        starting = 0;
    if (starting) {
        const char *args[2] = {argv0, desc};
        if (job->spawn_rc == CIMJOB_RC_NOT_SUPPORTED &&
            job->containment_req != CIMJOB_CONTAINMENT_AUTO) {
            const char *cargs[2] = {cimjob_containment_name((int)job->containment_req), desc};
            cimjob__job_add_error(job, CIMJOB_MSG_CONTAINMENT_UNAVAILABLE, 1, job->error_code, 0, 2,
                                  cargs);
        } else if (!job->spawn_rc && job->error_code == 127) {
            cimjob__job_add_error(job, CIMJOB_MSG_COMMAND_NOT_FOUND, 1, 127, 0, 1, args);
        } else if (!job->spawn_rc && job->error_code == 126 &&
                   strncmp(desc, "command not executable", 22) == 0) {
            cimjob__job_add_error(job, CIMJOB_MSG_COMMAND_NOT_EXECUTABLE, 1, 126, 0, 2, args);
        } else {
            const char *sargs[1] = {*desc ? desc : cimjob_rc_name((int)job->error_code)};
            cimjob__job_add_error(job, CIMJOB_MSG_SPAWN_FAILED, 1, job->error_code,
                                  job->spawn_rc ? cimjob_rc_to_cim_status(job->spawn_rc) : 0, 1,
                                  sargs);
        }
    } else if (job->term_signal > 0) {
        /* The signal's name when the backend's text carries one ("... (SIGKILL)"). */
        char name[32] = "";
        const char *open = strchr(desc, '(');
        const char *close = open ? strchr(open, ')') : NULL;
        if (open && close && (size_t)(close - open - 1) < sizeof name) {
            memcpy(name, open + 1, (size_t)(close - open - 1));
            name[close - open - 1] = '\0';
        }
        snprintf(num2, sizeof num2, "%d", job->term_signal);
        const char *args[2] = {num2, *name ? name : desc};
        cimjob__job_add_error(job, CIMJOB_MSG_KILLED_BY_SIGNAL, 1, job->error_code, 0, 2, args);
    } else if (job->exit_status > 0) {
        snprintf(num2, sizeof num2, "%d", job->exit_status);
        const char *args[1] = {num2};
        cimjob__job_add_error(job, CIMJOB_MSG_EXIT_STATUS, 1, job->error_code, 0, 1, args);
    } else {
        const char *args[2] = {num, desc};
        cimjob__job_add_error(job, CIMJOB_MSG_JOB_FAILED, 1, job->error_code, 0, 2, args);
    }
}

/* The job has ended: its final state from what was asked and what happened. With job->lock. */
static void finalize(cimjob_job *job, const cimjob_backend_result *r)
{
    cimjob_job_state final;
    cimjob__queue_leave(job); /* its run slot, or its place in the queue */
    job->waiting = CIMJOB_WAITING_NONE;
    job->ended = 1;
    job->end_mono_us = cimjob__reg_now(job->reg);
    if (r) {
        job->error_code = r->error_code;
        job->exit_status = r->exit_status;
        job->term_signal = r->term_signal;
        job->core_dumped = r->version >= 2 && r->core_dumped && r->term_signal > 0;
        /* Out of memory loses the description, never the end of the job. */
        (void)set_text(&job->error_description, r->error_description ? r->error_description : "");
    }
    if (job->pending == CIMJOB__PENDING_KILL)
        final = CIMJOB_JOB_STATE_KILLED;
    else if (job->pending == CIMJOB__PENDING_TERMINATE)
        final = CIMJOB_JOB_STATE_TERMINATED;
    else if (job->error_code == 0)
        final = CIMJOB_JOB_STATE_COMPLETED;
    else
        final = CIMJOB_JOB_STATE_EXCEPTION;
    if (final == CIMJOB_JOB_STATE_COMPLETED && job->percent != 100) {
        job->percent = 100;
        job->changed_acc |= CIMJOB_PROPERTY_PERCENT_COMPLETE;
    }
    job->changed_acc |= CIMJOB_PROPERTY_ERROR | CIMJOB_PROPERTY_ELAPSED_TIME;
    if (final == CIMJOB_JOB_STATE_EXCEPTION)
        record_end_error(job, job->state == CIMJOB_JOB_STATE_STARTING);
    /* A recurring job whose run ended by itself waits for its next run, Suspended (the MOF:
     * "stopped, but can be restarted in a seamless manner"), unless its runs are exhausted or
     * the next would start after UntilTime. A Terminate or Kill ends the recurrence. */
    if ((final == CIMJOB_JOB_STATE_COMPLETED || final == CIMJOB_JOB_STATE_EXCEPTION) &&
        job->runs > 0 && cimjob__plan_of(job)->job_run_times != 1 &&
        (cimjob__plan_of(job)->job_run_times == 0 ||
         job->runs < cimjob__plan_of(job)->job_run_times) &&
        cimjob__sched_plan(job, 0)) {
        job->ended = 0;
        job->between_runs = 1;
        job->plan->until_at = -1; /* a plan exists: sched_plan planned a run */
        job->changed_acc |= CIMJOB_PROPERTY_JOB_STATUS;
        set_state(job, CIMJOB_JOB_STATE_SUSPENDED);
        return;
    }
    job->between_runs = 0;
    if (job->plan) {
        job->plan->run_at = -1;
        job->plan->next_run_us = CIMJOB_TIME_NONE;
    }
    if (final == CIMJOB_JOB_STATE_EXCEPTION)
        ; /* recorded above */
    else if (final == CIMJOB_JOB_STATE_TERMINATED)
        cimjob__job_add_error(job, CIMJOB_MSG_TERMINATED_BY_REQUEST, 1, job->error_code, 0, 0,
                              NULL);
    else if (final == CIMJOB_JOB_STATE_KILLED)
        cimjob__job_add_error(job, CIMJOB_MSG_KILLED_BY_REQUEST, 1, job->error_code, 0, 0, NULL);
    set_state(job, final);
}

/* Retention, once the job has ended; no job lock held. */
static void after_end(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    int del = job->delete_on_kill, keep = job->keep, removed = job->removed;
    int64_t at = -1;
    if (job->between_runs)
        removed = 1; /* not the end: no retention yet (the queue is kicked below) */
    else if (!del && !keep && !removed && job->delete_on_completion) {
        uint64_t tbr = job->time_before_removal_us;
        job->remove_at = at = job->end_mono_us + (int64_t)tbr;
    }
    cimjob__mutex_unlock(&job->lock);
    /* A run slot is free: start the next waiting job, here or (inside a backend call, where
     * starting another job would re-enter the backend) at the next dispatch. */
    if (in_backend)
        cimjob__reg_timer_add(job->reg, job, CIMJOB__TIMER_QUEUE, cimjob__reg_now(job->reg));
    else
        cimjob__queue_kick(job->reg);
    if (removed)
        return;
    if (del)
        cimjob__job_remove_cause(job, CIMJOB_REMOVAL_DELETE_ON_KILL);
    else if (at >= 0)
        cimjob__reg_timer_add(job->reg, job, CIMJOB__TIMER_REMOVE, at);
}

void cimjob__job_end_recurrence(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    if (!job->between_runs || job->busy || job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    /* No run is left: the job ends as its last run did. */
    job->between_runs = 0;
    job->ended = 1;
    if (job->plan) {
        job->plan->run_at = -1;
        job->plan->next_run_us = CIMJOB_TIME_NONE;
    }
    job->waiting = CIMJOB_WAITING_NONE;
    set_state(job, job->error_code ? CIMJOB_JOB_STATE_EXCEPTION : CIMJOB_JOB_STATE_COMPLETED);
    cimjob__mutex_unlock(&job->lock);
    after_end(job);
    cimjob__reg_deliver(job->reg);
}

void cimjob__job_rearm_retention(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    int64_t at = -1;
    if (job->ended && !job->removed && !job->keep && !job->delete_on_kill &&
        job->delete_on_completion) {
        job->remove_at = at = job->end_mono_us + (int64_t)job->time_before_removal_us;
    }
    cimjob__mutex_unlock(&job->lock);
    if (at >= 0)
        cimjob__reg_timer_add(job->reg, job, CIMJOB__TIMER_REMOVE, at);
}

cimjob_rc cimjob_backend_report_exit(cimjob_job *job, const cimjob_backend_result *result)
{
    if (!job || !result)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_backend_report_exit: NULL argument");
    if (result->version != 1 && result->version != 2)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_backend_report_exit: unknown result version %u",
                            result->version);
    cimjob__mutex_lock(&job->lock);
    if (job->ended) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_INVALID_STATE,
                            "cimjob_backend_report_exit: job '%s' has already ended",
                            job->instance_id);
    }
    finalize(job, result);
    /* Hold the job until this call returns: once its release is queued, another thread's
     * drain and the removal by DeleteOnKill can drop every other reference (a reporting
     * thread of a user backend read freed memory here: tests/test_threads.c). */
    cimjob_job_ref(job);
    cimjob__mutex_unlock(&job->lock);
    cimjob_registry *reg = job->reg;
    cimjob__reg_queue_release(reg, job);
    after_end(job);
    if (!in_backend)
        cimjob__reg_deliver(reg);
    cimjob_job_release(job);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_set_percent_complete(cimjob_job *job, unsigned int percent)
{
    if (!job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_set_percent_complete: job is NULL");
    if (percent > 100)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_set_percent_complete: %u is over 100", percent);
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    cimjob__mutex_lock(&job->lock);
    if (job->removed)
        rc = cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_set_percent_complete: job was removed");
    else if (job->ended)
        rc = cimjob__fail(CIMJOB_RC_INVALID_STATE, "cimjob_set_percent_complete: job has ended");
    else if (job->percent != percent) {
        job->percent = percent;
        cimjob__reg_indicate(job->reg, job, CIMJOB_EVENT_MODIFICATION,
                             CIMJOB_PROPERTY_PERCENT_COMPLETE, CIMJOB_REMOVAL_NONE);
    }
    cimjob__mutex_unlock(&job->lock);
    if (!in_backend)
        cimjob__reg_deliver(job->reg);
    return rc;
}

cimjob_rc cimjob_set_job_status(cimjob_job *job, const char *status)
{
    if (!job || !status)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_set_job_status: NULL argument");
    if (strlen(status) > CIMJOB_TEXT_MAX)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_set_job_status: longer than %d bytes", CIMJOB_TEXT_MAX);
    if (!cimjob__utf8_valid(status))
        return cimjob__fail(CIMJOB_RC_INVALID_UTF8, "cimjob_set_job_status: not valid UTF-8");
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    cimjob__mutex_lock(&job->lock);
    if (job->removed)
        rc = cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_set_job_status: job was removed");
    else {
        if (set_text(&job->job_status, status) != 0)
            rc = cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_set_job_status: out of memory");
        cimjob__reg_indicate(job->reg, job, CIMJOB_EVENT_MODIFICATION, CIMJOB_PROPERTY_JOB_STATUS,
                             CIMJOB_REMOVAL_NONE);
    }
    cimjob__mutex_unlock(&job->lock);
    if (!in_backend)
        cimjob__reg_deliver(job->reg);
    return rc;
}

/* ---- backend calls ------------------------------------------------------------------------ */

typedef cimjob_rc (*slot_fn)(void *state, void *job_state);

/* Call a request slot, serialised per job. A job whose backend state is gone has nothing left
 * to act on: that is success, not failure (its processes are already reaped). */
static cimjob_rc call_slot(cimjob_job *job, slot_fn slot)
{
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    cimjob__mutex_lock(&job->op_lock);
    cimjob__mutex_lock(&job->lock);
    void *be_job = job->be_job;
    cimjob__mutex_unlock(&job->lock);
    if (be_job && slot) {
        in_backend++;
        rc = slot(job->reg->be_state, be_job);
        in_backend--;
    }
    cimjob__mutex_unlock(&job->op_lock);
    return rc;
}

static void schedule_kill_retry(cimjob_job *job, int retries)
{
    int64_t every = retries < 100 ? CIMJOB__KILL_RETRY_US : CIMJOB__KILL_RETRY_SLOW_US;
    cimjob__reg_timer_add(job->reg, job, CIMJOB__TIMER_KILL_RETRY,
                          cimjob__reg_now(job->reg) + every);
}

/* The transition after a successful kill or terminate slot: Shutting Down, timers. */
static void begin_shutdown(cimjob_job *job, int kill, uint64_t timeout_us)
{
    int64_t escalate_at = -1;
    cimjob__mutex_lock(&job->lock);
    if (job->ended) {
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    set_state(job, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    if (!kill && timeout_us != UINT64_MAX) {
        job->escalate_at = escalate_at = cimjob__reg_now(job->reg) + (int64_t)timeout_us;
        job->terminate_grace_ms =
            timeout_us / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(timeout_us / 1000);
    }
    cimjob__mutex_unlock(&job->lock);
    if (kill)
        schedule_kill_retry(job, 0);
    else if (escalate_at >= 0)
        cimjob__reg_timer_add(job->reg, job, CIMJOB__TIMER_ESCALATE, escalate_at);
}

static uint64_t terminate_timeout(cimjob_job *job, uint64_t timeout_us)
{
    return timeout_us ? timeout_us : job->reg->default_terminate_timeout_us;
}

/* Start the work: New -> Starting -> Running, applying a Kill or Terminate that came in
 * meanwhile. Returns the RequestStateChange code. */
static int do_spawn(cimjob_job *job, uint64_t timeout_us)
{
    cimjob_registry *reg = job->reg;
    void *be_job = NULL;
    cimjob_rc rc;

    cimjob__mutex_lock(&job->op_lock);
    /* The state of a recurring job's previous run, if no drain has released it yet. */
    cimjob__mutex_lock(&job->lock);
    void *old = job->be_job;
    job->be_job = NULL;
    cimjob__mutex_unlock(&job->lock);
    if (old)
        reg->be->release(reg->be_state, old);
    in_backend++;
    rc = reg->be->spawn(reg->be_state, job, &job->spawn_opts, &be_job);
    in_backend--;
    cimjob_containment c = CIMJOB_CONTAINMENT_NONE;
    if (rc == CIMJOB_RC_SUCCESS && reg->be->containment)
        c = reg->be->containment(reg->be_state, be_job);
    cimjob__mutex_lock(&job->lock);
    job->busy--;
    if (rc == CIMJOB_RC_SUCCESS) {
        job->be_job = be_job;
        job->containment = c;
    }
    int pending = job->pending;
    if (rc != CIMJOB_RC_SUCCESS) {
        if (!job->ended) {
            cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
            r.error_code = (uint32_t)rc;
            r.error_description = cimjob_last_error();
            job->spawn_rc = (int)rc;
            job->pending = CIMJOB__PENDING_NONE; /* a failed start is an Exception */
            finalize(job, &r);
        }
    } else if (!job->ended) {
        set_state(job, pending ? CIMJOB_JOB_STATE_SHUTTING_DOWN : CIMJOB_JOB_STATE_RUNNING);
    }
    int ended = job->ended;
    cimjob__mutex_unlock(&job->lock);
    cimjob__mutex_unlock(&job->op_lock);

    if (rc != CIMJOB_RC_SUCCESS || ended) {
        cimjob__reg_queue_release(reg, job);
        after_end(job);
        return rc != CIMJOB_RC_SUCCESS ? CIMJOB_RSC_FAILED : CIMJOB_RSC_COMPLETED;
    }
    if (pending == CIMJOB__PENDING_KILL) {
        call_slot(job, reg->be->kill);
        begin_shutdown(job, 1, 0);
    } else if (pending == CIMJOB__PENDING_TERMINATE) {
        call_slot(job, reg->be->terminate);
        begin_shutdown(job, 0, terminate_timeout(job, timeout_us));
    }
    return CIMJOB_RSC_COMPLETED;
}

/* ---- waiting ------------------------------------------------------------------------------ */

/* Wait until the state is in mask, the job is removed, or the monotonic deadline (-1: none). */
static cimjob_rc wait_state(cimjob_job *job, uint32_t mask, int64_t deadline,
                            cimjob_job_state *state)
{
    cimjob_registry *reg = job->reg;
    int would_block = 0;
    for (;;) {
        uint64_t seq = cimjob__reg_seq(reg);
        cimjob__mutex_lock(&job->lock);
        cimjob_job_state st = job->state;
        int removed = job->removed;
        cimjob__mutex_unlock(&job->lock);
        if (state)
            *state = st;
        if (CIMJOB_STATE_BIT(st) & mask)
            return CIMJOB_RC_SUCCESS;
        if (removed)
            return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_wait: job '%s' was removed",
                                job->instance_id);
        if (would_block || (deadline >= 0 && cimjob__reg_now(reg) >= deadline))
            return cimjob__fail(CIMJOB_RC_TIMEOUT, "cimjob_wait: timed out in state %s",
                                cimjob_job_state_name(st));
        cimjob_rc rc = cimjob__reg_pump(reg, deadline, seq);
        if (rc == CIMJOB_RC_WOULD_BLOCK)
            would_block = 1; /* nothing can happen any more (a virtual clock at rest) */
        else if (rc != CIMJOB_RC_SUCCESS)
            return rc;
    }
}

cimjob_rc cimjob_wait(cimjob_job *job, uint32_t state_mask, int64_t timeout_us,
                      cimjob_job_state *state)
{
    const uint32_t valid = ((1u << 13) - 1) & ~3u;
    if (!job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_wait: job is NULL");
    if (state_mask & ~valid)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_wait: state mask has bits outside JobStates 2..12");
    if (!state_mask)
        state_mask = CIMJOB_STATES_FINAL;
    cimjob__mutex_lock(&job->lock);
    int removed = job->removed;
    cimjob__mutex_unlock(&job->lock);
    if (removed)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_wait: job '%s' was removed",
                            job->instance_id);
    if (cimjob__reg_forked(job->reg, "cimjob_wait"))
        return CIMJOB_RC_NOT_SUPPORTED;
    int64_t deadline = cimjob__reg_deadline(job->reg, timeout_us);
    return wait_state(job, state_mask, deadline, state);
}

/* ---- RequestStateChange and KillJob --------------------------------------------------------- */

int cimjob__caller_allowed(cimjob_job *job, const char *caller)
{
    cimjob_registry *reg = job->reg;
    if (!caller || strcmp(caller, job->owner) == 0)
        return 1;
    return reg->is_privileged && reg->is_privileged(caller, reg->userdata);
}

typedef struct request {
    int requested;
    uint64_t timeout_us;
    unsigned int flags;
    int kill_job;       /* called as KillJob */
    int delete_on_kill; /* KillJob's DeleteOnKill */
    int admitted;       /* a Start the run queue already admitted */
} request;

/* What an action left to do: answer at once, or wait for the job's end within the bound. */
typedef struct outcome {
    int rsc;
    int waits;
} outcome;

/* The actions below are entered with job->lock held and return with it released. */

/* New -> Terminated or Killed: nothing was started, so nothing needs to be stopped. */
static outcome act_end_unstarted(cimjob_job *job, const request *rq)
{
    job->pending =
        rq->requested == CIMJOB_REQUEST_KILL ? CIMJOB__PENDING_KILL : CIMJOB__PENDING_TERMINATE;
    finalize(job, NULL);
    cimjob__mutex_unlock(&job->lock);
    after_end(job);
    return (outcome){CIMJOB_RSC_COMPLETED, 0};
}

/* Starting: record the request; the starter applies it once the work exists. */
static outcome act_pend(cimjob_job *job, const request *rq, cimjob__action action)
{
    if (action == CIMJOB__ACT_PEND_KILL || job->pending == CIMJOB__PENDING_NONE)
        job->pending =
            action == CIMJOB__ACT_PEND_KILL ? CIMJOB__PENDING_KILL : CIMJOB__PENDING_TERMINATE;
    job->no_escalate = !!(rq->flags & CIMJOB_REQUEST_NO_ESCALATE);
    cimjob__mutex_unlock(&job->lock);
    return (outcome){CIMJOB_RSC_COMPLETED, 1};
}

/* New -> Starting -> Running. */
static outcome act_start(cimjob_job *job, const request *rq)
{
    cimjob_registry *reg = job->reg;
    job->busy++;
    job->start_time_us = cimjob__reg_realtime(reg);
    job->start_mono_us = cimjob__reg_now(reg);
    job->suspended_us = 0;
    job->suspended_since = -1;
    if (job->runs > 0) {
        /* A new run of the same instance: StartTime, ElapsedTime, ErrorCode and the errors are
         * those of this run. */
        job->error_code = 0;
        job->exit_status = -1;
        job->term_signal = 0;
        job->core_dumped = 0;
        job->escalated = 0;
        job->spawn_rc = 0;
        job->percent = 0;
        (void)set_text(&job->error_description, "");
        cimjob__job_clear_errors(job);
        job->changed_acc |= CIMJOB_PROPERTY_ERROR | CIMJOB_PROPERTY_PERCENT_COMPLETE;
    }
    job->changed_acc |= CIMJOB_PROPERTY_START_TIME;
    cimjob__plan *pl = job->plan; /* a job without one has no schedule and no UntilTime */
    if (pl)
        pl->run_sched_us = job->waiting == CIMJOB_WAITING_SCHEDULE && pl->run_at == -2
                               ? pl->next_run_us
                               : job->start_time_us;
    if (job->job_status && strncmp(job->job_status, CIMJOB__SCHED_STATUS_PREFIX,
                                   strlen(CIMJOB__SCHED_STATUS_PREFIX)) == 0) {
        (void)set_text(&job->job_status, "");
        job->changed_acc |= CIMJOB_PROPERTY_JOB_STATUS;
    }
    job->between_runs = 0;
    job->waiting = CIMJOB_WAITING_NONE;
    job->runs++;
    if (pl) {
        pl->run_at = -1;
        pl->next_run_us = CIMJOB_TIME_NONE;
        if (pl->until_time_us != CIMJOB_TIME_NONE) {
            /* UntilTime: a running job is ended then. */
            int64_t left = pl->until_time_us - job->start_time_us;
            pl->until_at = job->start_mono_us + (left > 0 ? left : 0);
            cimjob__reg_timer_add(reg, job, CIMJOB__TIMER_UNTIL, pl->until_at);
        }
    }
    set_state(job, CIMJOB_JOB_STATE_STARTING);
    cimjob__mutex_unlock(&job->lock);
    cimjob__reg_deliver(reg);
    return (outcome){do_spawn(job, rq->timeout_us), 0};
}

/* Suspend, Service and the Start that resumes: one slot call, then the new state. */
static outcome act_pause_resume(cimjob_job *job, cimjob__action action)
{
    const cimjob_backend *be = job->reg->be;
    slot_fn slot = action == CIMJOB__ACT_RESUME    ? be->resume
                   : action == CIMJOB__ACT_SUSPEND ? be->suspend
                                                   : be->service;
    int rsc = CIMJOB_RSC_COMPLETED;
    job->busy++;
    cimjob__mutex_unlock(&job->lock);
    cimjob_rc rc = call_slot(job, slot);
    cimjob__mutex_lock(&job->lock);
    job->busy--;
    if (rc != CIMJOB_RC_SUCCESS) {
        rsc = rc == CIMJOB_RC_NOT_SUPPORTED ? CIMJOB_RSC_NOT_SUPPORTED : CIMJOB_RSC_FAILED;
    } else if (!job->ended && job->pending == CIMJOB__PENDING_NONE) {
        /* A Kill or Terminate that came in meanwhile owns the state now. */
        if (action == CIMJOB__ACT_RESUME) {
            set_state(job, CIMJOB_JOB_STATE_STARTING);
            set_state(job, CIMJOB_JOB_STATE_RUNNING);
        } else {
            set_state(job, action == CIMJOB__ACT_SUSPEND ? CIMJOB_JOB_STATE_SUSPENDED
                                                         : CIMJOB_JOB_STATE_SERVICE);
        }
    }
    cimjob__mutex_unlock(&job->lock);
    return (outcome){rsc, 0};
}

/* Terminate or Kill a started job: -> Shutting Down, then wait for the end. The KillJob
 * DeleteOnKill state the caller saw before applying the request is restored if the request
 * cannot even be signalled. */
static outcome act_stop(cimjob_job *job, const request *rq, int kill, int prev_delete_on_kill,
                        int prev_keep)
{
    cimjob_registry *reg = job->reg;
    int prev = job->pending;
    int resume_first = !kill && job->state == CIMJOB_JOB_STATE_SUSPENDED;
    job->pending = kill ? CIMJOB__PENDING_KILL : CIMJOB__PENDING_TERMINATE;
    job->no_escalate = !!(rq->flags & CIMJOB_REQUEST_NO_ESCALATE);
    job->busy++;
    cimjob__mutex_unlock(&job->lock);
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    int resumed = 0;
    if (resume_first && reg->be->resume) {
        rc = call_slot(job, reg->be->resume); /* a stopped job cannot hear the request */
        resumed = rc == CIMJOB_RC_SUCCESS;
    }
    if (rc == CIMJOB_RC_SUCCESS)
        rc = call_slot(job, kill ? reg->be->kill : reg->be->terminate);
    cimjob__mutex_lock(&job->lock);
    job->busy--;
    if (rc != CIMJOB_RC_SUCCESS && !job->ended) {
        if (resumed) {
            /* It runs again, whatever became of the Terminate: say so. */
            set_state(job, CIMJOB_JOB_STATE_STARTING);
            set_state(job, CIMJOB_JOB_STATE_RUNNING);
        }
        job->pending = prev;
        job->delete_on_kill = prev_delete_on_kill;
        job->keep = prev_keep;
        cimjob__mutex_unlock(&job->lock);
        return (outcome){
            rc == CIMJOB_RC_NOT_SUPPORTED ? CIMJOB_RSC_NOT_SUPPORTED : CIMJOB_RSC_FAILED, 0};
    }
    cimjob__mutex_unlock(&job->lock);
    begin_shutdown(job, kill, kill ? 0 : terminate_timeout(job, rq->timeout_us));
    return (outcome){CIMJOB_RSC_COMPLETED, 1};
}

/* Terminate and Kill: wait for the end within the request's bound (or not, with ASYNC), then
 * answer as the end came about. */
static int wait_for_end(cimjob_job *job, const request *rq)
{
    cimjob_registry *reg = job->reg;
    uint64_t tmo = rq->timeout_us;
    cimjob__mutex_lock(&job->lock);
    int ended = job->ended, pending = job->pending, no_escalate = job->no_escalate;
    cimjob__mutex_unlock(&job->lock);
    if (!ended) {
        if (rq->flags & CIMJOB_REQUEST_ASYNC)
            return CIMJOB_RSC_TRANSITION_STARTED;
        int64_t now = cimjob__reg_now(reg), deadline;
        uint64_t bound;
        if (pending == CIMJOB__PENDING_KILL) {
            bound = tmo ? tmo : reg->kill_timeout_us;
        } else {
            uint64_t grace = terminate_timeout(job, tmo);
            if (grace == UINT64_MAX)
                bound = UINT64_MAX;
            else
                bound = no_escalate ? grace : grace + reg->kill_timeout_us;
        }
        deadline = bound >= (uint64_t)INT64_MAX - (uint64_t)now ? -1 : now + (int64_t)bound;
        cimjob_rc rc = wait_state(job, CIMJOB_STATES_FINAL, deadline, NULL);
        /* NOT_FOUND: removed by DeleteOnKill, so it ended. */
        if (rc != CIMJOB_RC_SUCCESS && rc != CIMJOB_RC_NOT_FOUND)
            return cimjob__fail_rsc(CIMJOB_RSC_TIMEOUT,
                                    "RequestStateChange(%s): job '%s' did not end within the bound",
                                    cimjob_requested_state_name(rq->requested), job->instance_id);
    }
    cimjob__mutex_lock(&job->lock);
    int escalated = job->escalated;
    /* KillJob(DeleteOnKill) answers once the job is out of the registry: the thread that saw
     * the end may not have removed it yet (after_end() runs after the final state is set). */
    int remove_now = rq->kill_job && job->ended && job->delete_on_kill && !job->removed;
    cimjob__mutex_unlock(&job->lock);
    if (remove_now)
        cimjob__job_remove(job);
    if (escalated && rq->requested == CIMJOB_REQUEST_TERMINATE)
        return cimjob__fail_rsc(CIMJOB_RSC_TIMEOUT,
                                "RequestStateChange(Terminate): job '%s' did not end within its "
                                "TimeoutPeriod and was killed",
                                job->instance_id);
    return CIMJOB_RSC_COMPLETED;
}

static int request_state_change(cimjob_job *job, const request *rq)
{
    cimjob_registry *reg = job->reg;
    if (cimjob__reg_forked(reg, "RequestStateChange"))
        return CIMJOB_RSC_NOT_SUPPORTED;

    cimjob__reg_drain_releases(reg);
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail_rsc(CIMJOB_RSC_INVALID_STATE_TRANSITION,
                                "RequestStateChange: job '%s' was removed", job->instance_id);
    }
    cimjob__decision d = cimjob__state_decide((int)job->state, job->busy, rq->requested, reg->have,
                                              rq->timeout_us != 0);
    if (job->between_runs && !job->busy) {
        /* A recurring job between runs has no work in the backend: Start runs it now,
         * Terminate and Kill end it like a job never started, Service has nothing to serve. */
        if (rq->requested == CIMJOB_REQUEST_START && d.action == CIMJOB__ACT_RESUME)
            d.action = CIMJOB__ACT_SPAWN;
        else if (d.action == CIMJOB__ACT_TERMINATE || d.action == CIMJOB__ACT_KILL)
            d.action = CIMJOB__ACT_END_UNSTARTED;
        else if (d.action == CIMJOB__ACT_SERVICE)
            d = (cimjob__decision){CIMJOB_RSC_INVALID_STATE_TRANSITION, CIMJOB__ACT_NONE};
    }
    if (d.action == CIMJOB__ACT_NONE) {
        cimjob_job_state st = job->state;
        cimjob__mutex_unlock(&job->lock);
        if (d.rsc != CIMJOB_RSC_COMPLETED)
            cimjob__fail_rsc(d.rsc, "RequestStateChange(%s) from %s: %s",
                             cimjob_requested_state_name(rq->requested),
                             cimjob_job_state_name((int)st), cimjob_rsc_rc_name(d.rsc));
        return d.rsc;
    }
    /* KillJob's DeleteOnKill, undone by act_stop if the kill cannot even be signalled. */
    int prev_delete_on_kill = job->delete_on_kill, prev_keep = job->keep;
    if (rq->kill_job) {
        /* DeleteOnKill is sticky: a KillJob without it that arrives while another caller's
         * KillJob(DeleteOnKill) is in progress does not cancel that deletion. */
        job->delete_on_kill = job->delete_on_kill || rq->delete_on_kill;
        job->keep = !job->delete_on_kill;
    }

    /* The run queue: a Start beyond the registry's limit waits for a slot. */
    if (d.action == CIMJOB__ACT_SPAWN && !rq->admitted && !cimjob__queue_admit(job)) {
        if (job->waiting != CIMJOB_WAITING_QUEUE) {
            job->waiting = CIMJOB_WAITING_QUEUE;
            (void)set_text(&job->job_status, QUEUE_WAIT_TEXT);
            cimjob__reg_indicate(reg, job, CIMJOB_EVENT_MODIFICATION, CIMJOB_PROPERTY_JOB_STATUS,
                                 CIMJOB_REMOVAL_NONE);
        }
        cimjob__mutex_unlock(&job->lock);
        cimjob__reg_deliver(reg);
        return CIMJOB_RSC_TRANSITION_STARTED;
    }
    outcome o;
    int64_t t0 = cimjob__reg_now(reg);
    switch (d.action) {
    case CIMJOB__ACT_END_UNSTARTED:
        o = act_end_unstarted(job, rq);
        break;
    case CIMJOB__ACT_PEND_KILL:
    case CIMJOB__ACT_PEND_TERMINATE:
        o = act_pend(job, rq, d.action);
        break;
    case CIMJOB__ACT_SPAWN:
        o = act_start(job, rq);
        break;
    case CIMJOB__ACT_RESUME:
    case CIMJOB__ACT_SUSPEND:
    case CIMJOB__ACT_SERVICE:
        o = act_pause_resume(job, d.action);
        break;
    case CIMJOB__ACT_TERMINATE:
    case CIMJOB__ACT_KILL:
        o = act_stop(job, rq, d.action == CIMJOB__ACT_KILL, prev_delete_on_kill, prev_keep);
        break;
    default:
        cimjob__mutex_unlock(&job->lock);
        o = (outcome){CIMJOB_RSC_UNKNOWN, 0};
        break;
    }
    cimjob__reg_drain_releases(reg);
    cimjob__reg_deliver(reg);
    if (o.waits)
        return wait_for_end(job, rq);
    /* Start, Suspend and Service complete before the call returns: a TimeoutPeriod is
     * honoured by checking that they did so in time. */
    if (o.rsc == CIMJOB_RSC_COMPLETED && rq->timeout_us &&
        (d.action == CIMJOB__ACT_SPAWN || d.action == CIMJOB__ACT_RESUME ||
         d.action == CIMJOB__ACT_SUSPEND || d.action == CIMJOB__ACT_SERVICE) &&
        (uint64_t)(cimjob__reg_now(reg) - t0) > rq->timeout_us)
        return cimjob__fail_rsc(CIMJOB_RSC_TIMEOUT,
                                "RequestStateChange(%s): job '%s' reached its new state only "
                                "after its TimeoutPeriod",
                                cimjob_requested_state_name(rq->requested), job->instance_id);
    return o.rsc;
}

void cimjob__job_start_admitted(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    int startable =
        (job->state == CIMJOB_JOB_STATE_NEW || job->between_runs) && !job->removed && !job->ended;
    if (!startable) {
        cimjob__queue_leave(job);
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    job->waiting = CIMJOB_WAITING_NONE;
    if (job->job_status && strcmp(job->job_status, QUEUE_WAIT_TEXT) == 0)
        (void)set_text(&job->job_status, "");
    cimjob__mutex_unlock(&job->lock);
    request rq = {CIMJOB_REQUEST_START, 0, 0, 0, 0, 1};
    if (request_state_change(job, &rq) != CIMJOB_RSC_COMPLETED) {
        /* Not started after all (ended meanwhile, or the start failed): its end freed the slot;
         * otherwise free it here. */
        cimjob__mutex_lock(&job->lock);
        if (!job->ended && (job->state == CIMJOB_JOB_STATE_NEW || job->between_runs))
            cimjob__queue_leave(job);
        cimjob__mutex_unlock(&job->lock);
    }
}

/* A request that failed on a live job becomes a CIM_Error of the job (GetErrors), beside the
 * thread-local detail. Rejections (4097, 4099, Invalid Parameter) change nothing and are not
 * recorded. No lock held. */
static void record_request_error(cimjob_job *job, const char *what, int requested,
                                 uint64_t timeout_us, int rsc)
{
    char detail[CIMJOB_TEXT_MAX + 1], num[16], tmo[CIMJOB_DATETIME_SIZE];
    cimjob__strlcpy(detail, cimjob_last_error(), sizeof detail);
    if (!*detail)
        cimjob__strlcpy(detail, cimjob_rsc_rc_message(rsc), sizeof detail);
    snprintf(num, sizeof num, "%d", rsc);
    if (cimjob_interval_format(timeout_us, tmo) != CIMJOB_RC_SUCCESS)
        tmo[0] = '\0';
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    switch (rsc) {
    case CIMJOB_RSC_NOT_SUPPORTED:
    case CIMJOB_RSC_UNKNOWN:
    case CIMJOB_RSC_FAILED:
        /* A Start that failed ended the job: its end error says why. */
        if (requested != CIMJOB_REQUEST_START || !job->ended) {
            const char *args[4] = {what, num, cimjob_rsc_rc_name(rsc), detail};
            cimjob__job_add_error(job, CIMJOB_MSG_REQUEST_FAILED, 0, (uint32_t)rsc,
                                  rsc == CIMJOB_RSC_NOT_SUPPORTED ? CIMJOB_CIM_ERR_NOT_SUPPORTED
                                                                  : CIMJOB_CIM_ERR_FAILED,
                                  4, args);
        }
        break;
    case CIMJOB_RSC_TIMEOUT:
        if (requested == CIMJOB_REQUEST_KILL) {
            if (cimjob_interval_format(timeout_us ? timeout_us : job->reg->kill_timeout_us, tmo) !=
                CIMJOB_RC_SUCCESS)
                tmo[0] = '\0';
            const char *args[1] = {tmo};
            cimjob__job_add_error(job, CIMJOB_MSG_KILL_NOT_CONFIRMED, 0, (uint32_t)rsc, 0, 1, args);
        } else if (!job->escalated) { /* an escalation is recorded when it happens */
            const char *args[2] = {what, tmo};
            cimjob__job_add_error(job, CIMJOB_MSG_REQUEST_TIMEOUT, 0, (uint32_t)rsc, 0, 2, args);
        }
        break;
    case CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED: {
        const char *args[2] = {what, tmo};
        cimjob__job_add_error(job, CIMJOB_MSG_TIMEOUT_NOT_SUPPORTED, 0, (uint32_t)rsc, 0, 2, args);
        break;
    }
    default:
        break;
    }
    cimjob__mutex_unlock(&job->lock);
}

static int check_request_options(const cimjob_request_options *opts, const char *fn)
{
    if (opts->version != CIMJOB_REQUEST_OPTIONS_VERSION) {
        cimjob__fail(CIMJOB_RC_INVALID_VERSION, "%s: unknown request options version %u", fn,
                     opts->version);
        return 0;
    }
    if (opts->flags & ~(unsigned int)KNOWN_REQUEST_FLAGS) {
        cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: unknown request flags 0x%x", fn,
                     opts->flags & ~(unsigned int)KNOWN_REQUEST_FLAGS);
        return 0;
    }
    if (opts->timeout_us > CIMJOB_INTERVAL_MAX_US) {
        cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: TimeoutPeriod over the CIM maximum", fn);
        return 0;
    }
    return 1;
}

cimjob_rsc_rc cimjob_request_state_change_ex(cimjob_job *job, cimjob_requested_state requested,
                                             const cimjob_request_options *opts)
{
    cimjob_request_options def = CIMJOB_REQUEST_OPTIONS_INIT;
    if (!job)
        return (cimjob_rsc_rc)cimjob__fail_rsc(CIMJOB_RSC_INVALID_PARAMETER,
                                               "RequestStateChange: job is NULL");
    if (!opts)
        opts = &def;
    if (!check_request_options(opts, "RequestStateChange"))
        return CIMJOB_RSC_INVALID_PARAMETER;
    if (!cimjob__caller_allowed(job, opts->caller))
        return (cimjob_rsc_rc)cimjob__fail_rsc(
            CIMJOB_RSC_ACCESS_DENIED, "RequestStateChange: '%.200s' may not act on job '%s'",
            opts->caller, job->instance_id);
    request rq = {(int)requested, opts->timeout_us, opts->flags, 0, 0, 0};
    int rsc = request_state_change(job, &rq);
    if (rsc != CIMJOB_RSC_COMPLETED && rsc != CIMJOB_RSC_TRANSITION_STARTED) {
        char what[48];
        snprintf(what, sizeof what, "%s", cimjob_requested_state_name((int)requested));
        record_request_error(job, what, (int)requested, opts->timeout_us, rsc);
    }
    return (cimjob_rsc_rc)rsc;
}

cimjob_rsc_rc cimjob_request_state_change(cimjob_job *job, cimjob_requested_state requested,
                                          const char *timeout_period)
{
    cimjob_request_options opts = CIMJOB_REQUEST_OPTIONS_INIT;
    if (timeout_period) {
        cimjob_datetime dt;
        if (cimjob_datetime_parse(timeout_period, &dt) != CIMJOB_RC_SUCCESS ||
            dt.kind != CIMJOB_DATETIME_INTERVAL)
            return (cimjob_rsc_rc)cimjob__fail_rsc(
                CIMJOB_RSC_INVALID_PARAMETER,
                "RequestStateChange: TimeoutPeriod '%.40s' is not a CIM interval", timeout_period);
        opts.timeout_us = dt.interval_us;
    }
    return cimjob_request_state_change_ex(job, requested, &opts);
}

cimjob_rc cimjob_kill_job_ex(cimjob_job *job, int delete_on_kill,
                             const cimjob_request_options *opts)
{
    cimjob_request_options def = CIMJOB_REQUEST_OPTIONS_INIT;
    if (!job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "KillJob: job is NULL");
    if (!opts)
        opts = &def;
    if (opts->version != CIMJOB_REQUEST_OPTIONS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "KillJob: unknown options version %u",
                            opts->version);
    if (!check_request_options(opts, "KillJob"))
        return CIMJOB_RC_INVALID_PARAMETER;
    cimjob__mutex_lock(&job->lock);
    int removed = job->removed;
    cimjob__mutex_unlock(&job->lock);
    if (removed)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "KillJob: job '%s' was removed", job->instance_id);
    if (!cimjob__caller_allowed(job, opts->caller))
        return cimjob__fail(CIMJOB_RC_ACCESS_DENIED, "KillJob: '%.200s' may not act on job '%s'",
                            opts->caller, job->instance_id);
    request rq = {CIMJOB_REQUEST_KILL,
                  opts->timeout_us,
                  opts->flags & CIMJOB_REQUEST_ASYNC,
                  1,
                  !!delete_on_kill,
                  0};
    int rsc = request_state_change(job, &rq);
    if (rsc != CIMJOB_RSC_COMPLETED && rsc != CIMJOB_RSC_TRANSITION_STARTED)
        record_request_error(job, "KillJob", CIMJOB_REQUEST_KILL, opts->timeout_us, rsc);
    cimjob__reg_deliver(job->reg); /* the deletion of DeleteOnKill */
    switch (rsc) {
    case CIMJOB_RSC_COMPLETED:
        return CIMJOB_RC_SUCCESS;
    case CIMJOB_RSC_TRANSITION_STARTED:
        return cimjob__fail(CIMJOB_RC_BUSY, "KillJob: the kill has started");
    case CIMJOB_RSC_TIMEOUT:
        return CIMJOB_RC_TIMEOUT;
    case CIMJOB_RSC_NOT_SUPPORTED:
        return CIMJOB_RC_NOT_SUPPORTED;
    case CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED:
        return cimjob__fail(CIMJOB_RC_NOT_SUPPORTED,
                            "KillJob: the backend cannot honour a kill bound");
    case CIMJOB_RSC_INVALID_STATE_TRANSITION:
        return cimjob__fail(CIMJOB_RC_INVALID_STATE, "KillJob: job '%s' has already ended",
                            job->instance_id);
    case CIMJOB_RSC_BUSY:
        return CIMJOB_RC_BUSY;
    default:
        return CIMJOB_RC_FAILED;
    }
}

cimjob_rc cimjob_kill_job(cimjob_job *job, int delete_on_kill)
{
    return cimjob_kill_job_ex(job, delete_on_kill, NULL);
}

/* ---- timers and removal ------------------------------------------------------------------ */

void cimjob__job_timer(cimjob_job *job, int kind, int64_t when)
{
    cimjob_registry *reg = job->reg;
    if (kind == CIMJOB__TIMER_QUEUE) {
        cimjob__queue_kick(reg);
        return;
    }
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    switch (kind) {
    case CIMJOB__TIMER_ESCALATE:
        if (job->ended || job->escalate_at != when || job->pending != CIMJOB__PENDING_TERMINATE ||
            job->no_escalate) {
            cimjob__mutex_unlock(&job->lock);
            return;
        }
        job->escalated = 1;
        (void)set_text(&job->job_status, "Terminate escalated to Kill: the job did not end "
                                         "within its TimeoutPeriod");
        {
            char grace[CIMJOB_DATETIME_SIZE];
            if (cimjob_interval_format((uint64_t)job->terminate_grace_ms * 1000, grace) !=
                CIMJOB_RC_SUCCESS)
                grace[0] = '\0';
            const char *args[1] = {grace};
            cimjob__job_add_error(job, CIMJOB_MSG_TERMINATE_ESCALATED, 0, 0, 0, 1, args);
        }
        cimjob__reg_indicate(reg, job, CIMJOB_EVENT_MODIFICATION,
                             CIMJOB_PROPERTY_JOB_STATUS | CIMJOB_PROPERTY_ERROR,
                             CIMJOB_REMOVAL_NONE);
        cimjob__mutex_unlock(&job->lock);
        cimjob__reg_poke(reg);
        call_slot(job, reg->be->kill);
        schedule_kill_retry(job, 0);
        return;
    case CIMJOB__TIMER_KILL_RETRY: {
        if (job->ended) {
            cimjob__mutex_unlock(&job->lock);
            return;
        }
        int retries = ++job->kill_retries;
        cimjob__mutex_unlock(&job->lock);
        call_slot(job, reg->be->kill);
        schedule_kill_retry(job, retries);
        return;
    }
    case CIMJOB__TIMER_RUN: {
        int due = job->plan && job->plan->run_at == when && !job->ended &&
                  ((job->state == CIMJOB_JOB_STATE_NEW && job->runs == 0) || job->between_runs);
        if (due)
            job->plan->run_at = -2; /* act_start: this run is the scheduled one */
        cimjob__mutex_unlock(&job->lock);
        if (due) {
            request rq = {CIMJOB_REQUEST_START, 0, 0, 0, 0, 0};
            (void)request_state_change(job, &rq);
        }
        return;
    }
    case CIMJOB__TIMER_UNTIL: {
        int due = job->plan && job->plan->until_at == when && !job->ended && !job->between_runs &&
                  job->state != CIMJOB_JOB_STATE_NEW;
        if (due) {
            char until[CIMJOB_DATETIME_SIZE];
            if (cimjob_timestamp_format(job->plan->until_time_us, reg->utc_offset_min, until) !=
                CIMJOB_RC_SUCCESS)
                until[0] = '\0';
            const char *args[1] = {until};
            /* No run follows: the next would start after UntilTime (cimjob__sched_plan). */
            cimjob__job_add_error(job, CIMJOB_MSG_UNTIL_TIME_PASSED, 0, 0, 0, 1, args);
        }
        cimjob__mutex_unlock(&job->lock);
        if (due) {
            request rq = {CIMJOB_REQUEST_TERMINATE, 0, CIMJOB_REQUEST_ASYNC, 0, 0, 0};
            (void)request_state_change(job, &rq);
        }
        return;
    }
    case CIMJOB__TIMER_REMOVE: {
        int due = job->ended && !job->keep && job->remove_at == when;
        cimjob__mutex_unlock(&job->lock);
        if (due)
            cimjob__job_remove_cause(job, CIMJOB_REMOVAL_RETENTION);
        return;
    }
    default:
        cimjob__mutex_unlock(&job->lock);
        return;
    }
}

void cimjob__job_drop_user_data(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    void *data = job->user_data;
    cimjob_destroy_cb destroy = job->user_destroy;
    job->user_data = NULL;
    job->user_destroy = NULL;
    cimjob__mutex_unlock(&job->lock);
    if (destroy)
        destroy(data);
}

void cimjob__job_remove_cause(cimjob_job *job, cimjob_removal_cause cause)
{
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    job->removed = 1;
    atomic_store(&job->dead, 1);
    /* Out of the map before the lock is let go (map_lock is a leaf): whoever then sees
     * `removed` (a second remover, KillJob(DeleteOnKill) about to answer) can rely on
     * cimjob_find() not giving the job any more. */
    cimjob__reg_unlink(job->reg, job);
    /* The deletion indication holds its own reference; its delivery destroys the user data
     * after the callbacks. Without one, the data goes now. */
    int queued = cimjob__reg_indicate(job->reg, job, CIMJOB_EVENT_DELETION, 0, cause);
    cimjob__mutex_unlock(&job->lock);
    if (!queued)
        cimjob__job_drop_user_data(job);
    cimjob__reg_job_gone(job->reg);
    cimjob__reg_poke(job->reg);
    cimjob_job_release(job); /* the registry's reference */
}

void cimjob__job_remove(cimjob_job *job)
{
    cimjob__rwlock_rdlock(&job->reg->map_lock);
    int closing = job->reg->closed;
    cimjob__rwlock_rdunlock(&job->reg->map_lock);
    cimjob__mutex_lock(&job->lock);
    int dok = job->delete_on_kill;
    cimjob__mutex_unlock(&job->lock);
    cimjob__job_remove_cause(job, closing ? CIMJOB_REMOVAL_REGISTRY_FREE
                                  : dok   ? CIMJOB_REMOVAL_DELETE_ON_KILL
                                          : CIMJOB_REMOVAL_EXPLICIT);
}

cimjob_rc cimjob_job_set_user_data(cimjob_job *job, void *data, cimjob_destroy_cb destroy)
{
    if (!job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_job_set_user_data: job is NULL");
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_job_set_user_data: job '%s' was removed",
                            job->instance_id);
    }
    void *old = job->user_data;
    cimjob_destroy_cb old_destroy = job->user_destroy;
    job->user_data = data;
    job->user_destroy = destroy;
    cimjob__mutex_unlock(&job->lock);
    if (old_destroy && (old != data || old_destroy != destroy))
        old_destroy(old);
    return CIMJOB_RC_SUCCESS;
}

void *cimjob_job_user_data(cimjob_job *job)
{
    if (!job)
        return NULL;
    cimjob__mutex_lock(&job->lock);
    void *data = job->user_data;
    cimjob__mutex_unlock(&job->lock);
    return data;
}

cimjob_rc cimjob_remove(cimjob_registry *reg, cimjob_job *job)
{
    if (!reg || !job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_remove: NULL argument");
    if (job->reg != reg)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_remove: job '%s' is not in this registry",
                            job->instance_id);
    cimjob__mutex_lock(&job->lock);
    int removed = job->removed, ended = job->ended;
    cimjob_job_state st = job->state;
    cimjob__mutex_unlock(&job->lock);
    if (removed)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_remove: job '%s' was already removed",
                            job->instance_id);
    if (!ended)
        return cimjob__fail(CIMJOB_RC_INVALID_STATE,
                            "cimjob_remove: job '%s' is %s; end it before removing it",
                            job->instance_id, cimjob_job_state_name((int)st));
    cimjob__job_remove_cause(job, CIMJOB_REMOVAL_EXPLICIT);
    cimjob__reg_deliver(reg);
    return CIMJOB_RC_SUCCESS;
}

int cimjob__job_kill_for_close(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    if (job->ended || job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return 0;
    }
    if (job->state == CIMJOB_JOB_STATE_NEW) {
        job->pending = CIMJOB__PENDING_KILL;
        finalize(job, NULL);
        cimjob__mutex_unlock(&job->lock);
        return 0;
    }
    job->pending = CIMJOB__PENDING_KILL;
    cimjob__mutex_unlock(&job->lock);
    call_slot(job, job->reg->be->kill);
    begin_shutdown(job, 1, 0);
    return 1;
}

/* ---- creation ----------------------------------------------------------------------------- */

static cimjob_rc copy_options(cimjob_job *job, const cimjob_job_options *o)
{
    cimjob_job_options *c = &job->spawn_opts;
    *c = *o;
    c->name = c->local_id = c->owner = NULL;
    c->argv = c->envp = NULL;
    c->cwd = NULL;
    for (int i = 0; i < 3; i++)
        c->stdio[i].path = NULL;
    job->name = cimjob__strdup(o->name);
    if (!job->name)
        return CIMJOB_RC_NO_MEMORY;
    if (o->argv && !(c->argv = strv_dup(o->argv)))
        return CIMJOB_RC_NO_MEMORY;
    if (o->envp && !(c->envp = strv_dup(o->envp)))
        return CIMJOB_RC_NO_MEMORY;
    if (o->cwd && !(c->cwd = cimjob__strdup(o->cwd)))
        return CIMJOB_RC_NO_MEMORY;
    for (int i = 0; i < 3; i++)
        if (o->stdio[i].mode == CIMJOB_STDIO_FILE &&
            !(c->stdio[i].path = cimjob__strdup(o->stdio[i].path)))
            return CIMJOB_RC_NO_MEMORY;
    c->name = job->name;
    char ident[CIMJOB_TEXT_MAX + 1];
    if (o->owner) {
        job->owner = cimjob__strdup(o->owner);
    } else {
        if (cimjob__current_identity(ident, sizeof ident) != 0)
            cimjob__strlcpy(ident, "unknown", sizeof ident);
        job->owner = cimjob__strdup(ident);
    }
    if (!job->owner)
        return CIMJOB_RC_NO_MEMORY;
    c->owner = job->owner;
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_create(cimjob_registry *reg, const cimjob_job_options *opts, cimjob_job **out)
{
    cimjob_rc rc;
    if (out)
        *out = NULL; /* whatever happens below, never a stale handle */
    if (!reg || !opts)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_create: NULL argument");
    if (cimjob__reg_forked(reg, "cimjob_create"))
        return CIMJOB_RC_NOT_SUPPORTED;
    if ((rc = validate_options(reg, opts)) != CIMJOB_RC_SUCCESS)
        return rc;
    cimjob__reg_drain_releases(reg);

    cimjob_job *job = cimjob__calloc(1, sizeof *job);
    if (!job)
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_create: out of memory");
    if (cimjob__mutex_init(&job->lock) != 0) {
        cimjob__free(job);
        return cimjob__fail(CIMJOB_RC_OS_ERROR, "cimjob_create: could not create a lock");
    }
    if (cimjob__mutex_init(&job->op_lock) != 0) {
        cimjob__mutex_destroy(&job->lock);
        cimjob__free(job);
        return cimjob__fail(CIMJOB_RC_OS_ERROR, "cimjob_create: could not create a lock");
    }
    job->reg = reg;
    cimjob__reg_ref(reg);
    /* The registry's, once inserted, and the creator's: once the job is in the map another
     * thread can find it, end it and remove it before this call returns. */
    atomic_init(&job->refs, 2);
    atomic_init(&job->dead, 0);
    job->state = CIMJOB_JOB_STATE_NEW;
    job->user_local_id = opts->local_id != NULL;
    job->priority = opts->priority;
    job->flags = opts->flags;
    job->containment_req = opts->containment;
    job->delete_on_completion = !!opts->delete_on_completion;
    job->time_before_removal_us = opts->time_before_removal_us;
    job->on_state_change = opts->on_state_change;
    job->userdata = opts->userdata;
    job->time_submitted_us = cimjob__reg_realtime(reg);
    job->time_of_last_state_change_us = CIMJOB_TIME_NONE;
    job->start_time_us = CIMJOB_TIME_NONE;
    job->start_mono_us = job->end_mono_us = -1;
    job->suspended_since = -1;
    job->escalate_at = job->remove_at = -1;
    job->exit_status = -1;
    job->containment = CIMJOB_CONTAINMENT_NONE;

    if ((rc = copy_options(job, opts)) != CIMJOB_RC_SUCCESS) {
        cimjob__job_destroy(job);
        return cimjob__fail(rc, "cimjob_create: out of memory");
    }
    if ((rc = cimjob__reg_insert(reg, job, opts->local_id)) != CIMJOB_RC_SUCCESS) {
        cimjob__job_destroy(job);
        return rc;
    }
    cimjob__mutex_lock(&job->lock);
    cimjob__reg_indicate(reg, job, CIMJOB_EVENT_CREATION, 0, CIMJOB_REMOVAL_NONE);
    cimjob__mutex_unlock(&job->lock);
    cimjob__reg_deliver(reg);
    if (opts->flags & CIMJOB_JOB_START) {
        request rq = {CIMJOB_REQUEST_START, 0, 0, 0, 0, 0};
        request_state_change(job, &rq);
    }
    if (out)
        *out = job; /* the creator's reference */
    else
        cimjob_job_release(job);
    return CIMJOB_RC_SUCCESS;
}

/* ---- snapshots ---------------------------------------------------------------------------- */

cimjob_rc cimjob_query(cimjob_job *job, cimjob_info *info)
{
    if (!job || !info)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_query: NULL argument");
    if (info->version < 1 || info->version > CIMJOB_INFO_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "cimjob_query: unknown snapshot version %u",
                            info->version);
    cimjob_registry *reg = job->reg;
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_query: job '%s' was removed",
                            job->instance_id);
    }
    info->job_state = job->state;
    info->time_of_last_state_change_us = job->time_of_last_state_change_us;
    info->start_time_us = job->start_time_us;
    if (job->start_mono_us < 0)
        info->elapsed_time_us = 0;
    else {
        /* Executing time: not the time spent Suspended (and not yet resumed). */
        int64_t end = job->ended || job->between_runs ? job->end_mono_us : cimjob__reg_now(reg);
        if (job->suspended_since >= 0 && job->suspended_since < end)
            end = job->suspended_since;
        uint64_t e = end > job->start_mono_us ? (uint64_t)(end - job->start_mono_us) : 0;
        info->elapsed_time_us = e > job->suspended_us ? e - job->suspended_us : 0;
    }
    info->percent_complete = job->percent;
    info->error_code = job->error_code;
    strcpy(info->error_description, job->error_description ? job->error_description : "");
    strcpy(info->job_status, job->job_status ? job->job_status : "");
    info->containment = job->containment;
    info->exit_status = job->exit_status;
    info->term_signal = job->term_signal;
    info->escalated = job->escalated;
    info->time_before_removal_us = job->time_before_removal_us;
    info->delete_on_completion = job->delete_on_completion;
    info->priority = job->priority;
    if (info->version >= 2) {
        info->cim_error_code = cimjob_cim_error_code(job->error_code);
        info->waiting = job->waiting;
        info->runs = job->runs;
        info->next_run_us = cimjob__plan_of(job)->next_run_us;
    }
    if (info->version >= 3)
        info->core_dumped = job->core_dumped;
    cimjob__mutex_unlock(&job->lock);

    /* Immutable after creation: no lock needed. */
    strcpy(info->instance_id, job->instance_id);
    strcpy(info->name, job->name);
    cimjob__strlcpy(info->owner, job->owner, sizeof info->owner);
    info->time_submitted_us = job->time_submitted_us;
    info->utc_offset_min = reg->utc_offset_min;
    cimjob__strlcpy(info->backend, reg->be->name, sizeof info->backend);
    cimjob__info_operational_status(info);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_info_format_time(const cimjob_info *info, cimjob_time_property prop, char *out)
{
    if (!info || !out)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_info_format_time: NULL argument");
    switch (prop) {
    case CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE:
        if (info->time_of_last_state_change_us == CIMJOB_TIME_NONE) {
            strcpy(out, CIMJOB_INTERVAL_ZERO);
            return CIMJOB_RC_SUCCESS;
        }
        return cimjob_timestamp_format(info->time_of_last_state_change_us, info->utc_offset_min,
                                       out);
    case CIMJOB_PROP_TIME_SUBMITTED:
        return cimjob_timestamp_format(info->time_submitted_us, info->utc_offset_min, out);
    case CIMJOB_PROP_START_TIME:
        if (info->start_time_us == CIMJOB_TIME_NONE) {
            out[0] = '\0';
            return cimjob__fail(CIMJOB_RC_NOT_FOUND,
                                "cimjob_info_format_time: StartTime is NULL (never started)");
        }
        return cimjob_timestamp_format(info->start_time_us, info->utc_offset_min, out);
    case CIMJOB_PROP_ELAPSED_TIME:
        return cimjob_interval_format(info->elapsed_time_us, out);
    case CIMJOB_PROP_TIME_BEFORE_REMOVAL:
        return cimjob_interval_format(info->time_before_removal_us, out);
    }
    return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_info_format_time: unknown property %d",
                        (int)prop);
}
