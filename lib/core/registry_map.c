/*
 * A registry's map: jobs by InstanceID (a hash table with the InstanceID's hash cached in
 * the job), retired InstanceIDs, the list in creation order, and lookups.
 */

#include <string.h>

#include "registry_internal.h"

static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 32));
}

static cimjob_job *map_get(cimjob_registry *reg, const char *id)
{
    size_t h = hash_str(id);
    /* The hash first: a job that does not match costs one cache line, not its string. */
    for (cimjob_job *j = reg->buckets[h & (reg->nbuckets - 1)]; j; j = j->hash_next)
        if (j->hash == h && strcmp(j->instance_id, id) == 0)
            return j;
    return NULL;
}

static int tomb_has(cimjob_registry *reg, const char *id)
{
    for (cimjob__tombstone *t = reg->tombs[hash_str(id) & (reg->ntombs_buckets - 1)]; t;
         t = t->next)
        if (strcmp(t->id, id) == 0)
            return 1;
    return 0;
}

/* Double the buckets when the load passes 1; a failed grow only costs speed. */
static void map_grow(cimjob_registry *reg)
{
    size_t n = reg->nbuckets * 2;
    cimjob_job **b = cimjob__calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < reg->nbuckets; i++) {
        cimjob_job *j = reg->buckets[i];
        while (j) {
            cimjob_job *next = j->hash_next;
            size_t k = j->hash & (n - 1);
            j->hash_next = b[k];
            b[k] = j;
            j = next;
        }
    }
    cimjob__free(reg->buckets);
    reg->buckets = b;
    reg->nbuckets = n;
}

/* The membership changed (map_lock held for writing: one writer, no read-modify-write). */
static void generation_move(cimjob_registry *reg)
{
    uint64_t g = atomic_load_explicit(&reg->generation, memory_order_relaxed);
    atomic_store_explicit(&reg->generation, g + 1, memory_order_release);
}

cimjob_rc cimjob__reg_insert(cimjob_registry *reg, cimjob_job *job, const char *local_id)
{
    size_t org_len = strlen(reg->org_id);
    char buf[CIMJOB_INSTANCE_ID_MAX + 1];
    cimjob_rc rc = CIMJOB_RC_SUCCESS;

    cimjob__rwlock_wrlock(&reg->map_lock);
    if (reg->closed) {
        rc = cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_create: the registry is being freed");
        goto out;
    }
    if (local_id) {
        if (org_len + 1 + strlen(local_id) > CIMJOB_INSTANCE_ID_MAX) {
            rc = cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                              "cimjob_create: InstanceID would exceed %d bytes",
                              CIMJOB_INSTANCE_ID_MAX);
            goto out;
        }
        memcpy(buf, reg->org_id, org_len);
        buf[org_len] = ':';
        strcpy(buf + org_len + 1, local_id);
        if (map_get(reg, buf) || tomb_has(reg, buf)) {
            rc = cimjob__fail(CIMJOB_RC_EXISTS, "cimjob_create: InstanceID '%s' is or was in use",
                              buf);
            goto out;
        }
    } else {
        /* Numbers never go back; skip any a caller took by hand. */
        do {
            unsigned long long n = (unsigned long long)reg->next_local_id++;
            char num[24];
            size_t k = sizeof num;
            num[--k] = '\0';
            do {
                num[--k] = (char)('0' + n % 10);
                n /= 10;
            } while (n);
            size_t inc_len = strlen(reg->incarnation);
            memcpy(buf, reg->org_id, org_len);
            buf[org_len] = ':';
            memcpy(buf + org_len + 1, reg->incarnation, inc_len);
            buf[org_len + 1 + inc_len] = '-';
            strcpy(buf + org_len + 2 + inc_len, num + k);
        } while (map_get(reg, buf) || tomb_has(reg, buf));
    }
    job->instance_id = cimjob__strdup(buf);
    if (!job->instance_id) {
        rc = cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_create: out of memory");
        goto out;
    }
    if (local_id) {
        /* Reserve the tombstone now, so removal cannot fail for lack of memory. */
        size_t len = strlen(buf) + 1;
        cimjob__tombstone *t = cimjob__malloc(sizeof *t + len);
        if (!t) {
            cimjob__free(job->instance_id);
            job->instance_id = NULL;
            rc = cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_create: out of memory");
            goto out;
        }
        memcpy(t->id, buf, len);
        size_t k = hash_str(buf) & (reg->ntombs_buckets - 1);
        t->next = reg->tombs[k];
        reg->tombs[k] = t;
    }
    job->hash = hash_str(job->instance_id);
    size_t k = job->hash & (reg->nbuckets - 1);
    job->hash_next = reg->buckets[k];
    reg->buckets[k] = job;
    job->list_prev = reg->tail;
    job->list_next = NULL;
    if (reg->tail)
        reg->tail->list_next = job;
    else
        reg->head = job;
    reg->tail = job;
    reg->count++;
    generation_move(reg);
    if (reg->count > reg->nbuckets)
        map_grow(reg);
