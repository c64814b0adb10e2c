/*
 * `cimjob run [OPTIONS] -- COMMAND [ARG...]`: run COMMAND as a CIM job, like timeout(1) but
 * leaving nothing behind.
 *
 * The shape of the program is the one any host of libcimjob can copy:
 *  - one registry, one job created with CIMJOB_JOB_START (New -> Starting -> Running);
 *  - a poll() loop over the registry's descriptor (cimjob_registry_fd) and a self-pipe that
 *    the signal handlers write to, with the registry's next timer (cimjob_registry_next_timeout)
 *    and our own deadlines as the timeout, and cimjob_registry_dispatch() after each wake-up;
 *  - requests made asynchronously (CIMJOB_REQUEST_ASYNC), so that the loop stays responsive
 *    while a Terminate waits out its TimeoutPeriod, and a second signal can still ask for Kill;
 *  - cimjob_registry_free() at the end, which ends anything that is still running.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- options -------------------------------------------------------------------------------- */

typedef struct run_options {
    const char *name;        /* --name (default: COMMAND's base name) */
    int has_terminate_after; /* --terminate-after given */
    uint64_t terminate_after_us;
    int has_kill_after; /* --kill-after given */
    uint64_t kill_after_us;
    uint64_t grace_us;      /* --grace: the Terminate's TimeoutPeriod (default 5 s) */
    cli_events_mode events; /* --events text|json, --quiet */
    const char *backend;    /* --backend NAME, NULL for the platform's default */
    int wait_all;           /* --wait-all: wait for leftovers instead of ending them */
    char **command;         /* COMMAND [ARG...], NULL-terminated (argv's own tail) */
} run_options;

void cli_run_usage(FILE *out)
{
    fputs("Usage: cimjob run [OPTIONS] [--] COMMAND [ARG...]\n"
          "Run COMMAND as a CIM job (CIM_ConcreteJob) and wait for it; like timeout(1), but\n"
          "no process of the job is left running when cimjob returns.\n"
          "\n"
          "Options:\n"
          "  --name NAME             the job's Name (default: COMMAND's base name)\n"
          "  --terminate-after SEC   after SEC seconds, RequestStateChange(Terminate) with\n"
          "                          --grace as TimeoutPeriod\n"
          "  --kill-after SEC        after SEC seconds (counted from the start, not from the\n"
          "                          Terminate), RequestStateChange(Kill)\n"
          "  --grace SEC             TimeoutPeriod of a Terminate before it is escalated to a\n"
          "                          kill (default 5)\n"
          "  --events text|json      print every state change on standard error: a readable\n"
          "                          line (default), or one JSON object a line with the CIM\n"
          "                          property names (InstanceID, Name, JobState, ...)\n"
          "  --quiet, -q             no events\n"
          "  --backend NAME          posix, win32 or fake (default: the platform's best)\n"
          "  --wait-all              when COMMAND ends, wait for the processes it left in the\n"
          "                          job instead of ending them\n"
          "  --help, -h              this help\n"
          "SEC is a duration as timeout(1) reads it: a number (0.5, 1e3, 0x10) with an\n"
          "optional suffix s, m, h or d; or a CIM interval (00000000000005.000000:000).\n"
          "--terminate-after 0 and --kill-after 0 mean no deadline.\n"
          "\n"
          "At an interactive terminal COMMAND gets the terminal's foreground: Ctrl-C reaches\n"
          "it as SIGINT, Ctrl-Z suspends the whole job (and cimjob), fg resumes it.\n"
          "COMMAND inherits the descriptors a plain exec would (none of cimjob's own).\n"
          "\n"
          "SIGINT, SIGTERM and SIGHUP sent to cimjob become a Terminate request (with --grace);\n"
          "a second one becomes a Kill.\n"
          "\n"
          "Exit status: COMMAND's own when the job Completed or ended in Exception by exit code;\n"
          "124 when ended by --terminate-after or --kill-after; 125 when cimjob failed; 126 when\n"
          "COMMAND could not be executed; 127 when it was not found; 128+N when COMMAND died of\n"
          "signal N for any other reason.\n",
          out);
}

/* A one-line error naming the option, then the usage; the caller exits with 125. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
bad_option(const char *fmt, ...)
{
    va_list ap;
    fputs("cimjob run: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    cli_usage(stderr);
    return CLI_EXIT_FAILED;
}

/* A duration as timeout(1) reads it (5, 0.5, 1.5m, 0x10, 1e3; huge values saturate), or a CIM
 * interval. */
