/*
 * A seam between the core and a backend's own public extensions (cimjob_posix_signal()): run
 * a function on a job's per-job backend state, serialised with the job's request slots.
 * Knows nothing of any OS.
 */
#ifndef CIMJOB_CORE_BACKEND_CALL_H
#define CIMJOB_CORE_BACKEND_CALL_H

#include <cimjob/backend.h>

/*
 * Call fn(state, job_state, ctx) if @p job belongs to a registry of backend @p be and still has
 * per-job backend state (it has been started and not released), holding the job's request
 * lock so no slot or release runs meanwhile. Returns what fn returns;
 * CIMJOB_RC_INVALID_PARAMETER for NULL arguments; CIMJOB_RC_NOT_SUPPORTED when the job is of
 * another backend; CIMJOB_RC_INVALID_STATE when it has no backend state (never started, or
 * ended and released).
 */
cimjob_rc cimjob__job_backend_call(cimjob_job *job, const cimjob_backend *be,
                                   cimjob_rc (*fn)(void *state, void *job_state, void *ctx),
                                   void *ctx);

#endif /* CIMJOB_CORE_BACKEND_CALL_H */
