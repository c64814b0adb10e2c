/*
 * The accounts of `cimjob serve`: a text file, one account a line,
 *
 *     NAME:ROLE:HASH
 *
 * with ROLE one of Administrator, Operator, ReadOnly and HASH a crypt(5) string made by
 * libxcrypt (yescrypt, "$y$..."): salted, never the password itself. Lines starting with '#'
 * and empty lines are ignored. The file is written by `cimjob account add` (0600, replaced
 * atomically) and read once when the server starts.
 *
 * yescrypt costs tens of milliseconds on purpose. HTTP Basic sends the password with every
 * request, so a verified password is remembered for SRV_CACHE_SECONDS as a SHA-256 of a
 * per-process random key and the password (never the password): the next request with the
 * same password costs one hash.
 */
#include "serve.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SRV_CACHE_SECONDS 300
#define SRV_DIGEST        32

typedef struct account {
    char name[SRV_USER_MAX + 1];
    srv_role role;
    char *hash;
    unsigned char cached[SRV_DIGEST]; /* SHA-256(key || password) of the last good password */
    time_t cached_until;
} account;

struct srv_accounts {
    account *v;
    size_t n;
    unsigned char key[32];
    char *dummy; /* a hash to spend the same time on for unknown names */
    pthread_mutex_t lock;
};

static const char *const role_names[] = {"", "ReadOnly", "Operator", "Administrator"};

const char *srv_role_name(srv_role r)
{
    return (unsigned)r < 4 ? role_names[r] : "";
}

srv_role srv_role_parse(const char *s)
{
    for (unsigned i = 1; i < 4; i++)
        if (strcasecmp(s, role_names[i]) == 0)
            return (srv_role)i;
    return SRV_ROLE_NONE;
}

const char *srv_accounts_default_path(char *buf, size_t size)
{
    const char *env = getenv("CIMJOB_ACCOUNTS");
    if (env && *env)
        snprintf(buf, size, "%s", env);
    else if (geteuid() == 0)
        snprintf(buf, size, "/etc/cimjob/accounts");
    else if (getenv("XDG_CONFIG_HOME") && *getenv("XDG_CONFIG_HOME"))
        snprintf(buf, size, "%s/cimjob/accounts", getenv("XDG_CONFIG_HOME"));
    else
        snprintf(buf, size, "%s/.config/cimjob/accounts", getenv("HOME") ? getenv("HOME") : ".");
    return buf;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SRV_USER_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-' || *s == '@'))
            return 0;
    return 1;
}

void srv_accounts_free(srv_accounts *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].hash);
    free(a->v);
    free(a->dummy);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

size_t srv_accounts_count(const srv_accounts *a)
{
    return a ? a->n : 0;
}

/* Parse one line into an account; 0, or -1 with a message. */
static int parse_line(char *line, account *acc, char *err, size_t errsize)
{
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) {
        snprintf(err, errsize, "expected NAME:ROLE:HASH");
        return -1;
    }
    *c1 = *c2 = '\0';
    if (!valid_name(line)) {
        snprintf(err, errsize, "bad account name '%.64s'", line);
        return -1;
    }
    srv_role role = srv_role_parse(c1 + 1);
    if (role == SRV_ROLE_NONE) {
        snprintf(err, errsize, "unknown role '%.32s' (Administrator, Operator, ReadOnly)", c1 + 1);
        return -1;
    }
    if (c2[1] != '$') {
        snprintf(err, errsize, "the hash of '%.64s' is not a crypt(5) hash", line);
        return -1;
    }
    memset(acc, 0, sizeof *acc);
    snprintf(acc->name, sizeof acc->name, "%s", line);
    acc->role = role;
    acc->hash = strdup(c2 + 1);
    return acc->hash ? 0 : -1;
}

