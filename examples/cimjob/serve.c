/*
 * `cimjob serve`: jobs on the wire for real management clients.
 *
 * The main thread owns the registry's loop (poll on its descriptor, its timers, a self-pipe for
 * SIGTERM/SIGINT/SIGHUP) and a once-a-second tick of the Redfish service; libmicrohttpd serves
 * each connection on a thread of its own and the handlers call the (thread-safe) library.
 *
 * Shutdown: stop accepting and end every stream, ask every job still running to Terminate
 * (with --shutdown-grace as its TimeoutPeriod, escalated to a kill after it), wait for them,
 * then free the registry (which kills whatever is left): no job outlives the server.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2() */
#endif
#include "serve.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SERVE_DEFAULT_HOST "127.0.0.1"
#define SERVE_DEFAULT_PORT 8000u

/*
 * THE ROUTE TABLE. One entry per protocol; the first match wins (exact paths, then prefixes in
 * order). SRV_ROUTE_AUTH makes the server answer 401 itself when nobody is authenticated;
 * without it the handler decides (Redfish leaves its service root and $metadata open).
 */
static const srv_route srv_routes[] = {
    {"/redfish", SRV_ROUTE_PREFIX, srv_route_redfish}, /* redfish_route.c */
#ifdef CIMJOB_CLI_CIMXML
    {"/cimom", SRV_ROUTE_AUTH, route_cimom}, /* WBEM CIM-XML (cimom.c) */
#endif
    {"/ui", SRV_ROUTE_PREFIX, srv_route_ui}, /* ui_route.c: the jobs page */
};

/* ---- options -------------------------------------------------------------------------------- */

static void serve_usage(FILE *out)
{
    fputs("Usage: cimjob serve [OPTIONS]\n"
          "Serve libcimjob jobs to management clients: a Redfish TaskService at /redfish/v1/.\n"
#ifdef CIMJOB_CLI_CIMXML
          "Also WBEM CIM-XML (DSP0200) at POST /cimom, e.g. for wbemcli (docs/wbem.md).\n"
#endif
          "A page of the jobs for a web browser is at /ui/.\n"
          "\n"
          "Options:\n"
          "  --listen HOST:PORT      the address to listen on (default 127.0.0.1:8000; port 0:\n"
          "                          any free port). IPv6: [::1]:PORT\n"
          "  --cert FILE --key FILE  serve HTTPS with this PEM certificate and key\n"
          "  --accounts FILE         the accounts (default: $CIMJOB_ACCOUNTS, else\n"
          "                          /etc/cimjob/accounts for root, else\n"
          "                          ~/.config/cimjob/accounts); see `cimjob account`\n"
          "  --max-body BYTES        the largest request body (default 1048576; more: 413)\n"
          "  --max-connections N     connections at once (default 64)\n"
          "  --idle-timeout SEC      close an idle connection after SEC seconds (default 30)\n"
          "  --max-tasks N           tasks at once (default 10000)\n"
          "  --terminate-timeout SEC grace of a DELETE's Terminate before a kill (default 10)\n"
          "  --shutdown-grace SEC    grace of the jobs' Terminate at shutdown (default 5)\n"
          "  --session-timeout SEC   idle sessions expire after SEC seconds (default 1800)\n"
          "  --verbose, -v           log every request on standard error\n"
          "  --help, -h              this help\n"
          "\n"
          "It prints `cimjob serve: listening on URL` on standard output once it listens.\n"
          "SIGTERM, SIGINT and SIGHUP stop it: every job it started is ended first.\n",
          out);
}

typedef struct serve_options {
    char host[64];
    unsigned port;
    const char *cert, *key, *accounts;
    serve_limits limits;
    unsigned max_tasks;
    double terminate_timeout_s, shutdown_grace_s;
    unsigned session_timeout_s;
    int verbose;
} serve_options;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
bad(const char *fmt, ...)
{
    fputs("cimjob serve: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    serve_usage(stderr);
    return -1;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (!s || !*s)
        return -1;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= 0) || v > 1e7)
        return -1;
    *out = v;
    return 0;
}

