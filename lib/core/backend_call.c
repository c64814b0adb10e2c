/* See backend_call.h. */
#include "backend_call.h"

#include "internal.h"

cimjob_rc cimjob__job_backend_call(cimjob_job *job, const cimjob_backend *be,
                                   cimjob_rc (*fn)(void *state, void *job_state, void *ctx),
                                   void *ctx)
{
    if (job == NULL || be == NULL || fn == NULL)
        return CIMJOB_RC_INVALID_PARAMETER;
    if (job->reg->be != be)
        return CIMJOB_RC_NOT_SUPPORTED;
    cimjob_rc rc = CIMJOB_RC_INVALID_STATE;
    cimjob__mutex_lock(&job->op_lock);
    cimjob__mutex_lock(&job->lock);
    void *be_job = job->removed ? NULL : job->be_job;
    cimjob__mutex_unlock(&job->lock);
    if (be_job != NULL)
        rc = fn(job->reg->be_state, be_job, ctx);
    cimjob__mutex_unlock(&job->op_lock);
    return rc;
}
