/*
 * The run queue: an optional limit on how many jobs of a registry run at once. A Start beyond
 * it leaves the job New and waiting (JobStatus says so); as running jobs end, waiting ones start
 * in Priority order (lower is higher), first come first served within a Priority.
 */
#include <stdio.h>

#include "internal.h"

#define WAIT_TEXT "Waiting for a run slot"

/* With reg->lock held. */
static void queue_insert(cimjob_registry *reg, cimjob_job *job)
{
    cimjob_job **pp = &reg->queue_head;
    while (*pp && ((*pp)->priority < job->priority ||
                   ((*pp)->priority == job->priority && (*pp)->queue_seq < job->queue_seq)))
        pp = &(*pp)->queue_next;
    job->queue_next = *pp;
    *pp = job;
    job->queued = 1;
}

static void queue_unlink(cimjob_registry *reg, cimjob_job *job)
{
    cimjob_job **pp = &reg->queue_head;
    while (*pp && *pp != job)
        pp = &(*pp)->queue_next;
    if (*pp)
        *pp = job->queue_next;
    job->queue_next = NULL;
    job->queued = 0;
}

int cimjob__queue_admit(cimjob_job *job)
{
    cimjob_registry *reg = job->reg;
    int admitted;
    cimjob__mutex_lock(&reg->lock);
    if (job->queued) {
        admitted = 0;
    } else if (!reg->max_running || reg->running < reg->max_running) {
        reg->running++;
        job->admitted = 1;
        admitted = 1;
    } else {
        job->queue_seq = ++reg->queue_seq;
        queue_insert(reg, job);
        admitted = 0;
    }
    cimjob__mutex_unlock(&reg->lock);
    return admitted;
}

void cimjob__queue_leave(cimjob_job *job)
{
    cimjob_registry *reg = job->reg;
    cimjob__mutex_lock(&reg->lock);
    if (job->queued)
        queue_unlink(reg, job);
    if (job->admitted) {
        job->admitted = 0;
        reg->running--;
    }
    cimjob__mutex_unlock(&reg->lock);
}

void cimjob__queue_reorder(cimjob_job *job)
{
    cimjob_registry *reg = job->reg;
    cimjob__mutex_lock(&reg->lock);
    if (job->queued) {
        queue_unlink(reg, job);
        queue_insert(reg, job);
    }
    cimjob__mutex_unlock(&reg->lock);
}

void cimjob__queue_kick(cimjob_registry *reg)
{
    for (;;) {
        cimjob__rwlock_rdlock(&reg->map_lock);
        int closed = reg->closed;
        cimjob__rwlock_rdunlock(&reg->map_lock);
        if (closed)
            return;
        cimjob_job *job = NULL;
        cimjob__mutex_lock(&reg->lock);
        if (reg->queue_head && (!reg->max_running || reg->running < reg->max_running)) {
            job = reg->queue_head;
            queue_unlink(reg, job);
            /* Alive: a queued job is New, so its registry still holds it. */
            cimjob_job_ref(job);
            job->admitted = 1;
            reg->running++;
        }
        cimjob__mutex_unlock(&reg->lock);
        if (!job)
            return;
        cimjob__job_start_admitted(job);
        cimjob_job_release(job);
    }
}

cimjob_rc cimjob_registry_set_max_running(cimjob_registry *reg, unsigned int max)
{
    if (!reg)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_set_max_running: reg is NULL");
    cimjob__mutex_lock(&reg->lock);
    reg->max_running = max;
    cimjob__mutex_unlock(&reg->lock);
    cimjob__queue_kick(reg); /* a higher limit (or none) lets waiting jobs start now */
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_registry_running(cimjob_registry *reg, unsigned int *running,
                                  unsigned int *waiting)
{
    if (!reg)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_registry_running: reg is NULL");
    cimjob__mutex_lock(&reg->lock);
    unsigned int w = 0;
    for (cimjob_job *j = reg->queue_head; j; j = j->queue_next)
        w++;
    if (running)
        *running = reg->running;
    if (waiting)
        *waiting = w;
    cimjob__mutex_unlock(&reg->lock);
    return CIMJOB_RC_SUCCESS;
}
