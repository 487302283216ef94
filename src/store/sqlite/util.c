/*
 * sqlite/util.c: the statement helpers the domain files share
 * (declared in sqlite_int.h): binding parameters in order with the first
 * failure sticking, copying columns out, stepping a statement and resetting
 * it on every path, and the batched list walk.
 *
 * It does not prepare statements or own connections (backend.c does), and it
 * knows no table: the domain files bring their SQL.
 */
#include "store/sqlite/sqlite_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- binding ------------------------------------------------------------- */

/* Moves b on to its next parameter: 1 when that is to be bound (nothing
 * failed yet and len fits SQLite's int), else 0 with b->rc saying why. */
static int bind_next(struct lv_sqlite_bind *b, size_t len)
{
    b->i++;
    if (b->rc != SQLITE_OK) {
        return 0;
    }
    if (len > INT_MAX) {
        b->rc = SQLITE_TOOBIG;
        return 0;
    }
    return 1;
}

void lv_sqlite_bind_start(struct lv_sqlite_bind *b, sqlite3_stmt *st)
{
    b->q = NULL;
    b->st = st;
    b->i = 0;
    b->rc = SQLITE_OK;
}

int lv_sqlite_start(struct lv_sqlite *q, const char *sql,
                    struct lv_sqlite_bind *b, struct lv_err *err)
{
    sqlite3_stmt *st = lv_sqlite_prepare(q, sql, err);

    if (!st) {
        return -1;
    }
    lv_sqlite_bind_start(b, st);
    b->q = q;
    return 0;
}

void lv_sqlite_bind_textn(struct lv_sqlite_bind *b, const char *s,
                          size_t len)
{
    if (!bind_next(b, len)) {
        return;
    }
    /* TRANSIENT: a cursor may point into a row the walk is about to
     * overwrite. */
    b->rc = sqlite3_bind_text(b->st, b->i, s ? s : "", (int)len,
                              SQLITE_TRANSIENT);
}

void lv_sqlite_bind_text(struct lv_sqlite_bind *b, const char *s)
{
    lv_sqlite_bind_textn(b, s, s ? strlen(s) : 0);
}

void lv_sqlite_bind_text_or_null(struct lv_sqlite_bind *b, const char *s)
{
    if (s) {
        lv_sqlite_bind_text(b, s);
        return;
    }
    if (bind_next(b, 0)) {
        b->rc = sqlite3_bind_null(b->st, b->i);
    }
}

void lv_sqlite_bind_field(struct lv_sqlite_bind *b, const char *field,
                          size_t cap)
{
    lv_sqlite_bind_textn(b, field, strnlen(field, cap));
}

void lv_sqlite_bind_int64(struct lv_sqlite_bind *b, int64_t v)
{
    if (bind_next(b, 0)) {
        b->rc = sqlite3_bind_int64(b->st, b->i, v);
    }
}

void lv_sqlite_bind_double(struct lv_sqlite_bind *b, double v)
{
    if (bind_next(b, 0)) {
        b->rc = sqlite3_bind_double(b->st, b->i, v);
    }
}

void lv_sqlite_bind_blob(struct lv_sqlite_bind *b, const void *p, size_t len)
{
    if (!bind_next(b, len)) {
        return;
    }
    b->rc = sqlite3_bind_blob(b->st, b->i, len ? p : "", (int)len,
                              SQLITE_STATIC);
}

/* ---- reading ------------------------------------------------------------- */

void lv_sqlite_col_field(sqlite3_stmt *st, int i, char *dst, size_t cap,
                         const char *field)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);

    if (!t) {
        t = (const unsigned char *)"";
        n = 0;
    }
    if ((size_t)n >= cap) {
        lv_log(LV_LOG_WARN, "store: value too long for its field "
               "field=%s len=%d max=%zu, truncated", field, n, cap - 1);
        n = (int)(cap - 1);
    }
    memcpy(dst, t, (size_t)n);
    dst[n] = '\0';
}

char *lv_sqlite_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *s = lv_xmalloc(n + 1);

    if (t) {
        memcpy(s, t, n);
    }
    s[n] = '\0';
    return s;
}

int lv_sqlite_col_blob(sqlite3_stmt *st, int i, struct lv_buf *out)
{
    const void *p = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);

    lv_buf_reset(out);
    return lv_buf_add(out, p, (size_t)n);
}

/* ---- stepping ------------------------------------------------------------ */

int lv_sqlite_stmt_fail(sqlite3_stmt *st, int rc, const char *what,
                        struct lv_err *err)
{
    lv_sqlite_fail(sqlite3_db_handle(st), rc, what, err);
    sqlite3_reset(st);
    return -1;
}