static int parse_listen(const char *s, serve_options *o)
{
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return -1;
        hl = (size_t)(rb - s - 1);
        s++;
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
    }
    unsigned long long port;
    if (hl == 0 || hl >= sizeof o->host || parse_uint(colon + 1, 65535, &port) != 0)
        return -1;
    memcpy(o->host, s, hl);
    o->host[hl] = '\0';
    o->port = (unsigned)port;
    return 0;
}

static int parse_options(int argc, char **argv, serve_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            serve_usage(stdout);
            return 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o->verbose = 1;
            continue;
        }
        if (!v)
            return bad("option '%s' needs a value", a);
        i++;
        if (strcmp(a, "--listen") == 0) {
            if (parse_listen(v, o) != 0)
                return bad("--listen: expected HOST:PORT, got '%s'", v);
        } else if (strcmp(a, "--cert") == 0)
            o->cert = v;
        else if (strcmp(a, "--key") == 0)
            o->key = v;
        else if (strcmp(a, "--accounts") == 0)
            o->accounts = v;
        else if (strcmp(a, "--max-body") == 0) {
            if (parse_uint(v, 1ull << 30, &n) != 0 || n == 0)
                return bad("--max-body: expected 1..1073741824, got '%s'", v);
            o->limits.max_body = (size_t)n;
        } else if (strcmp(a, "--max-connections") == 0) {
            if (parse_uint(v, 4096, &n) != 0 || n == 0)
                return bad("--max-connections: expected 1..4096, got '%s'", v);
            o->limits.max_connections = (unsigned)n;
        } else if (strcmp(a, "--idle-timeout") == 0) {
            if (parse_uint(v, 86400, &n) != 0 || n == 0)
                return bad("--idle-timeout: expected 1..86400 seconds, got '%s'", v);
            o->limits.idle_timeout_s = (unsigned)n;
        } else if (strcmp(a, "--max-tasks") == 0) {
            if (parse_uint(v, 10000000, &n) != 0 || n == 0)
                return bad("--max-tasks: expected 1..10000000, got '%s'", v);
            o->max_tasks = (unsigned)n;
        } else if (strcmp(a, "--session-timeout") == 0) {
            if (parse_uint(v, 86400 * 7, &n) != 0 || n == 0)
                return bad("--session-timeout: expected 1..604800 seconds, got '%s'", v);
            o->session_timeout_s = (unsigned)n;
        } else if (strcmp(a, "--terminate-timeout") == 0) {
            if (parse_seconds(v, &o->terminate_timeout_s) != 0)
                return bad("--terminate-timeout: expected seconds, got '%s'", v);
        } else if (strcmp(a, "--shutdown-grace") == 0) {
            if (parse_seconds(v, &o->shutdown_grace_s) != 0)
                return bad("--shutdown-grace: expected seconds, got '%s'", v);
        } else
            return bad("unknown option '%s'", a);
    }
    if (!o->cert != !o->key)
        return bad("%s", "--cert and --key go together");
    return 0;
}

/* ---- signals and the loop ---------------------------------------------------------------------
 */

static int serve_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    ssize_t n = write(serve_pipe[1], &b, 1);
    (void)n;
    errno = saved;
}

