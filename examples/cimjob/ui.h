/*
 * The jobs page of `cimjob serve` (examples/cimjob/ui/): its files, compiled into the command by
 * ui/embed.py, and their lookup. The page is served at /ui/ outside the /redfish tree; it holds
 * no data of its own (it asks the Redfish service for everything with a session token), so its
 * files need no authentication.
 */
#ifndef CIMJOB_UI_H
#define CIMJOB_UI_H

#include <stddef.h>

/* The URL prefix of the page. */
#define CLI_UI_PREFIX "/ui/"

typedef struct cli_ui_asset {
    const char *name;          /* "index.html", "cimjob.js", ... */
    const char *content_type;  /* e.g. "text/html; charset=utf-8" */
    const unsigned char *data; /* static; a NUL follows the len bytes */
    size_t len;
    const char *etag; /* a strong ETag, quotes included */
} cli_ui_asset;

/* Generated (ui_assets.c). */
extern const cli_ui_asset cli_ui_assets[];
extern const size_t cli_ui_nassets;

/* The asset for a request path: "/ui/" and "/ui/index.html" give the page, "/ui/NAME" the file
 * NAME. NULL for anything else (another path, a name with a '/' or a query). */
const cli_ui_asset *cli_ui_find(const char *path);

/* 1 when an If-None-Match header value names etag (a list of entity tags, weak ones included,
 * or "*"), 0 otherwise. */
int cli_ui_etag_matches(const char *if_none_match, const char *etag);

/* The headers every answer of the page carries: a Content-Security-Policy that allows only the
 * page's own files and requests to this origin, no framing, no sniffing, no referrer. */
typedef struct cli_ui_header {
    const char *name;
    const char *value;
} cli_ui_header;
extern const cli_ui_header cli_ui_headers[];
extern const size_t cli_ui_nheaders;

#endif /* CIMJOB_UI_H */
