/**
 * @file cimjob/cimxml.h
 * @brief CIM-XML (DMTF DSP0200 / DSP0201): serve a registry's jobs to WBEM clients.
 *
 * libcimjob-cimxml (pkg-config `cimjob-cimxml`, links libxml2) turns one CIM-XML request
 * document into one response document over a cimjob_registry, for an authenticated identity.
 * It does no networking: an HTTP server (the `cimjob serve` command, or an agent's own) hands
 * it each `POST /cimom` body with the CIMOperation / CIMMethod / CIMObject header values and
 * the account the request authenticated as, and sends back the status, headers and body it
 * returns.
 *
 * ## What it serves (namespace root/cimv2)
 * Classes CIM_ManagedElement, CIM_ManagedSystemElement, CIM_LogicalElement, CIM_Job,
 * CIM_ConcreteJob (from DMTF CIM Schema 2.49.0), CIM_Error, and libcimjob's subclass
 * **CIMJOB_ConcreteJob** (schema prefix `CIMJOB`; key InstanceID) whose instances are the
 * registry's jobs. Intrinsic operations: EnumerateClassNames, EnumerateClasses, GetClass,
 * EnumerateInstanceNames, EnumerateInstances, GetInstance, DeleteInstance, ModifyInstance;
 * every other intrinsic operation answers CIM_ERR_NOT_SUPPORTED. Extrinsic methods:
 * RequestStateChange, KillJob, GetError, GetErrors and the static CIMJOB_ConcreteJob.StartJob.
 * docs/wbem.md has the class definition, the operations and every code mapping.
 *
 * ## Identity
 * A request names the account it authenticated as and whether that account is an
 * administrator. StartJob records the account as the job's Owner. A non-administrator sees
 * only its own jobs in enumerations, gets CIM_ERR_ACCESS_DENIED from intrinsic operations on
 * another account's job, and the library's Access Denied code as RETURNVALUE from a method on
 * it. An administrator acts as the host (no owner check). A read-only identity may read
 * (enumerate, get) but gets CIM_ERR_ACCESS_DENIED from anything that changes a job.
 *
 * ## Threads
 * cimjob_cimxml_handle() may be called from many threads at once on the same service. It
 * blocks for as long as the job operation it performs (a Terminate waits for the job's
 * processes, bounded by TimeoutPeriod and the registry's kill bound).
 *
 * ## Safety
 * Requests are parsed by libxml2 without network access, without loading or substituting
 * entities and without a DTD: a document with a DOCTYPE is refused (no XXE, no entity
 * expansion), and the body size is bounded (cimjob_cimxml_options.max_request_bytes).
 * A service keeps the trees of the last 16 well-formed documents of up to 2 KiB it read and
 * reuses one when a body equal to it byte for byte arrives again (wbemcli repeats its documents
 * exactly); everything after the reading is done for each request.
 */
#ifndef CIMJOB_CIMXML_H
#define CIMJOB_CIMXML_H

#include "common.h"
#include "codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A CIM-XML service over one registry (opaque). */
typedef struct cimjob_cimxml cimjob_cimxml;

/** The namespace the job classes live in. */
#define CIMJOB_CIMXML_NAMESPACE "root/cimv2"
/** The name of libcimjob's subclass of CIM_ConcreteJob. */
#define CIMJOB_CIMXML_CLASS "CIMJOB_ConcreteJob"
/** Default bound on how long a RequestStateChange waits: 60 s. */
#define CIMJOB_CIMXML_DEFAULT_MAX_WAIT_US ((uint64_t)60000000)
/** Default bound on a request body: 4 MiB. */
#define CIMJOB_CIMXML_DEFAULT_MAX_REQUEST ((size_t)4 << 20)

/** The version of cimjob_cimxml_options this header describes. */
#define CIMJOB_CIMXML_OPTIONS_VERSION 1

/** How a service behaves. Initialise with CIMJOB_CIMXML_OPTIONS_INIT. */
typedef struct cimjob_cimxml_options {
    unsigned int version; /**< CIMJOB_CIMXML_OPTIONS_VERSION. */
    /** The HOST of the references StartJob returns (default "localhost"); copied. */
    const char *host;
    /** Bodies longer than this are refused with HTTP 413 (0: the default, 4 MiB). */
    size_t max_request_bytes;
    /**
     * The longest a RequestStateChange waits for its new state, in microseconds (0: the
     * default, 60 s). A TimeoutPeriod above it is honoured asynchronously: the call answers
     * 4096 (Transition Started) and JobState shows the outcome, so that no client holds a
     * server thread for longer.
     */
    uint64_t max_wait_us;
} cimjob_cimxml_options;

/** Static initialiser for cimjob_cimxml_options. */
#define CIMJOB_CIMXML_OPTIONS_INIT                                                                 \
    {                                                                                              \
        CIMJOB_CIMXML_OPTIONS_VERSION, NULL, 0, 0                                                  \
    }

