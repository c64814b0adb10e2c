/*
 * The SessionService: POST UserName/Password to the Sessions collection and get an
 * X-Auth-Token (128 random bits) and a Session resource; DELETE the session to log out.
 * A session unused for session_timeout_s expires. Tokens are compared without an early exit.
 */
#include "rf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* The Redfish standard role of a session (Session.Roles, since v1_7_0): a client such as the
 * jobs page hides what the account may not do. */
static const char *role_name(int role)
{
    switch (role) {
    case CIMJOB_REDFISH_ROLE_ADMINISTRATOR:
        return "Administrator";
    case CIMJOB_REDFISH_ROLE_OPERATOR:
        return "Operator";
    default:
        return "ReadOnly";
    }
}

static json_t *session_doc(const rf_session *s)
{
    char uri[64];
    snprintf(uri, sizeof uri, RF_SESSIONS "/%s", s->id);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "@odata.type",
                     "#Session.v1_8_0.Session", "@odata.id", uri, "Id", s->id, "Name",
                     "User Session", "UserName", s->user, "SessionType", "Redfish", "Roles",
                     role_name(s->role));
}

static int may_see(const rf_call *c, const rf_session *s)
{
    return c->req->role == CIMJOB_REDFISH_ROLE_ADMINISTRATOR ||
           (c->req->user && strcmp(c->req->user, s->user) == 0);
}

void rf_get_sessionservice(rf_call *c)
{
    unsigned t = c->rf->o.session_timeout_s;
    if (t < 30)
        t = 30;
    if (t > 86400)
        t = 86400;
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:s, s:b, s:i, s:{s:s, s:s}, s:{s:s}}", "@odata.type",
                      "#SessionService.v1_2_0.SessionService", "@odata.id",
                      RF_ROOT "/SessionService", "Id", "SessionService", "Name", "Session Service",
                      "ServiceEnabled", 1, "SessionTimeout", (int)t, "Status", "State", "Enabled",
                      "Health", "OK", "Sessions", "@odata.id", RF_SESSIONS));
}

void rf_get_sessions(rf_call *c)
{
    json_t *members = json_array();
    pthread_mutex_lock(&c->rf->lock);
    for (rf_session *s = c->rf->sessions; s; s = s->next)
        if (may_see(c, s)) {
            char uri[64];
            snprintf(uri, sizeof uri, RF_SESSIONS "/%s", s->id);
            json_array_append_new(members, json_pack("{s:s}", "@odata.id", uri));
        }
    pthread_mutex_unlock(&c->rf->lock);
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:I, s:o}", "@odata.type",
                      "#SessionCollection.SessionCollection", "@odata.id", RF_SESSIONS, "Name",
                      "Session Collection", "Members@odata.count",
                      (json_int_t)json_array_size(members), "Members", members));
}

void rf_post_session(rf_call *c)
{
    cimjob_redfish *rf = c->rf;
    const char *user = NULL, *password = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        int is_user = strcmp(key, "UserName") == 0, is_pass = strcmp(key, "Password") == 0;
        if (!is_user && !is_pass) {
            rf_error_base(c, 400, "PropertyUnknown", key, NULL, NULL);
            return;
        }
        if (!json_is_string(v)) {
            char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            rf_error_base(c, 400, "PropertyValueTypeError", is_pass ? "(hidden)" : (s ? s : ""),
                          key, NULL);
            free(s);
            return;
        }
        *(is_user ? &user : &password) = json_string_value(v);
    }
    if (!user || !password) {
        rf_error_base(c, 400, "PropertyMissing", user ? "Password" : "UserName", NULL, NULL);
        return;
    }
    int role = CIMJOB_REDFISH_ROLE_NONE;
    if (!rf->o.authenticate || strlen(user) > RF_USER_MAX ||
        !rf->o.authenticate(user, password, &role, rf->o.userdata) ||
        role == CIMJOB_REDFISH_ROLE_NONE) {
        rf_error_base(c, 401, "NoValidSession", NULL, NULL, NULL);
        return;
    }
    unsigned char rnd[RF_TOKEN_LEN / 2];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        rf_error_base(c, 503, "ServiceTemporarilyUnavailable", "1", NULL, NULL);
        return;
    }
    rf_session *s = calloc(1, sizeof *s);
    if (!s) {
        rf_error_base(c, 503, "ServiceTemporarilyUnavailable", "1", NULL, NULL);
        return;
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(s->token + 2 * i, 3, "%02x", rnd[i]);
    snprintf(s->user, sizeof s->user, "%s", user);
    s->role = role;
    s->last_used_us = rf_mono_us();
    pthread_mutex_lock(&rf->lock);
    if (rf->nsessions >= rf->o.max_sessions) {
        pthread_mutex_unlock(&rf->lock);
        free(s);
        rf_error_base(c, 503, "SessionLimitExceeded", NULL, NULL, NULL);
        return;
    }
    snprintf(s->id, sizeof s->id, "%llu", (unsigned long long)++rf->session_seq);
    s->next = rf->sessions;
    rf->sessions = s;
    rf->nsessions++;
    json_t *doc = session_doc(s);
    char token[RF_TOKEN_LEN + 1], id[24];
    memcpy(token, s->token, sizeof token);
    memcpy(id, s->id, sizeof id);
    pthread_mutex_unlock(&rf->lock);
    rf_json(c, 201, doc);
    rf_header(c->resp, "Location", RF_SESSIONS "/%s", id);
    rf_header(c->resp, "X-Auth-Token", "%s", token);
}

