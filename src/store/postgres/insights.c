/*
 * postgres/insights.c: insights_store.h on the PostgreSQL backend (tables
 * of schema_insights.c), with the behaviour of sqlite/insights.c.
 *
 * A query's status moves only by one conditional UPDATE (… WHERE id = $1
 * AND status = ANY (the allowed ones)). At READ COMMITTED an UPDATE that
 * waited for another node's change of the same row checks its WHERE again
 * on the row as that change left it, so of a StopQuery on one node and a
 * runner's end on another exactly one changes the row and the other
 * answers 0.
 *
 * Lists run in batches (lv_pg_walk_run()): the caller's function sees a
 * row after the batch's result is cleared, so it may use the store (the
 * sweeper fails the stale queries it is shown).
 */
#include "store/insights_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

/* The most a results column can hold: bytea's own limit (1 GB). */
#define RESULTS_MAX ((size_t)1 << 30)

/* Scheduled and Running are live; every other status is an end. */
static int is_final(const char *status)
{
    return strcmp(status, "Scheduled") != 0 &&
           strcmp(status, "Running") != 0;
}

/* A nullable text column as a fresh string, NULL for SQL NULL. */
static char *get_dup_or_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : lv_pg_get_dup(r, row, col);
}

/* ---- queries --------------------------------------------------------------- */

#define QUERY_COLS                                                           \
    "id, account, region, status, language, query_string, group_arns,"      \
    " log_group_name, create_time_ms, start_time_s, end_time_s,"            \
    " result_limit, node, heartbeat_ms, finish_time_ms, statistics, error"

static void read_query(const PGresult *r, int i, void *p)
{
    struct lv_query_rec *q = p;

    lv_pg_get_field(r, i, 0, F(q, id), "query id");
    lv_pg_get_field(r, i, 1, F(q, account), "query account");
    lv_pg_get_field(r, i, 2, F(q, region), "query region");
    lv_pg_get_field(r, i, 3, F(q, status), "query status");
    lv_pg_get_field(r, i, 4, F(q, language), "query language");
    q->query_string = lv_pg_get_dup(r, i, 5);
    q->groups = lv_pg_get_dup(r, i, 6);
    lv_pg_get_field(r, i, 7, F(q, log_group_name), "query log group");
    q->create_time_ms = lv_pg_get_int64(r, i, 8);
    q->start_time_s = lv_pg_get_int64(r, i, 9);
    q->end_time_s = lv_pg_get_int64(r, i, 10);
    q->limit = (int)lv_pg_get_int64(r, i, 11);
    lv_pg_get_field(r, i, 12, F(q, node), "query node");
    q->heartbeat_ms = lv_pg_get_int64(r, i, 13);
    q->finish_time_ms = lv_pg_get_int64(r, i, 14);
    q->statistics = get_dup_or_null(r, i, 15);
    q->error = get_dup_or_null(r, i, 16);
}

static void release_query(void *p)
{
    struct lv_query_rec *q = p;

    lv_query_rec_release(q);
    memset(q, 0, sizeof(*q));
}

/* The sealed results, or SQL NULL when there are none. */
static void param_results(struct lv_pg_params *p, const uint8_t *results,
                          size_t len)
{
    if (results) {
        lv_pg_param_bytea(p, results, len);
    } else {
        lv_pg_param_text_or_null(p, NULL);
    }
}

int lv_pg_insights_query_insert(void *impl, const struct lv_query_rec *q,
                                struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO insights_queries (" QUERY_COLS ", results)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
        " $14, $15, $16, $17, $18)";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(q, id));
    lv_pg_param_field(&p, F(q, account));
    lv_pg_param_field(&p, F(q, region));
    lv_pg_param_field(&p, F(q, status));
    lv_pg_param_field(&p, F(q, language));
    lv_pg_param_text(&p, q->query_string);
    lv_pg_param_text(&p, q->groups ? q->groups : "[]");
    lv_pg_param_field(&p, F(q, log_group_name));
    lv_pg_param_int64(&p, q->create_time_ms);
    lv_pg_param_int64(&p, q->start_time_s);
    lv_pg_param_int64(&p, q->end_time_s);
    lv_pg_param_int64(&p, q->limit);
    lv_pg_param_field(&p, F(q, node));
    lv_pg_param_int64(&p, q->heartbeat_ms);
    lv_pg_param_int64(&p, q->finish_time_ms);
    lv_pg_param_text_or_null(&p, q->statistics);
    lv_pg_param_text_or_null(&p, q->error);
    param_results(&p, q->results, q->results_len);
    return lv_pg_run(impl, sql, &p, "insert insights query", err);
}