/**
 * Create a CIM-XML service over a registry. The registry must outlive the service.
 *
 * @param reg  the registry whose jobs are served (the caller keeps it).
 * @param opts the options, or NULL for the defaults.
 * @param out  receives the service; free it with cimjob_cimxml_free().
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL @p reg or @p out);
 *         CIMJOB_RC_INVALID_VERSION (@p opts->version unknown); CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_cimxml_new(cimjob_registry *reg, const cimjob_cimxml_options *opts,
                                          cimjob_cimxml **out);

/**
 * Free a service. Jobs stay in the registry. Must not be called while another thread is in
 * cimjob_cimxml_handle() on it. NULL is a no-op.
 */
CIMJOB_EXTERN void cimjob_cimxml_free(cimjob_cimxml *svc);

/** The version of cimjob_cimxml_request this header describes. */
#define CIMJOB_CIMXML_REQUEST_VERSION 1

/** One HTTP request carrying a CIM-XML operation. Initialise with CIMJOB_CIMXML_REQUEST_INIT. */
typedef struct cimjob_cimxml_request {
    unsigned int version; /**< CIMJOB_CIMXML_REQUEST_VERSION. */
    const char *body;     /**< The request body (need not be NUL-terminated). */
    size_t body_len;      /**< Its length in bytes. */
    /** The CIMOperation header ("MethodCall"), or NULL when absent. */
    const char *cim_operation;
    /** The CIMMethod header (must name the body's method when present), or NULL. */
    const char *cim_method;
    /** The CIMObject header; read for nothing (clients do not percent-encode it), may be NULL. */
    const char *cim_object;
    /** The account the request authenticated as; NULL: the host itself (no owner checks). */
    const char *user;
    /** Non-zero when @p user is an administrator (acts on every job). */
    int is_admin;
    /**
     * Non-zero when @p user may only read (a read-only role): every operation that changes
     * something (StartJob, RequestStateChange, KillJob, DeleteInstance, ModifyInstance)
     * answers CIM_ERR_ACCESS_DENIED.
     */
    int read_only;
} cimjob_cimxml_request;

/** Static initialiser for cimjob_cimxml_request. */
#define CIMJOB_CIMXML_REQUEST_INIT                                                                 \
    {                                                                                              \
        CIMJOB_CIMXML_REQUEST_VERSION, NULL, 0, NULL, NULL, NULL, NULL, 0, 0                       \
    }

/** The version of cimjob_cimxml_response this header describes. */
#define CIMJOB_CIMXML_RESPONSE_VERSION 1

/**
 * What to send back. The strings are static except @p body, which is allocated with malloc():
 * free it with cimjob_cimxml_response_clear(), or take it (set @p body to NULL) and free() it
 * yourself, e.g. to hand it to an HTTP server without a copy.
 */
typedef struct cimjob_cimxml_response {
    unsigned int version; /**< CIMJOB_CIMXML_RESPONSE_VERSION (set by the caller). */
    /** The HTTP status: 200 (also for CIM errors, carried in the body), 400, 413 or 500. */
    int http_status;
    /** The Content-Type header ("application/xml; charset=\"utf-8\""). */
    const char *content_type;
    /** The CIMOperation header ("MethodResponse"), or NULL for none. */
    const char *cim_operation;
    /**
     * The CIMError header for a request that was not processed (HTTP 400: "request-not-well-
     * formed", "request-not-valid", "unsupported-operation", "header-mismatch",
     * "unsupported-protocol-version", "multiple-requests-unsupported"), or NULL.
     */
    const char *cim_error;
    char *body;      /**< The response body (a CIM-XML document, or text for HTTP 4xx/5xx). */
    size_t body_len; /**< Its length in bytes. */
} cimjob_cimxml_response;

/** Static initialiser for cimjob_cimxml_response. */
#define CIMJOB_CIMXML_RESPONSE_INIT                                                                \
    {                                                                                              \
        CIMJOB_CIMXML_RESPONSE_VERSION, 0, NULL, NULL, NULL, NULL, 0                               \
    }

/**
 * Handle one CIM-XML request: parse it, perform the operation on the registry, write the
 * response. Every request gets a response, also a malformed one. CIM errors of operations that
 * cannot be performed travel in an HTTP 200 body as `<ERROR CODE=...>` (as clients expect);
 * requests that are not CIM-XML operations get HTTP 400 with a CIMError header.
 *
 * @param svc the service.
 * @param req the request.
 * @param rsp receives the response (its version must be set); clear it with
 *            cimjob_cimxml_response_clear().
 * @return CIMJOB_RC_SUCCESS (a response was produced, whatever its status);
 *         CIMJOB_RC_INVALID_PARAMETER (NULL argument); CIMJOB_RC_INVALID_VERSION (@p req or
 *         @p rsp carries an unknown version); CIMJOB_RC_NO_MEMORY (no response could be built:
 *         answer HTTP 500 yourself).
 */
