/*
 * A job's CIM_ManagedSystemElement status properties, derived from its JobState as the MOF
 * describes them: one table row per JobState, so the mapping reads like docs/cim-model.md.
 */
#include <string.h>

#include "internal.h"

#define CASE_NAME(e, n, name)                                                                      \
    case n:                                                                                        \
        return name;

static const char *status_range(int v, int vendor_from)
{
    if (v < 0 || v > 65535)
        return "Invalid";
    return v >= vendor_from ? "Vendor Reserved" : "DMTF Reserved";
}

const char *cimjob_operational_status_name(int value)
{
    switch (value) {
        CIMJOB_OPERATIONAL_STATUS_TABLE(CASE_NAME)
    }
    return status_range(value, 0x8000);
}

const char *cimjob_health_state_name(int value)
{
    switch (value) {
        CIMJOB_HEALTH_STATE_TABLE(CASE_NAME)
    }
    if (value >= 32768 && value <= 65535)
        return "Vendor Specific";
    return status_range(value, 65536);
}

const char *cimjob_primary_status_name(int value)
{
    switch (value) {
        CIMJOB_PRIMARY_STATUS_TABLE(CASE_NAME)
    }
    return status_range(value, 0x8000);
}

const char *cimjob_operating_status_name(int value)
{
    switch (value) {
        CIMJOB_OPERATING_STATUS_TABLE(CASE_NAME)
    }
    return status_range(value, 0x8000);
}

const char *cimjob_communication_status_name(int value)
{
    switch (value) {
        CIMJOB_COMMUNICATION_STATUS_TABLE(CASE_NAME)
    }
    return status_range(value, 0x8000);
}

const char *cimjob_detailed_status_name(int value)
{
    switch (value) {
        CIMJOB_DETAILED_STATUS_TABLE(CASE_NAME)
    }
    return status_range(value, 0x8000);
}

uint16_t cimjob_cim_error_code(uint32_t error_code)
{
    return error_code > 65535u ? (uint16_t)65535u : (uint16_t)error_code;
}

typedef struct status_row {
    uint16_t os[2];
    unsigned int n;
    const char *desc[2];
    const char *status;
    uint16_t health, primary, operating;
    uint16_t communication, detailed;
} status_row;

/* Indexed by JobState 2..12. Killed is an abrupt stop: Aborted, not Stopped (the MOF's
 * "Stopped implies a clean and orderly stop, Aborted an abrupt stop").
 * CommunicationStatus: 2 Communication OK while the backend holds live work to act on, 1 Not
 * Available before there is any (New) and after it ended (the values are then the record's).
 * DetailedStatus details PrimaryStatus: OK -> 1 No Additional Information (the MOF's own
 * pairing), Degraded -> 2 Stressed (it works but needs attention: the job ignored SIGTERM),
 * Error -> 4 Non-Recoverable Error (an ended job cannot recover: start a new one). */
static const status_row rows[] = {
    /* New */
    {{15, 0}, 1, {"Dormant: the job has not been started", NULL}, "OK", 5, 1, 7, 1, 1},
    /* Starting */
    {{8, 0}, 1, {"Starting: the job is being started", NULL}, "Starting", 5, 1, 3, 2, 1},
    /* Running */
    {{2, 0}, 1, {"OK: the job is running", NULL}, "OK", 5, 1, 16, 2, 1},
    /* Suspended */
    {{15, 0},
     1,
     {"Dormant: the job is suspended and can be resumed", NULL},
     "Stopped",
     5,
     1,
     7,
     2,
     1},
    /* Shutting Down */
    {{9, 0}, 1, {"Stopping: the job is being ended", NULL}, "Stopping", 5, 1, 4, 2, 1},
    /* Completed */
    {{17, 2},
     2,
     {"Completed: the job has ended", "OK: it completed without error"},
     "OK",
     5,
     1,
     8,
     1,
     1},
    /* Terminated */
    {{10, 0}, 1, {"Stopped: the job was terminated on request", NULL}, "Stopped", 5, 1, 5, 1, 1},
    /* Killed */
    {{14, 0}, 1, {"Aborted: the job was killed on request", NULL}, "Stopped", 5, 1, 6, 1, 1},
    /* Exception */
    {{17, 6},
     2,
     {"Completed: the job has ended", "Error: it ended abnormally (see ErrorCode)"},
     "Error",
     20,
     3,
     8,
     1,
     4},
    /* Service */
    {{11, 0}, 1, {"In Service: the job is in its service state", NULL}, "Service", 5, 1, 2, 2, 1},
    /* Query Pending */
    {{15, 0}, 1, {"Dormant: the job waits for a client's answer", NULL}, "OK", 5, 1, 7, 2, 1},
};

