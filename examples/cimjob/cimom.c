/*
 * `cimjob serve`: WBEM CIM-XML at POST /cimom. The protocol is libcimjob-cimxml's; this file
 * only hands it the body, the CIM headers and the authenticated account, and hands its answer
 * back without a copy: a large one (EnumerateInstances) as a pieced body the server reads out in
 * blocks, a small one as its buffer. Accounts and roles are the server's: an Administrator acts on
 * every job, an Operator on its own, a ReadOnly account only reads.
 */
#include "serve.h"

#include <cimjob/cimxml.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cimom_open(serve_ctx *ctx, char *err, size_t errsize)
{
    cimjob_cimxml *svc;
    cimjob_rc rc = cimjob_cimxml_new(ctx->reg, NULL, &svc);
    if (rc != CIMJOB_RC_SUCCESS) {
        snprintf(err, errsize, "cannot create the CIM-XML service: %s", cimjob_rc_name(rc));
        return -1;
    }
    ctx->cimxml = svc;
    return 0;
}

void cimom_close(serve_ctx *ctx)
{
    cimjob_cimxml_free(ctx->cimxml);
    ctx->cimxml = NULL;
}

static size_t cimom_body_read(void *body, uint64_t pos, char *buf, size_t max)
{
    return cimjob_cimxml_body_read(body, pos, buf, max);
}

static void cimom_body_free(void *body)
{
    cimjob_cimxml_body_free(body);
}

void route_cimom(serve_ctx *ctx, const srv_request *req, srv_response *resp)
{
    if (strcmp(req->method, "POST") != 0) {
        /* DSP0200: a server without M-POST answers 501 so that the client falls back to POST. */
        int mpost = strcmp(req->method, "M-POST") == 0;
        srv_response_text(resp, mpost ? 501 : 405, "CIM-XML operations are POSTed to /cimom\n");
        srv_response_header(resp, "Allow", "POST");
        return;
    }
    cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
    rq.body = req->body ? req->body : "";
    rq.body_len = req->body ? req->len : 0;
    rq.cim_operation = req->header(req, "CIMOperation");
    rq.cim_method = req->header(req, "CIMMethod");
    rq.cim_object = req->header(req, "CIMObject");
    rq.user = req->user;
    rq.is_admin = req->is_admin;
    rq.read_only = req->role == SRV_ROLE_READONLY;
    cimjob_cimxml_response r = CIMJOB_CIMXML_RESPONSE_INIT;
    cimjob_cimxml_body *pieces;
    if (cimjob_cimxml_handle_pieces(ctx->cimxml, &rq, &r, &pieces) != CIMJOB_RC_SUCCESS) {
        srv_response_text(resp, 500, "CIM-XML: out of memory\n");
        return;
    }
    free(resp->body);
    resp->body = r.body; /* malloc'd by the library: the server frees it */
    r.body = NULL;
    if (pieces) {
        resp->read = cimom_body_read;
        resp->read_ctx = pieces;
        resp->read_free = cimom_body_free;
    }
    resp->len = r.body_len;
    resp->status = r.http_status;
    resp->content_type = r.content_type;
    if (r.cim_operation)
        srv_response_header(resp, "CIMOperation", r.cim_operation);
    if (r.cim_error)
        srv_response_header(resp, "CIMError", r.cim_error);
    cimjob_cimxml_response_clear(&r);
}