static int parse_seconds(const char *opt, const char *text, uint64_t *us)
{
    double secs;
    if (cli_duration_parse(text, &secs) == 0) {
        *us = cli_duration_us(secs);
        return 0;
    }
    if (cimjob_duration_parse(text, us) != CIMJOB_RC_SUCCESS) {
        fprintf(stderr,
                "cimjob run: %s: '%s' is neither a duration (5, 0.5, 2m, 1h) nor a CIM interval\n",
                opt, text);
        cli_usage(stderr);
        return -1;
    }
    return 0;
}

/* Options come before COMMAND; "--" or the first word that is not an option starts it. */
static int parse_options(int argc, char **argv, run_options *o)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break; /* COMMAND */
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_run_usage(stdout);
            return -2;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->events = CLI_EVENTS_NONE;
            continue;
        }
        if (strcmp(a, "--wait-all") == 0) {
            o->wait_all = 1;
            continue;
        }
        /* Options with a value: "--opt VALUE" or "--opt=VALUE". */
        static const char *const with_value[] = {"--name",  "--terminate-after", "--kill-after",
                                                 "--grace", "--events",          "--backend"};
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const char *opt = NULL;
        for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++)
            if (strlen(with_value[k]) == len && strncmp(a, with_value[k], len) == 0)
                opt = with_value[k];
        if (!opt)
            return bad_option("unknown option '%s'", a);
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (i + 1 >= argc)
                return bad_option("option '%s' needs a value", opt);
            v = argv[++i];
        }
        if (strcmp(opt, "--name") == 0) {
            if (!*v || strlen(v) > CIMJOB_NAME_MAX)
                return bad_option("option '--name' needs 1 to 1024 bytes, got '%s'", v);
            o->name = v;
        } else if (strcmp(opt, "--terminate-after") == 0) {
            if (parse_seconds(opt, v, &o->terminate_after_us) != 0)
                return CLI_EXIT_FAILED;
            /* 0 disables it, as timeout(1)'s 0; so does a deadline too far to count */
            o->has_terminate_after =
                o->terminate_after_us > 0 && o->terminate_after_us < CLI_DURATION_NEVER;
        } else if (strcmp(opt, "--kill-after") == 0) {
            if (parse_seconds(opt, v, &o->kill_after_us) != 0)
                return CLI_EXIT_FAILED;
            o->has_kill_after = o->kill_after_us > 0 && o->kill_after_us < CLI_DURATION_NEVER;
        } else if (strcmp(opt, "--grace") == 0) {
            if (parse_seconds(opt, v, &o->grace_us) != 0)
                return CLI_EXIT_FAILED;
            if (o->grace_us >= CLI_DURATION_NEVER)
                o->grace_us = UINT64_MAX; /* never escalate */
        } else if (strcmp(opt, "--events") == 0) {
            if (strcmp(v, "text") == 0)
                o->events = CLI_EVENTS_TEXT;
            else if (strcmp(v, "json") == 0)
                o->events = CLI_EVENTS_JSON;
            else
                return bad_option("option '--events' takes text or json, not '%s'", v);
        } else {
            o->backend = v;
        }
    }
    if (i >= argc)
        return bad_option("no COMMAND given");
    o->command = argv + i;
    return 0;
}

/* ---- signals: messages on a pipe (sigpipe.c) ------------------------------------------------ */

static int install_signals(void)
{
    static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGCONT};
    if (cli_sig_open() < 0)
        return -1;
    for (size_t k = 0; k < sizeof caught / sizeof *caught; k++)
        if (cli_sig_catch(caught[k]) != 0)
            return -1;
    cli_sig_unblock(SIGCHLD);
    cli_sig_unblock(SIGCONT);
    /* Events go to stderr, maybe a pipe that closes: a write error, not death by SIGPIPE. The
     * posix backend resets every disposition in the job's processes, so they do not inherit it.
     * And when the job has the terminal, our own event lines must not stop us (TOSTOP). */
    cli_sig_set(SIGPIPE, SIG_IGN);
    cli_sig_set(SIGTTOU, SIG_IGN);
    cli_sig_set(SIGTTIN, SIG_IGN);
    return 0;
}

/* ---- the job -------------------------------------------------------------------------------- */

typedef struct run_state {
    run_options *o;
    cli_events ev;
    cimjob_registry *reg;
    cimjob_job *job;
    cimjob_fake *fake;    /* --backend fake: our own, on a virtual clock kept at real time */
    long long started_us; /* monotonic, when the job was started */
    int saw_running;      /* the job reached Running (else: a start failure) */
    int by_deadline;      /* a --terminate-after / --kill-after request took effect */
    int terminate_fired;  /* --terminate-after has fired */
    int kill_fired;       /* --kill-after has fired */
    int signals;          /* how many forwarded signals arrived */
    int first_signal;
    cli_tty tty; /* the terminal, when the job was given it */
} run_state;

