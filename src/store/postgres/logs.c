/*
 * postgres/logs.c: the groups, streams and tags sections of logs_store.h
 * on the PostgreSQL backend, in the logs_groups, logs_streams and
 * logs_tags tables (schema_logs.c), with the behaviour of sqlite/logs.c:
 * the same orders, the same keyset paging, the same answers for "exists"
 * and "not found". Chunks and data keys live in postgres/events.c; their
 * tables reference ours with ON DELETE CASCADE.
 *
 * PostgreSQL's rules (pg_int.h): an expected outcome is never an error
 * (ON CONFLICT DO NOTHING, rows changed), text compares byte-wise (COLLATE
 * "C" in the schema), SQL is static with $n parameters, and nothing bound
 * is logged.
 *
 * Several nodes write the same rows. Row locks are always taken in one
 * order, a group's row before its streams' rows, so that two transactions
 * never wait on each other in a circle: a chunk insert (events.c) updates
 * its group's stored_bytes before it touches the stream, and so every
 * operation here that changes a stream and its group locks the group
 * first. The count-then-write operations (tag_count, metric filters in
 * metric.c) lock the group row FOR NO KEY UPDATE before they count, in a
 * statement of its own, so that the count (a later statement, hence a
 * later snapshot at READ COMMITTED) sees every write of a transaction that
 * held the lock before: two nodes can never both pass a limit.
 */
#include "store/logs_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* Tag keys are at most 128 characters and values 256 (TagKey, TagValue in
 * the model), so at most 4 bytes of UTF-8 each. */
#define TAG_KEY_MAX (128 * 4)
#define TAG_VALUE_MAX (256 * 4)

/*
 * Prefix ranges. A name starts with `prefix` exactly when it lies in
 * [prefix, upper), where upper is the prefix with its last code point
 * raised by one (U+10FFFF dropped and the one before raised instead;
 * surrogates skipped): byte order is code point order for UTF-8, and the
 * bound is valid UTF-8, as every value PostgreSQL accepts must be. When
 * there is no such bound (an empty prefix, only U+10FFFF, or a prefix that
 * is not valid UTF-8 or too long), upper is ABOVE_ALL: LV_LOGS_MAX_NAME + 1
 * times U+10FFFF, above every name of at most LV_LOGS_MAX_NAME characters.
 * The statements also test starts_with(), so a result is right whatever
 * the bound; the bound lets the (…, name) index stop at the range's end.
 */
#define UPPER_MAX ((LV_LOGS_MAX_NAME + 1) * 4 + 1)

static void above_all(char *out)
{
    for (int i = 0; i <= LV_LOGS_MAX_NAME; i++) {
        memcpy(out + (size_t)i * 4, "\xf4\x8f\xbf\xbf", 4);
    }
    out[(LV_LOGS_MAX_NAME + 1) * 4] = '\0';
}

