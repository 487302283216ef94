/*
 * sqlite/logs.c: the groups, streams and tags sections of logs_store.h on
 * the embedded SQLite backend, in the logs_groups, logs_streams and
 * logs_tags tables (schema_logs.c). Chunks and data keys live in
 * sqlite/events.c; their tables reference ours with ON DELETE CASCADE, so
 * deleting a group or a stream row takes its data with it.
 *
 * Every statement is static SQL through lv_sqlite_prepare() (cached per
 * connection), reset before the function returns, on error paths too.
 * Strings are copied out of SQLite before the reset.
 *
 * Lists run in batches (lv_sqlite_walk_run() in sqlite/util.c): a batch of
 * rows is copied out, the statement is reset, and only then is the
 * caller's function called, so that it may itself use the store. The next
 * batch resumes after the last row seen (keyset paging).
 */
#include "store/logs_store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* Tag keys are at most 128 characters and values 256 (TagKey, TagValue in
 * the model), so at most 4 bytes of UTF-8 each. */
#define TAG_KEY_MAX (128 * 4)
#define TAG_VALUE_MAX (256 * 4)

/*
 * The smallest byte string above every string that starts with `prefix`:
 * the prefix with its last byte raised by one (UTF-8 never holds 0xff, so
 * there is always room), or "\xff" — above every UTF-8 string — for "".
 * BINARY collation compares bytes, so "name >= prefix AND name < upper" is
 * an index range. out has room for LV_LOGS_MAX_NAME * 4 + 2 bytes.
 */
#define UPPER_MAX (LV_LOGS_MAX_NAME * 4 + 2)

static void prefix_upper(const char *prefix, char *out)
{
    size_t n = strlen(prefix);

    if (n == 0 || n >= UPPER_MAX) {
        out[0] = (char)0xff;
        out[1] = '\0';
        return;
    }
    memcpy(out, prefix, n + 1);
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
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

#define F(p, f) (p)->f, sizeof((p)->f)

static void read_group(sqlite3_stmt *st, void *row)
{
    struct lv_log_group *g = row;

    g->id = sqlite3_column_int64(st, 0);
    lv_sqlite_col_field(st, 1, F(g, account), "group account");
    lv_sqlite_col_field(st, 2, F(g, region), "group region");
    lv_sqlite_col_field(st, 3, F(g, name), "group name");
    g->creation_time = sqlite3_column_int64(st, 4);
    g->retention_days = sqlite3_column_int(st, 5);
    lv_sqlite_col_field(st, 6, F(g, kms_key_arn), "group kms key");
    lv_sqlite_col_field(st, 7, F(g, log_group_class), "group class");
    g->deletion_protection = sqlite3_column_int(st, 8);
    g->stored_bytes = sqlite3_column_int64(st, 9);
    g->has_transformer = sqlite3_column_int(st, 10);
    g->transformer_version = sqlite3_column_int64(st, 11);
    g->has_index_policy = sqlite3_column_int(st, 12);
    g->has_dp_policy = sqlite3_column_int(st, 13);
    g->policy_gen = sqlite3_column_int64(st, 14);
}

static void read_one(sqlite3_stmt *st, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(st, 0);
}

/*
 * The next id of `kind` ("group", "stream") from logs_id_seq: ids are
 * handed out once and never again, even after their row is deleted
 * (SQLite would reuse the highest rowid once it is freed). Must run inside
 * the caller's write transaction.
 */
static int next_id(struct lv_sqlite *s, const char *kind, int64_t *id,
                   struct lv_err *err)
{
    static const char sql[] =
        "UPDATE logs_id_seq SET last = last + 1 WHERE name = ?1"
        " RETURNING last";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, kind);
    return lv_sqlite_run_int(&b, id, "allocate log id", err);
}

/*
 * Inserts a new row in one transaction: the next id of `kind` (next_id()),
 * then insert(s, row, that id), which returns 0 inserted, 1 exists, -1
 * fault. 0 with *id set when inserted; 1 when the row exists and -1 on a
 * fault, with nothing written, not even the id.
 */
