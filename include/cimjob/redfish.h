/**
 * @file cimjob/redfish.h
 * @brief The DMTF Redfish mapping of libcimjob jobs (library libcimjob-redfish, pkg-config
 *        `cimjob-redfish`): a TaskService whose Tasks are a registry's jobs, for any HTTP stack.
 *
 * A cimjob_redfish service turns one HTTP request (method, path, body, authenticated account)
 * into library calls on its registry and one HTTP response (status, headers, a JSON body with
 * Redfish Base messages in `@Message.ExtendedInfo` on errors). It speaks no HTTP itself: the
 * host's server reads requests, authenticates them (HTTP Basic against its accounts, or a
 * session token through cimjob_redfish_session_check()) and writes the answers. `cimjob serve`
 * wires it to libmicrohttpd.
 *
 * Resources: `/redfish`, `/redfish/v1/` (ServiceRoot), `/redfish/v1/$metadata`,
 * `/redfish/v1/odata`, `/redfish/v1/TaskService`, its `Tasks` collection and each Task
 * (Id = the job's LocalID), task monitors (`/redfish/v1/TaskService/TaskMonitors/<Id>`), the
 * OEM actions `#CimJob.Start` (TaskService) and `#CimJob.Suspend`, `#CimJob.Resume`,
 * `#CimJob.Kill`, `#CimJob.RequestStateChange` (Task), the SessionService with its Sessions
 * and the EventService with Server-Sent Events at `/redfish/v1/EventService/SSE`; PATCH on a
 * Task changes the job's writable properties (cimjob_job_modify()). The JobService
 * (`/redfish/v1/JobService/Jobs`) shows each scheduled or recurring job as a Job with its
 * Schedule (POST creates one, PATCH replaces its Schedule, DELETE cancels it), and
 * `/redfish/v1/Registries` publishes libcimjob's message registry, whose `CimJob.1.0.<Key>`
 * messages carry a job's CIM_Error records in the Task's Messages.
 * docs/redfish.md has the mapping tables.
 *
 * ## Threads
 * Every function may be called from any thread at the same time, except cimjob_redfish_free().
 * The service starts no threads.
 */
#ifndef CIMJOB_REDFISH_H
#define CIMJOB_REDFISH_H

#include "job.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A Redfish service over one registry (opaque). */
typedef struct cimjob_redfish cimjob_redfish;

/** The role of an authenticated account (Redfish's predefined roles). */
typedef enum cimjob_redfish_role {
    CIMJOB_REDFISH_ROLE_NONE = 0,         /**< Not authenticated. */
    CIMJOB_REDFISH_ROLE_READONLY = 1,     /**< ReadOnly: GET only, of its own tasks. */
    CIMJOB_REDFISH_ROLE_OPERATOR = 2,     /**< Operator: starts work, acts on its own tasks. */
    CIMJOB_REDFISH_ROLE_ADMINISTRATOR = 3 /**< Administrator: every task, service settings. */
} cimjob_redfish_role;

/**
 * Check an account's password, for POST to the Sessions collection.
 *
 * @param user     the account name.
 * @param password the password.
 * @param role     receives the account's cimjob_redfish_role when the password is right.
 * @param userdata cimjob_redfish_options.userdata.
 * @return 1 when the password is right, 0 otherwise.
 */
typedef int (*cimjob_redfish_auth_fn)(const char *user, const char *password, int *role,
                                      void *userdata);

/** The version of cimjob_redfish_options this header describes. */
#define CIMJOB_REDFISH_OPTIONS_VERSION 1

/** How a service behaves. Initialise with CIMJOB_REDFISH_OPTIONS_INIT. */
typedef struct cimjob_redfish_options {
    unsigned int version;      /**< CIMJOB_REDFISH_OPTIONS_VERSION. */
    cimjob_registry *registry; /**< The registry whose jobs are the Tasks (required). */
    /** The registry's OrgID (default "libcimjob"): InstanceID = OrgID ':' Task Id. */
    const char *org_id;
    /** Accept `#CimJob.Start` (run a command line): only for a process backend. */
    int allow_start;
    /** TimeoutPeriod of the Terminate a DELETE makes, before a kill (default 10 s). */
    uint64_t terminate_timeout_us;
    /** How long an unused session lives, in seconds (default 1800). */
    unsigned int session_timeout_s;
    /** The most sessions at once (default 64); more answers Base.SessionLimitExceeded. */
    unsigned int max_sessions;
    /** The most tasks at once (default 0: no limit); more answers 503. */
    unsigned int max_tasks;
    /** Checks passwords for POST to Sessions; NULL: sessions cannot be created (401). */
    cimjob_redfish_auth_fn authenticate;
    void *userdata; /**< Passed to authenticate. */
} cimjob_redfish_options;

