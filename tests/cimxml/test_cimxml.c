/*
 * Suite 'cimxml': libcimjob-cimxml in process, on the fake backend. The requests are the
 * documents sblim-wbemcli 1.6.3 sends (../shared/wbem/wbemcli-wire.md), byte for byte where the
 * capture gives them; every CIM-XML response is validated against DMTF's DTD (DSP0203 2.4.0)
 * with libxml2 and checked against wbemcli's reader rules (no self-closed elements but
 * CLASSNAME, NAMESPACE and ERROR; no attribute on VALUE; the XML declaration first).
 *
 *   test-cimxml DTD_PATH
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cimjob/cimjob.h>
#include <cimjob/cimxml.h>

#include <libxml/parser.h>
#include <libxml/valid.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *dtd_path;
static xmlDtdPtr dtd;

typedef struct fixture {
    cimjob_fake *fake;
    cimjob_registry *reg;
    cimjob_cimxml *svc;
    cimjob_cimxml_response rsp;
} fixture;

static int is_root(const char *caller, void *ud)
{
    (void)ud;
    return caller && strcmp(caller, "root") == 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(cimjob_fake_new(0, &f->fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(f->fake);
    ro.backend_config = f->fake;
    ro.org_id = "CIMJOB";
    ro.is_privileged = is_root;
    assert_int_equal(cimjob_registry_new(&ro, &f->reg), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_cimxml_new(f->reg, NULL, &f->svc), CIMJOB_RC_SUCCESS);
    f->rsp = (cimjob_cimxml_response)CIMJOB_CIMXML_RESPONSE_INIT;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cimjob_cimxml_response_clear(&f->rsp);
    cimjob_cimxml_free(f->svc);
    cimjob_registry_free(f->reg);
    cimjob_fake_free(f->fake);
    free(f);
    return 0;
}

/* For messages: GCC's format checker sees a possible NULL under the sanitizers. */
static const char *nz(const char *s)
{
    return s ? s : "(null)";
}

/* wbemcli's rules on top of the DTD. */
static void check_wbemcli_rules(const char *body)
{
    if (strncasecmp(body, "<?xml version=\"1.0\" encoding=\"utf-8\"", 36) != 0)
        fprintf(stderr, "declaration: %.80s\n", nz(body));
    assert_true(strncasecmp(body, "<?xml version=\"1.0\" encoding=\"utf-8\"", 36) == 0);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "<(PROPERTY(\\.ARRAY|\\.REFERENCE)?|QUALIFIER|PARAMETER(\\.ARRAY|"
                             "\\.REFERENCE|\\.REFARRAY)?|METHOD|KEYVALUE|PARAMVALUE|IRETURNVALUE|"
                             "RETURNVALUE|IMETHODRESPONSE|METHODRESPONSE|VALUE(\\.ARRAY|"
                             "\\.REFERENCE|\\.NAMEDINSTANCE)?|INSTANCE|CLASS|INSTANCENAME|"
                             "KEYBINDING)( [^>]*)?/>",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    int self_closed = regexec(&re, body, 0, NULL, 0) == 0;
    regfree(&re);
    if (self_closed)
        fprintf(stderr, "self-closed element in:\n%.2000s\n", nz(body));
    assert_false(self_closed);
    assert_null(strstr(body, "<VALUE "));
    assert_null(strstr(body, "<!--"));
    assert_null(strstr(body, "CDATA"));
    assert_null(strstr(body, "standalone"));
    assert_null(strstr(body, "EmbeddedInstance="));
}