int lv_pg_insights_query_get(void *impl, const char *account,
                             const char *region, const char *id,
                             int with_results, struct lv_query_rec *out,
                             struct lv_err *err)
{
    static const char plain[] =
        "SELECT " QUERY_COLS " FROM insights_queries"
        " WHERE id = $1 AND account = $2 AND region = $3";
    static const char full[] =
        "SELECT " QUERY_COLS ", results FROM insights_queries"
        " WHERE id = $1 AND account = $2 AND region = $3";
    struct lv_buf b = LV_BUF_INIT(RESULTS_MAX);
    struct lv_pg_params p;
    PGresult *res = NULL;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    if (lv_pg_query(impl, with_results ? full : plain, &p, LV_PG_TEXT, &res,
                    "read insights query", err) < 0) {
        goto out;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
        goto out;
    }
    if (with_results && !PQgetisnull(res, 0, 17)) {
        if (lv_pg_get_bytea(res, 0, 17, &b) < 0) {
            lv_pg_fail("read insights query", "results unreadable", err);
            goto out;
        }
        out->results = (uint8_t *)lv_buf_detach(&b, &out->results_len);
    }
    read_query(res, 0, out);
    ret = 1;
out:
    PQclear(res);
    lv_buf_release(&b);
    return ret;
}

int lv_pg_insights_query_transition(void *impl, const char *id,
                                    const char *from, const char *to,
                                    int64_t now_ms, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE insights_queries SET status = $3, heartbeat_ms = $4,"
        " finish_time_ms = CASE WHEN $5::bigint <> 0 THEN $4::bigint"
        " ELSE finish_time_ms END"
        " WHERE id = $1 AND status = ANY (string_to_array($2::text, ','))";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_pg_param_text(&p, from);
    lv_pg_param_text(&p, to);
    lv_pg_param_int64(&p, now_ms);
    lv_pg_param_int64(&p, is_final(to));
    return lv_pg_changed(impl, sql, &p, "move insights query", err);
}

int lv_pg_insights_query_progress(void *impl, const char *id,
                                  const char *statistics, int64_t now_ms,
                                  struct lv_err *err)
{
    static const char sql[] =
        "UPDATE insights_queries SET"
        " statistics = coalesce($2, statistics), heartbeat_ms = $3"
        " WHERE id = $1 AND status = 'Running'";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_pg_param_text_or_null(&p, statistics);
    lv_pg_param_int64(&p, now_ms);
    return lv_pg_changed(impl, sql, &p, "note insights query progress",
                         err);
}

int lv_pg_insights_query_finish(void *impl, const char *id, const char *to,
                                const char *statistics,
                                const uint8_t *results, size_t results_len,
                                const char *error, int64_t now_ms,
                                struct lv_err *err)
{
    static const char sql[] =
        "UPDATE insights_queries SET status = $2,"
        " statistics = coalesce($3, statistics), results = $4, error = $5,"
        " finish_time_ms = $6, heartbeat_ms = $6"
        " WHERE id = $1 AND status = 'Running'";
    struct lv_pg_params p;

    if (strcmp(to, "Complete") != 0 && strcmp(to, "Failed") != 0 &&
        strcmp(to, "Timeout") != 0) {
        LV_BUG("insights query finish: status %s", to);
    }
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_pg_param_text(&p, to);
    lv_pg_param_text_or_null(&p, statistics);
    param_results(&p, results, results_len);
    lv_pg_param_text_or_null(&p, error);
    lv_pg_param_int64(&p, now_ms);
    return lv_pg_changed(impl, sql, &p, "finish insights query", err);
}

