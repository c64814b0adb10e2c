/**
 * @file cimjob/job.h
 * @brief Registries and jobs: create, query, RequestStateChange, KillJob, wait, callbacks.
 *
 * ## Ownership
 * A registry owns its jobs. A `cimjob_job *` handed to the caller (by cimjob_create(),
 * cimjob_find(), cimjob_registry_list()) is a counted reference: release it with
 * cimjob_job_release(). A job removed from its registry (cimjob_remove(), retention expiry,
 * KillJob with DeleteOnKill, or cimjob_registry_free()) stays valid memory for as long as a
 * reference exists, but every operation on it answers CIMJOB_RC_NOT_FOUND (or 4097 from
 * cimjob_request_state_change()).
 *
 * ## Threads
 * Every function here may be called from any thread at the same time, on the same or different
 * jobs. A query never waits for a request in progress on the same job. State-change callbacks
 * run on the thread that caused the change (a request, cimjob_registry_dispatch(), a wait, or a
 * backend's report), with no library lock held on every path (also when delivered from
 * cimjob_wait(), cimjob_registry_run() or cimjob_registry_dispatch(): the registry's exit
 * observation is given up before any callback runs), one at a time per registry and in the order
 * the changes happened. A callback may call any libcimjob function, including a synchronous
 * RequestStateChange of another job and a nested cimjob_wait(), except cimjob_registry_free() on
 * its own registry, which it refuses with CIMJOB_RC_BUSY. The library starts no threads of its
 * own.
 *
 * ## fork()
 * A registry belongs to the process that created it. In a child after fork() (an atexit
 * handler that frees the registry is common) cimjob_registry_free() only releases the child's
 * copy of the memory and descriptors: it signals nothing, removes no cgroup and takes none of
 * the parent's events, so the parent sees nothing change. Queries and releases work there;
 * cimjob_create(), RequestStateChange, KillJob, cimjob_wait(), cimjob_registry_run() and
 * cimjob_registry_dispatch() answer CIMJOB_RC_NOT_SUPPORTED (RequestStateChange: 1, Not
 * Supported) and cimjob_last_error() says why.
 */
#ifndef CIMJOB_JOB_H
#define CIMJOB_JOB_H

#include "codes.h"
#include "datetime.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A backend: a constant vtable of functions that does a job's work (see cimjob/backend.h). */
typedef struct cimjob_backend cimjob_backend;

/** Longest Name, in bytes (CIM: up to 1024 characters). */
#define CIMJOB_NAME_MAX 1024
/** Longest InstanceID, in bytes (OrgID, ':', LocalID). */
#define CIMJOB_INSTANCE_ID_MAX 255
/**
 * Longest JobStatus, ErrorDescription and Owner, in bytes. Text a backend reports that is longer
 * is cut at a UTF-8 character boundary (never inside a character), and bytes that are not UTF-8
 * are stored as '?'.
 */
#define CIMJOB_TEXT_MAX 511
/**
 * "No such time": a timestamp that has not happened (StartTime of a job never started). Equal to
 * CIMJOB_TIMESTAMP_NONE_US: it formats as the all-zero timestamp.
 */
#define CIMJOB_TIME_NONE INT64_MIN
/** Default TimeBeforeRemoval: five minutes (CIM's own default `00000000000500.000000:000`). */
#define CIMJOB_DEFAULT_TIME_BEFORE_REMOVAL_US ((uint64_t)300000000)

/** A bit for a JobState in a state mask (cimjob_wait()). */
#define CIMJOB_STATE_BIT(state) (1u << (unsigned)(state))
/** The four final JobStates: Completed, Terminated, Killed, Exception. */
#define CIMJOB_STATES_FINAL                                                                        \
    (CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_COMPLETED) |                                                \
     CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_TERMINATED) | CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_KILLED) |   \
     CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_EXCEPTION))

/** How a job's processes are held together, so none escapes teardown. */
typedef enum cimjob_containment {
    CIMJOB_CONTAINMENT_AUTO = 0,       /**< Ask: the best the machine offers (default). */
    CIMJOB_CONTAINMENT_CGROUP = 1,     /**< A per-job cgroup v2 (Linux). */
    CIMJOB_CONTAINMENT_SUBREAPER = 2,  /**< A per-job helper that is the tree's child subreaper. */
    CIMJOB_CONTAINMENT_PGROUP = 3,     /**< The job's own process group only. */
    CIMJOB_CONTAINMENT_JOB_OBJECT = 4, /**< A Windows Job Object. */
    CIMJOB_CONTAINMENT_NONE = 5        /**< Not a process (user backends, the fake backend). */
} cimjob_containment;

/**
 * The name of a containment ("cgroup", "subreaper", "pgroup", "job-object", "none", "auto").
 *
 * @return a static string; "invalid" for unknown values. Never NULL.
 */
CIMJOB_EXTERN const char *cimjob_containment_name(int containment);

/** What a job's standard stream is connected to. */
typedef enum cimjob_stdio_mode {
    CIMJOB_STDIO_INHERIT = 0, /**< The host's own stream (default). */
    CIMJOB_STDIO_NULL = 1,    /**< The null device. */
    CIMJOB_STDIO_FILE = 2,    /**< A file by path (opened for reading for stdin, else written). */
    CIMJOB_STDIO_FD = 3       /**< A descriptor (POSIX) or HANDLE (Windows) the caller owns. */
} cimjob_stdio_mode;

/** One standard stream of a job. */
typedef struct cimjob_stdio {
    cimjob_stdio_mode mode; /**< What to connect. */
    const char *path;       /**< For CIMJOB_STDIO_FILE: the file (created 0644 for output). */
    int append;             /**< For CIMJOB_STDIO_FILE output: append instead of truncating. */
    intptr_t fd; /**< For CIMJOB_STDIO_FD: the descriptor (or HANDLE); the caller keeps it. */
} cimjob_stdio;

/**
 * What an event reports: the CIM lifecycle indication it stands for. A registry delivers only
 * CIMJOB_EVENT_STATE_CHANGE unless cimjob_registry_set_indications() asks for more, so callbacks
 * written for JobState changes alone keep working.
 */
typedef enum cimjob_event_kind {
    /** JobState changed (CIM_InstModification of JobState); old_state and new_state differ. */
    CIMJOB_EVENT_STATE_CHANGE = 0,
    /** The job was created (CIM_InstCreation); old_state == new_state == New. */
    CIMJOB_EVENT_CREATION = 1,
    /** Reported properties other than JobState changed (CIM_InstModification); see changed. */
    CIMJOB_EVENT_MODIFICATION = 2,
    /** The job was removed from its registry (CIM_InstDeletion); see cause. */
    CIMJOB_EVENT_DELETION = 3
} cimjob_event_kind;

/** A bit for an event kind in cimjob_registry_set_indications()'s mask. */
#define CIMJOB_EVENT_BIT(kind) (1u << (unsigned)(kind))
/** Every event kind. */
#define CIMJOB_EVENTS_ALL                                                                          \
    (CIMJOB_EVENT_BIT(CIMJOB_EVENT_STATE_CHANGE) | CIMJOB_EVENT_BIT(CIMJOB_EVENT_CREATION) |       \
     CIMJOB_EVENT_BIT(CIMJOB_EVENT_MODIFICATION) | CIMJOB_EVENT_BIT(CIMJOB_EVENT_DELETION))

/** Reported properties, as bits of cimjob_event::changed and cimjob_job_modify(). */
enum cimjob_property_bits {
    CIMJOB_PROPERTY_JOB_STATE = 1u << 0,              /**< JobState (and TimeOfLastStateChange). */
    CIMJOB_PROPERTY_PERCENT_COMPLETE = 1u << 1,       /**< PercentComplete. */
    CIMJOB_PROPERTY_JOB_STATUS = 1u << 2,             /**< JobStatus. */
    CIMJOB_PROPERTY_ERROR = 1u << 3,                  /**< ErrorCode, ErrorDescription, errors. */
    CIMJOB_PROPERTY_DELETE_ON_COMPLETION = 1u << 4,   /**< DeleteOnCompletion (writable). */
    CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL = 1u << 5,    /**< TimeBeforeRemoval (writable). */
    CIMJOB_PROPERTY_PRIORITY = 1u << 6,               /**< Priority (writable). */
    CIMJOB_PROPERTY_JOB_RUN_TIMES = 1u << 7,          /**< JobRunTimes (writable). */
    CIMJOB_PROPERTY_UNTIL_TIME = 1u << 8,             /**< UntilTime (writable). */
    CIMJOB_PROPERTY_NOTIFY = 1u << 9,                 /**< Notify (writable). */
    CIMJOB_PROPERTY_RECOVERY_ACTION = 1u << 10,       /**< RecoveryAction (writable). */
    CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION = 1u << 11, /**< OtherRecoveryAction (writable). */
    CIMJOB_PROPERTY_SCHEDULE = 1u << 12,    /**< The schedule: ScheduledStartTime, RunMonth, ... */
    CIMJOB_PROPERTY_START_TIME = 1u << 13,  /**< StartTime (a new run of a recurring job). */
    CIMJOB_PROPERTY_ELAPSED_TIME = 1u << 14 /**< ElapsedTime (reported when a run ends). */
};

