/**
 * @file cimjob/fake.h
 * @brief The fake backend: scripted jobs on a virtual clock, for users' unit tests.
 *
 * A cimjob_fake is a backend whose jobs do what a script says, on a clock that moves only when
 * the test moves it, so TimeoutPeriod, Terminate escalation and TimeBeforeRemoval are tested
 * without sleeping. It counts every call the core makes to it.
 *
 * @code
 * cimjob_fake *fake;
 * cimjob_fake_new(0, &fake);
 * cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
 * ro.backend = cimjob_fake_backend(fake);
 * ro.backend_config = fake;
 * cimjob_registry_new(&ro, &reg);
 * cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
 * o.run_us = 2000000;            // the next job completes after 2 virtual seconds
 * cimjob_fake_push(fake, &o);
 * ... cimjob_create(), then cimjob_fake_advance(fake, 2000000) ...
 * @endcode
 *
 * One cimjob_fake serves one registry at a time. Its waits never sleep: with auto-advance (the
 * default) a wait moves the virtual clock straight to the next scripted event or timer, and
 * when nothing is scheduled it returns at once. Thread-safe.
 */
#ifndef CIMJOB_FAKE_H
#define CIMJOB_FAKE_H

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A fake backend instance (opaque). */
typedef struct cimjob_fake cimjob_fake;

/** Flags for cimjob_fake_new(): leave slots out, to test Not Supported and 4098 paths. */
enum cimjob_fake_flags {
    CIMJOB_FAKE_NO_TERMINATE = 1u << 0, /**< No terminate slot. */
    CIMJOB_FAKE_NO_KILL = 1u << 1,      /**< No kill slot. */
    CIMJOB_FAKE_NO_SUSPEND = 1u << 2,   /**< No suspend slot. */
    CIMJOB_FAKE_NO_RESUME = 1u << 3,    /**< No resume slot. */
    CIMJOB_FAKE_NO_SERVICE = 1u << 4,   /**< No service slot. */
    CIMJOB_FAKE_NO_TIMEOUT = 1u << 5,   /**< Without CIMJOB_CAP_TIMEOUT. */
    CIMJOB_FAKE_PROCESSES = 1u << 6     /**< With CIMJOB_CAP_PROCESSES (argv required). */
};

/** The version of cimjob_fake_outcome this header describes. */
#define CIMJOB_FAKE_OUTCOME_VERSION 1

/** What a fake job does. Initialise with CIMJOB_FAKE_OUTCOME_INIT. */
typedef struct cimjob_fake_outcome {
    unsigned int version; /**< CIMJOB_FAKE_OUTCOME_VERSION. */
    /** What spawn returns; not CIMJOB_RC_SUCCESS makes the start fail (job in Exception). */
    cimjob_rc spawn_rc;
    /** Virtual microseconds of running until the job ends by itself; negative: never. */
    int64_t run_us;
    /** ErrorCode at that natural end: 0 gives Completed, anything else Exception. */
    uint32_t error_code;
    /** ErrorDescription at that natural end (copied); may be NULL. */
    const char *error_description;
    /** After a terminate request, virtual us until the job ends; negative: it ignores it. */
    int64_t terminate_us;
    /** After a kill request, virtual us until the job ends; negative: it cannot die. */
    int64_t kill_us;
    /** What the terminate, kill, suspend, resume and service slots return. */
    cimjob_rc terminate_rc, kill_rc, suspend_rc, resume_rc, service_rc;
    /** PercentComplete reported at each tenth of run_us (0: no progress reports). */
    int report_progress;
} cimjob_fake_outcome;
/**
 * @var cimjob_fake_outcome::kill_rc
 * What the kill slot returns.
 * @var cimjob_fake_outcome::suspend_rc
 * What the suspend slot returns.
 * @var cimjob_fake_outcome::resume_rc
 * What the resume slot returns.
 * @var cimjob_fake_outcome::service_rc
 * What the service slot returns.
 */

