/**
 * @file cimjob/codes.h
 * @brief The DMTF code tables: JobState, RequestedState and the two return-code maps.
 *
 * Every number here is the DMTF CIM Schema's own (CIM_Job 2.45.0, CIM_ConcreteJob 2.38.0) and is
 * never renumbered. Note that the two return-code maps collide: 6 is "In Use" for
 * RequestStateChange but "Access Denied" for KillJob. Never convert between them by value.
 */
#ifndef CIMJOB_CODES_H
#define CIMJOB_CODES_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * CIM_ConcreteJob.JobState (uint16). There is no 0 or 1.
 */
typedef enum cimjob_job_state {
    CIMJOB_JOB_STATE_NEW = 2,           /**< New: never been started. */
    CIMJOB_JOB_STATE_STARTING = 3,      /**< Starting: from New, Suspended or Service to Running. */
    CIMJOB_JOB_STATE_RUNNING = 4,       /**< Running. */
    CIMJOB_JOB_STATE_SUSPENDED = 5,     /**< Suspended: stopped, can be restarted. */
    CIMJOB_JOB_STATE_SHUTTING_DOWN = 6, /**< Shutting Down: to Completed, Terminated or Killed. */
    CIMJOB_JOB_STATE_COMPLETED = 7,     /**< Completed: completed normally. */
    CIMJOB_JOB_STATE_TERMINATED = 8,    /**< Terminated: by a Terminate request; all ended. */
    CIMJOB_JOB_STATE_KILLED = 9,        /**< Killed: stopped by a Kill request. */
    CIMJOB_JOB_STATE_EXCEPTION = 10,    /**< Exception: abnormal end (exit, signal, spawn). */
    CIMJOB_JOB_STATE_SERVICE = 11,      /**< Service: vendor-specific service state. */
    CIMJOB_JOB_STATE_QUERY_PENDING = 12, /**< Query Pending: waiting for a client's answer. */
    CIMJOB_JOB_STATE_VENDOR_MIN = 32768, /**< First value of the Vendor Reserved range. */
    CIMJOB_JOB_STATE_VENDOR_MAX = 65535  /**< Last value of the Vendor Reserved range. */
} cimjob_job_state;

/**
 * RequestStateChange's RequestedState parameter.
 */
typedef enum cimjob_requested_state {
    CIMJOB_REQUEST_START = 2,     /**< Start: to Running (from New, Suspended, Service). */
    CIMJOB_REQUEST_SUSPEND = 3,   /**< Suspend: stop temporarily; resume with Start. */
    CIMJOB_REQUEST_TERMINATE = 4, /**< Terminate: orderly shutdown of all underlying processes. */
    CIMJOB_REQUEST_KILL = 5,      /**< Kill: immediately, no requirement to save data. */
    CIMJOB_REQUEST_SERVICE = 6,   /**< Service: vendor-specific service state. */
    CIMJOB_REQUEST_VENDOR_MIN = 32768, /**< First value of the Vendor Reserved range. */
    CIMJOB_REQUEST_VENDOR_MAX = 65535  /**< Last value of the Vendor Reserved range. */
} cimjob_requested_state;

/**
 * What RequestStateChange returns (its ValueMap), returned by cimjob_request_state_change().
 */
typedef enum cimjob_rsc_rc {
    CIMJOB_RSC_COMPLETED = 0,         /**< Completed with No Error: the new state was reached. */
    CIMJOB_RSC_NOT_SUPPORTED = 1,     /**< Not Supported by the job's backend. */
    CIMJOB_RSC_UNKNOWN = 2,           /**< Unknown/Unspecified Error. */
    CIMJOB_RSC_TIMEOUT = 3,           /**< Can NOT complete within Timeout Period. */
    CIMJOB_RSC_FAILED = 4,            /**< Failed. */
    CIMJOB_RSC_INVALID_PARAMETER = 5, /**< Invalid Parameter. */
    CIMJOB_RSC_IN_USE = 6,            /**< In Use. */
    CIMJOB_RSC_TRANSITION_STARTED = 4096, /**< Method Parameters Checked - Transition Started. */
    CIMJOB_RSC_INVALID_STATE_TRANSITION = 4097, /**< Invalid State Transition. */
    CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED = 4098,    /**< Use of Timeout Parameter Not Supported. */
    CIMJOB_RSC_BUSY = 4099,                     /**< Busy: the job is in a transitional state. */
    CIMJOB_RSC_VENDOR_MIN = 32768,              /**< First value of the Vendor Specific range. */
    /**
     * libcimjob (vendor): the caller is neither the job's Owner nor privileged; nothing was
     * done. (RequestStateChange's own map has no Access Denied.)
     */
    CIMJOB_RSC_ACCESS_DENIED = 32768,
    CIMJOB_RSC_VENDOR_MAX = 65535 /**< Last value of the Vendor Specific range. */
} cimjob_rsc_rc;

/**
 * KillJob's ValueMap: the general return code of every libcimjob function except
 * cimjob_request_state_change(). Conditions KillJob has no code for get libcimjob's own codes in
 * the Vendor Specific range (32768..65535); their numbers are part of the ABI.
 */