/** Why a job left its registry (cimjob_event::cause of CIMJOB_EVENT_DELETION). */
typedef enum cimjob_removal_cause {
    CIMJOB_REMOVAL_NONE = 0,           /**< Not a deletion. */
    CIMJOB_REMOVAL_RETENTION = 1,      /**< TimeBeforeRemoval passed after the end. */
    CIMJOB_REMOVAL_EXPLICIT = 2,       /**< cimjob_remove() (the client deleted the instance). */
    CIMJOB_REMOVAL_DELETE_ON_KILL = 3, /**< KillJob with DeleteOnKill. */
    CIMJOB_REMOVAL_REGISTRY_FREE = 4   /**< cimjob_registry_free(). */
} cimjob_removal_cause;

/**
 * What a callback receives: a JobState change or, when asked for, another lifecycle indication
 * (the CIM indication). The fields after time_us were added with the lifecycle indications; a
 * callback compiled against an older header sees only JobState changes and never reads them.
 */
typedef struct cimjob_event {
    cimjob_job *job;            /**< The job; a reference valid during the callback. */
    const char *instance_id;    /**< The job's InstanceID. */
    cimjob_job_state old_state; /**< The state before (for other kinds: the state now). */
    cimjob_job_state new_state; /**< The state now. */
    /** When, us since the epoch, UTC (TimeOfLastStateChange for a JobState change). */
    int64_t time_us;
    cimjob_event_kind kind; /**< What happened. */
    /** cimjob_property_bits that changed (JobState changes and modifications); 0 otherwise. */
    uint32_t changed;
    cimjob_removal_cause cause; /**< For CIMJOB_EVENT_DELETION: why; else CIMJOB_REMOVAL_NONE. */
} cimjob_event;

/** A state-change (event) callback. See the threading rules at the top of this file. */
typedef void (*cimjob_state_cb)(const cimjob_event *event, void *userdata);

/** Job flags (cimjob_job_options.flags). */
enum cimjob_job_flags {
    /** Start the job at once (as RequestStateChange(Start) right after creation). */
    CIMJOB_JOB_START = 1u << 0,
    /**
     * When the main process ends, wait for what it left in the job to end too, instead of
     * ending it (default: leftovers are killed, so nothing is ever silently orphaned).
     */
    CIMJOB_JOB_WAIT_FOR_ALL = 1u << 1,
    /** The job's processes die if the host process dies, even by SIGKILL. */
    CIMJOB_JOB_DIE_WITH_HOST = 1u << 2,
    /**
     * POSIX: the main process inherits every descriptor the host has open without
     * close-on-exec, as a plain exec would (process substitution, make's jobserver, "3>file").
     * Without it only 0, 1 and 2 are passed. Meant for a command-line front end that owns its
     * descriptors; in a multithreaded host, another thread's descriptor opened without
     * O_CLOEXEC would leak into the job. Backends without processes ignore it.
     */
    CIMJOB_JOB_INHERIT_FDS = 1u << 3,
    /**
     * POSIX: when the job's stdin is the host's controlling terminal, the job's process group
     * becomes the terminal's foreground process group before the command runs (as a shell
     * starts a foreground job), so that it can read the terminal and gets its Ctrl-C and
     * Ctrl-Z. Giving the terminal back afterwards (tcsetpgrp()) is the host's business. Not a
     * terminal, or not the host's: nothing happens. Backends without processes ignore it.
     */
    CIMJOB_JOB_FOREGROUND = 1u << 4,
    /**
     * POSIX: the main process starts with the signal state a plain fork and exec would give
     * it: every signal the host ignores (SIG_IGN) stays ignored, and its blocked mask is the
     * one of the thread that starts the job (for CIMJOB_JOB_START, the thread calling
     * cimjob_create()), as captured when the job is spawned. Handlers still become SIG_DFL
     * (exec does that). Without it every disposition is SIG_DFL and nothing is blocked.
     * Meant for a command-line front end such as timeout(1), whose command must inherit
     * `trap '' HUP` or a blocked signal from its parent. A library that predates it refuses
     * it as an unknown flag (CIMJOB_RC_INVALID_PARAMETER). Backends without processes, and
     * win32, ignore it.
     */
    CIMJOB_JOB_INHERIT_SIGNALS = 1u << 5
};

/** The version of cimjob_job_options this header describes. */
#define CIMJOB_JOB_OPTIONS_VERSION 1

/** Everything a new job is made of. Initialise with CIMJOB_JOB_OPTIONS_INIT. */
typedef struct cimjob_job_options {
    unsigned int version; /**< CIMJOB_JOB_OPTIONS_VERSION. */
    /** Name (required, 1..CIMJOB_NAME_MAX bytes): what the job is, for people. */
    const char *name;
    /**
     * LocalID part of the InstanceID (optional). Default: `<incarnation>-<n>`, the registry's
     * incarnation (cimjob_registry_incarnation()) and a number it never reuses, so InstanceIDs
     * are unique across registries and across restarts of the host (docs/cim-model.md). Must
     * not contain ':'; at most CIMJOB_INSTANCE_ID_MAX bytes with the OrgID and ':'.
     */
    const char *local_id;
    /** For process backends: the program and its arguments, NULL-terminated (argv[0] required). */
    const char *const *argv;
    /** The environment ("K=V", NULL-terminated); NULL inherits the host's. */
    const char *const *envp;
    /** The working directory; NULL inherits the host's. */
    const char *cwd;
    cimjob_stdio stdio[3];          /**< stdin, stdout, stderr. */
    unsigned int flags;             /**< cimjob_job_flags. */
    cimjob_containment containment; /**< Force a containment (tests); AUTO picks the best. */
    /** DeleteOnCompletion: remove the job TimeBeforeRemoval after it ends (default 1). */
    int delete_on_completion;
    /** TimeBeforeRemoval in microseconds (default five minutes). */
    uint64_t time_before_removal_us;
    uint32_t priority; /**< Priority (lower is higher); recorded, not enforced. */
    /** Owner: the identity that may act on the job; NULL records the creating credential. */
    const char *owner;
    /** A per-job state-change callback (in addition to the registry's); may be NULL. */
    cimjob_state_cb on_state_change;
    void *userdata;     /**< Passed to on_state_change. */
    void *backend_data; /**< Opaque to the library: for a user-supplied backend's spawn. */
} cimjob_job_options;

/** Static initialiser for cimjob_job_options with every default. */
#define CIMJOB_JOB_OPTIONS_INIT                                                                    \
    {                                                                                              \
        CIMJOB_JOB_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL,                                  \
            {{CIMJOB_STDIO_INHERIT, NULL, 0, -1},                                                  \
             {CIMJOB_STDIO_INHERIT, NULL, 0, -1},                                                  \
             {CIMJOB_STDIO_INHERIT, NULL, 0, -1}},                                                 \
            0, CIMJOB_CONTAINMENT_AUTO, 1, CIMJOB_DEFAULT_TIME_BEFORE_REMOVAL_US, 0, NULL, NULL,   \
            NULL, NULL                                                                             \
    }

/**
 * Initialise job options with every default (the same as CIMJOB_JOB_OPTIONS_INIT).
 *
 * @param opts    the options to fill.
 * @param version CIMJOB_JOB_OPTIONS_VERSION.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if @p opts is NULL;
 *         CIMJOB_RC_INVALID_VERSION if @p version is not one this library knows.
 */
CIMJOB_EXTERN cimjob_rc cimjob_job_options_init(cimjob_job_options *opts, unsigned int version);

/** The version of cimjob_registry_options this header describes. */
#define CIMJOB_REGISTRY_OPTIONS_VERSION 1

/** How a registry behaves. Initialise with CIMJOB_REGISTRY_OPTIONS_INIT. */
typedef struct cimjob_registry_options {
    unsigned int version; /**< CIMJOB_REGISTRY_OPTIONS_VERSION. */
    /** OrgID of InstanceIDs (default "libcimjob"); no ':', at most 64 bytes. */
    const char *org_id;
    /** The backend (NULL: the platform's default, see cimjob_backend_default()). */
    const cimjob_backend *backend;
    void *backend_config;            /**< Passed to the backend's open (e.g. a cimjob_fake). */
    cimjob_state_cb on_state_change; /**< Called for every JobState change; may be NULL. */
    void *userdata;                  /**< Passed to on_state_change and is_privileged. */
    /**
     * The grace period of a Terminate whose TimeoutPeriod is zero ("no time requirement"),
     * before it is escalated to a kill; default 10 s. UINT64_MAX: never escalate. Otherwise at
     * most CIMJOB_INTERVAL_MAX_US, and with kill_timeout_us at most that in sum.
     */
    uint64_t default_terminate_timeout_us;
    /**
     * The bound on a Kill: how long to keep killing before answering Timeout (default 5 s); at
     * most CIMJOB_INTERVAL_MAX_US.
     */
    uint64_t kill_timeout_us;
    /**
     * Access control: whether @p caller may act on jobs it does not own. NULL: only an owner
     * may act on its jobs when a request names a caller.
     */
    int (*is_privileged)(const char *caller, void *userdata);
    /** The UTC offset, in minutes, timestamps are printed in (default 0). */
    int utc_offset_min;
} cimjob_registry_options;