static int insert_new(struct lv_sqlite *s, const char *kind,
                      int (*insert)(struct lv_sqlite *s, const void *row,
                                    int64_t id, struct lv_err *err),
                      const void *row, int64_t *id, struct lv_err *err)
{
    int64_t next = 0;
    int rc;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (next_id(s, kind, &next, err) < 0) {
        lv_sqlite_rollback(s);
        return -1;
    }
    rc = insert(s, row, next, err);
    if (rc != 0) {
        lv_sqlite_rollback(s);
        return rc;
    }
    if (lv_sqlite_commit(s, err) < 0) {
        return -1;
    }
    *id = next;
    return 0;
}

static int insert_group(struct lv_sqlite *s, const void *row, int64_t id,
                        struct lv_err *err)
{
    const struct lv_log_group *g = row;
    static const char sql[] =
        "INSERT INTO logs_groups (id, account, region, name, creation_time,"
        " retention_days, kms_key_arn, log_group_class, deletion_protection,"
        " stored_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    lv_sqlite_bind_field(&b, F(g, account));
    lv_sqlite_bind_field(&b, F(g, region));
    lv_sqlite_bind_field(&b, F(g, name));
    lv_sqlite_bind_int64(&b, g->creation_time);
    lv_sqlite_bind_int64(&b, g->retention_days);
    lv_sqlite_bind_field(&b, F(g, kms_key_arn));
    lv_sqlite_bind_field(&b, g->log_group_class[0] ? g->log_group_class
                                                   : "STANDARD",
                         sizeof(g->log_group_class));
    lv_sqlite_bind_int64(&b, g->deletion_protection ? 1 : 0);
    if (lv_sqlite_run_done(&b, "insert log group", err) < 0) {
        return -1;
    }
    return lv_sqlite_changes(b.st) == 0 ? 1 : 0;
}

int lv_sqlite_logs_group_insert(void *impl, struct lv_log_group *g,
                                struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    int64_t id = 0;
    int rc = insert_new(s, "group", insert_group, g, &id, err);

    if (rc != 0) {
        return rc;
    }
    g->id = id;
    if (!g->log_group_class[0]) {
        snprintf(g->log_group_class, sizeof(g->log_group_class),
                 "STANDARD");
    }
    g->stored_bytes = 0;
    return 0;
}

int lv_sqlite_logs_group_get(void *impl, const char *account,
                             const char *region, const char *name,
                             struct lv_log_group *out, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_log_group g;
    struct lv_sqlite_bind b;
    int found;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    memset(&g, 0, sizeof(g));
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    found = lv_sqlite_run_one(&b, read_group, &g, "read log group", err);
    if (found == 1) {
        *out = g;
    }
    return found;
}

int lv_sqlite_logs_group_get_by_id(void *impl, int64_t id,
                                   struct lv_log_group *out,
                                   struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups WHERE id = ?1";
    struct lv_log_group g;
    struct lv_sqlite_bind b;
    int found;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    memset(&g, 0, sizeof(g));
    lv_sqlite_bind_int64(&b, id);
    found = lv_sqlite_run_one(&b, read_group, &g, "read log group", err);
    if (found == 1) {
        *out = g;
    }
    return found;
}

/* Runs a one-field UPDATE of group `id` (bound as ?1, the value as ?2):
 * 1 changed, 0 no such group, -1 fault. */
static int set_field(struct lv_sqlite *s, const char *sql, int64_t id,
                     const char *text, int64_t num, const char *what,
                     struct lv_err *err)
{
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    if (text) {
        lv_sqlite_bind_text(&b, text);
    } else {
        lv_sqlite_bind_int64(&b, num);
    }
    return lv_sqlite_run_changed(&b, what, err);
}

int lv_sqlite_logs_group_set_retention(void *impl, int64_t id, int days,
                                       struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE logs_groups SET retention_days = ?2 WHERE id = ?1";

    return set_field(s, sql, id, NULL, days, "set log group retention",
                     err);
}

int lv_sqlite_logs_group_set_kms_key(void *impl, int64_t id,
                                     const char *key_arn, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE logs_groups SET kms_key_arn = ?2 WHERE id = ?1";

    return set_field(s, sql, id, key_arn ? key_arn : "", 0,
                     "set log group kms key", err);
}

