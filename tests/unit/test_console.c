/*
 * http/console: the embedded table holds every file of console/ with its
 * bytes (walked from the tree), sorted; lookup, the answers to GET/HEAD,
 * the redirect, 304, 404 (unknown files, traversal of every spelling that
 * reaches the function) and 405; then the headers lv_console_respond
 * sends, in-process (libmicrohttpd on port 0, libcurl as the client).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <microhttpd.h>

#include "http/console.h"
#include "util/buf.h"
#include "util/mem.h"

#define ROOT "console"

/* ---- the table against the tree ----------------------------------------- */

static size_t n_seen;

static void check_file(const char *full, const char *rel)
{
    const struct lv_console_file *f = lv_console_find(rel);
    FILE *in = fopen(full, "rb");
    unsigned char *buf;
    size_t n;

    if (!f) {
        fail_msg("%s is in console/ but not embedded", rel);
    }
    assert_non_null(in);
    buf = lv_xmalloc(f->len + 1);
    n = fread(buf, 1, f->len + 1, in);
    fclose(in);
    if (n != f->len || memcmp(buf, f->data, n) != 0) {
        fail_msg("%s: embedded bytes differ from the file (%zu vs %zu)",
                 rel, f->len, n);
    }
    free(buf);
    n_seen++;
}

static void walk(const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char *full;
        char *sub;
        struct stat st;

        if (e->d_name[0] == '.') {
            continue;
        }
        full = lv_xasprintf("%s/%s", dir, e->d_name);
        sub = lv_xasprintf("%s%s%s", rel, *rel ? "/" : "", e->d_name);
        assert_int_equal(stat(full, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(full, sub);
        } else {
            check_file(full, sub);
        }
        free(sub);
        free(full);
    }
    closedir(d);
}

static void test_table_is_the_tree(void **state)
{
    (void)state;
    n_seen = 0;
    walk(ROOT, "");
    assert_true(n_seen > 0);
    assert_int_equal(n_seen, lv_console_n_files);
    for (size_t i = 1; i < lv_console_n_files; i++) {
        if (strcmp(lv_console_files[i - 1].path,
                   lv_console_files[i].path) >= 0) {
            fail_msg("table not sorted at %s", lv_console_files[i].path);
        }
    }
    for (size_t i = 0; i < lv_console_n_files; i++) {
        const char *etag = lv_console_files[i].etag;

        /* A quoted validator, different for different bytes. */
        assert_int_equal(strlen(etag), 18);
        assert_true(etag[0] == '"' && etag[17] == '"');
        for (size_t j = 0; j < i; j++) {
            if (lv_console_files[j].len != lv_console_files[i].len ||
                memcmp(lv_console_files[j].data, lv_console_files[i].data,
                       lv_console_files[i].len) != 0) {
                assert_string_not_equal(lv_console_files[j].etag, etag);
            }
        }
    }
}

/* ---- answers ------------------------------------------------------------ */

struct row {
    const char *name;
    const char *method;
    const char *url;
    const char *inm;            /* If-None-Match */
    int status;
    const char *type;           /* NULL: not checked */
    const char *file;           /* the file whose bytes and ETag come */
    const char *location;
};

#define HTML "text/html; charset=utf-8"
#define JS "text/javascript; charset=utf-8"
#define CSS "text/css; charset=utf-8"
#define TEXT "text/plain; charset=utf-8"