/** Static initialiser for cimjob_redfish_options with every default. */
#define CIMJOB_REDFISH_OPTIONS_INIT                                                                \
    {                                                                                              \
        CIMJOB_REDFISH_OPTIONS_VERSION, NULL, NULL, 0, 10000000, 1800, 64, 0, NULL, NULL           \
    }

/**
 * Create a service over a registry. Install cimjob_redfish_on_state_change() as (or call it
 * from) the registry's state-change callback, so that Tasks know who cancelled them and the
 * EventService has events.
 *
 * @param opts the options (registry required).
 * @param out  receives the service; free it with cimjob_redfish_free().
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument, no registry);
 *         CIMJOB_RC_INVALID_VERSION; CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_redfish_new(const cimjob_redfish_options *opts,
                                           cimjob_redfish **out);

/**
 * Free a service (its task records, sessions and events). The registry and its jobs are left as
 * they are: the service holds no reference to a job, so it may be freed before or after the
 * registry, as long as no callback forwards to it any more (`cimjob serve` frees the registry
 * first, so that the TaskEvents of that shutdown are still recorded). NULL is a no-op.
 */
CIMJOB_EXTERN void cimjob_redfish_free(cimjob_redfish *rf);

/**
 * A cimjob_state_cb for the registry: records the change for the Task and queues its event.
 * A JobState change is a TaskEvent message; with the registry's lifecycle indications asked for
 * (cimjob_registry_set_indications()), a creation is ResourceEvent ResourceCreated, a change of
 * a writable property ResourceChanged, and a deletion TaskRemoved (once; without indications
 * cimjob_redfish_tick() notices removals). Other modifications (progress) are left to the tick.
 *
 * @param event    the event (any cimjob_event_kind).
 * @param userdata the cimjob_redfish service (NULL is ignored).
 */
CIMJOB_EXTERN void cimjob_redfish_on_state_change(const cimjob_event *event, void *userdata);

/**
 * Periodic work, about once a second: ends tasks past their TimeoutPeriod (a Terminate),
 * expires sessions, notices removed tasks (TaskRemoved events).
 *
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL).
 */
CIMJOB_EXTERN cimjob_rc cimjob_redfish_tick(cimjob_redfish *rf);

/** The version of cimjob_redfish_request this header describes. */
#define CIMJOB_REDFISH_REQUEST_VERSION 1

/** One HTTP request, as the host's server read and authenticated it. */
typedef struct cimjob_redfish_request {
    unsigned int version; /**< CIMJOB_REDFISH_REQUEST_VERSION. */
    const char *method;   /**< "GET", "HEAD", "POST", "PATCH", "PUT", "DELETE". */
    const char *path;     /**< The decoded path without the query ("/redfish/v1/"). */
    const char *query;    /**< The decoded OData options ("$expand=.($levels=1)", several
                               joined by '&'), or NULL. */
    const char *body;     /**< The body (need not be NUL-terminated), or NULL. */
    size_t body_len;      /**< Its length in bytes. */
    const char *user;     /**< The authenticated account, or NULL. */
    int role;             /**< Its cimjob_redfish_role. */
} cimjob_redfish_request;

/** How many headers a response can carry. */
#define CIMJOB_REDFISH_MAX_HEADERS 8

/** The version of cimjob_redfish_response this header describes. */
#define CIMJOB_REDFISH_RESPONSE_VERSION 1

/** One response header. */
typedef struct cimjob_redfish_header {
    const char *name; /**< A static string ("Location", "Allow", ...). */
    char value[256];  /**< The value. */
} cimjob_redfish_header;

/** One HTTP response. Clear with cimjob_redfish_response_clear(). */
typedef struct cimjob_redfish_response {
    unsigned int version;     /**< CIMJOB_REDFISH_RESPONSE_VERSION (set by the caller). */
    int status;               /**< The HTTP status. */
    const char *content_type; /**< A static string, or NULL when there is no body. */
    char *body;               /**< The body (malloc'd, NUL-terminated), or NULL. */
    size_t body_len;          /**< Its length. */
    cimjob_redfish_header headers[CIMJOB_REDFISH_MAX_HEADERS]; /**< Headers to send. */
    size_t header_count;                                       /**< How many. */
    /**
     * 1 when the answer is an event stream (GET of the SSE URI): send the status and headers,
     * then events from cimjob_redfish_event_next() as they come, each as `data: JSON\n\n`.
     */
    int event_stream;
} cimjob_redfish_response;

/** Static initialiser for cimjob_redfish_response. */
#define CIMJOB_REDFISH_RESPONSE_INIT                                                               \
    {                                                                                              \
        CIMJOB_REDFISH_RESPONSE_VERSION, 0, NULL, NULL, 0, {{NULL, {0}}}, 0, 0                     \
    }

