/*
 * `cimjob timeout [OPTION] DURATION COMMAND [ARG]...`, also run as `timeout` through a link:
 * GNU coreutils timeout(1)'s interface (options, DURATION, signals, exit statuses, diagnostics),
 * with COMMAND run as a contained libcimjob job, so that nothing it started outlives cimjob.
 * The intentional differences are in docs/cimjob.1, "TIMEOUT(1) COMPATIBILITY".
 *
 * How coreutils behaves, and so how this behaves:
 *  - at DURATION (0: never) the signal (-s, default TERM) goes to COMMAND and its process group
 *    (not to processes that left it: a daemon, a nested timeout's job), followed by SIGCONT (unless
 * the signal is KILL or CONT); with --foreground to COMMAND alone. -k arms a KILL that long after
 * the first signal sent, for whatever reason.
 *  - SIGALRM sent to timeout counts as the deadline; INT, QUIT, HUP, TERM and the -s signal
 *    are passed on as themselves (once each, unless --foreground);
 *  - exit status: COMMAND's; 124 if the deadline passed (unless --preserve-status); 137 if
 *    KILL had to be sent; 125 for our own failure; 126 / 127 when COMMAND cannot be run. When
 *    COMMAND dies of a signal it was not sent by the deadline, timeout dies of the same signal
 *    (without a core dump). Without --foreground, sending KILL ends timeout too (status 137
 *    by signal), as coreutils' group-wide kill does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cli.h"

#include <cimjob/posix.h>

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

enum { OPT_FOREGROUND = 256, OPT_PRESERVE, OPT_HELP, OPT_VERSION };

typedef struct tmo {
    const char *prog;    /* the name messages start with */
    char **command;      /* COMMAND [ARG]... */
    uint64_t timeout_us; /* 0: none */
    uint64_t kill_after_us;
    int term_signal;
    int foreground, preserve, verbose;

    cimjob_registry *reg;
    cimjob_job *job;
    cli_tty tty;
    int64_t deadline;      /* monotonic us, or -1 */
    int64_t kill_deadline; /* monotonic us, or -1 */
    int timed_out;
    int saw_running;  /* the job reached Running: else its start failed */
    int self_kill;    /* KILL went to the whole group: coreutils' timeout dies of it too */
    int passed[NSIG]; /* a signal passed on to the group is ignored afterwards */
} tmo;

static void try_help(const char *prog)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", prog);
}

/* Quotes as coreutils prints them: curved in a UTF-8 locale, else apostrophes. */
static const char *lq = "'", *rq = "'";
static int utf8;

static void pick_quotes(void)
{
    const char *old = setlocale(LC_CTYPE, NULL);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", old ? old : "C");
    if (setlocale(LC_CTYPE, "") && strcmp(nl_langinfo(CODESET), "UTF-8") == 0) {
        lq = "\xe2\x80\x98";
        rq = "\xe2\x80\x99";
        utf8 = 1;
    }
    setlocale(LC_CTYPE, saved);
}

/* An operand quoted as coreutils quotes it: C escapes for control characters, octal for other
 * bytes that are not printable here (anything beyond ASCII outside a UTF-8 locale). */
static void put_quoted(FILE *out, const char *s)
{
    static const char letters[] = "\a\b\t\n\v\f\r";
    static const char names[] = "abtnvfr";
    fputs(lq, out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *c = *p ? memchr(letters, *p, sizeof letters - 1) : NULL;
        if (c)
            fprintf(out, "\\%c", names[c - letters]);
        else if (*p == '\\' || (*p == '\'' && *lq == '\''))
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8))
            fprintf(out, "\\%03o", *p);
        else
            fputc(*p, out);
    }
    fputs(rq, out);
}

