/*
 * libcimjob-redfish internals: what its files share.
 *
 *   service.c    the service, its task records (a hash table keyed by Id), state changes,
 *                the periodic tick, the event queue for Server-Sent Events
 *   router.c     cimjob_redfish_handle(): the URI table, authentication and method checks
 *   documents.c  the JSON documents (ServiceRoot, TaskService, Tasks, Task, $metadata, ...)
 *   actions.c    what changes jobs: the start action, DELETE, the OEM state actions
 *   sessions.c   the SessionService: sessions and X-Auth-Token
 *   messages.c   Base and TaskEvent messages, error bodies, times and ISO 8601 durations
 */
#ifndef CIMJOB_RF_H
#define CIMJOB_RF_H

#include <cimjob/cimjob.h>
#include <cimjob/redfish.h>

#include <jansson.h>
#include <pthread.h>

#define RF_ROOT          "/redfish/v1"
#define RF_TASKSERVICE   RF_ROOT "/TaskService"
#define RF_TASKS         RF_TASKSERVICE "/Tasks"
#define RF_MONITORS      RF_TASKSERVICE "/TaskMonitors"
#define RF_SESSIONS      RF_ROOT "/SessionService/Sessions"
#define RF_JOBSERVICE    RF_ROOT "/JobService"
#define RF_JOBS          RF_JOBSERVICE "/Jobs"
#define RF_MAX_ARGV      1024 /* the longest CommandLine */
#define RF_ODATA_VERSION "4.0"

#define RF_TASK_TYPE     "#Task.v1_7_4.Task"
#define RF_BASE_PREFIX   "Base.1.22."
#define RF_RESEV_PREFIX  "ResourceEvent.1.4."
#define RF_TASKEV_PREFIX "TaskEvent.1.0."
/* libcimjob's own registry (registry.c): CIMJOB_MESSAGE_TABLE as a Redfish MessageRegistry. */
#define RF_CIMJOB_PREFIX  "CimJob.1.0."
#define RF_CIMJOB_REG     "CimJob.1.0.0"
#define RF_REGISTRIES     RF_ROOT "/Registries"
#define RF_CIMJOB_REG_URI RF_REGISTRIES "/" RF_CIMJOB_REG "/" RF_CIMJOB_REG ".json"

#define RF_EVENTS    512 /* the event queue: the last RF_EVENTS events */
#define RF_USER_MAX  CIMJOB_TEXT_MAX
#define RF_TOKEN_LEN 32 /* hex characters of a session token */

/* An immutable document shared by readers (copied outside the lock). */
typedef struct rf_shared {
    unsigned refs; /* under rf->lock */
    size_t len;
    char data[];
} rf_shared;

/* What the service remembers of a task beyond the job itself. */
typedef struct rf_task {
    struct rf_task *next; /* the hash chain */
    char *owner;          /* the Owner, for events of removed tasks; NULL: not known yet */
    int cancelled;        /* a Terminate, Kill or DELETE of ours caused the end */
    int64_t deadline_us;  /* the start action's TimeoutPeriod, wall clock; 0: none */
    int deadline_done;
    int last_state;        /* the last JobState seen */
    unsigned last_percent; /* the last PercentComplete seen (TaskProgressChanged) */
    char id[];             /* the Task Id (LocalID) */
} rf_task;

typedef struct rf_session {
    struct rf_session *next;
    char id[24];
    char token[RF_TOKEN_LEN + 1];
    char user[RF_USER_MAX + 1];
    int role;
    int64_t last_used_us; /* monotonic */
} rf_session;

typedef struct rf_event {
    uint64_t seq;
    char owner[RF_USER_MAX + 1];
    char *json;
} rf_event;

