/*
 * console: the web console's files (console/ at the top of the tree),
 * served by the front at /console/ from copies embedded in the binary at
 * build time (tools/embed_assets.c writes the table lv_console_files into
 * build/.../gen/console_assets.c). Nothing is read from the file system
 * at run time, and nothing here needs a signature: the console signs its
 * own API calls, with the user's keys, like any other client.
 *
 * Every answer carries the console's Content-Security-Policy,
 * X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer. A file
 * has its content type (by extension) and an ETag (a hash of its bytes);
 * If-None-Match with that ETag gets 304. /console redirects to /console/,
 * which is index.html. A path with an empty, "." or ".." segment, or one
 * naming no embedded file, is 404; a method other than GET and HEAD is
 * 405. This module does not list directories, and serves nothing outside
 * the table.
 */
#ifndef LV_HTTP_CONSOLE_H
#define LV_HTTP_CONSOLE_H

#include <stddef.h>

struct MHD_Connection;

/* One embedded file: its path under console/ ("js/main.js"), its bytes
 * and their ETag (a quoted string). The table is sorted by path (byte
 * order), for lv_console_find. */
struct lv_console_file {
    const char *path;
    const unsigned char *data;
    size_t len;
    const char *etag;
};

extern const struct lv_console_file lv_console_files[];
extern const size_t lv_console_n_files;

/* The Content-Security-Policy of every console answer. */
#define LV_CONSOLE_CSP                                                      \
    "default-src 'none'; script-src 'self'; style-src 'self'; "             \
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "           \
    "form-action 'none'; frame-ancestors 'none'"

/* What the console answers to one request: the status, and the headers
 * and body that go with it (all borrowed from static storage: the table
 * or string constants; valid for the life of the program). */
struct lv_console_reply {
    int status;                 /* 200, 301, 304, 404 or 405 */
    const char *content_type;
    const char *etag;           /* NULL but for 200 and 304 */
    const char *location;       /* 301 only */
    const char *allow;          /* 405 only */
    const unsigned char *body;
    size_t len;
};

/* Whether url (the decoded path, without the query) is the console's:
 * "/console" or under "/console/". */
int lv_console_owns(const char *url);

/* The embedded file at path (relative to console/, no leading slash), or
 * NULL. */
const struct lv_console_file *lv_console_find(const char *path);

/* The answer to method url (a path lv_console_owns) with the request's
 * If-None-Match header (NULL if none), written into *out. Never fails. */
void lv_console_resolve(const char *method, const char *url,
                        const char *if_none_match,
                        struct lv_console_reply *out);

/* Answers the request on c (lv_console_resolve, then the response with
 * the console's headers): libmicrohttpd's MHD_YES / MHD_NO, as returned by
 * MHD_queue_response. A HEAD answer has the headers of the GET one and no
 * body (libmicrohttpd leaves it out). */
int lv_console_respond(struct MHD_Connection *c, const char *method,
                       const char *url);

#endif
