/*
 * sqlite/insights.c: insights_store.h on the embedded SQLite backend
 * (tables insights_queries and insights_defs of schema_insights.c).
 *
 * A query's status moves only by one conditional UPDATE (… WHERE id = ?
 * AND status IN the allowed ones), so whichever of a StopQuery and a
 * runner's end comes second finds the status moved and changes nothing;
 * with one process owning the file and every write serialised by
 * SQLite's lock, "exactly one wins" needs nothing more.
 *
 * Lists run in batches (lv_sqlite_walk_run()): the caller's function sees
 * a row after the batch's statement is reset, so it may use the store
 * (the sweeper fails the stale queries it is shown).
 */
#include "store/insights_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

/* Scheduled and Running are live; every other status is an end. */
static int is_final(const char *status)
{
    return strcmp(status, "Scheduled") != 0 &&
           strcmp(status, "Running") != 0;
}

/* A nullable text column as a fresh string, NULL for SQL NULL. */
static char *col_dup_or_null(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL
                                                     : lv_sqlite_col_dup(st, i);
}

/* ---- queries --------------------------------------------------------------- */

#define QUERY_COLS                                                           \
    "id, account, region, status, language, query_string, group_arns,"      \
    " log_group_name, create_time_ms, start_time_s, end_time_s,"            \
    " result_limit, node, heartbeat_ms, finish_time_ms, statistics, error"

static void read_query(sqlite3_stmt *st, void *p)
{
    struct lv_query_rec *q = p;

    lv_sqlite_col_field(st, 0, F(q, id), "query id");
    lv_sqlite_col_field(st, 1, F(q, account), "query account");
    lv_sqlite_col_field(st, 2, F(q, region), "query region");
    lv_sqlite_col_field(st, 3, F(q, status), "query status");
    lv_sqlite_col_field(st, 4, F(q, language), "query language");
    q->query_string = lv_sqlite_col_dup(st, 5);
    q->groups = lv_sqlite_col_dup(st, 6);
    lv_sqlite_col_field(st, 7, F(q, log_group_name), "query log group");
    q->create_time_ms = sqlite3_column_int64(st, 8);
    q->start_time_s = sqlite3_column_int64(st, 9);
    q->end_time_s = sqlite3_column_int64(st, 10);
    q->limit = (int)sqlite3_column_int64(st, 11);
    lv_sqlite_col_field(st, 12, F(q, node), "query node");
    q->heartbeat_ms = sqlite3_column_int64(st, 13);
    q->finish_time_ms = sqlite3_column_int64(st, 14);
    q->statistics = col_dup_or_null(st, 15);
    q->error = col_dup_or_null(st, 16);
}

/* read_query, then the sealed results (column 17): NULL for SQL NULL, an
 * allocation (of at least one byte) for an empty blob. */
static void read_query_results(sqlite3_stmt *st, void *p)
{
    struct lv_query_rec *q = p;
    const void *b;
    int n;

    read_query(st, p);
    if (sqlite3_column_type(st, 17) == SQLITE_NULL) {
        return;
    }
    b = sqlite3_column_blob(st, 17);
    n = sqlite3_column_bytes(st, 17);
    q->results = lv_xmalloc(n > 0 ? (size_t)n : 1);
    if (n > 0) {
        memcpy(q->results, b, (size_t)n);
    }
    q->results_len = (size_t)n;
}

static void release_query(void *p)
{
    struct lv_query_rec *q = p;

    lv_query_rec_release(q);
    memset(q, 0, sizeof(*q));
}

/* The sealed results, or SQL NULL when there are none. */
static void bind_results(struct lv_sqlite_bind *b, const uint8_t *results,
                         size_t len)
{
    if (results) {
        lv_sqlite_bind_blob(b, results, len);
    } else {
        lv_sqlite_bind_text_or_null(b, NULL);
    }
}

