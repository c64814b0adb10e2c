/*
 * The libmicrohttpd glue of `cimjob serve`: one thread per connection (bounded by
 * max_connections), so a handler may block briefly and a Server-Sent Events stream may wait
 * for its next event without holding up anyone else.
 *
 * Per request: read the body up to max_body (a larger Content-Length answers 413 before the
 * body is read; a larger chunked body is drained and answers 413), authenticate (HTTP Basic
 * against the accounts file, or a Redfish session's X-Auth-Token), find the route, call its
 * handler, and turn its srv_response into a libmicrohttpd response.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

struct srv_http {
    struct MHD_Daemon *d;
    serve_ctx *ctx;
};

/* What a connection accumulates for one request. */
typedef struct req_state {
    char *body;
    size_t len, cap;
    int too_big;
} req_state;

void srv_response_header(srv_response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= SRV_MAX_HEADERS)
        return;
    snprintf(resp->headers[resp->nheaders].name, sizeof resp->headers[0].name, "%s", name);
    snprintf(resp->headers[resp->nheaders].value, sizeof resp->headers[0].value, "%s", value);
    resp->nheaders++;
}

void srv_response_text(srv_response *resp, int status, const char *text)
{
    resp->status = status;
    resp->content_type = "text/plain; charset=utf-8";
    free(resp->body);
    size_t n = strlen(text);
    resp->body = malloc(n + 1);
    if (resp->body) {
        memcpy(resp->body, text, n + 1);
        resp->len = n;
    } else
        resp->len = 0;
}

/* The first query parameter whose name starts with '$' (OData's system query options). */
static enum MHD_Result find_dollar(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind, (void)value;
    if (key && key[0] == '$') {
        *(const char **)cls = key;
        return MHD_NO;
    }
    return MHD_YES;
}

static const char *get_header(const srv_request *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

/* Match a route: an exact path, or (SRV_ROUTE_PREFIX) the path itself or anything below it. */
static const srv_route *find_route(const serve_ctx *ctx, const char *path)
{
    for (size_t i = 0; i < ctx->nroutes; i++) {
        const srv_route *r = &ctx->routes[i];
        size_t n = strlen(r->path);
        if (strcmp(path, r->path) == 0)
            return r;
        if ((r->flags & SRV_ROUTE_PREFIX) && strncmp(path, r->path, n) == 0 &&
            (path[n] == '/' || (n && r->path[n - 1] == '/')))
            return r;
    }
    return NULL;
}

/* Who is asking: Basic credentials checked against the accounts, or a session token. */
static void authenticate(serve_ctx *ctx, struct MHD_Connection *c, srv_request *req, char *user,
                         size_t usersize)
{
    const char *token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Auth-Token");
    if (token && ctx->redfish) {
        int role = 0;
        if (cimjob_redfish_session_check(ctx->redfish, token, user, usersize, &role) ==
            CIMJOB_RC_SUCCESS) {
            req->user = user;
            req->role = (srv_role)role;
        }
        return;
    }
    char *pass = NULL;
    char *name = MHD_basic_auth_get_username_password(c, &pass);
    srv_role role = SRV_ROLE_NONE;
    if (name && pass && srv_accounts_check(ctx->accounts, name, pass, &role)) {
        snprintf(user, usersize, "%s", name);
        req->user = user;
        req->role = role;
    }
    if (pass) {
        explicit_bzero(pass, strlen(pass));
        MHD_free(pass);
    }
    if (name)
        MHD_free(name);
}

/* Pull bytes from a handler's stream; the handler's function waits a little for data. */
typedef struct stream_box {
    serve_ctx *ctx;
    srv_stream_fn fn;
    void *sctx;
    void (*sfree)(void *);
} stream_box;

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream_box *b = cls;
    (void)pos;
    for (;;) {
        if (b->ctx->stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;
        long n = b->fn(b->sctx, buf, max);
        if (n < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n > 0)
            return (ssize_t)n;
    }
}

static void stream_free(void *cls)
{
    stream_box *b = cls;
    if (b->sfree)
        b->sfree(b->sctx);
    free(b);
}

/* A sized body read in blocks: the reader's own signature is libmicrohttpd's, but for the
 * type of its count. */
typedef struct read_box {
    srv_read_fn fn;
    void *rctx;
    void (*rfree)(void *);
} read_box;

static ssize_t read_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    read_box *b = cls;
    size_t n = b->fn(b->rctx, pos, buf, max);
    return n ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void read_free(void *cls)
{
    read_box *b = cls;
    if (b->rfree)
        b->rfree(b->rctx);
    free(b);
}

/* Blocks of a read body: large enough that a 5 MB answer is few send() calls. */
#define SRV_READ_BLOCK (1024u * 1024u)

static enum MHD_Result queue(struct MHD_Connection *c, serve_ctx *ctx, srv_response *r)
{
    struct MHD_Response *mr;
    if (r->read) {
        read_box *b = malloc(sizeof *b);
        if (!b) {
            if (r->read_free)
                r->read_free(r->read_ctx);
            return MHD_NO;
        }
        *b = (read_box){r->read, r->read_ctx, r->read_free};
        free(r->body); /* a handler sets one or the other */
        mr = MHD_create_response_from_callback(r->len, SRV_READ_BLOCK, read_reader, b, read_free);
        if (!mr) {
            read_free(b);
            return MHD_NO;
        }
    } else if (r->stream) {
        stream_box *b = malloc(sizeof *b);
        if (!b) {
            if (r->stream_free)
                r->stream_free(r->stream_ctx);
            return MHD_NO;
        }
        *b = (stream_box){ctx, r->stream, r->stream_ctx, r->stream_free};
        mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, b,
                                               stream_free);
        if (!mr) {
            stream_free(b);
            return MHD_NO;
        }
    } else {
        static char empty[1];
        mr = MHD_create_response_from_buffer(r->len, r->body ? r->body : empty,
                                             r->body ? MHD_RESPMEM_MUST_FREE
                                                     : MHD_RESPMEM_PERSISTENT);
        if (!mr) {
            free(r->body);
            return MHD_NO;
        }
    }
    r->body = NULL;
    if (r->content_type)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    int has_auth = 0;
    for (unsigned i = 0; i < r->nheaders; i++) {
        MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
        has_auth |= strcasecmp(r->headers[i].name, MHD_HTTP_HEADER_WWW_AUTHENTICATE) == 0;
    }
    if (r->status == MHD_HTTP_UNAUTHORIZED && !has_auth)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Basic realm=\"cimjob\", charset=\"UTF-8\"");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

