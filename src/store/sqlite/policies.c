/*
 * sqlite/policies.c: policies_store.h on the embedded SQLite backend
 * (table log_policies of schema_policies.c). A put is an insert; a close
 * sets to_ms on the row in force in one statement.
 */
#include "store/policies_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/log.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define COLS                                                                 \
    "id, account, region, scope, type, name, document, selection,"          \
    " policy_scope, from_ms, to_ms"

static void read_rec(sqlite3_stmt *st, void *row)
{
    struct lv_log_policy_rec *p = row;

    p->id = sqlite3_column_int64(st, 0);
    lv_sqlite_col_field(st, 1, F(p, account), "policy account");
    lv_sqlite_col_field(st, 2, F(p, region), "policy region");
    lv_sqlite_col_field(st, 3, F(p, scope), "policy scope");
    lv_sqlite_col_field(st, 4, F(p, type), "policy type");
    lv_sqlite_col_field(st, 5, F(p, name), "policy name");
    p->document = lv_sqlite_col_dup(st, 6);
    p->selection = lv_sqlite_col_dup(st, 7);
    lv_sqlite_col_field(st, 8, F(p, policy_scope), "policy scope");
    p->from_ms = sqlite3_column_int64(st, 9);
    p->to_ms = sqlite3_column_int64(st, 10);
}

static void release_rec(void *row)
{
    struct lv_log_policy_rec *p = row;

    lv_log_policy_rec_release(p);
    memset(p, 0, sizeof(*p));
}

int lv_sqlite_policies_insert(void *impl, const struct lv_log_policy_rec *p,
                              struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO log_policies (account, region, scope, type, name,"
        " document, selection, policy_scope, from_ms, to_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(p, account));
    lv_sqlite_bind_field(&b, F(p, region));
    lv_sqlite_bind_field(&b, F(p, scope));
    lv_sqlite_bind_field(&b, F(p, type));
    lv_sqlite_bind_field(&b, F(p, name));
    lv_sqlite_bind_text(&b, p->document ? p->document : "");
    lv_sqlite_bind_text(&b, p->selection ? p->selection : "");
    lv_sqlite_bind_field(&b, F(p, policy_scope));
    lv_sqlite_bind_int64(&b, p->from_ms);
    lv_sqlite_bind_int64(&b, p->to_ms);
    return lv_sqlite_run_changed(&b, "insert log policy", err) < 0 ? -1 : 0;
}

int lv_sqlite_policies_close(void *impl, const char *account,
                             const char *region, const char *scope,
                             const char *type, const char *name,
                             int64_t now_ms, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE log_policies SET to_ms = ?6"
        " WHERE account = ?1 AND region = ?2 AND scope = ?3 AND type = ?4"
        " AND name = ?5 AND to_ms = 0";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, scope);
    lv_sqlite_bind_text(&b, type);
    lv_sqlite_bind_text(&b, name);
    /* A closed row keeps a to_ms above 0, the mark of "in force". */
    lv_sqlite_bind_int64(&b, now_ms > 0 ? now_ms : 1);
    return lv_sqlite_run_changed(&b, "close log policy", err);
}

struct walk {
    const char *account;
    const char *region;
    const char *scope;
    const char *type;
    lv_log_policy_fn fn;
    void *arg;
};

static void bind_list(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_log_policy_rec *p = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_text(b, w->scope);
    lv_sqlite_bind_text(b, w->type);
    lv_sqlite_bind_int64(b, p ? p->id : 0);
    lv_sqlite_bind_int64(b, n);
}

static int call_rec(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->fn(w->arg, row);
}

int lv_sqlite_policies_list(void *impl, const char *account,
                            const char *region, const char *scope,
                            const char *type, int history,
                            lv_log_policy_fn fn, void *arg,
                            struct lv_err *err)
{
    static const char all[] =
        "SELECT " COLS " FROM log_policies"
        " WHERE account = ?1 AND region = ?2 AND scope = ?3 AND type = ?4"
        " AND id > ?5 ORDER BY id LIMIT ?6";
    static const char current[] =
        "SELECT " COLS " FROM log_policies"
        " WHERE account = ?1 AND region = ?2 AND scope = ?3 AND type = ?4"
        " AND to_ms = 0 AND id > ?5 ORDER BY id LIMIT ?6";
    struct walk wk = { account, region, scope, type, fn, arg };
    struct lv_sqlite_walk w = {
        history ? all : current, "list log policies",
        sizeof(struct lv_log_policy_rec), 0, &wk, bind_list, read_rec,
        release_rec, call_rec,
    };

    return lv_sqlite_walk_run(impl, &w, err);
}