CIMJOB_EXTERN cimjob_rc cimjob_cimxml_handle(cimjob_cimxml *svc, const cimjob_cimxml_request *req,
                                             cimjob_cimxml_response *rsp);

/**
 * A response body kept in pieces (opaque): the cached text of each instance is referenced, not
 * copied into one buffer, so that a large EnumerateInstances costs no multi-megabyte copy. An
 * HTTP server sends its pieces with a gather write (cimjob_cimxml_body_count(),
 * cimjob_cimxml_body_piece(); for libmicrohttpd: MHD_create_response_from_iovec()), or copies it
 * out in blocks of its own size with cimjob_cimxml_body_read()
 * (MHD_create_response_from_callback() with the body's length).
 */
typedef struct cimjob_cimxml_body cimjob_cimxml_body;

/**
 * Handle one CIM-XML request as cimjob_cimxml_handle() does, but let a large response come as
 * a pieced body instead of one malloc'd buffer.
 *
 * @param svc  the service.
 * @param req  the request.
 * @param rsp  receives the status and headers as with cimjob_cimxml_handle(); when @p *body is
 *             set, @p rsp->body is NULL and @p rsp->body_len is the pieced body's length.
 * @param body receives a pieced body (free it with cimjob_cimxml_body_free()), or NULL when the
 *             response is in @p rsp->body (small responses, errors).
 * @return as cimjob_cimxml_handle(); CIMJOB_RC_INVALID_PARAMETER also for a NULL @p body.
 */
CIMJOB_EXTERN cimjob_rc cimjob_cimxml_handle_pieces(cimjob_cimxml *svc,
                                                    const cimjob_cimxml_request *req,
                                                    cimjob_cimxml_response *rsp,
                                                    cimjob_cimxml_body **body);

/**
 * Copy bytes of a pieced body, from offset @p pos, into @p buf. Reading in order does not search;
 * any @p pos is allowed. A body may be read from one thread at a time; bodies are
 * independent of each other and of the service (a body outlives cimjob_cimxml_free()).
 *
 * @return the number of bytes copied: up to @p max, 0 only at or past the end (or for a NULL
 *         @p body or @p buf).
 */
CIMJOB_EXTERN size_t cimjob_cimxml_body_read(cimjob_cimxml_body *body, uint64_t pos, char *buf,
                                             size_t max);

/**
 * The number of pieces of a pieced body, for a server that sends them without copying (a
 * gather write: writev(), sendmsg(), MHD_create_response_from_iovec()).
 *
 * @return the count; 0 for NULL.
 */
CIMJOB_EXTERN size_t cimjob_cimxml_body_count(const cimjob_cimxml_body *body);

/**
 * One piece of a pieced body, in order: the pieces, one after the other, are the body.
 *
 * @param body the body.
 * @param i    the piece, below cimjob_cimxml_body_count().
 * @param len  receives its length in bytes (never 0).
 * @return its bytes, valid until cimjob_cimxml_body_free(); NULL (and 0 in @p len) for a NULL
 *         @p body or @p len, or @p i out of range.
 */
CIMJOB_EXTERN const char *cimjob_cimxml_body_piece(const cimjob_cimxml_body *body, size_t i,
                                                   size_t *len);

/** Free a pieced body. NULL is a no-op. */
CIMJOB_EXTERN void cimjob_cimxml_body_free(cimjob_cimxml_body *body);

/** Free a response's body and reset it (keeps its version). NULL is a no-op. */
CIMJOB_EXTERN void cimjob_cimxml_response_clear(cimjob_cimxml_response *rsp);

/**
 * The CIM status code (DSP0200: CIM_ERR_FAILED 1 ... CIM_ERR_METHOD_NOT_FOUND 17) an intrinsic
 * operation answers for a libcimjob return code (see docs/wbem.md): CIMJOB_RC_SUCCESS 0,
 * NOT_FOUND 6 (CIM_ERR_NOT_FOUND), ACCESS_DENIED 2, INVALID_PARAMETER / INVALID_DATETIME /
 * INVALID_UTF8 4,
 * NOT_SUPPORTED 7, INVALID_STATE / BUSY / every other failure 1 (CIM_ERR_FAILED).
 *
 * @return the CIM status code.
 */
CIMJOB_EXTERN int cimjob_cimxml_status_for_rc(cimjob_rc rc);

/**
 * The symbolic name of a CIM status code ("CIM_ERR_NOT_FOUND").
 *
 * @return a static string; "CIM_ERR_UNKNOWN" outside 0..28. Never NULL.
 */
CIMJOB_EXTERN const char *cimjob_cimxml_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_CIMXML_H */