/* The code point of the UTF-8 sequence s[0..len), or -1 if malformed. */
static int32_t utf8_decode(const unsigned char *s, size_t len)
{
    int32_t cp;

    if (len == 1 && s[0] < 0x80) {
        return s[0];
    }
    if (len == 2 && (s[0] & 0xe0) == 0xc0) {
        cp = s[0] & 0x1f;
    } else if (len == 3 && (s[0] & 0xf0) == 0xe0) {
        cp = s[0] & 0x0f;
    } else if (len == 4 && (s[0] & 0xf8) == 0xf0) {
        cp = s[0] & 0x07;
    } else {
        return -1;
    }
    for (size_t i = 1; i < len; i++) {
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    return cp;
}

/* Writes cp as UTF-8 at out (room for 4 bytes); returns its length. */
static size_t utf8_encode(int32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* out: UPPER_MAX bytes. */
static void prefix_upper(const char *prefix, char *out)
{
    size_t n = strlen(prefix);
    size_t start;
    int32_t cp;

    if (n + 4 >= UPPER_MAX) {
        above_all(out);
        return;
    }
    memcpy(out, prefix, n + 1);
    while (n > 0) {
        start = n - 1;
        while (start > 0 && ((unsigned char)out[start] & 0xc0) == 0x80) {
            start--;
        }
        cp = utf8_decode((const unsigned char *)out + start, n - start);
        if (cp < 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
            break;
        }
        if (cp < 0x10ffff) {
            cp = cp + 1 == 0xd800 ? 0xe000 : cp + 1;
            n = start + utf8_encode(cp, out + start);
            out[n] = '\0';
            return;
        }
        n = start;
    }
    above_all(out);
}

#define F(p, f) (p)->f, sizeof((p)->f)

/* Runs a query expected to return at most one row, read by read() into
 * row: 1 found, 0 none, -1 fault. */
static int query_one(struct lv_pg *q, const char *sql,
                     const struct lv_pg_params *p,
                     void (*read)(const PGresult *r, int row, void *out),
                     void *row, const char *what, struct lv_err *err)
{
    PGresult *res = NULL;
    int found;

    if (lv_pg_query(q, sql, p, LV_PG_TEXT, &res, what, err) < 0) {
        return -1;
    }
    found = PQntuples(res) > 0;
    if (found) {
        read(res, 0, row);
    }
    PQclear(res);
    return found;
}

/* ---- groups -------------------------------------------------------------- */

#define GROUP_COLS                                                           \
    "id, account, region, name, creation_time, retention_days,"             \
    " kms_key_arn, log_group_class, deletion_protection, stored_bytes,"     \
    " CASE WHEN transformer IS NULL THEN 0 ELSE 1 END, transformer_version,"\
    " CASE WHEN EXISTS (SELECT 1 FROM logs_index_policies ip"              \
    "  WHERE ip.group_id = logs_groups.id) THEN 1 ELSE 0 END,"              \
    " CASE WHEN EXISTS (SELECT 1 FROM log_policies lp"                     \
    "  WHERE lp.account = logs_groups.account"                            \
    "  AND lp.region = logs_groups.region"                                \
    "  AND lp.scope = 'group:' || logs_groups.id"                         \
    "  AND lp.type = 'DATA_PROTECTION_POLICY' AND lp.to_ms = 0)"          \
    "  THEN 1 ELSE 0 END,"                                                 \
    " (SELECT gen FROM log_policy_gen)"

static void read_group(const PGresult *r, int row, void *out)
{
    struct lv_log_group *g = out;

    g->id = lv_pg_get_int64(r, row, 0);
    lv_pg_get_field(r, row, 1, F(g, account), "group account");
    lv_pg_get_field(r, row, 2, F(g, region), "group region");
    lv_pg_get_field(r, row, 3, F(g, name), "group name");
    g->creation_time = lv_pg_get_int64(r, row, 4);
    g->retention_days = (int)lv_pg_get_int64(r, row, 5);
    lv_pg_get_field(r, row, 6, F(g, kms_key_arn), "group kms key");
    lv_pg_get_field(r, row, 7, F(g, log_group_class), "group class");
    g->deletion_protection = (int)lv_pg_get_int64(r, row, 8);
    g->stored_bytes = lv_pg_get_int64(r, row, 9);
    g->has_transformer = (int)lv_pg_get_int64(r, row, 10);
    g->transformer_version = lv_pg_get_int64(r, row, 11);
    g->has_index_policy = (int)lv_pg_get_int64(r, row, 12);
    g->has_dp_policy = (int)lv_pg_get_int64(r, row, 13);
    g->policy_gen = lv_pg_get_int64(r, row, 14);
}

int lv_pg_logs_group_insert(void *impl, struct lv_log_group *g,
                            struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* The identity hands out an id even when the name exists (the row is
     * then not inserted): ids are never reused, gaps are harmless. */
    static const char sql[] =
        "INSERT INTO logs_groups (account, region, name, creation_time,"
        " retention_days, kms_key_arn, log_group_class, deletion_protection,"
        " stored_bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)"
        " ON CONFLICT (account, region, name) DO NOTHING RETURNING id";
    struct lv_pg_params p;
    int64_t id = 0;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(g, account));
    lv_pg_param_field(&p, F(g, region));
    lv_pg_param_field(&p, F(g, name));
    lv_pg_param_int64(&p, g->creation_time);
    lv_pg_param_int64(&p, g->retention_days);
    lv_pg_param_field(&p, F(g, kms_key_arn));
    lv_pg_param_field(&p, g->log_group_class[0] ? g->log_group_class
                                                : "STANDARD",
                      sizeof(g->log_group_class));
    lv_pg_param_int64(&p, g->deletion_protection ? 1 : 0);
    rc = lv_pg_query_int64(q, sql, &p, &id, "insert log group", err);
    if (rc <= 0) {
        return rc < 0 ? -1 : 1;
    }
    g->id = id;
    if (!g->log_group_class[0]) {
        snprintf(g->log_group_class, sizeof(g->log_group_class),
                 "STANDARD");
    }
    g->stored_bytes = 0;
    return 0;
}

int lv_pg_logs_group_get(void *impl, const char *account, const char *region,
                         const char *name, struct lv_log_group *out,
                         struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;
    struct lv_log_group g;
    int found;

    memset(&g, 0, sizeof(g));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    found = query_one(q, sql, &p, read_group, &g, "read log group", err);
    if (found == 1) {
        *out = g;
    }
    return found;
}

int lv_pg_logs_group_get_by_id(void *impl, int64_t id,
                               struct lv_log_group *out, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups WHERE id = $1";
    struct lv_pg_params p;
    struct lv_log_group g;
    int found;

    memset(&g, 0, sizeof(g));
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    found = query_one(q, sql, &p, read_group, &g, "read log group", err);
    if (found == 1) {
        *out = g;
    }
    return found;
}

/* Runs a one-field UPDATE of group `id` ($1, the value $2): 1 changed, 0 no
 * such group, -1 fault. At READ COMMITTED the UPDATE waits for a
 * concurrent writer of the row and then sets its field on the newest
 * version, so another field's change is never undone. */
static int set_field(struct lv_pg *q, const char *sql, int64_t id,
                     const char *text, int64_t num, const char *what,
                     struct lv_err *err)
{
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    if (text) {
        lv_pg_param_text(&p, text);
    } else {
        lv_pg_param_int64(&p, num);
    }
    return lv_pg_changed(q, sql, &p, what, err);
}

int lv_pg_logs_group_set_retention(void *impl, int64_t id, int days,
                                   struct lv_err *err)
{
    static const char sql[] =
        "UPDATE logs_groups SET retention_days = $2 WHERE id = $1";

    return set_field(impl, sql, id, NULL, days, "set log group retention",
                     err);
}

int lv_pg_logs_group_set_kms_key(void *impl, int64_t id, const char *key_arn,
                                 struct lv_err *err)
{
    static const char sql[] =
        "UPDATE logs_groups SET kms_key_arn = $2 WHERE id = $1";

    return set_field(impl, sql, id, key_arn ? key_arn : "", 0,
                     "set log group kms key", err);
}

int lv_pg_logs_group_set_deletion_protection(void *impl, int64_t id, int on,
                                             struct lv_err *err)
{
    static const char sql[] =
        "UPDATE logs_groups SET deletion_protection = $2 WHERE id = $1";

    return set_field(impl, sql, id, NULL, on ? 1 : 0,
                     "set log group deletion protection", err);
}

int lv_pg_logs_group_set_transformer(void *impl, int64_t id,
                                     const char *config, int64_t now_ms,
                                     struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char put[] =
        "UPDATE logs_groups SET transformer = $2,"
        " transformer_created = CASE WHEN transformer IS NULL THEN $3::bigint"
        "  ELSE transformer_created END,"
        " transformer_modified = $3::bigint,"
        " transformer_version = transformer_version + 1 WHERE id = $1";
    static const char del[] =
        "UPDATE logs_groups SET transformer = NULL, transformer_created = 0,"
        " transformer_modified = 0,"
        " transformer_version = transformer_version + 1"
        " WHERE id = $1 AND transformer IS NOT NULL";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    if (config) {
        lv_pg_param_text(&p, config);
        lv_pg_param_int64(&p, now_ms);
    }
    return lv_pg_changed(q, config ? put : del, &p,
                         "set log group transformer", err);
}

int lv_pg_logs_group_get_transformer(void *impl, int64_t id,
                                     struct lv_buf *config,
                                     int64_t *created_ms,
                                     int64_t *modified_ms,
                                     struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT transformer, transformer_created, transformer_modified"
        " FROM logs_groups WHERE id = $1 AND transformer IS NOT NULL";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int found = 0;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    if (lv_pg_query(q, sql, &p, LV_PG_TEXT, &res, "read log group transformer",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) > 0) {
        lv_buf_reset(config);
        if (lv_buf_add(config, PQgetvalue(res, 0, 0),
                       (size_t)PQgetlength(res, 0, 0)) < 0) {
            lv_buf_reset(config);
            found = lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                               "store: log group transformer unreadable");
        } else {
            *created_ms = lv_pg_get_int64(res, 0, 1);
            *modified_ms = lv_pg_get_int64(res, 0, 2);
            found = 1;
        }
    }
    PQclear(res);
    return found;
}

