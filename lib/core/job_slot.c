/*
 * The core's calls into the backend for one job: request slots serialised per job, the
 * start of the work, and the Shutting Down that follows a kill or terminate slot.
 */

#include "job_internal.h"

/* Depth of backend slot calls made by the core on this thread: a report made from inside one
 * must not run callbacks (the caller may hold the pump). */
_Thread_local int cimjob__in_backend;

/* Call a request slot, serialised per job. A job whose backend state is gone has nothing left
 * to act on: that is success, not failure (its processes are already reaped). */
cimjob_rc cimjob__job_call_slot(cimjob_job *job, cimjob__slot_fn slot)
{
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    cimjob__mutex_lock(&job->op_lock);
    cimjob__mutex_lock(&job->lock);
    void *be_job = job->be_job;
    cimjob__mutex_unlock(&job->lock);
    if (be_job && slot) {
        cimjob__in_backend++;
        rc = slot(job->reg->be_state, be_job);
        cimjob__in_backend--;
    }
    cimjob__mutex_unlock(&job->op_lock);
    return rc;
}

void cimjob__job_schedule_kill_retry(cimjob_job *job, int retries)
{
    int64_t every = retries < 100 ? CIMJOB__KILL_RETRY_US : CIMJOB__KILL_RETRY_SLOW_US;
    cimjob__reg_timer_add(job->reg, job, CIMJOB__TIMER_KILL_RETRY,
                          cimjob__reg_now(job->reg) + every);
}

/* The transition after a successful kill or terminate slot: Shutting Down, timers. */
void cimjob__job_begin_shutdown(cimjob_job *job, int kill, uint64_t timeout_us)
{
    int64_t escalate_at = -1;
    cimjob__mutex_lock(&job->lock);
    if (job->ended) {
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    cimjob__job_set_state(job, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    if (!kill && timeout_us != UINT64_MAX) {
        job->escalate_at = escalate_at = cimjob__reg_now(job->reg) + (int64_t)timeout_us;
        job->terminate_grace_ms =
            timeout_us / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(timeout_us / 1000);
    }
    cimjob__mutex_unlock(&job->lock);
    if (kill)
        cimjob__job_schedule_kill_retry(job, 0);
    else if (escalate_at >= 0)
        cimjob__reg_timer_add(job->reg, job, CIMJOB__TIMER_ESCALATE, escalate_at);
}

uint64_t cimjob__job_terminate_timeout(cimjob_job *job, uint64_t timeout_us)
{
    return timeout_us ? timeout_us : job->reg->default_terminate_timeout_us;
}

/* Start the work: New -> Starting -> Running, applying a Kill or Terminate that came in
 * meanwhile. Returns the RequestStateChange code. */
int cimjob__job_spawn(cimjob_job *job, uint64_t timeout_us)
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
    cimjob__in_backend++;
    rc = reg->be->spawn(reg->be_state, job, &job->spawn_opts, &be_job);
    cimjob__in_backend--;
    cimjob_containment c = CIMJOB_CONTAINMENT_NONE;
    if (rc == CIMJOB_RC_SUCCESS && reg->be->containment)
        c = reg->be->containment(reg->be_state, be_job);
    cimjob__mutex_lock(&job->lock);
    job->busy--;
    if (rc == CIMJOB_RC_SUCCESS) {
        job->be_job = be_job;
        job->containment = c;
        cimjob__job_touch(job);
    }
    int pending = job->pending;
    if (rc != CIMJOB_RC_SUCCESS) {
        if (!job->ended) {
            cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
            r.error_code = (uint32_t)rc;
            r.error_description = cimjob_last_error();
            job->spawn_rc = (int)rc;
            job->pending = CIMJOB__PENDING_NONE; /* a failed start is an Exception */
            cimjob__job_finalize(job, &r);
        }
    } else if (!job->ended) {
        cimjob__job_set_state(job,
                              pending ? CIMJOB_JOB_STATE_SHUTTING_DOWN : CIMJOB_JOB_STATE_RUNNING);
    }
    int ended = job->ended;
    cimjob__mutex_unlock(&job->lock);
    cimjob__mutex_unlock(&job->op_lock);

    if (rc != CIMJOB_RC_SUCCESS || ended) {
        cimjob__reg_queue_release(reg, job);
        cimjob__job_after_end(job);
        return rc != CIMJOB_RC_SUCCESS ? CIMJOB_RSC_FAILED : CIMJOB_RSC_COMPLETED;
    }
    if (pending == CIMJOB__PENDING_KILL) {
        cimjob__job_call_slot(job, reg->be->kill);
        cimjob__job_begin_shutdown(job, 1, 0);
    } else if (pending == CIMJOB__PENDING_TERMINATE) {
        cimjob__job_call_slot(job, reg->be->terminate);
        cimjob__job_begin_shutdown(job, 0, cimjob__job_terminate_timeout(job, timeout_us));
    }
    return CIMJOB_RSC_COMPLETED;
}