int lv_sqlite_insights_query_insert(void *impl, const struct lv_query_rec *q,
                                    struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO insights_queries (" QUERY_COLS ", results)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15, ?16, ?17, ?18)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(q, id));
    lv_sqlite_bind_field(&b, F(q, account));
    lv_sqlite_bind_field(&b, F(q, region));
    lv_sqlite_bind_field(&b, F(q, status));
    lv_sqlite_bind_field(&b, F(q, language));
    lv_sqlite_bind_text(&b, q->query_string);
    lv_sqlite_bind_text(&b, q->groups ? q->groups : "[]");
    lv_sqlite_bind_field(&b, F(q, log_group_name));
    lv_sqlite_bind_int64(&b, q->create_time_ms);
    lv_sqlite_bind_int64(&b, q->start_time_s);
    lv_sqlite_bind_int64(&b, q->end_time_s);
    lv_sqlite_bind_int64(&b, q->limit);
    lv_sqlite_bind_field(&b, F(q, node));
    lv_sqlite_bind_int64(&b, q->heartbeat_ms);
    lv_sqlite_bind_int64(&b, q->finish_time_ms);
    lv_sqlite_bind_text_or_null(&b, q->statistics);
    lv_sqlite_bind_text_or_null(&b, q->error);
    bind_results(&b, q->results, q->results_len);
    return lv_sqlite_run_done(&b, "insert insights query", err);
}

