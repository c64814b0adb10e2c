/* The core's private structures, shared by the registry*.c and job*.c files. */
#ifndef CIMJOB_CORE_INTERNAL_H
#define CIMJOB_CORE_INTERNAL_H

#include <cimjob/backend.h>

#include <stdatomic.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "platform.h"

#define CIMJOB__ORG_ID_MAX 64

/* What a request left for the job's end to become (Terminated or Killed). */
enum { CIMJOB__PENDING_NONE = 0, CIMJOB__PENDING_TERMINATE = 1, CIMJOB__PENDING_KILL = 2 };

/* Core timers. */
enum {
    CIMJOB__TIMER_ESCALATE = 1,
    CIMJOB__TIMER_KILL_RETRY = 2,
    CIMJOB__TIMER_REMOVE = 3,
    CIMJOB__TIMER_QUEUE = 4, /* start waiting jobs (the job only carries the timer) */
    CIMJOB__TIMER_RUN = 5,   /* the next scheduled run of the job */
    CIMJOB__TIMER_UNTIL = 6  /* UntilTime: end the running job */
};

/* How often the core repeats a kill until the backend reports the job empty. */
#define CIMJOB__KILL_RETRY_US      50000
#define CIMJOB__KILL_RETRY_SLOW_US 1000000

/* One recorded CIM_Error condition; the public record is built from it when asked. */
typedef struct cimjob__err {
    struct cimjob__err *next;
    int msg;         /* cimjob_message */
    int is_end;      /* it says why the job ended */
    int64_t time_us; /* realtime */
    uint32_t code;   /* ErrorCode or return code */
    uint32_t cim;    /* CIMStatusCode */
    unsigned int nargs;
    char *args[4]; /* into the same allocation */
} cimjob__err;

/* At most this many errors are kept per job: the oldest go first (a client that retries a
 * failing request forever must not grow the job without bound). */
#define CIMJOB__ERRORS_MAX 32

/* A job's schedule (CIM_Job's own scheduling), guarded by the job's lock. */
typedef struct cimjob__schedule {
    int64_t start_time_us;   /* ScheduledStartTime timestamp, or CIMJOB_TIME_NONE */
    uint64_t start_delay_us; /* ScheduledStartTime interval after TimeSubmitted, or NONE */
    int8_t month, day, dow;  /* RunMonth (-1 any), RunDay, RunDayOfWeek */
    uint8_t local;           /* LocalOrUtcTime == Local Time */
    uint64_t interval_us;    /* RunStartInterval, or CIMJOB_INTERVAL_NONE */
} cimjob__schedule;

/* The cold part of a job, allocated on first use (cimjob__plan_get()): the writable properties
 * beyond Priority, DeleteOnCompletion and TimeBeforeRemoval, the schedule and its timers. Most
 * jobs never have one (cimjob__plan_of() reads the defaults then). Guarded by the job's lock. */
typedef struct cimjob__plan {
    uint32_t job_run_times;
    uint16_t recovery_action;
    int64_t until_time_us;
    char *notify;
    char *other_recovery_action;
    cimjob__schedule sched;
    int64_t next_run_us;  /* realtime of the next scheduled run, or CIMJOB_TIME_NONE */
    int64_t run_at;       /* monotonic deadline of the RUN timer that counts, -1 none, -2 firing */
    int64_t until_at;     /* monotonic deadline of the UNTIL timer that counts, or -1 */
    int64_t run_sched_us; /* realtime the current (last) run was scheduled for */
} cimjob__plan;

/* A job. Its record and the strings it keeps from cimjob_create (Name, Owner, argv, envp, the
 * working directory, stdio paths) are one allocation (cimjob_create); the InstanceID, the
 * texts, the CIM_Error records and the plan are allocated only when a job has them. The
 * small fields are grouped by width so that the record has no holes. */
struct cimjob_job {
    atomic_uint refs;
    uint32_t changed_acc; /* property bits changed since the last event (lock) */
    cimjob_registry *reg; /* counted: a job keeps its registry's memory alive */