void rf_get_session(rf_call *c)
{
    json_t *doc = NULL;
    int forbidden = 0;
    pthread_mutex_lock(&c->rf->lock);
    for (rf_session *s = c->rf->sessions; s; s = s->next)
        if (strcmp(s->id, c->id) == 0) {
            if (may_see(c, s))
                doc = session_doc(s);
            else
                forbidden = 1;
        }
    pthread_mutex_unlock(&c->rf->lock);
    if (doc)
        rf_json(c, 200, doc);
    else if (forbidden)
        rf_error_base(c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
    else
        rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
}

void rf_delete_session(rf_call *c)
{
    int found = 0, forbidden = 0;
    pthread_mutex_lock(&c->rf->lock);
    for (rf_session **pp = &c->rf->sessions; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->id, c->id) == 0) {
            if (!may_see(c, *pp)) {
                forbidden = 1;
                break;
            }
            rf_session *s = *pp;
            *pp = s->next;
            explicit_bzero(s->token, sizeof s->token);
            free(s);
            c->rf->nsessions--;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&c->rf->lock);
    if (found) {
        json_t *m = rf_message(RF_BASE_PREFIX, "Success", NULL, NULL, NULL);
        rf_json(c, 200, json_pack("{s:[o]}", "@Message.ExtendedInfo", m));
    } else if (forbidden)
        rf_error_base(c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
    else
        rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
}

static int token_equal(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = (unsigned char)(na != nb);
    for (size_t i = 0; i < RF_TOKEN_LEN; i++)
        d |= (unsigned char)((i < na ? a[i] : 0) ^ (i < nb ? b[i] : 0));
    return d == 0;
}

cimjob_rc cimjob_redfish_session_check(cimjob_redfish *rf, const char *token, char *user,
                                       size_t usersize, int *role)
{
    if (!rf || !token || !user || usersize == 0)
        return CIMJOB_RC_INVALID_PARAMETER;
    if (strlen(token) != RF_TOKEN_LEN)
        return CIMJOB_RC_NOT_FOUND;
    cimjob_rc rc = CIMJOB_RC_NOT_FOUND;
    int64_t now = rf_mono_us();
    int64_t ttl = (int64_t)rf->o.session_timeout_s * 1000000;
    pthread_mutex_lock(&rf->lock);
    for (rf_session *s = rf->sessions; s; s = s->next)
        if (token_equal(s->token, token) && now - s->last_used_us < ttl) {
            if (strlen(s->user) >= usersize) {
                rc = CIMJOB_RC_BUFFER_TOO_SMALL;
                break;
            }
            memcpy(user, s->user, strlen(s->user) + 1);
            if (role)
                *role = s->role;
            s->last_used_us = now;
            rc = CIMJOB_RC_SUCCESS;
            break;
        }
    pthread_mutex_unlock(&rf->lock);
    return rc;
}

void rf_sessions_expire(cimjob_redfish *rf)
{
    int64_t now = rf_mono_us();
    int64_t ttl = (int64_t)rf->o.session_timeout_s * 1000000;
    pthread_mutex_lock(&rf->lock);
    for (rf_session **pp = &rf->sessions; *pp;) {
        if (now - (*pp)->last_used_us >= ttl) {
            rf_session *s = *pp;
            *pp = s->next;
            explicit_bzero(s->token, sizeof s->token);
            free(s);
            rf->nsessions--;
        } else
            pp = &(*pp)->next;
    }
    pthread_mutex_unlock(&rf->lock);
}

void rf_sessions_free(cimjob_redfish *rf)
{
    for (rf_session *s = rf->sessions, *next; s; s = next) {
        next = s->next;
        explicit_bzero(s->token, sizeof s->token);
        free(s);
    }
    rf->sessions = NULL;
    rf->nsessions = 0;
}