static void on_change(const cimjob_event *e, void *userdata)
{
    run_state *s = userdata;
    if (e->new_state == CIMJOB_JOB_STATE_RUNNING)
        s->saw_running = 1;
    cli_events_on_change(e, &s->ev);
}

/* RequestStateChange without waiting (the loop observes the outcome); returns 1 if taken. */
static int request(run_state *s, cimjob_requested_state what, const char *why)
{
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    char period[CIMJOB_DATETIME_SIZE] = "";
    ro.flags = CIMJOB_REQUEST_ASYNC;
    if (what == CIMJOB_REQUEST_TERMINATE) {
        ro.timeout_us = s->o->grace_us;
        cimjob_interval_format(s->o->grace_us, period);
        cli_events_note(&s->ev, "%s: RequestStateChange(Terminate, TimeoutPeriod %s)", why, period);
    } else {
        cli_events_note(&s->ev, "%s: RequestStateChange(Kill)", why);
    }
    int rc = (int)cimjob_request_state_change_ex(s->job, what, &ro);
    int taken = rc == CIMJOB_RSC_COMPLETED || rc == CIMJOB_RSC_TRANSITION_STARTED ||
                rc == CIMJOB_RSC_TIMEOUT;
    if (!taken)
        cli_events_note(&s->ev, "  -> %d (%s)", rc, cimjob_rsc_rc_name(rc));
    return taken;
}

static void on_forwarded_signal(run_state *s, int sig)
{
    char why[128];
    s->signals++;
    if (s->signals == 1) {
        s->first_signal = sig;
        snprintf(why, sizeof why, "got signal %d (%s; a second one kills)", sig, strsignal(sig));
        request(s, CIMJOB_REQUEST_TERMINATE, why);
    } else if (s->signals == 2) {
        snprintf(why, sizeof why, "got a second signal %d (%s)", sig, strsignal(sig));
        request(s, CIMJOB_REQUEST_KILL, why);
    }
}

static int job_is_final(run_state *s)
{
    cimjob_job_state st;
    return cimjob_wait(s->job, CIMJOB_STATES_FINAL, 0, &st) == CIMJOB_RC_SUCCESS;
}

/* Wait for the job to end, serving signals and deadlines. Returns 0, or -1 if the loop failed. */
static int event_loop(run_state *s)
{
    intptr_t regfd = -1;
    if (!s->fake && cimjob_registry_fd(s->reg, &regfd) != CIMJOB_RC_SUCCESS)
        regfd = -1; /* a backend without a descriptor: poll on a short tick instead */
    long long last = cli_now_us();
    while (!job_is_final(s)) {
        long long now = cli_now_us();
        if (s->fake) {
            /* The fake's clock is virtual: keep it at real time, so its timers are real. */
            cimjob_fake_advance(s->fake, (uint64_t)(now - last));
            last = now;
        }
        /* Our own deadlines, counted from the start. */
        if (s->o->has_terminate_after && !s->terminate_fired &&
            now >= s->started_us + (long long)s->o->terminate_after_us) {
            s->terminate_fired = 1;
            if (request(s, CIMJOB_REQUEST_TERMINATE, "--terminate-after reached"))
                s->by_deadline = 1;
            continue;
        }
        if (s->o->has_kill_after && !s->kill_fired &&
            now >= s->started_us + (long long)s->o->kill_after_us) {
            s->kill_fired = 1;
            if (request(s, CIMJOB_REQUEST_KILL, "--kill-after reached"))
                s->by_deadline = 1;
            continue;
        }
        /* Sleep until the registry's next timer, our next deadline, a signal or a job event. */
        int64_t next;
        long long wait = -1;
        if (cimjob_registry_next_timeout(s->reg, &next) == CIMJOB_RC_SUCCESS && next >= 0)
            wait = next;
        if (s->o->has_terminate_after && !s->terminate_fired) {
            long long d = s->started_us + (long long)s->o->terminate_after_us - now;
            if (wait < 0 || d < wait)
                wait = d;
        }
        if (s->o->has_kill_after && !s->kill_fired) {
            long long d = s->started_us + (long long)s->o->kill_after_us - now;
            if (wait < 0 || d < wait)
                wait = d;
        }
        if (regfd < 0 && (wait < 0 || wait > 50000))
            wait = 50000;
        int poll_tty = cli_tty_needs_polling(&s->tty, s->job);
        /* A job stopped by the terminal in the background: `fg` gives us the terminal without
         * a signal (we were not stopped), so look for it. */
        if ((poll_tty || s->tty.pending_pid > 0) && (wait < 0 || wait > CLI_TTY_POLL_US))
            wait = CLI_TTY_POLL_US;
        int ms = wait < 0 ? -1 : wait > 60000000 ? 60000 : (int)((wait + 999) / 1000);
        struct pollfd fds[2] = {{cli_sig_open(), POLLIN, 0}, {(int)regfd, POLLIN, 0}};
        int n = poll(fds, regfd >= 0 ? 2 : 1, ms);
        if (n < 0 && errno != EINTR) {
            perror("cimjob run: poll");
            return -1;
        }
        cli_sigmsg m;
        while (n > 0 && cli_sig_read(&m)) {
            if (m.signo == SIGCHLD) {
                if (cli_tty_is_stop(&m) && s->tty.active)
                    cli_tty_stopped(&s->tty, s->job); /* Ctrl-Z: suspend all, stop ourselves */
                else if (cli_tty_is_stop(&m))
                    cli_tty_background_stop(&s->tty, s->job, &m); /* started with & */
            } else if (m.signo == SIGCONT) {
                cli_tty_continue(&s->tty, s->job); /* fg */
                cli_tty_adopt(&s->tty, s->job);
            } else {
                on_forwarded_signal(s, m.signo);
            }
        }
        if (poll_tty && cli_tty_poll_stopped(&s->tty))
            cli_tty_stopped(&s->tty, s->job);
        cli_tty_adopt(&s->tty, s->job);
        if (cimjob_registry_dispatch(s->reg) != CIMJOB_RC_SUCCESS) {
            fprintf(stderr, "cimjob run: %s\n", cimjob_last_error());
            return -1;
        }
    }
    return 0;
}

