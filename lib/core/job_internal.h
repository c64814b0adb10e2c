/* What the job_*.c files share with each other (the rest of the core sees internal.h only). */
#ifndef CIMJOB_CORE_JOB_INTERNAL_H
#define CIMJOB_CORE_JOB_INTERNAL_H

#include "internal.h"
#include "state.h"

/* Depth of backend slot calls made by the core on this thread: a report made from inside one
 * must not run callbacks (the caller may hold the pump). job_slot.c */
extern _Thread_local int cimjob__in_backend;

/* JobStatus of a job in the run queue. */
#define CIMJOB__QUEUE_WAIT_TEXT "Waiting for a run slot (the registry's limit of running jobs)"

typedef cimjob_rc (*cimjob__slot_fn)(void *state, void *job_state);

/* One RequestStateChange or KillJob, as the entry points checked it. */
typedef struct cimjob__request {
    int requested;
    uint64_t timeout_us;
    unsigned int flags;
    int kill_job;       /* called as KillJob */
    int delete_on_kill; /* KillJob's DeleteOnKill */
    int admitted;       /* a Start the run queue already admitted */
} cimjob__request;

/* What an action left to do: answer at once, or wait for the job's end within the bound. */
typedef struct cimjob__outcome {
    int rsc;
    int waits;
} cimjob__outcome;

/* job_transition.c */
/* Replace a text property (ErrorDescription, JobStatus), cut to CIMJOB_TEXT_MAX bytes, bytes
 * that are not UTF-8 replaced; "" frees it. With job->lock held. Returns -1 when memory runs
 * out (the old text is then gone). */
int cimjob__job_set_text(char **field, const char *text);
/* The new state, its indication and the properties changed with it (job->lock held). */
void cimjob__job_set_state(cimjob_job *job, cimjob_job_state st);
/* The job has ended (r: the backend's result, or NULL): its final state (job->lock held). */
void cimjob__job_finalize(cimjob_job *job, const cimjob_backend_result *r);
/* Retention and the run queue once the job has ended; no job lock held. */
void cimjob__job_after_end(cimjob_job *job);

/* job_slot.c */
/* Call a request slot, serialised per job; success when the job has no backend state left. */
cimjob_rc cimjob__job_call_slot(cimjob_job *job, cimjob__slot_fn slot);
void cimjob__job_schedule_kill_retry(cimjob_job *job, int retries);
/* Shutting Down and its timers after a successful kill or terminate slot (no lock held). */
void cimjob__job_begin_shutdown(cimjob_job *job, int kill, uint64_t timeout_us);
/* The Terminate grace: the request's TimeoutPeriod, or the registry's default. */
uint64_t cimjob__job_terminate_timeout(cimjob_job *job, uint64_t timeout_us);
/* Start the work (job->busy taken, no lock held); returns the RequestStateChange code. */
int cimjob__job_spawn(cimjob_job *job, uint64_t timeout_us);

/* job_wait.c: wait until the state is in mask, the job is removed, or the monotonic deadline
 * (-1: none). */
cimjob_rc cimjob__job_wait_state(cimjob_job *job, uint32_t mask, int64_t deadline,
                                 cimjob_job_state *state);

/* job_act.c: the actions, entered with job->lock held and returning with it released. */
cimjob__outcome cimjob__act_end_unstarted(cimjob_job *job, const cimjob__request *rq);
cimjob__outcome cimjob__act_pend(cimjob_job *job, const cimjob__request *rq, cimjob__action action);
cimjob__outcome cimjob__act_start(cimjob_job *job, const cimjob__request *rq);
cimjob__outcome cimjob__act_pause_resume(cimjob_job *job, cimjob__action action);
cimjob__outcome cimjob__act_stop(cimjob_job *job, const cimjob__request *rq, int kill,
                                 int prev_delete_on_kill, int prev_keep);

/* job_request.c */
/* Decide, act, await: the RequestStateChange code (no lock held). */
int cimjob__job_request(cimjob_job *job, const cimjob__request *rq);
/* Terminate and Kill: wait for the end within the request's bound, then answer. */
int cimjob__job_wait_for_end(cimjob_job *job, const cimjob__request *rq);
/* A request that failed on a live job becomes a CIM_Error of the job (no lock held). */
void cimjob__job_record_request_error(cimjob_job *job, const char *what, int requested,
                                      uint64_t timeout_us, int rsc);
/* Version, flags and TimeoutPeriod of request options; 0 (and the error set) when bad. */
int cimjob__check_request_options(const cimjob_request_options *opts, const char *fn);

#endif