int lv_sqlite_logs_group_set_deletion_protection(void *impl, int64_t id,
                                                 int on, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE logs_groups SET deletion_protection = ?2 WHERE id = ?1";

    return set_field(s, sql, id, NULL, on ? 1 : 0,
                     "set log group deletion protection", err);
}

int lv_sqlite_logs_group_set_transformer(void *impl, int64_t id,
                                         const char *config, int64_t now_ms,
                                         struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char put[] =
        "UPDATE logs_groups SET transformer = ?2,"
        " transformer_created = CASE WHEN transformer IS NULL THEN ?3"
        "  ELSE transformer_created END,"
        " transformer_modified = ?3,"
        " transformer_version = transformer_version + 1 WHERE id = ?1";
    static const char del[] =
        "UPDATE logs_groups SET transformer = NULL, transformer_created = 0,"
        " transformer_modified = 0,"
        " transformer_version = transformer_version + 1"
        " WHERE id = ?1 AND transformer IS NOT NULL";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, config ? put : del, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    if (config) {
        lv_sqlite_bind_text(&b, config);
        lv_sqlite_bind_int64(&b, now_ms);
    }
    return lv_sqlite_run_changed(&b, "set log group transformer", err);
}

int lv_sqlite_logs_group_get_transformer(void *impl, int64_t id,
                                         struct lv_buf *config,
                                         int64_t *created_ms,
                                         int64_t *modified_ms,
                                         struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT transformer, transformer_created, transformer_modified"
        " FROM logs_groups WHERE id = ?1 AND transformer IS NOT NULL";
    struct lv_sqlite_bind b;
    const unsigned char *text;
    int found;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    found = lv_sqlite_run_row(&b, "read log group transformer", err);
    if (found != 1) {
        return found;
    }
    lv_buf_reset(config);
    text = sqlite3_column_text(b.st, 0);
    if (!text || lv_buf_add(config, text,
                            (size_t)sqlite3_column_bytes(b.st, 0)) < 0) {
        sqlite3_reset(b.st);
        lv_buf_reset(config);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "store: log group transformer unreadable");
    }
    *created_ms = sqlite3_column_int64(b.st, 1);
    *modified_ms = sqlite3_column_int64(b.st, 2);
    sqlite3_reset(b.st);
    return 1;
}

int lv_sqlite_logs_group_delete_unprotected(void *impl, int64_t id,
                                            struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* The protection is judged by the row as it stands when the DELETE
     * runs, not by a copy read before. */
    static const char sql[] =
        "DELETE FROM logs_groups WHERE id = ?1 AND deletion_protection = 0";
    static const char probe[] = "SELECT 1 FROM logs_groups WHERE id = ?1";
    struct lv_sqlite_bind b;
    int64_t one = 0;
    int deleted;
    int found;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, id);
    deleted = lv_sqlite_run_changed(&b, "delete log group", err);
    if (deleted < 0) {
        goto fail;
    }
    if (deleted) {
        return lv_sqlite_commit(s, err) < 0 ? -1 : 1;
    }
    if (lv_sqlite_start(s, probe, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, id);
    found = lv_sqlite_run_one(&b, read_one, &one, "read log group", err);
    if (found < 0) {
        goto fail;
    }
    lv_sqlite_rollback(s);
    return found ? 2 : 0;
fail:
    lv_sqlite_rollback(s);
    return -1;
}

