/*
 * `cimjob serve`: what its source files share.
 *
 *   serve.c     options, the registry and its loop, signals, clean shutdown, the ROUTE TABLE
 *   http.c      the libmicrohttpd glue: limits, bodies, authentication, responses, streams
 *   accounts.c  the accounts file (yescrypt hashes, roles) and `cimjob account`
 *   redfish_route.c  the Redfish route: libcimjob-redfish and its event stream
 *
 * A protocol is one entry in the route table (serve.c, `srv_routes`): a path (exact, or a prefix
 * ending in '/'), whether the server must authenticate the request before the handler sees it,
 * and the handler. The handler gets an srv_request and fills an srv_response; it never sees
 * libmicrohttpd.
 */
#ifndef CIMJOB_SERVE_H
#define CIMJOB_SERVE_H

#include <cimjob/cimjob.h>
#include <cimjob/redfish.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- accounts (accounts.c) ------------------------------------------------------------------ */

typedef enum srv_role {
    SRV_ROLE_NONE = 0,
    SRV_ROLE_READONLY = 1,      /* GET only */
    SRV_ROLE_OPERATOR = 2,      /* may start work and act on its own tasks */
    SRV_ROLE_ADMINISTRATOR = 3, /* may act on every task and change the service */
} srv_role;

#define SRV_USER_MAX 64

typedef struct srv_accounts srv_accounts;

/* The default accounts file: $CIMJOB_ACCOUNTS, else /etc/cimjob/accounts for root, else
 * $XDG_CONFIG_HOME/cimjob/accounts (~/.config/cimjob/accounts). Writes into buf. */
const char *srv_accounts_default_path(char *buf, size_t size);
/* Load a file (a missing file is an empty set: every protected resource then answers 401).
 * Returns NULL with a message in err on a malformed or unreadable file. */
srv_accounts *srv_accounts_load(const char *path, char *err, size_t errsize);
void srv_accounts_free(srv_accounts *a);
size_t srv_accounts_count(const srv_accounts *a);
/* Check a password; 1 and the role when right, 0 otherwise. Thread-safe. Verified passwords
 * are remembered for a while as a keyed digest, so that Basic on every request stays cheap. */
int srv_accounts_check(srv_accounts *a, const char *user, const char *password, srv_role *role);
const char *srv_role_name(srv_role r);
srv_role srv_role_parse(const char *s);

/* `cimjob account add|remove|list` */
int cli_account(int argc, char **argv);

/* ---- the request and the response a handler sees -------------------------------------------- */

typedef struct srv_request srv_request;

struct srv_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* the decoded path, without the query */
    const char *query;  /* the raw query string, or NULL */
    const char *body;   /* the request body (NUL-terminated), or NULL */
    size_t len;         /* its length */
    const char *user;   /* the authenticated account, or NULL */
    srv_role role;      /* its role (SRV_ROLE_NONE when not authenticated) */
    int is_admin;       /* role == Administrator */
    int tls;            /* the connection is TLS */
    /* Any request header by name (case-insensitive), or NULL. */
    const char *(*header)(const srv_request *req, const char *name);
    void *conn; /* the connection, for header() */
};

/* A stream (Server-Sent Events): called repeatedly on the connection's own thread to produce
 * the next bytes. Fill buf up to max and return the count; 0 means nothing yet (call again);
 * -1 ends the stream. free_cb runs once when the connection ends. */
typedef long (*srv_stream_fn)(void *ctx, char *buf, size_t max);

/* A body of known size read in blocks (instead of body): copy up to max bytes from offset pos
 * into buf and return the count (> 0 until the end). */
typedef size_t (*srv_read_fn)(void *ctx, uint64_t pos, char *buf, size_t max);

#define SRV_MAX_HEADERS 8

typedef struct srv_response {
    int status;
    const char *content_type; /* static; NULL for no Content-Type */
    char *body;               /* malloc'd, owned by the server once returned; may be NULL */
    size_t len;
    struct {
        char name[32];
        char value[256];
    } headers[SRV_MAX_HEADERS];
    unsigned nheaders;
    srv_stream_fn stream; /* instead of body: a stream */
    void *stream_ctx;
    void (*stream_free)(void *ctx);
    srv_read_fn read; /* instead of body: len bytes read from read_ctx; read_free runs once */
    void *read_ctx;
    void (*read_free)(void *ctx);
} srv_response;

/* Add a header to a response (dropped silently past SRV_MAX_HEADERS: handlers add few). */
void srv_response_header(srv_response *resp, const char *name, const char *value);
/* A plain-text answer (errors of the server itself). */
void srv_response_text(srv_response *resp, int status, const char *text);

typedef struct serve_ctx serve_ctx;
typedef void (*srv_handler)(serve_ctx *ctx, const srv_request *req, srv_response *resp);

enum srv_route_flags {
    SRV_ROUTE_PREFIX = 1u << 0, /* match the path and everything under it */
    SRV_ROUTE_AUTH = 1u << 1,   /* the server answers 401 itself when nobody is authenticated */
};

typedef struct srv_route {
    const char *path;
    unsigned flags;
    srv_handler handler;
} srv_route;

/* ---- the server ------------------------------------------------------------------------------ */

typedef struct serve_limits {
    size_t max_body;          /* bytes; more answers 413 (default 1 MiB) */
    unsigned max_connections; /* default 64 */
    unsigned idle_timeout_s;  /* default 30 */
    size_t header_memory;     /* per connection, for headers (default 32 KiB: more answers 431) */
} serve_limits;

struct serve_ctx {
    cimjob_registry *reg;
    cimjob_redfish *redfish;
    struct cimjob_cimxml *cimxml; /* WBEM CIM-XML (cimom.c), NULL when not built */
    srv_accounts *accounts;
    const srv_route *routes;
    size_t nroutes;
    serve_limits limits;
    atomic_int stopping; /* set at shutdown: streams end */
    int verbose;
};

typedef struct srv_http srv_http;

/* Start libmicrohttpd on host:port (port 0: any; the chosen port is written back). TLS when
 * cert_pem and key_pem are given. NULL with a message in err on failure. */
srv_http *srv_http_start(serve_ctx *ctx, const char *host, unsigned *port, const char *cert_pem,
                         const char *key_pem, char *err, size_t errsize);
void srv_http_stop(srv_http *h);

/* The Redfish route (redfish_route.c): /redfish and everything under it. */
void srv_route_redfish(serve_ctx *ctx, const srv_request *req, srv_response *resp);

/* GET /ui/...: the jobs page's files (ui_route.c). */
void srv_route_ui(serve_ctx *ctx, const srv_request *req, srv_response *resp);

/* `cimjob serve` */
int cli_serve(int argc, char **argv);

/* WBEM CIM-XML at /cimom (cimom.c, with libcimjob-cimxml): the service over ctx->reg, and the
 * route. cimom_open returns 0, or -1 with a message in err. */
int cimom_open(serve_ctx *ctx, char *err, size_t errsize);
void cimom_close(serve_ctx *ctx);
void route_cimom(serve_ctx *ctx, const srv_request *req, srv_response *resp);

#endif /* CIMJOB_SERVE_H */