int lv_pg_insights_query_count_active(void *impl, const char *account,
                                      const char *region, int64_t *n,
                                      struct lv_err *err)
{
    /* StartQuery counts, then inserts, in one transaction. Under READ
     * COMMITTED two of them would both count 99 and both insert: the
     * first statement takes a transaction lock for (account, region), so
     * the second waits for the first to commit, and its count — a new
     * statement, so a new snapshot — sees the first's row. Outside a
     * transaction the lock ends with the statement (nothing to order). */
    static const char lock[] =
        "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended("
        "'lv.insights.start/' || $1 || '/' || $2, 0))) AS l";
    static const char sql[] =
        "SELECT count(*) FROM insights_queries"
        " WHERE account = $1 AND region = $2"
        " AND status IN ('Scheduled', 'Running')";
    struct lv_pg_params p;
    int64_t one;

    *n = 0;
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    if (lv_pg_query_int64(impl, lock, &p, &one,
                          "lock insights query starts", err) < 0 ||
        lv_pg_query_int64(impl, sql, &p, n, "count active insights queries",
                          err) < 0) {
        return -1;
    }
    return 0;
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

/* DescribeQueries' SQL, newest first from the cursor ($6, $7); `lead` is
 * the filter that picks the index (the log group's, the status', or the
 * scope's time index for neither), the others are checked on each row. */
#define LIST_SQL(lead)                                                       \
    "SELECT " QUERY_COLS " FROM insights_queries"                            \
    " WHERE account = $1 AND region = $2" lead                               \
    " AND ($3::text = '' OR status = $3) AND ($4::text = ''"                 \
    " OR log_group_name = $4) AND ($5::text = '' OR language = $5)"          \
    " AND (create_time_ms, id) < ($6::bigint, $7::text)"                     \
    " ORDER BY create_time_ms DESC, id DESC LIMIT $8"

static const char list_by_time[] = LIST_SQL("");
static const char list_by_group[] = LIST_SQL(" AND log_group_name = $4");
static const char list_by_status[] = LIST_SQL(" AND status = $3");

static void bind_list(struct lv_pg_params *p, void *ctx, const void *last,
                      int n)
{
    const struct query_walk *qw = ctx;
    const struct lv_query_rec *q = last;

    lv_pg_param_text(p, qw->account);
    lv_pg_param_text(p, qw->region);
    lv_pg_param_text(p, qw->status);
    lv_pg_param_text(p, qw->log_group_name);
    lv_pg_param_text(p, qw->language);
    lv_pg_param_int64(p, q ? q->create_time_ms : qw->before_ms);
    lv_pg_param_text(p, q ? q->id : qw->before_id);
    lv_pg_param_int64(p, n);
}

int lv_pg_insights_query_list(void *impl, const char *account,
                              const char *region, const char *status,
                              const char *log_group_name,
                              const char *language, int64_t before_ms,
                              const char *before_id, int limit,
                              lv_query_rec_fn fn, void *arg,
                              struct lv_err *err)
{
    struct query_walk qw = { 0 };
    struct lv_pg_walk w = {
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
    return lv_pg_walk_run(impl, &w, err);
}

static void bind_stale(struct lv_pg_params *p, void *ctx, const void *last,
                       int n)
{
    const struct query_walk *qw = ctx;
    const struct lv_query_rec *q = last;

    lv_pg_param_int64(p, qw->stale_ms);
    lv_pg_param_text(p, q ? q->id : "");
    lv_pg_param_int64(p, n);
}

int lv_pg_insights_query_stale(void *impl, int64_t stale_ms,
                               lv_query_rec_fn fn, void *arg,
                               struct lv_err *err)
{
    /* In id order from the last one seen: a query the caller moves
     * meanwhile leaves the set without disturbing the walk. */
    static const char sql[] =
        "SELECT " QUERY_COLS " FROM insights_queries"
        " WHERE status IN ('Scheduled', 'Running') AND heartbeat_ms < $1"
        " AND id > $2 ORDER BY id LIMIT $3";
    struct query_walk qw = { 0 };
    struct lv_pg_walk w = {
        sql, "find stale insights queries", sizeof(struct lv_query_rec), 0,
        &qw, bind_stale, read_query, release_query, call_query,
    };