int lv_sqlite_logs_group_delete(void *impl, int64_t id, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Streams, tags, chunks and data keys go with it (ON DELETE CASCADE;
     * foreign_keys is on for every connection). */
    static const char sql[] = "DELETE FROM logs_groups WHERE id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    return lv_sqlite_run_done(&b, "delete log group", err);
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

static void bind_group_list(struct lv_sqlite_bind *b, void *ctx,
                            const void *last, int n)
{
    struct group_walk *gw = ctx;
    const struct lv_log_group *g = last;

    lv_sqlite_bind_text(b, gw->account);
    lv_sqlite_bind_text(b, gw->region);
    lv_sqlite_bind_text(b, gw->prefix);
    lv_sqlite_bind_text(b, gw->upper);
    lv_sqlite_bind_text(b, g ? g->name : gw->after);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_logs_group_list(void *impl, const char *account,
                              const char *region, const char *prefix,
                              const char *after, int limit, lv_log_group_fn fn,
                              void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups"
        " WHERE account = ?1 AND region = ?2 AND name >= ?3 AND name < ?4"
        " AND name > ?5 ORDER BY name LIMIT ?6";
    struct group_walk gw;
    struct lv_sqlite_walk w = {
        sql, "list log groups", sizeof(struct lv_log_group), limit, &gw,
        bind_group_list, read_group, NULL, call_group,
    };

    memset(&gw, 0, sizeof(gw));
    gw.account = account;
    gw.region = region;
    gw.prefix = prefix ? prefix : "";
    gw.after = after ? after : "";
    gw.fn = fn;
    gw.arg = arg;
    prefix_upper(gw.prefix, gw.upper);
    return lv_sqlite_walk_run(s, &w, err);
}

static void bind_group_retained(struct lv_sqlite_bind *b, void *ctx,
                                const void *last, int n)
{
    const struct lv_log_group *g = last;

    (void)ctx;
    lv_sqlite_bind_int64(b, g ? g->id : 0);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_logs_group_list_retained(void *impl, lv_log_group_fn fn,
                                       void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " GROUP_COLS " FROM logs_groups"
        " WHERE retention_days > 0 AND id > ?1 ORDER BY id LIMIT ?2";
    struct group_walk gw;
    struct lv_sqlite_walk w = {
        sql, "list retained log groups", sizeof(struct lv_log_group), 0,
        &gw, bind_group_retained, read_group, NULL, call_group,
    };

    memset(&gw, 0, sizeof(gw));
    gw.fn = fn;
    gw.arg = arg;
    return lv_sqlite_walk_run(s, &w, err);
}

/* ---- streams ------------------------------------------------------------- */

#define STREAM_COLS                                                          \
    "id, group_id, name, creation_time, first_event_ts, last_event_ts,"     \
    " last_ingestion_time, stored_bytes, next_seq"

static void read_stream(sqlite3_stmt *st, void *row)
{
    struct lv_log_stream *t = row;

    t->id = sqlite3_column_int64(st, 0);
    t->group_id = sqlite3_column_int64(st, 1);
    lv_sqlite_col_field(st, 2, F(t, name), "stream name");
    t->creation_time = sqlite3_column_int64(st, 3);
    t->first_event_ts = sqlite3_column_int64(st, 4);
    t->last_event_ts = sqlite3_column_int64(st, 5);
    t->last_ingestion_time = sqlite3_column_int64(st, 6);
    t->stored_bytes = sqlite3_column_int64(st, 7);
    t->next_seq = sqlite3_column_int64(st, 8);
}

static int insert_stream(struct lv_sqlite *s, const void *row, int64_t id,
                         struct lv_err *err)
{
    const struct lv_log_stream *t = row;
    static const char sql[] =
        "INSERT INTO logs_streams (id, group_id, name, creation_time,"
        " first_event_ts, last_event_ts, last_ingestion_time, stored_bytes,"
        " next_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT (group_id, name) DO NOTHING";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    lv_sqlite_bind_int64(&b, t->group_id);
    lv_sqlite_bind_field(&b, F(t, name));
    lv_sqlite_bind_int64(&b, t->creation_time);
    lv_sqlite_bind_int64(&b, t->first_event_ts);
    lv_sqlite_bind_int64(&b, t->last_event_ts);
    lv_sqlite_bind_int64(&b, t->last_ingestion_time);
    lv_sqlite_bind_int64(&b, t->stored_bytes);
    lv_sqlite_bind_int64(&b, t->next_seq);
    if (lv_sqlite_run_done(&b, "insert log stream", err) < 0) {
        return -1;
    }
    return lv_sqlite_changes(b.st) == 0 ? 1 : 0;
}

int lv_sqlite_logs_stream_insert(void *impl, struct lv_log_stream *t,
                                 struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    int64_t id = 0;
    int rc = insert_new(s, "stream", insert_stream, t, &id, err);

    if (rc != 0) {
        return rc;
    }
    t->id = id;
    return 0;
}

int lv_sqlite_logs_stream_get(void *impl, int64_t group_id, const char *name,
                              struct lv_log_stream *out, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " STREAM_COLS " FROM logs_streams"
        " WHERE group_id = ?1 AND name = ?2";
    struct lv_log_stream t;
    struct lv_sqlite_bind b;
    int found;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    memset(&t, 0, sizeof(t));
    lv_sqlite_bind_int64(&b, group_id);
    lv_sqlite_bind_text(&b, name);
    found = lv_sqlite_run_one(&b, read_stream, &t, "read log stream", err);
    if (found == 1) {
        *out = t;
    }
    return found;
}

int lv_sqlite_logs_stream_delete(void *impl, int64_t id, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Its chunks go with it (ON DELETE CASCADE), and so do their bytes
     * from the group's stored_bytes, in the same transaction. */
    static const char group[] =
        "UPDATE logs_groups SET stored_bytes = max(0, stored_bytes -"
        " (SELECT stored_bytes FROM logs_streams WHERE id = ?1))"
        " WHERE id = (SELECT group_id FROM logs_streams WHERE id = ?1)";
    static const char del[] = "DELETE FROM logs_streams WHERE id = ?1";
    const char *const steps[] = { group, del };
    struct lv_sqlite_bind b;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (lv_sqlite_start(s, steps[i], &b, err) < 0) {
            lv_sqlite_rollback(s);
            return -1;
        }
        lv_sqlite_bind_int64(&b, id);
        if (lv_sqlite_run_done(&b, "delete log stream", err) < 0) {
            lv_sqlite_rollback(s);
            return -1;
        }
    }
    return lv_sqlite_commit(s, err);
}

struct stream_walk {
    int64_t group_id;
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

static void bind_stream_list(struct lv_sqlite_bind *b, void *ctx,
                             const void *last, int n)
{
    struct stream_walk *sw = ctx;
    const struct lv_log_stream *t = last;

    lv_sqlite_bind_int64(b, sw->group_id);
    lv_sqlite_bind_text(b, sw->prefix);
    lv_sqlite_bind_text(b, sw->upper);
    lv_sqlite_bind_text(b, t ? t->name : sw->after);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_logs_stream_list(void *impl, int64_t group_id,
                               const char *prefix, const char *after,
                               int limit, lv_log_stream_fn fn, void *arg,
                               struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " STREAM_COLS " FROM logs_streams"
        " WHERE group_id = ?1 AND name >= ?2 AND name < ?3 AND name > ?4"
        " ORDER BY name LIMIT ?5";
    struct stream_walk sw;
    struct lv_sqlite_walk w = {
        sql, "list log streams", sizeof(struct lv_log_stream), limit, &sw,
        bind_stream_list, read_stream, NULL, call_stream,
    };

    memset(&sw, 0, sizeof(sw));
    sw.group_id = group_id;
    sw.prefix = prefix ? prefix : "";
    sw.after = after ? after : "";
    sw.fn = fn;
    sw.arg = arg;
    prefix_upper(sw.prefix, sw.upper);
    return lv_sqlite_walk_run(s, &w, err);
}

/* Keyset over (last_event_ts, name): ?2 is 1 for the first batch. */
static void bind_stream_time(struct lv_sqlite_bind *b, void *ctx,
                             const void *last, int n)
{
    struct stream_walk *sw = ctx;
    const struct lv_log_stream *t = last;

    lv_sqlite_bind_int64(b, sw->group_id);
    lv_sqlite_bind_int64(b, t ? 0 : 1);
    lv_sqlite_bind_int64(b, t ? t->last_event_ts : 0);
    lv_sqlite_bind_text(b, t ? t->name : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_logs_stream_list_by_time(void *impl, int64_t group_id,
                                       int descending, lv_log_stream_fn fn,
                                       void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char asc[] =
        "SELECT " STREAM_COLS " FROM logs_streams WHERE group_id = ?1"
        " AND (?2 OR last_event_ts > ?3"
        " OR (last_event_ts = ?3 AND name > ?4))"
        " ORDER BY last_event_ts, name LIMIT ?5";
    static const char desc[] =
        "SELECT " STREAM_COLS " FROM logs_streams WHERE group_id = ?1"
        " AND (?2 OR last_event_ts < ?3"
        " OR (last_event_ts = ?3 AND name < ?4))"
        " ORDER BY last_event_ts DESC, name DESC LIMIT ?5";
    struct stream_walk sw;
    struct lv_sqlite_walk w = {
        descending ? desc : asc, "list log streams by time",
        sizeof(struct lv_log_stream), 0, &sw, bind_stream_time, read_stream,
        NULL, call_stream,
    };

    memset(&sw, 0, sizeof(sw));
    sw.group_id = group_id;
    sw.fn = fn;
    sw.arg = arg;
    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_logs_stream_note_append(void *impl, int64_t stream_id,
                                      int64_t first_ts, int64_t last_ts,
                                      int64_t ingestion_time, int64_t bytes,
                                      int64_t chunks, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* first_event_ts 0 means "no events yet" (PutLogEvents refuses events
     * older than 14 days, so 0 is never a real first timestamp). */
    static const char sql[] =
        "UPDATE logs_streams SET"
        " first_event_ts = CASE WHEN first_event_ts = 0"
        "  OR ?2 < first_event_ts THEN ?2 ELSE first_event_ts END,"
        " last_event_ts = max(last_event_ts, ?3),"
        " last_ingestion_time = max(last_ingestion_time, ?4),"
        " stored_bytes = stored_bytes + ?5,"
        " next_seq = next_seq + ?6"
        " WHERE id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, stream_id);
    lv_sqlite_bind_int64(&b, first_ts);
    lv_sqlite_bind_int64(&b, last_ts);
    lv_sqlite_bind_int64(&b, ingestion_time);
    lv_sqlite_bind_int64(&b, bytes);
    lv_sqlite_bind_int64(&b, chunks);
    return lv_sqlite_run_done(&b, "update log stream", err);
}

/* ---- tags -------------------------------------------------------------- */

int lv_sqlite_logs_tag_set(void *impl, int64_t group_id, const char *key,
                           const char *value, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "INSERT INTO logs_tags (group_id, key, value) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (group_id, key) DO UPDATE SET value = excluded.value";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    lv_sqlite_bind_text(&b, key);
    lv_sqlite_bind_text(&b, value);
    return lv_sqlite_run_done(&b, "set log group tag", err);
}

int lv_sqlite_logs_tag_delete(void *impl, int64_t group_id, const char *key,
                              struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "DELETE FROM logs_tags WHERE group_id = ?1 AND key = ?2";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    lv_sqlite_bind_text(&b, key);
    return lv_sqlite_run_done(&b, "delete log group tag", err);
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

static void read_tag(sqlite3_stmt *st, void *row)
{
    struct tag_row *t = row;

    lv_sqlite_col_field(st, 0, F(t, key), "tag key");
    lv_sqlite_col_field(st, 1, F(t, value), "tag value");
}

static void bind_tag_list(struct lv_sqlite_bind *b, void *ctx,
                          const void *last, int n)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = last;

    lv_sqlite_bind_int64(b, tw->group_id);
    lv_sqlite_bind_text(b, t ? t->key : "");
    lv_sqlite_bind_int64(b, n);
}

static int call_tag(void *ctx, const void *row)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = row;

    return tw->fn(tw->arg, t->key, t->value);
}

int lv_sqlite_logs_tag_list(void *impl, int64_t group_id, lv_log_tag_fn fn,
                            void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT key, value FROM logs_tags WHERE group_id = ?1 AND key > ?2"
        " ORDER BY key LIMIT ?3";
    struct tag_walk tw = { group_id, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list log group tags", sizeof(struct tag_row), 0, &tw,
        bind_tag_list, read_tag, NULL, call_tag,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

static void read_count(sqlite3_stmt *st, void *row)
{
    *(int *)row = sqlite3_column_int(st, 0);
}

int lv_sqlite_logs_tag_count(void *impl, int64_t group_id, int *n,
                             struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT count(*) FROM logs_tags WHERE group_id = ?1";
    struct lv_sqlite_bind b;
    int count = 0;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    if (lv_sqlite_run_one(&b, read_count, &count,
                          "count log group tags", err) < 0) {
        return -1;
    }
    *n = count;
    return 0;
}
