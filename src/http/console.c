/*
 * console.c: the console's files, from the embedded table (console.h).
 */
#include "http/console.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

/* The body of a 404 and a 405: plain text, nothing of the request in it. */
static const char not_found[] = "Not Found\n";
static const char not_allowed[] = "Method Not Allowed\n";

/* Content types by extension; charset named for text, so that a browser
 * never guesses one (nosniff forbids guessing the type). */
static const struct {
    const char *ext;
    const char *type;
} types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".json", "application/json" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".txt", "text/plain; charset=utf-8" },
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (dot && !strchr(dot, '/')) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strcmp(dot, types[i].ext) == 0) {
                return types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

int lv_console_owns(const char *url)
{
    return strcmp(url, "/console") == 0 ||
           strncmp(url, "/console/", 9) == 0;
}

static int by_path(const void *key, const void *elem)
{
    return strcmp(key, ((const struct lv_console_file *)elem)->path);
}

const struct lv_console_file *lv_console_find(const char *path)
{
    return bsearch(path, lv_console_files, lv_console_n_files,
                   sizeof(lv_console_files[0]), by_path);
}

/* A path the table could name: segments that are not empty, "." or "..",
 * and no backslash or control character. The table holds no such path,
 * so this refuses nothing that exists; it states that the URL is never a
 * way out of console/, whatever a later change does with it. */
static int clean_path(const char *p)
{
    const char *seg = p;

    if (!*p) {
        return 0;
    }
    for (;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - seg);

            if (n == 0 || (n == 1 && seg[0] == '.') ||
                (n == 2 && seg[0] == '.' && seg[1] == '.')) {
                return 0;
            }
            if (*p == '\0') {
                return 1;
            }
            seg = p + 1;
        } else if (*p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f) {
            return 0;
        }
    }
}

/* Whether an If-None-Match list names etag (or is "*"); weak and strong
 * validators compare alike, as RFC 9110 section 13.1.2 has it for GET. */
static int etag_matches(const char *inm, const char *etag)
{
    inm += strspn(inm, " \t");
    return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
}

static void plain(struct lv_console_reply *out, int status,
                  const char *text)
{
    out->status = status;
    out->content_type = "text/plain; charset=utf-8";
    out->body = (const unsigned char *)text;
    out->len = strlen(text);
}

void lv_console_resolve(const char *method, const char *url,
                        const char *if_none_match,
                        struct lv_console_reply *out)
{
    const struct lv_console_file *f = NULL;
    const char *path;

    memset(out, 0, sizeof(*out));
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        plain(out, 405, not_allowed);
        out->allow = "GET, HEAD";
        return;
    }
    if (strcmp(url, "/console") == 0) {
        /* A relative page needs the slash: js/main.js resolves against
         * /console/, not against /. */
        plain(out, 301, "");
        out->location = "/console/";
        return;
    }
    path = url + strlen("/console/");
    if (!*path) {
        path = "index.html";
    }
    if (clean_path(path)) {
        f = lv_console_find(path);
    }
    if (!f) {
        plain(out, 404, not_found);
        return;
    }
    out->content_type = type_of(f->path);
    out->etag = f->etag;
    if (if_none_match && etag_matches(if_none_match, f->etag)) {
        out->status = 304;
        return;
    }
    out->status = 200;
    out->body = f->data;
    out->len = f->len;
}

int lv_console_respond(struct MHD_Connection *c, const char *method,
                       const char *url)
{
    struct lv_console_reply rep;
    struct MHD_Response *r;
    enum MHD_Result ret;

    lv_console_resolve(method, url,
                       MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "If-None-Match"),
                       &rep);
    /* The table's bytes live as long as the program: no copy. */
    r = MHD_create_response_from_buffer(rep.len, (void *)rep.body,
                                        MHD_RESPMEM_PERSISTENT);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", rep.content_type);
    MHD_add_response_header(r, "Content-Security-Policy", LV_CONSOLE_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* Revalidated on each load: a new binary's files are seen at once,
     * an unchanged one costs a 304. */
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    if (rep.etag) {
        MHD_add_response_header(r, "ETag", rep.etag);
    }
    if (rep.location) {
        MHD_add_response_header(r, "Location", rep.location);
    }
    if (rep.allow) {
        MHD_add_response_header(r, "Allow", rep.allow);
    }
    ret = MHD_queue_response(c, (unsigned int)rep.status, r);
    MHD_destroy_response(r);
    return ret;
}