static int install_signals(void)
{
    if (pipe2(serve_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++)
        if (sigaction(sigs[k], &sa, NULL) != 0)
            return -1;
    /* A client that goes away mid-answer is a write error, not death by SIGPIPE. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    return 0;
}

/* The registry's callback: the Redfish service learns every change. */
static void on_change(const cimjob_event *event, void *userdata)
{
    serve_ctx *ctx = userdata;
    if (ctx->redfish)
        cimjob_redfish_on_state_change(event, ctx->redfish);
}

static int redfish_auth(const char *user, const char *password, int *role, void *userdata)
{
    serve_ctx *ctx = userdata;
    srv_role r = SRV_ROLE_NONE;
    if (!srv_accounts_check(ctx->accounts, user, password, &r))
        return 0;
    *role = (int)r;
    return 1;
}

/* Run the registry until a signal arrives. */
static void loop(serve_ctx *ctx)
{
    intptr_t regfd = -1;
    cimjob_registry_fd(ctx->reg, &regfd);
    long long next_tick = cli_now_us();
    for (;;) {
        int64_t t = -1;
        cimjob_registry_next_timeout(ctx->reg, &t);
        long long now = cli_now_us();
        if (now >= next_tick) {
            cimjob_redfish_tick(ctx->redfish);
            next_tick = now + 1000000;
        }
        long long until_tick = next_tick - now;
        if (t < 0 || t > until_tick)
            t = until_tick;
        struct pollfd fds[2] = {{serve_pipe[0], POLLIN, 0}, {(int)regfd, POLLIN, 0}};
        int r = poll(fds, regfd >= 0 ? 2 : 1, (int)((t + 999) / 1000));
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && (fds[0].revents & POLLIN)) {
            char b;
            if (read(serve_pipe[0], &b, 1) == 1) {
                fprintf(stderr, "cimjob serve: signal %d (%s): shutting down\n", b, strsignal(b));
                return;
            }
        }
        cimjob_registry_dispatch(ctx->reg);
    }
}

/* Terminate every job still running, wait up to the grace (plus the kill bound) for them. */
static void end_all_jobs(serve_ctx *ctx, double grace_s)
{
    cimjob_job **jobs = NULL;
    size_t n = 0;
    if (cimjob_registry_list(ctx->reg, &jobs, &n) != CIMJOB_RC_SUCCESS)
        return;
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    ro.timeout_us = (uint64_t)(grace_s * 1e6) + 1;
    size_t running = 0;
    for (size_t i = 0; i < n; i++) {
        cimjob_info info = CIMJOB_INFO_INIT;
        if (cimjob_query(jobs[i], &info) != CIMJOB_RC_SUCCESS ||
            (CIMJOB_STATE_BIT(info.job_state) & CIMJOB_STATES_FINAL))
            continue;
        cimjob_request_state_change_ex(jobs[i], CIMJOB_REQUEST_TERMINATE, &ro);
        running++;
    }
    if (running)
        fprintf(stderr, "cimjob serve: ending %zu job(s)\n", running);
    long long deadline = cli_now_us() + (long long)(grace_s * 1e6) + 6000000;
    for (size_t i = 0; i < n; i++) {
        long long left = deadline - cli_now_us();
        cimjob_wait(jobs[i], CIMJOB_STATES_FINAL, left > 0 ? left : 0, NULL);
    }
    cimjob_job_list_free(jobs, n);
}

static char *read_file(const char *path, char *err, size_t errsize)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (len + 1 < cap)
            break;
        cap *= 2;
        char *b = cap <= (1u << 22) ? realloc(buf, cap) : NULL;
        if (!b) {
            free(buf);
            buf = NULL;
        } else
            buf = b;
    }
    fclose(f);
    if (!buf) {
        snprintf(err, errsize, "%s: too large or out of memory", path);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

int cli_serve(int argc, char **argv)
{
    serve_options o;
    memset(&o, 0, sizeof o);
    snprintf(o.host, sizeof o.host, "%s", SERVE_DEFAULT_HOST);
    o.port = SERVE_DEFAULT_PORT;
    o.limits = (serve_limits){1u << 20, 64, 30, 32768};
    o.max_tasks = 10000;
    o.terminate_timeout_s = 10;
    o.shutdown_grace_s = 5;
    o.session_timeout_s = 1800;
    int pr = parse_options(argc, argv, &o);
    if (pr != 0)
        return pr > 0 ? 0 : CLI_EXIT_FAILED;

    char err[600], defpath[4096];
    const char *apath =
        o.accounts ? o.accounts : srv_accounts_default_path(defpath, sizeof defpath);
    serve_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.routes = srv_routes;
    ctx.nroutes = sizeof srv_routes / sizeof *srv_routes;
    ctx.limits = o.limits;
    ctx.verbose = o.verbose;
    ctx.accounts = srv_accounts_load(apath, err, sizeof err);
    if (!ctx.accounts) {
        fprintf(stderr, "cimjob serve: %s\n", err);
        return CLI_EXIT_FAILED;
    }
    if (srv_accounts_count(ctx.accounts) == 0)
        fprintf(stderr,
                "cimjob serve: no accounts in %s: every protected resource answers 401 "
                "(add one with `cimjob account add`)\n",
                apath);
    char *cert = NULL, *key = NULL;
    if (o.cert && (!(cert = read_file(o.cert, err, sizeof err)) ||
                   !(key = read_file(o.key, err, sizeof err)))) {
        fprintf(stderr, "cimjob serve: %s\n", err);
        free(cert);
        srv_accounts_free(ctx.accounts);
        return CLI_EXIT_FAILED;
    }
    int status = CLI_EXIT_FAILED;
    srv_http *http = NULL;
    if (install_signals() != 0) {
        fprintf(stderr, "cimjob serve: cannot install signal handlers: %s\n", strerror(errno));
        goto out;
    }
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.org_id = "cimjob";
    ro.on_state_change = on_change;
    ro.userdata = &ctx;
    cimjob_rc rc = cimjob_registry_new(&ro, &ctx.reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob serve: cannot create the registry: %s\n", cimjob_rc_name(rc));
        goto out;
    }
    /* Creation, removal and writable-property changes as events too (on_change forwards). */
    cimjob_registry_set_indications(ctx.reg, CIMJOB_EVENTS_ALL);
    cimjob_redfish_options fo = CIMJOB_REDFISH_OPTIONS_INIT;
    fo.registry = ctx.reg;
    fo.org_id = "cimjob";
    fo.allow_start = 1;
    fo.terminate_timeout_us = (uint64_t)(o.terminate_timeout_s * 1e6);
    fo.session_timeout_s = o.session_timeout_s;
    fo.max_tasks = o.max_tasks;
    fo.authenticate = redfish_auth;
    fo.userdata = &ctx;
    rc = cimjob_redfish_new(&fo, &ctx.redfish);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob serve: cannot create the Redfish service: %s\n",
                cimjob_rc_name(rc));
        goto out;
    }
