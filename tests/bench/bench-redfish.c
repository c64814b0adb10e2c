/*
 * bench-redfish: what the Redfish mapping costs on top of its HTTP stack.
 *
 * One process runs the server of `cimjob serve` (examples/cimjob/http.c, the same libmicrohttpd
 * configuration, HTTP Basic against a yescrypt accounts file) over a registry of N jobs (the
 * fake backend: no processes, the mapping's cost is the same), with two routes:
 *   /redfish/...  libcimjob-redfish: each answer built from the jobs (cimjob_redfish_handle)
 *   /static/...   the same bytes, rendered once before the run: the limit of this stack
 * and C clients on keep-alive connections GET one Task and the Tasks collection from each,
 * for a fixed time, in the same run. It prints requests/s, p50 and p99 latency, and the ratio
 * redfish/static for each document, and the memory the N tasks take (RSS before/after).
 *
 *   bench-redfish [JOBS=10000] [SECONDS=5] [CLIENTS=4]
 */
#include "../../examples/cimjob/cli.h"
#include "../../examples/cimjob/serve.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

long long cli_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the static route: prebuilt documents ---------------------------------------------------- */

static char *static_task, *static_tasks;
static size_t static_task_len, static_tasks_len;

static void route_static(serve_ctx *ctx, const srv_request *req, srv_response *resp)
{
    (void)ctx;
    int one = strcmp(req->path, "/static/task") == 0;
    const char *src = one ? static_task : static_tasks;
    size_t n = one ? static_task_len : static_tasks_len;
    /* The server frees what it sends, as it does for /redfish: the copy is part of the cost. */
    resp->body = malloc(n);
    if (!resp->body) {
        srv_response_text(resp, 500, "no memory\n");
        return;
    }
    memcpy(resp->body, src, n);
    resp->len = n;
    resp->status = 200;
    resp->content_type = "application/json; charset=utf-8";
    srv_response_header(resp, "OData-Version", "4.0");
}

/* The registry's callback, as in `cimjob serve`: the service keeps a record per task. */
static cimjob_redfish *bench_rf;
static void on_change(const cimjob_event *event, void *userdata)
{
    (void)userdata;
    if (bench_rf)
        cimjob_redfish_on_state_change(event, bench_rf);
}

static const srv_route routes[] = {
    {"/redfish", SRV_ROUTE_PREFIX, srv_route_redfish},
    {"/static", SRV_ROUTE_PREFIX | SRV_ROUTE_AUTH, route_static},
};

/* ---- clients ----------------------------------------------------------------------------------
 */

typedef struct client {
    pthread_t t;
    unsigned port;
    const char *path;
    long long until_us;
    long long *lat; /* latencies, us */
    size_t nlat, cap;
    int failed;
} client;

static const char auth_b64[] = "YmVuY2g6YmVuY2gtcGFzc3dvcmQ="; /* bench:bench-password */

