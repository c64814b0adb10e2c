/*
 * Jobs: creation, options and lifetime (references, destruction).
 */

#include <string.h>

#include "job_internal.h"
#include "text.h"

#define KNOWN_JOB_FLAGS                                                                            \
    (CIMJOB_JOB_START | CIMJOB_JOB_WAIT_FOR_ALL | CIMJOB_JOB_DIE_WITH_HOST |                       \
     CIMJOB_JOB_INHERIT_FDS | CIMJOB_JOB_FOREGROUND | CIMJOB_JOB_INHERIT_SIGNALS)

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

/* The job's copies of its options' strings live behind its record, in the same allocation:
 * first the argv and envp pointer arrays (the record's size is a multiple of its alignment),
 * then the characters. */
typedef struct copies {
    size_t nptrs; /* pointers, NULLs included */
    size_t nchars;
} copies;

static void count_str(copies *c, const char *s)
{
    c->nchars += strlen(s) + 1;
}

static void count_strv(copies *c, const char *const *v)
{
    size_t n = strv_len(v);
    c->nptrs += n + 1;
    for (size_t i = 0; i < n; i++)
        count_str(c, v[i]);
}

static copies count_copies(const cimjob_job_options *o, const char *owner)
{
    copies c = {0, 0};
    count_str(&c, o->name);
    count_str(&c, owner);
    if (o->argv)
        count_strv(&c, o->argv);
    if (o->envp)
        count_strv(&c, o->envp);
    if (o->cwd)
        count_str(&c, o->cwd);
    for (int i = 0; i < 3; i++)
        if (o->stdio[i].mode == CIMJOB_STDIO_FILE)
            count_str(&c, o->stdio[i].path);
    return c;
}

static const char *pack_str(char **chars, const char *s)
{
    size_t len = strlen(s) + 1;
    char *out = *chars;
    memcpy(out, s, len);
    *chars += len;
    return out;
}

static const char *const *pack_strv(const char ***ptrs, char **chars, const char *const *v)
{
    const char **out = *ptrs;
    size_t n = strv_len(v);
    for (size_t i = 0; i < n; i++)
        out[i] = pack_str(chars, v[i]);
    out[n] = NULL;
    *ptrs += n + 1;
    return out;
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

/* What the job allocated besides its record (its option strings are part of the record). */
static void free_copies(cimjob_job *job)
{
    cimjob__free(job->instance_id);
    cimjob__free(job->error_description);
    cimjob__free(job->job_status);
    if (job->plan) {
        cimjob__free(job->plan->notify);
        cimjob__free(job->plan->other_recovery_action);
        cimjob__free(job->plan);
    }
    cimjob__job_clear_errors(job);
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

/* The options as the job keeps them: the strings copied behind the record (n: their sizes,
 * from count_copies()), the LocalID dropped (the InstanceID has it). */
static void copy_options(cimjob_job *job, const cimjob_job_options *o, const char *owner, copies n)
{
    cimjob_job_options *c = &job->spawn_opts;
    const char **ptrs = (const char **)(void *)(job + 1);
    char *chars = (char *)(void *)(ptrs + n.nptrs);
    *c = *o;
    c->local_id = NULL;
    c->name = pack_str(&chars, o->name);
    c->owner = pack_str(&chars, owner);
    c->argv = o->argv ? pack_strv(&ptrs, &chars, o->argv) : NULL;
    c->envp = o->envp ? pack_strv(&ptrs, &chars, o->envp) : NULL;
    c->cwd = o->cwd ? pack_str(&chars, o->cwd) : NULL;
    for (int i = 0; i < 3; i++)
        c->stdio[i].path =
            o->stdio[i].mode == CIMJOB_STDIO_FILE ? pack_str(&chars, o->stdio[i].path) : NULL;
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

    char ident[CIMJOB_TEXT_MAX + 1];
    const char *owner = opts->owner;
    if (!owner) {
        if (cimjob__current_identity(ident, sizeof ident) != 0)
            cimjob__strlcpy(ident, "unknown", sizeof ident);
        owner = ident;
    }
    copies n = count_copies(opts, owner);
    cimjob_job *job = cimjob__calloc(1, sizeof *job + n.nptrs * sizeof(char *) + n.nchars);
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
    job->delete_on_completion = !!opts->delete_on_completion;
    job->time_before_removal_us = opts->time_before_removal_us;
    job->time_submitted_us = cimjob__reg_realtime(reg);
    job->time_of_last_state_change_us = CIMJOB_TIME_NONE;
    job->start_time_us = CIMJOB_TIME_NONE;
    job->start_mono_us = job->end_mono_us = -1;
    job->suspended_since = -1;
    job->escalate_at = job->remove_at = -1;
    job->exit_status = -1;
    job->containment = CIMJOB_CONTAINMENT_NONE;
    atomic_init(&job->revision, 1);
    atomic_init(&job->elapsed_clock, -1); /* not started: 0 */

    copy_options(job, opts, owner, n);
    if ((rc = cimjob__reg_insert(reg, job, opts->local_id)) != CIMJOB_RC_SUCCESS) {
        cimjob__job_destroy(job);
        return rc;
    }
    cimjob__mutex_lock(&job->lock);
    cimjob__reg_indicate(reg, job, CIMJOB_EVENT_CREATION, 0, CIMJOB_REMOVAL_NONE);
    cimjob__mutex_unlock(&job->lock);
    cimjob__reg_deliver(reg);
    if (opts->flags & CIMJOB_JOB_START) {
        cimjob__request rq = {CIMJOB_REQUEST_START, 0, 0, 0, 0, 0};
        cimjob__job_request(job, &rq);
    }
    if (out)
        *out = job; /* the creator's reference */
    else
        cimjob_job_release(job);
    return CIMJOB_RC_SUCCESS;
}