/** Static initialiser for cimjob_registry_options with every default. */
#define CIMJOB_REGISTRY_OPTIONS_INIT                                                               \
    {                                                                                              \
        CIMJOB_REGISTRY_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 10000000, 5000000, NULL, 0  \
    }

/**
 * Initialise registry options with every default.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if @p opts is NULL;
 *         CIMJOB_RC_INVALID_VERSION for an unknown @p version.
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_options_init(cimjob_registry_options *opts,
                                                     unsigned int version);

/**
 * Create a registry of jobs with its backend.
 *
 * @param opts the options, or NULL for every default.
 * @param out  receives the registry; free it with cimjob_registry_free().
 * @return CIMJOB_RC_SUCCESS;
 *         CIMJOB_RC_INVALID_PARAMETER (@p out NULL, an OrgID with ':' or too long, a backend
 *         without name or with a version this library does not know, a
 *         default_terminate_timeout_us or kill_timeout_us out of range);
 *         CIMJOB_RC_INVALID_UTF8 (the OrgID is not well-formed UTF-8);
 *         CIMJOB_RC_INVALID_VERSION (@p opts->version unknown);
 *         CIMJOB_RC_NO_BACKEND (no default backend on this platform);
 *         CIMJOB_RC_NO_MEMORY; CIMJOB_RC_OS_ERROR or any code the backend's open returns.
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_new(const cimjob_registry_options *opts,
                                            cimjob_registry **out);

/**
 * The registry's incarnation: the token that starts every LocalID the registry generates
 * (`<OrgID>:<incarnation>-<n>`). It is the wall-clock time of cimjob_registry_new() in
 * microseconds, strictly increasing within the process, in hex, followed by four hex digits that
 * tell apart processes started in the same microsecond; so a restarted agent never hands out the
 * InstanceID of a job of its previous life (unless the clock was set back and the four digits
 * collide too).
 *
 * @return a string owned by the registry, valid until it is freed; "" for NULL.
 */
CIMJOB_EXTERN const char *cimjob_registry_incarnation(const cimjob_registry *reg);

/**
 * Free a registry: every job not yet in a final state is killed, every job is removed, and the
 * backend is closed. The wait for the killed jobs to end is bounded by kill_timeout_us once for
 * the whole call, however many jobs there are: a job whose processes cannot die yet (D state,
 * a zombie a ptrace tracer holds) gets one more kill when the bound has passed and is released
 * without waiting. With the `posix` backend what it leaves (a zombie or live child of the host,
 * a job cgroup) is reaped and removed later, once it can be: at the next dispatch, creation or
 * free of any posix registry, or by cimjob_posix_reap_released() (docs/teardown.md).
 * State-change callbacks for those kills run on the calling thread before it returns, so their
 * userdata must outlive this call. References to jobs stay valid memory and answer
 * CIMJOB_RC_NOT_FOUND. Must not be called while another thread is using the registry. Called
 * from a callback of the same registry it does nothing and answers CIMJOB_RC_BUSY (free it once
 * the callback has returned).
 *
 * @param reg the registry; NULL is a no-op.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_TIMEOUT if some job's processes could not be confirmed
 *         ended within kill_timeout_us of the call's start (the registry is freed all the
 *         same); CIMJOB_RC_BUSY when called from a state-change callback of @p reg (nothing
 *         is freed).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_free(cimjob_registry *reg);

/**
 * Create a job in JobState New (or start it at once with CIMJOB_JOB_START).
 *
 * @param reg  the registry.
 * @param opts the job's options (Name is required).
 * @param out  receives a reference to the job (release with cimjob_job_release()), or NULL when
 *             the call fails; may be NULL when the caller will find the job by InstanceID
 *             later.
 * @return CIMJOB_RC_SUCCESS (also when CIMJOB_JOB_START was given and the start failed: the job
 *         then is in Exception with ErrorCode and ErrorDescription);
 *         CIMJOB_RC_INVALID_PARAMETER (NULL argument, missing or over-long Name, a LocalID with
 *         ':' or too long, no argv or a NULL argv[0] for a process backend, an unknown flag,
 *         containment or stdio mode, TimeBeforeRemoval over the CIM maximum);
 *         CIMJOB_RC_INVALID_UTF8 (Name, LocalID or Owner is not well-formed UTF-8);
 *         CIMJOB_RC_INVALID_VERSION; CIMJOB_RC_EXISTS (that LocalID is or was in use);
 *         CIMJOB_RC_NOT_FOUND (the registry is being freed); CIMJOB_RC_NO_MEMORY;
 *         CIMJOB_RC_NOT_SUPPORTED (in a child after fork(): see above).
 */
CIMJOB_EXTERN cimjob_rc cimjob_create(cimjob_registry *reg, const cimjob_job_options *opts,
                                      cimjob_job **out);

/**
 * The version of cimjob_info this header describes. Versions 1 (without the fields after
 * utc_offset_min) and 2 (without core_dumped) are still accepted: the library fills only what
 * that version has.
 */
#define CIMJOB_INFO_VERSION 3

/**
 * A snapshot of a job's CIM properties (CIM_ConcreteJob), filled by cimjob_query().
 * Times are microseconds since 1970-01-01 UTC, or CIMJOB_TIME_NONE; format them as CIM
 * datetimes with cimjob_info_format_time().
 */
typedef struct cimjob_info {
    unsigned int version;                         /**< CIMJOB_INFO_VERSION (set by the caller). */
    char instance_id[CIMJOB_INSTANCE_ID_MAX + 1]; /**< InstanceID, `<OrgID>:<LocalID>`. */
    char name[CIMJOB_NAME_MAX + 1];               /**< Name. */
    cimjob_job_state job_state;                   /**< JobState. */
    /** TimeOfLastStateChange; CIMJOB_TIME_NONE until the first change. */
    int64_t time_of_last_state_change_us;
    int64_t time_submitted_us; /**< TimeSubmitted: when the job was created. */
    int64_t start_time_us;     /**< StartTime; CIMJOB_TIME_NONE until started. */
    /**
     * ElapsedTime: how long the job (its last run) has been executing — from StartTime to now,
     * or to the end for a finished job, without the time it spent Suspended; 0 if not started.
     */
    uint64_t elapsed_time_us;
    uint64_t time_before_removal_us; /**< TimeBeforeRemoval. */
    int delete_on_completion;        /**< DeleteOnCompletion (0 or 1). */
    unsigned int percent_complete;   /**< PercentComplete, 0..100. */
    /**
     * ErrorCode, full width: 0 when the job completed without error; for a process, its exit
     * status, 128+N for death by signal N, 127 for a command not found and 126 for one not
     * executable; a Windows exit code or NTSTATUS as it is. CIM's ErrorCode is a uint16: see
     * cim_error_code.
     */
    uint32_t error_code;
    char error_description[CIMJOB_TEXT_MAX + 1]; /**< ErrorDescription ("" when none). */
    char job_status[CIMJOB_TEXT_MAX + 1];        /**< JobStatus: free text on the job's status. */
    char owner[CIMJOB_TEXT_MAX + 1];             /**< Owner. */
    uint32_t priority;                           /**< Priority. */
    /**
     * OperationalStatus values for the JobState (docs/cim-model.md: 2 OK, 3 Degraded,
     * 6 Error, 8 Starting, 9 Stopping, 10 Stopped, 11 In Service, 14 Aborted, 15 Dormant,
     * 17 Completed); cimjob_info_status() gives the whole status block.
     */
    uint16_t operational_status[2];
    unsigned int operational_status_count; /**< How many of operational_status are set. */
    /* libcimjob's own, beyond CIM: */
    char backend[32];               /**< The backend's name. */
    cimjob_containment containment; /**< How the job's processes are contained. */
    int exit_status;    /**< The main process's exit status, or -1 (none or killed by a signal). */
    int term_signal;    /**< The signal that killed the main process, or 0. */
    int escalated;      /**< 1 if a Terminate had to be escalated to a kill at its TimeoutPeriod. */
    int utc_offset_min; /**< The registry's UTC offset, for formatting. */
    /* Version 2: */
    /**
     * ErrorCode as CIM's uint16: error_code when it fits, else 65535 ("see the full value": the
     * value in error_code and in the job's CIM_Error records). cimjob_cim_error_code().
     */
    uint16_t cim_error_code;
    /** Why a New job has not started: 0 no reason, 1 waiting for a run slot (the queue),
     * 2 waiting for its scheduled time; also 2 between the runs of a recurring job. */
    int waiting;
    uint32_t runs; /**< How many runs have started (1 for a job started once). */
    /** When the next scheduled run starts, or CIMJOB_TIME_NONE. */
    int64_t next_run_us;
    /* Version 3: */
    /**
     * 1 if the main process dumped core as it died of term_signal (POSIX: WCOREDUMP, as
     * timeout(1) reports "the monitored command dumped core"), else 0.
     */
    int core_dumped;
} cimjob_info;

