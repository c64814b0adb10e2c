/*
 * The service: options, the task records (what a job does not know about its Task: who
 * cancelled it, its TimeoutPeriod deadline, the last state and progress seen), the registry's
 * state changes turned into TaskEvent events, and the periodic tick.
 *
 * Locking: rf->lock guards the records, the sessions and the event queue, and is never held
 * while calling into libcimjob (whose callbacks come back here on the calling thread).
 */
#include "rf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t hash_id(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)(h % n);
}

static int rehash(cimjob_redfish *rf, size_t n)
{
    rf_task **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < rf->nbuckets; i++)
        for (rf_task *t = rf->buckets[i], *next; t; t = next) {
            next = t->next;
            size_t h = hash_id(t->id, n);
            t->next = b[h];
            b[h] = t;
        }
    free(rf->buckets);
    rf->buckets = b;
    rf->nbuckets = n;
    return 0;
}

rf_task *rf_task_get(cimjob_redfish *rf, const char *id, int create)
{
    size_t h = hash_id(id, rf->nbuckets);
    for (rf_task *t = rf->buckets[h]; t; t = t->next)
        if (strcmp(t->id, id) == 0)
            return t;
    if (!create)
        return NULL;
    if (rf->ntasks >= 2 * rf->nbuckets) {
        rehash(rf, rf->nbuckets * 4); /* a failure only makes chains longer */
        h = hash_id(id, rf->nbuckets);
    }
    size_t n = strlen(id);
    rf_task *t = calloc(1, sizeof *t + n + 1);
    if (!t)
        return NULL;
    memcpy(t->id, id, n + 1);
    t->last_state = CIMJOB_JOB_STATE_NEW;
    t->next = rf->buckets[h];
    rf->buckets[h] = t;
    rf->ntasks++;
    rf->gen++;
    return t;
}

void rf_task_set_owner(rf_task *t, const char *owner)
{
    if (!t->owner && owner && *owner)
        t->owner = strdup(owner); /* on failure it stays unknown: looked up again later */
}

int rf_task_drop(cimjob_redfish *rf, const char *id)
{
    rf_task **pp = &rf->buckets[hash_id(id, rf->nbuckets)];
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->id, id) == 0) {
            rf_task *t = *pp;
            *pp = t->next;
            free(t->owner);
            free(t);
            rf->ntasks--;
            rf->gen++;
            return 1;
        }
    return 0;
}

cimjob_job *rf_find(cimjob_redfish *rf, const char *id)
{
    char iid[CIMJOB_INSTANCE_ID_MAX + 2];
    if (!*id || strchr(id, ':') ||
        (size_t)snprintf(iid, sizeof iid, "%s:%s", rf->org_id, id) >= sizeof iid)
        return NULL;
    cimjob_job *job = NULL;
    if (cimjob_find(rf->o.registry, iid, &job) != CIMJOB_RC_SUCCESS)
        return NULL;
    return job;
}

int rf_may_access(const rf_call *c, const char *owner)
{
    if (c->req->role == CIMJOB_REDFISH_ROLE_ADMINISTRATOR)
        return 1;
    return c->req->user && owner && strcmp(c->req->user, owner) == 0;
}

