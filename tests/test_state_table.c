/*
 * Suite "state-table" (white-box): every cell of the CIM state table (cim-job.md 7) through
 * the one pure function that decides it, cimjob__state_decide().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "state.h"

#define ALL                                                                                        \
    (CIMJOB__HAVE_TERMINATE | CIMJOB__HAVE_KILL | CIMJOB__HAVE_SUSPEND | CIMJOB__HAVE_RESUME |     \
     CIMJOB__HAVE_SERVICE | CIMJOB__HAVE_TIMEOUT)

/* A cell: either an action (rsc 0) or an answer (action NONE). */
#define A(act)                                                                                     \
    {                                                                                              \
        0, CIMJOB__ACT_##act                                                                       \
    }
#define R(rsc)                                                                                     \
    {                                                                                              \
        rsc, CIMJOB__ACT_NONE                                                                      \
    }

enum { START, SUSPEND, TERMINATE, KILL, SERVICE, NREQ };
static const int req_of[NREQ] = {CIMJOB_REQUEST_START, CIMJOB_REQUEST_SUSPEND,
                                 CIMJOB_REQUEST_TERMINATE, CIMJOB_REQUEST_KILL,
                                 CIMJOB_REQUEST_SERVICE};

typedef struct row {
    int state;
    cimjob__decision cell[NREQ];
} row;

/* The table with every backend slot present, typed from the spec. */
static const row table[] = {
    {CIMJOB_JOB_STATE_NEW, {A(SPAWN), R(4097), A(END_UNSTARTED), A(END_UNSTARTED), R(4097)}},
    {CIMJOB_JOB_STATE_STARTING, {R(4099), R(4099), A(PEND_TERMINATE), A(PEND_KILL), R(4099)}},
    {CIMJOB_JOB_STATE_SHUTTING_DOWN, {R(4099), R(4099), R(4099), A(KILL), R(4099)}},
    {CIMJOB_JOB_STATE_RUNNING, {R(0), A(SUSPEND), A(TERMINATE), A(KILL), A(SERVICE)}},
    {CIMJOB_JOB_STATE_SUSPENDED, {A(RESUME), R(0), A(TERMINATE), A(KILL), A(SERVICE)}},
    {CIMJOB_JOB_STATE_SERVICE, {A(RESUME), A(SUSPEND), A(TERMINATE), A(KILL), R(0)}},
    {CIMJOB_JOB_STATE_COMPLETED, {R(4097), R(4097), R(4097), R(4097), R(4097)}},
    {CIMJOB_JOB_STATE_TERMINATED, {R(4097), R(4097), R(4097), R(4097), R(4097)}},
    {CIMJOB_JOB_STATE_KILLED, {R(4097), R(4097), R(4097), R(4097), R(4097)}},
    {CIMJOB_JOB_STATE_EXCEPTION, {R(4097), R(4097), R(4097), R(4097), R(4097)}},
    /* Named by CIM but unreachable (no backend can enter it): no row, every request 4097. */
    {CIMJOB_JOB_STATE_QUERY_PENDING, {R(4097), R(4097), R(4097), R(4097), R(4097)}},
};
#define NROWS (sizeof table / sizeof table[0])

static void check(int state, int busy, int requested, unsigned have, int tmo, cimjob__decision want)
{
    cimjob__decision d = cimjob__state_decide(state, busy, requested, have, tmo);
    if (d.rsc != want.rsc || d.action != want.action)
        fail_msg("decide(state %d, busy %d, request %d, have 0x%x, timeout %d) = {rsc %d, act %d}, "
                 "want {rsc %d, act %d}",
                 state, busy, requested, have, tmo, d.rsc, (int)d.action, want.rsc,
                 (int)want.action);
}

static cimjob__decision cell(int rsc, cimjob__action a)
{
    cimjob__decision d = {rsc, a};
    return d;
}

/* Every cell, all slots present, no TimeoutPeriod, not busy. */
static void test_every_cell(void **state)
{
    (void)state;
    for (size_t r = 0; r < NROWS; r++)
        for (int c = 0; c < NREQ; c++)
            check(table[r].state, 0, req_of[c], ALL, 0, table[r].cell[c]);
}

/* The table covers all 11 JobStates exactly once. */
static void test_table_covers_all_states(void **state)
{
    (void)state;
    int seen[13] = {0};
    for (size_t r = 0; r < NROWS; r++)
        seen[table[r].state]++;
    for (int s = 2; s <= 12; s++)
        assert_int_equal(seen[s], 1);
}

