/*
 * libFuzzer target: random sequences of API calls on the fake backend. Each byte picks an
 * operation on one of a few jobs; after every step the invariants of the CIM model are checked
 * against the library's own answers:
 * - JobState is always one of 2..12; a final state never changes again;
 * - a request on a final state answers 4097 and changes nothing (TimeOfLastStateChange too);
 * - Terminated / Killed are reached only after a Terminate / Kill request;
 * - PercentComplete stays within 0..100; the registry count matches the jobs not removed.
 */
#include <cimjob/cimjob.h>

#include <stdlib.h>
#include <string.h>

#define NJOBS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct model {
    cimjob_job *job;
    int asked_terminate, asked_kill, removed;
    int final_state;
} model;

static void check(model *m, size_t njobs, cimjob_registry *reg)
{
    size_t live = 0, count = 0;
    for (size_t i = 0; i < njobs; i++) {
        cimjob_info info = CIMJOB_INFO_INIT;
        cimjob_rc rc = cimjob_query(m[i].job, &info);
        if (rc == CIMJOB_RC_NOT_FOUND) {
            m[i].removed = 1;
            continue;
        }
        if (rc != CIMJOB_RC_SUCCESS || m[i].removed)
            abort();
        live++;
        int st = (int)info.job_state;
        if (st < 2 || st > 12 || info.percent_complete > 100)
            abort();
        if (m[i].final_state && st != m[i].final_state)
            abort();
        if (cimjob_job_state_is_final(st))
            m[i].final_state = st;
        if (st == CIMJOB_JOB_STATE_TERMINATED && !m[i].asked_terminate)
            abort();
        if (st == CIMJOB_JOB_STATE_KILLED && !m[i].asked_kill)
            abort();
    }
    if (cimjob_registry_count(reg, &count) != CIMJOB_RC_SUCCESS || count != live)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cimjob_fake *fake;
    cimjob_registry *reg;
    if (size < 1 || cimjob_fake_new(data[0] & 0x3f, &fake) != CIMJOB_RC_SUCCESS)
        return 0;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    ro.kill_timeout_us = 2000000;
    ro.default_terminate_timeout_us = 3000000;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS) {
        cimjob_fake_free(fake);
        return 0;
    }
    model m[NJOBS];
    memset(m, 0, sizeof m);
    for (int i = 0; i < NJOBS; i++) {
        cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
        uint8_t b = size > (size_t)(1 + i) ? data[1 + i] : 0;
        o.run_us = (b & 3) == 0 ? -1 : (int64_t)(b & 3) * 1000000;
        o.error_code = (b >> 2) & 1;
        o.terminate_us = (b >> 3) & 1 ? -1 : 500000;
        o.kill_us = (b >> 4) & 1 ? -1 : 0;
        o.spawn_rc = (b >> 5) == 7 ? CIMJOB_RC_FAILED : CIMJOB_RC_SUCCESS;
        o.report_progress = (b >> 6) & 1;
        cimjob_fake_push(fake, &o);
        cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
        jo.name = "fuzz";
        jo.delete_on_completion = b >> 7;
        jo.time_before_removal_us = 1000000;
        if (cimjob_create(reg, &jo, &m[i].job) != CIMJOB_RC_SUCCESS)
            abort();
    }
    check(m, NJOBS, reg);
    for (size_t k = 1 + NJOBS; k < size; k++) {
        uint8_t b = data[k];
        model *j = &m[b & (NJOBS - 1)];
        int op = b >> 2;
        cimjob_info before = CIMJOB_INFO_INIT;
        int had = cimjob_query(j->job, &before) == CIMJOB_RC_SUCCESS;
        int rsc = -1;
        cimjob_request_options opts = CIMJOB_REQUEST_OPTIONS_INIT;
        opts.flags = (op & 1) ? CIMJOB_REQUEST_ASYNC : 0;
        opts.timeout_us = (op & 2) ? 1000000 : 0;
        switch (op % 11) {
        case 0:
        case 1:
            rsc = cimjob_request_state_change_ex(j->job, CIMJOB_REQUEST_START, &opts);
            break;
        case 2:
            rsc = cimjob_request_state_change_ex(j->job, CIMJOB_REQUEST_SUSPEND, &opts);
            break;
        case 3:
            j->asked_terminate = 1;
            rsc = cimjob_request_state_change_ex(j->job, CIMJOB_REQUEST_TERMINATE, &opts);
            break;
        case 4:
            j->asked_kill = 1;
            rsc = cimjob_request_state_change_ex(j->job, CIMJOB_REQUEST_KILL, &opts);
            break;
        case 5:
            rsc = cimjob_request_state_change_ex(j->job, CIMJOB_REQUEST_SERVICE, &opts);
            break;
        case 6:
            j->asked_kill = 1;
            cimjob_kill_job(j->job, op & 1);
            break;
        case 7:
            cimjob_fake_advance(fake, (uint64_t)(op & 7) * 250000);
            break;
        case 8:
            cimjob_remove(reg, j->job);
            break;
        case 9:
            cimjob_wait(j->job, 0, 500000, NULL);
            break;
        default:
            /* Any value, valid or not: 0..8 covers reserved, every request and 7, 8. */
            j->asked_terminate |= b % 9 == CIMJOB_REQUEST_TERMINATE;
            j->asked_kill |= b % 9 == CIMJOB_REQUEST_KILL;
            rsc = cimjob_request_state_change_ex(j->job, (cimjob_requested_state)(b % 9), &opts);
            break;
        }
        if (had && cimjob_job_state_is_final((int)before.job_state) && rsc >= 0 &&
            rsc != CIMJOB_RSC_INVALID_PARAMETER && rsc != CIMJOB_RSC_NOT_SUPPORTED) {
            cimjob_info after = CIMJOB_INFO_INIT;
            if (rsc != CIMJOB_RSC_INVALID_STATE_TRANSITION)
                abort();
            if (cimjob_query(j->job, &after) == CIMJOB_RC_SUCCESS &&
                after.time_of_last_state_change_us != before.time_of_last_state_change_us)
                abort();
        }
        check(m, NJOBS, reg);
    }
    for (int i = 0; i < NJOBS; i++)
        cimjob_job_release(m[i].job);
    cimjob_registry_free(reg);
    cimjob_fake_free(fake);
    return 0;
}
