/*
 * Snapshots of a job (cimjob_query) and their datetime properties.
 */

#include <string.h>

#include "job_internal.h"

/* ElapsedTime now: executing time, not the time spent Suspended (and not yet resumed). With
 * job->lock held. */
static uint64_t elapsed_us(cimjob_job *job)
{
    if (job->start_mono_us < 0)
        return 0;
    int64_t end = job->ended || job->between_runs ? job->end_mono_us : cimjob__reg_now(job->reg);
    if (job->suspended_since >= 0 && job->suspended_since < end)
        end = job->suspended_since;
    uint64_t e = end > job->start_mono_us ? (uint64_t)(end - job->start_mono_us) : 0;
    return e > job->suspended_us ? e - job->suspended_us : 0;
}

void cimjob__job_clock_sync(cimjob_job *job)
{
    int64_t c;
    if (job->start_mono_us < 0) {
        c = -1; /* never started: stopped at 0 */
    } else if (job->ended || job->between_runs || job->suspended_since >= 0) {
        /* Stopped: elapsed_us() with an end that no longer moves. */
        int64_t end = job->ended || job->between_runs ? job->end_mono_us : INT64_MAX;
        if (job->suspended_since >= 0 && job->suspended_since < end)
            end = job->suspended_since;
        uint64_t e = end > job->start_mono_us ? (uint64_t)(end - job->start_mono_us) : 0;
        e = e > job->suspended_us ? e - job->suspended_us : 0;
        c = e < (uint64_t)INT64_MAX ? -(int64_t)e - 1 : INT64_MIN;
    } else {
        c = job->start_mono_us + (int64_t)job->suspended_us; /* running: now - c */
    }
    atomic_store_explicit(&job->elapsed_clock, c, memory_order_release);
}

cimjob_rc cimjob_job_revision(cimjob_job *job, uint64_t *revision, uint64_t *elapsed_time_us)
{
    if (!job || !revision)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_job_revision: NULL argument");
    /* No lock: the revision and the ElapsedTime clock are single words written under it. */
    if (atomic_load_explicit(&job->dead, memory_order_acquire))
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_job_revision: job '%s' was removed",
                            job->instance_id);
    *revision = atomic_load_explicit(&job->revision, memory_order_acquire);
    if (elapsed_time_us) {
        int64_t c = atomic_load_explicit(&job->elapsed_clock, memory_order_acquire);
        if (c < 0) {
            *elapsed_time_us = (uint64_t)(-(c + 1));
        } else {
            int64_t now = cimjob__reg_now(job->reg);
            *elapsed_time_us = now > c ? (uint64_t)(now - c) : 0;
        }
    }
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_query(cimjob_job *job, cimjob_info *info)
{
    if (!job || !info)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_query: NULL argument");
    if (info->version < 1 || info->version > CIMJOB_INFO_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "cimjob_query: unknown snapshot version %u",
                            info->version);
    cimjob_registry *reg = job->reg;
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_query: job '%s' was removed",
                            job->instance_id);
    }
    info->job_state = job->state;
    info->time_of_last_state_change_us = job->time_of_last_state_change_us;
    info->start_time_us = job->start_time_us;
    info->elapsed_time_us = elapsed_us(job);
    info->percent_complete = job->percent;
    info->error_code = job->error_code;
    strcpy(info->error_description, job->error_description ? job->error_description : "");
    strcpy(info->job_status, job->job_status ? job->job_status : "");
    info->containment = job->containment;
    info->exit_status = job->exit_status;
    info->term_signal = job->term_signal;
    info->escalated = job->escalated;
    info->time_before_removal_us = job->time_before_removal_us;
    info->delete_on_completion = job->delete_on_completion;
    info->priority = job->priority;
    if (info->version >= 2) {
        info->cim_error_code = cimjob_cim_error_code(job->error_code);
        info->waiting = job->waiting;
        info->runs = job->runs;
        info->next_run_us = cimjob__plan_of(job)->next_run_us;
    }
    if (info->version >= 3)
        info->core_dumped = job->core_dumped;
    cimjob__mutex_unlock(&job->lock);

    /* Immutable after creation: no lock needed. */
    strcpy(info->instance_id, job->instance_id);
    strcpy(info->name, job->spawn_opts.name);
    cimjob__strlcpy(info->owner, job->spawn_opts.owner, sizeof info->owner);
    info->time_submitted_us = job->time_submitted_us;
    info->utc_offset_min = reg->utc_offset_min;
    cimjob__strlcpy(info->backend, reg->be->name, sizeof info->backend);
    cimjob__info_operational_status(info);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_info_format_time(const cimjob_info *info, cimjob_time_property prop, char *out)
{
    if (!info || !out)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_info_format_time: NULL argument");
    switch (prop) {
    case CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE:
        if (info->time_of_last_state_change_us == CIMJOB_TIME_NONE) {
            strcpy(out, CIMJOB_INTERVAL_ZERO);
            return CIMJOB_RC_SUCCESS;
        }
        return cimjob_timestamp_format(info->time_of_last_state_change_us, info->utc_offset_min,
                                       out);
    case CIMJOB_PROP_TIME_SUBMITTED:
        return cimjob_timestamp_format(info->time_submitted_us, info->utc_offset_min, out);
    case CIMJOB_PROP_START_TIME:
        if (info->start_time_us == CIMJOB_TIME_NONE) {
            out[0] = '\0';
            return cimjob__fail(CIMJOB_RC_NOT_FOUND,
                                "cimjob_info_format_time: StartTime is NULL (never started)");
        }
        return cimjob_timestamp_format(info->start_time_us, info->utc_offset_min, out);
    case CIMJOB_PROP_ELAPSED_TIME:
        return cimjob_interval_format(info->elapsed_time_us, out);
    case CIMJOB_PROP_TIME_BEFORE_REMOVAL:
        return cimjob_interval_format(info->time_before_removal_us, out);
    }
    return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_info_format_time: unknown property %d",
                        (int)prop);
}