cimjob_job *rf_task_for_call(rf_call *c, cimjob_info *info)
{
    cimjob_job *job = rf_find(c->rf, c->id);
    if (!job || cimjob_query(job, info) != CIMJOB_RC_SUCCESS) {
        cimjob_job_release(job);
        rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
        return NULL;
    }
    if (!rf_may_access(c, info->owner)) {
        cimjob_job_release(job);
        rf_error_base(c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
        return NULL;
    }
    return job;
}

cimjob_rc cimjob_redfish_new(const cimjob_redfish_options *opts, cimjob_redfish **out)
{
    if (!opts || !out || !opts->registry)
        return CIMJOB_RC_INVALID_PARAMETER;
    if (opts->version != CIMJOB_REDFISH_OPTIONS_VERSION)
        return CIMJOB_RC_INVALID_VERSION;
    if (opts->org_id && (strlen(opts->org_id) > 64 || strchr(opts->org_id, ':')))
        return CIMJOB_RC_INVALID_PARAMETER;
    cimjob_redfish *rf = calloc(1, sizeof *rf);
    if (!rf)
        return CIMJOB_RC_NO_MEMORY;
    rf->o = *opts;
    snprintf(rf->org_id, sizeof rf->org_id, "%s", opts->org_id ? opts->org_id : "libcimjob");
    rf->o.org_id = rf->org_id;
    if (!rf->o.max_sessions)
        rf->o.max_sessions = 64;
    if (!rf->o.session_timeout_s)
        rf->o.session_timeout_s = 1800;
    rf->default_removal_us = CIMJOB_DEFAULT_TIME_BEFORE_REMOVAL_US;
    rf->nbuckets = 256;
    rf->buckets = calloc(rf->nbuckets, sizeof *rf->buckets);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (!rf->buckets || pthread_mutex_init(&rf->lock, NULL) != 0 ||
        pthread_cond_init(&rf->event_cond, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        free(rf->buckets);
        free(rf);
        return CIMJOB_RC_NO_MEMORY;
    }
    pthread_condattr_destroy(&ca);
    /* A UUID for the ServiceRoot (version 4, random). */
    unsigned char u[16];
    FILE *f = fopen("/dev/urandom", "rbe");
    size_t got = f ? fread(u, 1, sizeof u, f) : 0;
    if (f)
        fclose(f);
    if (got != sizeof u)
        for (size_t i = 0; i < sizeof u; i++)
            u[i] = (unsigned char)(rf_now_us() >> (i % 8));
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    snprintf(rf->uuid, sizeof rf->uuid,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    *out = rf;
    return CIMJOB_RC_SUCCESS;
}

void cimjob_redfish_free(cimjob_redfish *rf)
{
    if (!rf)
        return;
    for (size_t i = 0; i < rf->nbuckets; i++)
        for (rf_task *t = rf->buckets[i], *next; t; t = next) {
            next = t->next;
            free(t->owner);
            free(t);
        }
    free(rf->buckets);
    free(rf->coll); /* no reader is left when the service is freed */
    rf_sessions_free(rf);
    for (size_t i = 0; i < RF_EVENTS; i++)
        free(rf->events[i].json);
    pthread_cond_destroy(&rf->event_cond);
    pthread_mutex_destroy(&rf->lock);
    free(rf);
}

const char *cimjob_redfish_task_state(cimjob_job_state state, int cancelled)
{
    switch (state) {
    case CIMJOB_JOB_STATE_NEW:
        return "New";
    case CIMJOB_JOB_STATE_STARTING:
        return "Starting";
    case CIMJOB_JOB_STATE_RUNNING:
        return "Running";
    case CIMJOB_JOB_STATE_SUSPENDED:
        return "Suspended";
    case CIMJOB_JOB_STATE_SHUTTING_DOWN:
        return cancelled ? "Cancelling" : "Stopping";
    case CIMJOB_JOB_STATE_COMPLETED:
        return "Completed";
    case CIMJOB_JOB_STATE_TERMINATED:
    case CIMJOB_JOB_STATE_KILLED: /* TaskState Killed is deprecated since Task 1.2.0 */
        return "Cancelled";
    case CIMJOB_JOB_STATE_SERVICE:
        return "Service";
    case CIMJOB_JOB_STATE_QUERY_PENDING:
        return "Interrupted";
    case CIMJOB_JOB_STATE_EXCEPTION:
    default:
        return "Exception";
    }
}

/* ---- events ------------------------------------------------------------------------------------
 */

json_t *rf_event_new(const char *key, const char *arg1, const char *arg2)
{
    return rf_event_new_in(RF_TASKEV_PREFIX, key, arg1, arg1, arg2);
}

json_t *rf_event_new_in(const char *prefix, const char *key, const char *id, const char *arg1,
                        const char *arg2)
{
    json_t *m = rf_message(prefix, key, arg1, arg2, NULL);
    if (!m)
        return NULL;
    char uri[CIMJOB_INSTANCE_ID_MAX + 64], ts[64];
    snprintf(uri, sizeof uri, RF_TASKS "/%s", id);
    rf_time_iso(rf_now_us(), ts);
    json_object_del(m, "Resolution");
    json_object_set_new(m, "EventType", json_string("Other"));
    json_object_set_new(m, "MemberId", json_string("0"));
    json_object_set_new(m, "EventTimestamp", json_string(ts));
    json_object_set_new(m, "OriginOfCondition", json_pack("{s:s}", "@odata.id", uri));
    return m;
}

void rf_event_push(cimjob_redfish *rf, const char *owner, json_t *record)
{
    if (!record)
        return;
    pthread_mutex_lock(&rf->lock);
    uint64_t seq = rf->event_head++;
    char id[32];
    snprintf(id, sizeof id, "%llu", (unsigned long long)seq + 1);
    json_object_set_new(record, "EventId", json_string(id));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:[o]}", "@odata.type", "#Event.v1_13_0.Event",
                            "Id", id, "Name", "Task event", "Context", "cimjob", "Events", record);
    rf_event *e = &rf->events[seq % RF_EVENTS];
    free(e->json);
    e->json = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(doc);
    e->seq = seq;
    snprintf(e->owner, sizeof e->owner, "%s", owner ? owner : "");
    pthread_cond_broadcast(&rf->event_cond);
    pthread_mutex_unlock(&rf->lock);
}

uint64_t cimjob_redfish_event_cursor(cimjob_redfish *rf)
{
    if (!rf)
        return 0;
    pthread_mutex_lock(&rf->lock);
    uint64_t c = rf->event_head;
    pthread_mutex_unlock(&rf->lock);
    return c;
}

/* The event a stream gets in place of the events that fell out of the queue before it read
 * them: Base.EventBufferExceeded, with no Id of the queue's (it is not one of its events). */
static char *lost_events_doc(void)
{
    json_t *m = rf_message(RF_BASE_PREFIX, "EventBufferExceeded", NULL, NULL, NULL);
    if (!m)
        return NULL;
    char ts[64];
    rf_time_iso(rf_now_us(), ts);
    json_object_del(m, "Resolution");
    json_object_set_new(m, "EventType", json_string("Other"));
    json_object_set_new(m, "MemberId", json_string("0"));
    json_object_set_new(m, "EventTimestamp", json_string(ts));
    json_object_set_new(m, "OriginOfCondition",
                        json_pack("{s:s}", "@odata.id", RF_ROOT "/EventService"));
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s, s:[o]}", "@odata.type", "#Event.v1_13_0.Event", "Id",
                  "EventBufferExceeded", "Name", "Events lost", "Context", "cimjob", "Events", m);
    char *out = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(doc);
    return out;
}