int lv_pg_logs_group_delete_unprotected(void *impl, int64_t id,
                                        struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* The protection is judged by the row as it stands when the DELETE
     * runs (after waiting for a concurrent writer of it), not by a copy
     * read before. The probe is a later statement, so it sees a group
     * deleted meanwhile as gone. */
    static const char sql[] =
        "DELETE FROM logs_groups WHERE id = $1 AND deletion_protection = 0";
    static const char probe[] = "SELECT 1 FROM logs_groups WHERE id = $1";
    struct lv_pg_params p;
    int64_t one = 0;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    rc = lv_pg_changed(q, sql, &p, "delete log group", err);
    if (rc != 0) {
        return rc;
    }
    rc = lv_pg_query_int64(q, probe, &p, &one, "read log group", err);
    if (rc < 0) {
        return -1;
    }
    return rc ? 2 : 0;
}

int lv_pg_logs_group_delete(void *impl, int64_t id, struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* Streams, tags, chunks, data keys and metric filters go with it (ON
     * DELETE CASCADE). */
    static const char sql[] = "DELETE FROM logs_groups WHERE id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    return lv_pg_run(q, sql, &p, "delete log group", err);
}

struct group_walk {
    const char *account;
    const char *region;
    const char *prefix;
    const char *after;
    char upper[UPPER_MAX];
    lv_log_group_fn fn;
    void *arg;
};