static int connect_to(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* One GET on a keep-alive connection: read the head, then Content-Length bytes. */
static int get_once(int fd, const char *req, size_t reqlen, char *buf, size_t cap)
{
    if (write(fd, req, reqlen) != (ssize_t)reqlen)
        return -1;
    size_t have = 0;
    char *body = NULL;
    long clen = -1;
    for (;;) {
        ssize_t n = read(fd, buf + have, cap - have - 1);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        if (!body && (body = strstr(buf, "\r\n\r\n"))) {
            body += 4;
            const char *cl = strcasestr(buf, "\r\nContent-Length:");
            if (!cl || strncmp(buf, "HTTP/1.1 200", 12) != 0)
                return -1;
            clen = strtol(cl + 17, NULL, 10);
        }
        if (body && (long)(have - (size_t)(body - buf)) >= clen) {
            return 0;
        }
        if (have + 1 >= cap)
            return -1;
    }
}

static void *client_main(void *p)
{
    client *c = p;
    char req[512];
    int rl = snprintf(req, sizeof req,
                      "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic %s\r\n\r\n",
                      c->path, auth_b64);
    size_t cap = 4u << 20;
    char *buf = malloc(cap);
    int fd = connect_to(c->port);
    if (fd < 0 || !buf) {
        c->failed = 1;
        free(buf);
        return NULL;
    }
    while (cli_now_us() < c->until_us) {
        long long t0 = cli_now_us();
        if (get_once(fd, req, (size_t)rl, buf, cap) != 0) {
            c->failed = 1;
            break;
        }
        if (c->nlat == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 4096;
            long long *l = realloc(c->lat, c->cap * sizeof *l);
            if (!l) {
                c->failed = 1;
                break;
            }
            c->lat = l;
        }
        c->lat[c->nlat++] = cli_now_us() - t0;
    }
    close(fd);
    free(buf);
    return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

typedef struct result {
    double rps, p50_ms, p99_ms, cpu_us; /* cpu_us: process CPU per request (server + clients) */
} result;

static double cpu_now_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int measure(unsigned port, const char *path, int clients, double secs, result *out)
{
    client *cs = calloc((size_t)clients, sizeof *cs);
    double cpu0 = cpu_now_us();
    long long until = cli_now_us() + (long long)(secs * 1e6);
    for (int i = 0; i < clients; i++) {
        cs[i].port = port;
        cs[i].path = path;
        cs[i].until_us = until;
        pthread_create(&cs[i].t, NULL, client_main, &cs[i]);
    }
    size_t total = 0;
    int failed = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(cs[i].t, NULL);
        total += cs[i].nlat;
        failed |= cs[i].failed;
    }
    long long *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, cs[i].lat, cs[i].nlat * sizeof *all);
        k += cs[i].nlat;
        free(cs[i].lat);
    }
    qsort(all, total, sizeof *all, cmp_ll);
    out->cpu_us = total ? (cpu_now_us() - cpu0) / (double)total : 0;
    out->rps = (double)total / secs;
    out->p50_ms = total ? (double)all[total / 2] / 1000.0 : 0;
    out->p99_ms = total ? (double)all[total * 99 / 100] / 1000.0 : 0;
    free(all);
    free(cs);
    return failed || total == 0 ? -1 : 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of each figure over rounds (figure by figure). */