typedef enum cimjob_rc {
    CIMJOB_RC_SUCCESS = 0,        /**< Success. */
    CIMJOB_RC_NOT_SUPPORTED = 1,  /**< Not Supported (by the job's backend, or on this platform). */
    CIMJOB_RC_UNKNOWN = 2,        /**< Unknown error. */
    CIMJOB_RC_TIMEOUT = 3,        /**< Timeout: the operation did not finish within its bound. */
    CIMJOB_RC_FAILED = 4,         /**< Failed. */
    CIMJOB_RC_ACCESS_DENIED = 6,  /**< Access Denied: the caller is not the job's Owner. */
    CIMJOB_RC_NOT_FOUND = 7,      /**< Not Found: no such job (or it was removed). */
    CIMJOB_RC_VENDOR_MIN = 32768, /**< First value of the Vendor Specific range. */
    /** libcimjob: an argument is NULL, out of range, reserved or too long. */
    CIMJOB_RC_INVALID_PARAMETER = 32768,
    /** libcimjob: the operation is not valid in the job's current JobState. */
    CIMJOB_RC_INVALID_STATE = 32769,
    /** libcimjob: the job is in a transitional state (Starting, Shutting Down); try again. */
    CIMJOB_RC_BUSY = 32770,
    /** libcimjob: memory could not be allocated; nothing was changed. */
    CIMJOB_RC_NO_MEMORY = 32771,
    /** libcimjob: the operating system refused (see cimjob_last_error() for the errno text). */
    CIMJOB_RC_OS_ERROR = 32772,
    /** libcimjob: an options or snapshot struct carries a version this library does not know. */
    CIMJOB_RC_INVALID_VERSION = 32773,
    /** libcimjob: a string is not a valid CIM datetime (timestamp or interval). */
    CIMJOB_RC_INVALID_DATETIME = 32774,
    /** libcimjob: a job with that InstanceID already exists (or existed) in the registry. */
    CIMJOB_RC_EXISTS = 32775,
    /** libcimjob: the caller's buffer is too small for the result. */
    CIMJOB_RC_BUFFER_TOO_SMALL = 32776,
    /** libcimjob: the backend is not available here (not built, or missing OS support). */
    CIMJOB_RC_NO_BACKEND = 32777,
    /** libcimjob: a non-blocking call found nothing to do. */
    CIMJOB_RC_WOULD_BLOCK = 32778,
    /**
     * libcimjob: a string is not well-formed UTF-8 (CIM strings are characters): overlong forms,
     * surrogates, values above U+10FFFF and stray or missing continuation bytes are refused.
     */
    CIMJOB_RC_INVALID_UTF8 = 32779,
    CIMJOB_RC_VENDOR_MAX = 65535 /**< Last value of the Vendor Specific range. */
} cimjob_rc;

/**
 * The DMTF name of a JobState ("New", "Shutting Down", ...).
 *
 * @return a static string; "DMTF Reserved" or "Vendor Reserved" for values of those ranges,
 *         "Invalid" for 0, 1 and values above 65535. Never NULL.
 */
CIMJOB_EXTERN const char *cimjob_job_state_name(int state);

/**
 * A one-sentence description of a JobState for people.
 *
 * @return a static string, never NULL (see cimjob_job_state_name() for unassigned values).
 */
CIMJOB_EXTERN const char *cimjob_job_state_message(int state);

/**
 * Whether a JobState is final (Completed, Terminated, Killed, Exception).
 *
 * @return 1 if final, 0 otherwise (including unassigned values).
 */
CIMJOB_EXTERN int cimjob_job_state_is_final(int state);

/**
 * The DMTF name of a RequestedState ("Start", "Kill", ...).
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Reserved" or "Invalid" for
 *         values without a name.
 */
CIMJOB_EXTERN const char *cimjob_requested_state_name(int state);

/**
 * A one-sentence description of a RequestedState for people.
 *
 * @return a static string, never NULL.
 */
CIMJOB_EXTERN const char *cimjob_requested_state_message(int state);

/**
 * The DMTF name of a RequestStateChange return code ("Completed with No Error", "Busy", ...).
 *
 * @return a static string, never NULL: "DMTF Reserved", "Method Reserved", "Vendor Specific" or
 *         "Invalid" for values without a name.
 */
CIMJOB_EXTERN const char *cimjob_rsc_rc_name(int rc);

/**
 * A one-sentence explanation of a RequestStateChange return code for people.
 *
 * @return a static string, never NULL.
 */
CIMJOB_EXTERN const char *cimjob_rsc_rc_message(int rc);

/**
 * The DMTF name of a KillJob / general return code ("Success", "Access Denied", ...), or
 * libcimjob's name for its own vendor codes ("Invalid Parameter", "Out of Memory", ...).
 *
 * @return a static string, never NULL: "DMTF Reserved", "Vendor Specific" or "Invalid" for
 *         values without a name.
 */
CIMJOB_EXTERN const char *cimjob_rc_name(int rc);

/**
 * A one-sentence explanation of a general return code for people.
 *
 * @return a static string, never NULL.
 */
CIMJOB_EXTERN const char *cimjob_rc_message(int rc);

/**
 * The detail of the last failure reported by a libcimjob function on the calling thread, e.g.
 * "cimjob_create: Name is longer than 1024 characters". Successful calls do not clear it.
 *
 * @return a thread-local string valid until the next libcimjob call on this thread; "" when no
 *         call on this thread has failed. Never NULL.
 */
CIMJOB_EXTERN const char *cimjob_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_CODES_H */
