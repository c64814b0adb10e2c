/*
 * The service: one CIM-XML request in, one response out. Checks the HTTP-level rules of
 * DSP0200 (CIMOperation, CIMMethod, the message envelope), then hands the call to the
 * intrinsic or extrinsic table; a CIM error replaces whatever the operation had written.
 */
#include "internal.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char cx_xml_type[] = "application/xml; charset=\"utf-8\"";
static const char cx_text_type[] = "text/plain; charset=utf-8";

cimjob_rc cimjob_cimxml_new(cimjob_registry *reg, const cimjob_cimxml_options *opts,
                            cimjob_cimxml **out)
{
    if (!reg || !out)
        return CIMJOB_RC_INVALID_PARAMETER;
    *out = NULL;
    if (opts && opts->version != CIMJOB_CIMXML_OPTIONS_VERSION)
        return CIMJOB_RC_INVALID_VERSION;
    xmlInitParser();
    cimjob_cimxml *svc = calloc(1, sizeof *svc);
    if (!svc)
        return CIMJOB_RC_NO_MEMORY;
    svc->reg = reg;
    if (pthread_mutex_init(&svc->ctxt_lock, NULL) != 0) {
        free(svc);
        return CIMJOB_RC_NO_MEMORY;
    }
    if (pthread_mutex_init(&svc->jobs_lock, NULL) != 0) {
        pthread_mutex_destroy(&svc->ctxt_lock);
        free(svc);
        return CIMJOB_RC_NO_MEMORY;
    }
    svc->max_request = opts && opts->max_request_bytes ? opts->max_request_bytes
                                                       : CIMJOB_CIMXML_DEFAULT_MAX_REQUEST;
    svc->max_wait_us =
        opts && opts->max_wait_us ? opts->max_wait_us : CIMJOB_CIMXML_DEFAULT_MAX_WAIT_US;
    svc->job_class = cx_class_find(CIMJOB_CIMXML_CLASS);
    svc->side = cx_side_new();
    svc->rq = cx_reqcache_new();
    if (opts && opts->host && !(svc->host = strdup(opts->host)))
        goto nomem;
    if (!svc->side || !svc->rq || !svc->job_class || cx_getters_init(svc) != 0)
        goto nomem;
    *out = svc;
    return CIMJOB_RC_SUCCESS;
nomem:
    cimjob_cimxml_free(svc);
    return CIMJOB_RC_NO_MEMORY;
}

void cimjob_cimxml_free(cimjob_cimxml *svc)
{
    if (!svc)
        return;
    cx_ctxt_pool_free(svc);
    pthread_mutex_destroy(&svc->ctxt_lock);
    cx_jobs_drop(svc);
    pthread_mutex_destroy(&svc->jobs_lock);
    cx_side_free(svc->side);
    cx_reqcache_free(svc->rq);
    free(svc->getters);
    free(svc->host);
    free(svc);
}

void cimjob_cimxml_response_clear(cimjob_cimxml_response *rsp)
{
    if (!rsp)
        return;
    unsigned int version = rsp->version;
    free(rsp->body);
    memset(rsp, 0, sizeof *rsp);
    rsp->version = version;
}

/* A response that is not a CIM-XML document: HTTP 4xx/5xx with a line of text. */
static cimjob_rc cx_http_error(cimjob_cimxml_response *rsp, int status, const char *cim_error,
                               const char *text)
{
    size_t n = strlen(text);
    rsp->body = malloc(n + 2);
    if (!rsp->body)
        return CIMJOB_RC_NO_MEMORY;
    memcpy(rsp->body, text, n);
    rsp->body[n] = '\n';
    rsp->body[n + 1] = '\0';
    rsp->body_len = n + 1;
    rsp->http_status = status;
    rsp->content_type = cx_text_type;
    rsp->cim_error = cim_error;
    return CIMJOB_RC_SUCCESS;
}