static void validate(const char *body, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(body, (int)len, NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlValidCtxtPtr v = xmlNewValidCtxt();
    assert_non_null(v);
    int ok = xmlValidateDtd(v, doc, dtd);
    if (!ok)
        fprintf(stderr, "not valid DSP0203 2.4.0:\n%.3000s\n", nz(body));
    assert_true(ok);
    xmlFreeValidCtxt(v);
    xmlFreeDoc(doc);
    check_wbemcli_rules(body);
}

#define ENV_HEAD                                                                                   \
    "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">\n"   \
    "<MESSAGE ID=\"4711\" PROTOCOLVERSION=\"1.0\"><SIMPLEREQ>"
#define ENV_TAIL "</SIMPLEREQ>\n</MESSAGE></CIM>"
#define NS_OPEN                                                                                    \
    "<LOCALNAMESPACEPATH><NAMESPACE NAME=\"root\"></NAMESPACE><NAMESPACE "                         \
    "NAME=\"cimv2\"></NAMESPACE></LOCALNAMESPACEPATH>\n"
#define NS_SELF                                                                                    \
    "<LOCALNAMESPACEPATH><NAMESPACE NAME=\"root\"/><NAMESPACE "                                    \
    "NAME=\"cimv2\"/></LOCALNAMESPACEPATH>"

/* Send one request; returns the body (owned by the fixture until the next call). */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static const char *
call_as(fixture *f, const char *method, const char *user, int admin, const char *fmt, ...)
{
    char *body;
    va_list ap;
    va_start(ap, fmt);
    assert_true(vasprintf(&body, fmt, ap) >= 0);
    va_end(ap);
    cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
    rq.body = body;
    rq.body_len = strlen(body);
    rq.cim_operation = "MethodCall";
    rq.cim_method = method;
    rq.cim_object = "root%2Fcimv2";
    rq.user = user;
    rq.is_admin = admin;
    cimjob_cimxml_response_clear(&f->rsp);
    assert_int_equal(cimjob_cimxml_handle(f->svc, &rq, &f->rsp), CIMJOB_RC_SUCCESS);
    free(body);
    assert_non_null(f->rsp.body);
    assert_int_equal(strlen(f->rsp.body), f->rsp.body_len);
    if (f->rsp.http_status == 200) {
        assert_string_equal(f->rsp.cim_operation, "MethodResponse");
        validate(f->rsp.body, f->rsp.body_len);
    }
    return f->rsp.body;
}

#define call(f, method, ...) call_as(f, method, "alice", 0, __VA_ARGS__)

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ---- the documents wbemcli sends ---- */

static const char *gi_doc(fixture *f, const char *user, const char *id, const char *plist)
{
    return call_as(f, "GetInstance", user, 0,
                   ENV_HEAD "<IMETHODCALL NAME=\"GetInstance\">" NS_OPEN
                            "<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE>\n"
                            "<IPARAMVALUE NAME=\"IncludeQualifiers\"><VALUE>FALSE</VALUE></"
                            "IPARAMVALUE>\n"
                            "<IPARAMVALUE NAME=\"IncludeClassOrigin\"><VALUE>TRUE</VALUE></"
                            "IPARAMVALUE>\n%s"
                            "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
                            "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING "
                            "NAME=\"InstanceID\"><KEYVALUE "
                            "VALUETYPE=\"string\">%s</KEYVALUE></KEYBINDING></INSTANCENAME></"
                            "IPARAMVALUE>\n</IMETHODCALL>" ENV_TAIL,
                   plist ? plist : "", id);
}

static const char *cm_doc(fixture *f, const char *user, const char *method, const char *id,
                          const char *params)
{
    return call_as(f, method, user, 0,
                   ENV_HEAD "<METHODCALL NAME=\"%s\"><LOCALINSTANCEPATH>" NS_SELF
                            "<INSTANCENAME CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING "
                            "NAME=\"InstanceID\"><KEYVALUE "
                            "VALUETYPE=\"string\">%s</KEYVALUE></KEYBINDING></INSTANCENAME></"
                            "LOCALINSTANCEPATH>%s</METHODCALL>" ENV_TAIL,
                   method, id, params);
}

/* Static StartJob as wbemcli sends it; returns the new InstanceID (malloc'd). */
static char *start_job_as(fixture *f, const char *user, const char *name, const char *extra,
                          unsigned long expect_rv)
{
    const char *b = call_as(f, "StartJob", user, 0,
                            ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH>" NS_SELF
                                     "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH>"
                                     "<PARAMVALUE NAME=\"Name\"><VALUE>%s</VALUE></PARAMVALUE>"
                                     "<PARAMVALUE NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>sleep</"
                                     "VALUE><VALUE>60</VALUE></VALUE.ARRAY></PARAMVALUE>%s"
                                     "</METHODCALL>" ENV_TAIL,
                            name, extra ? extra : "");
    char want[96];
    snprintf(want, sizeof want, "<RETURNVALUE PARAMTYPE=\"uint32\"><VALUE>%lu</VALUE>", expect_rv);
    if (!strstr(b, want))
        fprintf(stderr, "%s\n", nz(b));
    assert_non_null(strstr(b, want));
    /* RETURNVALUE first, then the Job reference (wbemcli fails on the other order). */
    const char *rv = strstr(b, "<RETURNVALUE"), *pv = strstr(b, "<PARAMVALUE NAME=\"Job\"");
    assert_non_null(pv);
    assert_true(rv < pv);
    assert_non_null(strstr(pv, "PARAMTYPE=\"reference\"><VALUE.REFERENCE><LOCALINSTANCEPATH>"));
    const char *k = strstr(pv, "TYPE=\"string\">");
    assert_non_null(k);
    k += strlen("TYPE=\"string\">");
    return strndup(k, (size_t)(strchr(k, '<') - k));
}

static char *start_job(fixture *f, const char *name)
{
    return start_job_as(f, "alice", name, NULL, 4096);
}

static void expect_error(const char *body, int code)
{
    char want[40];
    snprintf(want, sizeof want, "<ERROR CODE=\"%d\"", code);
    if (!strstr(body, want))
        fprintf(stderr, "expected %s in:\n%.1500s\n", want, nz(body));
    assert_non_null(strstr(body, want));
    assert_null(strstr(body, "IRETURNVALUE"));
    assert_null(strstr(body, "<RETURNVALUE"));
}

static void expect_rv(const char *body, unsigned long v)
{
    char want[80];
    snprintf(want, sizeof want, "<RETURNVALUE PARAMTYPE=\"uint32\"><VALUE>%lu</VALUE>", v);
    if (!strstr(body, want))
        fprintf(stderr, "expected RETURNVALUE %lu in:\n%.1500s\n", v, nz(body));
    assert_non_null(strstr(body, want));
}

static int job_state(fixture *f, const char *id)
{
    const char *b = gi_doc(f, "alice", id,
                           "<IPARAMVALUE NAME=\"PropertyList\"><VALUE.ARRAY><VALUE>JobState</"
                           "VALUE></VALUE.ARRAY></IPARAMVALUE>\n");
    const char *p = strstr(b, "NAME=\"JobState\"");
    assert_non_null(p);
    p = strstr(p, "<VALUE>");
    assert_non_null(p);
    return atoi(p + 7);
}

/* ---- tests ---- */

static void test_enumerate_class_names(void **state)
{
    fixture *f = *state;
    const char *b = call(f, "EnumerateClassNames",
                         ENV_HEAD "<IMETHODCALL NAME=\"EnumerateClassNames\">" NS_OPEN
                                  "<IPARAMVALUE NAME=\"DeepInheritance\"><VALUE>TRUE</VALUE></"
                                  "IPARAMVALUE>\n</IMETHODCALL>" ENV_TAIL);
    assert_non_null(strstr(b, "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/>"));
    assert_non_null(strstr(b, "<CLASSNAME NAME=\"CIM_ConcreteJob\"/>"));
    assert_int_equal(count(b, "<CLASSNAME "), 7);
    assert_non_null(strstr(b, "<MESSAGE ID=\"4711\""));
    b = call(f, "EnumerateClassNames",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateClassNames\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                      "NAME=\"CIM_ConcreteJob\"/></IPARAMVALUE><IPARAMVALUE "
                      "NAME=\"DeepInheritance\"><VALUE>TRUE</VALUE></IPARAMVALUE>\n</"
                      "IMETHODCALL>" ENV_TAIL);
    assert_int_equal(count(b, "<CLASSNAME "), 1);
    assert_non_null(strstr(b, "CIMJOB_ConcreteJob"));
    /* Without DeepInheritance and a class: the roots. */
    b = call(f, "EnumerateClassNames",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateClassNames\">" NS_OPEN
                      "</IMETHODCALL>" ENV_TAIL);
    assert_int_equal(count(b, "<CLASSNAME "), 2);
}

static void test_get_class(void **state)
{
    fixture *f = *state;
    /* wbemcli's gc (and the first request of every cm). */
    const char *b =
        call(f, "GetClass",
             ENV_HEAD "<IMETHODCALL NAME=\"GetClass\">\n<LOCALNAMESPACEPATH>\n<NAMESPACE "
                      "NAME=\"root\"/>\n<NAMESPACE NAME=\"cimv2\"/>\n</"
                      "LOCALNAMESPACEPATH>\n<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                      "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE>\n<IPARAMVALUE "
                      "NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE>\n"
                      "<IPARAMVALUE "
                      "NAME=\"IncludeQualifiers\"><VALUE>TRUE</VALUE></IPARAMVALUE>\n"
                      "<IPARAMVALUE "
                      "NAME=\"IncludeClassOrigin\"><VALUE>TRUE</VALUE></"
                      "IPARAMVALUE>\n</IMETHODCALL>" ENV_TAIL);
    assert_non_null(
        strstr(b, "<CLASS NAME=\"CIMJOB_ConcreteJob\" SUPERCLASS=\"CIM_ConcreteJob\">"));
    assert_non_null(strstr(b, "<PROPERTY NAME=\"InstanceID\" TYPE=\"string\" "
                              "CLASSORIGIN=\"CIM_ManagedElement\" PROPAGATED=\"true\">"));
    assert_non_null(strstr(b, "<QUALIFIER NAME=\"Key\" TYPE=\"boolean\" PROPAGATED=\"true\" "
                              "OVERRIDABLE=\"false\"><VALUE>TRUE</VALUE></QUALIFIER>"));
    assert_non_null(strstr(b, "<PROPERTY.ARRAY NAME=\"CommandLine\" TYPE=\"string\" "
                              "CLASSORIGIN=\"CIMJOB_ConcreteJob\">"));
    assert_non_null(strstr(b, "<METHOD NAME=\"StartJob\" TYPE=\"uint32\""));
    assert_non_null(strstr(b, "<PARAMETER.ARRAY NAME=\"CommandLine\" TYPE=\"string\">"));
    assert_non_null(strstr(b, "<PARAMETER.REFERENCE NAME=\"Job\" "
                              "REFERENCECLASS=\"CIMJOB_ConcreteJob\">"));
    assert_non_null(strstr(b, "<METHOD NAME=\"KillJob\" TYPE=\"uint32\" CLASSORIGIN=\"CIM_Job\""));
    assert_non_null(strstr(b, "<PARAMETER NAME=\"TimeoutPeriod\" TYPE=\"datetime\">"));
    /* Every property of the MOF chain: CIM_ConcreteJob's 41 and our 7. */
    assert_int_equal(count(b, "<PROPERTY NAME=") + count(b, "<PROPERTY.ARRAY NAME="), 48);
    /* A default from the MOF. */
    assert_non_null(strstr(b, "<PROPERTY NAME=\"JobRunTimes\""));
    /* LocalOnly (the default), no qualifiers: our own properties and methods only. */
    b = call(f, "GetClass",
             ENV_HEAD "<IMETHODCALL NAME=\"GetClass\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"cimjob_concretejob\"/>"
                      "</IPARAMVALUE><IPARAMVALUE NAME=\"IncludeQualifiers\"><VALUE>false</VALUE>"
                      "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    assert_null(strstr(b, "<QUALIFIER"));
    assert_int_equal(count(b, "<PROPERTY NAME=") + count(b, "<PROPERTY.ARRAY NAME="), 7);
    assert_int_equal(count(b, "<METHOD "), 1);
    assert_null(strstr(b, "CLASSORIGIN"));
    /* PropertyList. */
    b = call(f, "GetClass",
             ENV_HEAD
             "<IMETHODCALL NAME=\"GetClass\">" NS_OPEN
             "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIM_Job\"/>"
             "</IPARAMVALUE><IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE>"
             "</IPARAMVALUE><IPARAMVALUE NAME=\"PropertyList\"><VALUE.ARRAY><VALUE>Name"
             "</VALUE><VALUE>owner</VALUE></VALUE.ARRAY></IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    assert_int_equal(count(b, "<PROPERTY NAME="), 2);
    /* Every class, every combination, valid. */
    const char *names[] = {
        "CIM_ManagedElement", "CIM_ManagedSystemElement", "CIM_LogicalElement", "CIM_Job",
        "CIM_ConcreteJob",    "CIMJOB_ConcreteJob",       "CIM_Error"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (int lo = 0; lo < 2; lo++)
            for (int q = 0; q < 2; q++)
                call(f, "GetClass",
                     ENV_HEAD "<IMETHODCALL NAME=\"GetClass\">" NS_OPEN
                              "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"%s\"/>"
                              "</IPARAMVALUE><IPARAMVALUE NAME=\"LocalOnly\"><VALUE>%s</VALUE>"
                              "</IPARAMVALUE><IPARAMVALUE NAME=\"IncludeQualifiers\"><VALUE>%s"
                              "</VALUE></IPARAMVALUE><IPARAMVALUE NAME=\"IncludeClassOrigin\">"
                              "<VALUE>TRUE</VALUE></IPARAMVALUE></IMETHODCALL>" ENV_TAIL,
                     names[i], lo ? "TRUE" : "FALSE", q ? "TRUE" : "FALSE");
    b = call(f, "EnumerateClasses",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateClasses\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"DeepInheritance\"><VALUE>TRUE</VALUE></IPARAMVALUE>"
                      "</IMETHODCALL>" ENV_TAIL);
    assert_int_equal(count(b, "<CLASS "), 7);
    b = call(f, "GetClass",
             ENV_HEAD "<IMETHODCALL NAME=\"GetClass\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIM_Nothing\"/>"
                      "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    expect_error(b, 5);
}

static void test_start_enumerate_get(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "x");
    /* The first generated InstanceID: <OrgID>:<incarnation>-1 (docs/cim-model.md). */
    char first[128];
    snprintf(first, sizeof first, "CIMJOB:%s-1", cimjob_registry_incarnation(f->reg));
    assert_string_equal(id, first);
    char *id2 = start_job_as(f, "alice", "second",
                             "<PARAMVALUE NAME=\"startimmediately\">"
                             "<VALUE>false</VALUE></PARAMVALUE>",
                             0);
    /* ein */
    const char *b =
        call(f, "EnumerateInstanceNames",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstanceNames\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                      "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE>\n</IMETHODCALL>" ENV_TAIL);
    char want[512];
    snprintf(want, sizeof want,
             "<INSTANCENAME CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING "
             "NAME=\"InstanceID\"><KEYVALUE VALUETYPE=\"string\" "
             "TYPE=\"string\">%s</KEYVALUE></KEYBINDING></INSTANCENAME>",
             first);
    assert_non_null(strstr(b, want));
    assert_int_equal(count(b, "<INSTANCENAME"), 2);
    /* ei, exactly as wbemcli sends it */
    b = call(f, "EnumerateInstances",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/>"
                      "</IPARAMVALUE>\n<IPARAMVALUE NAME=\"DeepInheritance\"><VALUE>TRUE</VALUE>"
                      "</IPARAMVALUE>\n<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE>"
                      "</IPARAMVALUE>\n<IPARAMVALUE NAME=\"IncludeQualifiers\"><VALUE>FALSE"
                      "</VALUE></IPARAMVALUE>\n<IPARAMVALUE NAME=\"IncludeClassOrigin\"><VALUE>"
                      "TRUE</VALUE></IPARAMVALUE>\n</IMETHODCALL>" ENV_TAIL);
    assert_int_equal(count(b, "<VALUE.NAMEDINSTANCE>"), 2);
    assert_non_null(strstr(b, "<PROPERTY.ARRAY NAME=\"CommandLine\" TYPE=\"string\" "
                              "CLASSORIGIN=\"CIMJOB_ConcreteJob\"><VALUE.ARRAY><VALUE>sleep</VALUE>"
                              "<VALUE>60</VALUE></VALUE.ARRAY></PROPERTY.ARRAY>"));
    assert_non_null(strstr(b, "<PROPERTY NAME=\"Owner\" TYPE=\"string\" "
                              "CLASSORIGIN=\"CIM_Job\"><VALUE>alice</VALUE></PROPERTY>"));
    assert_non_null(strstr(b, "<PROPERTY NAME=\"Backend\" TYPE=\"string\" "
                              "CLASSORIGIN=\"CIMJOB_ConcreteJob\"><VALUE>fake</VALUE>"));
    assert_non_null(strstr(b, "<PROPERTY NAME=\"JobRunTimes\" TYPE=\"uint32\" "
                              "CLASSORIGIN=\"CIM_Job\"><VALUE>1</VALUE>"));
    /* ei on CIM_ConcreteJob without DeepInheritance: CIM_ConcreteJob's properties only. */
    b = call(f, "EnumerateInstances",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIM_ConcreteJob\"/>"
                      "</IPARAMVALUE><IPARAMVALUE NAME=\"DeepInheritance\"><VALUE>FALSE</VALUE>"
                      "</IPARAMVALUE><IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE>"
                      "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    assert_int_equal(count(b, "<VALUE.NAMEDINSTANCE>"), 2);
    /* (JobInParameters, a CIM_ConcreteJob property, names CommandLine inside its escaped text.) */
    assert_null(strstr(b, "<PROPERTY.ARRAY NAME=\"CommandLine\""));
    assert_non_null(strstr(b, "NAME=\"JobState\""));
    /* ei on CIM_Error: no instances. */
    b = call(f, "EnumerateInstances",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIM_Error\"/>"
                      "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    /* gi without and with a property list */
    b = gi_doc(f, "alice", id, NULL);
    assert_int_equal(count(b, "<INSTANCE "), 1);
    assert_null(strstr(b, "VALUE.NAMEDINSTANCE"));
    assert_non_null(strstr(b, "<PROPERTY NAME=\"JobState\" TYPE=\"uint16\" "
                              "CLASSORIGIN=\"CIM_ConcreteJob\"><VALUE>4</VALUE></PROPERTY>"));
    assert_non_null(strstr(b, "<PROPERTY NAME=\"Name\" TYPE=\"string\" "
                              "CLASSORIGIN=\"CIM_ManagedSystemElement\"><VALUE>x</VALUE>"));
    assert_non_null(strstr(b, "NAME=\"TimeSubmitted\" TYPE=\"datetime\" CLASSORIGIN=\"CIM_Job\">"
                              "<VALUE>2026"));
    b = gi_doc(f, "alice", id,
               "<IPARAMVALUE NAME=\"PropertyList\"><VALUE.ARRAY><VALUE>JobState</VALUE><VALUE>"
               "Name</VALUE></VALUE.ARRAY></IPARAMVALUE>\n");
    assert_int_equal(count(b, "<PROPERTY"), 2);
    /* LocalOnly TRUE: our class's own (and overridden) properties only. */
    b = call(f, "GetInstance",
             ENV_HEAD
             "<IMETHODCALL NAME=\"GetInstance\">" NS_OPEN
             "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
             "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING NAME=\"instanceid\"><KEYVALUE>"
             "%s</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE></IMETHODCALL>" ENV_TAIL,
             id2);
    assert_int_equal(count(b, "<PROPERTY"), 7);
    assert_null(strstr(b, "CLASSORIGIN"));
    assert_int_equal(job_state(f, id2), 2);
    free(id);
    free(id2);
}

static void test_state_changes(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "x");
    const char *zero = "<PARAMVALUE NAME=\"TimeoutPeriod\"><VALUE>00000000000000.000000:000"
                       "</VALUE></PARAMVALUE>";
    char params[512];
    snprintf(params, sizeof params,
             "<PARAMVALUE NAME=\"RequestedState\"><VALUE>3</VALUE>"
             "</PARAMVALUE>%s",
             zero);
    const char *b = cm_doc(f, "alice", "RequestStateChange", id, params);
    expect_rv(b, 0);
    assert_non_null(strstr(b, "<METHODRESPONSE NAME=\"RequestStateChange\">"));
    assert_int_equal(job_state(f, id), 5);
    /* wbemcli sends "+2" as typed */
    b = cm_doc(f, "alice", "RequestStateChange", id,
               "<PARAMVALUE NAME=\"requestedstate\"><VALUE>+2</VALUE></PARAMVALUE>");
    expect_rv(b, 0);
    assert_int_equal(job_state(f, id), 4);
    /* reserved RequestedState */
    b = cm_doc(f, "alice", "RequestStateChange", id,
               "<PARAMVALUE NAME=\"RequestedState\"><VALUE>7</VALUE></PARAMVALUE>");
    expect_rv(b, 5);
    /* a TimeoutPeriod that is a timestamp */
    b = cm_doc(f, "alice", "RequestStateChange", id,
               "<PARAMVALUE NAME=\"RequestedState\"><VALUE>4</VALUE></PARAMVALUE><PARAMVALUE "
               "NAME=\"TimeoutPeriod\"><VALUE>20250101120000.000000+000</VALUE></PARAMVALUE>");
    expect_rv(b, 5);
    assert_int_equal(job_state(f, id), 4);
    snprintf(params, sizeof params,
             "<PARAMVALUE NAME=\"RequestedState\"><VALUE>4</VALUE>"
             "</PARAMVALUE>%s",
             zero);
    b = cm_doc(f, "alice", "RequestStateChange", id, params);
    expect_rv(b, 0);
    assert_int_equal(job_state(f, id), 8);
    /* Start on a final job */
    b = cm_doc(f, "alice", "RequestStateChange", id,
               "<PARAMVALUE NAME=\"RequestedState\"><VALUE>2</VALUE></PARAMVALUE>");
    expect_rv(b, 4097);
    /* KillJob on an ended job: the library's code (Invalid State, vendor) */
    b = cm_doc(f, "alice", "KillJob", id, "");
    expect_rv(b, CIMJOB_RC_INVALID_STATE);
    /* di of the finished job, then gi: CIM_ERR_NOT_FOUND */
    b = call(f, "DeleteInstance",
             ENV_HEAD "<IMETHODCALL NAME=\"DeleteInstance\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
                      "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING NAME=\"InstanceID\"><KEYVALUE "
                      "VALUETYPE=\"string\">%s</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>"
                      "\n</IMETHODCALL>" ENV_TAIL,
             id);
    assert_non_null(strstr(b, "<IMETHODRESPONSE NAME=\"DeleteInstance\"><IRETURNVALUE>"
                              "</IRETURNVALUE></IMETHODRESPONSE>"));
    b = gi_doc(f, "alice", id, NULL);
    expect_error(b, 6);
    char want[512];
    snprintf(want, sizeof want, "DESCRIPTION=\"No such instance: InstanceID=%s\"", id);
    assert_non_null(strstr(b, want));
    free(id);
}

/* A TimeoutPeriod over the service's wait bound: 4096 at once, the outcome in JobState. */
static void test_long_timeout(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1; /* ignores Terminate: only the escalation ends it */
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    char *id = start_job(f, "stubborn");
    const char *b =
        cm_doc(f, "alice", "RequestStateChange", id,
               "<PARAMVALUE NAME=\"RequestedState\"><VALUE>4</VALUE></PARAMVALUE><PARAMVALUE "
               "NAME=\"TimeoutPeriod\"><VALUE>00000000000500.000000:000</VALUE></PARAMVALUE>");
    expect_rv(b, 4096);
    assert_int_equal(job_state(f, id), 6);
    cimjob_fake_advance(f->fake, 301000000);
    cimjob_registry_dispatch(f->reg);
    assert_int_equal(job_state(f, id), 8);
    free(id);
}

static void test_kill_job(void **state)
{
    fixture *f = *state;
    char *a = start_job(f, "a"), *b2 = start_job(f, "b");
    const char *b = cm_doc(f, "alice", "KillJob", a, "");
    expect_rv(b, 0);
    assert_int_equal(job_state(f, a), 9);
    b = cm_doc(f, "alice", "KillJob", b2,
               "<PARAMVALUE NAME=\"DeleteOnKill\"><VALUE>true</VALUE></PARAMVALUE>");
    expect_rv(b, 0);
    expect_error(gi_doc(f, "alice", b2, NULL), 6);
    /* The method on a removed job cannot start: CIM_ERR_NOT_FOUND. */
    expect_error(cm_doc(f, "alice", "KillJob", b2, ""), 6);
    /* A running job cannot be deleted. */
    char *c = start_job(f, "c");
    b = call(f, "DeleteInstance",
             ENV_HEAD "<IMETHODCALL NAME=\"DeleteInstance\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
                      "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING NAME=\"InstanceID\"><KEYVALUE "
                      "VALUETYPE=\"string\">%s</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>"
                      "</IMETHODCALL>" ENV_TAIL,
             c);
    expect_error(b, 1);
    assert_non_null(strstr(b, "Running"));
    assert_int_equal(job_state(f, c), 4);
    /* GetErrors of a job running without trouble: Success and no Errors (CIM's NULL). */
    b = cm_doc(f, "alice", "GetErrors", c, "");
    expect_rv(b, 0);
    assert_null(strstr(b, "<PARAMVALUE"));
    free(a);
    free(b2);
    free(c);
}

static void test_failed_job(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 1000;
    o.error_code = 3;
    o.error_description = "exited with status 3";
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    char *id = start_job(f, "fails");
    cimjob_fake_advance(f->fake, 2000);
    cimjob_registry_dispatch(f->reg);
    const char *b = gi_doc(f, "alice", id, NULL);
    assert_non_null(strstr(b, "NAME=\"JobState\" TYPE=\"uint16\" CLASSORIGIN=\"CIM_ConcreteJob\">"
                              "<VALUE>10</VALUE>"));
    assert_non_null(strstr(b, "NAME=\"ErrorCode\" TYPE=\"uint16\" CLASSORIGIN=\"CIM_Job\">"
                              "<VALUE>3</VALUE>"));
    assert_non_null(strstr(b, "<VALUE>exited with status 3</VALUE>"));
    /* A start that fails: RETURNVALUE 4 with the job in Exception. */
    o = (cimjob_fake_outcome)CIMJOB_FAKE_OUTCOME_INIT;
    o.spawn_rc = CIMJOB_RC_OS_ERROR;
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    char *id2 = start_job_as(f, "alice", "nostart", NULL, 4);
    assert_int_equal(job_state(f, id2), 10);
    free(id);
    free(id2);
}

static xmlNodePtr child_named(xmlNodePtr n, const char *name)
{
    for (n = n ? n->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

static char *attr_of(xmlNodePtr n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* The value of a scalar PROPERTY of an embedded instance, or NULL (CIM's NULL). malloc'd. */
static char *embedded_prop(xmlNodePtr inst, const char *name)
{
    for (xmlNodePtr p = inst->children; p; p = p->next) {
        if (p->type != XML_ELEMENT_NODE || strcmp((const char *)p->name, "PROPERTY") != 0)
            continue;
        char *pn = attr_of(p, "NAME");
        int match = pn && strcmp(pn, name) == 0;
        xmlFree(pn);
        if (match) {
            xmlNodePtr v = child_named(p, "VALUE");
            return v ? (char *)xmlNodeGetContent(v) : NULL;
        }
    }
    return NULL;
}

/*
 * The embedded CIM_Error instances of a GetError(s) answer's OUT parameter @p param: each VALUE's
 * text is itself an INSTANCE element (EmbeddedObject="instance"), valid against the DTD. Checks
 * each against @p want (the library's own records) by MessageID, Message, ErrorSource and
 * CIMStatusCode; returns how many there are.
 */
static size_t check_embedded_errors(const char *body, const char *param, const cimjob_error *want,
                                    size_t nwant)
{
    xmlDocPtr doc = xmlReadMemory(body, (int)strlen(body), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr rsp =
        child_named(child_named(child_named(xmlDocGetRootElement(doc), "MESSAGE"), "SIMPLERSP"),
                    "METHODRESPONSE");
    assert_non_null(rsp);
    xmlNodePtr pv = NULL;
    for (xmlNodePtr n = rsp->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "PARAMVALUE") != 0)
            continue;
        char *name = attr_of(n, "NAME"), *type = attr_of(n, "PARAMTYPE"),
             *eo = attr_of(n, "EmbeddedObject");
        assert_string_equal(name, param);
        assert_string_equal(type, "string");
        assert_string_equal(eo, "instance");
        xmlFree(name);
        xmlFree(type);
        xmlFree(eo);
        pv = n;
    }
    size_t count = 0;
    if (pv) {
        xmlNodePtr arr = child_named(pv, "VALUE.ARRAY");
        for (xmlNodePtr v = arr ? arr->children : pv->children; v; v = v->next) {
            if (v->type != XML_ELEMENT_NODE)
                continue;
            assert_string_equal((const char *)v->name, "VALUE");
            char *text = (char *)xmlNodeGetContent(v);
            xmlDocPtr e = xmlReadMemory(text, (int)strlen(text), NULL, NULL, XML_PARSE_NONET);
            assert_non_null(e);
            xmlValidCtxtPtr vc = xmlNewValidCtxt();
            if (!xmlValidateDtd(vc, e, dtd))
                fprintf(stderr, "embedded instance not valid DSP0203:\n%.3000s\n", text);
            assert_true(xmlValidateDtd(vc, e, dtd));
            xmlFreeValidCtxt(vc);
            xmlNodePtr inst = xmlDocGetRootElement(e);
            assert_string_equal((const char *)inst->name, "INSTANCE");
            char *cn = attr_of(inst, "CLASSNAME");
            assert_string_equal(cn, "CIM_Error");
            xmlFree(cn);
            assert_true(count < nwant);
            const cimjob_error *w = &want[count];
            char *id = embedded_prop(inst, "MessageID"), *msg = embedded_prop(inst, "Message"),
                 *src = embedded_prop(inst, "ErrorSource"),
                 *st = embedded_prop(inst, "CIMStatusCode"),
                 *own = embedded_prop(inst, "OwningEntity");
            assert_non_null(id); /* required by the MOF */
            assert_string_equal(id, w->message_id);
            assert_string_equal(msg, w->message);
            assert_string_equal(src, w->error_source);
            assert_string_equal(own, w->owning_entity);
            assert_int_equal(strtoul(st, NULL, 10), w->cim_status_code);
            xmlFree(id);
            xmlFree(msg);
            xmlFree(src);
            xmlFree(st);
            xmlFree(own);
            xmlFreeDoc(e);
            xmlFree(text);
            count++;
        }
    }
    xmlFreeDoc(doc);
    return count;
}

/* GetErrors / GetError: the library's CIM_Error records as embedded instances. */
static void test_get_errors(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 1000;
    o.error_code = 3;
    o.error_description = "exited with status 3 <&>";
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    char *id = start_job(f, "fails");
    cimjob_fake_advance(f->fake, 2000);
    cimjob_registry_dispatch(f->reg);
    assert_int_equal(job_state(f, id), 10);
    cimjob_job *job;
    assert_int_equal(cimjob_find(f->reg, id, &job), CIMJOB_RC_SUCCESS);
    cimjob_error *errs;
    size_t n;
    assert_int_equal(cimjob_get_errors(job, CIMJOB_ERROR_VERSION, &errs, &n), CIMJOB_RC_SUCCESS);
    assert_true(n >= 1);
    const char *b = cm_doc(f, "alice", "GetErrors", id, "");
    expect_rv(b, 0);
    assert_int_equal(check_embedded_errors(b, "Errors", errs, n), n);
    cimjob_errors_free(errs);
    /* GetError: the most relevant one, a scalar. */
    cimjob_error one = CIMJOB_ERROR_INIT;
    int found = 0;
    assert_int_equal(cimjob_get_error(job, &one, &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(found, 1);
    b = cm_doc(f, "alice", "GetError", id, "");
    expect_rv(b, 0);
    assert_null(strstr(b, "<VALUE.ARRAY"));
    assert_int_equal(check_embedded_errors(b, "Error", &one, 1), 1);
    /* Another account: the method's own Access Denied (6), no errors shown. */
    b = cm_doc(f, "bob", "GetErrors", id, "");
    expect_rv(b, 6);
    assert_null(strstr(b, "<PARAMVALUE"));
    b = cm_doc(f, "bob", "GetError", id, "");
    expect_rv(b, 6);
    assert_null(strstr(b, "<PARAMVALUE"));
    cimjob_job_release(job);
    /* A job that Completed: none, as the MOF says. */
    o = (cimjob_fake_outcome)CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 1000;
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    char *ok = start_job(f, "fine");
    cimjob_fake_advance(f->fake, 2000);
    cimjob_registry_dispatch(f->reg);
    assert_int_equal(job_state(f, ok), 7);
    b = cm_doc(f, "alice", "GetErrors", ok, "");
    expect_rv(b, 0);
    assert_int_equal(check_embedded_errors(b, "Errors", NULL, 0), 0);
    b = cm_doc(f, "alice", "GetError", ok, "");
    expect_rv(b, 0);
    assert_null(strstr(b, "<PARAMVALUE"));
    /* A killed job: the Kill request is recorded and served. */
    char *k = start_job(f, "killed");
    expect_rv(cm_doc(f, "alice", "KillJob", k, ""), 0);
    assert_int_equal(cimjob_find(f->reg, k, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_get_errors(job, CIMJOB_ERROR_VERSION, &errs, &n), CIMJOB_RC_SUCCESS);
    b = cm_doc(f, "alice", "GetErrors", k, "");
    expect_rv(b, 0);
    assert_int_equal(check_embedded_errors(b, "Errors", errs, n), n);
    cimjob_errors_free(errs);
    cimjob_job_release(job);
    /* A removed job: the call cannot start. */
    expect_rv(cm_doc(f, "alice", "KillJob", ok,
                     "<PARAMVALUE NAME=\"DeleteOnKill\"><VALUE>true"
                     "</VALUE></PARAMVALUE>"),
              CIMJOB_RC_INVALID_STATE);
    free(id);
    free(ok);
    free(k);
}

static void test_access(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "mine");
    expect_error(gi_doc(f, "bob", id, NULL), 2);
    expect_rv(cm_doc(f, "bob", "KillJob", id, ""), CIMJOB_RC_ACCESS_DENIED); /* 6 */
    expect_rv(cm_doc(f, "bob", "RequestStateChange", id,
                     "<PARAMVALUE NAME=\"RequestedState\"><VALUE>4</VALUE></PARAMVALUE>"),
              CIMJOB_RSC_ACCESS_DENIED);
    assert_int_equal(job_state(f, id), 4);
    const char *b =
        call_as(f, "EnumerateInstanceNames", "bob", 0,
                ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstanceNames\">" NS_OPEN
                         "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                         "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    assert_null(strstr(b, "<INSTANCENAME"));
    char *bobs = start_job_as(f, "bob", "bobs", NULL, 4096);
    b = call_as(f, "EnumerateInstanceNames", "root", 1,
                ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstanceNames\">" NS_OPEN
                         "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                         "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    assert_int_equal(count(b, "<INSTANCENAME"), 2);
    /* The administrator acts on anyone's job. */
    b = call_as(f, "KillJob", "root", 1,
                ENV_HEAD "<METHODCALL NAME=\"KillJob\"><LOCALINSTANCEPATH>" NS_SELF
                         "<INSTANCENAME CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING "
                         "NAME=\"InstanceID\"><KEYVALUE>%s</KEYVALUE></KEYBINDING>"
                         "</INSTANCENAME></LOCALINSTANCEPATH></METHODCALL>" ENV_TAIL,
                id);
    expect_rv(b, 0);
    /* A read-only account reads but changes nothing. */
    cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
    char *doc;
    assert_true(asprintf(&doc,
                         ENV_HEAD "<METHODCALL NAME=\"KillJob\"><LOCALINSTANCEPATH>" NS_SELF
                                  "<INSTANCENAME CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING "
                                  "NAME=\"InstanceID\"><KEYVALUE>%s</KEYVALUE></KEYBINDING>"
                                  "</INSTANCENAME></LOCALINSTANCEPATH></METHODCALL>" ENV_TAIL,
                         bobs) > 0);
    rq.body = doc;
    rq.body_len = strlen(doc);
    rq.user = "bob";
    rq.read_only = 1;
    cimjob_cimxml_response_clear(&f->rsp);
    assert_int_equal(cimjob_cimxml_handle(f->svc, &rq, &f->rsp), CIMJOB_RC_SUCCESS);
    validate(f->rsp.body, f->rsp.body_len);
    expect_error(f->rsp.body, 2);
    free(doc);
    free(id);
    free(bobs);
}

static const char *mi_doc(fixture *f, const char *user, const char *id, const char *props);

/* Full instances are cached per job with a hole for ElapsedTime: every change shows. */
static void test_instance_cache(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "cached");
    const char *ei = ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                              "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                              "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE><IPARAMVALUE "
                              "NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE><IPARAMVALUE "
                              "NAME=\"IncludeClassOrigin\"><VALUE>TRUE</VALUE></IPARAMVALUE>"
                              "</IMETHODCALL>" ENV_TAIL;
    const char *b = call(f, "EnumerateInstances", "%s", ei);
    assert_non_null(strstr(b, "NAME=\"ElapsedTime\" TYPE=\"datetime\" CLASSORIGIN=\"CIM_Job\">"
                              "<VALUE>00000000000000.000000:000</VALUE>"));
    char *first = strdup(b);
    b = call(f, "EnumerateInstances", "%s", ei);
    assert_string_equal(b, first); /* the same text again */
    cimjob_fake_advance(f->fake, 5000000);
    b = gi_doc(f, "alice", id, NULL);
    assert_non_null(strstr(b, "<VALUE>00000000000005.000000:000</VALUE>"));
    assert_non_null(strstr(b, "CLASSORIGIN=\"CIM_ConcreteJob\"><VALUE>4</VALUE>"));
    expect_rv(cm_doc(f, "alice", "RequestStateChange", id,
                     "<PARAMVALUE NAME=\"RequestedState\"><VALUE>3</VALUE></PARAMVALUE>"),
              0);
    b = call(f, "EnumerateInstances", "%s", ei);
    assert_non_null(strstr(b, "NAME=\"JobState\" TYPE=\"uint16\" CLASSORIGIN=\"CIM_ConcreteJob\">"
                              "<VALUE>5</VALUE>"));
    assert_non_null(strstr(b, "<VALUE>00000000000005.000000:000</VALUE>"));
    /* the variant without CLASSORIGIN is its own text */
    b = call(f, "EnumerateInstances",
             ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/>"
                      "</IPARAMVALUE><IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE>"
                      "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    assert_null(strstr(b, "CLASSORIGIN"));
    assert_non_null(strstr(b, "<PROPERTY NAME=\"JobState\" TYPE=\"uint16\"><VALUE>5</VALUE>"));
    /* a change only where the cached snapshot had zero bytes (an empty string set) shows too */
    assert_null(strstr(call(f, "EnumerateInstances", "%s", ei), "<VALUE>pager</VALUE>"));
    b = mi_doc(f, "alice", id,
               "<PROPERTY NAME=\"Notify\" TYPE=\"string\"><VALUE>pager</VALUE>"
               "</PROPERTY>");
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    b = call(f, "EnumerateInstances", "%s", ei);
    assert_non_null(strstr(b, "<PROPERTY NAME=\"Notify\" TYPE=\"string\" CLASSORIGIN=\"CIM_Job\">"
                              "<VALUE>pager</VALUE>"));
    free(first);
    free(id);
}

/* ---- the instance cache is never stale ---- */

#define EI_ORIGIN_DOC                                                                              \
    ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN                                   \
             "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "                                         \
             "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE><IPARAMVALUE "                            \
             "NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE><IPARAMVALUE "                  \
             "NAME=\"IncludeClassOrigin\"><VALUE>TRUE</VALUE></IPARAMVALUE>"                       \
             "</IMETHODCALL>" ENV_TAIL

/* EnumerateInstances (as @p user, admin or not) and GetInstance of @p id (as alice), from the
 * fixture's service (its cache filled by the step before) and from a new service over the same
 * registry (nothing cached): the same bytes, whatever changed in between. Returns the
 * enumeration (malloc'd). */
static char *same_as_uncached(fixture *f, const char *id, const char *user, int admin,
                              const char *what)
{
    char *warm_ei = strdup(call_as(f, "EnumerateInstances", user, admin, "%s", EI_ORIGIN_DOC));
    char *warm_gi = strdup(gi_doc(f, "alice", id, NULL));
    cimjob_cimxml *warm = f->svc, *cold = NULL;
    assert_int_equal(cimjob_cimxml_new(f->reg, NULL, &cold), CIMJOB_RC_SUCCESS);
    f->svc = cold;
    char *cold_ei = strdup(call_as(f, "EnumerateInstances", user, admin, "%s", EI_ORIGIN_DOC));
    char *cold_gi = strdup(gi_doc(f, "alice", id, NULL));
    f->svc = warm;
    cimjob_cimxml_free(cold);
    assert_true(warm_ei && warm_gi && cold_ei && cold_gi);
    if (strcmp(warm_ei, cold_ei) != 0 || strcmp(warm_gi, cold_gi) != 0)
        fprintf(stderr, "after %s, cached:\n%.6000s\nnot cached:\n%.6000s\n", what,
                nz(strcmp(warm_ei, cold_ei) ? warm_ei : warm_gi),
                nz(strcmp(warm_ei, cold_ei) ? cold_ei : cold_gi));
    assert_string_equal(warm_ei, cold_ei);
    assert_string_equal(warm_gi, cold_gi);
    free(warm_gi);
    free(cold_ei);
    free(cold_gi);
    return warm_ei;
}

static void fresh(fixture *f, const char *id, const char *what, const char *want)
{
    char *b = same_as_uncached(f, id, "alice", 0, what);
    if (want && !strstr(b, want))
        fprintf(stderr, "after %s, no %s in:\n%.6000s\n", what, nz(want), nz(b));
    assert_true(!want || strstr(b, want));
    free(b);
}

/* Every kind of change, made through the C API and through CIM-XML, shows in the very next
 * answer of a service whose cache holds the job's text from before the change; ElapsedTime is
 * live in the cached text; another account's job is not shown from the cache. */
static void test_instance_cache_fresh(void **state)
{
    fixture *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "fresh";
    o.owner = "alice";
    o.flags = CIMJOB_JOB_START;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    const char *id = cimjob_job_instance_id(j);
    fresh(f, id, "the start", "<VALUE>4</VALUE>");
    assert_int_equal(cimjob_fake_advance(f->fake, 3000000), CIMJOB_RC_SUCCESS);
    fresh(f, id, "time passing", "<VALUE>00000000000003.000000:000</VALUE>");
    assert_int_equal(cimjob_set_percent_complete(j, 30), CIMJOB_RC_SUCCESS);
    fresh(f, id, "PercentComplete", "CLASSORIGIN=\"CIM_Job\"><VALUE>30</VALUE>");
    assert_int_equal(cimjob_set_job_status(j, "phase two"), CIMJOB_RC_SUCCESS);
    fresh(f, id, "JobStatus", "<VALUE>phase two</VALUE>");
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    assert_int_equal(cimjob_job_settings_get(j, &s), CIMJOB_RC_SUCCESS);
    s.priority = 7;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_PRIORITY, NULL), CIMJOB_RC_SUCCESS);
    fresh(f, id, "Priority (C API)", "CLASSORIGIN=\"CIM_Job\"><VALUE>7</VALUE>");
    const char *b = mi_doc(f, "alice", id,
                           "<PROPERTY NAME=\"Priority\" TYPE=\"uint32\"><VALUE>9</VALUE>"
                           "</PROPERTY>");
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    fresh(f, id, "Priority (ModifyInstance)", "CLASSORIGIN=\"CIM_Job\"><VALUE>9</VALUE>");
    s.priority = 9;
    s.run_start_interval_us = (uint64_t)3600 * 1000000;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE, NULL), CIMJOB_RC_SUCCESS);
    fresh(f, id, "the schedule", "<VALUE>00000000010000.000000:000</VALUE>");
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL),
                     CIMJOB_RSC_COMPLETED);
    fresh(f, id, "Suspend", "<VALUE>5</VALUE>");
    assert_int_equal(cimjob_fake_advance(f->fake, 2000000), CIMJOB_RC_SUCCESS);
    fresh(f, id, "time passing while Suspended", "<VALUE>00000000000003.000000:000</VALUE>");
    expect_rv(cm_doc(f, "alice", "RequestStateChange", id,
                     "<PARAMVALUE NAME=\"RequestedState\"><VALUE>2</VALUE></PARAMVALUE>"),
              0);
    assert_int_equal(cimjob_fake_advance(f->fake, 1000000), CIMJOB_RC_SUCCESS);
    fresh(f, id, "Start (RequestStateChange)", "<VALUE>00000000000004.000000:000</VALUE>");
    assert_int_equal(cimjob_fake_finish(f->fake, j, 3, "exit status 3"), CIMJOB_RC_SUCCESS);
    fresh(f, id, "the end", "<VALUE>exit status 3</VALUE>");

    /* Bob's job, cached by an administrator's enumeration, is not alice's to see. */
    cimjob_job *other = NULL;
    o.name = "bobs";
    o.owner = "bob";
    assert_int_equal(cimjob_create(f->reg, &o, &other), CIMJOB_RC_SUCCESS);
    char *all = same_as_uncached(f, id, "root", 1, "an administrator's enumeration");
    assert_non_null(strstr(all, "<VALUE>bobs</VALUE>"));
    free(all);
    char *mine = same_as_uncached(f, id, "alice", 0, "alice's enumeration");
    assert_null(strstr(mine, "<VALUE>bobs</VALUE>"));
    assert_non_null(strstr(mine, "<VALUE>fresh</VALUE>"));
    free(mine);
    /* Nor to GetInstance: Access Denied, though the text is cached. */
    expect_error(gi_doc(f, "alice", cimjob_job_instance_id(other), NULL), 2);
    assert_non_null(strstr(gi_doc(f, "bob", cimjob_job_instance_id(other), NULL), "bobs"));
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    mine = strdup(call(f, "EnumerateInstances", "%s", EI_ORIGIN_DOC));
    assert_null(strstr(mine, "<VALUE>fresh</VALUE>"));
    free(mine);
    cimjob_job_release(other);
    cimjob_job_release(j);
}

/* The INSTANCE element of @p doc, followed by @p tail (malloc'd). */
static char *instance_of(const char *doc, const char *tail)
{
    const char *p = strstr(doc, "<INSTANCE "), *q = p ? strstr(p, "</INSTANCE>") : NULL;
    assert_non_null(q);
    size_t n = (size_t)(q + strlen("</INSTANCE>") - p);
    char *out = malloc(n + strlen(tail) + 1);
    assert_non_null(out);
    memcpy(out, p, n);
    strcpy(out + n, tail);
    return out;
}

/* The cached text is the whole VALUE.NAMEDINSTANCE: GetInstance answers the INSTANCE inside it
 * and an enumeration the element, whichever of them filled the cache. */
static void test_instance_cache_named(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "named");
    const char *ei = ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                              "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                              "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE><IPARAMVALUE "
                              "NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE><IPARAMVALUE "
                              "NAME=\"IncludeClassOrigin\"><VALUE>TRUE</VALUE></IPARAMVALUE>"
                              "</IMETHODCALL>" ENV_TAIL;
    for (int round = 0; round < 2; round++) {
        char *e = NULL, *g = NULL;
        if (round == 0) { /* the enumeration fills the cache, GetInstance reads it */
            e = strdup(call(f, "EnumerateInstances", "%s", ei));
            g = strdup(gi_doc(f, "alice", id, NULL));
        } else { /* the other way round */
            expect_rv(cm_doc(f, "alice", "RequestStateChange", id,
                             "<PARAMVALUE NAME=\"RequestedState\"><VALUE>3</VALUE></PARAMVALUE>"),
                      0);
            g = strdup(gi_doc(f, "alice", id, NULL));
            e = strdup(call(f, "EnumerateInstances", "%s", ei));
        }
        validate(e, strlen(e));
        validate(g, strlen(g));
        assert_null(strstr(g, "NAMEDINSTANCE"));
        assert_null(strstr(g, "<INSTANCENAME"));
        assert_int_equal(count(g, "<INSTANCE "), 1);
        assert_non_null(strstr(g, "<IRETURNVALUE><INSTANCE "));
        assert_non_null(strstr(g, "</INSTANCE></IRETURNVALUE>"));
        char *inst = instance_of(g, "</VALUE.NAMEDINSTANCE>");
        const char *named = strstr(e, inst);
        assert_non_null(named);
        /* preceded by the job's own INSTANCENAME, inside its VALUE.NAMEDINSTANCE */
        const char *open = NULL;
        for (const char *p = e; (p = strstr(p, "<VALUE.NAMEDINSTANCE>")) != NULL && p < named; p++)
            open = p;
        assert_non_null(open);
        assert_true(strncmp(open, "<VALUE.NAMEDINSTANCE><INSTANCENAME CLASSNAME=", 45) == 0);
        char key[256];
        snprintf(key, sizeof key, ">%s</KEYVALUE></KEYBINDING></INSTANCENAME><INSTANCE ", id);
        const char *k = strstr(open, key);
        assert_true(k && k + strlen(key) - strlen("<INSTANCE ") == named);
        if (round == 1)
            assert_non_null(strstr(inst, "<VALUE>5</VALUE>"));
        free(inst);
        free(e);
        free(g);
    }
    free(id);
}

/* cimjob_cimxml_handle_pieces(): an enumeration large enough to come in pieces is the same
 * document as cimjob_cimxml_handle() gives, read in any block size, from any offset, by pieces,
 * and a body keeps its text after the cache moved on and after the service is freed. */
static void test_pieces(void **state)
{
    fixture *f = *state;
    char *ids[60];
    for (int i = 0; i < 60; i++)
        ids[i] = start_job(f, "pieced");
    const char *ei = ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                              "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                              "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE><IPARAMVALUE "
                              "NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE><IPARAMVALUE "
                              "NAME=\"IncludeClassOrigin\"><VALUE>TRUE</VALUE></IPARAMVALUE>"
                              "</IMETHODCALL>" ENV_TAIL;
    char *whole = strdup(call(f, "EnumerateInstances", "%s", ei));
    size_t len = strlen(whole);
    assert_true(len > 64 * 1024);
    cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
    rq.body = ei;
    rq.body_len = strlen(ei);
    rq.user = "alice";
    cimjob_cimxml_response r = CIMJOB_CIMXML_RESPONSE_INIT;
    cimjob_cimxml_body *body = NULL;
    assert_int_equal(cimjob_cimxml_handle_pieces(f->svc, &rq, &r, NULL),
                     CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_cimxml_handle_pieces(f->svc, &rq, &r, &body), CIMJOB_RC_SUCCESS);
    assert_non_null(body);
    assert_null(r.body);
    assert_int_equal(r.http_status, 200);
    assert_string_equal(r.cim_operation, "MethodResponse");
    assert_int_equal(r.body_len, len);
    char *got = malloc(len + 1);
    assert_non_null(got);
    /* in order, in odd blocks */
    size_t at = 0, n;
    while ((n = cimjob_cimxml_body_read(body, at, got + at, 7777)) > 0)
        at += n;
    assert_int_equal(at, len);
    assert_memory_equal(got, whole, len);
    /* from anywhere */
    memset(got, 0, len);
    for (size_t pos = len; pos-- > 0;)
        if (pos % 4099 == 0)
            assert_int_equal(cimjob_cimxml_body_read(body, pos, got + pos, 1), 1);
    for (size_t pos = 0; pos < len; pos += 4099)
        assert_int_equal(got[pos], whole[pos]);
    assert_int_equal(cimjob_cimxml_body_read(body, len, got, 10), 0);
    assert_int_equal(cimjob_cimxml_body_read(NULL, 0, got, 10), 0);
    /* by pieces */
    size_t npieces = cimjob_cimxml_body_count(body), total = 0;
    assert_true(npieces > 60);
    /* each job's cached VALUE.NAMEDINSTANCE in two references around its ElapsedTime */
    assert_true(npieces <= 3 * 60 + 4);
    for (size_t i = 0; i < npieces; i++) {
        const char *p = cimjob_cimxml_body_piece(body, i, &n);
        assert_non_null(p);
        assert_true(n > 0);
        assert_memory_equal(p, whole + total, n);
        total += n;
    }
    assert_int_equal(total, len);
    assert_null(cimjob_cimxml_body_piece(body, npieces, &n));
    assert_int_equal(n, 0);
    /* an answer without cached instances comes whole */
    const char *ein = ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstanceNames\">" NS_OPEN
                               "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                               "NAME=\"CIMJOB_ConcreteJob\"/></IPARAMVALUE></IMETHODCALL>" ENV_TAIL;
    cimjob_cimxml_body *small = (cimjob_cimxml_body *)&small;
    rq.body = ein;
    rq.body_len = strlen(ein);
    cimjob_cimxml_response r2 = CIMJOB_CIMXML_RESPONSE_INIT;
    assert_int_equal(cimjob_cimxml_handle_pieces(f->svc, &rq, &r2, &small), CIMJOB_RC_SUCCESS);
    assert_null(small);
    assert_non_null(r2.body);
    assert_int_equal(count(r2.body, "<INSTANCENAME "), 60);
    validate(r2.body, r2.body_len);
    cimjob_cimxml_response_clear(&r2);
    /* the cache moves on (a job changes state), then the service goes: the body stays */
    expect_rv(cm_doc(f, "alice", "RequestStateChange", ids[3],
                     "<PARAMVALUE NAME=\"RequestedState\"><VALUE>3</VALUE></PARAMVALUE>"),
              0);
    const char *b = call(f, "EnumerateInstances", "%s", ei);
    assert_true(strlen(b) != len || memcmp(b, whole, len) != 0);
    cimjob_cimxml_free(f->svc);
    f->svc = NULL;
    memset(got, 0, len);
    assert_int_equal(cimjob_cimxml_body_read(body, 0, got, len), len);
    assert_memory_equal(got, whole, len);
    validate(got, len);
    cimjob_cimxml_body_free(body);
    cimjob_cimxml_body_free(NULL);
    free(got);
    free(whole);
    for (int i = 0; i < 60; i++)
        free(ids[i]);
}

/* Many threads on one service: parser-context pool, instance cache and side table under load
 * (run under ThreadSanitizer by tools/tsan.sh when it includes this suite). */
typedef struct hammer {
    fixture *f;
    int n;
    int bad;
    int pieced; /* enumerations answered in pieces */
} hammer;

static void *hammer_main(void *arg)
{
    hammer *h = arg;
    const char *ops[] = {
        ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                 "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/>"
                 "</IPARAMVALUE><IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE>"
                 "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL,
        ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH>" NS_SELF
                 "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH><PARAMVALUE "
                 "NAME=\"Name\"><VALUE>t</VALUE></PARAMVALUE><PARAMVALUE NAME=\"CommandLine\">"
                 "<VALUE.ARRAY><VALUE>x</VALUE></VALUE.ARRAY></PARAMVALUE></METHODCALL>" ENV_TAIL,
        ENV_HEAD "<METHODCALL NAME=\"KillJob\"><LOCALINSTANCEPATH>" NS_SELF
                 "<INSTANCENAME CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING NAME=\"InstanceID\">"
                 "<KEYVALUE>CIMJOB:2</KEYVALUE></KEYBINDING></INSTANCENAME></LOCALINSTANCEPATH>"
                 "<PARAMVALUE NAME=\"DeleteOnKill\"><VALUE>true</VALUE></PARAMVALUE>"
                 "</METHODCALL>" ENV_TAIL,
        "<not xml",
    };
    for (int i = 0; i < h->n; i++) {
        const char *doc = ops[i % 4];
        cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
        rq.body = doc;
        rq.body_len = strlen(doc);
        rq.user = "alice";
        cimjob_cimxml_response r = CIMJOB_CIMXML_RESPONSE_INIT;
        cimjob_cimxml_body *pieces = NULL;
        /* Every other enumeration is taken in pieces (references to the cached texts, dropped
         * when the body is freed) once it is large enough, and read out whole. */
        cimjob_rc rc = i % 8 == 4 ? cimjob_cimxml_handle_pieces(h->f->svc, &rq, &r, &pieces)
                                  : cimjob_cimxml_handle(h->f->svc, &rq, &r);
        if (rc != CIMJOB_RC_SUCCESS || (!r.body && !pieces) || (r.http_status != 200 && i % 4 != 3))
            h->bad++;
        if (pieces) {
            char *whole = malloc(r.body_len);
            if (!whole || cimjob_cimxml_body_read(pieces, 0, whole, r.body_len) != r.body_len ||
                strstr(whole, "</CIM>") == NULL)
                h->bad++;
            h->pieced++;
            free(whole);
            cimjob_cimxml_body_free(pieces);
        }
        cimjob_cimxml_response_clear(&r);
    }
    return NULL;
}

static void test_threads(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "shared");
    pthread_t th[4];
    hammer h[4];
    for (int i = 0; i < 4; i++) {
        h[i] = (hammer){f, 200, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, hammer_main, &h[i]), 0);
    }
    int pieced = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(h[i].bad, 0);
        pieced += h[i].pieced;
    }
    assert_true(pieced > 0);
    assert_int_equal(job_state(f, id), 4);
    free(id);
}

/* ModifyInstance with @p props (PROPERTY elements), as @p user. */
static const char *mi_doc(fixture *f, const char *user, const char *id, const char *props)
{
    return call_as(f, "ModifyInstance", user, 0,
                   ENV_HEAD
                   "<IMETHODCALL NAME=\"ModifyInstance\">" NS_OPEN
                   "<IPARAMVALUE NAME=\"ModifiedInstance\"><VALUE.NAMEDINSTANCE>"
                   "<INSTANCENAME CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING "
                   "NAME=\"InstanceID\"><KEYVALUE>%s</KEYVALUE></KEYBINDING>"
                   "</INSTANCENAME><INSTANCE CLASSNAME=\"CIMJOB_ConcreteJob\">%s"
                   "</INSTANCE></VALUE.NAMEDINSTANCE></IPARAMVALUE></IMETHODCALL>" ENV_TAIL,
                   id, props);
}

#define PROP(name, type, value)                                                                    \
    "<PROPERTY NAME=\"" name "\" TYPE=\"" type "\"><VALUE>" value "</VALUE></PROPERTY>"

static void expect_prop(fixture *f, const char *id, const char *name, const char *value)
{
    char plist[160], want[CIMJOB_TEXT_MAX + 200];
    snprintf(plist, sizeof plist,
             "<IPARAMVALUE NAME=\"PropertyList\"><VALUE.ARRAY><VALUE>%s</VALUE></VALUE.ARRAY>"
             "</IPARAMVALUE>",
             name);
    const char *b = gi_doc(f, "alice", id, plist);
    assert_int_equal(count(b, "<PROPERTY"), 1);
    if (value) {
        snprintf(want, sizeof want, "<VALUE>%s</VALUE>", value);
        if (!strstr(b, want))
            fprintf(stderr, "%s: want %s in\n%.2000s\n", name, want, nz(b));
        assert_non_null(strstr(b, want));
    } else {
        assert_null(strstr(b, "<VALUE>"));
    }
}

static void test_modify_instance(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "m");
    cimjob_job *job;
    assert_int_equal(cimjob_find(f->reg, id, &job), CIMJOB_RC_SUCCESS);
    /* The defaults show in the instance. */
    expect_prop(f, id, "JobRunTimes", "1");
    expect_prop(f, id, "Notify", NULL);
    expect_prop(f, id, "UntilTime", NULL);
    expect_prop(f, id, "ScheduledStartTime", NULL);
    expect_prop(f, id, "RecoveryAction", "0");
    /* The same value, and a new one: both through cimjob_job_modify(). */
    const char *b = mi_doc(f, "alice", id, PROP("DeleteOnCompletion", "boolean", "true"));
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    b = mi_doc(f, "alice", id, PROP("DeleteOnCompletion", "boolean", "FALSE"));
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    expect_prop(f, id, "DeleteOnCompletion", "FALSE");
    /* Several at once, as a client that sends the Write properties. */
    b = mi_doc(f, "alice", id,
               PROP("Priority", "uint32", "7") PROP("JobRunTimes", "uint32", "3")
                   PROP("Notify", "string", "ops &amp; on-call")
                       PROP("TimeBeforeRemoval", "datetime", "00000000000200.000000:000")
                           PROP("UntilTime", "datetime", "20991231235959.000000+000"));
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    cimjob_job_settings set = CIMJOB_JOB_SETTINGS_INIT;
    assert_int_equal(cimjob_job_settings_get(job, &set), CIMJOB_RC_SUCCESS);
    assert_int_equal(set.priority, 7);
    assert_int_equal(set.job_run_times, 3);
    assert_string_equal(set.notify, "ops & on-call");
    assert_int_equal(set.time_before_removal_us, 120000000);
    assert_true(set.until_time_us != CIMJOB_TIME_NONE);
    assert_int_equal(set.delete_on_completion, 0);
    /* The instance shows them (the instance cache sees the change). */
    expect_prop(f, id, "Priority", "7");
    expect_prop(f, id, "JobRunTimes", "3");
    expect_prop(f, id, "Notify", "ops &amp; on-call");
    expect_prop(f, id, "TimeBeforeRemoval", "00000000000200.000000:000");
    expect_prop(f, id, "UntilTime", "20991231235959.000000+000");
    /* A daily calendar: the schedule fields go together. */
    b = mi_doc(f, "alice", id,
               PROP("RunStartInterval", "datetime", "00000000020000.000000:000")
                   PROP("RunDayOfWeek", "sint8", "-2") PROP("RunDay", "sint8", "-1")
                       PROP("LocalOrUtcTime", "uint16", "2"));
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    assert_int_equal(cimjob_job_settings_get(job, &set), CIMJOB_RC_SUCCESS);
    assert_int_equal(set.run_start_interval_us, 7200000000ull);
    assert_int_equal(set.run_day, -1);
    assert_int_equal(set.run_day_of_week, -2);
    expect_prop(f, id, "RunStartInterval", "00000000020000.000000:000");
    expect_prop(f, id, "RunDay", "-1");
    expect_prop(f, id, "RunDayOfWeek", "-2");
    expect_prop(f, id, "LocalOrUtcTime", "2");
    /* NULL clears what CIM lets a client clear. */
    b = mi_doc(f, "alice", id,
               "<PROPERTY NAME=\"Notify\" TYPE=\"string\"></PROPERTY>"
               "<PROPERTY NAME=\"UntilTime\" TYPE=\"datetime\"></PROPERTY>");
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    expect_prop(f, id, "Notify", NULL);
    expect_prop(f, id, "UntilTime", NULL);
    /* All or none: a bad value leaves every property as it was. */
    expect_error(
        mi_doc(f, "alice", id, PROP("Priority", "uint32", "9") PROP("RunMonth", "uint8", "12")), 4);
    expect_error(mi_doc(f, "alice", id, PROP("Priority", "uint32", "-1")), 4);
    expect_error(mi_doc(f, "alice", id, PROP("Priority", "uint32", "4294967296")), 4);
    expect_error(mi_doc(f, "alice", id, PROP("UntilTime", "datetime", "00000000000100.000000:000")),
                 4);
    expect_error(mi_doc(f, "alice", id, PROP("TimeBeforeRemoval", "datetime", "soon")), 4);
    expect_error(mi_doc(f, "alice", id, "<PROPERTY NAME=\"Priority\" TYPE=\"uint32\"></PROPERTY>"),
                 4);
    expect_prop(f, id, "Priority", "7");
    expect_prop(f, id, "RunDay", "-1");
    /* Not Write in the MOF: read-only (RecoveryAction is not Write in CIM_Job 2.45.0). */
    expect_error(mi_doc(f, "alice", id, PROP("Name", "string", "renamed")), 4);
    expect_error(mi_doc(f, "alice", id, PROP("RecoveryAction", "uint16", "4")), 4);
    b = mi_doc(f, "alice", id, PROP("Name", "string", "m") PROP("Priority", "uint32", "8"));
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>")); /* Name unchanged: fine */
    expect_prop(f, id, "Priority", "8");
    expect_error(mi_doc(f, "alice", id, PROP("NoSuchProperty", "string", "x")), 4);
    /* The whole instance sent back, as wbemcli mi does (GetInstance, change one property,
     * ModifyInstance): the live properties it read are stale by then and not compared. */
    cimjob_fake_advance(f->fake, 1000);
    b = gi_doc(f, "alice", id, NULL);
    const char *i0 = strstr(b, "<PROPERTY"), *i1 = strstr(b, "</INSTANCE>");
    assert_non_null(i0);
    assert_non_null(i1);
    char *props = strndup(i0, (size_t)(i1 - i0));
    char *pr = strstr(props, "<VALUE>8</VALUE>");
    assert_non_null(pr);
    pr[7] = '6';
    cimjob_fake_advance(f->fake, 1000); /* ElapsedTime moves on */
    b = mi_doc(f, "alice", id, props);
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    expect_prop(f, id, "Priority", "6");
    /* ... but a CommandLine of its own is refused. */
    char *cl = strstr(props, "<VALUE>sleep</VALUE>");
    assert_non_null(cl);
    memcpy(cl + 7, "sheep", 5);
    expect_error(mi_doc(f, "alice", id, props), 4);
    free(props);
    b = mi_doc(f, "alice", id, PROP("Priority", "uint32", "8"));
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    /* Another account: Access Denied, nothing changed. */
    expect_error(mi_doc(f, "bob", id, PROP("Priority", "uint32", "1")), 2);
    expect_prop(f, id, "Priority", "8");
    /* A job that has ended: its DeleteOnCompletion is the library's Invalid State. */
    expect_rv(cm_doc(f, "alice", "KillJob", id, ""), 0);
    b = mi_doc(f, "alice", id, PROP("DeleteOnCompletion", "boolean", "TRUE"));
    expect_error(b, 1);
    assert_non_null(strstr(b, "(Invalid State)"));
    b = mi_doc(f, "alice", id, PROP("Priority", "uint32", "2"));
    assert_non_null(strstr(b, "<IRETURNVALUE></IRETURNVALUE>"));
    cimjob_job_release(job);
    free(id);
}

/* StartJob with CIM_Job's own settings: a schedule (the registry starts the job at its time),
 * Priority, Notify, JobRunTimes; refused values leave no job. */
static void test_start_job_settings(void **state)
{
    fixture *f = *state;
    char *id = start_job_as(f, "alice", "later",
                            "<PARAMVALUE NAME=\"ScheduledStartTime\"><VALUE>"
                            "00000000000010.000000:000</VALUE></PARAMVALUE>",
                            0);
    assert_int_equal(job_state(f, id), 2); /* New, waiting for its time */
    expect_prop(f, id, "ScheduledStartTime", "00000000000010.000000:000");
    cimjob_fake_advance(f->fake, 11000000);
    cimjob_registry_dispatch(f->reg);
    assert_int_equal(job_state(f, id), 4);
    free(id);
    id = start_job_as(f, "alice", "settings",
                      "<PARAMVALUE NAME=\"Priority\"><VALUE>3</VALUE></PARAMVALUE>"
                      "<PARAMVALUE NAME=\"notify\"><VALUE>ops</VALUE></PARAMVALUE>"
                      "<PARAMVALUE NAME=\"JobRunTimes\"><VALUE>2</VALUE></PARAMVALUE>",
                      4096);
    assert_int_equal(job_state(f, id), 4);
    expect_prop(f, id, "Priority", "3");
    expect_prop(f, id, "Notify", "ops");
    expect_prop(f, id, "JobRunTimes", "2");
    free(id);
    /* A daily run at 02:00 UTC: created, started by the registry. */
    id = start_job_as(f, "alice", "nightly",
                      "<PARAMVALUE NAME=\"RunStartInterval\"><VALUE>00000000020000.000000:000"
                      "</VALUE></PARAMVALUE><PARAMVALUE NAME=\"JobRunTimes\"><VALUE>0</VALUE>"
                      "</PARAMVALUE>",
                      0);
    assert_int_equal(job_state(f, id), 2);
    expect_prop(f, id, "RunStartInterval", "00000000020000.000000:000");
    expect_prop(f, id, "LocalOrUtcTime", "2");
    free(id);
    /* Refused by the library (RunMonth 12): RETURNVALUE 5, no job left. */
    size_t before = 0, after = 0;
    cimjob_registry_count(f->reg, &before);
    const char *b = call(f, "StartJob",
                         ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH>" NS_SELF
                                  "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH>"
                                  "<PARAMVALUE NAME=\"Name\"><VALUE>bad</VALUE></PARAMVALUE>"
                                  "<PARAMVALUE NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>true"
                                  "</VALUE></VALUE.ARRAY></PARAMVALUE><PARAMVALUE "
                                  "NAME=\"RunMonth\"><VALUE>12</VALUE></PARAMVALUE><PARAMVALUE "
                                  "NAME=\"RunStartInterval\"><VALUE>00000000020000.000000:000"
                                  "</VALUE></PARAMVALUE></METHODCALL>" ENV_TAIL);
    expect_rv(b, 5);
    assert_null(strstr(b, "PARAMVALUE"));
    cimjob_registry_count(f->reg, &after);
    assert_int_equal(before, after);
    /* Not a datetime: the call cannot start (CIM_ERR_INVALID_PARAMETER), no job. */
    b = call(f, "StartJob",
             ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH>" NS_SELF
                      "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH>"
                      "<PARAMVALUE NAME=\"Name\"><VALUE>bad</VALUE></PARAMVALUE>"
                      "<PARAMVALUE NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>true"
                      "</VALUE></VALUE.ARRAY></PARAMVALUE><PARAMVALUE "
                      "NAME=\"ScheduledStartTime\"><VALUE>tomorrow</VALUE></PARAMVALUE>"
                      "</METHODCALL>" ENV_TAIL);
    expect_error(b, 4);
    cimjob_registry_count(f->reg, &after);
    assert_int_equal(before, after);
}

/*
 * The embedded instance in the VALUE of the property @p name of a GetInstance answer (the
 * PROPERTY carries EmbeddedObject="object", as the MOF's EmbeddedObject qualifier asks), valid
 * against the DTD and of class @p cls; NULL when the property is NULL. Free with xmlFreeDoc.
 */
static xmlDocPtr embedded_property(const char *body, const char *name, const char *cls)
{
    xmlDocPtr doc = xmlReadMemory(body, (int)strlen(body), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr inst = child_named(
        child_named(
            child_named(child_named(child_named(xmlDocGetRootElement(doc), "MESSAGE"), "SIMPLERSP"),
                        "IMETHODRESPONSE"),
            "IRETURNVALUE"),
        "INSTANCE");
    assert_non_null(inst);
    xmlDocPtr e = NULL;
    int found = 0;
    for (xmlNodePtr p = inst->children; p; p = p->next) {
        if (p->type != XML_ELEMENT_NODE || strcmp((const char *)p->name, "PROPERTY") != 0)
            continue;
        char *pn = attr_of(p, "NAME");
        int match = pn && strcmp(pn, name) == 0;
        xmlFree(pn);
        if (!match)
            continue;
        found = 1;
        char *eo = attr_of(p, "EmbeddedObject"), *type = attr_of(p, "TYPE");
        assert_string_equal(eo, "object");
        assert_string_equal(type, "string");
        xmlFree(eo);
        xmlFree(type);
        xmlNodePtr v = child_named(p, "VALUE");
        if (!v)
            break;
        char *text = (char *)xmlNodeGetContent(v);
        e = xmlReadMemory(text, (int)strlen(text), NULL, NULL, XML_PARSE_NONET);
        assert_non_null(e);
        xmlValidCtxtPtr vc = xmlNewValidCtxt();
        int ok = xmlValidateDtd(vc, e, dtd);
        if (!ok)
            fprintf(stderr, "embedded instance not valid DSP0203:\n%.3000s\n", text);
        assert_true(ok);
        xmlFreeValidCtxt(vc);
        xmlFree(text);
        xmlNodePtr root = xmlDocGetRootElement(e);
        assert_string_equal((const char *)root->name, "INSTANCE");
        char *cn = attr_of(root, "CLASSNAME");
        assert_string_equal(cn, cls);
        xmlFree(cn);
    }
    assert_true(found);
    xmlFreeDoc(doc);
    return e;
}

/* Whether an embedded instance has a PROPERTY (or PROPERTY.ARRAY) named @p name at all. */
static int embedded_has(xmlDocPtr e, const char *name)
{
    for (xmlNodePtr p = xmlDocGetRootElement(e)->children; p; p = p->next) {
        char *pn = p->type == XML_ELEMENT_NODE ? attr_of(p, "NAME") : NULL;
        int match = pn && strcmp(pn, name) == 0;
        xmlFree(pn);
        if (match)
            return 1;
    }
    return 0;
}

static void expect_embedded(xmlDocPtr e, const char *name, const char *value)
{
    char *v = embedded_prop(xmlDocGetRootElement(e), name);
    if (value)
        assert_string_equal(nz(v), value);
    else
        assert_null(v);
    xmlFree(v);
}

#define PLIST_PARAMS                                                                               \
    "<IPARAMVALUE NAME=\"PropertyList\"><VALUE.ARRAY><VALUE>JobInParameters</VALUE>"               \
    "<VALUE>JobOutParameters</VALUE><VALUE>CommunicationStatus</VALUE><VALUE>DetailedStatus"       \
    "</VALUE></VALUE.ARRAY></IPARAMVALUE>\n"

/*
 * JobInParameters (what StartJob received, as an embedded __JobInParameters instance; the
 * Environment withheld), JobOutParameters (NULL until Completed, then an embedded
 * __JobOutParameters with __ReturnValue, the Job reference and ExitStatus; NULL for Exception),
 * and CommunicationStatus / DetailedStatus per JobState.
 */
static void test_job_parameters_and_status(void **state)
{
    fixture *f = *state;
    char *id = start_job_as(f, "alice", "jp",
                            "<PARAMVALUE NAME=\"workingdirectory\"><VALUE>/tmp</VALUE></PARAMVALUE>"
                            "<PARAMVALUE NAME=\"Environment\"><VALUE.ARRAY><VALUE>TOKEN=s3cr3t"
                            "</VALUE></VALUE.ARRAY></PARAMVALUE>"
                            "<PARAMVALUE NAME=\"DeleteOnCompletion\"><VALUE>true</VALUE>"
                            "</PARAMVALUE><PARAMVALUE NAME=\"Priority\"><VALUE>+7</VALUE>"
                            "</PARAMVALUE><PARAMVALUE NAME=\"Notify\"></PARAMVALUE>",
                            4096);
    const char *b = gi_doc(f, "alice", id, PLIST_PARAMS);
    assert_int_equal(count(b, "<PROPERTY"), 4);
    assert_null(strstr(b, "s3cr3t")); /* an instance is no place for the environment */
    assert_non_null(strstr(b, "NAME=\"CommunicationStatus\" TYPE=\"uint16\" "
                              "CLASSORIGIN=\"CIM_ManagedSystemElement\"><VALUE>2</VALUE>"));
    assert_non_null(strstr(b, "NAME=\"DetailedStatus\" TYPE=\"uint16\" "
                              "CLASSORIGIN=\"CIM_ManagedSystemElement\"><VALUE>1</VALUE>"));
    xmlDocPtr in = embedded_property(b, "JobInParameters", "__JobInParameters");
    assert_non_null(in);
    expect_embedded(in, "Name", "jp");
    expect_embedded(in, "WorkingDirectory", "/tmp");
    expect_embedded(in, "DeleteOnCompletion", "TRUE"); /* booleans as DSP0201 writes them */
    expect_embedded(in, "Priority", "7");
    expect_embedded(in, "StartImmediately", NULL); /* not given: NULL (no property) */
    assert_false(embedded_has(in, "StartImmediately"));
    assert_false(embedded_has(in, "ScheduledStartTime"));
    assert_true(embedded_has(in, "Notify")); /* given as NULL: a property without a VALUE */
    expect_embedded(in, "Notify", NULL);
    assert_false(embedded_has(in, "Environment"));
    assert_false(embedded_has(in, "Job")); /* an OUT parameter */
    /* CommandLine: a PROPERTY.ARRAY with the arguments in order. */
    int args = 0;
    for (xmlNodePtr p = xmlDocGetRootElement(in)->children; p; p = p->next) {
        char *pn = p->type == XML_ELEMENT_NODE ? attr_of(p, "NAME") : NULL;
        if (pn && strcmp(pn, "CommandLine") == 0) {
            assert_string_equal((const char *)p->name, "PROPERTY.ARRAY");
            char *type = attr_of(p, "TYPE");
            assert_string_equal(type, "string");
            xmlFree(type);
            for (xmlNodePtr v = child_named(p, "VALUE.ARRAY")->children; v; v = v->next) {
                if (v->type != XML_ELEMENT_NODE)
                    continue;
                char *t = (char *)xmlNodeGetContent(v);
                assert_string_equal(t, args == 0 ? "sleep" : "60");
                xmlFree(t);
                args++;
            }
        }
        xmlFree(pn);
    }
    assert_int_equal(args, 2);
    xmlFreeDoc(in);
    /* Running: no JobOutParameters yet. */
    assert_null(embedded_property(b, "JobOutParameters", "__JobOutParameters"));

    /* Suspended: the process is still held (Communication OK). */
    b = cm_doc(f, "alice", "RequestStateChange", id,
               "<PARAMVALUE NAME=\"RequestedState\"><VALUE>3</VALUE></PARAMVALUE>");
    expect_rv(b, 0);
    expect_prop(f, id, "CommunicationStatus", "2");
    b = cm_doc(f, "alice", "RequestStateChange", id,
               "<PARAMVALUE NAME=\"RequestedState\"><VALUE>2</VALUE></PARAMVALUE>");
    expect_rv(b, 0);

    /* Completed: __JobOutParameters; the work is gone (Not Available). */
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_find(f->reg, id, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_finish(f->fake, job, 0, NULL), CIMJOB_RC_SUCCESS);
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(job);
    b = gi_doc(f, "alice", id, PLIST_PARAMS);
    assert_non_null(strstr(b, "NAME=\"CommunicationStatus\" TYPE=\"uint16\" "
                              "CLASSORIGIN=\"CIM_ManagedSystemElement\"><VALUE>1</VALUE>"));
    assert_non_null(strstr(b, "NAME=\"DetailedStatus\" TYPE=\"uint16\" "
                              "CLASSORIGIN=\"CIM_ManagedSystemElement\"><VALUE>1</VALUE>"));
    xmlDocPtr out = embedded_property(b, "JobOutParameters", "__JobOutParameters");
    assert_non_null(out);
    expect_embedded(out, "__ReturnValue", "0");
    char uri[300], num[16];
    snprintf(uri, sizeof uri, "/root/cimv2:CIMJOB_ConcreteJob.InstanceID=\"%s\"", id);
    expect_embedded(out, "Job", uri);
    snprintf(num, sizeof num, "%d", info.exit_status);
    expect_embedded(out, "ExitStatus", info.exit_status >= 0 ? num : NULL);
    /* Job is a REF: a string qualified Reference("CIMJOB_ConcreteJob"). */
    xmlNodePtr q = NULL;
    for (xmlNodePtr p = xmlDocGetRootElement(out)->children; p; p = p->next) {
        char *pn = p->type == XML_ELEMENT_NODE ? attr_of(p, "NAME") : NULL;
        if (pn && strcmp(pn, "Job") == 0)
            q = child_named(p, "QUALIFIER");
        xmlFree(pn);
    }
    assert_non_null(q);
    char *qn = attr_of(q, "NAME"), *qv = (char *)xmlNodeGetContent(q);
    assert_string_equal(qn, "Reference");
    assert_string_equal(qv, "CIMJOB_ConcreteJob");
    xmlFree(qn);
    xmlFree(qv);
    xmlFreeDoc(out);
    /* JobInParameters does not change at the end. */
    in = embedded_property(b, "JobInParameters", "__JobInParameters");
    expect_embedded(in, "Name", "jp");
    xmlFreeDoc(in);
    /* The whole instance (what ei and gi ask for; cached) carries both, and stays valid. */
    b = gi_doc(f, "alice", id, NULL);
    assert_non_null(strstr(b, "NAME=\"JobOutParameters\" TYPE=\"string\" "
                              "CLASSORIGIN=\"CIM_ConcreteJob\" EmbeddedObject=\"object\"><VALUE>"
                              "&lt;INSTANCE CLASSNAME=\"__JobOutParameters\"&gt;"));
    free(id);

    /* Exception: JobOutParameters stays NULL (the MOF: NULL unless Completed); DetailedStatus
     * says the error cannot be recovered from. */
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 1000;
    o.error_code = 3;
    o.error_description = "exited with status 3";
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    id = start_job(f, "fails");
    cimjob_fake_advance(f->fake, 2000);
    cimjob_registry_dispatch(f->reg);
    assert_int_equal(job_state(f, id), 10);
    b = gi_doc(f, "alice", id, PLIST_PARAMS);
    assert_null(embedded_property(b, "JobOutParameters", "__JobOutParameters"));
    assert_non_null(strstr(b, "NAME=\"DetailedStatus\" TYPE=\"uint16\" "
                              "CLASSORIGIN=\"CIM_ManagedSystemElement\"><VALUE>4</VALUE>"));
    in = embedded_property(b, "JobInParameters", "__JobInParameters");
    expect_embedded(in, "Name", "fails");
    expect_embedded(in, "WorkingDirectory", NULL);
    xmlFreeDoc(in);
    /* wbemcli mi sends the whole instance back, embedded instances unescaped (as markup):
     * accepted and ignored, the change applied. */
    b = mi_doc(
        f, "alice", id,
        "<PROPERTY NAME=\"JobInParameters\" TYPE=\"string\"><VALUE><INSTANCE "
        "CLASSNAME=\"__JobInParameters\"><PROPERTY NAME=\"Name\" TYPE=\"string\"><VALUE>"
        "fails</VALUE></PROPERTY></INSTANCE></VALUE></PROPERTY>" PROP("Priority", "uint32", "3"));
    assert_non_null(strstr(b, "<IRETURNVALUE>"));
    expect_prop(f, id, "Priority", "3");
    free(id);

    /* A job not made by StartJob (the library's API, Redfish): no call to report on. */
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = "direct";
    jo.owner = "alice";
    const char *argv[] = {"true", NULL};
    jo.argv = argv;
    jo.flags = CIMJOB_JOB_START;
    assert_int_equal(cimjob_create(f->reg, &jo, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_finish(f->fake, job, 0, NULL), CIMJOB_RC_SUCCESS);
    b = gi_doc(f, "alice", cimjob_job_instance_id(job), PLIST_PARAMS);
    assert_null(embedded_property(b, "JobInParameters", "__JobInParameters"));
    assert_null(embedded_property(b, "JobOutParameters", "__JobOutParameters"));
    cimjob_job_release(job);
}

static const char *raw(fixture *f, const char *cim_method, const char *body, size_t len)
{
    cimjob_cimxml_request rq = CIMJOB_CIMXML_REQUEST_INIT;
    rq.body = body;
    rq.body_len = len;
    rq.cim_operation = "MethodCall";
    rq.cim_method = cim_method;
    rq.user = "alice";
    cimjob_cimxml_response_clear(&f->rsp);
    assert_int_equal(cimjob_cimxml_handle(f->svc, &rq, &f->rsp), CIMJOB_RC_SUCCESS);
    if (f->rsp.http_status == 200)
        validate(f->rsp.body, f->rsp.body_len);
    return f->rsp.body;
}

/* Requests already read are kept by their exact bytes (reqcache.c): the same document again
 * is answered from the job's state now, for the identity asking now; another MESSAGE ID is
 * another document; refused documents stay refused; more documents than the cache holds, and
 * documents too large to keep, are answered as well. */
#define DEEP "<IPARAMVALUE NAME=\"DeepInheritance\"><VALUE>TRUE</VALUE></IPARAMVALUE>"
static void test_request_cache(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "again");
    char *gi = NULL;
    assert_true(asprintf(&gi,
                         ENV_HEAD
                         "<IMETHODCALL NAME=\"GetInstance\">" NS_OPEN
                         "<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE</VALUE></IPARAMVALUE>"
                         "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
                         "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING "
                         "NAME=\"InstanceID\"><KEYVALUE>%s</KEYVALUE></KEYBINDING>"
                         "</INSTANCENAME></IPARAMVALUE></IMETHODCALL>" ENV_TAIL,
                         id) > 0);
    const char *b = call(f, "GetInstance", "%s", gi);
    assert_non_null(strstr(b, "<PROPERTY NAME=\"JobState\" TYPE=\"uint16\"><VALUE>4</VALUE>"));
    /* the same bytes: the job's state now */
    expect_rv(cm_doc(f, "alice", "RequestStateChange", id,
                     "<PARAMVALUE NAME=\"RequestedState\"><VALUE>3</VALUE></PARAMVALUE>"),
              0);
    b = call(f, "GetInstance", "%s", gi);
    assert_non_null(strstr(b, "<PROPERTY NAME=\"JobState\" TYPE=\"uint16\"><VALUE>5</VALUE>"));
    /* the same bytes from another account: its own answer */
    b = call_as(f, "GetInstance", "bob", 0, "%s", gi);
    expect_error(b, 2);
    b = call_as(f, "GetInstance", "root", 1, "%s", gi);
    assert_non_null(strstr(b, "<INSTANCE CLASSNAME=\"CIMJOB_ConcreteJob\""));
    /* a job removed meanwhile is not found with the same bytes */
    expect_rv(cm_doc(f, "alice", "KillJob", id,
                     "<PARAMVALUE NAME=\"DeleteOnKill\"><VALUE>TRUE</VALUE></PARAMVALUE>"),
              0);
    b = call(f, "GetInstance", "%s", gi);
    expect_error(b, 6);
    /* documents that differ in their MESSAGE ID only, more of them than the cache holds, in
     * rounds: each answer carries its own ID */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 40; i++) {
            b = call(f, "EnumerateClassNames",
                     "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<CIM CIMVERSION=\"2.0\" "
                     "DTDVERSION=\"2.0\">\n<MESSAGE ID=\"%d\" PROTOCOLVERSION=\"1.0\">"
                     "<SIMPLEREQ><IMETHODCALL NAME=\"EnumerateClassNames\">" NS_OPEN DEEP
                     "</IMETHODCALL>" ENV_TAIL,
                     1000 + i);
            char want[64];
            snprintf(want, sizeof want, "<MESSAGE ID=\"%d\" ", 1000 + i);
            assert_non_null(strstr(b, want));
            assert_non_null(strstr(b, "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/>"));
        }
    }
    /* refused every time, not only the first */
    const char *dt =
        "<?xml version=\"1.0\"?><!DOCTYPE CIM [<!ENTITY x \"y\">]><CIM "
        "CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"1\" "
        "PROTOCOLVERSION=\"1.0\"><SIMPLEREQ><IMETHODCALL NAME=\"EnumerateClassNames\">" NS_SELF
        "</IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>";
    const char *bad = "<CIM><MESSAGE></CIM>";
    for (int i = 0; i < 2; i++) {
        raw(f, "EnumerateClassNames", dt, strlen(dt));
        assert_int_equal(f->rsp.http_status, 400);
        assert_string_equal(f->rsp.cim_error, "request-not-valid");
        raw(f, NULL, bad, strlen(bad));
        assert_int_equal(f->rsp.http_status, 400);
        assert_string_equal(f->rsp.cim_error, "request-not-well-formed");
    }
    /* a document too large to keep (padded with whitespace), twice */
    char *big = malloc(8192);
    assert_non_null(big);
    int n = snprintf(big, 8192,
                     ENV_HEAD "<IMETHODCALL NAME=\"EnumerateClassNames\">" NS_OPEN DEEP "%*s"
                              "</IMETHODCALL>" ENV_TAIL,
                     4000, "");
    assert_true(n > 4000 && n < 8192);
    for (int i = 0; i < 2; i++) {
        b = raw(f, "EnumerateClassNames", big, (size_t)n);
        assert_int_equal(f->rsp.http_status, 200);
        assert_non_null(strstr(b, "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/>"));
    }
    free(big);
    free(gi);
    free(id);
}