/* 413: a Redfish error body under /redfish, plain text elsewhere. */
static void too_large(serve_ctx *ctx, const char *url, srv_response *r)
{
    if (ctx->redfish && strncmp(url, "/redfish", 8) == 0 &&
        cimjob_redfish_error_response(ctx->redfish, MHD_HTTP_CONTENT_TOO_LARGE, &r->body,
                                      &r->len) == CIMJOB_RC_SUCCESS) {
        r->status = MHD_HTTP_CONTENT_TOO_LARGE;
        r->content_type = "application/json; charset=utf-8";
        return;
    }
    srv_response_text(r, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    serve_ctx *ctx = cls;
    (void)version;
    req_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        *con_cls = st;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            errno = 0;
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || *end || n > ctx->limits.max_body)
                st->too_big = 1;
        }
        if (st->too_big) {
            /* Answer at once; libmicrohttpd closes the connection without reading the body. */
            srv_response r = {0};
            too_large(ctx, url, &r);
            return queue(c, ctx, &r);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->too_big || st->len + n > ctx->limits.max_body) {
            st->too_big = 1;
            return MHD_YES; /* drain */
        }
        if (st->len + n + 1 > st->cap) {
            size_t cap = st->cap ? st->cap : 1024;
            while (cap < st->len + n + 1)
                cap *= 2;
            char *b = realloc(st->body, cap);
            if (!b)
                return MHD_NO;
            st->body = b;
            st->cap = cap;
        }
        memcpy(st->body + st->len, upload_data, n);
        st->len += n;
        st->body[st->len] = '\0';
        return MHD_YES;
    }

    srv_response r = {0};
    if (st->too_big) {
        too_large(ctx, url, &r);
        return queue(c, ctx, &r);
    }
    char user[SRV_USER_MAX + 1] = "";
    srv_request req = {0};
    req.method = method;
    req.path = url;
    req.body = st->body;
    req.len = st->len;
    req.header = get_header;
    req.conn = c;
    /* Only $-options reach the handlers (as the query): other parameters are ignored. */
    const char *dollar = NULL;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, find_dollar, &dollar);
    req.query = dollar;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_PROTOCOL);
    req.tls = ci != NULL;
    authenticate(ctx, c, &req, user, sizeof user);
    req.is_admin = req.role == SRV_ROLE_ADMINISTRATOR;

    const srv_route *route = find_route(ctx, url);
    if (!route)
        srv_response_text(&r, MHD_HTTP_NOT_FOUND, "not found\n");
    else if ((route->flags & SRV_ROUTE_AUTH) && !req.user)
        srv_response_text(&r, MHD_HTTP_UNAUTHORIZED, "authentication required\n");
    else
        route->handler(ctx, &req, &r);
    if (r.status < 100 || r.status > 599) /* a handler that answered nothing */
        srv_response_text(&r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the handler gave no answer\n");
    if (ctx->verbose)
        fprintf(stderr, "cimjob serve: %s %s %s -> %d\n", req.user ? req.user : "-", method, url,
                r.status);
    return queue(c, ctx, &r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    req_state *st = *con_cls;
    if (st) {
        free(st->body);
        free(st);
        *con_cls = NULL;
    }
}

/* libmicrohttpd's own messages (bad requests it answers itself) only with --verbose. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void
on_log(void *cls, const char *fmt, va_list ap)
{
    serve_ctx *ctx = cls;
    if (ctx->verbose) {
        fputs("cimjob serve: libmicrohttpd: ", stderr);
        vfprintf(stderr, fmt, ap);
    }
}

srv_http *srv_http_start(serve_ctx *ctx, const char *host, unsigned *port, const char *cert_pem,
                         const char *key_pem, char *err, size_t errsize)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)*port);
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)*port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errsize, "--listen: '%s' is not an IPv4 or IPv6 address", host);
        return NULL;
    }
    if (cert_pem)
        flags |= MHD_USE_TLS;
    srv_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    h->ctx = ctx;
    struct MHD_OptionItem tls[3] = {{MHD_OPTION_END, 0, NULL}};
    if (cert_pem) {
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cert_pem};
        tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)key_pem};
    }
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, ctx, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)ctx->limits.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ctx->limits.idle_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)ctx->limits.header_memory,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, ctx, MHD_OPTION_EXTERNAL_LOGGER, on_log, ctx,
        MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errsize, "cannot listen on %s:%u (%s)", host, *port,
                 errno ? strerror(errno) : "libmicrohttpd refused the options");
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    if (di)
        *port = di->port;
    return h;
}

void srv_http_stop(srv_http *h)
{
    if (!h)
        return;
    h->ctx->stopping = 1;
    MHD_stop_daemon(h->d);
    free(h);
}