static void usage(const char *prog)
{
    printf("Usage: %s [OPTION] DURATION COMMAND [ARG]...\n"
           "  or:  %s [OPTION]\n",
           prog, prog);
    fputs("Start COMMAND, and kill it if still running after DURATION; unlike coreutils'\n"
          "timeout, every process COMMAND starts is contained in a libcimjob job and ended\n"
          "when timeout returns.\n"
          "\n"
          "Mandatory arguments to long options are mandatory for short options too.\n"
          "      --preserve-status\n"
          "                 exit with COMMAND's own status, even when it timed out\n"
          "      --foreground\n"
          "                 leave the terminal's foreground to COMMAND, and signal only\n"
          "                   COMMAND at the deadline, not the other processes it started\n"
          "                   (these are still ended when COMMAND exits)\n"
          "  -k, --kill-after=DURATION\n"
          "                 send KILL too if COMMAND is still running this long after\n"
          "                   the first signal was sent\n"
          "  -s, --signal=SIGNAL\n"
          "                 the signal to send at the deadline (default TERM): a name\n"
          "                   like 'HUP' or 'SIGHUP', or a number; see 'kill -l'\n"
          "  -v, --verbose  report each signal sent at the deadline on standard error\n"
          "      --help        display this help and exit\n"
          "      --version     output version information and exit\n"
          "\n"
          "DURATION is a floating point number (decimal or hexadecimal) with an optional\n"
          "suffix: 's' seconds (the default), 'm' minutes, 'h' hours, 'd' days. 0 disables\n"
          "that timeout; values too large to count mean no deadline.\n"
          "\n"
          "The TERM signal ends a process that does not catch or block it; KILL cannot be\n"
          "caught.\n"
          "\n"
          "Exit status:\n"
          "  124  if COMMAND timed out and --preserve-status was not given\n"
          "  125  if timeout itself failed\n"
          "  126  if COMMAND was found but could not be run\n"
          "  127  if COMMAND was not found\n"
          "  137  if COMMAND (or timeout itself) was sent the KILL signal (128+9)\n"
          "  -    COMMAND's own exit status otherwise\n"
          "\n"
          "See cimjob(1), section TIMEOUT(1) COMPATIBILITY.\n",
          stdout);
}

static int stdout_ok(const char *prog)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno ? errno : EIO));
        return CLI_EXIT_FAILED;
    }
    return 0;
}

static int bad_duration(const char *prog, const char *text)
{
    fprintf(stderr, "%s: invalid time interval ", prog);
    put_quoted(stderr, text);
    fputc('\n', stderr);
    try_help(prog);
    return CLI_EXIT_FAILED;
}

/* Options and operands as coreutils' getopt_long("+k:s:v") reads them. Returns -1 to go on,
 * else the exit status. */
static int parse(tmo *t, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"kill-after", required_argument, NULL, 'k'},
        {"signal", required_argument, NULL, 's'},
        {"verbose", no_argument, NULL, 'v'},
        {"foreground", no_argument, NULL, OPT_FOREGROUND},
        {"preserve-status", no_argument, NULL, OPT_PRESERVE},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    double secs;
    int c;
    optind = 0; /* glibc: a full restart of getopt */
    opterr = 1;
    while ((c = getopt_long(argc, argv, "+k:s:v", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (cli_duration_parse(optarg, &secs) != 0)
                return bad_duration(t->prog, optarg);
            t->kill_after_us = cli_duration_us(secs);
            break;
        case 's':
            t->term_signal = cli_signal_parse(optarg);
            if (t->term_signal < 0) {
                fprintf(stderr, "%s: ", t->prog);
                put_quoted(stderr, optarg);
                fputs(": invalid signal\n", stderr);
                try_help(t->prog);
                return CLI_EXIT_FAILED;
            }
            break;
        case 'v':
            t->verbose = 1;
            break;
        case OPT_FOREGROUND:
            t->foreground = 1;
            break;
        case OPT_PRESERVE:
            t->preserve = 1;
            break;
        case OPT_HELP:
            usage(t->prog);
            return stdout_ok(t->prog);
        case OPT_VERSION:
            printf("timeout (libcimjob) %s\n"
                   "GNU coreutils timeout(1)'s interface, with every process contained.\n",
                   cimjob_version());
            return stdout_ok(t->prog);
        default: /* getopt has said what is wrong */
            try_help(t->prog);
            return CLI_EXIT_FAILED;
        }
    }
    if (argc - optind < 2) {
        try_help(t->prog);
        return CLI_EXIT_FAILED;
    }
    if (cli_duration_parse(argv[optind], &secs) != 0)
        return bad_duration(t->prog, argv[optind]);
    t->timeout_us = cli_duration_us(secs);
    t->command = argv + optind + 1;
    return -1;
}