static int call_group(void *ctx, const void *row)
{
    struct group_walk *gw = ctx;

    return gw->fn(gw->arg, row);
}

static void bind_group_list(struct lv_pg_params *p, void *ctx,
                            const void *last, int n)
{
    struct group_walk *gw = ctx;
    const struct lv_log_group *g = last;

    lv_pg_param_text(p, gw->account);
    lv_pg_param_text(p, gw->region);
    lv_pg_param_text(p, gw->prefix);
    lv_pg_param_text(p, gw->upper);
    lv_pg_param_text(p, g ? g->name : gw->after);
    lv_pg_param_int64(p, n);
}

int lv_pg_logs_group_list(void *impl, const char *account,
                          const char *region, const char *prefix,
                          const char *after, int limit, lv_log_group_fn fn,
                          void *arg, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups"
        " WHERE account = $1 AND region = $2 AND name >= $3 AND name < $4"
        " AND starts_with(name, $3) AND name > $5 ORDER BY name LIMIT $6";
    struct group_walk *gw = lv_xcalloc(1, sizeof(*gw));
    struct lv_pg_walk w = {
        sql, "list log groups", sizeof(struct lv_log_group), limit, gw,
        bind_group_list, read_group, NULL, call_group,
    };
    int rc;

    gw->account = account;
    gw->region = region;
    gw->prefix = prefix ? prefix : "";
    gw->after = after ? after : "";
    gw->fn = fn;
    gw->arg = arg;
    prefix_upper(gw->prefix, gw->upper);
    rc = lv_pg_walk_run(q, &w, err);
    free(gw);
    return rc;
}

static void bind_group_retained(struct lv_pg_params *p, void *ctx,
                                const void *last, int n)
{
    const struct lv_log_group *g = last;

    (void)ctx;
    lv_pg_param_int64(p, g ? g->id : 0);
    lv_pg_param_int64(p, n);
}

int lv_pg_logs_group_list_retained(void *impl, lv_log_group_fn fn, void *arg,
                                   struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups"
        " WHERE retention_days > 0 AND id > $1 ORDER BY id LIMIT $2";
    struct group_walk gw;
    struct lv_pg_walk w = {
        sql, "list retained log groups", sizeof(struct lv_log_group), 0,
        &gw, bind_group_retained, read_group, NULL, call_group,
    };

    memset(&gw, 0, sizeof(gw));
    gw.fn = fn;
    gw.arg = arg;
    return lv_pg_walk_run(q, &w, err);
}

/* ---- streams ------------------------------------------------------------- */

