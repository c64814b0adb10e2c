/*
 * cimxml-bench: GetInstance and EnumerateInstances over CIM-XML with 1 000 and 10 000 jobs,
 * against the same server answering a prebuilt response of the same bytes, in the same run.
 *
 * The server is `cimjob serve`'s own HTTP layer (examples/cimjob/http.c: libmicrohttpd, thread
 * per connection) with two routes: /cimom (examples/cimjob/cimom.c, libcimjob-cimxml over a
 * registry of N Running jobs on the fake backend, created by StartJob through the service) and
 * /prebuilt (the body /cimom gave for the same request, captured once, copied into each
 * response's buffer as a route with a buffer body does; /cimom answers EnumerateInstances over
 * 64 KiB as a pieced body read out in 1 MiB blocks instead, GetInstance as a buffer). Clients: C
 * threads, one kept-alive loopback connection each, POSTing wbemcli's own request documents. The
 * two arms alternate in rounds.
 *
 * wbemcli sends the same bytes for the same operation (MESSAGE ID is always 4711), so the
 * library reads each document once and reuses its tree (lib/cimxml/reqcache.c). --vary-id gives
 * every request of both arms its own 4-digit MESSAGE ID instead, as clients that count their
 * messages do (pywbem), so that every request is read by libxml2.
 *
 *   cimxml-bench [--quick] [--seconds S] [--clients C] [--jobs N[,N...]] [--ops gi,ei]
 *                [--vary-id] [--in-process]
 *
 * --in-process skips HTTP: one thread calls cimjob_cimxml_handle_pieces() for wbemcli's
 * EnumerateInstances and reads the pieced body out in 1 MiB blocks, as the server does, and
 * prints the microseconds per request of each step beside a memcpy() of the same bytes.
 *
 * Prints, per operation and job count: requests/s, p50 and p99 latency, response bytes and the
 * process's CPU time per request of each arm, the ratio cimom / prebuilt of requests/s (the
 * goal: >= 0.8) and that of CPU time per request (prebuilt / cimom).
 */
#include "serve.h"

#include <cimjob/cimxml.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char *bench_prebuilt;
static size_t bench_prebuilt_len;

static void route_prebuilt(serve_ctx *ctx, const srv_request *req, srv_response *resp)
{
    (void)ctx;
    (void)req;
    resp->body = malloc(bench_prebuilt_len);
    if (!resp->body) {
        srv_response_text(resp, 500, "out of memory\n");
        return;
    }
    memcpy(resp->body, bench_prebuilt, bench_prebuilt_len);
    resp->len = bench_prebuilt_len;
    resp->status = 200;
    resp->content_type = "application/xml; charset=\"utf-8\"";
    srv_response_header(resp, "CIMOperation", "MethodResponse");
}

static const srv_route bench_routes[] = {
    {"/cimom", 0, route_cimom},
    {"/prebuilt", 0, route_prebuilt},
};

/* The process's CPU time: per request, what an arm costs whatever else the machine runs. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define ENV_HEAD                                                                                   \
    "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">\n"   \
    "<MESSAGE ID=\"4711\" PROTOCOLVERSION=\"1.0\"><SIMPLEREQ>"
#define ENV_TAIL "</SIMPLEREQ>\n</MESSAGE></CIM>"
#define NS                                                                                         \
    "<LOCALNAMESPACEPATH><NAMESPACE NAME=\"root\"></NAMESPACE><NAMESPACE "                         \
    "NAME=\"cimv2\"></NAMESPACE></LOCALNAMESPACEPATH>\n"

typedef struct bench_client {
    unsigned port;
    const char *path;
    const char *method;
    const char *body;
    double until;
    double *lat; /* seconds per request */
    size_t nlat, caplat;
    size_t bytes; /* of the last response body */
    int failed;
    int vary_id; /* a new MESSAGE ID per request */
} bench_client;