/* The exit status, following timeout(1). */
static int exit_status(run_state *s, const cimjob_info *info)
{
    cimjob_job_state st = info->job_state;
    if (s->by_deadline && (st == CIMJOB_JOB_STATE_TERMINATED || st == CIMJOB_JOB_STATE_KILLED))
        return CLI_EXIT_TIMEDOUT;
    if (!s->saw_running && st == CIMJOB_JOB_STATE_EXCEPTION) {
        /* The start failed: COMMAND not found (127), not executable (126), or our own
         * machinery (a cgroup, a fork) failed (125). */
        int status = CLI_EXIT_FAILED;
        const char *why = info->error_description[0] ? info->error_description : "start failed";
        if (info->error_code == CLI_EXIT_NOT_FOUND) {
            status = CLI_EXIT_NOT_FOUND;
            why = strerror(ENOENT);
        } else if (info->error_code == CLI_EXIT_CANNOT_RUN &&
                   strncmp(why, "command not executable: ", 24) == 0) {
            status = CLI_EXIT_CANNOT_RUN;
            why = strrchr(why, ':') + 2;
        }
        /* Said even with --quiet, as timeout(1) says it: the status alone does not tell. With
         * --events json the Exception object says it (ErrorDescription), and stderr stays one
         * JSON object a line. */
        if (s->o->events != CLI_EVENTS_JSON) {
            fputs("cimjob run: failed to run command '", stderr);
            cli_put_escaped(stderr, s->o->command[0]);
            fprintf(stderr, "': %s\n", why);
        }
        return status;
    }
    if (info->term_signal > 0)
        return 128 + info->term_signal;
    if (info->exit_status >= 0)
        return info->exit_status & 0xff;
    if (st == CIMJOB_JOB_STATE_COMPLETED)
        return 0;
    if (st == CIMJOB_JOB_STATE_EXCEPTION && info->error_code > 0 && info->error_code < 256)
        return (int)info->error_code; /* a backend without processes (fake) */
    if (s->first_signal)
        return 128 + s->first_signal; /* ended on our signal, with nothing more to say */
    return CLI_EXIT_FAILED;
}