/* A non-zero TimeoutPeriod changes nothing on a backend that can honour it. */
static void test_every_cell_with_timeout_capable_backend(void **state)
{
    (void)state;
    for (size_t r = 0; r < NROWS; r++)
        for (int c = 0; c < NREQ; c++)
            check(table[r].state, 0, req_of[c], ALL, 1, table[r].cell[c]);
}

/* Busy (a request is calling the backend) is Starting/Shutting Down: 4099, but Kill wins. */
static void test_busy_flag(void **state)
{
    (void)state;
    static const int live[] = {CIMJOB_JOB_STATE_RUNNING, CIMJOB_JOB_STATE_SUSPENDED,
                               CIMJOB_JOB_STATE_SERVICE, CIMJOB_JOB_STATE_SHUTTING_DOWN};
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
        check(live[i], 1, CIMJOB_REQUEST_START, ALL, 0, cell(4099, CIMJOB__ACT_NONE));
        check(live[i], 1, CIMJOB_REQUEST_SUSPEND, ALL, 0, cell(4099, CIMJOB__ACT_NONE));
        check(live[i], 1, CIMJOB_REQUEST_TERMINATE, ALL, 0, cell(4099, CIMJOB__ACT_NONE));
        check(live[i], 1, CIMJOB_REQUEST_SERVICE, ALL, 0, cell(4099, CIMJOB__ACT_NONE));
        check(live[i], 1, CIMJOB_REQUEST_KILL, ALL, 0, cell(0, CIMJOB__ACT_KILL));
    }
    /* Busy while Starting: Terminate and Kill are recorded for the starter to apply. */
    check(CIMJOB_JOB_STATE_STARTING, 1, CIMJOB_REQUEST_TERMINATE, ALL, 0,
          cell(0, CIMJOB__ACT_PEND_TERMINATE));
    check(CIMJOB_JOB_STATE_STARTING, 1, CIMJOB_REQUEST_KILL, ALL, 0,
          cell(0, CIMJOB__ACT_PEND_KILL));
    /* Busy never reopens a final state. */
    for (int s = CIMJOB_JOB_STATE_COMPLETED; s <= CIMJOB_JOB_STATE_EXCEPTION; s++)
        for (int c = 0; c < NREQ; c++)
            check(s, 1, req_of[c], ALL, 0, cell(4097, CIMJOB__ACT_NONE));
}

static void test_kill_always_wins(void **state)
{
    (void)state;
    for (size_t r = 0; r < NROWS; r++) {
        int s = table[r].state;
        if (cimjob_job_state_is_final(s) || s == CIMJOB_JOB_STATE_QUERY_PENDING)
            continue; /* Query Pending: unreachable, no row (its own row above: all 4097) */
        for (int busy = 0; busy <= 1; busy++) {
            cimjob__decision d = cimjob__state_decide(s, busy, CIMJOB_REQUEST_KILL, ALL, 0);
            assert_int_equal(d.rsc, 0);
            assert_true(d.action == CIMJOB__ACT_KILL || d.action == CIMJOB__ACT_PEND_KILL ||
                        d.action == CIMJOB__ACT_END_UNSTARTED);
        }
    }
}

static void test_terminate_wins_over_starting_only(void **state)
{
    (void)state;
    check(CIMJOB_JOB_STATE_STARTING, 0, CIMJOB_REQUEST_TERMINATE, ALL, 0,
          cell(0, CIMJOB__ACT_PEND_TERMINATE));
    check(CIMJOB_JOB_STATE_SHUTTING_DOWN, 0, CIMJOB_REQUEST_TERMINATE, ALL, 0,
          cell(4099, CIMJOB__ACT_NONE));
}

/* 4098: a TimeoutPeriod on a backend without CIMJOB_CAP_TIMEOUT, for the requests that wait
 * for the job (Terminate, Kill of a started job). */