int cimjob_cimxml_status_for_rc(cimjob_rc rc)
{
    switch (rc) {
    case CIMJOB_RC_SUCCESS:
        return CX_OK;
    case CIMJOB_RC_NOT_FOUND:
        return CX_ERR_NOT_FOUND;
    case CIMJOB_RC_ACCESS_DENIED:
        return CX_ERR_ACCESS_DENIED;
    case CIMJOB_RC_INVALID_PARAMETER:
    case CIMJOB_RC_INVALID_DATETIME:
    case CIMJOB_RC_INVALID_UTF8:
        return CX_ERR_INVALID_PARAMETER;
    case CIMJOB_RC_NOT_SUPPORTED:
        return CX_ERR_NOT_SUPPORTED;
    default:
        return CX_ERR_FAILED;
    }
}

const char *cimjob_cimxml_status_name(int status)
{
    return cx_status_name(status);
}

/* The envelope: CIM > MESSAGE > SIMPLEREQ > (CORRELATOR*, IMETHODCALL | METHODCALL). Returns
 * the call, or NULL with the CIMError header value and a reason. */
static cx_node *cx_envelope(cx_doc *doc, const char **cim_error, const char **msgid,
                            const char **why)
{
    cx_node *cim = cx_root(doc);
    *cim_error = "request-not-valid";
    if (!cx_is(cim, "CIM")) {
        *why = "the document element is not CIM";
        return NULL;
    }
    const char *cv = cx_attr(cim, "CIMVERSION"), *dv = cx_attr(cim, "DTDVERSION");
    if (!cv || !dv) {
        *why = "CIM needs CIMVERSION and DTDVERSION";
        return NULL;
    }
    if (strncmp(cv, "2.", 2) != 0) {
        *cim_error = "unsupported-cim-version";
        *why = "CIMVERSION 2.x only";
        return NULL;
    }
    if (strncmp(dv, "2.", 2) != 0) {
        *cim_error = "unsupported-dtd-version";
        *why = "DTDVERSION 2.x only";
        return NULL;
    }
    cx_node *msg = cx_child(cim);
    if (!cx_is(msg, "MESSAGE") || cx_next(msg)) {
        *why = "CIM holds one MESSAGE (declarations are not accepted)";
        return NULL;
    }
    const char *pv = cx_attr(msg, "PROTOCOLVERSION");
    *msgid = cx_attr(msg, "ID");
    if (!*msgid || !pv) {
        *why = "MESSAGE needs ID and PROTOCOLVERSION";
        return NULL;
    }
    if (strncmp(pv, "1.", 2) != 0) {
        *cim_error = "unsupported-protocol-version";
        *why = "PROTOCOLVERSION 1.x only";
        return NULL;
    }
    cx_node *simple = cx_child(msg);
    if (cx_is(simple, "MULTIREQ")) {
        *cim_error = "multiple-requests-unsupported";
        *why = "MULTIREQ is not supported";
        return NULL;
    }
    if (!cx_is(simple, "SIMPLEREQ") || cx_next(simple)) {
        *why = "MESSAGE holds one SIMPLEREQ";
        return NULL;
    }
    cx_node *call = cx_child(simple);
    while (cx_is(call, "CORRELATOR"))
        call = cx_next(call);
    if ((!cx_is(call, "IMETHODCALL") && !cx_is(call, "METHODCALL")) || cx_next(call) ||
        !cx_attr(call, "NAME")) {
        *why = "SIMPLEREQ holds one IMETHODCALL or METHODCALL with a NAME";
        return NULL;
    }
    return call;
}