/** Static initialiser for cimjob_info (sets the version; the library fills the rest). */
#ifdef __cplusplus
/* Every member spelled out: C++ has no designated initialisers before C++20, and a partial
 * list warns under -Wextra (-Wmissing-field-initializers). */
#define CIMJOB_INFO_INIT                                                                           \
    {                                                                                              \
        CIMJOB_INFO_VERSION, {0}, {0}, CIMJOB_JOB_STATE_NEW, 0, 0, 0, 0, 0, 0, 0, 0, {0}, {0},     \
            {0}, 0, {0, 0}, 0, {0}, CIMJOB_CONTAINMENT_AUTO, 0, 0, 0, 0, 0, 0, 0, 0, 0             \
    }
#else
#define CIMJOB_INFO_INIT                                                                           \
    {                                                                                              \
        .version = CIMJOB_INFO_VERSION                                                             \
    }
#endif

/** The waiting reasons of cimjob_info::waiting. */
enum cimjob_waiting {
    CIMJOB_WAITING_NONE = 0,    /**< Not waiting. */
    CIMJOB_WAITING_QUEUE = 1,   /**< Waiting for a run slot (cimjob_registry_set_max_running()). */
    CIMJOB_WAITING_SCHEDULE = 2 /**< Waiting for its scheduled time (the next run). */
};

/**
 * CIM's ErrorCode (uint16) for a full-width error code: the code when it fits, else 65535.
 *
 * @return the uint16 value.
 */
CIMJOB_EXTERN uint16_t cimjob_cim_error_code(uint32_t error_code);

/**
 * Take a snapshot of a job's properties.
 *
 * @param job  the job.
 * @param info the snapshot to fill; its version must be set (CIMJOB_INFO_INIT).
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument);
 *         CIMJOB_RC_INVALID_VERSION (@p info->version unknown);
 *         CIMJOB_RC_NOT_FOUND (the job was removed from its registry).
 */
CIMJOB_EXTERN cimjob_rc cimjob_query(cimjob_job *job, cimjob_info *info);

/**
 * A job's revision: a number that changes whenever anything that cimjob_query(),
 * cimjob_job_settings_get() or the job's CIM_Error records report changes (its state, status,
 * times, errors, writable properties, schedule...), ElapsedTime aside (it grows by itself:
 * @p elapsed_time_us gives it). A job's revisions only grow; two reads that give the same
 * revision saw the same job, so a cache of what was made from a snapshot stays valid while
 * the revision read before that snapshot was taken is the current one. Much cheaper than
 * cimjob_query(): no copy of the snapshot.
 *
 * @param job             the job.
 * @param revision        receives the revision.
 * @param elapsed_time_us NULL, or receives ElapsedTime as cimjob_query() would report it now,
 *                        read in the same call.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL @p job or @p revision);
 *         CIMJOB_RC_NOT_FOUND (the job was removed from its registry).
 *
 * Thread-safe; takes no lock of the job's: two atomic loads, plus the registry's clock for a
 * running job (the backend's clock where it has one, which may lock: the fake backend's does).
 * It never waits for the job's lock or its work, and writes nothing to the job.
 */
CIMJOB_EXTERN cimjob_rc cimjob_job_revision(cimjob_job *job, uint64_t *revision,
                                            uint64_t *elapsed_time_us);

/** The time properties of a snapshot, for cimjob_info_format_time(). */
typedef enum cimjob_time_property {
    CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE = 1, /**< TimeOfLastStateChange (timestamp). */
    CIMJOB_PROP_TIME_SUBMITTED = 2,            /**< TimeSubmitted (timestamp). */
    CIMJOB_PROP_START_TIME = 3,                /**< StartTime (timestamp). */
    CIMJOB_PROP_ELAPSED_TIME = 4,              /**< ElapsedTime (interval). */
    CIMJOB_PROP_TIME_BEFORE_REMOVAL = 5        /**< TimeBeforeRemoval (interval). */
} cimjob_time_property;

/**
 * Format one time property of a snapshot as a CIM datetime, in the registry's UTC offset.
 * TimeOfLastStateChange before the first change is the zero interval, as CIM asks.
 *
 * @param info the snapshot.
 * @param prop which property.
 * @param out  a buffer of CIMJOB_DATETIME_SIZE bytes.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument, unknown property);
 *         CIMJOB_RC_NOT_FOUND when the property is NULL in CIM terms (StartTime of a job never
 *         started): @p out is then "".
 */
CIMJOB_EXTERN cimjob_rc cimjob_info_format_time(const cimjob_info *info, cimjob_time_property prop,
                                                char *out);

/** CIM_ManagedSystemElement.OperationalStatus. X(C name, value, DMTF name). */
#define CIMJOB_OPERATIONAL_STATUS_TABLE(X)                                                         \
    X(CIMJOB_OPSTATUS_UNKNOWN, 0, "Unknown")                                                       \
    X(CIMJOB_OPSTATUS_OTHER, 1, "Other")                                                           \
    X(CIMJOB_OPSTATUS_OK, 2, "OK")                                                                 \
    X(CIMJOB_OPSTATUS_DEGRADED, 3, "Degraded")                                                     \
    X(CIMJOB_OPSTATUS_STRESSED, 4, "Stressed")                                                     \
    X(CIMJOB_OPSTATUS_PREDICTIVE_FAILURE, 5, "Predictive Failure")                                 \
    X(CIMJOB_OPSTATUS_ERROR, 6, "Error")                                                           \
    X(CIMJOB_OPSTATUS_NON_RECOVERABLE_ERROR, 7, "Non-Recoverable Error")                           \
    X(CIMJOB_OPSTATUS_STARTING, 8, "Starting")                                                     \
    X(CIMJOB_OPSTATUS_STOPPING, 9, "Stopping")                                                     \
    X(CIMJOB_OPSTATUS_STOPPED, 10, "Stopped")                                                      \
    X(CIMJOB_OPSTATUS_IN_SERVICE, 11, "In Service")                                                \
    X(CIMJOB_OPSTATUS_NO_CONTACT, 12, "No Contact")                                                \
    X(CIMJOB_OPSTATUS_LOST_COMMUNICATION, 13, "Lost Communication")                                \
    X(CIMJOB_OPSTATUS_ABORTED, 14, "Aborted")                                                      \
    X(CIMJOB_OPSTATUS_DORMANT, 15, "Dormant")                                                      \
    X(CIMJOB_OPSTATUS_SUPPORTING_ENTITY_IN_ERROR, 16, "Supporting Entity in Error")                \
    X(CIMJOB_OPSTATUS_COMPLETED, 17, "Completed")                                                  \
    X(CIMJOB_OPSTATUS_POWER_MODE, 18, "Power Mode")                                                \
    X(CIMJOB_OPSTATUS_RELOCATING, 19, "Relocating")

/** CIM_ManagedSystemElement.HealthState. X(C name, value, DMTF name). */
#define CIMJOB_HEALTH_STATE_TABLE(X)                                                               \
    X(CIMJOB_HEALTH_UNKNOWN, 0, "Unknown")                                                         \
    X(CIMJOB_HEALTH_OK, 5, "OK")                                                                   \
    X(CIMJOB_HEALTH_DEGRADED_WARNING, 10, "Degraded/Warning")                                      \
    X(CIMJOB_HEALTH_MINOR_FAILURE, 15, "Minor failure")                                            \
    X(CIMJOB_HEALTH_MAJOR_FAILURE, 20, "Major failure")                                            \
    X(CIMJOB_HEALTH_CRITICAL_FAILURE, 25, "Critical failure")                                      \
    X(CIMJOB_HEALTH_NON_RECOVERABLE_ERROR, 30, "Non-recoverable error")

