/*
 * RequestStateChange's acting half: one small function per action the state table decides.
 */

#include <string.h>

#include "job_internal.h"

/* The actions below are entered with job->lock held and return with it released. */

/* New -> Terminated or Killed: nothing was started, so nothing needs to be stopped. */
cimjob__outcome cimjob__act_end_unstarted(cimjob_job *job, const cimjob__request *rq)
{
    job->pending =
        rq->requested == CIMJOB_REQUEST_KILL ? CIMJOB__PENDING_KILL : CIMJOB__PENDING_TERMINATE;
    cimjob__job_finalize(job, NULL);
    cimjob__mutex_unlock(&job->lock);
    cimjob__job_after_end(job);
    return (cimjob__outcome){CIMJOB_RSC_COMPLETED, 0};
}

/* Starting: record the request; the starter applies it once the work exists. */
cimjob__outcome cimjob__act_pend(cimjob_job *job, const cimjob__request *rq, cimjob__action action)
{
    if (action == CIMJOB__ACT_PEND_KILL || job->pending == CIMJOB__PENDING_NONE)
        job->pending =
            action == CIMJOB__ACT_PEND_KILL ? CIMJOB__PENDING_KILL : CIMJOB__PENDING_TERMINATE;
    job->no_escalate = !!(rq->flags & CIMJOB_REQUEST_NO_ESCALATE);
    cimjob__mutex_unlock(&job->lock);
    return (cimjob__outcome){CIMJOB_RSC_COMPLETED, 1};
}

/* New -> Starting -> Running. */
cimjob__outcome cimjob__act_start(cimjob_job *job, const cimjob__request *rq)
{
    cimjob_registry *reg = job->reg;
    job->busy++;
    cimjob__job_touch(job);
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
        (void)cimjob__job_set_text(&job->error_description, "");
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
        (void)cimjob__job_set_text(&job->job_status, "");
        job->changed_acc |= CIMJOB_PROPERTY_JOB_STATUS;
    }
    job->between_runs = 0;
    cimjob__job_clock_sync(job);
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
    cimjob__job_set_state(job, CIMJOB_JOB_STATE_STARTING);
    cimjob__mutex_unlock(&job->lock);
    cimjob__reg_deliver(reg);
    return (cimjob__outcome){cimjob__job_spawn(job, rq->timeout_us), 0};
}

/* Suspend, Service and the Start that resumes: one slot call, then the new state. */
cimjob__outcome cimjob__act_pause_resume(cimjob_job *job, cimjob__action action)
{
    const cimjob_backend *be = job->reg->be;
    cimjob__slot_fn slot = action == CIMJOB__ACT_RESUME    ? be->resume
                           : action == CIMJOB__ACT_SUSPEND ? be->suspend
                                                           : be->service;
    int rsc = CIMJOB_RSC_COMPLETED;
    job->busy++;
    cimjob__mutex_unlock(&job->lock);
    cimjob_rc rc = cimjob__job_call_slot(job, slot);
    cimjob__mutex_lock(&job->lock);
    job->busy--;
    if (rc != CIMJOB_RC_SUCCESS) {
        rsc = rc == CIMJOB_RC_NOT_SUPPORTED ? CIMJOB_RSC_NOT_SUPPORTED : CIMJOB_RSC_FAILED;
    } else if (!job->ended && job->pending == CIMJOB__PENDING_NONE) {
        /* A Kill or Terminate that came in meanwhile owns the state now. */
        if (action == CIMJOB__ACT_RESUME) {
            cimjob__job_set_state(job, CIMJOB_JOB_STATE_STARTING);
            cimjob__job_set_state(job, CIMJOB_JOB_STATE_RUNNING);
        } else {
            cimjob__job_set_state(job, action == CIMJOB__ACT_SUSPEND ? CIMJOB_JOB_STATE_SUSPENDED
                                                                     : CIMJOB_JOB_STATE_SERVICE);
        }
    }
    cimjob__mutex_unlock(&job->lock);
    return (cimjob__outcome){rsc, 0};
}

/* Terminate or Kill a started job: -> Shutting Down, then wait for the end. The KillJob
 * DeleteOnKill state the caller saw before applying the request is restored if the request
 * cannot even be signalled. */
cimjob__outcome cimjob__act_stop(cimjob_job *job, const cimjob__request *rq, int kill,
                                 int prev_delete_on_kill, int prev_keep)
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
        rc =
            cimjob__job_call_slot(job, reg->be->resume); /* a stopped job cannot hear the request */
        resumed = rc == CIMJOB_RC_SUCCESS;
    }
    if (rc == CIMJOB_RC_SUCCESS)
        rc = cimjob__job_call_slot(job, kill ? reg->be->kill : reg->be->terminate);
    cimjob__mutex_lock(&job->lock);
    job->busy--;
    if (rc != CIMJOB_RC_SUCCESS && !job->ended) {
        if (resumed) {
            /* It runs again, whatever became of the Terminate: say so. */
            cimjob__job_set_state(job, CIMJOB_JOB_STATE_STARTING);
            cimjob__job_set_state(job, CIMJOB_JOB_STATE_RUNNING);
        }
        job->pending = prev;
        job->delete_on_kill = prev_delete_on_kill;
        job->keep = prev_keep;
        cimjob__mutex_unlock(&job->lock);
        return (cimjob__outcome){
            rc == CIMJOB_RC_NOT_SUPPORTED ? CIMJOB_RSC_NOT_SUPPORTED : CIMJOB_RSC_FAILED, 0};
    }
    cimjob__mutex_unlock(&job->lock);
    cimjob__job_begin_shutdown(job, kill,
                               kill ? 0 : cimjob__job_terminate_timeout(job, rq->timeout_us));
    return (cimjob__outcome){CIMJOB_RSC_COMPLETED, 1};
}
