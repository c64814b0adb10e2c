/*
 * Durations and signal names, read the way GNU coreutils timeout(1) reads them, for
 * `cimjob timeout` and the deadlines of `cimjob run`.
 *
 * A duration is a floating-point number as strtod() reads it (decimal, exponent, hexadecimal
 * "0x1.8p1", "inf"; leading blanks and a sign allowed) in the C locale, optionally followed by
 * one suffix letter: s (seconds, the default), m, h or d. It must not be negative or NaN. A
 * value too large for a double is not an error: it saturates (a deadline that never comes), as
 * does anything beyond what the clock can count; one too small to represent becomes 0. Zero
 * means "no deadline".
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int cli_duration_parse(const char *text, double *seconds)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text)
        return -1; /* no number at all */
    if (v != 0 && errno == ERANGE && !isinf(v))
        return -1; /* cannot happen with strtod; kept for clarity */
    if (!(v >= 0))
        return -1; /* negative or NaN (NaN compares false) */
    if (end[0] != '\0' && end[1] != '\0')
        return -1; /* more than one character after the number */
    switch (end[0]) {
    case '\0':
    case 's':
        break;
    case 'm':
        v *= 60;
        break;
    case 'h':
        v *= 60 * 60;
        break;
    case 'd':
        v *= 60 * 60 * 24;
        break;
    default:
        return -1;
    }
    *seconds = v;
    return 0;
}

uint64_t cli_duration_us(double seconds)
{
    if (!(seconds > 0))
        return 0;
    /* Round up, so that a tiny positive duration is still a deadline, not "none". */
    double us = ceil(seconds * 1e6);
    if (us >= (double)CLI_DURATION_NEVER)
        return CLI_DURATION_NEVER;
    return (uint64_t)us;
}

/* ---- signal names ---------------------------------------------------------------------------- */

/* Names in the order coreutils looks them up, so a number prints as the same name it would
 * (6 is ABRT, not IOT; 29 is POLL, not IO). Aliases a number already has come later. */
static const struct {
    const char *name;
    int num;
} signames[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"FPE", SIGFPE},   {"KILL", SIGKILL},
    {"SEGV", SIGSEGV},     {"BUS", SIGBUS},   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
    {"TERM", SIGTERM},     {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"CHLD", SIGCHLD},
    {"URG", SIGURG},       {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"CONT", SIGCONT},
    {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"SYS", SIGSYS},
#ifdef SIGPOLL
    {"POLL", SIGPOLL},
#endif
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
#ifdef SIGIOT
    {"IOT", SIGIOT},
#endif
#ifdef SIGCLD
    {"CLD", SIGCLD},
#endif
#ifdef SIGPWR
    {"PWR", SIGPWR},
#endif
    {"WINCH", SIGWINCH},
#ifdef SIGIO
    {"IO", SIGIO},
#endif
#ifdef SIGSTKFLT
    {"STKFLT", SIGSTKFLT},
#endif
    {"EXIT", 0},
};

/* A name without "SIG", upper case: its number, or -1. */
static int sig_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof signames / sizeof *signames; i++)
        if (strcmp(signames[i].name, name) == 0)
            return signames[i].num;
#ifdef SIGRTMIN
    int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
    char *end;
    if (rtmin > 0 && strncmp(name, "RTMIN", 5) == 0) {
        long n = strtol(name + 5, &end, 10);
        if (*end == '\0' && n >= 0 && n <= rtmax - rtmin)
            return rtmin + (int)n;
    } else if (rtmax > 0 && strncmp(name, "RTMAX", 5) == 0) {
        long n = strtol(name + 5, &end, 10);
        if (*end == '\0' && n >= rtmin - rtmax && n <= 0)
            return rtmax + (int)n;
    }
#endif
    return -1;
}

int cli_signal_name(int sig, char buf[CLI_SIGNAME_MAX])
{
    for (size_t i = 0; i < sizeof signames / sizeof *signames; i++)
        if (signames[i].num == sig) {
            snprintf(buf, CLI_SIGNAME_MAX, "%s", signames[i].name);
            return 0;
        }
#ifdef SIGRTMIN
    int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
    if (sig >= rtmin && sig <= rtmax) {
        int low = sig <= rtmin + (rtmax - rtmin) / 2;
        int delta = sig - (low ? rtmin : rtmax);
        if (delta)
            snprintf(buf, CLI_SIGNAME_MAX, "%s%+d", low ? "RTMIN" : "RTMAX", delta);
        else
            snprintf(buf, CLI_SIGNAME_MAX, "%s", low ? "RTMIN" : "RTMAX");
        return 0;
    }
#endif
    return -1;
}

int cli_signal_parse(const char *operand)
{
    int sig;
    if (operand[0] >= '0' && operand[0] <= '9') {
        /* A number, maybe a shell's $? for a signal (128+N, or ksh's 256+N): keep the low
         * bits the way coreutils does. */
        char *end;
        errno = 0;
        long l = strtol(operand, &end, 10);
        if (end == operand || *end || errno || l > 0x7fffffffL)
            return -1;
        sig = (int)l;
        sig &= sig >= 0xFF ? 0xFF : 0x7F;
    } else {
        char up[64];
        size_t n = strlen(operand);
        if (n >= sizeof up)
            return -1;
        for (size_t i = 0; i <= n; i++)
            up[i] = operand[i] >= 'a' && operand[i] <= 'z' ? (char)(operand[i] - 'a' + 'A')
                                                           : operand[i];
        sig = sig_from_name(up);
        if (sig < 0 && strncmp(up, "SIG", 3) == 0)
            sig = sig_from_name(up + 3);
    }
    char name[CLI_SIGNAME_MAX];
    if (sig < 0 || cli_signal_name(sig, name) != 0)
        return -1;
    return sig;
}