struct cimjob_redfish {
    cimjob_redfish_options o;
    char org_id[80];
    char uuid[37];
    pthread_mutex_t lock; /* tasks, sessions, events */
    pthread_cond_t event_cond;
    rf_task **buckets;
    size_t nbuckets, ntasks;
    rf_session *sessions;
    unsigned nsessions;
    uint64_t session_seq;
    rf_event events[RF_EVENTS];
    uint64_t event_head;         /* the seq the next event gets */
    uint64_t default_removal_us; /* TaskAutoDeleteTimeoutMinutes, for new tasks */
    uint64_t gen;                /* bumped when a task record is made or dropped */
    struct rf_shared *coll;      /* the Administrator's Tasks collection, while gen holds */
    size_t coll_count;
    uint64_t coll_gen;
};

/* One request being answered. */
typedef struct rf_call {
    cimjob_redfish *rf;
    const cimjob_redfish_request *req;
    cimjob_redfish_response *resp;
    const char *path;                    /* normalised: no trailing '/' except the root's */
    char id[CIMJOB_INSTANCE_ID_MAX + 1]; /* the '*' segment of the route */
    char action[96];                     /* the action name of an action route */
    json_t *body;                        /* the parsed body (POST/PATCH), or NULL */
    int expand;                          /* $expand of the Tasks collection: Members inline */
} rf_call;

/* ---- service.c ---- */
void rf_task_set_owner(rf_task *t, const char *owner); /* under rf->lock; keeps the first */
rf_task *rf_task_get(cimjob_redfish *rf, const char *id, int create);         /* under rf->lock */
int rf_task_drop(cimjob_redfish *rf, const char *id); /* 1 if it was there */ /* under rf->lock */
void rf_event_push(cimjob_redfish *rf, const char *owner, json_t *event);     /* takes event */
json_t *rf_event_new(const char *message_key, const char *arg1, const char *arg2);
/* An event of a registry (TaskEvent or ResourceEvent) about the task @p id. */
json_t *rf_event_new_in(const char *prefix, const char *key, const char *id, const char *arg1,
                        const char *arg2);
/* Find a job by Task Id; NULL (and NOT_FOUND) when absent. The caller releases it. */
cimjob_job *rf_find(cimjob_redfish *rf, const char *id);
/* May this request see / act on a task owned by owner? */
int rf_may_access(const rf_call *c, const char *owner);
/* The task of c->id, queried into info, if the caller may see and act on it; otherwise NULL
 * with 404 or 403 answered. The caller releases it. */
cimjob_job *rf_task_for_call(rf_call *c, cimjob_info *info);

/* ---- writer.c: appending JSON to a buffer ---- */
typedef struct rf_buf {
    char *p;
    size_t len, cap;
    int oom; /* an allocation failed: the document is lost (answer 500) */
} rf_buf;
void rf_buf_raw(rf_buf *b, const char *s, size_t n);
void rf_buf_lit(rf_buf *b, const char *s);
void rf_buf_str(rf_buf *b, const char *s); /* a JSON string, escaped */
void rf_buf_int(rf_buf *b, long long v);
void rf_buf_key(rf_buf *b, const char *key); /* a comma when needed, "key": */
void rf_buf_kstr(rf_buf *b, const char *key, const char *v);
void rf_buf_kint(rf_buf *b, const char *key, long long v);
void rf_buf_json(rf_buf *b, json_t *v); /* a jansson value, dumped */
/* Answer the buffer as the body (takes it; 500 when it is incomplete). */
void rf_body(rf_call *c, int status, rf_buf *b);