static const struct row rows[] = {
    { "root is index.html", "GET", "/console/", NULL, 200, HTML,
      "index.html", NULL },
    { "index.html by name", "GET", "/console/index.html", NULL, 200, HTML,
      "index.html", NULL },
    { "HEAD like GET", "HEAD", "/console/", NULL, 200, HTML, "index.html",
      NULL },
    { "a module", "GET", "/console/js/main.js", NULL, 200, JS, "js/main.js",
      NULL },
    { "another module", "GET", "/console/js/router.js", NULL, 200, JS,
      "js/router.js", NULL },
    { "the style sheet", "GET", "/console/app.css", NULL, 200, CSS,
      "app.css", NULL },
    { "no slash: redirect", "GET", "/console", NULL, 301, NULL, NULL,
      "/console/" },
    { "unknown file", "GET", "/console/nope.js", NULL, 404, TEXT, NULL,
      NULL },
    { "a directory", "GET", "/console/js", NULL, 404, TEXT, NULL, NULL },
    { "a directory with slash", "GET", "/console/js/", NULL, 404, TEXT,
      NULL, NULL },
    { "dot dot out", "GET", "/console/../Makefile", NULL, 404, TEXT, NULL,
      NULL },
    { "dot dot back in", "GET", "/console/js/../index.html", NULL, 404,
      TEXT, NULL, NULL },
    { "dot segment", "GET", "/console/./index.html", NULL, 404, TEXT, NULL,
      NULL },
    { "empty segment", "GET", "/console//index.html", NULL, 404, TEXT, NULL,
      NULL },
    { "deep dot dot", "GET", "/console/js/../../src/main.c", NULL, 404,
      TEXT, NULL, NULL },
    { "backslash", "GET", "/console/js\\..\\index.html", NULL, 404, TEXT,
      NULL, NULL },
    { "control character", "GET", "/console/index.html\n", NULL, 404, TEXT,
      NULL, NULL },
    { "absolute file", "GET", "/console//etc/passwd", NULL, 404, TEXT, NULL,
      NULL },
    { "POST refused", "POST", "/console/", NULL, 405, TEXT, NULL, NULL },
    { "PUT refused", "PUT", "/console/index.html", NULL, 405, TEXT, NULL,
      NULL },
    { "other etag: 200", "GET", "/console/app.css", "\"0000000000000000\"",
      200, CSS, "app.css", NULL },
    { "star: 304", "GET", "/console/app.css", "*", 304, CSS, NULL, NULL },
};

static void run_row(const struct row *r)
{
    struct lv_console_reply rep;

    lv_console_resolve(r->method, r->url, r->inm, &rep);
    if (rep.status != r->status) {
        fail_msg("%s: status %d, want %d", r->name, rep.status, r->status);
    }
    if (r->type && strcmp(rep.content_type, r->type) != 0) {
        fail_msg("%s: type %s, want %s", r->name, rep.content_type, r->type);
    }
    if (r->location) {
        assert_non_null(rep.location);
        assert_string_equal(rep.location, r->location);
    } else if (rep.location) {
        fail_msg("%s: unexpected Location %s", r->name, rep.location);
    }
    if (r->file) {
        const struct lv_console_file *f = lv_console_find(r->file);

        assert_non_null(f);
        assert_ptr_equal(rep.body, f->data);
        assert_int_equal(rep.len, f->len);
        assert_string_equal(rep.etag, f->etag);
    } else if (rep.status != 304) {
        assert_null(rep.etag);
    }
    if (r->status == 405) {
        assert_string_equal(rep.allow, "GET, HEAD");
    }
    if (r->status == 404) {
        /* Nothing of the request comes back. */
        assert_int_equal(rep.len, strlen("Not Found\n"));
        assert_memory_equal(rep.body, "Not Found\n", rep.len);
    }
}

static void test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        run_row(&rows[i]);
    }
}

static void test_etag_revalidation(void **state)
{
    const struct lv_console_file *f = lv_console_find("js/api.js");
    struct lv_console_reply rep;
    char *list;

    (void)state;
    assert_non_null(f);
    lv_console_resolve("GET", "/console/js/api.js", f->etag, &rep);
    assert_int_equal(rep.status, 304);
    assert_int_equal(rep.len, 0);
    assert_string_equal(rep.etag, f->etag);
    list = lv_xasprintf("\"1111111111111111\", W/%s", f->etag);
    lv_console_resolve("HEAD", "/console/js/api.js", list, &rep);
    assert_int_equal(rep.status, 304);
    free(list);
}

static void test_owns(void **state)
{
    (void)state;
    assert_true(lv_console_owns("/console"));
    assert_true(lv_console_owns("/console/"));
    assert_true(lv_console_owns("/console/js/x.js"));
    assert_false(lv_console_owns("/consoles"));
    assert_false(lv_console_owns("/console.html"));
    assert_false(lv_console_owns("/"));
    assert_false(lv_console_owns("/health"));
    assert_null(lv_console_find(""));
    assert_null(lv_console_find("/index.html"));
    assert_null(lv_console_find("index.htm"));
}

/* ---- the headers on the wire ------------------------------------------- */

