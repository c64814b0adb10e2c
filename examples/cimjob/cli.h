/*
 * The `cimjob` command: what its source files share.
 *
 *   main.c    subcommand dispatch, `cimjob --help`, `cimjob version`
 *   run.c     `cimjob run`: options, the event loop, signal forwarding, exit statuses
 *   events.c  state changes printed as readable lines or as JSON objects (jansson)
 *   demo.c    `cimjob demo`: the README's demo on a real process tree
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

#endif /* CIMJOB_CLI_H */
