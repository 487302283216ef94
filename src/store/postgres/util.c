/*
 * postgres/util.c: the helpers of pg_int.h that need no connection —
 * binding parameters, reading a text or binary result, the batched list
 * walk and the one way every call of the backend fails (lv_pg_fail). The
 * statements themselves run in backend.c, which owns the connections and
 * their prepared statements.
 */
#include "store/postgres/pg_int.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

int lv_pg_fail(const char *what, const char *detail, struct lv_err *err)
{
    char line[1024];
    size_t n = 0;

    /* One log line: libpq's messages run over several, and end with a
     * newline. */
    for (const char *p = detail ? detail : ""; *p && n < sizeof(line) - 1;
         p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r') {
            if (n && line[n - 1] != ' ') {
                line[n++] = ' ';
            }
        } else {
            line[n++] = *p;
        }
    }
    while (n && line[n - 1] == ' ') {
        n--;
    }
    line[n] = '\0';
    lv_log(LV_LOG_ERROR, "store: %s failed: %s", what,
           n ? line : "no detail");
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                      LV_STORE_UNAVAILABLE_MSG);
}

/* ---- parameters ---------------------------------------------------------- */

void lv_pg_params_init(struct lv_pg_params *p)
{
    memset(p, 0, sizeof(*p));
}

/* The next slot, or NULL (and overflow set) past LV_PG_MAX_PARAMS. */
static int next_slot(struct lv_pg_params *p)
{
    if (p->n >= LV_PG_MAX_PARAMS) {
        p->overflow = 1;
        return -1;
    }
    return p->n++;
}

void lv_pg_param_textn(struct lv_pg_params *p, const char *s, size_t len)
{
    int i = next_slot(p);

    if (i < 0) {
        return;
    }
    if (len > INT_MAX) {
        p->overflow = 1;
        len = 0;
    }
    /* libpq reads a text-format value up to its terminator, which s need
     * not have at len: bound in binary format instead, which for text is
     * the bytes themselves (the server still checks they are UTF-8). */
    p->values[i] = len ? s : "";
    p->lengths[i] = (int)len;
    p->formats[i] = 1;
}

void lv_pg_param_text(struct lv_pg_params *p, const char *s)
{
    int i = next_slot(p);

    if (i < 0) {
        return;
    }
    p->values[i] = s ? s : "";
    p->lengths[i] = 0;
    p->formats[i] = 0;
}

void lv_pg_param_text_or_null(struct lv_pg_params *p, const char *s)
{
    int i;

    if (s) {
        lv_pg_param_text(p, s);
        return;
    }
    i = next_slot(p);
    if (i >= 0) {
        p->values[i] = NULL;
        p->lengths[i] = 0;
        p->formats[i] = 0;
    }
}

void lv_pg_param_field(struct lv_pg_params *p, const char *field, size_t cap)
{
    size_t len = strnlen(field, cap);

    if (len < cap) {
        lv_pg_param_text(p, field);     /* terminated within the field */
    } else {
        lv_pg_param_textn(p, field, len);
    }
}

void lv_pg_param_int64(struct lv_pg_params *p, int64_t v)
{
    int i = next_slot(p);

    if (i < 0) {
        return;
    }
    snprintf(p->num[i], sizeof(p->num[i]), "%" PRId64, v);
    p->values[i] = p->num[i];
    p->lengths[i] = (int)strlen(p->num[i]);
    p->formats[i] = 0;
}

void lv_pg_param_double(struct lv_pg_params *p, double v)
{
    int i = next_slot(p);

    if (i < 0) {
        return;
    }
    snprintf(p->num[i], sizeof(p->num[i]), "%.17g", v);
    p->values[i] = p->num[i];
    p->lengths[i] = (int)strlen(p->num[i]);
    p->formats[i] = 0;
}

void lv_pg_param_bytea(struct lv_pg_params *p, const void *b, size_t len)
{
    int i = next_slot(p);

    if (i < 0) {
        return;
    }
    if (len > INT_MAX) {
        p->overflow = 1;
        len = 0;
    }
    p->values[i] = len ? b : "";
    p->lengths[i] = (int)len;
    p->formats[i] = 1;
}

