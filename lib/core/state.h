/* The CIM state table of RequestStateChange as one pure function, tested row by row. */
#ifndef CIMJOB_CORE_STATE_H
#define CIMJOB_CORE_STATE_H

#include <cimjob/codes.h>

/* What the core must do for a request that the table accepts. */
typedef enum cimjob__action {
    CIMJOB__ACT_NONE = 0,       /* answer rsc, change nothing */
    CIMJOB__ACT_SPAWN,          /* New -> Starting -> Running */
    CIMJOB__ACT_RESUME,         /* Suspended/Service -> Starting -> Running */
    CIMJOB__ACT_SUSPEND,        /* -> Suspended */
    CIMJOB__ACT_SERVICE,        /* -> Service */
    CIMJOB__ACT_TERMINATE,      /* -> Shutting Down -> Terminated (escalating at the timeout) */
    CIMJOB__ACT_KILL,           /* -> Shutting Down -> Killed */
    CIMJOB__ACT_END_UNSTARTED,  /* New -> Terminated or Killed, no backend call */
    CIMJOB__ACT_PEND_TERMINATE, /* Starting: record it; the starter applies it */
    CIMJOB__ACT_PEND_KILL       /* Starting: record it; the starter applies it */
} cimjob__action;

/* Which optional backend slots exist (a NULL slot is Not Supported). */
enum {
    CIMJOB__HAVE_TERMINATE = 1u << 0,
    CIMJOB__HAVE_KILL = 1u << 1,
    CIMJOB__HAVE_SUSPEND = 1u << 2,
    CIMJOB__HAVE_RESUME = 1u << 3,
    CIMJOB__HAVE_SERVICE = 1u << 4,
    CIMJOB__HAVE_TIMEOUT = 1u << 5 /* CIMJOB_CAP_TIMEOUT, and a kill slot to escalate with */
};

typedef struct cimjob__decision {
    int rsc; /* what to answer when action is NONE; 0 otherwise */
    cimjob__action action;
} cimjob__decision;

/*
 * Decide a RequestStateChange.
 * state:       the job's JobState.
 * busy:        a transition is in progress (treated as Starting/Shutting Down).
 * requested:   the RequestedState as given (any int).
 * have:        CIMJOB__HAVE_* bits.
 * has_timeout: a non-zero TimeoutPeriod was given.
 */
cimjob__decision cimjob__state_decide(int state, int busy, int requested, unsigned have,
                                      int has_timeout);

#endif
