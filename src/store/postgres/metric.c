/*
 * postgres/metric.c: the metric filter section of logs_store.h on the
 * PostgreSQL backend (table logs_metric_filters, schema_events.c), with
 * the behaviour of sqlite/metric.c. Rows go away with their group (ON
 * DELETE CASCADE).
 *
 * The put counts, then writes: it locks the group's row (FOR NO KEY
 * UPDATE, held to the end of the caller's transaction) in a statement of
 * its own before it counts, so that another node's put into the same
 * group waits, then counts with a later snapshot that holds this one's
 * filter: two nodes can never both pass the maximum.
 *
 * Lists run in batches (lv_pg_walk_run()), keyset paging on (filter name,
 * group name), byte-wise (COLLATE "C").
 */
#include "store/logs_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- put / delete / count ------------------------------------------------ */

int lv_pg_logs_metric_filter_count(void *impl, int64_t group_id, int *n,
                                   struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT COUNT(*) FROM logs_metric_filters WHERE group_id = $1";
    struct lv_pg_params p;
    int64_t v = 0;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    if (lv_pg_query_int64(q, sql, &p, &v, "count metric filters", err) < 0) {
        return -1;
    }
    *n = (int)v;
    return 0;
}

int lv_pg_logs_metric_filter_put(void *impl,
                                 const struct lv_log_metric_filter *f,
                                 int max, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char lock[] =
        "SELECT 1 FROM logs_groups WHERE id = $1 FOR NO KEY UPDATE";
    /* All of the group's filters, and whether `name` is one of them. */
    static const char count[] =
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE name = $2)"
        " FROM logs_metric_filters WHERE group_id = $1";
    static const char upsert[] =
        "INSERT INTO logs_metric_filters (group_id, name, pattern,"
        " transformations, creation_time, metric_name, metric_namespace,"
        " options) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (group_id, name) DO UPDATE SET"
        " pattern = excluded.pattern,"
        " transformations = excluded.transformations,"
        " creation_time = excluded.creation_time,"
        " metric_name = excluded.metric_name,"
        " metric_namespace = excluded.metric_namespace,"
        " options = excluded.options";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int64_t one = 0;
    int64_t n = 0;
    int64_t found = 0;
    int rc;

    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, f->group_id);
    rc = lv_pg_query_int64(q, lock, &p, &one, "lock log group", err);
    if (rc < 0) {
        goto fail;
    }
    if (rc == 0) {
        /* Deleted since the caller found it (another node). */
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                   "The specified log group does not exist.");
        goto fail;
    }
    lv_pg_param_text(&p, f->name);
    if (lv_pg_query(q, count, &p, LV_PG_TEXT, &res, "count metric filters",
                    err) < 0) {
        goto fail;
    }
    if (PQntuples(res) == 1) {
        n = lv_pg_get_int64(res, 0, 0);
        found = lv_pg_get_int64(res, 0, 1);
    }
    PQclear(res);
    if (!found && n >= max) {
        lv_pg_rollback(q);
        return 1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, f->group_id);
    lv_pg_param_text(&p, f->name);
    lv_pg_param_text(&p, f->pattern);
    lv_pg_param_text(&p, f->transformations);
    lv_pg_param_int64(&p, f->creation_time);
    lv_pg_param_text(&p, f->metric_name);
    lv_pg_param_text(&p, f->metric_namespace);
    lv_pg_param_text(&p, f->options ? f->options : "{}");
    if (lv_pg_run(q, upsert, &p, "put metric filter", err) < 0) {
        goto fail;
    }
    return lv_pg_commit(q, err);
fail:
    lv_pg_rollback(q);
    return -1;
}

int lv_pg_logs_metric_filter_delete(void *impl, int64_t group_id,
                                    const char *name, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "DELETE FROM logs_metric_filters WHERE group_id = $1 AND name = $2";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    lv_pg_param_text(&p, name);
    return lv_pg_changed(q, sql, &p, "delete metric filter", err);
}

/* ---- list ---------------------------------------------------------------- */

struct row {
    int64_t group_id;
    int64_t creation_time;
    char *group_name;
    char *name;
    char *pattern;
    char *transformations;
    char *metric_name;
    char *metric_namespace;
    char *options;
};