static cimjob_rc cx_handle(cimjob_cimxml *svc, const cimjob_cimxml_request *req,
                           cimjob_cimxml_response *rsp, cimjob_cimxml_body **body)
{
    if (!svc || !req || !rsp || (!req->body && req->body_len))
        return CIMJOB_RC_INVALID_PARAMETER;
    if (req->version != CIMJOB_CIMXML_REQUEST_VERSION ||
        rsp->version != CIMJOB_CIMXML_RESPONSE_VERSION)
        return CIMJOB_RC_INVALID_VERSION;
    memset(rsp, 0, sizeof *rsp);
    rsp->version = CIMJOB_CIMXML_RESPONSE_VERSION;
    if (req->body_len > svc->max_request)
        return cx_http_error(rsp, 413, NULL, "CIM-XML request body too large");
    if (req->cim_operation && strcasecmp(req->cim_operation, "MethodCall") != 0)
        return cx_http_error(rsp, 400, "unsupported-operation", "CIMOperation must be MethodCall");
    char why[256];
    cx_doc *doc = cx_parse(svc, req->body ? req->body : "", req->body_len, why, sizeof why);
    if (!doc)
        return cx_http_error(
            rsp, 400, strstr(why, "DOCTYPE") ? "request-not-valid" : "request-not-well-formed",
            why);
    const char *cim_error, *msgid = NULL, *reason = NULL;
    cx_ctx c;
    memset(&c, 0, sizeof c);
    c.svc = svc;
    c.req = req;
    c.may_piece = body != NULL;
    c.call = cx_envelope(doc, &cim_error, &msgid, &reason);
    cimjob_rc result;
    if (!c.call) {
        result = cx_http_error(rsp, 400, cim_error, reason);
        goto out;
    }
    c.method = cx_attr(c.call, "NAME");
    if (req->cim_method && strcmp(req->cim_method, c.method) != 0) {
        result = cx_http_error(rsp, 400, "header-mismatch",
                               "the CIMMethod header does not name the body's method");
        goto out;
    }
    int intrinsic = cx_is(c.call, "IMETHODCALL");
    int status = CIMJOB_RC_NO_MEMORY;
    if (cx_out_begin(&c.out, msgid, intrinsic, c.method) == 0) {
        status = intrinsic ? cx_intrinsic(&c) : cx_extrinsic(&c);
        if (status != CX_OK || c.out.failed) {
            /* Whatever the operation wrote goes: the answer is the error alone. */
            cx_out_discard(&c.out);
            if (status == CX_OK)
                cx_fail(&c, CX_ERR_FAILED, "out of memory");
            if (cx_out_begin(&c.out, msgid, intrinsic, c.method) == 0)
                cx_error(&c.out, status ? status : CX_ERR_FAILED, c.err);
        }
    }
    if (cx_out_end(&c.out) != 0) {
        cx_out_discard(&c.out);
        result = CIMJOB_RC_NO_MEMORY;
        goto out;
    }
    if (body && (*body = cx_out_take_body(&c.out, &rsp->body_len)) != NULL &&
        rsp->body_len < CX_PIECED_MIN) {
        /* Small (one instance): one buffer is cheaper to send than a reader. */
        if ((rsp->body = malloc(rsp->body_len + 1)) != NULL) {
            cimjob_cimxml_body_read(*body, 0, rsp->body, rsp->body_len);
            rsp->body[rsp->body_len] = '\0';
        }
        cimjob_cimxml_body_free(*body);
        *body = NULL;
    } else if (!body || !*body)
        rsp->body = cx_out_take(&c.out, &rsp->body_len);
    cx_out_discard(&c.out);
    if (!rsp->body && !(body && *body)) {
        result = CIMJOB_RC_NO_MEMORY;
        goto out;
    }
    rsp->http_status = 200;
    rsp->content_type = cx_xml_type;
    rsp->cim_operation = "MethodResponse";
    result = CIMJOB_RC_SUCCESS;
out:
    cx_doc_free(doc);
    return result;
}

cimjob_rc cimjob_cimxml_handle(cimjob_cimxml *svc, const cimjob_cimxml_request *req,
                               cimjob_cimxml_response *rsp)
{
    return cx_handle(svc, req, rsp, NULL);
}

cimjob_rc cimjob_cimxml_handle_pieces(cimjob_cimxml *svc, const cimjob_cimxml_request *req,
                                      cimjob_cimxml_response *rsp, cimjob_cimxml_body **body)
{
    if (!body)
        return CIMJOB_RC_INVALID_PARAMETER;
    *body = NULL;
    return cx_handle(svc, req, rsp, body);
}