/* A Terminate that had to be escalated to a kill ended the job in order, but not cleanly. */
static const status_row terminated_escalated = {
    {10, 3},
    2,
    {"Stopped: the job was terminated on request",
     "Degraded: it did not end within its TimeoutPeriod and was killed"},
    "Stopped",
    10,
    2,
    5,
    1,
    2};

static void put(char *dst, size_t size, const char *src)
{
    cimjob__strlcpy(dst, src ? src : "", size);
}

/* The row of a snapshot, or NULL for a JobState outside 2..12. */
static const status_row *row_of(const cimjob_info *info)
{
    int st = (int)info->job_state;
    if (st < CIMJOB_JOB_STATE_NEW || st > CIMJOB_JOB_STATE_QUERY_PENDING)
        return NULL;
    if (st == CIMJOB_JOB_STATE_TERMINATED && info->escalated)
        return &terminated_escalated;
    return &rows[st - CIMJOB_JOB_STATE_NEW];
}

cimjob_rc cimjob_info_status(const cimjob_info *info, cimjob_status *out)
{
    if (!info || !out)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_info_status: NULL argument");
    if (out->version != 1 && out->version != CIMJOB_STATUS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "cimjob_info_status: unknown version %u",
                            out->version);
    int st = (int)info->job_state;
    const status_row *r = row_of(info);
    if (!r)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_info_status: JobState %d has no status", st);
    out->operational_status[0] = r->os[0];
    out->operational_status[1] = r->os[1];
    out->operational_status_count = r->n;
    memset(out->status_descriptions, 0, sizeof out->status_descriptions);
    for (unsigned int i = 0; i < r->n; i++)
        put(out->status_descriptions[i], sizeof out->status_descriptions[i], r->desc[i]);
    /* A New job waiting for a run slot or for its time says so. */
    if (info->version >= 2 && st == CIMJOB_JOB_STATE_NEW && info->waiting)
        put(out->status_descriptions[0], sizeof out->status_descriptions[0],
            info->waiting == CIMJOB_WAITING_QUEUE ? "Dormant: the job waits for a run slot"
                                                  : "Dormant: the job waits for its scheduled "
                                                    "time");
    if (info->version >= 2 && st == CIMJOB_JOB_STATE_SUSPENDED &&
        info->waiting == CIMJOB_WAITING_SCHEDULE)
        put(out->status_descriptions[0], sizeof out->status_descriptions[0],
            "Dormant: the recurring job waits for its next run");
    put(out->status, sizeof out->status, r->status);
    out->health_state = r->health;
    out->primary_status = r->primary;
    out->operating_status = r->operating;
    if (out->version >= 2) { /* a version 1 struct ends before these */
        out->communication_status = r->communication;
        out->detailed_status = r->detailed;
    }
    return CIMJOB_RC_SUCCESS;
}

/* On every query: the numbers only, no text. */
void cimjob__info_operational_status(cimjob_info *info)
{
    const status_row *r = row_of(info);
    info->operational_status[0] = r ? r->os[0] : (uint16_t)CIMJOB_OPSTATUS_UNKNOWN;
    info->operational_status[1] = r ? r->os[1] : 0;
    info->operational_status_count = r ? r->n : 1;
}
