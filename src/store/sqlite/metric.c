/*
 * sqlite/metric.c: the metric filter section of logs_store.h on the
 * embedded SQLite backend (table logs_metric_filters, step 2 of the
 * "events" component in schema_events.c). Rows go away with their group
 * (ON DELETE CASCADE).
 *
 * Every statement is static SQL through lv_sqlite_prepare() (cached per
 * connection), reset before the function returns, on error paths too.
 * Lists run in batches (lv_sqlite_walk_run()): up to LV_SQLITE_WALK_BATCH
 * rows are copied out, the statement is reset, and only then is the
 * caller's function called, so that it may use the store; the next batch
 * resumes after the last row seen (keyset paging on (name, group name)).
 */
#include "store/logs_store.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- put / delete / count ------------------------------------------------ */

int lv_sqlite_logs_metric_filter_count(void *impl, int64_t group_id, int *n,
                                       struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT COUNT(*) FROM logs_metric_filters WHERE group_id = ?1";
    struct lv_sqlite_bind b;
    int64_t v;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    if (lv_sqlite_run_int(&b, &v, "count metric filters", err) < 0) {
        return -1;
    }
    *n = (int)v;
    return 0;
}

int lv_sqlite_logs_metric_filter_put(void *impl,
                                     const struct lv_log_metric_filter *f,
                                     int max, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char exists[] =
        "SELECT COUNT(*) FROM logs_metric_filters"
        " WHERE group_id = ?1 AND name = ?2";
    static const char upsert[] =
        "INSERT INTO logs_metric_filters (group_id, name, pattern,"
        " transformations, creation_time, metric_name, metric_namespace,"
        " options) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (group_id, name) DO UPDATE SET"
        " pattern = excluded.pattern,"
        " transformations = excluded.transformations,"
        " creation_time = excluded.creation_time,"
        " metric_name = excluded.metric_name,"
        " metric_namespace = excluded.metric_namespace,"
        " options = excluded.options";
    struct lv_sqlite_bind b;
    int64_t found;
    int n;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(s, exists, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, f->group_id);
    lv_sqlite_bind_text_or_null(&b, f->name);
    if (lv_sqlite_run_int(&b, &found, "find metric filter", err) < 0) {
        goto fail;
    }
    if (!found) {
        if (lv_sqlite_logs_metric_filter_count(s, f->group_id, &n, err) < 0) {
            goto fail;
        }
        if (n >= max) {
            lv_sqlite_rollback(s);
            return 1;
        }
    }
    if (lv_sqlite_start(s, upsert, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, f->group_id);
    lv_sqlite_bind_text_or_null(&b, f->name);
    lv_sqlite_bind_text_or_null(&b, f->pattern);
    lv_sqlite_bind_text_or_null(&b, f->transformations);
    lv_sqlite_bind_int64(&b, f->creation_time);
    lv_sqlite_bind_text_or_null(&b, f->metric_name);
    lv_sqlite_bind_text_or_null(&b, f->metric_namespace);
    lv_sqlite_bind_text_or_null(&b, f->options ? f->options : "{}");
    if (lv_sqlite_run_done(&b, "put metric filter", err) < 0) {
        goto fail;
    }
    return lv_sqlite_commit(s, err);
fail:
    lv_sqlite_rollback(s);
    return -1;
}

int lv_sqlite_logs_metric_filter_delete(void *impl, int64_t group_id,
                                        const char *name, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "DELETE FROM logs_metric_filters WHERE group_id = ?1 AND name = ?2";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    lv_sqlite_bind_text_or_null(&b, name);
    return lv_sqlite_run_changed(&b, "delete metric filter", err);
}

/* ---- list ------------------------------------------------------------------ */

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

static void read_row(sqlite3_stmt *st, void *p)
{
    struct row *r = p;

    r->group_id = sqlite3_column_int64(st, 0);
    r->group_name = lv_sqlite_col_dup(st, 1);
    r->name = lv_sqlite_col_dup(st, 2);
    r->pattern = lv_sqlite_col_dup(st, 3);
    r->transformations = lv_sqlite_col_dup(st, 4);
    r->creation_time = sqlite3_column_int64(st, 5);
    r->metric_name = lv_sqlite_col_dup(st, 6);
    r->metric_namespace = lv_sqlite_col_dup(st, 7);
    r->options = lv_sqlite_col_dup(st, 8);
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

/* The cursor (?7, ?8) is (name, group name) of the last row seen, or the
 * caller's starting point for the first batch. */
static void bind_filters(struct lv_sqlite_bind *b, void *ctx,
                         const void *last, int n)
{
    const struct filter_walk *fw = ctx;
    const struct row *r = last;

    lv_sqlite_bind_text_or_null(b, fw->account);
    lv_sqlite_bind_text_or_null(b, fw->region);
    lv_sqlite_bind_int64(b, fw->group_id);
    lv_sqlite_bind_text_or_null(b, fw->prefix);
    lv_sqlite_bind_text_or_null(b, fw->metric_name);
    lv_sqlite_bind_text_or_null(b, fw->metric_namespace);
    lv_sqlite_bind_text_or_null(b, r ? r->name : fw->after_name);
    lv_sqlite_bind_text_or_null(b, r ? r->group_name : fw->after_group);
    lv_sqlite_bind_int64(b, n);
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

int lv_sqlite_logs_metric_filter_list(void *impl, const char *account,
                                      const char *region, int64_t group_id,
                                      const char *prefix,
                                      const char *metric_name,
                                      const char *metric_namespace,
                                      const char *after_name,
                                      const char *after_group, int limit,
                                      lv_log_metric_filter_fn fn, void *arg,
                                      struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* substr/length count characters on both sides, so the prefix test is
     * exact for any UTF-8 name. */
    static const char sql[] =
        "SELECT f.group_id, g.name, f.name, f.pattern, f.transformations,"
        " f.creation_time, f.metric_name, f.metric_namespace, f.options"
        " FROM logs_metric_filters f JOIN logs_groups g ON g.id = f.group_id"
        " WHERE g.account = ?1 AND g.region = ?2"
        " AND (?3 = 0 OR f.group_id = ?3)"
        " AND substr(f.name, 1, length(?4)) = ?4"
        " AND (?5 IS NULL OR f.metric_name = ?5)"
        " AND (?6 IS NULL OR f.metric_namespace = ?6)"
        " AND (f.name, g.name) > (?7, ?8)"
        " ORDER BY f.name, g.name LIMIT ?9";
    struct filter_walk fw = {
        account, region, group_id, prefix ? prefix : "", metric_name,
        metric_namespace, after_name ? after_name : "",
        after_group ? after_group : "", fn, arg,
    };
    struct lv_sqlite_walk w = {
        sql, "list metric filters", sizeof(struct row), limit, &fw,
        bind_filters, read_row, row_release, call_filter,
    };

    return lv_sqlite_walk_run(s, &w, err);
}