int lv_sqlite_step(struct lv_sqlite *q, sqlite3_stmt *st)
{
    struct lv_sqlite_turn *turn;
    int rc;

    if (!q || sqlite3_stmt_readonly(st) ||
        !sqlite3_get_autocommit(sqlite3_db_handle(st))) {
        return sqlite3_step(st);
    }
    turn = lv_sqlite_turn_of(q);
    if (lv_sqlite_turn_take(turn, LV_SQLITE_BUSY_TIMEOUT_MS) < 0) {
        return SQLITE_BUSY;
    }
    rc = sqlite3_step(st);
    lv_sqlite_turn_give(turn);
    return rc;
}

/* Steps b's statement once (lv_sqlite_step), or answers b->rc when
 * binding failed. */
static int step(const struct lv_sqlite_bind *b)
{
    return b->rc != SQLITE_OK ? b->rc : lv_sqlite_step(b->q, b->st);
}

int lv_sqlite_run_done(const struct lv_sqlite_bind *b, const char *what,
                       struct lv_err *err)
{
    int rc = step(b);

    if (rc != SQLITE_DONE) {
        return lv_sqlite_stmt_fail(b->st, rc, what, err);
    }
    sqlite3_reset(b->st);
    return 0;
}

int lv_sqlite_run_changed(const struct lv_sqlite_bind *b, const char *what,
                          struct lv_err *err)
{
    if (lv_sqlite_run_done(b, what, err) < 0) {
        return -1;
    }
    return lv_sqlite_changes(b->st) > 0 ? 1 : 0;
}

int lv_sqlite_run_row(const struct lv_sqlite_bind *b, const char *what,
                      struct lv_err *err)
{
    int rc = step(b);

    if (rc == SQLITE_DONE) {
        sqlite3_reset(b->st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        return lv_sqlite_stmt_fail(b->st, rc, what, err);
    }
    return 1;
}

int lv_sqlite_run_one(const struct lv_sqlite_bind *b,
                      void (*read)(sqlite3_stmt *st, void *row), void *row,
                      const char *what, struct lv_err *err)
{
    int rc = lv_sqlite_run_row(b, what, err);

    if (rc == 1) {
        read(b->st, row);
        sqlite3_reset(b->st);
    }
    return rc;
}

int lv_sqlite_run_int(const struct lv_sqlite_bind *b, int64_t *v,
                      const char *what, struct lv_err *err)
{
    int rc = step(b);

    if (rc != SQLITE_ROW) {
        return lv_sqlite_stmt_fail(b->st, rc, what, err);
    }
    *v = sqlite3_column_int64(b->st, 0);
    sqlite3_reset(b->st);
    return 0;
}

int lv_sqlite_changes(sqlite3_stmt *st)
{
    return sqlite3_changes(sqlite3_db_handle(st));
}

/* ---- batched walks ------------------------------------------------------- */

static void walk_release(const struct lv_sqlite_walk *w, char *rows, int n)
{
    for (int i = 0; i < n; i++) {
        if (w->release) {
            w->release(rows + (size_t)i * w->size);
        } else {
            memset(rows + (size_t)i * w->size, 0, w->size);
        }
    }
}

int lv_sqlite_walk_run(struct lv_sqlite *s, const struct lv_sqlite_walk *w,
                       struct lv_err *err)
{
    char *rows = lv_xcalloc(LV_SQLITE_WALK_BATCH, w->size);
    struct lv_sqlite_bind b;
    sqlite3_stmt *st;
    int total = 0;
    int n = 0;
    int want;
    int rc;
    int ret = -1;

    for (;;) {
        want = LV_SQLITE_WALK_BATCH;
        if (w->limit > 0 && w->limit - total < want) {
            want = w->limit - total;
        }
        if (want <= 0) {
            break;
        }
        if (lv_sqlite_start(s, w->sql, &b, err) < 0) {
            goto out;
        }
        st = b.st;
        w->bind(&b, w->ctx, n ? rows + (size_t)(n - 1) * w->size : NULL,
                want);
        walk_release(w, rows, n);   /* the cursor is bound (copied) */
        n = 0;
        rc = b.rc;
        while (rc == SQLITE_OK || rc == SQLITE_ROW) {
            if (n == want) {
                rc = SQLITE_DONE;
                break;
            }
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                w->read(st, rows + (size_t)n * w->size);
                n++;
            }
        }
        if (rc != SQLITE_DONE) {
            lv_sqlite_stmt_fail(st, rc, w->what, err);
            goto out;
        }
        sqlite3_reset(st);
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
    walk_release(w, rows, n);
    free(rows);
    return ret;
}
