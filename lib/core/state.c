/*
 * The CIM state table of RequestStateChange (DSP1119 CIM_ConcreteJob, as the project's job
 * contract tabulates it in its section 7). Everything the core allows or refuses is decided
 * here and nowhere else.
 *
 * Order of checks: the parameter (5 or 1 for vendor values), then the state (4097 from final
 * states, 4099 while transitional, except that Kill always wins and Terminate wins over
 * Starting), then the TimeoutPeriod (4098), then the backend's slots (1).
 */
#include "state.h"

static cimjob__decision answer(int rsc)
{
    cimjob__decision d = {rsc, CIMJOB__ACT_NONE};
    return d;
}

static cimjob__decision act(cimjob__action a)
{
    cimjob__decision d = {0, a};
    return d;
}

/* An action that needs a backend slot: Not Supported without it. */
static cimjob__decision act_if(unsigned have, unsigned need, cimjob__action a)
{
    return (have & need) ? act(a) : answer(CIMJOB_RSC_NOT_SUPPORTED);
}

cimjob__decision cimjob__state_decide(int state, int busy, int requested, unsigned have,
                                      int has_timeout)
{
    if (requested >= CIMJOB_REQUEST_VENDOR_MIN && requested <= CIMJOB_REQUEST_VENDOR_MAX)
        return answer(CIMJOB_RSC_NOT_SUPPORTED);
    if (requested < CIMJOB_REQUEST_START || requested > CIMJOB_REQUEST_SERVICE)
        return answer(CIMJOB_RSC_INVALID_PARAMETER);

    if (cimjob_job_state_is_final(state))
        return answer(CIMJOB_RSC_INVALID_STATE_TRANSITION);

    if (busy || state == CIMJOB_JOB_STATE_STARTING || state == CIMJOB_JOB_STATE_SHUTTING_DOWN) {
        int starting = state == CIMJOB_JOB_STATE_STARTING;
        int kill = requested == CIMJOB_REQUEST_KILL;
        if (!kill && !(requested == CIMJOB_REQUEST_TERMINATE && starting))
            return answer(CIMJOB_RSC_BUSY);
        /* A Kill or Terminate that wins waits for the job like any other: same 4098 and slot
         * rules (a recorded request would otherwise call a missing slot later). */
        if (has_timeout && !(have & CIMJOB__HAVE_TIMEOUT))
            return answer(CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
        if (kill)
            return act_if(have, CIMJOB__HAVE_KILL,
                          starting ? CIMJOB__ACT_PEND_KILL : CIMJOB__ACT_KILL);
        return act_if(have, CIMJOB__HAVE_TERMINATE, CIMJOB__ACT_PEND_TERMINATE);
    }

    /* A TimeoutPeriod is honoured (the core bounds the wait of Terminate and Kill and checks
     * that Start, Suspend and Service completed within it, answering 3 when they did not) or
     * refused with 4098, never ignored. Ending a job never started needs no backend: it always
     * completes at once. */
    if (has_timeout && !(have & CIMJOB__HAVE_TIMEOUT) &&
        !(state == CIMJOB_JOB_STATE_NEW &&
          (requested == CIMJOB_REQUEST_TERMINATE || requested == CIMJOB_REQUEST_KILL)))
        return answer(CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);

    switch (state) {
    case CIMJOB_JOB_STATE_NEW:
        switch (requested) {
        case CIMJOB_REQUEST_START:
            return act(CIMJOB__ACT_SPAWN);
        case CIMJOB_REQUEST_TERMINATE:
        case CIMJOB_REQUEST_KILL:
            return act(CIMJOB__ACT_END_UNSTARTED);
        default: /* Suspend, Service: there is nothing to suspend or service yet */
            return answer(CIMJOB_RSC_INVALID_STATE_TRANSITION);
        }
    case CIMJOB_JOB_STATE_RUNNING:
        switch (requested) {
        case CIMJOB_REQUEST_START:
            return answer(CIMJOB_RSC_COMPLETED);
        case CIMJOB_REQUEST_SUSPEND:
            return act_if(have, CIMJOB__HAVE_SUSPEND, CIMJOB__ACT_SUSPEND);
        case CIMJOB_REQUEST_TERMINATE:
            return act_if(have, CIMJOB__HAVE_TERMINATE, CIMJOB__ACT_TERMINATE);
        case CIMJOB_REQUEST_KILL:
            return act_if(have, CIMJOB__HAVE_KILL, CIMJOB__ACT_KILL);
        default:
            return act_if(have, CIMJOB__HAVE_SERVICE, CIMJOB__ACT_SERVICE);
        }
    case CIMJOB_JOB_STATE_SUSPENDED:
        switch (requested) {
        case CIMJOB_REQUEST_START:
            return act_if(have, CIMJOB__HAVE_RESUME, CIMJOB__ACT_RESUME);
        case CIMJOB_REQUEST_SUSPEND:
            return answer(CIMJOB_RSC_COMPLETED);
        case CIMJOB_REQUEST_TERMINATE:
            return act_if(have, CIMJOB__HAVE_TERMINATE, CIMJOB__ACT_TERMINATE);
        case CIMJOB_REQUEST_KILL:
            return act_if(have, CIMJOB__HAVE_KILL, CIMJOB__ACT_KILL);
        default:
            return act_if(have, CIMJOB__HAVE_SERVICE, CIMJOB__ACT_SERVICE);
        }
    case CIMJOB_JOB_STATE_SERVICE:
        switch (requested) {
        case CIMJOB_REQUEST_START:
            return act_if(have, CIMJOB__HAVE_RESUME, CIMJOB__ACT_RESUME);
        case CIMJOB_REQUEST_SUSPEND:
            return act_if(have, CIMJOB__HAVE_SUSPEND, CIMJOB__ACT_SUSPEND);
        case CIMJOB_REQUEST_TERMINATE:
            return act_if(have, CIMJOB__HAVE_TERMINATE, CIMJOB__ACT_TERMINATE);
        case CIMJOB_REQUEST_KILL:
            return act_if(have, CIMJOB__HAVE_KILL, CIMJOB__ACT_KILL);
        default:
            return answer(CIMJOB_RSC_COMPLETED);
        }
    default: /* Query Pending (12) included: no backend can enter it (docs/cim-model.md). */
        return answer(CIMJOB_RSC_INVALID_STATE_TRANSITION);
    }
}