int lv_sqlite_insights_query_get(void *impl, const char *account,
                                 const char *region, const char *id,
                                 int with_results, struct lv_query_rec *out,
                                 struct lv_err *err)
{
    static const char plain[] =
        "SELECT " QUERY_COLS " FROM insights_queries"
        " WHERE id = ?1 AND account = ?2 AND region = ?3";
    static const char full[] =
        "SELECT " QUERY_COLS ", results FROM insights_queries"
        " WHERE id = ?1 AND account = ?2 AND region = ?3";
    struct lv_sqlite_bind b;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(impl, with_results ? full : plain, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_one(&b, with_results ? read_query_results
                                              : read_query,
                             out, "read insights query", err);
}

int lv_sqlite_insights_query_transition(void *impl, const char *id,
                                        const char *from, const char *to,
                                        int64_t now_ms, struct lv_err *err)
{
    /* ?2 is the list "A,B": status is one of it when ",status," is in
     * ",A,B,". */
    static const char sql[] =
        "UPDATE insights_queries SET status = ?3, heartbeat_ms = ?4,"
        " finish_time_ms = CASE WHEN ?5 THEN ?4 ELSE finish_time_ms END"
        " WHERE id = ?1"
        " AND instr(',' || ?2 || ',', ',' || status || ',') > 0";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_sqlite_bind_text(&b, from);
    lv_sqlite_bind_text(&b, to);
    lv_sqlite_bind_int64(&b, now_ms);
    lv_sqlite_bind_int64(&b, is_final(to));
    return lv_sqlite_run_changed(&b, "move insights query", err);
}

int lv_sqlite_insights_query_progress(void *impl, const char *id,
                                      const char *statistics, int64_t now_ms,
                                      struct lv_err *err)
{
    static const char sql[] =
        "UPDATE insights_queries SET"
        " statistics = coalesce(?2, statistics), heartbeat_ms = ?3"
        " WHERE id = ?1 AND status = 'Running'";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_sqlite_bind_text_or_null(&b, statistics);
    lv_sqlite_bind_int64(&b, now_ms);
    return lv_sqlite_run_changed(&b, "note insights query progress", err);
}

int lv_sqlite_insights_query_finish(void *impl, const char *id,
                                    const char *to, const char *statistics,
                                    const uint8_t *results,
                                    size_t results_len, const char *error,
                                    int64_t now_ms, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE insights_queries SET status = ?2,"
        " statistics = coalesce(?3, statistics), results = ?4, error = ?5,"
        " finish_time_ms = ?6, heartbeat_ms = ?6"
        " WHERE id = ?1 AND status = 'Running'";
    struct lv_sqlite_bind b;

    if (strcmp(to, "Complete") != 0 && strcmp(to, "Failed") != 0 &&
        strcmp(to, "Timeout") != 0) {
        LV_BUG("insights query finish: status %s", to);
    }
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_sqlite_bind_text(&b, to);
    lv_sqlite_bind_text_or_null(&b, statistics);
    bind_results(&b, results, results_len);
    lv_sqlite_bind_text_or_null(&b, error);
    lv_sqlite_bind_int64(&b, now_ms);
    return lv_sqlite_run_changed(&b, "finish insights query", err);
}

int lv_sqlite_insights_query_count_active(void *impl, const char *account,
                                          const char *region, int64_t *n,
                                          struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM insights_queries"
        " WHERE account = ?1 AND region = ?2"
        " AND status IN ('Scheduled', 'Running')";
    struct lv_sqlite_bind b;

    *n = 0;
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_int(&b, n, "count active insights queries", err);
}

struct query_walk {
    const char *account;
    const char *region;
    const char *status;
    const char *log_group_name;
    const char *language;
    int64_t before_ms;
    const char *before_id;
    int64_t stale_ms;
    lv_query_rec_fn fn;
    void *arg;
};

static int call_query(void *ctx, const void *row)
{
    const struct query_walk *qw = ctx;

    return qw->fn(qw->arg, row);
}

/* DescribeQueries' SQL, newest first from the cursor (?6, ?7); `lead` is
 * the filter that picks the index (the log group's, the status', or the
 * scope's time index for neither), the others are checked on each row. */
#define LIST_SQL(lead)                                                       \
    "SELECT " QUERY_COLS " FROM insights_queries"                            \
    " WHERE account = ?1 AND region = ?2" lead                               \
    " AND (?3 = '' OR status = ?3) AND (?4 = '' OR log_group_name = ?4)"     \
    " AND (?5 = '' OR language = ?5)"                                        \
    " AND (create_time_ms, id) < (?6, ?7)"                                   \
    " ORDER BY create_time_ms DESC, id DESC LIMIT ?8"

static const char list_by_time[] = LIST_SQL("");
static const char list_by_group[] = LIST_SQL(" AND log_group_name = ?4");
static const char list_by_status[] = LIST_SQL(" AND status = ?3");

static void bind_list(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct query_walk *qw = ctx;
    const struct lv_query_rec *q = last;

    lv_sqlite_bind_text(b, qw->account);
    lv_sqlite_bind_text(b, qw->region);
    lv_sqlite_bind_text(b, qw->status);
    lv_sqlite_bind_text(b, qw->log_group_name);
    lv_sqlite_bind_text(b, qw->language);
    lv_sqlite_bind_int64(b, q ? q->create_time_ms : qw->before_ms);
    lv_sqlite_bind_text(b, q ? q->id : qw->before_id);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_insights_query_list(void *impl, const char *account,
                                  const char *region, const char *status,
                                  const char *log_group_name,
                                  const char *language, int64_t before_ms,
                                  const char *before_id, int limit,
                                  lv_query_rec_fn fn, void *arg,
                                  struct lv_err *err)
{
    struct query_walk qw = { 0 };
    struct lv_sqlite_walk w = {
        list_by_time, "list insights queries", sizeof(struct lv_query_rec),
        limit, &qw, bind_list, read_query, release_query, call_query,
    };

    if (limit <= 0) {
        LV_BUG("insights query list: limit %d", limit);
    }
    qw.account = account;
    qw.region = region;
    qw.status = status ? status : "";
    qw.log_group_name = log_group_name ? log_group_name : "";
    qw.language = language ? language : "";
    qw.before_ms = before_ms;
    qw.before_id = before_id ? before_id : "";
    qw.fn = fn;
    qw.arg = arg;
    if (*qw.log_group_name) {
        w.sql = list_by_group;
    } else if (*qw.status) {
        w.sql = list_by_status;
    }
    return lv_sqlite_walk_run(impl, &w, err);
}

static void bind_stale(struct lv_sqlite_bind *b, void *ctx, const void *last,
                       int n)
{
    const struct query_walk *qw = ctx;
    const struct lv_query_rec *q = last;

    lv_sqlite_bind_int64(b, qw->stale_ms);
    lv_sqlite_bind_text(b, q ? q->id : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_insights_query_stale(void *impl, int64_t stale_ms,
                                   lv_query_rec_fn fn, void *arg,
                                   struct lv_err *err)
{
    /* In id order from the last one seen: a query the caller moves
     * meanwhile leaves the set without disturbing the walk. */
    static const char sql[] =
        "SELECT " QUERY_COLS " FROM insights_queries"
        " WHERE status IN ('Scheduled', 'Running') AND heartbeat_ms < ?1"
        " AND id > ?2 ORDER BY id LIMIT ?3";
    struct query_walk qw = { 0 };
    struct lv_sqlite_walk w = {
        sql, "find stale insights queries", sizeof(struct lv_query_rec), 0,
        &qw, bind_stale, read_query, release_query, call_query,
    };

    qw.stale_ms = stale_ms;
    qw.fn = fn;
    qw.arg = arg;
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_insights_query_expire(void *impl, int64_t before_ms,
                                    int64_t *n, struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM insights_queries WHERE finish_time_ms < ?1"
        " AND status NOT IN ('Scheduled', 'Running')";
    struct lv_sqlite_bind b;

    *n = 0;
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, before_ms);
    if (lv_sqlite_run_done(&b, "expire insights queries", err) < 0) {
        return -1;
    }
    *n = lv_sqlite_changes(b.st);
    return 0;
}

/* ---- query definitions ------------------------------------------------------ */

#define DEF_COLS                                                             \
    "id, account, region, name, language, query_string, log_group_names,"   \
    " last_modified_ms"

static void read_def(sqlite3_stmt *st, void *p)
{
    struct lv_query_def *d = p;

    lv_sqlite_col_field(st, 0, F(d, id), "query definition id");
    lv_sqlite_col_field(st, 1, F(d, account), "query definition account");
    lv_sqlite_col_field(st, 2, F(d, region), "query definition region");
    lv_sqlite_col_field(st, 3, F(d, name), "query definition name");
    lv_sqlite_col_field(st, 4, F(d, language), "query definition language");
    d->query_string = lv_sqlite_col_dup(st, 5);
    d->log_group_names = lv_sqlite_col_dup(st, 6);
    d->last_modified_ms = sqlite3_column_int64(st, 7);
}

static void release_def(void *p)
{
    struct lv_query_def *d = p;

    lv_query_def_release(d);
    memset(d, 0, sizeof(*d));
}

/* The columns a put writes, ?1 … ?8 in DEF_COLS' order. */
static void bind_def(struct lv_sqlite_bind *b, const struct lv_query_def *d)
{
    lv_sqlite_bind_field(b, F(d, id));
    lv_sqlite_bind_field(b, F(d, account));
    lv_sqlite_bind_field(b, F(d, region));
    lv_sqlite_bind_field(b, F(d, name));
    lv_sqlite_bind_field(b, F(d, language));
    lv_sqlite_bind_text(b, d->query_string);
    lv_sqlite_bind_text(b, d->log_group_names ? d->log_group_names : "[]");
    lv_sqlite_bind_int64(b, d->last_modified_ms);
}

int lv_sqlite_insights_def_put(void *impl, const struct lv_query_def *d,
                               struct lv_err *err)
{
    static const char update[] =
        "UPDATE insights_defs SET name = ?4, language = ?5,"
        " query_string = ?6, log_group_names = ?7, last_modified_ms = ?8"
        " WHERE id = ?1 AND account = ?2 AND region = ?3";
    static const char insert[] =
        "INSERT INTO insights_defs (" DEF_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    struct lv_sqlite_bind b;
    int rc;

    /* One level of its own: the update and the insert are one change
     * under the write lock. */
    if (lv_sqlite_begin(impl, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(impl, update, &b, err) < 0) {
        goto fail;
    }
    bind_def(&b, d);
    rc = lv_sqlite_run_changed(&b, "replace insights definition", err);
    if (rc < 0) {
        goto fail;
    }
    if (rc == 0) {
        if (lv_sqlite_start(impl, insert, &b, err) < 0) {
            goto fail;
        }
        bind_def(&b, d);
        if (lv_sqlite_run_done(&b, "insert insights definition", err) < 0) {
            goto fail;
        }
    }
    if (lv_sqlite_commit(impl, err) < 0) {
        return -1;
    }
    return rc;
fail:
    lv_sqlite_rollback(impl);
    return -1;
}

int lv_sqlite_insights_def_get(void *impl, const char *account,
                               const char *region, const char *id,
                               struct lv_query_def *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " DEF_COLS " FROM insights_defs"
        " WHERE id = ?1 AND account = ?2 AND region = ?3";
    struct lv_sqlite_bind b;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_one(&b, read_def, out, "read insights definition",
                             err);
}

/* The definition names' limit (PutQueryDefinition's name: 1 to 255
 * characters), as UTF-8 bytes, and then some. */
#define UPPER_MAX (255 * 4 + 2)

struct def_walk {
    const char *account;
    const char *region;
    const char *prefix;
    char upper[UPPER_MAX];
    const char *language;
    const char *after_name;
    const char *after_id;
    lv_query_def_fn fn;
    void *arg;
};

/*
 * The smallest byte string above every string that starts with `prefix`
 * (as in sqlite/logs.c): the prefix with its last byte raised by one
 * (UTF-8 never holds 0xff, so there is room), or "\xff", above every UTF-8
 * string, for "". BINARY collation compares bytes, so "name >= prefix AND
 * name < upper" is an index range. A prefix longer than any name gets
 * the empty range [prefix, prefix).
 */
static void prefix_upper(const char *prefix, char *out)
{
    size_t n = strlen(prefix);

    if (n == 0) {
        out[0] = (char)0xff;
        out[1] = '\0';
        return;
    }
    if (n >= UPPER_MAX) {
        out[0] = '\0';     /* bound as the prefix itself: see the caller */
        return;
    }
    memcpy(out, prefix, n + 1);
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
}

static void bind_def_list(struct lv_sqlite_bind *b, void *ctx,
                          const void *last, int n)
{
    const struct def_walk *dw = ctx;
    const struct lv_query_def *d = last;

    lv_sqlite_bind_text(b, dw->account);
    lv_sqlite_bind_text(b, dw->region);
    lv_sqlite_bind_text(b, dw->prefix);
    lv_sqlite_bind_text(b, *dw->upper ? dw->upper : dw->prefix);
    lv_sqlite_bind_text(b, dw->language);
    lv_sqlite_bind_text(b, d ? d->name : dw->after_name);
    lv_sqlite_bind_text(b, d ? d->id : dw->after_id);
    lv_sqlite_bind_int64(b, n);
}

static int call_def(void *ctx, const void *row)
{
    const struct def_walk *dw = ctx;

    return dw->fn(dw->arg, row);
}

int lv_sqlite_insights_def_list(void *impl, const char *account,
                                const char *region, const char *prefix,
                                const char *language, const char *after_name,
                                const char *after_id, int limit,
                                lv_query_def_fn fn, void *arg,
                                struct lv_err *err)
{
    static const char sql[] =
        "SELECT " DEF_COLS " FROM insights_defs"
        " WHERE account = ?1 AND region = ?2 AND name >= ?3 AND name < ?4"
        " AND (?5 = '' OR language = ?5) AND (name, id) > (?6, ?7)"
        " ORDER BY name, id LIMIT ?8";
    struct def_walk dw;
    struct lv_sqlite_walk w = {
        sql, "list insights definitions", sizeof(struct lv_query_def),
        limit, &dw, bind_def_list, read_def, release_def, call_def,
    };

    if (limit <= 0) {
        LV_BUG("insights definition list: limit %d", limit);
    }
    memset(&dw, 0, sizeof(dw));
    dw.account = account;
    dw.region = region;
    dw.prefix = prefix ? prefix : "";
    dw.language = language ? language : "";
    dw.after_name = after_name ? after_name : "";
    dw.after_id = after_id ? after_id : "";
    dw.fn = fn;
    dw.arg = arg;
    prefix_upper(dw.prefix, dw.upper);
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_insights_def_count(void *impl, const char *account,
                                 const char *region, int64_t *n,
                                 struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM insights_defs"
        " WHERE account = ?1 AND region = ?2";
    struct lv_sqlite_bind b;

    *n = 0;
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_int(&b, n, "count insights definitions", err);
}

int lv_sqlite_insights_def_delete(void *impl, const char *account,
                                  const char *region, const char *id,
                                  struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM insights_defs"
        " WHERE id = ?1 AND account = ?2 AND region = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_changed(&b, "delete insights definition", err);
}