cimjob_rc cimjob_redfish_event_next(cimjob_redfish *rf, uint64_t *cursor, const char *user,
                                    int role, int64_t timeout_us, char **json)
{
    if (!rf || !cursor || !json)
        return CIMJOB_RC_INVALID_PARAMETER;
    *json = NULL;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_us > 0) {
        until.tv_sec += (time_t)(timeout_us / 1000000);
        until.tv_nsec += (long)(timeout_us % 1000000) * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
    }
    cimjob_rc rc = CIMJOB_RC_TIMEOUT;
    pthread_mutex_lock(&rf->lock);
    for (;;) {
        if (rf->event_head > RF_EVENTS && *cursor < rf->event_head - RF_EVENTS) {
            /* Fell behind: say so once, then go on from the oldest event still queued. */
            *cursor = rf->event_head - RF_EVENTS;
            *json = lost_events_doc();
            rc = *json ? CIMJOB_RC_SUCCESS : CIMJOB_RC_NO_MEMORY;
            goto out;
        }
        if (*cursor > rf->event_head)
            *cursor = rf->event_head;
        while (*cursor < rf->event_head) {
            rf_event *e = &rf->events[*cursor % RF_EVENTS];
            (*cursor)++;
            if (!e->json)
                continue;
            if (role != CIMJOB_REDFISH_ROLE_ADMINISTRATOR && user && strcmp(user, e->owner) != 0)
                continue;
            *json = strdup(e->json);
            rc = *json ? CIMJOB_RC_SUCCESS : CIMJOB_RC_NO_MEMORY;
            goto out;
        }
        if (timeout_us <= 0 ||
            pthread_cond_timedwait(&rf->event_cond, &rf->lock, &until) == ETIMEDOUT)
            break;
    }
