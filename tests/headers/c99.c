/*
 * The public headers compile as strict C99 (-std=c99 -pedantic-errors -Wall -Wextra -Werror)
 * and their initialisers give every default. Built by tests/meson.build with those flags.
 */
#include <cimjob/cimjob.h>
#include <cimjob/posix.h>
#include <cimjob/cimxml.h>
#include <cimjob/redfish.h>

#include <string.h>

static int check(void)
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
    int bad = 0;
    bad |= jo.version != CIMJOB_JOB_OPTIONS_VERSION || jo.delete_on_completion != 1 ||
           jo.time_before_removal_us != CIMJOB_DEFAULT_TIME_BEFORE_REMOVAL_US ||
           jo.stdio[2].fd != -1 || jo.backend_data != NULL;
    bad |= ro.version != CIMJOB_REGISTRY_OPTIONS_VERSION || ro.kill_timeout_us != 5000000 ||
           ro.default_terminate_timeout_us != 10000000 || ro.utc_offset_min != 0;
    bad |= qo.version != CIMJOB_REQUEST_OPTIONS_VERSION || qo.caller != NULL;
    bad |= info.version != CIMJOB_INFO_VERSION;
    bad |= fo.version != CIMJOB_FAKE_OUTCOME_VERSION || fo.run_us != -1 || fo.report_progress;
    bad |= br.version != 2 || br.exit_status != -1 || br.core_dumped != 0;
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
    bad |= CIMJOB_STATES_FINAL != ((1u << 7) | (1u << 8) | (1u << 9) | (1u << 10));
    bad |= CIMJOB_DATETIME_SIZE != CIMJOB_DATETIME_LEN + 1 ||
           strlen(CIMJOB_INTERVAL_ZERO) != CIMJOB_DATETIME_LEN;
    return bad;
}

int main(void)
{
    return check();
}
