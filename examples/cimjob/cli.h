/*
 * The `cimjob` command: what its source files share.
 *
 *   main.c    subcommand dispatch, `cimjob --help`, `cimjob version`
 *   run.c     `cimjob run`: options, the event loop, signal forwarding, exit statuses
 *   events.c  state changes printed as readable lines or as JSON objects (jansson)
 *   demo.c    `cimjob demo`: the README's demo on a real process tree
 *   timeout.c `cimjob timeout` (and `timeout` through a symlink): GNU timeout(1)'s interface
 *   duration.c durations and signal names read as timeout(1) reads them
 *   sigpipe.c signals as messages on a pipe the event loops poll
 *   tty.c     a job at the terminal: foreground hand-off, Ctrl-Z / fg
 *   escape.c  control characters made visible in text output
 */
#ifndef CIMJOB_CLI_H
#define CIMJOB_CLI_H

#include <cimjob/cimjob.h>

#include <stdio.h>

/* Exit statuses, as timeout(1) has them. */
#define CLI_EXIT_TIMEDOUT   124 /* ended by --terminate-after or --kill-after */
#define CLI_EXIT_FAILED     125 /* cimjob itself failed: a bad option, the spawn machinery */
#define CLI_EXIT_CANNOT_RUN 126 /* COMMAND was found but could not be executed */
#define CLI_EXIT_NOT_FOUND  127 /* COMMAND was not found */

/* How state changes are shown. */
typedef enum cli_events_mode {
    CLI_EVENTS_TEXT = 0, /* one readable line per change (default) */
    CLI_EVENTS_JSON = 1, /* one JSON object per change, with the CIM property names */
    CLI_EVENTS_NONE = 2  /* --quiet */
} cli_events_mode;

/* The event printer: the registry's state-change callback gets a pointer to one. */
typedef struct cli_events {
    cli_events_mode mode;
    FILE *out;       /* stderr for `cimjob run`, stdout for `cimjob demo` */
    const char *tag; /* the prefix of text lines ("cimjob: "), may be "" */
    long long t0_us; /* the monotonic time the lines count from */
    int brief;       /* text: no ErrorCode / JobStatus details on final states */
    int failed;      /* set when a line could not be produced (out of memory) */
} cli_events;

/* A cimjob_state_cb: print one state change (userdata is a cli_events). */
void cli_events_on_change(const cimjob_event *event, void *userdata);

/* A readable note in text mode (requests made, signals received); nothing otherwise. */
void cli_events_note(cli_events *ev, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The monotonic clock in microseconds. */
long long cli_now_us(void);

/* The usage lines of `cimjob` and of `cimjob run`. */
void cli_usage(FILE *out);
void cli_run_usage(FILE *out);

/* Subcommands: each returns the process's exit status. */
int cli_run(int argc, char **argv);
int cli_demo(int argc, char **argv);
/* argv[0] is the program name its messages start with ("timeout"). */
int cli_timeout(int argc, char **argv);

/* ---- duration.c ---- */
/* "No deadline": a duration beyond what the clock counts. */
#define CLI_DURATION_NEVER ((uint64_t)1 << 62)
/* Parse a timeout(1) DURATION into seconds: 0, or -1 if it is not one. */
int cli_duration_parse(const char *text, double *seconds);
/* Seconds to microseconds, rounded up; CLI_DURATION_NEVER when too large; 0 for 0. */
uint64_t cli_duration_us(double seconds);
#define CLI_SIGNAME_MAX 32
/* A signal's name as timeout(1) prints it ("TERM", "RTMIN+1", "EXIT" for 0): 0, or -1. */
int cli_signal_name(int sig, char buf[CLI_SIGNAME_MAX]);
/* A signal operand (name with or without SIG, any case, or number): the number, or -1. */
int cli_signal_parse(const char *operand);

/* ---- sigpipe.c ---- */
typedef struct cli_sigmsg {
    int signo;  /* the signal */
    int code;   /* si_code (CLD_STOPPED, SI_USER, ...) */
    int pid;    /* the sender, or the child for SIGCHLD */
    int status; /* SIGCHLD: the exit status or signal */
} cli_sigmsg;
/* Create the pipe (descriptors >= 3, close-on-exec); returns its read end, or -1. */
int cli_sig_open(void);
/* Deliver @p sig as a message on the pipe. */
int cli_sig_catch(int sig);
/* Read one message without blocking: 1, or 0 when there is none. */
int cli_sig_read(cli_sigmsg *m);
/* Set a plain disposition (SIG_DFL, SIG_IGN). */
void cli_sig_set(int sig, void (*handler)(int));
void cli_sig_unblock(int sig);

/* ---- tty.c ---- */
typedef struct cli_tty {
    int active;    /* the job was given the terminal */
    int suspended; /* stopped by the terminal and suspended by us */
    int own_pgrp;
    int job_pgrp;
    int containment; /* the job's, once looked up (0: not yet) */
    int pending_pid; /* a job started in the background, stopped by the terminal */
} cli_tty;
/* How often the loops look for a stop they get no SIGCHLD for (cli_tty_needs_polling). */
#define CLI_TTY_POLL_US 100000
/* Whether the job's stops at the terminal must be polled for (subreaper containment). */
int cli_tty_needs_polling(cli_tty *t, cimjob_job *job);
/* Whether the job's main process (its group's leader) is stopped now. */
int cli_tty_poll_stopped(const cli_tty *t);
/* Whether stdin is a terminal whose foreground group is ours: then start the job with
 * CIMJOB_JOB_FOREGROUND. */
int cli_tty_wanted(void);
/* After the start: note which group has the terminal now. */
void cli_tty_started(cli_tty *t);
/* Give the terminal back to our group (at the end). */
void cli_tty_restore(cli_tty *t);
/* Whether a signal message says a child stopped. */
int cli_tty_is_stop(const cli_sigmsg *m);
/* The job was stopped at the terminal: suspend it, stop ourselves, resume on SIGCONT. */
void cli_tty_stopped(cli_tty *t, cimjob_job *job);
/* We got SIGCONT: continue a job cli_tty_stopped suspended. */
void cli_tty_continue(cli_tty *t, cimjob_job *job);
/* A stop of a job that does not have the terminal: if SIGTTIN/SIGTTOU, give it the terminal
 * as soon as ours (cimjob run started with &, then fg). */
void cli_tty_background_stop(cli_tty *t, cimjob_job *job, const cli_sigmsg *m);
/* On SIGCONT: hand the terminal to such a job if we now have it. */
void cli_tty_adopt(cli_tty *t, cimjob_job *job);

/* ---- escape.c ---- */
/* Write @p s to @p out with control characters and backslashes escaped (\n, \t, \x1b). */
void cli_put_escaped(FILE *out, const char *s);

#endif /* CIMJOB_CLI_H */