int cli_run(int argc, char **argv)
{
    run_options o;
    memset(&o, 0, sizeof o);
    o.grace_us = 5000000;
    int prc = parse_options(argc, argv, &o);
    if (prc == -2)
        return 0; /* --help */
    if (prc != 0)
        return CLI_EXIT_FAILED;

    run_state s;
    memset(&s, 0, sizeof s);
    s.o = &o;
    s.ev.mode = o.events;
    s.ev.out = stderr;
    s.ev.tag = "cimjob: ";
    s.ev.t0_us = cli_now_us();

    /* The registry, with the backend asked for. */
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_change;
    ro.userdata = &s;
    ro.default_terminate_timeout_us = o.grace_us; /* so that --grace 0 means "kill at once" */
    if (o.backend && strcmp(o.backend, "fake") == 0) {
        /* Our own fake, so that we drive its clock: its jobs run until they are asked to end. */
        if (cimjob_fake_new(0, &s.fake) != CIMJOB_RC_SUCCESS) {
            fprintf(stderr, "cimjob run: %s\n", cimjob_last_error());
            return CLI_EXIT_FAILED;
        }
        cimjob_fake_set_auto_advance(s.fake, 0);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts); /* its timestamps: today's, not a fixed epoch */
        cimjob_fake_set_epoch(s.fake, (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
        ro.backend = cimjob_fake_backend(s.fake);
        ro.backend_config = s.fake;
    } else if (o.backend) {
        ro.backend = cimjob_backend_by_name(o.backend);
        if (!ro.backend) {
            fprintf(stderr, "cimjob run: --backend: no backend '%s' in this build\n", o.backend);
            cli_usage(stderr);
            return CLI_EXIT_FAILED;
        }
    }
    if (install_signals() != 0) {
        perror("cimjob run: signals");
        cimjob_fake_free(s.fake);
        return CLI_EXIT_FAILED;
    }
    cimjob_rc rc = cimjob_registry_new(&ro, &s.reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob run: cannot open the backend: %s (%s)\n", cimjob_rc_message(rc),
                cimjob_last_error());
        cimjob_fake_free(s.fake);
        return CLI_EXIT_FAILED;
    }

    /* The job: started at once, kept after it ends (we query it), contained as well as the
     * machine allows, and ended with us even if we are killed. */
    const char *base = strrchr(o.command[0], '/');
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = o.name ? o.name : (base && base[1] ? base + 1 : o.command[0]);
    jo.argv = (const char *const *)o.command;
    /* Like a plain exec: the caller's inheritable descriptors pass (none of ours: they are all
     * close-on-exec); at an interactive terminal the job gets the foreground. */
    jo.flags = CIMJOB_JOB_START | CIMJOB_JOB_DIE_WITH_HOST | CIMJOB_JOB_INHERIT_FDS |
               (o.wait_all ? (unsigned)CIMJOB_JOB_WAIT_FOR_ALL : 0u) |
               (o.backend == NULL || strcmp(o.backend, "posix") == 0
                    ? (cli_tty_wanted() ? (unsigned)CIMJOB_JOB_FOREGROUND : 0u)
                    : 0u);
    jo.delete_on_completion = 0;
    s.started_us = cli_now_us();
    rc = cimjob_create(s.reg, &jo, &s.job);
    char ascii_name[CIMJOB_NAME_MAX + 1];
    if (rc == CIMJOB_RC_INVALID_UTF8 && strlen(jo.name) <= CIMJOB_NAME_MAX) {
        /* CIM Names are characters: a Name from argv that is not UTF-8 (a Latin-1 file name)
         * runs under its ASCII rendering, every other byte as '?'. */
        size_t k = 0;
        for (const char *p = jo.name; *p; p++)
            ascii_name[k++] = (unsigned char)*p < 0x80 ? *p : '?';
        ascii_name[k] = '\0';
        jo.name = ascii_name;
        rc = cimjob_create(s.reg, &jo, &s.job);
    }
    if (rc == CIMJOB_RC_SUCCESS && (jo.flags & CIMJOB_JOB_FOREGROUND))
        cli_tty_started(&s.tty);
    int status;
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob run: %s (%s)\n", cimjob_rc_message(rc), cimjob_last_error());
        status = CLI_EXIT_FAILED;
    } else if (event_loop(&s) != 0) {
        status = CLI_EXIT_FAILED; /* cimjob_registry_free() below ends the job */
    } else {
        cimjob_info info = CIMJOB_INFO_INIT;
        cimjob_query(s.job, &info);
        status = exit_status(&s, &info);
    }
    cli_tty_restore(&s.tty);
    cimjob_job_release(s.job);
    if (cimjob_registry_free(s.reg) != CIMJOB_RC_SUCCESS)
        fprintf(stderr, "cimjob run: warning: some processes of the job could not be confirmed "
                        "ended\n");
    cimjob_fake_free(s.fake);
    if (s.ev.failed)
        fprintf(stderr, "cimjob run: warning: some events could not be printed\n");
    return status;
}