/** CIM_ManagedSystemElement.PrimaryStatus. X(C name, value, DMTF name). */
#define CIMJOB_PRIMARY_STATUS_TABLE(X)                                                             \
    X(CIMJOB_PRIMARY_UNKNOWN, 0, "Unknown")                                                        \
    X(CIMJOB_PRIMARY_OK, 1, "OK")                                                                  \
    X(CIMJOB_PRIMARY_DEGRADED, 2, "Degraded")                                                      \
    X(CIMJOB_PRIMARY_ERROR, 3, "Error")

/** CIM_ManagedSystemElement.OperatingStatus. X(C name, value, DMTF name). */
#define CIMJOB_OPERATING_STATUS_TABLE(X)                                                           \
    X(CIMJOB_OPERATING_UNKNOWN, 0, "Unknown")                                                      \
    X(CIMJOB_OPERATING_NOT_AVAILABLE, 1, "Not Available")                                          \
    X(CIMJOB_OPERATING_SERVICING, 2, "Servicing")                                                  \
    X(CIMJOB_OPERATING_STARTING, 3, "Starting")                                                    \
    X(CIMJOB_OPERATING_STOPPING, 4, "Stopping")                                                    \
    X(CIMJOB_OPERATING_STOPPED, 5, "Stopped")                                                      \
    X(CIMJOB_OPERATING_ABORTED, 6, "Aborted")                                                      \
    X(CIMJOB_OPERATING_DORMANT, 7, "Dormant")                                                      \
    X(CIMJOB_OPERATING_COMPLETED, 8, "Completed")                                                  \
    X(CIMJOB_OPERATING_MIGRATING, 9, "Migrating")                                                  \
    X(CIMJOB_OPERATING_EMIGRATING, 10, "Emigrating")                                               \
    X(CIMJOB_OPERATING_IMMIGRATING, 11, "Immigrating")                                             \
    X(CIMJOB_OPERATING_SNAPSHOTTING, 12, "Snapshotting")                                           \
    X(CIMJOB_OPERATING_SHUTTING_DOWN, 13, "Shutting Down")                                         \
    X(CIMJOB_OPERATING_IN_TEST, 14, "In Test")                                                     \
    X(CIMJOB_OPERATING_TRANSITIONING, 15, "Transitioning")                                         \
    X(CIMJOB_OPERATING_IN_SERVICE, 16, "In Service")

/** CIM_ManagedSystemElement.CommunicationStatus. X(C name, value, DMTF name). */
#define CIMJOB_COMMUNICATION_STATUS_TABLE(X)                                                       \
    X(CIMJOB_COMMUNICATION_UNKNOWN, 0, "Unknown")                                                  \
    X(CIMJOB_COMMUNICATION_NOT_AVAILABLE, 1, "Not Available")                                      \
    X(CIMJOB_COMMUNICATION_OK, 2, "Communication OK")                                              \
    X(CIMJOB_COMMUNICATION_LOST, 3, "Lost Communication")                                          \
    X(CIMJOB_COMMUNICATION_NO_CONTACT, 4, "No Contact")

/** CIM_ManagedSystemElement.DetailedStatus. X(C name, value, DMTF name). */
#define CIMJOB_DETAILED_STATUS_TABLE(X)                                                            \
    X(CIMJOB_DETAILED_NOT_AVAILABLE, 0, "Not Available")                                           \
    X(CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION, 1, "No Additional Information")                   \
    X(CIMJOB_DETAILED_STRESSED, 2, "Stressed")                                                     \
    X(CIMJOB_DETAILED_PREDICTIVE_FAILURE, 3, "Predictive Failure")                                 \
    X(CIMJOB_DETAILED_NON_RECOVERABLE_ERROR, 4, "Non-Recoverable Error")                           \
    X(CIMJOB_DETAILED_SUPPORTING_ENTITY_IN_ERROR, 5, "Supporting Entity in Error")

/** @cond INTERNAL */
#define CIMJOB__STATUS_ITEM(e, n, name) e = n,
/** @endcond */

/** OperationalStatus values (see CIMJOB_OPERATIONAL_STATUS_TABLE). */
typedef enum cimjob_operational_status {
    CIMJOB_OPERATIONAL_STATUS_TABLE(CIMJOB__STATUS_ITEM)
} cimjob_operational_status;
/** HealthState values (see CIMJOB_HEALTH_STATE_TABLE). */
typedef enum cimjob_health_state {
    CIMJOB_HEALTH_STATE_TABLE(CIMJOB__STATUS_ITEM)
} cimjob_health_state;
/** PrimaryStatus values (see CIMJOB_PRIMARY_STATUS_TABLE). */
typedef enum cimjob_primary_status {
    CIMJOB_PRIMARY_STATUS_TABLE(CIMJOB__STATUS_ITEM)
} cimjob_primary_status;
/** OperatingStatus values (see CIMJOB_OPERATING_STATUS_TABLE). */
typedef enum cimjob_operating_status {
    CIMJOB_OPERATING_STATUS_TABLE(CIMJOB__STATUS_ITEM)
} cimjob_operating_status;
/** CommunicationStatus values (see CIMJOB_COMMUNICATION_STATUS_TABLE). */
typedef enum cimjob_communication_status {
    CIMJOB_COMMUNICATION_STATUS_TABLE(CIMJOB__STATUS_ITEM)
} cimjob_communication_status;
/** DetailedStatus values (see CIMJOB_DETAILED_STATUS_TABLE). */
typedef enum cimjob_detailed_status {
    CIMJOB_DETAILED_STATUS_TABLE(CIMJOB__STATUS_ITEM)
} cimjob_detailed_status;

/**
 * The DMTF name of an OperationalStatus value.
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Reserved" or "Invalid".
 */
CIMJOB_EXTERN const char *cimjob_operational_status_name(int value);
/**
 * The DMTF name of a HealthState value.
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Specific" or "Invalid".
 */
CIMJOB_EXTERN const char *cimjob_health_state_name(int value);
/**
 * The DMTF name of a PrimaryStatus value.
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Reserved" or "Invalid".
 */
CIMJOB_EXTERN const char *cimjob_primary_status_name(int value);
/**
 * The DMTF name of an OperatingStatus value.
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Reserved" or "Invalid".
 */
CIMJOB_EXTERN const char *cimjob_operating_status_name(int value);
/**
 * The DMTF name of a CommunicationStatus value.
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Reserved" or "Invalid".
 */
CIMJOB_EXTERN const char *cimjob_communication_status_name(int value);
/**
 * The DMTF name of a DetailedStatus value.
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Reserved" or "Invalid".
 */
CIMJOB_EXTERN const char *cimjob_detailed_status_name(int value);

/**
 * The version of cimjob_status this header describes. 2 added communication_status and
 * detailed_status; a caller built against version 1 still gets version 1's fields only.
 */
#define CIMJOB_STATUS_VERSION 2

/**
 * The status properties CIM_ManagedSystemElement gives a job, derived from its JobState as the
 * MOF describes them (the table is in docs/cim-model.md). Filled by cimjob_info_status().
 */
typedef struct cimjob_status {
    unsigned int version;                  /**< CIMJOB_STATUS_VERSION (set by the caller). */
    uint16_t operational_status[2];        /**< OperationalStatus (cimjob_operational_status). */
    unsigned int operational_status_count; /**< How many of operational_status are set. */
    /** StatusDescriptions: one sentence per OperationalStatus entry. */
    char status_descriptions[2][96];
    char status[11];           /**< Status (deprecated, MaxLen 10): "OK", "Stopped", ... */
    uint16_t health_state;     /**< HealthState (cimjob_health_state). */
    uint16_t primary_status;   /**< PrimaryStatus (cimjob_primary_status). */
    uint16_t operating_status; /**< OperatingStatus (cimjob_operating_status). */
    /**
     * CommunicationStatus (cimjob_communication_status, version 2): 2 Communication OK while
     * the backend holds the job's live work (Starting ... Shutting Down, Service, Query
     * Pending), 1 Not Available while there is none (New, and every final state).
     */
    uint16_t communication_status;
    /**
     * DetailedStatus (cimjob_detailed_status, version 2), the detail of PrimaryStatus:
     * 1 No Additional Information (OK), 2 Stressed (Degraded: an escalated Terminate),
     * 4 Non-Recoverable Error (Error: Exception).
     */
    uint16_t detailed_status;
} cimjob_status;

/** Static initialiser for cimjob_status (sets the version; the library fills the rest). */
#define CIMJOB_STATUS_INIT                                                                         \
    {                                                                                              \
        CIMJOB_STATUS_VERSION, {0, 0}, 0, {{0}, {0}}, {0}, 0, 0, 0, 0, 0                           \
    }

/**
 * Derive OperationalStatus, StatusDescriptions, Status, HealthState, PrimaryStatus,
 * OperatingStatus, CommunicationStatus and DetailedStatus (version 2) from a snapshot (its
 * JobState, whether a Terminate was escalated, whether it waits). Pure: no lock, no job needed.
 *
 * @param info a snapshot from cimjob_query().
 * @param out  receives the status; its version must be set (CIMJOB_STATUS_INIT): 1 or 2.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument, a JobState that is not
 *         2..12); CIMJOB_RC_INVALID_VERSION (a version other than 1 or 2).
 */
