/**
 * @file cimjob/backend.h
 * @brief The backend interface: for implementers of backends (like libgit2's `git2/sys/`).
 *
 * A backend does the work behind jobs: the built-in `posix` (processes), `win32` (Job
 * Objects) and `fake` (scripted, virtual clock), or a user-supplied one for jobs that are not
 * processes (a VM migration, a disk copy). It is one constant struct of function pointers.
 *
 * The core owns the state machine: it decides what is allowed, calls the slots, and turns what
 * the backend reports into JobState, ErrorCode and ErrorDescription. A NULL slot means the
 * operation is Not Supported; the core answers that without calling anything. A backend knows
 * nothing of registries: it sees its own state, its per-job state, and the job handle, which it
 * uses only as a token for the cimjob_backend_report_*() functions.
 *
 * Rules for every slot:
 * - request slots (terminate, kill, suspend, resume, service) start the change and return;
 *   they must not wait for the job to end (the core waits and escalates). The core never calls
 *   two slots of the same job at once, and never calls one after release.
 * - a failing slot returns a cimjob_rc and may describe the failure with cimjob_last_error()'s
 *   message by returning through cimjob_backend_fail().
 * - report functions may be called from any thread, including from inside a slot.
 */
#ifndef CIMJOB_BACKEND_H
#define CIMJOB_BACKEND_H

#include "job.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The version of struct cimjob_backend this header describes. */
#define CIMJOB_BACKEND_VERSION 1

/** Backend capabilities (cimjob_backend.caps). */
enum cimjob_backend_caps {
    /**
     * The backend can honour a non-zero TimeoutPeriod: its terminate can be escalated by the
     * core with its kill. Without it, a request with a TimeoutPeriod answers 4098.
     */
    CIMJOB_CAP_TIMEOUT = 1u << 0,
    /** Jobs are processes: cimjob_create() requires argv. */
    CIMJOB_CAP_PROCESSES = 1u << 1
};

/** What the core offers a backend instance (given to open). */
typedef struct cimjob_backend_host {
    unsigned int version; /**< 1. */
    void *core;           /**< Pass back to the functions below. */
    /**
     * Something may be ready: the core dispatches now, on the calling thread (no library lock
     * may be held by the caller). The fake backend calls it after moving its clock.
     */
    void (*notify)(void *core);
    /** When the core's next timer is due, on the backend's monotonic clock, or -1. */
    int64_t (*next_deadline)(void *core);
} cimjob_backend_host;

/** How a job ended, as a backend reports it. Initialise with CIMJOB_BACKEND_RESULT_INIT. */
typedef struct cimjob_backend_result {
    unsigned int version; /**< 2 (1: without core_dumped; both are accepted). */
    /** ErrorCode: 0 for success (the job becomes Completed), else Exception. */
    uint32_t error_code;
    /** ErrorDescription; NULL or "" for none. Copied. */
    const char *error_description;
    int exit_status; /**< The main process's exit status, or -1. */
    int term_signal; /**< The signal that ended the main process, or 0. */
    /* Version 2: */
    int core_dumped; /**< 1 if the main process dumped core as it died of term_signal. */
} cimjob_backend_result;

/** Static initialiser for cimjob_backend_result: success, no process details. */
#define CIMJOB_BACKEND_RESULT_INIT                                                                 \
    {                                                                                              \
        2, 0, NULL, -1, 0, 0                                                                       \
    }

/** A backend: a constant vtable. See the rules at the top of this file. */
struct cimjob_backend {
    unsigned int version; /**< CIMJOB_BACKEND_VERSION. */
    const char *name;     /**< Short name ("posix"), at most 31 bytes. */
    unsigned int caps;    /**< cimjob_backend_caps. */

    /**
     * Create the backend's state for one registry (required).
     * @param host   what the core offers; valid until close.
     * @param config the registry options' backend_config.
     * @param state  receives the backend's state.
     */
    cimjob_rc (*open)(const cimjob_backend_host *host, void *config, void **state);
    /** Free the backend's state (required). Every job has been released before. */
    void (*close)(void *state);