out:
    pthread_mutex_unlock(&rf->lock);
    return rc;
}

/* The TaskEvent message of a state change, or NULL for changes that have none. */
static const char *event_key(int old_state, int new_state)
{
    switch (new_state) {
    case CIMJOB_JOB_STATE_RUNNING:
        return old_state == CIMJOB_JOB_STATE_SUSPENDED ? "TaskResumed" : "TaskStarted";
    case CIMJOB_JOB_STATE_SUSPENDED:
        return "TaskPaused";
    case CIMJOB_JOB_STATE_COMPLETED:
        return "TaskCompletedOK";
    case CIMJOB_JOB_STATE_TERMINATED:
    case CIMJOB_JOB_STATE_KILLED:
        return "TaskCancelled";
    case CIMJOB_JOB_STATE_EXCEPTION:
        return "TaskAborted";
    default:
        return NULL;
    }
}

/* The LocalID of an InstanceID of this service's OrgID, or NULL. */
static const char *local_id(const cimjob_redfish *rf, const char *iid)
{
    size_t n = strlen(rf->org_id);
    if (strncmp(iid, rf->org_id, n) != 0 || iid[n] != ':')
        return NULL;
    return iid + n + 1;
}

void cimjob_redfish_on_state_change(const cimjob_event *event, void *userdata)
{
    cimjob_redfish *rf = userdata;
    if (!rf || !event || !event->instance_id)
        return;
    const char *id = local_id(rf, event->instance_id);
    if (!id)
        return;
    if (event->kind == CIMJOB_EVENT_DELETION) { /* TaskRemoved, once: whoever drops the record */
        char owner[RF_USER_MAX + 1] = "";
        pthread_mutex_lock(&rf->lock);
        rf_task *t = rf_task_get(rf, id, 0);
        if (t && t->owner)
            snprintf(owner, sizeof owner, "%s", t->owner);
        int dropped = rf_task_drop(rf, id);
        pthread_mutex_unlock(&rf->lock);
        if (dropped)
            rf_event_push(rf, owner, rf_event_new("TaskRemoved", id, NULL));
        return;
    }
    if (event->kind != CIMJOB_EVENT_STATE_CHANGE && event->kind != CIMJOB_EVENT_CREATION &&
        !(event->kind == CIMJOB_EVENT_MODIFICATION &&
          (event->changed & CIMJOB_PROPERTIES_WRITABLE)))
        return; /* progress has TaskProgressChanged (the tick); other kinds are not ours */
    cimjob_info info = CIMJOB_INFO_INIT;
    int have = event->job && cimjob_query(event->job, &info) == CIMJOB_RC_SUCCESS;
    pthread_mutex_lock(&rf->lock);
    rf_task *t = rf_task_get(rf, id, 1);
    if (t) {
        if (event->kind == CIMJOB_EVENT_STATE_CHANGE)
            t->last_state = (int)event->new_state;
        if (have)
            rf_task_set_owner(t, info.owner);
    }
    char owner[RF_USER_MAX + 1];
    snprintf(owner, sizeof owner, "%s", t && t->owner ? t->owner : (have ? info.owner : ""));
    pthread_mutex_unlock(&rf->lock);
    if (event->kind == CIMJOB_EVENT_CREATION)
        rf_event_push(rf, owner,
                      rf_event_new_in(RF_RESEV_PREFIX, "ResourceCreated", id, NULL, NULL));
    else if (event->kind == CIMJOB_EVENT_MODIFICATION)
        rf_event_push(rf, owner,
                      rf_event_new_in(RF_RESEV_PREFIX, "ResourceChanged", id, NULL, NULL));
    else {
        const char *key = event_key((int)event->old_state, (int)event->new_state);
        if (key)
            rf_event_push(rf, owner, rf_event_new(key, id, NULL));
    }
}