#define STREAM_COLS                                                          \
    "id, group_id, name, creation_time, first_event_ts, last_event_ts,"     \
    " last_ingestion_time, stored_bytes, next_seq"

static void read_stream(const PGresult *r, int row, void *out)
{
    struct lv_log_stream *t = out;

    t->id = lv_pg_get_int64(r, row, 0);
    t->group_id = lv_pg_get_int64(r, row, 1);
    lv_pg_get_field(r, row, 2, F(t, name), "stream name");
    t->creation_time = lv_pg_get_int64(r, row, 3);
    t->first_event_ts = lv_pg_get_int64(r, row, 4);
    t->last_event_ts = lv_pg_get_int64(r, row, 5);
    t->last_ingestion_time = lv_pg_get_int64(r, row, 6);
    t->stored_bytes = lv_pg_get_int64(r, row, 7);
    t->next_seq = lv_pg_get_int64(r, row, 8);
}

int lv_pg_logs_stream_insert(void *impl, struct lv_log_stream *t,
                             struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* A group deleted since the caller read it: the foreign key would
     * fail the statement, so the group is looked up (and kept, FOR KEY
     * SHARE) by the insert itself; without it the stream "exists" no
     * more than its group does, and the caller's next lookup of the group
     * answers for it. */
    static const char sql[] =
        "INSERT INTO logs_streams (group_id, name, creation_time,"
        " first_event_ts, last_event_ts, last_ingestion_time, stored_bytes,"
        " next_seq) SELECT $1::bigint, $2::text, $3::bigint, $4::bigint,"
        " $5::bigint, $6::bigint, $7::bigint, $8::bigint"
        " WHERE EXISTS (SELECT 1 FROM logs_groups WHERE id = $1"
        "               FOR KEY SHARE)"
        " ON CONFLICT (group_id, name) DO NOTHING RETURNING id";
    static const char grp[] = "SELECT 1 FROM logs_groups WHERE id = $1";
    struct lv_pg_params p;
    int64_t id = 0;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, t->group_id);
    lv_pg_param_field(&p, F(t, name));
    lv_pg_param_int64(&p, t->creation_time);
    lv_pg_param_int64(&p, t->first_event_ts);
    lv_pg_param_int64(&p, t->last_event_ts);
    lv_pg_param_int64(&p, t->last_ingestion_time);
    lv_pg_param_int64(&p, t->stored_bytes);
    lv_pg_param_int64(&p, t->next_seq);
    rc = lv_pg_query_int64(q, sql, &p, &id, "insert log stream", err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        lv_pg_params_init(&p);
        lv_pg_param_int64(&p, t->group_id);
        rc = lv_pg_query_int64(q, grp, &p, &id, "read log group", err);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                              "The specified log group does not exist.");
        }
        return 1;
    }
    t->id = id;
    return 0;
}

int lv_pg_logs_stream_get(void *impl, int64_t group_id, const char *name,
                          struct lv_log_stream *out, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " STREAM_COLS " FROM logs_streams"
        " WHERE group_id = $1 AND name = $2";
    struct lv_pg_params p;
    struct lv_log_stream t;
    int found;

    memset(&t, 0, sizeof(t));
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    lv_pg_param_text(&p, name);
    found = query_one(q, sql, &p, read_stream, &t, "read log stream", err);
    if (found == 1) {
        *out = t;
    }
    return found;
}

int lv_pg_logs_stream_delete(void *impl, int64_t id, struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* The group's row first (the lock order, see the top), then the
     * stream with its chunks (ON DELETE CASCADE), its bytes taken off the
     * group's: the bytes of the row as deleted, so none are lost to a
     * concurrent append. */
    static const char lock[] =
        "SELECT 1 FROM logs_groups WHERE id ="
        " (SELECT group_id FROM logs_streams WHERE id = $1)"
        " FOR NO KEY UPDATE";
    static const char del[] =
        "WITH d AS (DELETE FROM logs_streams WHERE id = $1"
        "           RETURNING group_id, stored_bytes)"
        " UPDATE logs_groups g"
        " SET stored_bytes = GREATEST(0, g.stored_bytes - d.stored_bytes)"
        " FROM d WHERE g.id = d.group_id";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    if (lv_pg_run(q, lock, &p, "lock log stream's group", err) < 0 ||
        lv_pg_run(q, del, &p, "delete log stream", err) < 0) {
        lv_pg_rollback(q);
        return -1;
    }
    return lv_pg_commit(q, err);
}