/* Read every line of a file into accounts; a missing file is an empty list. */
static srv_accounts *load(const char *path, int missing_ok, char *err, size_t errsize)
{
    srv_accounts *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    if (gnutls_rnd(GNUTLS_RND_KEY, a->key, sizeof a->key) != 0) {
        snprintf(err, errsize, "no random bytes");
        srv_accounts_free(a);
        return NULL;
    }
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT && missing_ok)
            return a;
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        srv_accounts_free(a);
        return NULL;
    }
    char line[1024];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        account *v = realloc(a->v, (a->n + 1) * sizeof *v);
        if (!v) {
            snprintf(err, errsize, "out of memory");
            goto fail;
        }
        a->v = v;
        char why[200];
        if (parse_line(line, &a->v[a->n], why, sizeof why) != 0) {
            snprintf(err, errsize, "%s:%u: %s", path, lineno, why);
            goto fail;
        }
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->v[i].name, a->v[a->n].name) == 0) {
                snprintf(err, errsize, "%s:%u: account '%s' given twice", path, lineno,
                         a->v[i].name);
                free(a->v[a->n].hash);
                goto fail;
            }
        a->n++;
    }
    fclose(f);
    return a;
fail:
    fclose(f);
    srv_accounts_free(a);
    return NULL;
}

static char *hash_password(const char *password);

srv_accounts *srv_accounts_load(const char *path, char *err, size_t errsize)
{
    srv_accounts *a = load(path, 1, err, errsize);
    if (a)
        a->dummy = hash_password("no such account");
    return a;
}

static void digest(const srv_accounts *a, const char *password, unsigned char out[SRV_DIGEST])
{
    size_t n = strlen(password);
    unsigned char *buf = malloc(sizeof a->key + n);
    if (!buf) {
        memset(out, 0, SRV_DIGEST);
        return;
    }
    memcpy(buf, a->key, sizeof a->key);
    memcpy(buf + sizeof a->key, password, n);
    gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, sizeof a->key + n, out);
    explicit_bzero(buf, sizeof a->key + n);
    free(buf);
}

static int equal_ct(const unsigned char *x, const unsigned char *y, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(x[i] ^ y[i]);
    return d == 0;
}

/* crypt_r() into a heap buffer (struct crypt_data is 32 KiB: too big for a thread's stack). */
static int hash_matches(const char *password, const char *hash)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return 0;
    const char *out = crypt_r(password, hash, cd);
    int ok = out && out[0] != '*' && strlen(out) == strlen(hash) &&
             equal_ct((const unsigned char *)out, (const unsigned char *)hash, strlen(hash));
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return ok;
}

int srv_accounts_check(srv_accounts *a, const char *user, const char *password, srv_role *role)
{
    if (!a || !user || !password)
        return 0;
    account *acc = NULL;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].name, user) == 0)
            acc = &a->v[i];
    if (!acc) {
        /* The same work for an unknown name, so a name cannot be probed by timing. */
        if (a->dummy)
            hash_matches(password, a->dummy);
        return 0;
    }
    unsigned char d[SRV_DIGEST];
    digest(a, password, d);
    time_t now = time(NULL);
    pthread_mutex_lock(&a->lock);
    int cached = acc->cached_until > now && equal_ct(acc->cached, d, SRV_DIGEST);
    pthread_mutex_unlock(&a->lock);
    int ok = cached || hash_matches(password, acc->hash);
    if (ok && !cached) {
        pthread_mutex_lock(&a->lock);
        memcpy(acc->cached, d, SRV_DIGEST);
        acc->cached_until = now + SRV_CACHE_SECONDS;
        pthread_mutex_unlock(&a->lock);
    }
    if (ok && role)
        *role = acc->role;
    return ok;
}

/* ---- `cimjob account` --------------------------------------------------------------------------
 */

static void account_usage(FILE *out)
{
    fputs("Usage: cimjob account add [--accounts FILE] [--role ROLE] NAME   (password on stdin)\n"
          "       cimjob account remove [--accounts FILE] NAME\n"
          "       cimjob account list [--accounts FILE]\n"
          "ROLE: Administrator, Operator (default) or ReadOnly. The password is read from the\n"
          "first line of standard input and stored as a yescrypt hash.\n"
          "FILE defaults to $CIMJOB_ACCOUNTS, else /etc/cimjob/accounts for root, else\n"
          "$XDG_CONFIG_HOME/cimjob/accounts (~/.config/cimjob/accounts).\n",
          out);
}

