/*
 * White-box: the registry's timers. A removed job's retention timer must not keep the job's
 * memory alive for TimeBeforeRemoval: the heap is compacted once removed jobs could make up
 * half of it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_common.h"

#include "internal.h"

#define NJOBS 1000

static void test_removed_jobs_leave_the_heap(void **state)
{
    (void)state;
    cimjob_fake *fake;
    cimjob_registry *reg;
    assert_int_equal(cimjob_fake_new(0, &fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);

    for (int i = 0; i < NJOBS; i++) {
        cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
        cimjob_job *job;
        jo.name = "short";
        jo.flags = CIMJOB_JOB_START; /* DeleteOnCompletion, TimeBeforeRemoval 5 min */
        assert_int_equal(cimjob_create(reg, &jo, &job), CIMJOB_RC_SUCCESS);
        assert_int_equal(cimjob_fake_finish(fake, job, 0, NULL), CIMJOB_RC_SUCCESS);
        assert_int_equal(cimjob_remove(reg, job), CIMJOB_RC_SUCCESS);
        cimjob_job_release(job);
    }
    /* Without compaction all NJOBS retention timers (and their jobs) would still be here. */
    cimjob__mutex_lock(&reg->lock);
    size_t ntimers = reg->ntimers;
    cimjob__mutex_unlock(&reg->lock);
    assert_true(ntimers < 200);

    /* A live job's retention timer survives compaction and still fires on time. */
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *keep;
    jo.name = "kept";
    jo.flags = CIMJOB_JOB_START;
    assert_int_equal(cimjob_create(reg, &jo, &keep), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_finish(fake, keep, 0, NULL), CIMJOB_RC_SUCCESS);
    for (int i = 0; i < 200; i++) {
        cimjob_job *job;
        jo.name = "more";
        assert_int_equal(cimjob_create(reg, &jo, &job), CIMJOB_RC_SUCCESS);
        cimjob_fake_finish(fake, job, 0, NULL);
        cimjob_remove(reg, job);
        cimjob_job_release(job);
    }
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(keep, &info), CIMJOB_RC_SUCCESS);
    cimjob_fake_advance(fake, CIMJOB_DEFAULT_TIME_BEFORE_REMOVAL_US - 1);
    assert_int_equal(cimjob_query(keep, &info), CIMJOB_RC_SUCCESS);
    cimjob_fake_advance(fake, 1);
    assert_int_equal(cimjob_query(keep, &info), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(keep);
    cimjob_registry_free(reg);
    cimjob_fake_free(fake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_removed_jobs_leave_the_heap),
    };
    return cmocka_run_group_tests_name("timers", tests, NULL, NULL);
}