CIMJOB_EXTERN cimjob_rc cimjob_info_status(const cimjob_info *info, cimjob_status *out);

/** Request flags (cimjob_request_options.flags). */
enum cimjob_request_flags {
    /**
     * Return CIMJOB_RSC_TRANSITION_STARTED (4096) as soon as the transition has started
     * instead of waiting for the new state; watch JobState (cimjob_wait(), callbacks).
     */
    CIMJOB_REQUEST_ASYNC = 1u << 0,
    /** Terminate: do not escalate to a kill when the TimeoutPeriod passes (answer Timeout). */
    CIMJOB_REQUEST_NO_ESCALATE = 1u << 1
};

/** The version of cimjob_request_options this header describes. */
#define CIMJOB_REQUEST_OPTIONS_VERSION 1

/** Extra parameters of a request. Initialise with CIMJOB_REQUEST_OPTIONS_INIT. */
typedef struct cimjob_request_options {
    unsigned int version; /**< CIMJOB_REQUEST_OPTIONS_VERSION. */
    /** TimeoutPeriod in microseconds; 0 means no time requirement. */
    uint64_t timeout_us;
    unsigned int flags; /**< cimjob_request_flags. */
    /** The identity the request is made for; NULL: the host itself (always allowed). */
    const char *caller;
} cimjob_request_options;

/** Static initialiser for cimjob_request_options. */
#define CIMJOB_REQUEST_OPTIONS_INIT                                                                \
    {                                                                                              \
        CIMJOB_REQUEST_OPTIONS_VERSION, 0, 0, NULL                                                 \
    }

/**
 * RequestStateChange(RequestedState, TimeoutPeriod): ask the job to change state.
 *
 * The transitions follow the CIM state table (see docs/guide.md). By default the call returns
 * when the new state is reached: Start and Suspend at once; Terminate when the job's processes
 * have ended, escalating to a kill when TimeoutPeriod passes (or the registry's default grace
 * when TimeoutPeriod is zero); Kill when the processes are gone or the kill bound passed.
 *
 * @param job            the job.
 * @param requested      Start, Suspend, Terminate, Kill or Service.
 * @param timeout_period TimeoutPeriod as a CIM interval; NULL or the zero interval: no time
 *                       requirement.
 * @return CIMJOB_RSC_COMPLETED (0): the new state was reached (or the job already was there);
 *         CIMJOB_RSC_NOT_SUPPORTED (1): the backend cannot do this (e.g. Service);
 *         CIMJOB_RSC_TIMEOUT (3): not done within TimeoutPeriod — for a Terminate, the job was
 *         escalated to a kill and still ended Terminated (JobStatus and `escalated` say so), or
 *         with CIMJOB_REQUEST_NO_ESCALATE it is still Shutting Down; for a Kill, processes
 *         could not be confirmed gone within the bound; for Start, Suspend and Service, the new
 *         state was reached only after the TimeoutPeriod;
 *         CIMJOB_RSC_TRANSITION_STARTED (4096): a Start beyond the registry's limit of running
 *         jobs: the job waits in the run queue (cimjob_registry_set_max_running());
 *         CIMJOB_RSC_FAILED (4): the backend failed (Start: the job is now in Exception);
 *         CIMJOB_RSC_INVALID_PARAMETER (5): NULL job, a reserved or unknown RequestedState, a
 *         malformed TimeoutPeriod;
 *         CIMJOB_RSC_INVALID_STATE_TRANSITION (4097): not allowed from the current JobState
 *         (every request on a final state, Suspend from New, or a removed job);
 *         CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED (4098): a non-zero TimeoutPeriod the backend cannot
 *         honour (any request but ending a job never started, on a backend without
 *         CIMJOB_CAP_TIMEOUT); CIMJOB_RSC_BUSY (4099): the job is Starting or Shutting Down.
 *         A failed request (1, 2, 3, 4, 4098) on a live job is also recorded as a CIM_Error of
 *         the job (cimjob_get_errors()).
 *         A rejected request changes nothing, not even TimeOfLastStateChange.
 */
CIMJOB_EXTERN cimjob_rsc_rc cimjob_request_state_change(cimjob_job *job,
                                                        cimjob_requested_state requested,
                                                        const char *timeout_period);

/**
 * RequestStateChange with extra parameters: TimeoutPeriod in microseconds, asynchronous
 * completion, no escalation, and the caller's identity for access control.
 *
 * @param job       the job.
 * @param requested Start, Suspend, Terminate, Kill or Service.
 * @param opts      TimeoutPeriod, flags and caller; may be NULL for the defaults.
 * @return every code of cimjob_request_state_change(), plus:
 *         CIMJOB_RSC_TRANSITION_STARTED (4096) with CIMJOB_REQUEST_ASYNC when the transition
 *         has started but the new state is not reached yet;
 *         CIMJOB_RSC_INVALID_PARAMETER for an unknown @p opts version or flag;
 *         CIMJOB_RSC_ACCESS_DENIED (32768, vendor) when @p opts->caller is neither the job's
 *         Owner nor privileged (nothing is signalled).
 */
CIMJOB_EXTERN cimjob_rsc_rc cimjob_request_state_change_ex(cimjob_job *job,
                                                           cimjob_requested_state requested,
                                                           const cimjob_request_options *opts);

/**
 * KillJob(DeleteOnKill): end the job immediately (as RequestStateChange(Kill)) and, with
 * @p delete_on_kill, remove it from its registry once it is Killed (overriding
 * DeleteOnCompletion; without it the job stays until cimjob_remove()).
 *
 * @return CIMJOB_RC_SUCCESS: the job is Killed;
 *         CIMJOB_RC_TIMEOUT: its processes could not be confirmed gone within the kill bound
 *         (the job stays Shutting Down, the kill is repeated, and it becomes Killed when the
 *         backend reports them gone);
 *         CIMJOB_RC_FAILED: the backend could not signal the job;
 *         CIMJOB_RC_NOT_SUPPORTED: the backend has no kill;
 *         CIMJOB_RC_INVALID_STATE: the job had already ended (nothing is done);
 *         CIMJOB_RC_NOT_FOUND: the job was removed; CIMJOB_RC_INVALID_PARAMETER: NULL job.
 */
CIMJOB_EXTERN cimjob_rc cimjob_kill_job(cimjob_job *job, int delete_on_kill);

/**
 * KillJob with request options (caller identity, CIMJOB_REQUEST_ASYNC, a kill bound in
 * timeout_us instead of the registry's).
 *
 * @return every code of cimjob_kill_job(), plus CIMJOB_RC_ACCESS_DENIED when @p opts->caller
 *         may not act on the job (nothing is signalled), CIMJOB_RC_INVALID_VERSION, and
 *         CIMJOB_RC_BUSY with CIMJOB_REQUEST_ASYNC when the kill has started but the job has
 *         not ended yet.
 */
CIMJOB_EXTERN cimjob_rc cimjob_kill_job_ex(cimjob_job *job, int delete_on_kill,
                                           const cimjob_request_options *opts);

/**
 * Wait until the job's JobState is one of @p state_mask, or the timeout passes. Meanwhile the
 * calling thread observes exits and runs due timers for the whole registry (callbacks of other
 * jobs may run on it).
 *
 * @param job        the job.
 * @param state_mask CIMJOB_STATE_BIT()s; 0 means CIMJOB_STATES_FINAL.
 * @param timeout_us how long to wait, in microseconds; negative: no limit; 0: just check.
 *                   A timeout past the clock's range (up to INT64_MAX) means no limit.
 *                   With the fake backend a wait never sleeps: when nothing is scheduled to
 *                   happen it answers CIMJOB_RC_TIMEOUT at once, even with no limit.
 * @param state      receives the JobState at return; may be NULL.
 * @return CIMJOB_RC_SUCCESS (the state is in the mask); CIMJOB_RC_TIMEOUT;
 *         CIMJOB_RC_INVALID_PARAMETER (NULL job, bits outside 2..12);
 *         CIMJOB_RC_NOT_FOUND (the job was removed, e.g. by DeleteOnKill, while waiting);
 *         CIMJOB_RC_OS_ERROR (the backend's wait failed);
 *         CIMJOB_RC_NOT_SUPPORTED (in a child after fork(): see above).
 */
CIMJOB_EXTERN cimjob_rc cimjob_wait(cimjob_job *job, uint32_t state_mask, int64_t timeout_us,
                                    cimjob_job_state *state);

/**
 * Report progress of a job, for backends and code that drives a job that is not a process.
 *
 * @param job     the job.
 * @param percent PercentComplete, 0..100.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL job, percent over 100);
 *         CIMJOB_RC_NOT_FOUND (removed); CIMJOB_RC_INVALID_STATE (the job has ended).
 */