    /* Immutable after cimjob_create. */
    char *instance_id;
    /* The map's link and the InstanceID's hash, in the first cache line with refs and
     * instance_id: a lookup touches one line per job it passes. Guarded by map_lock. */
    struct cimjob_job *hash_next;
    size_t hash;
    uint32_t priority; /* writable: guarded by lock */
    int spawn_rc;      /* what spawn returned when the start failed in the core, else 0 (lock) */
    /* ElapsedTime as one word, for cimjob_job_revision() to read without the lock (an
     * enumeration of every job by two threads passed each job's lock line between cores):
     * >= 0, running since that origin (ElapsedTime = now - origin); < 0, stopped at
     * -(value + 1). Written under lock by cimjob__job_clock_sync() whenever a field that
     * ElapsedTime is made of changes (start_mono_us, end_mono_us, ended, between_runs,
     * suspended_us, suspended_since). Beside instance_id and revision: what an enumeration
     * reads of each job lies together. */
    _Atomic int64_t elapsed_clock;
    /* cimjob_job_revision(): bumped (cimjob__job_touch) in every locked section that changes
     * what cimjob_query(), cimjob_job_settings_get() or the CIM_Error records report. Written
     * under lock, read without it. */
    _Atomic uint64_t revision;
    int64_t time_submitted_us;
    /* The options as created, immutable: Name, Owner, flags, the requested containment and
     * the state-change callback are read from here (name and owner are never NULL). The
     * strings point into the job's own allocation. */
    cimjob_job_options spawn_opts;

    /* Serialises backend slot calls for this job; never held while waiting. */
    cimjob__mutex op_lock;

    /* Everything below is guarded by lock (unless it says otherwise); held only for short
     * copies. */
    cimjob__mutex lock;
    cimjob_job_state state;
    atomic_int dead; /* = removed, readable under the registry's lock (timer compaction) */
    uint32_t error_code;
    int exit_status;
    int term_signal;
    int kill_retries;
    uint32_t terminate_grace_ms; /* the grace of the Terminate in progress (for its error) */
    uint32_t runs;               /* runs started */
    cimjob_containment containment;
    uint16_t busy;   /* requests calling the backend now: others answer Busy */
    uint8_t pending; /* CIMJOB__PENDING_* */
    uint8_t ended;   /* the backend reported the end */
    uint8_t removed; /* out of the registry: every operation answers Not Found */
    uint8_t keep;    /* KillJob(DeleteOnKill=0): stay until cimjob_remove */
    uint8_t delete_on_kill;
    uint8_t escalated;
    uint8_t no_escalate;
    uint8_t core_dumped;          /* the backend's result said so (version 2) */
    uint8_t user_local_id;        /* immutable: the LocalID was the caller's */
    uint8_t delete_on_completion; /* writable */
    uint8_t percent;
    uint8_t waiting;        /* CIMJOB_WAITING_* */
    uint8_t between_runs;   /* a recurring job between two runs (JobState Suspended) */
    uint8_t queued;         /* in the run queue (registry's lock) */
    uint8_t admitted;       /* holds one of the registry's run slots (registry's lock) */
    uint8_t release_queued; /* registry's lock */
    int64_t time_of_last_state_change_us;
    int64_t start_time_us;
    int64_t start_mono_us;
    int64_t end_mono_us;
    /* ElapsedTime leaves out Suspended time: the total so far and the current suspension's
     * start (monotonic, -1 when not suspended). */
    uint64_t suspended_us;
    int64_t suspended_since;
    uint64_t time_before_removal_us; /* writable: guarded by lock */
    int64_t escalate_at;             /* monotonic deadline of the Terminate escalation, or -1 */
    int64_t remove_at;               /* monotonic retention deadline, or -1 */
    /* ErrorDescription and JobStatus: allocated only when set (most jobs never have either,
     * and inline buffers would double a job's size); NULL reads as "". */
    char *error_description;
    char *job_status;
    /* CIM_Error records, oldest first (at most CIMJOB__ERRORS_MAX). */
    cimjob__err *err_head;
    cimjob__plan *plan; /* NULL until a job needs one */
    void *user_data;    /* cimjob_job_set_user_data() */
    cimjob_destroy_cb user_destroy;
    void *be_job; /* the backend's per-job state, NULL when none */
    /* The run queue (queue.c), guarded by the registry's lock. */
    struct cimjob_job *queue_next;
    uint64_t queue_seq; /* FIFO order within a Priority */

    /* Registry links, guarded by the registry's map_lock. */
    struct cimjob_job *list_prev, *list_next;
    /* Guarded by the registry's lock. */
    struct cimjob_job *release_next;
};

/* Something a client can see changed (job->lock held): a new revision. Once per change is
 * enough within one locked section, more is harmless. */
static inline void cimjob__job_touch(cimjob_job *job)
{
    /* One writer (the lock's holder): a load and a store, no read-modify-write. */
    uint64_t r = atomic_load_explicit(&job->revision, memory_order_relaxed);
    atomic_store_explicit(&job->revision, r + 1, memory_order_release);
}

/* Recompute job->elapsed_clock from start_mono_us, end_mono_us, ended, between_runs,
 * suspended_us and suspended_since (job->lock held): after every change of them. */
