/*
 * Removing a job from its registry, and its user data.
 */

#include "job_internal.h"

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
    cimjob__job_touch(job);
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