out:
    cimjob__rwlock_wrunlock(&reg->map_lock);
    return rc;
}

void cimjob__reg_unlink(cimjob_registry *reg, cimjob_job *job)
{
    cimjob__rwlock_wrlock(&reg->map_lock);
    cimjob_job **pp = &reg->buckets[job->hash & (reg->nbuckets - 1)];
    while (*pp && *pp != job)
        pp = &(*pp)->hash_next;
    if (*pp) {
        *pp = job->hash_next;
        if (job->list_prev)
            job->list_prev->list_next = job->list_next;
        else
            reg->head = job->list_next;
        if (job->list_next)
            job->list_next->list_prev = job->list_prev;
        else
            reg->tail = job->list_prev;
        job->list_prev = job->list_next = job->hash_next = NULL;
        reg->count--;
        generation_move(reg);
    }
    cimjob__rwlock_wrunlock(&reg->map_lock);
}

cimjob_rc cimjob_find(cimjob_registry *reg, const char *instance_id, cimjob_job **out)
{
    if (!reg || !instance_id || !out)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_find: NULL argument");
    cimjob__rwlock_rdlock(&reg->map_lock);
    cimjob_job *job = map_get(reg, instance_id);
    if (job)
        cimjob_job_ref(job);
    cimjob__rwlock_rdunlock(&reg->map_lock);
    if (!job)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_find: no job '%.300s'", instance_id);
    *out = job;
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_registry_count(cimjob_registry *reg, size_t *count)
{
    if (!reg || !count)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_registry_count: NULL argument");
    cimjob__rwlock_rdlock(&reg->map_lock);
    *count = reg->count;
    cimjob__rwlock_rdunlock(&reg->map_lock);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_registry_generation(cimjob_registry *reg, uint64_t *generation)
{
    if (!reg || !generation)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_generation: NULL argument");
    *generation = atomic_load_explicit(&reg->generation, memory_order_acquire);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_registry_list(cimjob_registry *reg, cimjob_job ***jobs, size_t *count)
{
    if (!reg || !jobs || !count)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_registry_list: NULL argument");
    cimjob__rwlock_rdlock(&reg->map_lock);
    size_t n = reg->count;
    cimjob_job **arr = NULL;
    if (n) {
        arr = cimjob__malloc(n * sizeof *arr);
        if (!arr) {
            cimjob__rwlock_rdunlock(&reg->map_lock);
            return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_registry_list: out of memory");
        }
        size_t i = 0;
        for (cimjob_job *j = reg->head; j; j = j->list_next)
            arr[i++] = cimjob_job_ref(j);
    }
    cimjob__rwlock_rdunlock(&reg->map_lock);
    *jobs = arr;
    *count = n;
    return CIMJOB_RC_SUCCESS;
}

void cimjob_job_list_free(cimjob_job **jobs, size_t count)
{
    if (!jobs)
        return;
    for (size_t i = 0; i < count; i++)
        cimjob_job_release(jobs[i]);
    cimjob__free(jobs);
}