/* ---- the tick ----------------------------------------------------------------------------------
 */

typedef struct tick_item {
    char *id, *owner; /* copies: the record may go while the lock is not held */
    int overdue;
    int running;
    unsigned percent;
} tick_item;

cimjob_rc cimjob_redfish_tick(cimjob_redfish *rf)
{
    if (!rf)
        return CIMJOB_RC_INVALID_PARAMETER;
    rf_sessions_expire(rf);
    /* Snapshot the records, then look at the jobs without the lock. */
    int64_t now = rf_now_us();
    pthread_mutex_lock(&rf->lock);
    size_t n = rf->ntasks, k = 0;
    tick_item *items = n ? malloc(n * sizeof *items) : NULL;
    if (items)
        for (size_t i = 0; i < rf->nbuckets; i++)
            for (rf_task *t = rf->buckets[i]; t && k < n; t = t->next) {
                tick_item *it = &items[k++];
                it->id = strdup(t->id);
                it->owner = strdup(t->owner ? t->owner : "");
                if (!it->id || !it->owner) { /* try again at the next tick */
                    free(it->id);
                    free(it->owner);
                    k--;
                    continue;
                }
                it->overdue = t->deadline_us && !t->deadline_done && now >= t->deadline_us;
                if (it->overdue) {
                    t->deadline_done = 1;
                    t->cancelled = 1;
                }
                it->running = t->last_state == CIMJOB_JOB_STATE_RUNNING;
                it->percent = t->last_percent;
            }
    pthread_mutex_unlock(&rf->lock);
    for (size_t i = 0; i < k; i++) {
        tick_item *it = &items[i];
        cimjob_job *job = rf_find(rf, it->id);
        if (!job) {
            pthread_mutex_lock(&rf->lock);
            int dropped = rf_task_drop(rf, it->id);
            pthread_mutex_unlock(&rf->lock);
            if (dropped) /* else the DELETION indication already said it */
                rf_event_push(rf, it->owner, rf_event_new("TaskRemoved", it->id, NULL));
            continue;
        }
        if (it->overdue) {
            cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
            ro.flags = CIMJOB_REQUEST_ASYNC;
            ro.timeout_us = rf->o.terminate_timeout_us;
            cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &ro);
        } else if (it->running) {
            cimjob_info info = CIMJOB_INFO_INIT;
            if (cimjob_query(job, &info) == CIMJOB_RC_SUCCESS &&
                info.percent_complete != it->percent) {
                pthread_mutex_lock(&rf->lock);
                rf_task *t = rf_task_get(rf, it->id, 0);
                if (t)
                    t->last_percent = info.percent_complete;
                pthread_mutex_unlock(&rf->lock);
                char pct[16];
                snprintf(pct, sizeof pct, "%u", info.percent_complete);
                rf_event_push(rf, it->owner, rf_event_new("TaskProgressChanged", it->id, pct));
            }
        }
        cimjob_job_release(job);
    }
    for (size_t i = 0; i < k; i++) {
        free(items[i].id);
        free(items[i].owner);
    }
    free(items);
    return CIMJOB_RC_SUCCESS;
}