    qw.stale_ms = stale_ms;
    qw.fn = fn;
    qw.arg = arg;
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_insights_query_expire(void *impl, int64_t before_ms, int64_t *n,
                                struct lv_err *err)
{
    static const char sql[] =
        "WITH gone AS (DELETE FROM insights_queries"
        " WHERE finish_time_ms < $1"
        " AND status NOT IN ('Scheduled', 'Running') RETURNING 1)"
        " SELECT count(*) FROM gone";
    struct lv_pg_params p;

    *n = 0;
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, before_ms);
    if (lv_pg_query_int64(impl, sql, &p, n, "expire insights queries",
                          err) < 0) {
        *n = 0;
        return -1;
    }
    return 0;
}

/* ---- query definitions ------------------------------------------------------ */

#define DEF_COLS                                                             \
    "id, account, region, name, language, query_string, log_group_names,"   \
    " last_modified_ms"

static void read_def(const PGresult *r, int i, void *p)
{
    struct lv_query_def *d = p;

    lv_pg_get_field(r, i, 0, F(d, id), "query definition id");
    lv_pg_get_field(r, i, 1, F(d, account), "query definition account");
    lv_pg_get_field(r, i, 2, F(d, region), "query definition region");
    lv_pg_get_field(r, i, 3, F(d, name), "query definition name");
    lv_pg_get_field(r, i, 4, F(d, language), "query definition language");
    d->query_string = lv_pg_get_dup(r, i, 5);
    d->log_group_names = lv_pg_get_dup(r, i, 6);
    d->last_modified_ms = lv_pg_get_int64(r, i, 7);
}

static void release_def(void *p)
{
    struct lv_query_def *d = p;

    lv_query_def_release(d);
    memset(d, 0, sizeof(*d));
}

/* The columns a put writes, $1 … $8 in DEF_COLS' order. */
static void param_def(struct lv_pg_params *p, const struct lv_query_def *d)
{
    lv_pg_params_init(p);
    lv_pg_param_field(p, F(d, id));
    lv_pg_param_field(p, F(d, account));
    lv_pg_param_field(p, F(d, region));
    lv_pg_param_field(p, F(d, name));
    lv_pg_param_field(p, F(d, language));
    lv_pg_param_text(p, d->query_string);
    lv_pg_param_text(p, d->log_group_names ? d->log_group_names : "[]");
    lv_pg_param_int64(p, d->last_modified_ms);
}

/* Attempts of a put: a definition deleted between its update and its
 * insert (each of which found the other's case) sends it round again. */
#define DEF_PUT_TRIES 3

int lv_pg_insights_def_put(void *impl, const struct lv_query_def *d,
                           struct lv_err *err)
{
    static const char update[] =
        "UPDATE insights_defs SET name = $4, language = $5,"
        " query_string = $6, log_group_names = $7, last_modified_ms = $8"
        " WHERE id = $1 AND account = $2 AND region = $3";
    static const char insert[] =
        "INSERT INTO insights_defs (" DEF_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (account, region, id) DO NOTHING";
    struct lv_pg_params p;
    int rc;

