/*
 * A job's timers: Terminate escalation, kill retries, scheduled runs, UntilTime, retention.
 */

#include <cimjob/cim_error.h>

#include "job_internal.h"

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
        cimjob__job_touch(job);
        (void)cimjob__job_set_text(&job->job_status,
                                   "Terminate escalated to Kill: the job did not end "
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
        cimjob__job_call_slot(job, reg->be->kill);
        cimjob__job_schedule_kill_retry(job, 0);
        return;
    case CIMJOB__TIMER_KILL_RETRY: {
        if (job->ended) {
            cimjob__mutex_unlock(&job->lock);
            return;
        }
        int retries = ++job->kill_retries;
        cimjob__mutex_unlock(&job->lock);
        cimjob__job_call_slot(job, reg->be->kill);
        cimjob__job_schedule_kill_retry(job, retries);
        return;
    }
    case CIMJOB__TIMER_RUN: {
        int due = job->plan && job->plan->run_at == when && !job->ended &&
                  ((job->state == CIMJOB_JOB_STATE_NEW && job->runs == 0) || job->between_runs);
        if (due)
            job->plan->run_at = -2; /* cimjob__act_start: this run is the scheduled one */
        cimjob__mutex_unlock(&job->lock);
        if (due) {
            cimjob__request rq = {CIMJOB_REQUEST_START, 0, 0, 0, 0, 0};
            (void)cimjob__job_request(job, &rq);
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
            cimjob__request rq = {CIMJOB_REQUEST_TERMINATE, 0, CIMJOB_REQUEST_ASYNC, 0, 0, 0};
            (void)cimjob__job_request(job, &rq);
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