CIMJOB_EXTERN cimjob_rc cimjob_set_percent_complete(cimjob_job *job, unsigned int percent);

/**
 * Set JobStatus, the job's free-text status line.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument; text over
 *         CIMJOB_TEXT_MAX bytes); CIMJOB_RC_INVALID_UTF8 (not well-formed UTF-8);
 *         CIMJOB_RC_NOT_FOUND (removed);
 *         CIMJOB_RC_NO_MEMORY (the text could not be stored; JobStatus is then empty).
 */
CIMJOB_EXTERN cimjob_rc cimjob_set_job_status(cimjob_job *job, const char *status);

/** CIM_Job.RecoveryAction. X(C name, value, DMTF name). */
#define CIMJOB_RECOVERY_ACTION_TABLE(X)                                                            \
    X(CIMJOB_RECOVERY_UNKNOWN, 0, "Unknown")                                                       \
    X(CIMJOB_RECOVERY_OTHER, 1, "Other")                                                           \
    X(CIMJOB_RECOVERY_DO_NOT_CONTINUE, 2, "Do Not Continue")                                       \
    X(CIMJOB_RECOVERY_CONTINUE_WITH_NEXT_JOB, 3, "Continue With Next Job")                         \
    X(CIMJOB_RECOVERY_RERUN_JOB, 4, "Re-run Job")                                                  \
    X(CIMJOB_RECOVERY_RUN_RECOVERY_JOB, 5, "Run Recovery Job")

/** @cond INTERNAL */
#define CIMJOB__RA_ITEM(e, n, name) e = n,
/** @endcond */

/**
 * CIM_Job.RecoveryAction values (see CIMJOB_RECOVERY_ACTION_TABLE). libcimjob records the
 * RecoveryAction for the agent and its clients; it does not act on it.
 */
typedef enum cimjob_recovery_action {
    CIMJOB_RECOVERY_ACTION_TABLE(CIMJOB__RA_ITEM)
} cimjob_recovery_action;

/**
 * The DMTF name of a RecoveryAction ("Re-run Job").
 *
 * @return a static string, never NULL: "Invalid" for values outside 0..5.
 */
CIMJOB_EXTERN const char *cimjob_recovery_action_name(int value);

/** CIM_Job.LocalOrUtcTime: how RunStartInterval and the calendar of a schedule are read. */
typedef enum cimjob_local_or_utc {
    CIMJOB_LOCAL_TIME = 1, /**< Local Time: the host's time zone, with its DST changes. */
    CIMJOB_UTC_TIME = 2    /**< UTC Time (default). */
} cimjob_local_or_utc;

/** RunMonth not set: every month. */
#define CIMJOB_RUN_MONTH_ANY (-1)
/** An interval that is not set (ScheduledStartTime as an interval, RunStartInterval). */
#define CIMJOB_INTERVAL_NONE UINT64_MAX

/** The version of cimjob_job_settings this header describes. */
#define CIMJOB_JOB_SETTINGS_VERSION 1

/**
 * A job's writable CIM_Job properties (the MOF's Write qualifier) and its schedule: what
 * cimjob_job_settings_get() reads and cimjob_job_modify() writes (ModifyInstance). Initialise
 * with CIMJOB_JOB_SETTINGS_INIT (CIM's defaults).
 *
 * The schedule: a job with ScheduledStartTime (a timestamp, or an interval after TimeSubmitted)
 * is started by its registry at that time; a job with RunStartInterval is started on every day
 * that matches RunMonth, RunDay and RunDayOfWeek, at RunStartInterval after midnight (local time
 * or UTC), JobRunTimes times (0: until UntilTime), never after UntilTime. See docs/guide.md.
 */
typedef struct cimjob_job_settings {
    unsigned int version;            /**< CIMJOB_JOB_SETTINGS_VERSION. */
    int delete_on_completion;        /**< DeleteOnCompletion (0 or 1). */
    uint64_t time_before_removal_us; /**< TimeBeforeRemoval. */
    uint32_t priority;               /**< Priority: lower is higher (the run queue's order). */
    /** JobRunTimes: how many runs (default 1); 0: no limit, until UntilTime or a request. */
    uint32_t job_run_times;
    /** UntilTime: no run starts after it and a running one is ended; CIMJOB_TIME_NONE: none. */
    int64_t until_time_us;
    char notify[CIMJOB_TEXT_MAX + 1]; /**< Notify: the user to notify ("" for none). */
    uint16_t recovery_action;         /**< RecoveryAction (cimjob_recovery_action). */
    /** OtherRecoveryAction: required when RecoveryAction is 1 (Other). */
    char other_recovery_action[CIMJOB_TEXT_MAX + 1];
    /** ScheduledStartTime as a timestamp; CIMJOB_TIME_NONE when not set. */
    int64_t scheduled_start_time_us;
    /** ScheduledStartTime as an interval after TimeSubmitted; CIMJOB_INTERVAL_NONE: not set. */
    uint64_t scheduled_start_delay_us;
    int run_month; /**< RunMonth 0 (January)..11, or CIMJOB_RUN_MONTH_ANY. */
    /** RunDay -31..31: from the month's start, negative from its end (-1: last day); 0: any. */
    int run_day;
    /**
     * RunDayOfWeek -7..7: 0 exact day of month; 1..7 (Sunday..Saturday) on or after RunDay;
     * -1..-7 on or before RunDay. With RunDay 0: every such weekday.
     */
    int run_day_of_week;
    /** RunStartInterval: time after midnight of each run; CIMJOB_INTERVAL_NONE: no calendar. */
    uint64_t run_start_interval_us;
    int local_or_utc_time; /**< LocalOrUtcTime (cimjob_local_or_utc). */
} cimjob_job_settings;

/** Static initialiser for cimjob_job_settings: CIM's defaults, no schedule. */
#define CIMJOB_JOB_SETTINGS_INIT                                                                   \
    {                                                                                              \
        CIMJOB_JOB_SETTINGS_VERSION, 1, CIMJOB_DEFAULT_TIME_BEFORE_REMOVAL_US, 0, 1,               \
            CIMJOB_TIME_NONE, {0}, 0, {0}, CIMJOB_TIME_NONE, CIMJOB_INTERVAL_NONE,                 \
            CIMJOB_RUN_MONTH_ANY, 0, 0, CIMJOB_INTERVAL_NONE, CIMJOB_UTC_TIME                      \
    }

/** The bits of cimjob_job_modify()'s mask that name writable properties. */
#define CIMJOB_PROPERTIES_WRITABLE                                                                 \
    (CIMJOB_PROPERTY_DELETE_ON_COMPLETION | CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL |                  \
     CIMJOB_PROPERTY_PRIORITY | CIMJOB_PROPERTY_JOB_RUN_TIMES | CIMJOB_PROPERTY_UNTIL_TIME |       \
     CIMJOB_PROPERTY_NOTIFY | CIMJOB_PROPERTY_RECOVERY_ACTION |                                    \
     CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION | CIMJOB_PROPERTY_SCHEDULE)

/**
 * Read a job's writable properties and schedule.
 *
 * @param job the job.
 * @param out receives them; its version must be set (CIMJOB_JOB_SETTINGS_INIT).
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument);
 *         CIMJOB_RC_INVALID_VERSION; CIMJOB_RC_NOT_FOUND (the job was removed).
 */
CIMJOB_EXTERN cimjob_rc cimjob_job_settings_get(cimjob_job *job, cimjob_job_settings *out);

/**
 * ModifyInstance: change the writable properties named in @p mask, all or none, and report
 * one CIMJOB_EVENT_MODIFICATION with the properties whose values changed.
 *
 * CIMJOB_PROPERTY_SCHEDULE takes ScheduledStartTime, RunMonth, RunDay, RunDayOfWeek,
 * RunStartInterval and LocalOrUtcTime together; a New job with a schedule is started by its
 * registry at its time. A new TimeBeforeRemoval of an ended job restarts its retention from the
 * end; a lower Priority of a waiting job moves it up the queue.
 *
 * @param job      the job.
 * @param settings the new values (the fields outside @p mask are ignored).
 * @param mask     CIMJOB_PROPERTY_* bits within CIMJOB_PROPERTIES_WRITABLE.
 * @param caller   the identity the change is made for (NULL: the host, always allowed).
 * @return CIMJOB_RC_SUCCESS (also when nothing changed: no event then);
 *         CIMJOB_RC_INVALID_PARAMETER (NULL argument; a bit outside the writable set; a value
 *         out of its range: TimeBeforeRemoval over the CIM maximum, RecoveryAction over 5 or 1
 *         without OtherRecoveryAction, LocalOrUtcTime not 1 or 2, RunMonth, RunDay or
 *         RunDayOfWeek out of range, a RunDay that never occurs in RunMonth, a calendar field
 *         without RunStartInterval, RunStartInterval of a day or more, both forms of
 *         ScheduledStartTime, a string not terminated in its buffer);
 *         CIMJOB_RC_INVALID_UTF8 (Notify or OtherRecoveryAction);
 *         CIMJOB_RC_INVALID_VERSION; CIMJOB_RC_ACCESS_DENIED (@p caller is neither the Owner
 *         nor privileged); CIMJOB_RC_NOT_FOUND (removed);
 *         CIMJOB_RC_INVALID_STATE (DeleteOnCompletion or the schedule of a job that has ended;
 *         the MOF: delete it instead);
 *         CIMJOB_RC_NO_MEMORY. Nothing is changed unless CIMJOB_RC_SUCCESS is returned.
 */