/* Make the directories above path (0700). */
static void make_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0700);
            *p = '/';
        }
}

/* Write the accounts to path atomically (a 0600 temporary file renamed over it). */
static int save(const srv_accounts *a, const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    make_parents(path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "cimjob account: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    fputs("# cimjob serve accounts: NAME:ROLE:HASH (written by `cimjob account`)\n", f);
    for (size_t i = 0; i < a->n; i++)
        fprintf(f, "%s:%s:%s\n", a->v[i].name, srv_role_name(a->v[i].role), a->v[i].hash);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "cimjob account: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static char *hash_password(const char *password)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
        return NULL;
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return NULL;
    const char *out = crypt_r(password, salt, cd);
    char *r = out && out[0] == '$' ? strdup(out) : NULL;
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return r;
}

int cli_account(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        account_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 125 : 0;
    }
    const char *verb = argv[1];
    char defpath[4096];
    const char *path = NULL, *name = NULL;
    srv_role role = SRV_ROLE_OPERATOR;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--accounts") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
            role = srv_role_parse(argv[++i]);
            if (role == SRV_ROLE_NONE) {
                fprintf(stderr, "cimjob account: unknown role '%s'\n", argv[i]);
                return 125;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "cimjob account: unknown option '%s'\n", argv[i]);
            account_usage(stderr);
            return 125;
        } else if (!name)
            name = argv[i];
        else {
            fprintf(stderr, "cimjob account: unexpected argument '%s'\n", argv[i]);
            return 125;
        }
    }
    if (!path)
        path = srv_accounts_default_path(defpath, sizeof defpath);
    char err[512];
    srv_accounts *a = load(path, strcmp(verb, "add") == 0, err, sizeof err);
    if (!a) {
        fprintf(stderr, "cimjob account: %s\n", err);
        return 125;
    }
    int status = 0;
    if (strcmp(verb, "list") == 0) {
        for (size_t i = 0; i < a->n; i++)
            printf("%s %s\n", a->v[i].name, srv_role_name(a->v[i].role));
    } else if (strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0) {
        if (!name || !valid_name(name)) {
            fprintf(stderr, "cimjob account: %s NAME: a name of 1..64 of [A-Za-z0-9._@-]\n", verb);
            srv_accounts_free(a);
            return 125;
        }
        size_t at = a->n;
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->v[i].name, name) == 0)
                at = i;
        if (strcmp(verb, "remove") == 0) {
            if (at == a->n) {
                fprintf(stderr, "cimjob account: no account '%s' in %s\n", name, path);
                status = 1;
            } else {
                free(a->v[at].hash);
                memmove(&a->v[at], &a->v[at + 1], (a->n - at - 1) * sizeof *a->v);
                a->n--;
                status = save(a, path) ? 125 : 0;
            }
        } else {
            char pw[1024];
            if (!fgets(pw, sizeof pw, stdin)) {
                fprintf(stderr, "cimjob account: no password on standard input\n");
                srv_accounts_free(a);
                return 125;
            }
            pw[strcspn(pw, "\r\n")] = '\0';
            if (!*pw) {
                fprintf(stderr, "cimjob account: empty password\n");
                srv_accounts_free(a);
                return 125;
            }
            char *h = hash_password(pw);
            explicit_bzero(pw, sizeof pw);
            account *v = h && at == a->n ? realloc(a->v, (a->n + 1) * sizeof *v) : a->v;
            if (!h || !v) {
                fprintf(stderr, "cimjob account: cannot hash the password\n");
                free(h);
                srv_accounts_free(a);
                return 125;
            }
            a->v = v;
            if (at == a->n) {
                memset(&a->v[at], 0, sizeof a->v[at]);
                snprintf(a->v[at].name, sizeof a->v[at].name, "%s", name);
                a->n++;
            } else
                free(a->v[at].hash);
            a->v[at].hash = h;
            a->v[at].role = role;
            status = save(a, path) ? 125 : 0;
        }
    } else {
        fprintf(stderr, "cimjob account: unknown action '%s'\n", verb);
        account_usage(stderr);
        status = 125;
    }
    srv_accounts_free(a);
    return status;
}