/** Static initialiser: a job that runs until asked, obeys Terminate and Kill at once. */
#define CIMJOB_FAKE_OUTCOME_INIT                                                                   \
    {                                                                                              \
        CIMJOB_FAKE_OUTCOME_VERSION, CIMJOB_RC_SUCCESS, -1, 0, NULL, 0, 0, CIMJOB_RC_SUCCESS,      \
            CIMJOB_RC_SUCCESS, CIMJOB_RC_SUCCESS, CIMJOB_RC_SUCCESS, CIMJOB_RC_SUCCESS, 0          \
    }

/** The calls the fake counts, for cimjob_fake_calls(). */
typedef enum cimjob_fake_call {
    CIMJOB_FAKE_CALL_SPAWN = 0,     /**< spawn */
    CIMJOB_FAKE_CALL_TERMINATE = 1, /**< terminate */
    CIMJOB_FAKE_CALL_KILL = 2,      /**< kill */
    CIMJOB_FAKE_CALL_SUSPEND = 3,   /**< suspend */
    CIMJOB_FAKE_CALL_RESUME = 4,    /**< resume */
    CIMJOB_FAKE_CALL_SERVICE = 5,   /**< service */
    CIMJOB_FAKE_CALL_RELEASE = 6,   /**< release */
    CIMJOB_FAKE_CALL_WAIT = 7       /**< wait */
} cimjob_fake_call;

/**
 * Create a fake backend.
 *
 * @param flags cimjob_fake_flags.
 * @param out   receives the fake; free it with cimjob_fake_free() after its registry.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL @p out, unknown flag);
 *         CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_fake_new(unsigned int flags, cimjob_fake **out);

/** Free a fake (after the registry that uses it). NULL is a no-op. */
CIMJOB_EXTERN void cimjob_fake_free(cimjob_fake *fake);

/**
 * The fake's backend vtable, for cimjob_registry_options.backend (with backend_config set to
 * the fake itself).
 *
 * @return a vtable owned by the fake; NULL for NULL.
 */
CIMJOB_EXTERN const cimjob_backend *cimjob_fake_backend(cimjob_fake *fake);

/**
 * Set the outcome of every job not scripted by cimjob_fake_push().
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER; CIMJOB_RC_INVALID_VERSION;
 *         CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_fake_set_default(cimjob_fake *fake,
                                                const cimjob_fake_outcome *outcome);

/**
 * Queue the outcome of the next job that starts (first pushed, first used).
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER; CIMJOB_RC_INVALID_VERSION;
 *         CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_fake_push(cimjob_fake *fake, const cimjob_fake_outcome *outcome);

/**
 * The virtual monotonic clock, in microseconds (starts at 0).
 *
 * @return the time; 0 for NULL.
 */
CIMJOB_EXTERN int64_t cimjob_fake_now(const cimjob_fake *fake);

/**
 * Set the virtual wall-clock time that corresponds to monotonic 0 (default
 * 2026-01-01T00:00:00Z), for the CIM timestamps of jobs.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER.
 */
CIMJOB_EXTERN cimjob_rc cimjob_fake_set_epoch(cimjob_fake *fake, int64_t epoch_us);

/**
 * Move the virtual clock forward, firing every scripted event and every core timer (Terminate
 * escalation, kill retries, retention) that falls due on the way, in time order.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL, or an advance that would
 *         overflow the clock).
 */
CIMJOB_EXTERN cimjob_rc cimjob_fake_advance(cimjob_fake *fake, uint64_t us);

/**
 * Whether waits move the clock to the next event by themselves (default 1).
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER.
 */
CIMJOB_EXTERN cimjob_rc cimjob_fake_set_auto_advance(cimjob_fake *fake, int on);

/**
 * End a running fake job now, as if its work finished with @p error_code.
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument);
 *         CIMJOB_RC_NOT_FOUND (the job is not a running job of this fake).
 */
CIMJOB_EXTERN cimjob_rc cimjob_fake_finish(cimjob_fake *fake, cimjob_job *job, uint32_t error_code,
                                           const char *error_description);

/**
 * How many times the core called a slot of this fake.
 *
 * @return the count; 0 for NULL or an unknown call.
 */
CIMJOB_EXTERN unsigned long cimjob_fake_calls(const cimjob_fake *fake, cimjob_fake_call call);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_FAKE_H */