static void test_bad_input(void **state)
{
    fixture *f = *state;
    char *id = start_job(f, "survivor");
    /* wbemcli does not escape: Name="a<b&c>" */
    const char *bad = ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH>" NS_SELF
                               "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH>"
                               "<PARAMVALUE NAME=\"Name\"><VALUE>a<b&c></VALUE></PARAMVALUE>"
                               "</METHODCALL>" ENV_TAIL;
    raw(f, "StartJob", bad, strlen(bad));
    assert_int_equal(f->rsp.http_status, 400);
    assert_string_equal(f->rsp.cim_error, "request-not-well-formed");
    raw(f, NULL, "", 0);
    assert_int_equal(f->rsp.http_status, 400);
    raw(f, NULL, "\x01\x02garbage", 9);
    assert_int_equal(f->rsp.http_status, 400);
    /* XXE: refused before anything is read */
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE CIM [<!ENTITY x SYSTEM "
                      "\"file:///etc/passwd\">]><CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">"
                      "<MESSAGE ID=\"1\" PROTOCOLVERSION=\"1.0\"><SIMPLEREQ><IMETHODCALL "
                      "NAME=\"GetClass\">" NS_SELF "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME "
                      "NAME=\"&x;\"/></IPARAMVALUE></IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>";
    const char *b = raw(f, "GetClass", xxe, strlen(xxe));
    assert_int_equal(f->rsp.http_status, 400);
    assert_string_equal(f->rsp.cim_error, "request-not-valid");
    assert_null(strstr(b, "root:"));
    /* billion laughs */
    const char *lol = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
                      "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
                      "]><CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">&lol4;</CIM>";
    raw(f, NULL, lol, strlen(lol));
    assert_int_equal(f->rsp.http_status, 400);
    /* an entity reference without a DTD: not well-formed */
    const char *undeclared = ENV_HEAD "<IMETHODCALL NAME=\"GetClass\">" NS_SELF
                                      "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"&x;\"/>"
                                      "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL;
    raw(f, "GetClass", undeclared, strlen(undeclared));
    assert_int_equal(f->rsp.http_status, 400);
    /* well-formed, wrong shape */
    raw(f, NULL, "<?xml version=\"1.0\"?><html><body/></html>", 41);
    assert_int_equal(f->rsp.http_status, 400);
    assert_string_equal(f->rsp.cim_error, "request-not-valid");
    const char *multi =
        "<?xml version=\"1.0\"?><CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE "
        "ID=\"1\" PROTOCOLVERSION=\"1.0\"><MULTIREQ/></MESSAGE></CIM>";
    raw(f, NULL, multi, strlen(multi));
    assert_string_equal(f->rsp.cim_error, "multiple-requests-unsupported");
    const char *proto =
        "<?xml version=\"1.0\"?><CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE "
        "ID=\"1\" PROTOCOLVERSION=\"9.0\"><SIMPLEREQ/></MESSAGE></CIM>";
    raw(f, NULL, proto, strlen(proto));
    assert_string_equal(f->rsp.cim_error, "unsupported-protocol-version");
    /* CIMMethod header naming another method */
    const char *ecn =
        ENV_HEAD "<IMETHODCALL NAME=\"EnumerateClassNames\">" NS_OPEN "</IMETHODCALL>" ENV_TAIL;
    raw(f, "GetClass", ecn, strlen(ecn));
    assert_string_equal(f->rsp.cim_error, "header-mismatch");
    /* a body over the limit */
    raw(f, NULL, ecn, CIMJOB_CIMXML_DEFAULT_MAX_REQUEST + 1);
    assert_int_equal(f->rsp.http_status, 413);
    /* unknown namespace, class, operation, method; a key of another class */
    expect_error(call(f, "EnumerateClassNames",
                      ENV_HEAD "<IMETHODCALL NAME=\"EnumerateClassNames\"><LOCALNAMESPACEPATH>"
                               "<NAMESPACE NAME=\"root\"/><NAMESPACE NAME=\"interop\"/>"
                               "</LOCALNAMESPACEPATH></IMETHODCALL>" ENV_TAIL),
                 3);
    expect_error(call(f, "EnumerateInstances",
                      ENV_HEAD "<IMETHODCALL NAME=\"EnumerateInstances\">" NS_OPEN
                               "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"CIM_Foo\"/>"
                               "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL),
                 5);
    expect_error(call(f, "Associators",
                      ENV_HEAD "<IMETHODCALL NAME=\"Associators\">" NS_OPEN
                               "</IMETHODCALL>" ENV_TAIL),
                 7);
    expect_error(cm_doc(f, "alice", "Frobnicate", id, ""), 17);
    expect_error(call(f, "GetInstance",
                      ENV_HEAD "<IMETHODCALL NAME=\"GetInstance\">" NS_OPEN
                               "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
                               "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING NAME=\"Name\">"
                               "<KEYVALUE>x</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>"
                               "</IMETHODCALL>" ENV_TAIL),
                 4);
    expect_error(call(f, "GetInstance",
                      ENV_HEAD "<IMETHODCALL NAME=\"GetInstance\">" NS_OPEN
                               "<IPARAMVALUE NAME=\"InstanceName\"><INSTANCENAME "
                               "CLASSNAME=\"CIMJOB_ConcreteJob\"><KEYBINDING NAME=\"InstanceID\">"
                               "<KEYVALUE>%s</KEYVALUE></KEYBINDING><KEYBINDING NAME=\"Extra\">"
                               "<KEYVALUE>z</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>"
                               "</IMETHODCALL>" ENV_TAIL,
                      id),
                 4);
    expect_error(call(f, "GetInstance",
                      ENV_HEAD "<IMETHODCALL NAME=\"GetInstance\">" NS_OPEN
                               "<IPARAMVALUE NAME=\"Bogus\"><VALUE>1</VALUE></IPARAMVALUE>"
                               "</IMETHODCALL>" ENV_TAIL),
                 4);
    expect_error(call(f, "GetInstance",
                      ENV_HEAD "<IMETHODCALL NAME=\"GetInstance\">" NS_OPEN
                               "<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>maybe</VALUE></IPARAMVALUE>"
                               "</IMETHODCALL>" ENV_TAIL),
                 4);
    /* missing and wrong-typed parameters */
    expect_error(cm_doc(f, "alice", "RequestStateChange", id, ""), 4);
    expect_error(cm_doc(f, "alice", "RequestStateChange", id,
                        "<PARAMVALUE NAME=\"RequestedState\"><VALUE>four</VALUE></PARAMVALUE>"),
                 4);
    expect_error(cm_doc(f, "alice", "RequestStateChange", id,
                        "<PARAMVALUE NAME=\"RequestedState\"><VALUE>70000</VALUE></PARAMVALUE>"),
                 4);
    expect_error(cm_doc(f, "alice", "KillJob", id,
                        "<PARAMVALUE NAME=\"DeleteOnKill\"><VALUE>perhaps</VALUE></PARAMVALUE>"),
                 4);
    expect_error(
        cm_doc(f, "alice", "KillJob", id, "<PARAMVALUE NAME=\"Job\"><VALUE>x</VALUE></PARAMVALUE>"),
        4);
#undef DEEP

#define START(params)                                                                              \
    call(f, "StartJob",                                                                            \
         ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH>" NS_SELF                         \
                  "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH>" params               \
                  "</METHODCALL>" ENV_TAIL)
    /* no Name; a scalar CommandLine (wbemcli's shape when the class declares no array); an
     * empty one; no CommandLine; a bad Environment; a bad TimeBeforeRemoval */
    expect_error(START("<PARAMVALUE NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>true</VALUE>"
                       "</VALUE.ARRAY></PARAMVALUE>"),
                 4);
    expect_error(START("<PARAMVALUE NAME=\"Name\"><VALUE>n</VALUE></PARAMVALUE><PARAMVALUE "
                       "NAME=\"CommandLine\"><VALUE>sleep 1</VALUE></PARAMVALUE>"),
                 4);
    expect_error(START("<PARAMVALUE NAME=\"Name\"><VALUE>n</VALUE></PARAMVALUE><PARAMVALUE "
                       "NAME=\"CommandLine\"><VALUE.ARRAY></VALUE.ARRAY></PARAMVALUE>"),
                 4);
    expect_error(START("<PARAMVALUE NAME=\"Name\"><VALUE>n</VALUE></PARAMVALUE>"), 4);
    expect_error(START("<PARAMVALUE NAME=\"Name\"><VALUE>n</VALUE></PARAMVALUE><PARAMVALUE "
                       "NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>true</VALUE></VALUE.ARRAY>"
                       "</PARAMVALUE><PARAMVALUE NAME=\"Environment\"><VALUE.ARRAY><VALUE>NOEQ"
                       "</VALUE></VALUE.ARRAY></PARAMVALUE>"),
                 4);
    expect_error(START("<PARAMVALUE NAME=\"Name\"><VALUE>n</VALUE></PARAMVALUE><PARAMVALUE "
                       "NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>true</VALUE></VALUE.ARRAY>"
                       "</PARAMVALUE><PARAMVALUE NAME=\"TimeBeforeRemoval\"><VALUE>soon</VALUE>"
                       "</PARAMVALUE>"),
                 4);
    /* StartJob on an instance, RequestStateChange on the class */
    expect_error(cm_doc(f, "alice", "StartJob", id, ""), 4);
    expect_error(call(f, "KillJob",
                      ENV_HEAD "<METHODCALL NAME=\"KillJob\"><LOCALCLASSPATH>" NS_SELF
                               "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH>"
                               "</METHODCALL>" ENV_TAIL),
                 4);
    /* a huge Name: the library refuses it, RETURNVALUE 5 (Invalid Parameter), no job */
    size_t big = 200000;
    char *name = malloc(big + 1);
    memset(name, 'n', big);
    name[big] = '\0';
    size_t before = 0, after = 0;
    cimjob_registry_count(f->reg, &before);
    const char *b2 = call(f, "StartJob",
                          ENV_HEAD "<METHODCALL NAME=\"StartJob\"><LOCALCLASSPATH>" NS_SELF
                                   "<CLASSNAME NAME=\"CIMJOB_ConcreteJob\"/></LOCALCLASSPATH>"
                                   "<PARAMVALUE NAME=\"Name\"><VALUE>%s</VALUE></PARAMVALUE>"
                                   "<PARAMVALUE NAME=\"CommandLine\"><VALUE.ARRAY><VALUE>true"
                                   "</VALUE></VALUE.ARRAY></PARAMVALUE></METHODCALL>" ENV_TAIL,
                          name);
    expect_rv(b2, 5);
    assert_null(strstr(b2, "PARAMVALUE"));
    cimjob_registry_count(f->reg, &after);
    assert_int_equal(before, after);
    free(name);
    /* A Name that is not UTF-8 is refused by the library (a CIM string is characters; over
     * CIM-XML libxml2 already refuses a document that is not UTF-8). */
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "caf\xc3\xa9 \xff\xfe bytes";
    o.owner = "alice";
    cimjob_job *job;
    assert_int_equal(cimjob_create(f->reg, &o, &job), CIMJOB_RC_INVALID_UTF8);
    /* Control characters (valid UTF-8, not XML characters) in a Name are written as '?': the
     * document stays well-formed. */
    o.name = "caf\xc3\xa9 <&> bell\x07 and\x1b esc";
    assert_int_equal(cimjob_create(f->reg, &o, &job), CIMJOB_RC_SUCCESS);
    b2 = gi_doc(f, "alice", cimjob_job_instance_id(job), NULL);
    assert_non_null(strstr(b2, "<VALUE>caf\xc3\xa9 &lt;&amp;&gt; bell? and? esc</VALUE>"));
    cimjob_job_release(job);
    /* entities and character references in text and attributes arrive decoded */
    b2 = call(f, "GetClass",
              ENV_HEAD "<IMETHODCALL NAME=\"GetClass\">" NS_OPEN
                       "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"A&amp;B&#38;C&lt;\"/>"
                       "</IPARAMVALUE></IMETHODCALL>" ENV_TAIL);
    expect_error(b2, 5);
    assert_non_null(strstr(b2, "no class 'A&amp;B&amp;C&lt;'"));
    b2 = gi_doc(f, "alice", "CIMJOB:&#49;&amp;<![CDATA[<x>]]>", NULL);
    expect_error(b2, 6);
    assert_non_null(strstr(b2, "InstanceID=CIMJOB:1&amp;&lt;x&gt;\""));
    /* an element or attribute in an XML namespace is not a CIM-XML one */
    raw(f, NULL,
        "<?xml version=\"1.0\"?><CIM xmlns=\"urn:x\" CIMVERSION=\"2.0\" "
        "DTDVERSION=\"2.0\"/>",
        strlen("<?xml version=\"1.0\"?><CIM xmlns=\"urn:x\" CIMVERSION=\"2.0\" "
               "DTDVERSION=\"2.0\"/>"));
    assert_int_equal(f->rsp.http_status, 400);
    /* nothing was lost, and the service still answers */
    assert_int_equal(job_state(f, id), 4);
    free(id);
}

int main(int argc, char **argv)
{
    dtd_path = argc > 1 ? argv[1] : "../shared/wbem/DSP0203_2.4.0.dtd";
    dtd = xmlParseDTD(NULL, (const xmlChar *)dtd_path);
    if (!dtd) {
        fprintf(stderr, "cannot read the DTD %s (../shared/wbem missing?): skipped\n", dtd_path);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enumerate_class_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_class, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_enumerate_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instance_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instance_cache_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instance_cache_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pieces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modify_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_job_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_parameters_and_status, setup, teardown),
    };
    int rc = cmocka_run_group_tests_name("cimxml", tests, NULL, NULL);
    xmlFreeDtd(dtd);
    xmlCleanupParser();
    return rc;
}