void cimjob__job_clock_sync(cimjob_job *job);

/* The job's plan, or the defaults when it has none (job->lock held). */
extern const cimjob__plan cimjob__plan_defaults;
static inline const cimjob__plan *cimjob__plan_of(const cimjob_job *job)
{
    return job->plan ? job->plan : &cimjob__plan_defaults;
}
/* The job's plan for writing, allocated with the defaults on first use (job->lock held);
 * NULL when memory runs out. */
cimjob__plan *cimjob__plan_get(cimjob_job *job);

typedef struct cimjob__timer {
    int64_t when;
    cimjob_job *job; /* counted */
    int kind;
} cimjob__timer;

typedef struct cimjob__event_node {
    cimjob_event ev; /* ev.job counted; instance_id points into the job */
} cimjob__event_node;

/* A retired user-supplied LocalID: InstanceIDs are never reused in a registry. */
typedef struct cimjob__tombstone {
    struct cimjob__tombstone *next;
    char id[];
} cimjob__tombstone;

struct cimjob_registry {
    atomic_uint refs; /* the registry's own + one per job */

    /* Options, immutable. */
    char org_id[CIMJOB__ORG_ID_MAX + 1];
    cimjob_state_cb on_state_change;
    void *userdata;
    uint64_t default_terminate_timeout_us;
    uint64_t kill_timeout_us;
    int (*is_privileged)(const char *caller, void *userdata);
    int utc_offset_min;
    int64_t creator_pid; /* the process that made it: another one is a child after fork() */

    const cimjob_backend *be;
    void *be_state;
    cimjob_backend_host host;
    unsigned int have; /* CIMJOB__HAVE_* */

    /* The map and the list, guarded by map_lock (a leaf lock). */
    cimjob__rwlock map_lock;
    cimjob_job **buckets;
    size_t nbuckets;
    size_t count;
    /* cimjob_registry_generation(): moved at every insertion and unlinking (map_lock held for
     * writing), read without the lock. */
    _Atomic uint64_t generation;
    cimjob_job *head, *tail;
    cimjob__tombstone **tombs;
    size_t ntombs_buckets;
    uint64_t next_local_id;
    /* Generated LocalIDs are "<incarnation>-<n>": unique across registries and restarts. */
    char incarnation[32];
    int closed;

    /* Timers, events, releases and wake-ups, guarded by lock. Order: job->lock, then lock. */
    cimjob__mutex lock;
    cimjob__cond cond;
    uint64_t seq; /* bumped at every change a waiter may care about */
    cimjob__timer *timers;
    size_t ntimers, timers_cap;
    size_t gone; /* jobs removed since the last compaction of the timers */
    cimjob__event_node *events;
    size_t ev_head, ev_count, ev_cap;
    int delivering;
    atomic_uint ind_mask; /* CIMJOB_EVENT_BIT()s delivered to callbacks */
    /* The run queue: at most max_running jobs run at once (0: no limit). */
    unsigned int max_running, running;
    cimjob_job *queue_head; /* by Priority, then FIFO */
    uint64_t queue_seq;
    cimjob_job *release_head;
    int in_backend_wait;

    /* Held by the one thread that waits in the backend and dispatches. */
    cimjob__mutex pump;
};

/* registry.c, registry_map.c (insert, unlink), registry_timer.c (timer_add, job_gone) and
 * registry_pump.c (pump, forked, deadline) */
int64_t cimjob__reg_now(cimjob_registry *reg);
int64_t cimjob__reg_realtime(cimjob_registry *reg);
void cimjob__reg_ref(cimjob_registry *reg);
void cimjob__reg_unref(cimjob_registry *reg);
cimjob_rc cimjob__reg_insert(cimjob_registry *reg, cimjob_job *job, const char *local_id);
void cimjob__reg_unlink(cimjob_registry *reg, cimjob_job *job);
/* A job was removed: drop timers that only keep removed jobs alive, once they are many. */
void cimjob__reg_job_gone(cimjob_registry *reg);
/* Called with job->lock held: queue the event, bump seq, wake waiters. */
void cimjob__reg_changed(cimjob_registry *reg, cimjob_job *job, cimjob_job_state old_state,
                         cimjob_job_state new_state, int64_t when, uint32_t changed);
/* Queue another lifecycle indication if a callback wants its kind (job->lock may be held).
 * Returns 1 when it was queued. */
int cimjob__reg_indicate(cimjob_registry *reg, cimjob_job *job, cimjob_event_kind kind,
                         uint32_t changed, cimjob_removal_cause cause);
