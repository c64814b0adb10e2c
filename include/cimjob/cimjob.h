/**
 * @file cimjob/cimjob.h
 * @brief libcimjob: the DMTF CIM job model (CIM_Job / CIM_ConcreteJob) over real work.
 *
 * Include this one header. A minimal program:
 * @code
 * #include <cimjob/cimjob.h>
 *
 * cimjob_registry *reg;
 * cimjob_registry_new(NULL, &reg);              // the platform's process backend
 * const char *argv[] = {"sleep", "1", NULL};
 * cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
 * o.name = "nap";
 * o.argv = argv;
 * o.flags = CIMJOB_JOB_START;
 * cimjob_job *job;
 * cimjob_create(reg, &o, &job);
 * cimjob_wait(job, CIMJOB_STATES_FINAL, -1, NULL);
 * cimjob_info info = CIMJOB_INFO_INIT;
 * cimjob_query(job, &info);                     // info.job_state == CIMJOB_JOB_STATE_COMPLETED
 * cimjob_job_release(job);
 * cimjob_registry_free(reg);
 * @endcode
 *
 * - cimjob/codes.h: JobState, RequestedState and the two DMTF return-code maps.
 * - cimjob/datetime.h: CIM datetime timestamps and intervals.
 * - cimjob/job.h: registries, jobs, RequestStateChange, KillJob, waiting, callbacks.
 * - cimjob/cim_error.h: CIM_Error records, GetErrors / GetError, the message registry.
 * - cimjob/backend.h: the interface for writing a backend (jobs that are not processes).
 * - cimjob/fake.h: the fake backend with a virtual clock, for unit tests.
 * - cimjob/posix.h (include it yourself, POSIX builds only): the POSIX backend's configuration.
 */
#ifndef CIMJOB_CIMJOB_H
#define CIMJOB_CIMJOB_H

#include "common.h"
#include "codes.h"
#include "datetime.h"
#include "job.h"
#include "cim_error.h"
#include "backend.h"
#include "fake.h"

#endif /* CIMJOB_CIMJOB_H */