CIMJOB_EXTERN cimjob_rc cimjob_job_modify(cimjob_job *job, const cimjob_job_settings *settings,
                                          uint32_t mask, const char *caller);

/**
 * Choose which events the registry's and its jobs' callbacks receive (default: only
 * CIMJOB_EVENT_STATE_CHANGE, as before lifecycle indications existed). Events are queued in the
 * order they happen and delivered like JobState changes: on the thread that caused them, or by
 * cimjob_registry_dispatch() when the registry's descriptor becomes readable.
 *
 * @param reg  the registry.
 * @param mask CIMJOB_EVENT_BIT()s, e.g. CIMJOB_EVENTS_ALL.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL registry, unknown bits).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_set_indications(cimjob_registry *reg, unsigned int mask);

/**
 * Limit how many jobs of the registry run at once (the run queue). A Start request beyond the
 * limit leaves the job New and waiting — cimjob_info::waiting is CIMJOB_WAITING_QUEUE, JobStatus
 * says "Waiting for a run slot" — and answers CIMJOB_RSC_TRANSITION_STARTED (4096). As running
 * jobs end (any final state), waiting jobs start in Priority order, lower first, and in the order
 * they were asked to start within a Priority. A job counts from its Start until its end
 * (Starting, Running, Suspended, Service, Shutting Down). Waiting jobs start on the thread that
 * observed the end, or at the next cimjob_registry_dispatch() when that was inside a backend.
 *
 * @param reg the registry.
 * @param max the limit; 0 (the default) for none. Raising it starts waiting jobs at once.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL registry).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_set_max_running(cimjob_registry *reg, unsigned int max);

/**
 * How many jobs hold a run slot and how many wait for one.
 *
 * @param reg     the registry.
 * @param running receives the number of started jobs that have not ended; may be NULL.
 * @param waiting receives the number of jobs waiting in the queue; may be NULL.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL registry).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_running(cimjob_registry *reg, unsigned int *running,
                                                unsigned int *waiting);

/** Frees a job's user data (cimjob_job_set_user_data()). */
typedef void (*cimjob_destroy_cb)(void *data);

/**
 * Keep the agent's own data beside a job (its JobInParameters, JobOutParameters, a handle)
 * without a side table. @p destroy runs once, with no library lock held, when the job leaves its
 * registry — after the CIMJOB_EVENT_DELETION callbacks, which can still read the data — or when
 * the data is replaced.
 *
 * @param job     the job.
 * @param data    the data; NULL clears it.
 * @param destroy called with @p data when it is dropped; may be NULL.
 * @return CIMJOB_RC_SUCCESS (the previous data's destructor has run);
 *         CIMJOB_RC_INVALID_PARAMETER (NULL job); CIMJOB_RC_NOT_FOUND (the job was removed:
 *         @p data is not taken and @p destroy is not called).
 */
CIMJOB_EXTERN cimjob_rc cimjob_job_set_user_data(cimjob_job *job, void *data,
                                                 cimjob_destroy_cb destroy);

/**
 * A job's user data.
 *
 * @return what cimjob_job_set_user_data() stored; NULL when none, for NULL, and once the job has
 *         left its registry and the data was destroyed.
 */
CIMJOB_EXTERN void *cimjob_job_user_data(cimjob_job *job);

/**
 * The job's InstanceID.
 *
 * @return a string owned by the job, valid while a reference is held; "" for NULL.
 */
CIMJOB_EXTERN const char *cimjob_job_instance_id(const cimjob_job *job);

/**
 * Take another reference to a job.
 *
 * @return @p job (NULL for NULL).
 */
CIMJOB_EXTERN cimjob_job *cimjob_job_ref(cimjob_job *job);

/**
 * Release a reference to a job. The job's memory goes when the last reference and its registry
 * let go. Releasing does not end or remove the job. NULL is a no-op.
 */
CIMJOB_EXTERN void cimjob_job_release(cimjob_job *job);

/**
 * Find a job by InstanceID.
 *
 * @param reg         the registry.
 * @param instance_id the InstanceID, `<OrgID>:<LocalID>`.
 * @param out         receives a reference (release with cimjob_job_release()).
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument);
 *         CIMJOB_RC_NOT_FOUND (no such job in the registry).
 */
CIMJOB_EXTERN cimjob_rc cimjob_find(cimjob_registry *reg, const char *instance_id,
                                    cimjob_job **out);

/**
 * Remove a finished job from its registry (CIM: the client deletes a job whose
 * DeleteOnCompletion is false). References stay valid memory.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument);
 *         CIMJOB_RC_NOT_FOUND (already removed, or the job belongs to another registry);
 *         CIMJOB_RC_INVALID_STATE (the job has not reached a final state: end it first).
 */
CIMJOB_EXTERN cimjob_rc cimjob_remove(cimjob_registry *reg, cimjob_job *job);

/**
 * List the jobs of a registry, oldest first.
 *
 * @param reg   the registry.
 * @param jobs  receives an array of references; free it with cimjob_job_list_free().
 * @param count receives the number of jobs.
 * @return CIMJOB_RC_SUCCESS (an empty registry gives NULL and 0);
 *         CIMJOB_RC_INVALID_PARAMETER; CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_list(cimjob_registry *reg, cimjob_job ***jobs,
                                             size_t *count);

/** Release every reference of a list from cimjob_registry_list() and free the array. */
CIMJOB_EXTERN void cimjob_job_list_free(cimjob_job **jobs, size_t count);

/**
 * The number of jobs in a registry.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_count(cimjob_registry *reg, size_t *count);

/**
 * The registry's membership generation: a number that moves whenever a job enters the
 * registry (cimjob_create()) or leaves it (removal, whatever its cause), and only then; a job's
 * own changes do not move it (cimjob_job_revision() follows those). Numbers only grow. A list
 * from cimjob_registry_list() taken after reading generation G holds the registry's jobs, in
 * the same order, for as long as the generation still reads G: a caller that keeps such a
 * list (with its references) can reuse it instead of listing again.
 *
 * @param reg        the registry.
 * @param generation receives the generation.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument).
 *
 * Thread-safe and lock-free: one atomic load.
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_generation(cimjob_registry *reg, uint64_t *generation);

/**
 * A descriptor (POSIX) or waitable HANDLE (Windows) that becomes readable / signalled when the
 * registry has work for cimjob_registry_dispatch(): put it in poll(), epoll, libuv or GLib.
 * Also arm a timer for cimjob_registry_next_timeout().
 *
 * @param reg the registry.
 * @param fd  receives the descriptor or HANDLE, owned by the registry.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER;
 *         CIMJOB_RC_NOT_SUPPORTED (the backend has none: its events arrive by reports).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_fd(cimjob_registry *reg, intptr_t *fd);

/**
 * Do whatever work is ready, without blocking: observe ended jobs, run due timers (Terminate
 * escalation, kill retries, retention), run callbacks.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER; CIMJOB_RC_OS_ERROR;
 *         CIMJOB_RC_NOT_SUPPORTED (in a child after fork()).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_dispatch(cimjob_registry *reg);

/**
 * How long until a timer of the registry is due, for an event loop's timer.
 *
 * @param reg        the registry.
 * @param timeout_us receives microseconds (0: dispatch now), or -1 when no timer is armed.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER.
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_next_timeout(cimjob_registry *reg, int64_t *timeout_us);

/**
 * Block until the registry has work or the timeout passes, then dispatch it: the loop of a
 * simple program or agent thread.
 *
 * @param reg        the registry.
 * @param timeout_us microseconds; negative: until something happens (so does a timeout past
 *                   the clock's range, up to INT64_MAX).
 * @return CIMJOB_RC_SUCCESS (something was dispatched or the time passed);
 *         CIMJOB_RC_INVALID_PARAMETER; CIMJOB_RC_OS_ERROR;
 *         CIMJOB_RC_NOT_SUPPORTED (in a child after fork()).
 */
CIMJOB_EXTERN cimjob_rc cimjob_registry_run(cimjob_registry *reg, int64_t timeout_us);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_JOB_H */