static result median(const result *r, int n)
{
    double v[4][16];
    for (int i = 0; i < n; i++) {
        v[0][i] = r[i].rps;
        v[1][i] = r[i].p50_ms;
        v[2][i] = r[i].p99_ms;
        v[3][i] = r[i].cpu_us;
    }
    for (int k = 0; k < 4; k++)
        qsort(v[k], (size_t)n, sizeof(double), cmp_d);
    return (result){v[0][n / 2], v[1][n / 2], v[2][n / 2], v[3][n / 2]};
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            v = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static char *fetch_redfish(cimjob_redfish *rf, const char *path, size_t *len)
{
    cimjob_redfish_request rq;
    memset(&rq, 0, sizeof rq);
    rq.version = CIMJOB_REDFISH_REQUEST_VERSION;
    rq.method = "GET";
    rq.path = path;
    rq.user = "bench";
    rq.role = CIMJOB_REDFISH_ROLE_ADMINISTRATOR;
    cimjob_redfish_response rr = CIMJOB_REDFISH_RESPONSE_INIT;
    if (cimjob_redfish_handle(rf, &rq, &rr) != CIMJOB_RC_SUCCESS || rr.status != 200) {
        cimjob_redfish_response_clear(&rr);
        return NULL;
    }
    char *b = rr.body;
    *len = rr.body_len;
    rr.body = NULL;
    return b;
}

int main(int argc, char **argv)
{
    long njobs = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    double secs = argc > 2 ? strtod(argv[2], NULL) : 5.0; /* per document and route */
    int clients = argc > 3 ? atoi(argv[3]) : 4;
    if (njobs < 1 || secs <= 0 || clients < 1) {
        fprintf(stderr, "usage: bench-redfish [JOBS] [SECONDS] [CLIENTS]\n");
        return 2;
    }
    char dir[] = "/tmp/bench-redfish-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char apath[64];
    snprintf(apath, sizeof apath, "%s/accounts", dir);
    FILE *f = fopen(apath, "we");
    struct crypt_data *cd = calloc(1, sizeof *cd);
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt);
    fprintf(f, "bench:Administrator:%s\n", crypt_r("bench-password", salt, cd));
    fclose(f);
    free(cd);

    serve_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    char err[256];
    ctx.accounts = srv_accounts_load(apath, err, sizeof err);
    unlink(apath);
    rmdir(dir);
    ctx.routes = routes;
    ctx.nroutes = 2;
    ctx.limits = (serve_limits){1u << 20, 64, 30, 32768};

    cimjob_fake *fake = NULL;
    cimjob_fake_new(0, &fake);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.org_id = "cimjob";
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    ro.on_state_change = on_change;
    if (cimjob_registry_new(&ro, &ctx.reg) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "bench-redfish: no registry\n");
        return 1;
    }
    cimjob_redfish_options fo = CIMJOB_REDFISH_OPTIONS_INIT;
    fo.registry = ctx.reg;
    fo.org_id = "cimjob";
    cimjob_redfish_new(&fo, &ctx.redfish);
    bench_rf = ctx.redfish;

    long rss0 = rss_kib();
    static const char *const args[] = {"work", NULL};
    for (long i = 0; i < njobs; i++) {
        cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
        char name[64];
        snprintf(name, sizeof name, "bench job %ld", i);
        jo.name = name;
        jo.argv = args;
        jo.owner = "bench";
        jo.flags = CIMJOB_JOB_START;
        if (cimjob_create(ctx.reg, &jo, NULL) != CIMJOB_RC_SUCCESS) {
            fprintf(stderr, "bench-redfish: create failed at %ld\n", i);
            return 1;
        }
    }
    long rss1 = rss_kib();

    char one[64];
    snprintf(one, sizeof one, "/redfish/v1/TaskService/Tasks/%ld", njobs / 2);
    static_task = fetch_redfish(ctx.redfish, one, &static_task_len);
    long long t_cold = cli_now_us();
    static_tasks = fetch_redfish(ctx.redfish, "/redfish/v1/TaskService/Tasks", &static_tasks_len);
    t_cold = cli_now_us() - t_cold;
    if (!static_task || !static_tasks) {
        fprintf(stderr, "bench-redfish: the documents could not be built\n");
        return 1;
    }

    unsigned port = 0;
    srv_http *h = srv_http_start(&ctx, "127.0.0.1", &port, NULL, NULL, err, sizeof err);
    if (!h) {
        fprintf(stderr, "bench-redfish: %s\n", err);
        return 1;
    }
    printf("bench-redfish: %ld tasks (fake backend), %d keep-alive clients, %.1f s per document "
           "and route, HTTP Basic on every request\n",
           njobs, clients, secs);
    printf("memory: %.0f bytes per task: the job, its Redfish record and its events "
           "(RSS %ld -> %ld KiB)\n",
           (double)(rss1 - rss0) * 1024.0 / (double)njobs, rss0, rss1);
    printf("the collection written from the registry (the first GET, or after the set of tasks "
           "changed): %.2f ms; later GETs copy it until the set changes\n",
           (double)t_cold / 1000.0);
    const struct {
        const char *what, *dynamic, *prebuilt;
        size_t size;
    } docs[] = {
        {"one Task", one, "/static/task", static_task_len},
        {"Tasks collection", "/redfish/v1/TaskService/Tasks", "/static/tasks", static_tasks_len}};
    /* Rounds alternate prebuilt and redfish so that both see the same load (these machines
     * are shared); each figure is the median of the rounds. */
    enum { ROUNDS = 5 };
    int status = 0;
    for (size_t d = 0; d < 2; d++) {
        result rs[ROUNDS], rd[ROUNDS];
        measure(port, docs[d].prebuilt, clients, secs / 10, &rs[0]); /* warm-up */
        measure(port, docs[d].dynamic, clients, secs / 10, &rd[0]);
        int bad = 0;
        for (int k = 0; k < ROUNDS; k++) {
            bad |= measure(port, docs[d].prebuilt, clients, secs / ROUNDS, &rs[k]);
            bad |= measure(port, docs[d].dynamic, clients, secs / ROUNDS, &rd[k]);
        }
        if (bad) {
            fprintf(stderr, "bench-redfish: a client failed on %s\n", docs[d].what);
            status = 1;
            continue;
        }
        result ms = median(rs, ROUNDS), md = median(rd, ROUNDS);
        printf(
            "%-17s %8zu bytes  prebuilt: %9.0f req/s p50 %6.3f ms p99 %6.3f ms cpu %6.1f us/req\n",
            docs[d].what, docs[d].size, ms.rps, ms.p50_ms, ms.p99_ms, ms.cpu_us);
        printf("%-17s %8s        redfish:  %9.0f req/s p50 %6.3f ms p99 %6.3f ms cpu %6.1f us/req"
               "  ratio %.2f (req/s)\n",
               "", "", md.rps, md.p50_ms, md.p99_ms, md.cpu_us, md.rps / ms.rps);
    }
    srv_http_stop(h);
    bench_rf = NULL;
    cimjob_redfish_free(ctx.redfish);
    cimjob_registry_free(ctx.reg);
    cimjob_fake_free(fake);
    srv_accounts_free(ctx.accounts);
    free(static_task);
    free(static_tasks);
    return status;
}