static int64_t after(uint64_t us)
{
    return us == 0 || us >= CLI_DURATION_NEVER ? -1 : (int64_t)cli_now_us() + (int64_t)us;
}

/* coreutils' cleanup(): send @p sig as it would, arming -k on the first one. */
static void send_signal(tmo *t, int sig)
{
    if (t->kill_after_us) {
        t->kill_deadline = after(t->kill_after_us);
        t->kill_after_us = 0;
        t->term_signal = SIGKILL; /* a later deadline sends KILL */
    }
    if (t->verbose) {
        char name[CLI_SIGNAME_MAX];
        if (cli_signal_name(sig, name) != 0)
            snprintf(name, sizeof name, "%d", sig);
        fprintf(stderr, "%s: sending signal %s to command ", t->prog, name);
        put_quoted(stderr, t->command[0]);
        fputc('\n', stderr);
    }
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC | CIMJOB_REQUEST_NO_ESCALATE;
    if (t->foreground) {
        if (cimjob_posix_signal(t->job, sig, CIMJOB_POSIX_SIGNAL_MAIN) == CIMJOB_RC_NOT_SUPPORTED)
            (void)cimjob_request_state_change_ex(
                t->job, sig == SIGKILL ? CIMJOB_REQUEST_KILL : CIMJOB_REQUEST_TERMINATE, &ro);
        return;
    }
    if (sig == SIGKILL) {
        /* The whole job, at once and for sure (a cgroup's kill); and, as coreutils' kill of
         * its own group does, timeout itself once the job is gone. */
        (void)cimjob_request_state_change_ex(t->job, CIMJOB_REQUEST_KILL, &ro);
        t->self_kill = 1;
        return;
    }
    t->passed[sig] = 1;
    cimjob_rc rc = cimjob_posix_signal(t->job, sig, CIMJOB_POSIX_SIGNAL_GROUP);
    if (rc == CIMJOB_RC_NOT_SUPPORTED) {
        /* A containment that carries only the requests' signals: TERM to every process. */
        (void)cimjob_request_state_change_ex(t->job, CIMJOB_REQUEST_TERMINATE, &ro);
    } else if (sig != SIGCONT) {
        /* a stopped process must run to act */
        (void)cimjob_posix_signal(t->job, SIGCONT, CIMJOB_POSIX_SIGNAL_GROUP);
    }
}

static void on_change(const cimjob_event *e, void *userdata)
{
    if (e->new_state == CIMJOB_JOB_STATE_RUNNING)
        ((tmo *)userdata)->saw_running = 1;
}

static int job_final(tmo *t)
{
    return cimjob_wait(t->job, CIMJOB_STATES_FINAL, 0, NULL) == CIMJOB_RC_SUCCESS;
}

static void on_message(tmo *t, const cli_sigmsg *m)
{
    switch (m->signo) {
    case SIGCHLD:
        if (cli_tty_is_stop(m))
            cli_tty_stopped(&t->tty, t->job);
        return;
    case SIGCONT:
        cli_tty_continue(&t->tty, t->job);
        return;
    case SIGALRM:
        t->timed_out = 1;
        send_signal(t, t->term_signal);
        return;
    default:
        if (!t->passed[m->signo])
            send_signal(t, m->signo);
        return;
    }
}

