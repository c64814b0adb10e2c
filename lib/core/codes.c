/*
 * The DMTF code tables. One X-macro per table gives, for each value, its number, its DMTF name
 * and a message; the enum in the public header is checked against the same numbers at compile
 * time, so a number and its text can never drift apart.
 */
#include <cimjob/codes.h>
#include <cimjob/job.h>

/* X(enumerator, number, DMTF name, message) */
#define JOB_STATE_TABLE(X)                                                                         \
    X(CIMJOB_JOB_STATE_NEW, 2, "New", "The job has never been started.")                           \
    X(CIMJOB_JOB_STATE_STARTING, 3, "Starting",                                                    \
      "The job is moving from New, Suspended or Service into Running.")                            \
    X(CIMJOB_JOB_STATE_RUNNING, 4, "Running", "The job is running.")                               \
    X(CIMJOB_JOB_STATE_SUSPENDED, 5, "Suspended",                                                  \
      "The job is stopped and can be restarted seamlessly.")                                       \
    X(CIMJOB_JOB_STATE_SHUTTING_DOWN, 6, "Shutting Down",                                          \
      "The job is moving to Completed, Terminated or Killed.")                                     \
    X(CIMJOB_JOB_STATE_COMPLETED, 7, "Completed", "The job completed normally.")                   \
    X(CIMJOB_JOB_STATE_TERMINATED, 8, "Terminated",                                                \
      "The job was stopped by a Terminate request; it and all its processes ended.")               \
    X(CIMJOB_JOB_STATE_KILLED, 9, "Killed", "The job was stopped by a Kill request.")              \
    X(CIMJOB_JOB_STATE_EXCEPTION, 10, "Exception", "The job ended abnormally.")                    \
    X(CIMJOB_JOB_STATE_SERVICE, 11, "Service", "The job is in a vendor-specific service state.")   \
    X(CIMJOB_JOB_STATE_QUERY_PENDING, 12, "Query Pending",                                         \
      "The job is waiting for a client to resolve a query.")

#define REQUESTED_STATE_TABLE(X)                                                                   \
    X(CIMJOB_REQUEST_START, 2, "Start", "Move the job to Running (from New, Suspended, Service).") \
    X(CIMJOB_REQUEST_SUSPEND, 3, "Suspend", "Stop the job temporarily; resume it with Start.")     \
    X(CIMJOB_REQUEST_TERMINATE, 4, "Terminate",                                                    \
      "Stop the job cleanly, with an orderly shutdown of all its processes.")                      \
    X(CIMJOB_REQUEST_KILL, 5, "Kill", "Stop the job immediately, with no need to save data.")      \
    X(CIMJOB_REQUEST_SERVICE, 6, "Service", "Move the job to a vendor-specific service state.")

#define RSC_TABLE(X)                                                                               \
    X(CIMJOB_RSC_COMPLETED, 0, "Completed with No Error", "The requested state was reached.")      \
    X(CIMJOB_RSC_NOT_SUPPORTED, 1, "Not Supported",                                                \
      "The job's backend does not support this request.")                                          \
    X(CIMJOB_RSC_UNKNOWN, 2, "Unknown/Unspecified Error", "An unspecified error occurred.")        \
    X(CIMJOB_RSC_TIMEOUT, 3, "Can NOT complete within Timeout Period",                             \
      "The request could not be completed within the TimeoutPeriod.")                              \
    X(CIMJOB_RSC_FAILED, 4, "Failed", "The request failed.")                                       \
    X(CIMJOB_RSC_INVALID_PARAMETER, 5, "Invalid Parameter",                                        \
      "A parameter is invalid: a reserved RequestedState or a malformed TimeoutPeriod.")           \
    X(CIMJOB_RSC_IN_USE, 6, "In Use", "The job is in use.")                                        \
    X(CIMJOB_RSC_TRANSITION_STARTED, 4096, "Method Parameters Checked - Transition Started",       \
      "The transition has started; watch JobState for its end.")                                   \
    X(CIMJOB_RSC_INVALID_STATE_TRANSITION, 4097, "Invalid State Transition",                       \
      "The requested state cannot be reached from the job's current state.")                       \
    X(CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED, 4098, "Use of Timeout Parameter Not Supported",            \
      "The job's backend cannot honour a non-zero TimeoutPeriod.")                                 \
    X(CIMJOB_RSC_BUSY, 4099, "Busy",                                                               \
      "The job is in a transitional state (Starting or Shutting Down); try again.")                \
    X(CIMJOB_RSC_ACCESS_DENIED, 32768, "Access Denied",                                            \
      "libcimjob: the caller is neither the job's Owner nor privileged.")