    /**
     * Start the work of a job (required): New → Running. Return CIMJOB_RC_SUCCESS once it runs.
     * On failure, call cimjob_backend_report_exit() first to give the ErrorCode and
     * ErrorDescription the job ends with (else the core uses the returned code and
     * cimjob_last_error()); the job then ends in Exception and @p job_state is not used.
     * @param job       the job handle (a token for reports, valid until release).
     * @param opts      the job's options (argv, envp, cwd, stdio, flags, backend_data).
     * @param job_state receives the backend's per-job state.
     */
    cimjob_rc (*spawn)(void *state, cimjob_job *job, const cimjob_job_options *opts,
                       void **job_state);
    /** Ask the job to stop cleanly (SIGTERM, Ctrl-Break, "cancel the migration"). */
    cimjob_rc (*terminate)(void *state, void *job_state);
    /** End the job now. Called again by the core until the job is reported ended. */
    cimjob_rc (*kill)(void *state, void *job_state);
    /** Suspend the job (Running → Suspended). */
    cimjob_rc (*suspend)(void *state, void *job_state);
    /** Resume the job (Suspended or Service → Running). */
    cimjob_rc (*resume)(void *state, void *job_state);
    /** Enter the vendor-specific Service state. */
    cimjob_rc (*service)(void *state, void *job_state);
    /**
     * Free the per-job state; the job has ended (or was never started). Called with the job's
     * request lock held: a release that joins a worker thread must make sure that thread does
     * not itself make requests on the same job (reports and queries are fine).
     */
    void (*release)(void *state, void *job_state);
    /**
     * The containment a job got, for queries; NULL: CIMJOB_CONTAINMENT_NONE.
     */
    cimjob_containment (*containment)(void *state, void *job_state);

    /**
     * Observe without blocking: report every job that has ended (cimjob_backend_report_exit()).
     * NULL for backends whose events arrive only as reports.
     */
    cimjob_rc (*dispatch)(void *state);
    /**
     * Block until dispatch may have work, wake is called, or @p timeout_us passes (negative:
     * no limit). NULL: the core waits on its own condition variable for reports.
     */
    cimjob_rc (*wait)(void *state, int64_t timeout_us);
    /** Make a concurrent wait return early. Required when wait is given. */
    void (*wake)(void *state);
    /** A pollable descriptor / waitable HANDLE for the host's event loop, or -1. May be NULL. */
    intptr_t (*pollable)(void *state);
    /**
     * The backend's clock in microseconds: @p realtime 0 for monotonic (deadlines), 1 for
     * time since the epoch (CIM timestamps). NULL: the platform's clocks.
     */
    int64_t (*now)(void *state, int realtime);
};

/**
 * Report that a job has ended (its main process and, unless the job asked to keep them, every
 * process it left). The core turns it into the final JobState: Killed or Terminated if such a
 * request was made, else Completed when error_code is 0 and Exception otherwise. Only the first
 * report counts.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument, unknown version);
 *         CIMJOB_RC_INVALID_STATE (already ended).
 */
CIMJOB_EXTERN cimjob_rc cimjob_backend_report_exit(cimjob_job *job,
                                                   const cimjob_backend_result *result);

/**
 * The registry's default backend on this platform: `posix` on POSIX systems, `win32` on
 * Windows.
 *
 * @return a static backend, or NULL when the library was built without one.
 */
CIMJOB_EXTERN const cimjob_backend *cimjob_backend_default(void);

/**
 * A built-in backend by name: "posix", "win32" or "fake".
 *
 * @return a static backend, or NULL when there is no such backend in this build.
 */
CIMJOB_EXTERN const cimjob_backend *cimjob_backend_by_name(const char *name);

/**
 * Record a failure detail for cimjob_last_error() and return @p rc: for backends, so their
 * failures read like the library's own.
 */
CIMJOB_EXTERN cimjob_rc cimjob_backend_fail(cimjob_rc rc, const char *fmt, ...)
#if defined(__MINGW32__)
    /* The DLL formats with MinGW's C99 vsnprintf, not msvcrt's dialect. */
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_BACKEND_H */
