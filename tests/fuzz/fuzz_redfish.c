/*
 * libFuzzer target: the Redfish router and its JSON decoding (libcimjob-redfish). An input is
 * a request: one byte for the method and the role, then the path up to the first newline, then
 * the body. It runs against a service over the fake backend (a few tasks exist, the start action
 * is on), and every answer must be well formed: a status from the set the service uses, a body
 * that is JSON (or the $metadata XML), and an error body that carries @Message.ExtendedInfo.
 */
#include <cimjob/cimjob.h>
#include <cimjob/redfish.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cimjob_registry *reg;
static cimjob_redfish *rf;
static cimjob_fake *fake;

static void setup(void)
{
    cimjob_fake_new(0, &fake);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.org_id = "cimjob";
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS)
        abort();
    cimjob_redfish_options fo = CIMJOB_REDFISH_OPTIONS_INIT;
    fo.registry = reg;
    fo.org_id = "cimjob";
    fo.allow_start = 1;
    fo.max_tasks = 32;
    if (cimjob_redfish_new(&fo, &rf) != CIMJOB_RC_SUCCESS)
        abort();
    static const char *const argv[] = {"work", NULL};
    static const char *const owners[] = {"alice", "bob", "alice"};
    /* Tasks 1, 2 and 3, as the corpus names them: LocalIDs of our own, since generated ones
     * carry the registry's incarnation. */
    static const char *const ids[] = {"1", "2", "3"};
    for (int i = 0; i < 3; i++) {
        cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
        jo.name = "seed";
        jo.local_id = ids[i];
        jo.argv = argv;
        jo.owner = owners[i];
        jo.flags = i ? CIMJOB_JOB_START : 0;
        cimjob_create(reg, &jo, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rf)
        setup();
    if (size < 1)
        return 0;
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"};
    static const char *const users[] = {NULL, "alice", "bob", "root"};
    static const int roles[] = {0, CIMJOB_REDFISH_ROLE_OPERATOR, CIMJOB_REDFISH_ROLE_READONLY,
                                CIMJOB_REDFISH_ROLE_ADMINISTRATOR};
    cimjob_redfish_request rq;
    memset(&rq, 0, sizeof rq);
    rq.version = CIMJOB_REDFISH_REQUEST_VERSION;
    rq.method = methods[(data[0] & 7) % 6];
    rq.user = users[(data[0] >> 3) & 3];
    rq.role = roles[(data[0] >> 3) & 3];
    const uint8_t *nl = memchr(data + 1, '\n', size - 1);
    size_t plen = nl ? (size_t)(nl - data - 1) : size - 1;
    char *path = malloc(plen + 1);
    memcpy(path, data + 1, plen);
    path[plen] = '\0';
    rq.path = path;
    rq.body = nl ? (const char *)nl + 1 : NULL;
    rq.body_len = nl ? size - (size_t)(nl - data) - 1 : 0;
    cimjob_redfish_response rr = CIMJOB_REDFISH_RESPONSE_INIT;
    cimjob_rc rc = cimjob_redfish_handle(rf, &rq, &rr);
    if (rc == CIMJOB_RC_SUCCESS) {
        static const int ok[] = {200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 500, 501, 503};
        int known = 0;
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
            known |= rr.status == ok[i];
        if (!known || rr.header_count > CIMJOB_REDFISH_MAX_HEADERS)
            abort();
        if (rr.body && !rr.event_stream && strcmp(rr.content_type, "application/xml") != 0) {
            json_t *doc = json_loadb(rr.body, rr.body_len, 0, NULL);
            if (!doc)
                abort(); /* the service wrote something that is not JSON */
            if (rr.status >= 400 &&
                !json_object_get(json_object_get(doc, "error"), "@Message.ExtendedInfo"))
                abort();
            json_decref(doc);
        }
    } else if (rc != CIMJOB_RC_INVALID_PARAMETER && rc != CIMJOB_RC_NO_MEMORY)
        abort();
    cimjob_redfish_response_clear(&rr);
    free(path);
    cimjob_redfish_tick(rf);
    return 0;
}