#define RC_TABLE(X)                                                                                \
    X(CIMJOB_RC_SUCCESS, 0, "Success", "The operation succeeded.")                                 \
    X(CIMJOB_RC_NOT_SUPPORTED, 1, "Not Supported", "The operation is not supported.")              \
    X(CIMJOB_RC_UNKNOWN, 2, "Unknown", "An unknown error occurred.")                               \
    X(CIMJOB_RC_TIMEOUT, 3, "Timeout", "The operation did not finish within its time bound.")      \
    X(CIMJOB_RC_FAILED, 4, "Failed", "The operation failed.")                                      \
    X(CIMJOB_RC_ACCESS_DENIED, 6, "Access Denied", "The caller may not act on this job.")          \
    X(CIMJOB_RC_NOT_FOUND, 7, "Not Found", "No such job, or it was removed.")                      \
    X(CIMJOB_RC_INVALID_PARAMETER, 32768, "Invalid Parameter",                                     \
      "libcimjob: an argument is NULL, out of range, reserved or too long.")                       \
    X(CIMJOB_RC_INVALID_STATE, 32769, "Invalid State",                                             \
      "libcimjob: the operation is not valid in the job's current state.")                         \
    X(CIMJOB_RC_BUSY, 32770, "Busy", "libcimjob: the job is in a transitional state.")             \
    X(CIMJOB_RC_NO_MEMORY, 32771, "Out of Memory", "libcimjob: memory could not be allocated.")    \
    X(CIMJOB_RC_OS_ERROR, 32772, "Operating System Error",                                         \
      "libcimjob: the operating system refused the operation.")                                    \
    X(CIMJOB_RC_INVALID_VERSION, 32773, "Invalid Version",                                         \
      "libcimjob: a struct carries a version this library does not know.")                         \
    X(CIMJOB_RC_INVALID_DATETIME, 32774, "Invalid Datetime",                                       \
      "libcimjob: the string is not a valid CIM datetime.")                                        \
    X(CIMJOB_RC_EXISTS, 32775, "Already Exists",                                                   \
      "libcimjob: a job with that InstanceID is or was in the registry.")                          \
    X(CIMJOB_RC_BUFFER_TOO_SMALL, 32776, "Buffer Too Small",                                       \
      "libcimjob: the buffer is too small for the result.")                                        \
    X(CIMJOB_RC_NO_BACKEND, 32777, "No Backend", "libcimjob: the backend is not available here.")  \
    X(CIMJOB_RC_WOULD_BLOCK, 32778, "Would Block", "libcimjob: there was nothing to do yet.")      \
    X(CIMJOB_RC_INVALID_UTF8, 32779, "Invalid UTF-8",                                              \
      "libcimjob: a string is not well-formed UTF-8.")

#define CHECK_NUMBER(e, n, name, msg) _Static_assert((e) == (n), #e " must be " #n);
JOB_STATE_TABLE(CHECK_NUMBER)
REQUESTED_STATE_TABLE(CHECK_NUMBER)
RSC_TABLE(CHECK_NUMBER)
RC_TABLE(CHECK_NUMBER)

#define CASE_NAME(e, n, name, msg)                                                                 \
    case n:                                                                                        \
        return name;
#define CASE_MESSAGE(e, n, name, msg)                                                              \
    case n:                                                                                        \
        return msg;

static const char *range_name(int v, int dmtf_max, const char *dmtf, int method_max,
                              const char *method, const char *vendor)
{
    if (v < 0 || v > 65535)
        return "Invalid";
    if (v >= 32768)
        return vendor;
    if (method_max > 0 && v > dmtf_max && v <= method_max)
        return method;
    return dmtf;
}

const char *cimjob_job_state_name(int state)
{
    switch (state) {
        JOB_STATE_TABLE(CASE_NAME)
    case 0:
    case 1:
        return "Invalid";
    }
    return range_name(state, 32767, "DMTF Reserved", 0, NULL, "Vendor Reserved");
}

const char *cimjob_job_state_message(int state)
{
    switch (state) {
        JOB_STATE_TABLE(CASE_MESSAGE)
    }
    return cimjob_job_state_name(state);
}

int cimjob_job_state_is_final(int state)
{
    return state == CIMJOB_JOB_STATE_COMPLETED || state == CIMJOB_JOB_STATE_TERMINATED ||
           state == CIMJOB_JOB_STATE_KILLED || state == CIMJOB_JOB_STATE_EXCEPTION;
}

const char *cimjob_requested_state_name(int state)
{
    switch (state) {
        REQUESTED_STATE_TABLE(CASE_NAME)
    case 0:
    case 1:
        return "Invalid";
    }
    return range_name(state, 32767, "DMTF Reserved", 0, NULL, "Vendor Reserved");
}

const char *cimjob_requested_state_message(int state)
{
    switch (state) {
        REQUESTED_STATE_TABLE(CASE_MESSAGE)
    }
    return cimjob_requested_state_name(state);
}

const char *cimjob_rsc_rc_name(int rc)
{
    switch (rc) {
        RSC_TABLE(CASE_NAME)
    }
    return range_name(rc, 4095, "DMTF Reserved", 32767, "Method Reserved", "Vendor Specific");
}

const char *cimjob_rsc_rc_message(int rc)
{
    switch (rc) {
        RSC_TABLE(CASE_MESSAGE)
    }
    return cimjob_rsc_rc_name(rc);
}

const char *cimjob_rc_name(int rc)
{
    switch (rc) {
        RC_TABLE(CASE_NAME)
    case 5:
        return "DMTF Reserved";
    }
    return range_name(rc, 32767, "DMTF Reserved", 0, NULL, "Vendor Specific");
}

const char *cimjob_rc_message(int rc)
{
    switch (rc) {
        RC_TABLE(CASE_MESSAGE)
    }
    return cimjob_rc_name(rc);
}

const char *cimjob_containment_name(int containment)
{
    switch (containment) {
    case CIMJOB_CONTAINMENT_AUTO:
        return "auto";
    case CIMJOB_CONTAINMENT_CGROUP:
        return "cgroup";
    case CIMJOB_CONTAINMENT_SUBREAPER:
        return "subreaper";
    case CIMJOB_CONTAINMENT_PGROUP:
        return "pgroup";
    case CIMJOB_CONTAINMENT_JOB_OBJECT:
        return "job-object";
    case CIMJOB_CONTAINMENT_NONE:
        return "none";
    }
    return "invalid";
}

#define STR2(x) #x
#define STR(x)  STR2(x)
const char *cimjob_version(void)
{
    return STR(CIMJOB_VERSION_MAJOR) "." STR(CIMJOB_VERSION_MINOR) "." STR(CIMJOB_VERSION_PATCH);
}