struct stream_walk {
    int64_t group_id;
    int descending;
    const char *prefix;
    const char *after;
    char upper[UPPER_MAX];
    lv_log_stream_fn fn;
    void *arg;
};

static int call_stream(void *ctx, const void *row)
{
    struct stream_walk *sw = ctx;

    return sw->fn(sw->arg, row);
}

static void bind_stream_list(struct lv_pg_params *p, void *ctx,
                             const void *last, int n)
{
    struct stream_walk *sw = ctx;
    const struct lv_log_stream *t = last;

    lv_pg_param_int64(p, sw->group_id);
    lv_pg_param_text(p, sw->prefix);
    lv_pg_param_text(p, sw->upper);
    lv_pg_param_text(p, t ? t->name : sw->after);
    lv_pg_param_int64(p, n);
}

int lv_pg_logs_stream_list(void *impl, int64_t group_id, const char *prefix,
                           const char *after, int limit, lv_log_stream_fn fn,
                           void *arg, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " STREAM_COLS " FROM logs_streams"
        " WHERE group_id = $1 AND name >= $2 AND name < $3"
        " AND starts_with(name, $2) AND name > $4"
        " ORDER BY name LIMIT $5";
    struct stream_walk *sw = lv_xcalloc(1, sizeof(*sw));
    struct lv_pg_walk w = {
        sql, "list log streams", sizeof(struct lv_log_stream), limit, sw,
        bind_stream_list, read_stream, NULL, call_stream,
    };
    int rc;

    sw->group_id = group_id;
    sw->prefix = prefix ? prefix : "";
    sw->after = after ? after : "";
    sw->fn = fn;
    sw->arg = arg;
    prefix_upper(sw->prefix, sw->upper);
    rc = lv_pg_walk_run(q, &w, err);
    free(sw);
    return rc;
}

/* Keyset over (last_event_ts, name); the first batch's cursor lies before
 * every row (timestamps are never INT64_MIN or INT64_MAX). */
static void bind_stream_time(struct lv_pg_params *p, void *ctx,
                             const void *last, int n)
{
    struct stream_walk *sw = ctx;
    const struct lv_log_stream *t = last;

    lv_pg_param_int64(p, sw->group_id);
    if (t) {
        lv_pg_param_int64(p, t->last_event_ts);
        lv_pg_param_text(p, t->name);
    } else {
        lv_pg_param_int64(p, sw->descending ? INT64_MAX : INT64_MIN);
        lv_pg_param_text(p, "");
    }
    lv_pg_param_int64(p, n);
}

int lv_pg_logs_stream_list_by_time(void *impl, int64_t group_id,
                                   int descending, lv_log_stream_fn fn,
                                   void *arg, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char asc[] =
        "SELECT " STREAM_COLS " FROM logs_streams WHERE group_id = $1"
        " AND (last_event_ts, name) > ($2, $3)"
        " ORDER BY last_event_ts, name LIMIT $4";
    static const char desc[] =
        "SELECT " STREAM_COLS " FROM logs_streams WHERE group_id = $1"
        " AND (last_event_ts, name) < ($2, $3)"
        " ORDER BY last_event_ts DESC, name DESC LIMIT $4";
    struct stream_walk sw;
    struct lv_pg_walk w = {
        descending ? desc : asc, "list log streams by time",
        sizeof(struct lv_log_stream), 0, &sw, bind_stream_time, read_stream,
        NULL, call_stream,
    };

    memset(&sw, 0, sizeof(sw));
    sw.group_id = group_id;
    sw.descending = descending;
    sw.fn = fn;
    sw.arg = arg;
    return lv_pg_walk_run(q, &w, err);
}

