/*
 * A job's state transitions: the new state and its indication, the end of a job (its final
 * state and the CIM_Error saying why), retention after the end, and the end of a
 * recurrence.
 */

#include <cimjob/cim_error.h>

#include <stdio.h>
#include <string.h>

#include "job_internal.h"
#include "text.h"

/* Replace a text property (ErrorDescription, JobStatus), cut to CIMJOB_TEXT_MAX bytes at a
 * character boundary, with bytes that are not UTF-8 (a backend's text may carry a file name)
 * replaced by '?'; "" frees it. With job->lock held. Returns -1 when memory runs out: the old
 * text is then dropped, never left half-written. */
int cimjob__job_set_text(char **field, const char *text)
{
    int empty = 0;
    char *p = cimjob__utf8_dup_clean(text, CIMJOB_TEXT_MAX, &empty);
    cimjob__free(*field);
    *field = p;
    return !empty && !p ? -1 : 0;
}

/* With job->lock held. */
void cimjob__job_set_state(cimjob_job *job, cimjob_job_state st)
{
    cimjob_job_state old = job->state;
    if (old == st)
        return;
    cimjob__job_touch(job);
    job->state = st;
    if (st == CIMJOB_JOB_STATE_SUSPENDED) {
        job->suspended_since = cimjob__reg_now(job->reg);
    } else if (old == CIMJOB_JOB_STATE_SUSPENDED && job->suspended_since >= 0) {
        int64_t now = cimjob__reg_now(job->reg);
        if (now > job->suspended_since)
            job->suspended_us += (uint64_t)(now - job->suspended_since);
        job->suspended_since = -1;
    }
    cimjob__job_clock_sync(job);
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
    const char *argv0 = job->spawn_opts.argv ? job->spawn_opts.argv[0] : job->spawn_opts.name;
    snprintf(num, sizeof num, "%lu", (unsigned long)job->error_code);
    /* A program that ran and ended before the job left Starting (a quick `exit 3`) is not a
     * failed start: only a spawn error or the helper's 126/127 (exec failed) are. */
    if (starting && !job->spawn_rc && job->error_code != 126 && job->error_code != 127 &&
        (job->exit_status > 0 || job->term_signal > 0))
        starting = 0;
    if (starting) {
        const char *args[2] = {argv0, desc};
        if (job->spawn_rc == CIMJOB_RC_NOT_SUPPORTED &&
            job->spawn_opts.containment != CIMJOB_CONTAINMENT_AUTO) {
            const char *cargs[2] = {cimjob_containment_name((int)job->spawn_opts.containment),
                                    desc};
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
void cimjob__job_finalize(cimjob_job *job, const cimjob_backend_result *r)
{
    cimjob_job_state final;
    cimjob__queue_leave(job); /* its run slot, or its place in the queue */
    cimjob__job_touch(job);
    job->waiting = CIMJOB_WAITING_NONE;
    job->ended = 1;
    job->end_mono_us = cimjob__reg_now(job->reg);
    cimjob__job_clock_sync(job);
    if (r) {
        job->error_code = r->error_code;
        job->exit_status = r->exit_status;
        job->term_signal = r->term_signal;
        job->core_dumped = r->version >= 2 && r->core_dumped && r->term_signal > 0;
        /* Out of memory loses the description, never the end of the job. */
        (void)cimjob__job_set_text(&job->error_description,
                                   r->error_description ? r->error_description : "");
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
        cimjob__job_clock_sync(job);
        job->plan->until_at = -1; /* a plan exists: sched_plan planned a run */
        job->changed_acc |= CIMJOB_PROPERTY_JOB_STATUS;
        cimjob__job_set_state(job, CIMJOB_JOB_STATE_SUSPENDED);
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
    cimjob__job_set_state(job, final);
}

/* Retention, once the job has ended; no job lock held. */
void cimjob__job_after_end(cimjob_job *job)
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
    if (cimjob__in_backend)
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
    cimjob__job_touch(job);
    job->between_runs = 0;
    job->ended = 1;
    cimjob__job_clock_sync(job);
    if (job->plan) {
        job->plan->run_at = -1;
        job->plan->next_run_us = CIMJOB_TIME_NONE;
    }
    job->waiting = CIMJOB_WAITING_NONE;
    cimjob__job_set_state(job, job->error_code ? CIMJOB_JOB_STATE_EXCEPTION
                                               : CIMJOB_JOB_STATE_COMPLETED);
    cimjob__mutex_unlock(&job->lock);
    cimjob__job_after_end(job);
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