/* ---- reading ------------------------------------------------------------- */

int64_t lv_pg_get_int64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col)) {
        return 0;
    }
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double lv_pg_get_double(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col)) {
        return 0;
    }
    return strtod(PQgetvalue(r, row, col), NULL);
}

void lv_pg_get_field(const PGresult *r, int row, int col, char *dst,
                     size_t cap, const char *field)
{
    const char *t = PQgetvalue(r, row, col);
    size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row,
                                                                    col);

    if (n >= cap) {
        lv_log(LV_LOG_WARN, "store: value too long for its field "
               "field=%s len=%zu max=%zu, truncated", field, n, cap - 1);
        n = cap - 1;
    }
    memcpy(dst, t, n);
    dst[n] = '\0';
}

char *lv_pg_get_dup(const PGresult *r, int row, int col)
{
    size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row,
                                                                    col);
    char *s = lv_xmalloc(n + 1);

    memcpy(s, PQgetvalue(r, row, col), n);
    s[n] = '\0';
    return s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int lv_pg_get_bytea(const PGresult *r, int row, int col, struct lv_buf *out)
{
    const char *v = PQgetvalue(r, row, col);
    size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row,
                                                                    col);
    size_t len;

    lv_buf_reset(out);
    if (PQfformat(r, col) == 1) {
        return n && lv_buf_add(out, v, n) < 0 ? -1 : 0;
    }
    /* Text: "\x" then two hex digits a byte (bytea_output = hex, which
     * every connection sets). */
    if (n == 0) {
        return 0;
    }
    if (n < 2 || v[0] != '\\' || v[1] != 'x' || (n - 2) % 2) {
        return -1;
    }
    len = (n - 2) / 2;
    if (len > out->max || lv_buf_grow(out, len) < 0) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(v[2 + 2 * i]);
        int lo = hexval(v[3 + 2 * i]);

        if (hi < 0 || lo < 0) {
            lv_buf_reset(out);
            return -1;
        }
        out->data[i] = (char)(hi << 4 | lo);
    }
    out->len = len;
    out->data[len] = '\0';
    return 0;
}

/* ---- batched walks ------------------------------------------------------- */

static void walk_release(const struct lv_pg_walk *w, char *rows, int n)
{
    for (int i = 0; i < n; i++) {
        if (w->release) {
            w->release(rows + (size_t)i * w->size);
        } else {
            memset(rows + (size_t)i * w->size, 0, w->size);
        }
    }
}

int lv_pg_walk_run(struct lv_pg *q, const struct lv_pg_walk *w,
                   struct lv_err *err)
{
    char *rows = lv_xcalloc(LV_PG_WALK_BATCH, w->size);
    struct lv_pg_params p;
    PGresult *res = NULL;
    int total = 0;
    int n = 0;
    int want;
    int got;
    int ret = -1;

    for (;;) {
        want = LV_PG_WALK_BATCH;
        if (w->limit > 0 && w->limit - total < want) {
            want = w->limit - total;
        }
        if (want <= 0) {
            break;
        }
        lv_pg_params_init(&p);
        w->bind(&p, w->ctx, n ? rows + (size_t)(n - 1) * w->size : NULL,
                want);
        /* The cursor is borrowed from the last row: released only once
         * the statement has run. */
        if (lv_pg_query(q, w->sql, &p, LV_PG_TEXT, &res, w->what, err) < 0) {
            goto out;
        }
        walk_release(w, rows, n);
        n = 0;
        got = PQntuples(res);
        if (got > want) {
            got = want;
        }
        for (int i = 0; i < got; i++) {
            w->read(res, i, rows + (size_t)i * w->size);
        }
        n = got;
        PQclear(res);
        res = NULL;
        for (int i = 0; i < n; i++) {
            int r = w->call(w->ctx, rows + (size_t)i * w->size);

            if (r != 0) {
                ret = r;
                goto out;
            }
        }
        total += n;
        if (n < want) {
            break;
        }
    }
    ret = 0;
out:
    PQclear(res);
    walk_release(w, rows, n);
    free(rows);
    return ret;
}