int lv_pg_logs_stream_note_append(void *impl, int64_t stream_id,
                                  int64_t first_ts, int64_t last_ts,
                                  int64_t ingestion_time, int64_t bytes,
                                  int64_t chunks, struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* first_event_ts 0 means "no events yet" (PutLogEvents refuses events
     * older than 14 days, so 0 is never a real first timestamp). Every
     * field moves from the row as it stands (increments, GREATEST). */
    static const char sql[] =
        "UPDATE logs_streams SET"
        " first_event_ts = CASE WHEN first_event_ts = 0"
        "  OR $2 < first_event_ts THEN $2 ELSE first_event_ts END,"
        " last_event_ts = GREATEST(last_event_ts, $3),"
        " last_ingestion_time = GREATEST(last_ingestion_time, $4),"
        " stored_bytes = stored_bytes + $5,"
        " next_seq = next_seq + $6"
        " WHERE id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, stream_id);
    lv_pg_param_int64(&p, first_ts);
    lv_pg_param_int64(&p, last_ts);
    lv_pg_param_int64(&p, ingestion_time);
    lv_pg_param_int64(&p, bytes);
    lv_pg_param_int64(&p, chunks);
    return lv_pg_run(q, sql, &p, "update log stream", err);
}

/* ---- tags -------------------------------------------------------------- */

int lv_pg_logs_tag_set(void *impl, int64_t group_id, const char *key,
                       const char *value, struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* The group is looked up (and kept) by the insert itself, so that a
     * group deleted since the caller read it is "not found", not a
     * foreign key failure. */
    static const char sql[] =
        "INSERT INTO logs_tags (group_id, key, value)"
        " SELECT $1::bigint, $2::text, $3::text"
        " WHERE EXISTS (SELECT 1 FROM logs_groups WHERE id = $1"
        "               FOR KEY SHARE)"
        " ON CONFLICT (group_id, key) DO UPDATE SET value = excluded.value";
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    lv_pg_param_text(&p, key);
    lv_pg_param_text(&p, value);
    rc = lv_pg_changed(q, sql, &p, "set log group tag", err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log group does not exist.");
    }
    return 0;
}

int lv_pg_logs_tag_delete(void *impl, int64_t group_id, const char *key,
                          struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "DELETE FROM logs_tags WHERE group_id = $1 AND key = $2";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    lv_pg_param_text(&p, key);
    return lv_pg_run(q, sql, &p, "delete log group tag", err);
}

struct tag_row {
    char key[TAG_KEY_MAX + 1];
    char value[TAG_VALUE_MAX + 1];
};

struct tag_walk {
    int64_t group_id;
    lv_log_tag_fn fn;
    void *arg;
};

static void read_tag(const PGresult *r, int row, void *out)
{
    struct tag_row *t = out;

    lv_pg_get_field(r, row, 0, F(t, key), "tag key");
    lv_pg_get_field(r, row, 1, F(t, value), "tag value");
}

static void bind_tag_list(struct lv_pg_params *p, void *ctx,
                          const void *last, int n)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = last;

    lv_pg_param_int64(p, tw->group_id);
    lv_pg_param_text(p, t ? t->key : "");
    lv_pg_param_int64(p, n);
}

static int call_tag(void *ctx, const void *row)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = row;

    return tw->fn(tw->arg, t->key, t->value);
}

int lv_pg_logs_tag_list(void *impl, int64_t group_id, lv_log_tag_fn fn,
                        void *arg, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT key, value FROM logs_tags WHERE group_id = $1 AND key > $2"
        " ORDER BY key LIMIT $3";
    struct tag_walk tw = { group_id, fn, arg };
    struct lv_pg_walk w = {
        sql, "list log group tags", sizeof(struct tag_row), 0, &tw,
        bind_tag_list, read_tag, NULL, call_tag,
    };

    return lv_pg_walk_run(q, &w, err);
}

int lv_pg_logs_tag_count(void *impl, int64_t group_id, int *n,
                         struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* TagResource sets, then counts, then gives up over the limit: the
     * group's row is locked before the count (held to the end of the
     * caller's transaction), so that a second node's count waits for the
     * first's tags and sees them. */
    static const char lock[] =
        "SELECT 1 FROM logs_groups WHERE id = $1 FOR NO KEY UPDATE";
    static const char sql[] =
        "SELECT count(*) FROM logs_tags WHERE group_id = $1";
    struct lv_pg_params p;
    int64_t count = 0;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    if (lv_pg_run(q, lock, &p, "lock log group", err) < 0 ||
        lv_pg_query_int64(q, sql, &p, &count, "count log group tags",
                          err) < 0) {
        lv_pg_rollback(q);
        return -1;
    }
    if (lv_pg_commit(q, err) < 0) {
        return -1;
    }
    *n = (int)count;
    return 0;
}