    /* A level of its own, so that a fault leaves nothing of the put. An
     * insert that meets a row another node inserted meanwhile (ON
     * CONFLICT waits for it to commit) inserts nothing; the update of the
     * next round then replaces it. */
    if (lv_pg_begin(impl, err) < 0) {
        return -1;
    }
    for (int i = 0; i < DEF_PUT_TRIES; i++) {
        param_def(&p, d);
        rc = lv_pg_changed(impl, update, &p, "replace insights definition",
                           err);
        if (rc < 0) {
            goto fail;
        }
        if (rc > 0) {
            goto done;          /* replaced: 1 */
        }
        param_def(&p, d);
        rc = lv_pg_changed(impl, insert, &p, "insert insights definition",
                           err);
        if (rc < 0) {
            goto fail;
        }
        if (rc > 0) {
            rc = 0;             /* inserted: 0 */
            goto done;
        }
    }
    lv_pg_fail("put insights definition",
               "the definition kept changing under the put", err);
    goto fail;
done:
    if (lv_pg_commit(impl, err) < 0) {
        return -1;
    }
    return rc;
fail:
    lv_pg_rollback(impl);
    return -1;
}

int lv_pg_insights_def_get(void *impl, const char *account,
                           const char *region, const char *id,
                           struct lv_query_def *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " DEF_COLS " FROM insights_defs"
        " WHERE id = $1 AND account = $2 AND region = $3";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int found;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    if (lv_pg_query(impl, sql, &p, LV_PG_TEXT, &res,
                    "read insights definition", err) < 0) {
        return -1;
    }
    found = PQntuples(res) > 0;
    if (found) {
        read_def(res, 0, out);
    }
    PQclear(res);
    return found;
}

struct def_walk {
    const char *account;
    const char *region;
    const char *prefix;
    const char *language;
    const char *after_name;
    const char *after_id;
    lv_query_def_fn fn;
    void *arg;
};

static void bind_def_list(struct lv_pg_params *p, void *ctx,
                          const void *last, int n)
{
    const struct def_walk *dw = ctx;
    const struct lv_query_def *d = last;

    lv_pg_param_text(p, dw->account);
    lv_pg_param_text(p, dw->region);
    lv_pg_param_text(p, dw->prefix);
    lv_pg_param_text(p, dw->language);
    lv_pg_param_text(p, d ? d->name : dw->after_name);
    lv_pg_param_text(p, d ? d->id : dw->after_id);
    lv_pg_param_int64(p, n);
}

static int call_def(void *ctx, const void *row)
{
    const struct def_walk *dw = ctx;

    return dw->fn(dw->arg, row);
}

int lv_pg_insights_def_list(void *impl, const char *account,
                            const char *region, const char *prefix,
                            const char *language, const char *after_name,
                            const char *after_id, int limit,
                            lv_query_def_fn fn, void *arg,
                            struct lv_err *err)
{
    /* The index range starts at the prefix and starts_with() keeps the
     * names under it; a scope's definitions are few (AWS's quota), so
     * the range is not closed above (postgres/logs.c shows how). */
    static const char sql[] =
        "SELECT " DEF_COLS " FROM insights_defs"
        " WHERE account = $1 AND region = $2 AND name >= $3"
        " AND starts_with(name, $3) AND ($4::text = '' OR language = $4)"
        " AND (name, id) > ($5::text, $6::text)"
        " ORDER BY name, id LIMIT $7";
    struct def_walk dw = { 0 };
    struct lv_pg_walk w = {
        sql, "list insights definitions", sizeof(struct lv_query_def),
        limit, &dw, bind_def_list, read_def, release_def, call_def,
    };

    if (limit <= 0) {
        LV_BUG("insights definition list: limit %d", limit);
    }
    dw.account = account;
    dw.region = region;
    dw.prefix = prefix ? prefix : "";
    dw.language = language ? language : "";
    dw.after_name = after_name ? after_name : "";
    dw.after_id = after_id ? after_id : "";
    dw.fn = fn;
    dw.arg = arg;
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_insights_def_count(void *impl, const char *account,
                             const char *region, int64_t *n,
                             struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM insights_defs"
        " WHERE account = $1 AND region = $2";
    struct lv_pg_params p;

    *n = 0;
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    if (lv_pg_query_int64(impl, sql, &p, n, "count insights definitions",
                          err) < 0) {
        return -1;
    }
    return 0;
}

int lv_pg_insights_def_delete(void *impl, const char *account,
                              const char *region, const char *id,
                              struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM insights_defs"
        " WHERE id = $1 AND account = $2 AND region = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    return lv_pg_changed(impl, sql, &p, "delete insights definition", err);
}