static int loop(tmo *t, int sigfd)
{
    intptr_t regfd = -1;
    if (cimjob_registry_fd(t->reg, &regfd) != CIMJOB_RC_SUCCESS)
        regfd = -1;
    while (!job_final(t)) {
        int64_t now = cli_now_us();
        if (t->deadline >= 0 && now >= t->deadline) {
            t->deadline = -1;
            t->timed_out = 1;
            send_signal(t, t->term_signal);
            continue;
        }
        if (t->kill_deadline >= 0 && now >= t->kill_deadline) {
            t->kill_deadline = -1;
            t->timed_out = 1;
            send_signal(t, SIGKILL);
            continue;
        }
        int64_t wait = -1, next;
        if (cimjob_registry_next_timeout(t->reg, &next) == CIMJOB_RC_SUCCESS && next >= 0)
            wait = next;
        if (t->deadline >= 0 && (wait < 0 || t->deadline - now < wait))
            wait = t->deadline - now;
        if (t->kill_deadline >= 0 && (wait < 0 || t->kill_deadline - now < wait))
            wait = t->kill_deadline - now;
        if (regfd < 0 && (wait < 0 || wait > 50000))
            wait = 50000;
        int poll_tty = cli_tty_needs_polling(&t->tty, t->job);
        if (poll_tty && (wait < 0 || wait > CLI_TTY_POLL_US))
            wait = CLI_TTY_POLL_US;
        int ms = wait < 0 ? -1 : wait > 60000000 ? 60000 : (int)((wait + 999) / 1000);
        struct pollfd fds[2] = {{sigfd, POLLIN, 0}, {(int)regfd, POLLIN, 0}};
        int n = poll(fds, regfd >= 0 ? 2 : 1, ms);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "%s: error waiting for command: %s\n", t->prog, strerror(errno));
            return -1;
        }
        cli_sigmsg m;
        while (cli_sig_read(&m))
            on_message(t, &m);
        if (poll_tty && cli_tty_poll_stopped(&t->tty))
            cli_tty_stopped(&t->tty, t->job);
        if (cimjob_registry_dispatch(t->reg) != CIMJOB_RC_SUCCESS) {
            fprintf(stderr, "%s: error waiting for command: %s\n", t->prog, cimjob_last_error());
            return -1;
        }
    }
    return 0;
}

/* COMMAND could not be started: say why as coreutils does, with its status. */
static int start_failure(tmo *t, const cimjob_info *info)
{
    const char *why = info->error_description;
    int status = CLI_EXIT_FAILED;
    if (info->error_code == CLI_EXIT_NOT_FOUND) {
        why = strerror(ENOENT);
        status = CLI_EXIT_NOT_FOUND;
    } else if (info->error_code == CLI_EXIT_CANNOT_RUN &&
               strncmp(why, "command not executable: ", 24) == 0) {
        const char *colon = strrchr(why, ':');
        why = colon ? colon + 2 : why;
        status = CLI_EXIT_CANNOT_RUN;
    }
    fprintf(stderr, "%s: failed to run command ", t->prog);
    put_quoted(stderr, t->command[0]);
    fprintf(stderr, ": %s\n", why[0] ? why : "start failed");
    return status;
}