static int bench_connect(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int bench_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One request on a kept-alive connection; returns the body length, or -1. */
static long bench_one(int fd, const char *req, size_t reqlen, char *buf, size_t bufsize)
{
    if (bench_write_all(fd, req, reqlen) != 0)
        return -1;
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have == bufsize - 1)
            return -1;
        ssize_t r = read(fd, buf + have, bufsize - 1 - have);
        if (r <= 0)
            return -1;
        have += (size_t)r;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
        return -1;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    if (!cl || cl > end)
        return -1;
    long len = strtol(cl + 17, NULL, 10);
    size_t got = have - (size_t)(end + 4 - buf);
    while (got < (size_t)len) {
        ssize_t r = read(fd, buf, bufsize - 1);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return got == (size_t)len ? len : -1;
}

static void *bench_client_main(void *arg)
{
    bench_client *c = arg;
    char *req = NULL;
    int n = asprintf(&req,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: application/xml; "
                     "charset=\"utf-8\"\r\nConnection: Keep-Alive, TE\r\nCIMProtocolVersion: "
                     "1.0\r\nCIMOperation: MethodCall\r\nCIMMethod: %s\r\nCIMObject: "
                     "root%%2Fcimv2\r\nContent-Length: %zu\r\n\r\n%s",
                     c->path, c->port, c->method, strlen(c->body), c->body);
    size_t bufsize = 1 << 20;
    char *buf = malloc(bufsize);
    int fd = bench_connect(c->port);
    if (n < 0 || !buf || fd < 0) {
        c->failed = 1;
        goto out;
    }
    char *id = c->vary_id && n > 0 ? strstr(req, "<MESSAGE ID=\"4711\"") : NULL;
    unsigned seq = (unsigned)(uintptr_t)c % 9000; /* clients start apart */
    while (now_s() < c->until) {
        if (id) { /* 1000-9999: the response keeps its length */
            char digits[5];
            snprintf(digits, sizeof digits, "%04u", 1000 + seq++ % 9000);
            memcpy(id + 13, digits, 4);
        }
        double t0 = now_s();
        long len = bench_one(fd, req, (size_t)n, buf, bufsize);
        double t1 = now_s();
        if (len < 0) {
            c->failed = 1;
            break;
        }
        c->bytes = (size_t)len;
        if (c->nlat == c->caplat) {
            size_t nc = c->caplat ? c->caplat * 2 : 4096;
            double *nl = realloc(c->lat, nc * sizeof *nl);
            if (!nl) {
                c->failed = 1;
                break;
            }
            c->lat = nl;
            c->caplat = nc;
        }
        c->lat[c->nlat++] = t1 - t0;
    }
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(req);
    return NULL;
}

typedef struct bench_arm {
    double *lat;
    size_t nlat, caplat;
    double secs;
    double cpu; /* CPU seconds of the whole process (server and clients) */
    size_t bytes;
    int failed;
} bench_arm;

static void bench_run(bench_arm *arm, unsigned port, const char *path, const char *method,
                      const char *body, unsigned clients, double secs, int vary_id)
{
    bench_client cs[16];
    pthread_t th[16];
    memset(cs, 0, sizeof cs);
    double t0 = now_s(), c0 = cpu_s();
    for (unsigned i = 0; i < clients; i++) {
        cs[i] = (bench_client){port, path, method, body, t0 + secs, NULL, 0, 0, 0, 0, vary_id};
        pthread_create(&th[i], NULL, bench_client_main, &cs[i]);
    }
    for (unsigned i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        arm->failed |= cs[i].failed;
        arm->bytes = cs[i].bytes ? cs[i].bytes : arm->bytes;
        for (size_t k = 0; k < cs[i].nlat; k++) {
            if (arm->nlat == arm->caplat) {
                arm->caplat = arm->caplat ? arm->caplat * 2 : 4096;
                arm->lat = realloc(arm->lat, arm->caplat * sizeof *arm->lat);
                if (!arm->lat)
                    abort();
            }
            arm->lat[arm->nlat++] = cs[i].lat[k];
        }
        free(cs[i].lat);
    }
    arm->secs += now_s() - t0;
    arm->cpu += cpu_s() - c0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(bench_arm *a, double p)
{
    if (!a->nlat)
        return 0;
    qsort(a->lat, a->nlat, sizeof *a->lat, cmp_double);
    size_t i = (size_t)(p * (double)(a->nlat - 1) + 0.5);
    return a->lat[i];
}

/* Answer a request in process (StartJob, and the body the prebuilt arm serves). */
static char *bench_handle(cimjob_cimxml *svc, const char *body, size_t *len)
{
    cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
    rq.body = body;
    rq.body_len = strlen(body);
    cimjob_cimxml_response r = CIMJOB_CIMXML_RESPONSE_INIT;
    if (cimjob_cimxml_handle(svc, &rq, &r) != CIMJOB_RC_SUCCESS || r.http_status != 200)
        return NULL;
    char *copy = malloc(r.body_len + 1);
    if (copy) {
        memcpy(copy, r.body, r.body_len + 1);
        *len = r.body_len;
    }
    cimjob_cimxml_response_clear(&r);
    return copy;
}

/* --in-process: the mapping's own cost per EnumerateInstances, without HTTP or a second
 * thread (so without anything shared between cores). */
static int bench_in_process(cimjob_cimxml *svc, const char *ei, unsigned njobs)
{
    enum { CALLS = 300 };
    size_t len = 0;
    char *ref = bench_handle(svc, ei, &len);
    char *dst = ref ? malloc(len) : NULL;
    if (!dst) {
        free(ref);
        return 1;
    }
    double build = 0, read = 0;
    for (int k = 0; k < CALLS; k++) {
        cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
        rq.body = ei;
        rq.body_len = strlen(ei);
        cimjob_cimxml_response r = CIMJOB_CIMXML_RESPONSE_INIT;
        cimjob_cimxml_body *pieces = NULL;
        double t0 = now_s();
        if (cimjob_cimxml_handle_pieces(svc, &rq, &r, &pieces) != CIMJOB_RC_SUCCESS || !pieces ||
            r.body_len != len) {
            cimjob_cimxml_body_free(pieces);
            cimjob_cimxml_response_clear(&r);
            free(dst);
            free(ref);
            return 1;
        }
        double t1 = now_s();
        for (size_t at = 0; at < len;) {
            size_t want = len - at < (1u << 20) ? len - at : (1u << 20);
            at += cimjob_cimxml_body_read(pieces, at, dst + at, want);
        }
        double t2 = now_s();
        build += t1 - t0;
        read += t2 - t1;
        cimjob_cimxml_body_free(pieces);
        cimjob_cimxml_response_clear(&r);
    }
    double t3 = now_s();
    for (int k = 0; k < CALLS; k++) {
        memcpy(dst, ref, len);
#if defined(__GNUC__)
        __asm__ volatile("" : : "r"(dst) : "memory"); /* the copy is not optimised away */
#endif
    }
    double copy = now_s() - t3;
    printf("%-20s %6u | in process, us per request: build %.0f, read-out %.0f; memcpy of the "
           "same %zu bytes %.0f\n",
           "EnumerateInstances", njobs, build / CALLS * 1e6, read / CALLS * 1e6, len,
           copy / CALLS * 1e6);
    free(dst);
    free(ref);
    return 0;
}

int main(int argc, char **argv)
{
    double secs = 2.0;
    unsigned clients = 2, rounds = 3;
    unsigned counts[4] = {1000, 10000};
    size_t ncounts = 2;
    int vary_id = 0, in_process = 0, do_ops[2] = {1, 1};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            secs = 0.3;
            rounds = 1;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secs = atof(argv[++i]);
        } else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) {
            clients = (unsigned)atoi(argv[++i]);
            if (clients < 1 || clients > 16)
                clients = 2;
        } else if (strcmp(argv[i], "--vary-id") == 0) {
            vary_id = 1;
        } else if (strcmp(argv[i], "--in-process") == 0) {
            in_process = 1;
        } else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) {
            const char *o = argv[++i];
            do_ops[0] = strstr(o, "gi") != NULL;
            do_ops[1] = strstr(o, "ei") != NULL;
        } else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            ncounts = 0;
            for (char *s = strtok(argv[++i], ","); s && ncounts < 4; s = strtok(NULL, ","))
                counts[ncounts++] = (unsigned)atoi(s);
        } else {
            fprintf(stderr, "usage: cimxml-bench [--quick] [--seconds S] [--clients C] "
                            "[--jobs N[,N...]] [--ops gi,ei] [--vary-id] [--in-process]\n");
            return 2;
        }
    }
    printf("cimxml-bench: %u client connection(s), %u round(s) of %.1f s per arm%s\n", clients,
           rounds, secs, vary_id ? ", a new MESSAGE ID per request" : "");
    /* cpu us: the process's CPU time per request (server and client threads); "cpu" is the
     * prebuilt arm's over the mapping's, what the ratio tends to when both arms are CPU-bound. */
    if (!in_process)
        printf("%-20s %6s | %9s %8s %8s %10s %9s | %9s %8s %8s %9s | %6s %6s\n", "operation",
               "jobs", "cimom r/s", "p50 ms", "p99 ms", "bytes", "cpu us", "prebuilt", "p50 ms",
               "p99 ms", "cpu us", "ratio", "cpu");
    int status = 0;
    for (size_t ci = 0; ci < ncounts; ci++) {
        unsigned njobs = counts[ci];
        cimjob_fake *fake;
        cimjob_registry *reg;
        cimjob_cimxml *svc;
        cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
        if (cimjob_fake_new(0, &fake) != CIMJOB_RC_SUCCESS)
            return 1;
        ro.backend = cimjob_fake_backend(fake);
        ro.backend_config = fake;
        ro.org_id = "cimjob";
        if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS ||
            cimjob_cimxml_new(reg, NULL, &svc) != CIMJOB_RC_SUCCESS)
            return 1;
        for (unsigned j = 0; j < njobs; j++) {
            char doc[1024];
            snprintf(doc, sizeof doc,
                     ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH><LOCALNAMESPACEPATH>"
                              "<NAMESPACE NAME=\"root\"/><NAMESPACE NAME=\"cimv2\"/>"
                              "</LOCALNAMESPACEPATH><CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/>"
                              "</LOCALCLASSPATH><PARAMVALUE NAME=\"Name\"><VALUE>job%u</VALUE>"
                              "</PARAMVALUE><PARAMVALUE NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>"
                              "sleep</VALUE><VALUE>60</VALUE></VALUE.ARRAY></PARAMVALUE>"
                              "</METHODCALL>" ENV_TAIL,
                     j);
            size_t l;
            char *r = bench_handle(svc, doc, &l);
            if (!r || !strstr(r, "<VALUE>4096</VALUE>")) {
                fprintf(stderr, "cimxml-bench: StartJob failed: %s\n", r ? r : "no response");
                return 1;
            }
            free(r);
        }
        serve_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        char err[600];
        ctx.reg = reg;
        ctx.cimxml = svc;
        ctx.routes = bench_routes;
        ctx.nroutes = sizeof bench_routes / sizeof *bench_routes;
        ctx.limits = (serve_limits){1u << 20, 64, 30, 32768};
        ctx.accounts = srv_accounts_load("/nonexistent/cimxml-bench-accounts", err, sizeof err);
        unsigned port = 0;
        srv_http *http = ctx.accounts
                             ? srv_http_start(&ctx, "127.0.0.1", &port, NULL, NULL, err, sizeof err)
                             : NULL;
        if (!http) {
            fprintf(stderr, "cimxml-bench: %s\n", err);
            return 1;
        }
        char gi[2048], ei[2048];
        snprintf(gi, sizeof gi,
                 ENV_HEAD
                 "<IMETHODCALL NAME=\"GetInstance\">" NS
                 "<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE>\n"
                 "<IPARAMVALUE NAME=\"IncludeQualifiers\"><VALUE>FALSE</VALUE>"
                 "</IPARAMVALUE>\n<IPARAMVALUE NAME=\"IncludeClassOrigin\"><VALUE>TRUE"
                 "</VALUE></IPARAMVALUE>\n<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
                 "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING NAME=\"InstanceID\">"
                 "<KEYVALUE VALUETYPE=\"string\">cimjob:%s-%u</KEYVALUE></KEYBINDING>"
                 "</INSTANCENAME></IPARAMVALUE>\n</IMETHODCALL>" ENV_TAIL,
                 cimjob_registry_incarnation(reg), njobs / 2 + 1);
        snprintf(ei, sizeof ei,
                 ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS
                          "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                          "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE>\n<IPARAMVALUE "
                          "NAME=\"DeepInheritance\"><VALUE>TRUE</VALUE></IPARAMVALUE>\n"
                          "<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE>\n"
                          "<IPARAMVALUE NAME=\"IncludeQualifiers\"><VALUE>FALSE</VALUE>"
                          "</IPARAMVALUE>\n<IPARAMVALUE NAME=\"IncludeClassOrigin\"><VALUE>TRUE"
                          "</VALUE></IPARAMVALUE>\n</IMETHODCALL>" ENV_TAIL);
        struct {
            const char *name, *method, *body;
        } ops[] = {{"GetInstance", "GetInstance", gi},
                   {"EnumerateInstances", "EnumerateInstances", ei}};
        for (size_t oi = 0; oi < 2 && in_process; oi++) {
            if (do_ops[oi] && oi == 1 && bench_in_process(svc, ei, njobs) != 0) {
                fprintf(stderr, "cimxml-bench: the in-process EnumerateInstances failed\n");
                status = 1;
            }
        }
        for (size_t oi = 0; oi < 2 && !in_process; oi++) {
            if (!do_ops[oi])
                continue;
            size_t plen = 0;
            free(bench_prebuilt);
            bench_prebuilt = bench_handle(svc, ops[oi].body, &plen);
            bench_prebuilt_len = plen;
            if (!bench_prebuilt)
                return 1;
            /* Measure instances, never a CIM error (an InstanceID of another scheme). */
            if (!strstr(bench_prebuilt, "<INSTANCE ")) {
                fprintf(stderr, "cimxml-bench: %s answered no instance: %.300s\n", ops[oi].name,
                        bench_prebuilt);
                return 1;
            }
            bench_arm a = {0}, b = {0};
            for (unsigned r = 0; r < rounds; r++) {
                bench_run(&a, port, "/cimom", ops[oi].method, ops[oi].body, clients, secs, vary_id);
                bench_run(&b, port, "/prebuilt", ops[oi].method, ops[oi].body, clients, secs,
                          vary_id);
            }
            double ra = (double)a.nlat / a.secs, rb = (double)b.nlat / b.secs;
            double ca = a.nlat ? a.cpu / (double)a.nlat * 1e6 : 0,
                   cb = b.nlat ? b.cpu / (double)b.nlat * 1e6 : 0;
            printf("%-20s %6u | %9.1f %8.3f %8.3f %10zu %9.1f | %9.1f %8.3f %8.3f %9.1f | %6.2f "
                   "%6.2f%s\n",
                   ops[oi].name, njobs, ra, pct(&a, 0.5) * 1e3, pct(&a, 0.99) * 1e3, a.bytes, ca,
                   rb, pct(&b, 0.5) * 1e3, pct(&b, 0.99) * 1e3, cb, rb > 0 ? ra / rb : 0,
                   ca > 0 ? cb / ca : 0, a.failed || b.failed ? "  (a request failed)" : "");
            fflush(stdout);
            if (a.failed || b.failed || a.bytes != plen || b.bytes != plen)
                status = 1;
            free(a.lat);
            free(b.lat);
        }
        srv_http_stop(http);
        srv_accounts_free(ctx.accounts);
        cimjob_cimxml_free(svc);
        cimjob_registry_free(reg);
        cimjob_fake_free(fake);
    }
    free(bench_prebuilt);
    return status;
}
