/*
 * libcimjob's own message registry (include/cimjob/cim_error.h, CIMJOB_MESSAGE_TABLE) published
 * as a Redfish MessageRegistry: the Registries collection, its MessageRegistryFile and the
 * registry document, so that a client resolves the MessageId `CimJob.1.0.<Key>` of a Task's
 * Messages (one per CIM_Error of the job) exactly as it resolves `Base.1.22.<Key>`.
 */
#include "rf.h"

#include <cimjob/cim_error.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One registry entry, from the library's table. */
typedef struct rf_cim_msg {
    int number;
    const char *key, *format, *resolution;
    uint16_t severity; /* PerceivedSeverity */
} rf_cim_msg;

#define RF_CIM_MSG(e, n, key, id, type, sev, cause, cim, text, action) {n, key, text, action, sev},
static const rf_cim_msg cim_msgs[] = {CIMJOB_MESSAGE_TABLE(RF_CIM_MSG)};
#undef RF_CIM_MSG

/* The Redfish MessageSeverity of a CIM PerceivedSeverity (ITU X.733). */
static const char *severity_of(unsigned perceived)
{
    switch (perceived) {
    case CIMJOB_SEVERITY_INFORMATION:
        return "OK";
    case CIMJOB_SEVERITY_MAJOR:
    case CIMJOB_SEVERITY_CRITICAL:
    case CIMJOB_SEVERITY_FATAL_NONRECOVERABLE:
        return "Critical";
    default: /* Unknown, Other, Degraded/Warning, Minor */
        return "Warning";
    }
}

/* NumberOfArgs: the highest %N of the text. */
static int nargs_of(const char *format)
{
    int n = 0;
    for (const char *p = format; *p; p++)
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' && p[1] - '0' > n)
            n = p[1] - '0';
    return n;
}

static const rf_cim_msg *find_msg(int number)
{
    for (size_t i = 0; i < sizeof cim_msgs / sizeof *cim_msgs; i++)
        if (cim_msgs[i].number == number)
            return &cim_msgs[i];
    return NULL;
}

json_t *rf_cim_error_message(const cimjob_error *e)
{
    const rf_cim_msg *m = find_msg((int)e->message_number);
    if (!m)
        return NULL; /* not ours: the job's errors come from our registry only */
    char id[96];
    snprintf(id, sizeof id, RF_CIMJOB_PREFIX "%s", m->key);
    json_t *args = json_array();
    int n = nargs_of(m->format);
    for (int i = 0; i < n; i++) /* exactly NumberOfArgs, "" for one the record lacks */
        json_array_append_new(
            args, json_string((unsigned)i < e->message_argument_count && i < CIMJOB_ERROR_ARGS_MAX
                                  ? e->message_arguments[i]
                                  : ""));
    char when[64];
    rf_time_iso(e->time_us, when);
    json_t *oem = json_pack(
        "{s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:I, s:I}", "MessageID", e->message_id, "ErrorType",
        cimjob_error_type_name(e->error_type), "ProbableCause", (int)e->probable_cause,
        "ProbableCauseDescription", e->probable_cause_description, "CIMStatusCode",
        (int)e->cim_status_code, "ErrorSource", e->error_source, "Timestamp", when, "Code",
        (json_int_t)e->code, "PerceivedSeverity", (json_int_t)e->perceived_severity);
    return json_pack("{s:s, s:s, s:o, s:s, s:s, s:{s:o*}}", "MessageId", id, "Message", e->message,
                     "MessageArgs", args, "MessageSeverity", severity_of(m->severity), "Resolution",
                     m->resolution, "Oem", "CimJob", oem);
}

void rf_get_registries(rf_call *c)
{
    json_t *members = json_array();
    json_array_append_new(members,
                          json_pack("{s:s}", "@odata.id", RF_REGISTRIES "/" RF_CIMJOB_REG));
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:o, s:i}", "@odata.type",
                      "#MessageRegistryFileCollection.MessageRegistryFileCollection", "@odata.id",
                      RF_REGISTRIES, "Name", "Message Registry File Collection", "Members", members,
                      "Members@odata.count", 1));
}

void rf_get_registry_file(rf_call *c)
{
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[{s:s, s:s}]}", "@odata.type",
                      "#MessageRegistryFile.v1_1_5.MessageRegistryFile", "@odata.id",
                      RF_REGISTRIES "/" RF_CIMJOB_REG, "Id", RF_CIMJOB_REG, "Name",
                      "libcimjob Message Registry File", "Description",
                      "The messages of libcimjob's CIM_Error records", "Registry", "CimJob.1.0",
                      "Languages", "en", "Location", "Language", "en", "Uri", RF_CIMJOB_REG_URI));
}

json_t *rf_cimjob_registry(void)
{
    json_t *msgs = json_object();
    for (size_t i = 0; i < sizeof cim_msgs / sizeof *cim_msgs; i++) {
        const rf_cim_msg *m = &cim_msgs[i];
        int n = nargs_of(m->format);
        json_t *types = json_array();
        for (int a = 0; a < n; a++)
            json_array_append_new(types, json_string("string"));
        char desc[160];
        snprintf(desc, sizeof desc, "libcimjob CIM_Error %s (MessageID CIMJOB%04d).", m->key,
                 m->number);
        json_object_set_new(msgs, m->key,
                            json_pack("{s:s, s:s, s:s, s:i, s:o, s:s, s:s}", "Description", desc,
                                      "LongDescription", m->format, "Message", m->format,
                                      "NumberOfArgs", n, "ParamTypes", types, "MessageSeverity",
                                      severity_of(m->severity), "Resolution", m->resolution));
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "@odata.type",
                     "#MessageRegistry.v1_6_3.MessageRegistry", "Id", RF_CIMJOB_REG, "Name",
                     "libcimjob Message Registry", "Language", "en", "Description",
                     "The conditions libcimjob records as CIM_Error instances of a job "
                     "(CIM_ConcreteJob.GetErrors); MessageID CIMJOBnnnn is the key's CIM twin.",
                     "RegistryPrefix", "CimJob", "RegistryVersion", "1.0.0", "OwningEntity",
                     CIMJOB_OWNING_ENTITY, "Messages", msgs);
}

void rf_get_registry(rf_call *c)
{
    rf_json(c, 200, rf_cimjob_registry());
}
