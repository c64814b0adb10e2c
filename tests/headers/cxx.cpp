// The public headers compile as C++ (-Wall -Wextra -Werror -pedantic-errors) and their
// initialisers are usable there. Built by tests/meson.build when a C++ compiler exists.
#include <cimjob/cimjob.h>
#include <cimjob/posix.h>
#include <cimjob/cimxml.h>
#include <cimjob/redfish.h>

#include <cstring>

namespace
{

void on_change(const cimjob_event *ev, void *userdata)
{
    (void)ev;
    (void)userdata;
}

int check()
{
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    cimjob_request_options qo = CIMJOB_REQUEST_OPTIONS_INIT;
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_error ce = CIMJOB_ERROR_INIT;
    cimjob_job_settings js = CIMJOB_JOB_SETTINGS_INIT;
    cimjob_fake_outcome fo = CIMJOB_FAKE_OUTCOME_INIT;
    cimjob_backend_result br = CIMJOB_BACKEND_RESULT_INIT;
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    jo.on_state_change = on_change;
    ro.on_state_change = &on_change;
    int bad = 0;
    bad |= jo.version != CIMJOB_JOB_OPTIONS_VERSION || jo.delete_on_completion != 1;
    bad |= ro.version != CIMJOB_REGISTRY_OPTIONS_VERSION || ro.kill_timeout_us != 5000000;
    bad |= qo.version != CIMJOB_REQUEST_OPTIONS_VERSION;
    bad |= info.version != CIMJOB_INFO_VERSION || info.instance_id[0] != '\0';
    bad |= fo.version != CIMJOB_FAKE_OUTCOME_VERSION || fo.run_us != -1;
    bad |= br.version != 2 || br.core_dumped != 0;
    cimjob_redfish_options rfo = CIMJOB_REDFISH_OPTIONS_INIT;
    cimjob_redfish_response rfr = CIMJOB_REDFISH_RESPONSE_INIT;
    bad |= rfo.version != CIMJOB_REDFISH_OPTIONS_VERSION || rfo.terminate_timeout_us != 10000000 ||
           rfo.max_sessions != 64 || rfo.registry != NULL;
    bad |= rfr.version != CIMJOB_REDFISH_RESPONSE_VERSION || rfr.body != NULL;
    cimjob_cimxml_options cxo = CIMJOB_CIMXML_OPTIONS_INIT;
    cimjob_cimxml_request cxq = CIMJOB_CIMXML_REQUEST_INIT;
    cimjob_cimxml_response cxr = CIMJOB_CIMXML_RESPONSE_INIT;
    bad |= cxo.version != CIMJOB_CIMXML_OPTIONS_VERSION || cxo.host != NULL || cxo.max_wait_us;
    bad |= cxq.version != CIMJOB_CIMXML_REQUEST_VERSION || cxq.body != NULL || cxq.read_only;
    bad |= cxr.version != CIMJOB_CIMXML_RESPONSE_VERSION || cxr.body != NULL;
    bad |= pc.version != CIMJOB_POSIX_CONFIG_VERSION;
    bad |= ce.version != CIMJOB_ERROR_VERSION || ce.message[0] != '\0';
    bad |= js.version != CIMJOB_JOB_SETTINGS_VERSION || js.job_run_times != 1 ||
           js.run_start_interval_us != CIMJOB_INTERVAL_NONE || js.notify[0] != '\0';
    bad |= std::strlen(CIMJOB_INTERVAL_ZERO) != CIMJOB_DATETIME_LEN;
    // Enums convert the C way through the functions that take int.
    bad |= std::strcmp(cimjob_job_state_name(CIMJOB_JOB_STATE_RUNNING), "Running") != 0;
    return bad;
}

} // namespace

int main()
{
    return check();
}