#ifdef CIMJOB_CLI_CIMXML
    if (cimom_open(&ctx, err, sizeof err) != 0) {
        fprintf(stderr, "cimjob serve: %s\n", err);
        goto out;
    }
#endif
    unsigned port = o.port;
    http = srv_http_start(&ctx, o.host, &port, cert, key, err, sizeof err);
    if (!http) {
        fprintf(stderr, "cimjob serve: %s\n", err);
        goto out;
    }
    int v6 = strchr(o.host, ':') != NULL;
    printf("cimjob serve: listening on %s://%s%s%s:%u/redfish/v1/\n", cert ? "https" : "http",
           v6 ? "[" : "", o.host, v6 ? "]" : "", port);
    fflush(stdout);
    loop(&ctx);
    status = 0;
out:
    srv_http_stop(http); /* no new requests; streams end */
    if (ctx.reg) {
        end_all_jobs(&ctx, o.shutdown_grace_s);
        if (cimjob_registry_free(ctx.reg) != CIMJOB_RC_SUCCESS)
            fprintf(stderr, "cimjob serve: some job could not be confirmed ended\n");
        ctx.reg = NULL;
    }
    cimjob_redfish_free(ctx.redfish);
    ctx.redfish = NULL;
#ifdef CIMJOB_CLI_CIMXML
    cimom_close(&ctx);
#endif
    srv_accounts_free(ctx.accounts);
    if (key)
        explicit_bzero(key, strlen(key));
    free(cert);
    free(key);
    return status;
}