static enum MHD_Result serve(void *cls, struct MHD_Connection *c,
                             const char *url, const char *method,
                             const char *version, const char *upload,
                             size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    return (enum MHD_Result)lv_console_respond(c, method, url);
}

static size_t collect(char *p, size_t size, size_t n, void *cls)
{
    lv_buf_add(cls, p, size * n);
    return size * n;
}

struct got {
    long status;
    struct lv_buf head;         /* the header lines, as received */
    struct lv_buf body;
};

static void fetch(int port, const char *method, const char *path,
                  const char *inm, struct got *g)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char url[256];
    char *line = NULL;

    assert_non_null(h);
    lv_buf_init(&g->head, 1 << 20);
    lv_buf_init(&g->body, 1 << 22);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &g->head);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &g->body);
    if (inm) {
        line = lv_xasprintf("If-None-Match: %s", inm);
        hdrs = curl_slist_append(hdrs, line);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    }
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &g->status);
    curl_slist_free_all(hdrs);
    free(line);
    curl_easy_cleanup(h);
}

static void got_release(struct got *g)
{
    lv_buf_release(&g->head);
    lv_buf_release(&g->body);
}

/* The header's value, as one line "Name: value\r\n" holds it. */
static void expect_header(const struct got *g, const char *name,
                          const char *value)
{
    char *line = lv_xasprintf("\r\n%s: %s\r\n", name, value);

    if (!strstr(g->head.data, line)) {
        fail_msg("no \"%s: %s\" in:\n%s", name, value, g->head.data);
    }
    free(line);
}

static void expect_common(const struct got *g)
{
    expect_header(g, "Content-Security-Policy", LV_CONSOLE_CSP);
    expect_header(g, "X-Content-Type-Options", "nosniff");
    expect_header(g, "Referrer-Policy", "no-referrer");
}

static void test_headers_on_the_wire(void **state)
{
    const struct lv_console_file *css = lv_console_find("app.css");
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    struct got g;
    int port;

    (void)state;
    assert_non_null(css);
    /* The exact text of the contract. */
    assert_string_equal(LV_CONSOLE_CSP,
                        "default-src 'none'; script-src 'self'; "
                        "style-src 'self'; img-src 'self' data:; "
                        "connect-src 'self'; base-uri 'none'; "
                        "form-action 'none'; frame-ancestors 'none'");
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                         serve, NULL, MHD_OPTION_END);
    assert_non_null(d);
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    port = info->port;

    fetch(port, "GET", "/console/app.css", NULL, &g);
    assert_int_equal(g.status, 200);
    expect_common(&g);
    expect_header(&g, "Content-Type", "text/css; charset=utf-8");
    expect_header(&g, "ETag", css->etag);
    expect_header(&g, "Cache-Control", "no-cache");
    assert_int_equal(g.body.len, css->len);
    assert_memory_equal(g.body.data, css->data, css->len);
    got_release(&g);

    fetch(port, "HEAD", "/console/app.css", NULL, &g);
    assert_int_equal(g.status, 200);
    expect_common(&g);
    expect_header(&g, "ETag", css->etag);
    assert_int_equal(g.body.len, 0);
    got_release(&g);

    fetch(port, "GET", "/console/app.css", css->etag, &g);
    assert_int_equal(g.status, 304);
    expect_common(&g);
    expect_header(&g, "ETag", css->etag);
    assert_int_equal(g.body.len, 0);
    got_release(&g);

    fetch(port, "GET", "/console", NULL, &g);
    assert_int_equal(g.status, 301);
    expect_common(&g);
    expect_header(&g, "Location", "/console/");
    got_release(&g);

    fetch(port, "GET", "/console/js/../../Makefile", NULL, &g);
    assert_int_equal(g.status, 404);
    expect_common(&g);
    expect_header(&g, "Content-Type", "text/plain; charset=utf-8");
    assert_string_equal(g.body.data, "Not Found\n");
    got_release(&g);

    fetch(port, "DELETE", "/console/", NULL, &g);
    assert_int_equal(g.status, 405);
    expect_common(&g);
    expect_header(&g, "Allow", "GET, HEAD");
    got_release(&g);

    MHD_stop_daemon(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_the_tree),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_etag_revalidation),
        cmocka_unit_test(test_owns),
        cmocka_unit_test(test_headers_on_the_wire),
    };
    int failed;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    failed = cmocka_run_group_tests_name("console", tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
