/*
 * The registry's jobs for an enumeration, kept from one request to the next while the
 * registry's membership generation holds (cimjob_registry_generation()). Listing afresh took
 * and dropped a reference on every job per request: two request threads enumerating 1,000 jobs
 * passed each job's first cache line between the cores four times per request
 * (docs/performance.md). A kept list holds its references: a job removed since it was taken
 * is skipped as before (its revision or snapshot answers Not Found), and its record is freed
 * with the list, which the next enumeration after the change replaces.
 */
#include "internal.h"

#include <stdlib.h>

struct cx_jobs {
    atomic_uint refs; /* the service's (while it keeps the list) and one per request */
    uint64_t gen;     /* the generation read before the list was taken */
    size_t n;
    cimjob_job **jobs;
};

void cx_jobs_unref(cx_jobs *l)
{
    if (l && atomic_fetch_sub(&l->refs, 1) == 1) {
        cimjob_job_list_free(l->jobs, l->n);
        free(l);
    }
}

cx_jobs *cx_jobs_get(cimjob_cimxml *svc, cimjob_job ***jobs, size_t *n)
{
    uint64_t gen;
    if (cimjob_registry_generation(svc->reg, &gen) != CIMJOB_RC_SUCCESS)
        return NULL;
    pthread_mutex_lock(&svc->jobs_lock);
    cx_jobs *l = svc->jobs;
    if (l && l->gen == gen)
        atomic_fetch_add(&l->refs, 1);
    else
        l = NULL;
    pthread_mutex_unlock(&svc->jobs_lock);
    if (!l) {
        if (!(l = calloc(1, sizeof *l)))
            return NULL;
        if (cimjob_registry_list(svc->reg, &l->jobs, &l->n) != CIMJOB_RC_SUCCESS) {
            free(l);
            return NULL;
        }
        l->gen = gen;
        atomic_init(&l->refs, 1);
        cx_jobs *old = NULL;
        pthread_mutex_lock(&svc->jobs_lock);
        /* Kept unless another request kept a list of a later generation meanwhile. */
        if (!svc->jobs || svc->jobs->gen <= gen) {
            old = svc->jobs;
            atomic_fetch_add(&l->refs, 1);
            svc->jobs = l;
        }
        pthread_mutex_unlock(&svc->jobs_lock);
        cx_jobs_unref(old);
    }
    *jobs = l->jobs;
    *n = l->n;
    return l;
}

void cx_jobs_drop(cimjob_cimxml *svc)
{
    cx_jobs_unref(svc->jobs);
    svc->jobs = NULL;
}
