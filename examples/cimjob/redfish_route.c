/*
 * The Redfish route of `cimjob serve`: an srv_request handed to libcimjob-redfish
 * (cimjob_redfish_handle), its answer copied back, and an event stream (Server-Sent Events)
 * fed from cimjob_redfish_event_next() when the answer is one.
 */
#include "cli.h"
#include "serve.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An SSE stream: events of the Redfish service as `data:` lines, and a comment line when
 * nothing happened for half the idle timeout (at most 15 s). */
typedef struct sse_stream {
    serve_ctx *ctx;
    uint64_t cursor;
    char user[SRV_USER_MAX + 1];
    int role;
    char *pending; /* an event not yet sent whole */
    size_t off, len;
    long long last_us;
} sse_stream;

/* A comment line often enough that the idle timeout never closes a quiet stream. */
static long long keepalive_us(const serve_ctx *ctx)
{
    long long half = (long long)ctx->limits.idle_timeout_s * 500000;
    return half < 15000000 ? half : 15000000;
}

static long sse_next(void *p, char *buf, size_t max)
{
    sse_stream *s = p;
    if (!s->pending) {
        char *json = NULL;
        cimjob_rc rc =
            cimjob_redfish_event_next(s->ctx->redfish, &s->cursor, s->user, s->role, 500000, &json);
        if (rc == CIMJOB_RC_SUCCESS) {
            size_t n = strlen(json);
            s->pending = malloc(n + 16);
            if (!s->pending) {
                free(json);
                return -1;
            }
            s->len = (size_t)snprintf(s->pending, n + 16, "data: %s\n\n", json);
            s->off = 0;
            free(json);
        } else if (rc != CIMJOB_RC_TIMEOUT)
            return -1;
        else if (cli_now_us() - s->last_us > keepalive_us(s->ctx)) {
            s->last_us = cli_now_us();
            static const char ka[] = ": keep-alive\n\n";
            if (max < sizeof ka - 1)
                return 0;
            memcpy(buf, ka, sizeof ka - 1);
            return (long)(sizeof ka - 1);
        } else
            return 0;
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->pending + s->off, n);
    s->off += n;
    if (s->off == s->len) {
        free(s->pending);
        s->pending = NULL;
    }
    s->last_us = cli_now_us();
    return (long)n;
}

static void sse_free(void *p)
{
    sse_stream *s = p;
    free(s->pending);
    free(s);
}

/* For the redfish suite only: CIMJOB_SERVE_TEST_SLOW_MS makes every POST's handler take that
 * long, to show that an answer that comes after the idle timeout is still sent. */
static void test_slow_post(const srv_request *req)
{
    const char *v = getenv("CIMJOB_SERVE_TEST_SLOW_MS");
    long ms = v ? strtol(v, NULL, 10) : 0;
    if (ms > 0 && ms < 60000 && strcmp(req->method, "POST") == 0) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
}

typedef struct dollar_query {
    char s[512];
    size_t len;
    int overflow;
} dollar_query;

static enum MHD_Result add_dollar(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    dollar_query *q = cls;
    (void)kind;
    if (!key || key[0] != '$')
        return MHD_YES;
    int n = snprintf(q->s + q->len, sizeof q->s - q->len, "%s%s%s%s", q->len ? "&" : "", key,
                     value ? "=" : "", value ? value : "");
    if (n < 0 || (size_t)n >= sizeof q->s - q->len) {
        q->overflow = 1;
        return MHD_NO;
    }
    q->len += (size_t)n;
    return MHD_YES;
}

void srv_route_redfish(serve_ctx *ctx, const srv_request *req, srv_response *resp)
{
    test_slow_post(req);
    cimjob_redfish_request rq;
    memset(&rq, 0, sizeof rq);
    rq.version = CIMJOB_REDFISH_REQUEST_VERSION;
    rq.method = req->method;
    rq.path = req->path;
    /* Every $-option with its value ("$expand=.($levels=1)&$top=2"): libcimjob-redfish
     * answers what it supports and 501 to the rest, so none is silently ignored. */
    dollar_query dq = {{0}, 0, 0};
    rq.query = req->query;
    if (req->query && req->conn) {
        MHD_get_connection_values((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND,
                                  add_dollar, &dq);
        rq.query = dq.overflow ? req->query : dq.s;
    }
    rq.body = req->body;
    rq.body_len = req->len;
    rq.user = req->user;
    rq.role = (int)req->role;
    cimjob_redfish_response rr = CIMJOB_REDFISH_RESPONSE_INIT;
    if (cimjob_redfish_handle(ctx->redfish, &rq, &rr) != CIMJOB_RC_SUCCESS) {
        cimjob_redfish_response_clear(&rr);
        srv_response_text(resp, 500, "internal error\n");
        return;
    }
    resp->status = rr.status;
    resp->content_type = rr.content_type;
    resp->body = rr.body;
    resp->len = rr.body_len;
    rr.body = NULL;
    for (size_t i = 0; i < rr.header_count; i++)
        srv_response_header(resp, rr.headers[i].name, rr.headers[i].value);
    if (rr.event_stream) {
        sse_stream *s = calloc(1, sizeof *s);
        if (!s) {
            srv_response_text(resp, 500, "out of memory\n");
            return;
        }
        s->ctx = ctx;
        s->cursor = cimjob_redfish_event_cursor(ctx->redfish);
        snprintf(s->user, sizeof s->user, "%s", req->user ? req->user : "");
        s->role = (int)req->role;
        s->last_us = cli_now_us();
        free(resp->body);
        resp->body = NULL;
        resp->stream = sse_next;
        resp->stream_ctx = s;
        resp->stream_free = sse_free;
    }
}
