/*
 * postgres/policies.c: policies_store.h on PostgreSQL (table log_policies
 * of schema_policies.c). A put is an insert; a close sets to_ms on the
 * row in force in one statement, so two nodes closing the same policy
 * close it once (the second finds to_ms no longer 0 after waiting).
 */
#include "store/policies_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/err.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define COLS                                                                 \
    "id, account, region, scope, type, name, document, selection,"          \
    " policy_scope, from_ms, to_ms"

static void read_rec(const PGresult *r, int i, void *row)
{
    struct lv_log_policy_rec *p = row;

    p->id = lv_pg_get_int64(r, i, 0);
    lv_pg_get_field(r, i, 1, F(p, account), "policy account");
    lv_pg_get_field(r, i, 2, F(p, region), "policy region");
    lv_pg_get_field(r, i, 3, F(p, scope), "policy scope");
    lv_pg_get_field(r, i, 4, F(p, type), "policy type");
    lv_pg_get_field(r, i, 5, F(p, name), "policy name");
    p->document = lv_pg_get_dup(r, i, 6);
    p->selection = lv_pg_get_dup(r, i, 7);
    lv_pg_get_field(r, i, 8, F(p, policy_scope), "policy scope");
    p->from_ms = lv_pg_get_int64(r, i, 9);
    p->to_ms = lv_pg_get_int64(r, i, 10);
}

static void release_rec(void *row)
{
    struct lv_log_policy_rec *p = row;

    lv_log_policy_rec_release(p);
    memset(p, 0, sizeof(*p));
}

int lv_pg_policies_insert(void *impl, const struct lv_log_policy_rec *p,
                          struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO log_policies (account, region, scope, type, name,"
        " document, selection, policy_scope, from_ms, to_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    struct lv_pg_params q;

    lv_pg_params_init(&q);
    lv_pg_param_field(&q, F(p, account));
    lv_pg_param_field(&q, F(p, region));
    lv_pg_param_field(&q, F(p, scope));
    lv_pg_param_field(&q, F(p, type));
    lv_pg_param_field(&q, F(p, name));
    lv_pg_param_text(&q, p->document ? p->document : "");
    lv_pg_param_text(&q, p->selection ? p->selection : "");
    lv_pg_param_field(&q, F(p, policy_scope));
    lv_pg_param_int64(&q, p->from_ms);
    lv_pg_param_int64(&q, p->to_ms);
    return lv_pg_changed(impl, sql, &q, "insert log policy", err) < 0 ? -1
                                                                      : 0;
}

int lv_pg_policies_close(void *impl, const char *account, const char *region,
                         const char *scope, const char *type,
                         const char *name, int64_t now_ms,
                         struct lv_err *err)
{
    static const char sql[] =
        "UPDATE log_policies SET to_ms = $6"
        " WHERE account = $1 AND region = $2 AND scope = $3 AND type = $4"
        " AND name = $5 AND to_ms = 0";
    struct lv_pg_params q;

    lv_pg_params_init(&q);
    lv_pg_param_text(&q, account);
    lv_pg_param_text(&q, region);
    lv_pg_param_text(&q, scope);
    lv_pg_param_text(&q, type);
    lv_pg_param_text(&q, name);
    /* A closed row keeps a to_ms above 0, the mark of "in force". */
    lv_pg_param_int64(&q, now_ms > 0 ? now_ms : 1);
    return lv_pg_changed(impl, sql, &q, "close log policy", err);
}

struct walk {
    const char *account;
    const char *region;
    const char *scope;
    const char *type;
    lv_log_policy_fn fn;
    void *arg;
};

static void bind_list(struct lv_pg_params *q, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_log_policy_rec *p = last;

    lv_pg_param_text(q, w->account);
    lv_pg_param_text(q, w->region);
    lv_pg_param_text(q, w->scope);
    lv_pg_param_text(q, w->type);
    lv_pg_param_int64(q, p ? p->id : 0);
    lv_pg_param_int64(q, n);
}

static int call_rec(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->fn(w->arg, row);
}

int lv_pg_policies_list(void *impl, const char *account, const char *region,
                        const char *scope, const char *type, int history,
                        lv_log_policy_fn fn, void *arg, struct lv_err *err)
{
    static const char all[] =
        "SELECT " COLS " FROM log_policies"
        " WHERE account = $1 AND region = $2 AND scope = $3 AND type = $4"
        " AND id > $5 ORDER BY id LIMIT $6";
    static const char current[] =
        "SELECT " COLS " FROM log_policies"
        " WHERE account = $1 AND region = $2 AND scope = $3 AND type = $4"
        " AND to_ms = 0 AND id > $5 ORDER BY id LIMIT $6";
    struct walk wk = { account, region, scope, type, fn, arg };
    struct lv_pg_walk w = {
        history ? all : current, "list log policies",
        sizeof(struct lv_log_policy_rec), 0, &wk, bind_list, read_rec,
        release_rec, call_rec,
    };

    return lv_pg_walk_run(impl, &w, err);
}
