/* The jobs page's files, looked up by request path (see ui.h). */
#include "ui.h"

#include <string.h>

const cli_ui_header cli_ui_headers[] = {
    {"Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "connect-src 'self'; img-src 'self' data:; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-cache"}, /* always revalidate: the ETag makes that a 304 */
};
const size_t cli_ui_nheaders = sizeof cli_ui_headers / sizeof cli_ui_headers[0];

const cli_ui_asset *cli_ui_find(const char *path)
{
    static const size_t plen = sizeof CLI_UI_PREFIX - 1;
    if (!path || strncmp(path, CLI_UI_PREFIX, plen) != 0)
        return NULL;
    const char *name = path + plen;
    if (*name == '\0')
        name = "index.html";
    if (strchr(name, '/') || strchr(name, '?'))
        return NULL;
    for (size_t i = 0; i < cli_ui_nassets; i++)
        if (strcmp(cli_ui_assets[i].name, name) == 0)
            return &cli_ui_assets[i];
    return NULL;
}

int cli_ui_etag_matches(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    const char *p = inm;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (p[0] == 'W' && p[1] == '/') /* weak comparison: the opaque tag is what counts */
            p += 2;
        if (strncmp(p, etag, n) == 0 &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
            return 1;
        p = strchr(p, ',');
    }
    return 0;
}