int cli_timeout(int argc, char **argv)
{
    tmo t;
    memset(&t, 0, sizeof t);
    t.prog = argv[0];
    pick_quotes();
    t.term_signal = SIGTERM;
    t.deadline = t.kill_deadline = -1;
    int st = parse(&t, argc, argv);
    if (st >= 0)
        return st;

    /* A group of our own, as coreutils' timeout makes: from a script, the job then cannot
     * take the terminal, and the terminal's signals reach neither; at a shell prompt we
     * already lead the foreground group, and the job gets the terminal. */
    if (!t.foreground)
        (void)setpgid(0, 0);

    int sigfd = cli_sig_open();
    if (sigfd < 0) {
        fprintf(stderr, "%s: %s\n", t.prog, strerror(errno));
        return CLI_EXIT_FAILED;
    }
    static const int caught[] = {SIGALRM, SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGCHLD};
    for (size_t i = 0; i < sizeof caught / sizeof *caught; i++)
        cli_sig_catch(caught[i]);
    if (t.term_signal > 0 && t.term_signal != SIGKILL && t.term_signal != SIGSTOP &&
        t.term_signal != SIGCHLD && t.term_signal != SIGCONT)
        cli_sig_catch(t.term_signal);
    /* COMMAND gets coreutils' signal state (CIMJOB_JOB_INHERIT_SIGNALS): what our parent
     * ignored stays ignored, except the signals caught above and TTIN/TTOU (default), and
     * the mask we inherited, less CHLD. So ALRM and CONT are unblocked only once it runs. */
    cli_sig_set(SIGTTIN, SIG_DFL);
    cli_sig_set(SIGTTOU, SIG_DFL);
    if (t.term_signal == SIGCONT)
        cli_sig_catch(SIGCONT); /* as coreutils catches its -s signal, even CONT */
    cli_sig_unblock(SIGCHLD);

    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.default_terminate_timeout_us = UINT64_MAX; /* only -k escalates */
    ro.on_state_change = on_change;
    ro.userdata = &t;
    cimjob_rc rc = cimjob_registry_new(&ro, &t.reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "%s: cannot open the process backend: %s\n", t.prog, cimjob_last_error());
        return CLI_EXIT_FAILED;
    }
    /* The job's Name (never shown by timeout): COMMAND's base name in printable ASCII, so
     * that no file name (Latin-1, control characters, too long) can make the job invalid. */
    const char *base = strrchr(t.command[0], '/');
    base = base && base[1] ? base + 1 : t.command[0];
    char name[65];
    size_t k = 0;
    for (; base[k] && k < sizeof name - 1; k++)
        name[k] = (unsigned char)base[k] >= 0x20 && (unsigned char)base[k] < 0x7f ? base[k] : '?';
    name[k] = '\0';
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = k ? name : "command";
    jo.argv = (const char *const *)t.command;
    jo.flags = CIMJOB_JOB_START | CIMJOB_JOB_DIE_WITH_HOST | CIMJOB_JOB_INHERIT_FDS |
               CIMJOB_JOB_INHERIT_SIGNALS |
               (cli_tty_wanted() ? (unsigned)CIMJOB_JOB_FOREGROUND : 0u);
    jo.delete_on_completion = 0;
    rc = cimjob_create(t.reg, &jo, &t.job);
    cli_sig_set(SIGTTIN, SIG_IGN); /* a background job reading the terminal stops, not us */
    cli_sig_set(SIGTTOU, SIG_IGN);
    cli_sig_unblock(SIGALRM);
    cli_sig_catch(SIGCONT); /* not coreutils': an ignored CONT stays ignored for COMMAND */
    cli_sig_unblock(SIGCONT);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "%s: failed to run command ", t.prog);
        put_quoted(stderr, t.command[0]);
        fprintf(stderr, ": %s\n", cimjob_last_error());
        cimjob_registry_free(t.reg);
        return CLI_EXIT_FAILED;
    }
    if (jo.flags & CIMJOB_JOB_FOREGROUND)
        cli_tty_started(&t.tty);
    t.deadline = after(t.timeout_us);

    int status, raise_sig = 0;
    cimjob_info info = CIMJOB_INFO_INIT;
    if (loop(&t, sigfd) != 0) {
        status = CLI_EXIT_FAILED;
    } else {
        cimjob_query(t.job, &info);
        if (!t.saw_running && info.job_state == CIMJOB_JOB_STATE_EXCEPTION) {
            status = start_failure(&t, &info);
        } else if (info.term_signal > 0) {
            int sig = info.term_signal;
            if (info.core_dumped)
                fprintf(stderr, "%s: the monitored command dumped core\n", t.prog);
            if (!t.timed_out)
                raise_sig = sig; /* die of it as COMMAND did */
            if (t.timed_out && sig == SIGKILL)
                t.preserve = 1; /* 137 tells a forced kill apart */
            status = 128 + sig;
        } else if (info.exit_status >= 0) {
            status = info.exit_status & 0xff;
        } else {
            status = CLI_EXIT_FAILED;
        }
        if (t.timed_out && !t.preserve)
            status = CLI_EXIT_TIMEDOUT;
    }
    cli_tty_restore(&t.tty);
    cimjob_job_release(t.job);
    (void)cimjob_registry_free(t.reg);
    /* As coreutils at exit: a diagnostic that could not be written is a failure of ours. */
    if (fflush(stderr) != 0 || ferror(stderr))
        status = CLI_EXIT_FAILED;
    if (t.self_kill)
        raise_sig = SIGKILL;
    if (raise_sig) {
        (void)prctl(PR_SET_DUMPABLE, 0); /* the signal, not a core dump of ours */
        cli_sig_set(raise_sig, SIG_DFL);
        cli_sig_unblock(raise_sig);
        raise(raise_sig);
    }
    return status;
}