/* Wake waiters (and a backend wait) after a change that is not a state change. */
void cimjob__reg_poke(cimjob_registry *reg);
cimjob_rc cimjob__reg_timer_add(cimjob_registry *reg, cimjob_job *job, int kind, int64_t when);
void cimjob__reg_queue_release(cimjob_registry *reg, cimjob_job *job);
/* Run callbacks for queued events; no lock may be held. */
void cimjob__reg_deliver(cimjob_registry *reg);
/* Release backend state of ended jobs; no lock may be held. */
void cimjob__reg_drain_releases(cimjob_registry *reg);
/* Wait for something to happen until the monotonic deadline (-1: none), observing exits. */
cimjob_rc cimjob__reg_pump(cimjob_registry *reg, int64_t deadline, uint64_t seen_seq);
uint64_t cimjob__reg_seq(cimjob_registry *reg);
/* In a child after fork(): fail with CIMJOB_RC_NOT_SUPPORTED and say so (returns 1). */
int cimjob__reg_forked(cimjob_registry *reg, const char *fn);
/* The monotonic deadline timeout_us from now: -1 (none) when negative or past the clock. */
int64_t cimjob__reg_deadline(cimjob_registry *reg, int64_t timeout_us);

/* job.c */
void cimjob__job_destroy(cimjob_job *job);
/* job_timer.c: a timer of this job fell due. */
void cimjob__job_timer(cimjob_job *job, int kind, int64_t when);
/* job_remove.c: remove a job from its registry (final, or the registry is closing); the
 * cause is what the deletion indication reports. cimjob__job_remove() infers it (DeleteOnKill,
 * or the registry closing). */
void cimjob__job_remove(cimjob_job *job);
void cimjob__job_remove_cause(cimjob_job *job, cimjob_removal_cause cause);
/* job_transition.c: a recurring job between runs has no run left (JobRunTimes or UntilTime
 * changed): it ends as its last run did (no lock held). */
void cimjob__job_end_recurrence(cimjob_job *job);
/* TimeBeforeRemoval changed on an ended job: retention restarts from the end (no lock held). */
void cimjob__job_rearm_retention(cimjob_job *job);
/* job_request.c: whether caller may act on the job (the Owner, or privileged). */
int cimjob__caller_allowed(cimjob_job *job, const char *caller);
/* settings.c: the writable properties changed (mask): re-plan the schedule and the queue (no lock
 * held). */
void cimjob__job_settings_changed(cimjob_job *job, uint32_t mask);
/* queue.c (job->lock held for admit, leave and reorder): take a run slot (1), or wait in the
 * queue (0). */
int cimjob__queue_admit(cimjob_job *job);
/* The job ends or leaves the queue: free its slot or its place. */
void cimjob__queue_leave(cimjob_job *job);
/* Priority changed: move a waiting job to its new place. */
void cimjob__queue_reorder(cimjob_job *job);
/* Start waiting jobs while slots are free (no lock held). */
void cimjob__queue_kick(cimjob_registry *reg);
/* job_request.c: start a job the queue admitted (no lock held). */
void cimjob__job_start_admitted(cimjob_job *job);

/* schedule.c: the first occurrence of a calendar schedule at or after not_before (realtime
 * us), or CIMJOB_TIME_NONE when there is none within 30 years. */
int64_t cimjob__sched_next(const cimjob__schedule *s, int64_t not_before);
/* Whether a schedule is set (ScheduledStartTime or RunStartInterval). */
int cimjob__sched_active(const cimjob__schedule *s);
/* Plan the first run of a New job, or the next one of a job between runs, and arm its timer
 * (job->lock held). Returns 1 when a run is planned. */
int cimjob__sched_plan(cimjob_job *job, int first);
/* JobStatus text of a planned job, for clearing it when the run starts. */
#define CIMJOB__SCHED_STATUS_PREFIX "Next run at "

/* status.c: OperationalStatus of a snapshot, from the same table as cimjob_info_status(). */
void cimjob__info_operational_status(cimjob_info *info);
/* job_remove.c: drop the job's user data, running its destructor (no lock held). */
void cimjob__job_drop_user_data(cimjob_job *job);
/* job_kill.c: kill a live job for cimjob_registry_free; returns 1 if it must be waited for. */
int cimjob__job_kill_for_close(cimjob_job *job);

/* cim_error.c: record a condition (job->lock held). Arguments are copied and cut to
 * CIMJOB_ERROR_ARG_MAX bytes; out of memory loses the record, never the caller's change. */
void cimjob__job_add_error(cimjob_job *job, int msg, int is_end, uint32_t code, uint32_t cim,
                           unsigned int nargs, const char *const *args);
void cimjob__job_clear_errors(cimjob_job *job);

#endif