/* ---- documents.c ---- */
void rf_shared_release(cimjob_redfish *rf, rf_shared *sh); /* NULL is a no-op */
void rf_get_redfish(rf_call *c);
void rf_get_root(rf_call *c);
void rf_get_metadata(rf_call *c);
void rf_get_odata(rf_call *c);
void rf_get_taskservice(rf_call *c);
void rf_patch_taskservice(rf_call *c);
void rf_get_tasks(rf_call *c);
void rf_get_task(rf_call *c);
void rf_get_monitor(rf_call *c);
void rf_get_eventservice(rf_call *c);
void rf_get_subscriptions(rf_call *c);
void rf_get_sse(rf_call *c);
/* registry.c */
void rf_get_registries(rf_call *c);
void rf_get_registry_file(rf_call *c);
void rf_get_registry(rf_call *c);
json_t *rf_cimjob_registry(void); /* the MessageRegistry document */
/* One CIM_Error as a Redfish Message of our registry (NULL when it is not one of ours). */
json_t *rf_cim_error_message(const cimjob_error *e);
/* The Messages array of a Task or Job: TaskEvent for the state, then the job's CIM_Errors. */
json_t *rf_task_messages(cimjob_job *job, const cimjob_info *info, const char *id);
/* jobs.c: the JobService, a Job per scheduled or recurring CIM job */
const char *rf_job_state(const cimjob_info *info);
void rf_get_jobservice(rf_call *c);
void rf_get_jobs(rf_call *c);
void rf_post_jobs(rf_call *c);
void rf_get_job(rf_call *c);
void rf_delete_job(rf_call *c);
void rf_patch_job(rf_call *c); /* a Task or a Job: cimjob_job_modify() */
/* Write the Task document of a job (-1 when the job is gone). with_id: with @odata.id. */
int rf_task_write(cimjob_redfish *rf, cimjob_job *job, int with_id, rf_buf *b);

/* ---- actions.c ---- */
void rf_post_start(rf_call *c);
void rf_post_task_action(rf_call *c);
void rf_post_delete_completed(rf_call *c);
void rf_delete_task(rf_call *c);
void rf_delete_monitor(rf_call *c);
/* 202 Accepted for a task: Location (its monitor), Retry-After (an HTTP-date), Allow. */
void rf_accepted(rf_call *c, cimjob_job *job, const char *id);

/* ---- sessions.c ---- */
void rf_get_sessionservice(rf_call *c);
void rf_get_sessions(rf_call *c);
void rf_post_session(rf_call *c);
void rf_get_session(rf_call *c);
void rf_delete_session(rf_call *c);
void rf_sessions_expire(cimjob_redfish *rf);
void rf_sessions_free(cimjob_redfish *rf);

/* ---- messages.c ---- */
/* A Message object: MessageId = prefix+key, Message with %1.. replaced, MessageArgs. */
json_t *rf_message(const char *registry_prefix, const char *key, const char *arg1, const char *arg2,
                   const char *arg3);
/* An error answer: status, {"error": {code, message, @Message.ExtendedInfo: [msg]}}. */
void rf_error(rf_call *c, int status, json_t *msg);
void rf_error_base(rf_call *c, int status, const char *key, const char *a1, const char *a2,
                   const char *a3);
/* Answer a JSON document (takes doc). */
void rf_json(rf_call *c, int status, json_t *doc);
void rf_header(cimjob_redfish_response *resp, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* ISO 8601 with offset: "2026-11-30T11:20:38+00:00"; "" for CIMJOB_TIME_NONE. */
void rf_time_iso(int64_t us, char out[64]);
/* An HTTP-date (RFC 9110 IMF-fixdate) of a wall-clock time in seconds. */
void rf_time_http(int64_t sec, char out[64]);
/* An ISO 8601 duration "P[nD]T[nH][nM][n[.f]S]" to microseconds; -1 when malformed. */
int64_t rf_duration_parse(const char *s);
/* Microseconds to a duration "PnDTnHnMn.nS". */
void rf_duration_format(uint64_t us, char out[48]);
int64_t rf_now_us(void);  /* wall clock */
int64_t rf_mono_us(void); /* monotonic */
/* Map a library code to an error answer (403, 404, 409, 503, 500). */
void rf_error_rc(rf_call *c, cimjob_rc rc, const char *uri);
/* Attach the CIM return value to a message: Oem.CimJob {ReturnValue, ReturnValueName}. */
void rf_message_return_value(json_t *msg, unsigned value, const char *name);

#endif /* CIMJOB_RF_H */
