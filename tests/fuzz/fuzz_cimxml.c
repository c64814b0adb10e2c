/*
 * libFuzzer target: libcimjob-cimxml's request parser and operations on arbitrary bodies, over a
 * fake-backend registry. Every body must get a response (HTTP 200 with a CIM-XML document that
 * libxml2 reads back, or a 4xx with a CIMError header); nothing may crash, leak or hang. Jobs a
 * fuzzed StartJob creates are dropped with the registry every 512 inputs.
 */
#include <cimjob/cimjob.h>
#include <cimjob/cimxml.h>

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cimjob_fake *fz_fake;
static cimjob_registry *fz_reg;
static cimjob_cimxml *fz_svc;
static unsigned fz_runs;

static void fz_open(void)
{
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    if (cimjob_fake_new(0, &fz_fake) != CIMJOB_RC_SUCCESS)
        abort();
    ro.backend = cimjob_fake_backend(fz_fake);
    ro.backend_config = fz_fake;
    ro.org_id = "CIMJOB";
    if (cimjob_registry_new(&ro, &fz_reg) != CIMJOB_RC_SUCCESS ||
        cimjob_cimxml_new(fz_reg, NULL, &fz_svc) != CIMJOB_RC_SUCCESS)
        abort();
    /* One job to find, as CIMJOB:1 (a LocalID of our own: generated ones carry the
     * registry's incarnation, which the corpus cannot know). */
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "fuzz";
    o.local_id = "1";
    o.owner = "alice";
    o.flags = CIMJOB_JOB_START;
    if (cimjob_create(fz_reg, &o, NULL) != CIMJOB_RC_SUCCESS)
        abort();
}

static void fz_close(void)
{
    cimjob_cimxml_free(fz_svc);
    cimjob_registry_free(fz_reg);
    cimjob_fake_free(fz_fake);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_svc) {
        fz_open();
        atexit(fz_close);
    }
    cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
    rq.body = (const char *)data;
    rq.body_len = size;
    rq.user = (size & 1) ? "alice" : "bob";
    rq.is_admin = (size % 7) == 0;
    cimjob_cimxml_response rsp = CIMJOB_CIMXML_RESPONSE_INIT;
    if (cimjob_cimxml_handle(fz_svc, &rq, &rsp) != CIMJOB_RC_SUCCESS)
        abort();
    if (!rsp.body || strlen(rsp.body) != rsp.body_len)
        abort();
    if (rsp.http_status == 200) {
        xmlDocPtr doc = xmlReadMemory(rsp.body, (int)rsp.body_len, NULL, NULL, XML_PARSE_NONET);
        if (!doc)
            abort(); /* we wrote something that is not XML */
        xmlFreeDoc(doc);
    } else if (rsp.http_status != 413 && !rsp.cim_error) {
        abort();
    }
    cimjob_cimxml_response_clear(&rsp);
    if (++fz_runs % 512 == 0) {
        fz_close();
        fz_open();
    }
    return 0;
}