/**
 * Answer one request.
 *
 * Everything but `/redfish`, `/redfish/v1/`, `$metadata` and `odata` needs req->user (else
 * 401 Base.NoValidSession); a Task belongs to the account that started it and another
 * non-Administrator gets 403 Base.InsufficientPrivilege; ReadOnly may only GET. Errors are
 * `{"error": {...}}` bodies with Base messages: 400 (MalformedJSON, PropertyUnknown,
 * PropertyValueTypeError, ActionParameter*), 404 (ResourceMissingAtURI), 405 (OperationNotAllowed,
 * with `Allow`), 409 (the job's state does not allow it), 413 (PayloadTooLarge).
 *
 * @param rf   the service.
 * @param req  the request.
 * @param resp receives the response (its version must be set); clear it after sending.
 * @return CIMJOB_RC_SUCCESS (@p resp holds the answer, whatever its status);
 *         CIMJOB_RC_INVALID_PARAMETER (NULL argument, no method or path);
 *         CIMJOB_RC_INVALID_VERSION; CIMJOB_RC_NO_MEMORY (@p resp is a bodiless 500).
 */
CIMJOB_EXTERN cimjob_rc cimjob_redfish_handle(cimjob_redfish *rf, const cimjob_redfish_request *req,
                                              cimjob_redfish_response *resp);

/** Free a response's body and reset it (keeps its version). NULL is a no-op. */
CIMJOB_EXTERN void cimjob_redfish_response_clear(cimjob_redfish_response *resp);

/**
 * The Redfish error body for an HTTP status the host's server answers itself (413 when a body
 * is too large, 401, 404, 405, 500).
 *
 * @param rf     the service.
 * @param status the HTTP status.
 * @param body   receives a malloc'd NUL-terminated JSON body (free()).
 * @param len    receives its length.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER; CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_redfish_error_response(cimjob_redfish *rf, int status, char **body,
                                                      size_t *len);

/**
 * Resolve an `X-Auth-Token` to its session's account, and keep the session alive.
 *
 * @param rf       the service.
 * @param token    the token.
 * @param user     receives the account name.
 * @param usersize the size of @p user.
 * @param role     receives the account's cimjob_redfish_role; may be NULL.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_NOT_FOUND (no such session, or it expired);
 *         CIMJOB_RC_INVALID_PARAMETER; CIMJOB_RC_BUFFER_TOO_SMALL.
 */
CIMJOB_EXTERN cimjob_rc cimjob_redfish_session_check(cimjob_redfish *rf, const char *token,
                                                     char *user, size_t usersize, int *role);

/**
 * The cursor an event stream starts from: events queued after this call.
 *
 * @return the cursor (0 for NULL).
 */
CIMJOB_EXTERN uint64_t cimjob_redfish_event_cursor(cimjob_redfish *rf);

/**
 * The next event of the stream for an account: a Redfish Event document (`#Event.v1_...`) with
 * one TaskEvent message (TaskStarted, TaskCompletedOK, TaskCompletedWarning, TaskAborted,
 * TaskCancelled, TaskPaused, TaskResumed, TaskRemoved, TaskProgressChanged). An account that is
 * not Administrator sees only its own tasks' events.
 *
 * @param rf         the service.
 * @param cursor     the stream's cursor (from cimjob_redfish_event_cursor()), advanced.
 * @param user       the account (NULL: every event).
 * @param role       its cimjob_redfish_role.
 * @param timeout_us how long to wait for one; 0: do not wait.
 * @param json       receives the malloc'd event (free()).
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_TIMEOUT (none yet); CIMJOB_RC_INVALID_PARAMETER;
 *         CIMJOB_RC_NO_MEMORY. When events fell out of the bounded queue before this
 *         stream read them, the next answer is one Event with Base.EventBufferExceeded
 *         (Id "EventBufferExceeded"), then the stream goes on from the oldest event queued.
 */
CIMJOB_EXTERN cimjob_rc cimjob_redfish_event_next(cimjob_redfish *rf, uint64_t *cursor,
                                                  const char *user, int role, int64_t timeout_us,
                                                  char **json);

/**
 * Redfish TaskState of a JobState.
 *
 * @param state     the JobState.
 * @param cancelled 1 when a Terminate, Kill or DELETE caused the end (Shutting Down is then
 *                  Cancelling, else Stopping).
 * @return a static string ("New", "Running", "Cancelled", ...); "Exception" for values outside
 *         the CIM table.
 */
CIMJOB_EXTERN const char *cimjob_redfish_task_state(cimjob_job_state state, int cancelled);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_REDFISH_H */