static void test_timeout_not_supported(void **state)
{
    (void)state;
    const unsigned no_tmo = ALL & ~(unsigned)CIMJOB__HAVE_TIMEOUT;
    static const int live[] = {CIMJOB_JOB_STATE_RUNNING, CIMJOB_JOB_STATE_SUSPENDED,
                               CIMJOB_JOB_STATE_SERVICE};
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
        check(live[i], 0, CIMJOB_REQUEST_TERMINATE, no_tmo, 1, cell(4098, CIMJOB__ACT_NONE));
        check(live[i], 0, CIMJOB_REQUEST_KILL, no_tmo, 1, cell(4098, CIMJOB__ACT_NONE));
        /* Without a TimeoutPeriod the same request is fine. */
        cimjob__decision d = cimjob__state_decide(live[i], 0, CIMJOB_REQUEST_KILL, no_tmo, 0);
        assert_int_equal(d.action, CIMJOB__ACT_KILL);
    }
    /* Start, Suspend and Service: a TimeoutPeriod is honoured or refused, never ignored
     * (issue 11): without the capability, 4098. */
    check(CIMJOB_JOB_STATE_NEW, 0, CIMJOB_REQUEST_START, no_tmo, 1, cell(4098, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_RUNNING, 0, CIMJOB_REQUEST_SUSPEND, no_tmo, 1,
          cell(4098, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_RUNNING, 0, CIMJOB_REQUEST_SERVICE, no_tmo, 1,
          cell(4098, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_SUSPENDED, 0, CIMJOB_REQUEST_START, no_tmo, 1,
          cell(4098, CIMJOB__ACT_NONE));
    /* With it, the core checks the time: the actions go ahead. */
    check(CIMJOB_JOB_STATE_NEW, 0, CIMJOB_REQUEST_START, ALL, 1, cell(0, CIMJOB__ACT_SPAWN));
    check(CIMJOB_JOB_STATE_RUNNING, 0, CIMJOB_REQUEST_SUSPEND, ALL, 1,
          cell(0, CIMJOB__ACT_SUSPEND));
    check(CIMJOB_JOB_STATE_SUSPENDED, 0, CIMJOB_REQUEST_START, ALL, 1, cell(0, CIMJOB__ACT_RESUME));
    /* Ending a job never started waits for nothing. */
    check(CIMJOB_JOB_STATE_NEW, 0, CIMJOB_REQUEST_TERMINATE, no_tmo, 1,
          cell(0, CIMJOB__ACT_END_UNSTARTED));
    check(CIMJOB_JOB_STATE_NEW, 0, CIMJOB_REQUEST_KILL, no_tmo, 1,
          cell(0, CIMJOB__ACT_END_UNSTARTED));
    /* The state decides before the timeout: final states stay 4097, Shutting Down 4099. */
    check(CIMJOB_JOB_STATE_COMPLETED, 0, CIMJOB_REQUEST_TERMINATE, no_tmo, 1,
          cell(4097, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_SHUTTING_DOWN, 0, CIMJOB_REQUEST_TERMINATE, no_tmo, 1,
          cell(4099, CIMJOB__ACT_NONE));
    /* Terminate and Kill that win over a transition wait for the job too: 4098. */
    check(CIMJOB_JOB_STATE_STARTING, 0, CIMJOB_REQUEST_TERMINATE, no_tmo, 1,
          cell(4098, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_STARTING, 0, CIMJOB_REQUEST_KILL, no_tmo, 1,
          cell(4098, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_SHUTTING_DOWN, 0, CIMJOB_REQUEST_KILL, no_tmo, 1,
          cell(4098, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_RUNNING, 1, CIMJOB_REQUEST_KILL, no_tmo, 1,
          cell(4098, CIMJOB__ACT_NONE));
}

/* A missing slot is Not Supported, decided without calling anything. */
static void test_missing_slots(void **state)
{
    (void)state;
    struct {
        int state, request;
        unsigned missing;
    } cases[] = {
        {CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_SUSPEND, CIMJOB__HAVE_SUSPEND},
        {CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_TERMINATE, CIMJOB__HAVE_TERMINATE},
        {CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_KILL, CIMJOB__HAVE_KILL},
        {CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_SERVICE, CIMJOB__HAVE_SERVICE},
        {CIMJOB_JOB_STATE_SUSPENDED, CIMJOB_REQUEST_START, CIMJOB__HAVE_RESUME},
        {CIMJOB_JOB_STATE_SUSPENDED, CIMJOB_REQUEST_TERMINATE, CIMJOB__HAVE_TERMINATE},
        {CIMJOB_JOB_STATE_SUSPENDED, CIMJOB_REQUEST_KILL, CIMJOB__HAVE_KILL},
        {CIMJOB_JOB_STATE_SUSPENDED, CIMJOB_REQUEST_SERVICE, CIMJOB__HAVE_SERVICE},
        {CIMJOB_JOB_STATE_SERVICE, CIMJOB_REQUEST_START, CIMJOB__HAVE_RESUME},
        {CIMJOB_JOB_STATE_SERVICE, CIMJOB_REQUEST_SUSPEND, CIMJOB__HAVE_SUSPEND},
        {CIMJOB_JOB_STATE_SERVICE, CIMJOB_REQUEST_TERMINATE, CIMJOB__HAVE_TERMINATE},
        {CIMJOB_JOB_STATE_SERVICE, CIMJOB_REQUEST_KILL, CIMJOB__HAVE_KILL},
        {CIMJOB_JOB_STATE_SHUTTING_DOWN, CIMJOB_REQUEST_KILL, CIMJOB__HAVE_KILL},
        /* A Terminate or Kill recorded while Starting would later call the missing slot. */
        {CIMJOB_JOB_STATE_STARTING, CIMJOB_REQUEST_TERMINATE, CIMJOB__HAVE_TERMINATE},
        {CIMJOB_JOB_STATE_STARTING, CIMJOB_REQUEST_KILL, CIMJOB__HAVE_KILL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(cases[i].state, 0, cases[i].request, ALL & ~cases[i].missing, 0,
              cell(CIMJOB_RSC_NOT_SUPPORTED, CIMJOB__ACT_NONE));
    /* Nothing needs a slot for a job never started, or for answers without action. */
    check(CIMJOB_JOB_STATE_NEW, 0, CIMJOB_REQUEST_KILL, 0, 0, cell(0, CIMJOB__ACT_END_UNSTARTED));
    check(CIMJOB_JOB_STATE_NEW, 0, CIMJOB_REQUEST_TERMINATE, 0, 0,
          cell(0, CIMJOB__ACT_END_UNSTARTED));
    check(CIMJOB_JOB_STATE_NEW, 0, CIMJOB_REQUEST_START, 0, 0, cell(0, CIMJOB__ACT_SPAWN));
    check(CIMJOB_JOB_STATE_RUNNING, 0, CIMJOB_REQUEST_START, 0, 0, cell(0, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_SUSPENDED, 0, CIMJOB_REQUEST_SUSPEND, 0, 0, cell(0, CIMJOB__ACT_NONE));
    check(CIMJOB_JOB_STATE_SERVICE, 0, CIMJOB_REQUEST_SERVICE, 0, 0, cell(0, CIMJOB__ACT_NONE));
    /* A final state is 4097 even with no slots at all. */
    check(CIMJOB_JOB_STATE_KILLED, 0, CIMJOB_REQUEST_KILL, 0, 0, cell(4097, CIMJOB__ACT_NONE));
}

/* Reserved and unknown RequestedStates: 5; vendor values: Not Supported (1). The parameter is
 * checked before the state. */
static void test_requested_state_parameter(void **state)
{
    (void)state;
    static const int invalid[] = {INT32_MIN, -1, 0, 1, 7, 100, 4096, 32767, 65536, INT32_MAX};
    static const int vendor[] = {32768, 40000, 65535};
    for (size_t r = 0; r < NROWS; r++) {
        for (int busy = 0; busy <= 1; busy++) {
            for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
                check(table[r].state, busy, invalid[i], ALL, 0,
                      cell(CIMJOB_RSC_INVALID_PARAMETER, CIMJOB__ACT_NONE));
            for (size_t i = 0; i < sizeof vendor / sizeof vendor[0]; i++)
                check(table[r].state, busy, vendor[i], ALL, 0,
                      cell(CIMJOB_RSC_NOT_SUPPORTED, CIMJOB__ACT_NONE));
        }
    }
}

/* Unassigned JobStates never allow anything. */
static void test_unassigned_states(void **state)
{
    (void)state;
    static const int bad[] = {0, 1, 13, 32768};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (int c = 0; c < NREQ; c++)
            check(bad[i], 0, req_of[c], ALL, 0, cell(4097, CIMJOB__ACT_NONE));
}

/* Pure: the same inputs always give the same answer (no hidden state). */
static void test_pure(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        for (size_t r = 0; r < NROWS; r++)
            for (int c = 0; c < NREQ; c++)
                for (unsigned have = 0; have < 64; have++) {
                    cimjob__decision a =
                        cimjob__state_decide(table[r].state, 0, req_of[c], have, 1);
                    cimjob__decision b =
                        cimjob__state_decide(table[r].state, 0, req_of[c], have, 1);
                    assert_int_equal(a.rsc, b.rsc);
                    assert_int_equal(a.action, b.action);
                    /* An action is never paired with a non-zero answer. */
                    if (a.action != CIMJOB__ACT_NONE)
                        assert_int_equal(a.rsc, 0);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cell),
        cmocka_unit_test(test_table_covers_all_states),
        cmocka_unit_test(test_every_cell_with_timeout_capable_backend),
        cmocka_unit_test(test_busy_flag),
        cmocka_unit_test(test_kill_always_wins),
        cmocka_unit_test(test_terminate_wins_over_starting_only),
        cmocka_unit_test(test_timeout_not_supported),
        cmocka_unit_test(test_missing_slots),
        cmocka_unit_test(test_requested_state_parameter),
        cmocka_unit_test(test_unassigned_states),
        cmocka_unit_test(test_pure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