static void row_release(void *p)
{
    struct row *r = p;

    free(r->group_name);
    free(r->name);
    free(r->pattern);
    free(r->transformations);
    free(r->metric_name);
    free(r->metric_namespace);
    free(r->options);
    memset(r, 0, sizeof(*r));
}

static void read_row(const PGresult *res, int i, void *p)
{
    struct row *r = p;

    r->group_id = lv_pg_get_int64(res, i, 0);
    r->group_name = lv_pg_get_dup(res, i, 1);
    r->name = lv_pg_get_dup(res, i, 2);
    r->pattern = lv_pg_get_dup(res, i, 3);
    r->transformations = lv_pg_get_dup(res, i, 4);
    r->creation_time = lv_pg_get_int64(res, i, 5);
    r->metric_name = lv_pg_get_dup(res, i, 6);
    r->metric_namespace = lv_pg_get_dup(res, i, 7);
    r->options = lv_pg_get_dup(res, i, 8);
}

struct filter_walk {
    const char *account;
    const char *region;
    int64_t group_id;
    const char *prefix;
    const char *metric_name;
    const char *metric_namespace;
    const char *after_name;
    const char *after_group;
    lv_log_metric_filter_fn fn;
    void *arg;
};

/* The cursor ($7, $8) is (name, group name) of the last row seen, or the
 * caller's starting point for the first batch. */
static void bind_filters(struct lv_pg_params *p, void *ctx, const void *last,
                         int n)
{
    const struct filter_walk *fw = ctx;
    const struct row *r = last;

    lv_pg_param_text(p, fw->account);
    lv_pg_param_text(p, fw->region);
    lv_pg_param_int64(p, fw->group_id);
    lv_pg_param_text(p, fw->prefix);
    lv_pg_param_text_or_null(p, fw->metric_name);
    lv_pg_param_text_or_null(p, fw->metric_namespace);
    lv_pg_param_text(p, r ? r->name : fw->after_name);
    lv_pg_param_text(p, r ? r->group_name : fw->after_group);
    lv_pg_param_int64(p, n);
}

static int call_filter(void *ctx, const void *p)
{
    const struct filter_walk *fw = ctx;
    const struct row *r = p;
    struct lv_log_metric_filter f = {
        r->group_id, r->group_name, r->name, r->pattern, r->transformations,
        r->metric_name, r->metric_namespace, r->options, r->creation_time,
    };

    return fw->fn(fw->arg, &f);
}

int lv_pg_logs_metric_filter_list(void *impl, const char *account,
                                  const char *region, int64_t group_id,
                                  const char *prefix, const char *metric_name,
                                  const char *metric_namespace,
                                  const char *after_name,
                                  const char *after_group, int limit,
                                  lv_log_metric_filter_fn fn, void *arg,
                                  struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* starts_with() compares bytes, so the prefix test is exact for any
     * UTF-8 name; the row comparison follows the columns' "C" collation. */
    static const char sql[] =
        "SELECT f.group_id, g.name, f.name, f.pattern, f.transformations,"
        " f.creation_time, f.metric_name, f.metric_namespace, f.options"
        " FROM logs_metric_filters f JOIN logs_groups g ON g.id = f.group_id"
        " WHERE g.account = $1 AND g.region = $2"
        " AND ($3::bigint = 0 OR f.group_id = $3)"
        " AND starts_with(f.name, $4)"
        " AND ($5::text IS NULL OR f.metric_name = $5)"
        " AND ($6::text IS NULL OR f.metric_namespace = $6)"
        " AND (f.name, g.name) > ($7, $8)"
        " ORDER BY f.name, g.name LIMIT $9";
    struct filter_walk fw = {
        account, region, group_id, prefix ? prefix : "", metric_name,
        metric_namespace, after_name ? after_name : "",
        after_group ? after_group : "", fn, arg,
    };
    struct lv_pg_walk w = {
        sql, "list metric filters", sizeof(struct row), limit, &fw,
        bind_filters, read_row, row_release, call_filter,
    };

    return lv_pg_walk_run(q, &w, err);
}
