/* The jobs page on `cimjob serve`: the route that serves its files (the files and their lookup:
 * ui.h). One entry in the route table (serve.c) points here. */
#include "serve.h"
#include "ui.h"

#include <stdlib.h>
#include <string.h>

/* GET/HEAD /ui/...: the page's files. /ui itself redirects to /ui/ (relative links need it). */
void srv_route_ui(serve_ctx *ctx, const srv_request *req, srv_response *resp)
{
    (void)ctx;
    int head = strcmp(req->method, "HEAD") == 0;
    if (!head && strcmp(req->method, "GET") != 0) {
        srv_response_text(resp, 405, "The jobs page answers GET and HEAD only.\n");
        srv_response_header(resp, "Allow", "GET, HEAD");
        return;
    }
    if (strcmp(req->path, "/ui") == 0) {
        srv_response_text(resp, 301, "The jobs page is at /ui/\n");
        srv_response_header(resp, "Location", CLI_UI_PREFIX);
        return;
    }
    const cli_ui_asset *a = cli_ui_find(req->path);
    if (!a) {
        srv_response_text(resp, 404, "No such file of the jobs page.\n");
        return;
    }
    for (size_t i = 0; i < cli_ui_nheaders; i++)
        srv_response_header(resp, cli_ui_headers[i].name, cli_ui_headers[i].value);
    srv_response_header(resp, "ETag", a->etag);
    const char *inm = req->header ? req->header(req, "If-None-Match") : NULL;
    if (inm && cli_ui_etag_matches(inm, a->etag)) {
        resp->status = 304;
        return;
    }
    resp->status = 200;
    resp->content_type = a->content_type;
    resp->body = malloc(a->len + 1);
    if (!resp->body) {
        srv_response_text(resp, 500, "Out of memory.\n");
        return;
    }
    memcpy(resp->body, a->data, a->len + 1);
    resp->len = a->len;
}
