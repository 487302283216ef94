/*
 * sqlite/events.c: the data-key and chunk part of logs_store.h on the
 * embedded SQLite backend (tables logs_data_keys and logs_chunks,
 * schema_events.c).
 *
 * Every statement is static SQL through lv_sqlite_prepare() (cached per
 * connection), reset before the function returns, on error paths too.
 * Payloads and wrapped keys are bound and read as blobs and never logged.
 *
 * Chunk lists run in batches (lv_sqlite_walk_run()): a batch of rows is
 * copied out, the statement is reset, and only then is the caller's function called, so
 * that it may read a payload (another statement) or stop early. The next
 * batch resumes after the last row seen (keyset paging on (first_ts, seq)
 * or (first_ts, id)).
 */
#include "store/logs_store.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* PutLogEvents refuses a batch that spans more than 24 hours, and a chunk
 * holds events of one batch, so no chunk spans more: a chunk overlapping
 * [start, end) has first_ts >= start - MAX_SPAN, which lets the
 * (stream_id, first_ts) index bound the scan from below. */
#define MAX_SPAN_MS (24LL * 3600 * 1000)
#define DAY_MS (24LL * 3600 * 1000)

/* ---- data keys ----------------------------------------------------------- */

int lv_sqlite_logs_data_key_insert(void *impl, struct lv_log_data_key *dk,
                                   const void *wrapped, size_t len,
                                   struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Only while the group is there: a DeleteLogGroup may commit between
     * the caller's lookup and this insert. */
    static const char sql[] =
        "INSERT INTO logs_data_keys (group_id, kms_key_arn, created_ms,"
        " wrapped) SELECT ?1, ?2, ?3, ?4"
        " WHERE EXISTS (SELECT 1 FROM logs_groups WHERE id = ?1)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, dk->group_id);
    lv_sqlite_bind_field(&b, dk->kms_key_arn, sizeof(dk->kms_key_arn));
    lv_sqlite_bind_int64(&b, dk->created_ms);
    lv_sqlite_bind_blob(&b, wrapped, len);
    if (lv_sqlite_run_done(&b, "insert data key", err) < 0) {
        return -1;
    }
    if (lv_sqlite_changes(b.st) == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log group does not exist.");
    }
    dk->id = sqlite3_last_insert_rowid(sqlite3_db_handle(b.st));
    return 0;
}

int lv_sqlite_logs_data_key_get(void *impl, int64_t id,
                                struct lv_log_data_key *out,
                                struct lv_buf *wrapped, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT id, group_id, kms_key_arn, created_ms, wrapped"
        " FROM logs_data_keys WHERE id = ?1";
    struct lv_sqlite_bind b;
    sqlite3_stmt *st;
    struct lv_log_data_key dk;
    const unsigned char *arn;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    rc = lv_sqlite_run_row(&b, "read data key", err);
    if (rc != 1) {
        return rc;
    }
    st = b.st;
    memset(&dk, 0, sizeof(dk));
    dk.id = sqlite3_column_int64(st, 0);
    dk.group_id = sqlite3_column_int64(st, 1);
    arn = sqlite3_column_text(st, 2);
    if (arn && (size_t)sqlite3_column_bytes(st, 2) < sizeof(dk.kms_key_arn)) {
        memcpy(dk.kms_key_arn, arn, (size_t)sqlite3_column_bytes(st, 2));
    } else if (arn) {
        lv_log(LV_LOG_WARN, "store: data key arn too long id=%lld",
               (long long)id);
        sqlite3_reset(st);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    dk.created_ms = sqlite3_column_int64(st, 3);
    if (lv_sqlite_col_blob(st, 4, wrapped) < 0) {
        sqlite3_reset(st);
        lv_log(LV_LOG_WARN, "store: wrapped data key too long id=%lld",
               (long long)id);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    sqlite3_reset(st);
    *out = dk;
    return 1;
}

/* ---- chunks -------------------------------------------------------------- */

int lv_sqlite_logs_chunk_insert(void *impl, struct lv_log_chunk *c,
                                const void *payload, size_t len,
                                struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Only while the stream is there: a DeleteLogStream or DeleteLogGroup
     * may commit between PutLogEvents' lookup and this insert. The client
     * then hears what it would have heard a moment later, not a fault. */
    static const char ins[] =
        "INSERT INTO logs_chunks (group_id, stream_id, seq, first_ts,"
        " last_ts, ingestion_time, n_events, raw_bytes, data_key_id,"
        " payload) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
        " WHERE EXISTS (SELECT 1 FROM logs_streams"
        "               WHERE id = ?2 AND group_id = ?1)";
    static const char grp[] = "SELECT COUNT(*) FROM logs_groups WHERE id = ?1";
    static const char upd[] =
        "UPDATE logs_groups SET stored_bytes = stored_bytes + ?2"
        " WHERE id = ?1";
    struct lv_sqlite_bind b;
    int64_t id;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(s, ins, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, c->group_id);
    lv_sqlite_bind_int64(&b, c->stream_id);
    lv_sqlite_bind_int64(&b, c->seq);
    lv_sqlite_bind_int64(&b, c->first_ts);
    lv_sqlite_bind_int64(&b, c->last_ts);
    lv_sqlite_bind_int64(&b, c->ingestion_time);
    lv_sqlite_bind_int64(&b, c->n_events);
    lv_sqlite_bind_int64(&b, c->raw_bytes);
    lv_sqlite_bind_int64(&b, c->data_key_id);
    lv_sqlite_bind_blob(&b, payload, len);
    if (lv_sqlite_run_done(&b, "insert chunk", err) < 0) {
        goto fail;
    }
    if (lv_sqlite_changes(b.st) == 0) {
        int64_t groups = 0;

        if (lv_sqlite_start(s, grp, &b, err) < 0) {
            goto fail;
        }
        lv_sqlite_bind_int64(&b, c->group_id);
        if (lv_sqlite_run_int(&b, &groups, "find chunk's group",
                              err) < 0) {
            goto fail;
        }
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, "%s",
                   groups ? "The specified log stream does not exist."
                          : "The specified log group does not exist.");
        goto fail;
    }
    id = sqlite3_last_insert_rowid(sqlite3_db_handle(b.st));
    if (lv_sqlite_start(s, upd, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, c->group_id);
    lv_sqlite_bind_int64(&b, c->raw_bytes);
    if (lv_sqlite_run_done(&b, "update group stored bytes", err) < 0) {
        goto fail;
    }
    if (lv_sqlite_commit(s, err) < 0) {
        return -1;
    }
    c->id = id;
    return 0;
fail:
    lv_sqlite_rollback(s);
    return -1;
}

#define CHUNK_COLS                                                           \
    "id, group_id, stream_id, seq, first_ts, last_ts, ingestion_time,"      \
    " n_events, raw_bytes, data_key_id"

static void read_chunk(sqlite3_stmt *st, void *row)
{
    struct lv_log_chunk *c = row;

    c->id = sqlite3_column_int64(st, 0);
    c->group_id = sqlite3_column_int64(st, 1);
    c->stream_id = sqlite3_column_int64(st, 2);
    c->seq = sqlite3_column_int64(st, 3);
    c->first_ts = sqlite3_column_int64(st, 4);
    c->last_ts = sqlite3_column_int64(st, 5);
    c->ingestion_time = sqlite3_column_int64(st, 6);
    c->n_events = (int32_t)sqlite3_column_int64(st, 7);
    c->raw_bytes = sqlite3_column_int64(st, 8);
    c->data_key_id = sqlite3_column_int64(st, 9);
}

/*
 * A chunk walk: its SQL takes ?1 owner id, ?2 start_ts, ?3 end_ts, ?4 an
 * index bound (see MAX_SPAN_MS), ?5/?6 the keyset cursor (k1, k2) of the
 * last row seen (the first batch binds a cursor before every row), ?7 the
 * batch size. k1 is first_ts (ascending) or last_ts (descending); k2 is
 * seq for streams, id for groups.
 */
struct chunk_walk {
    int64_t owner;
    int64_t start_ts;
    int64_t end_ts;
    int64_t bound;
    int descending;
    int by_seq;
    lv_log_chunk_fn fn;
    void *arg;
};

static void bind_chunks(struct lv_sqlite_bind *b, void *ctx, const void *last,
                        int n)
{
    const struct chunk_walk *cw = ctx;
    const struct lv_log_chunk *c = last;
    int64_t before_all = cw->descending ? INT64_MAX : INT64_MIN;

    lv_sqlite_bind_int64(b, cw->owner);
    lv_sqlite_bind_int64(b, cw->start_ts);
    lv_sqlite_bind_int64(b, cw->end_ts);
    lv_sqlite_bind_int64(b, cw->bound);
    if (c) {
        lv_sqlite_bind_int64(b, cw->descending ? c->last_ts : c->first_ts);
        lv_sqlite_bind_int64(b, cw->by_seq ? c->seq : c->id);
    } else {
        lv_sqlite_bind_int64(b, before_all);
        lv_sqlite_bind_int64(b, before_all);
    }
    lv_sqlite_bind_int64(b, n);
}

static int call_chunk(void *ctx, const void *row)
{
    const struct chunk_walk *cw = ctx;

    return cw->fn(cw->arg, row);
}

static int chunk_walk(struct lv_sqlite *s, const char *sql, const char *what,
                      int64_t owner, int64_t start_ts, int64_t end_ts,
                      int descending, int by_seq, lv_log_chunk_fn fn,
                      void *arg, struct lv_err *err)
{
    struct chunk_walk cw = { owner, start_ts, end_ts, 0, descending, by_seq,
                             fn, arg };
    struct lv_sqlite_walk w = {
        sql, what, sizeof(struct lv_log_chunk), 0, &cw, bind_chunks,
        read_chunk, NULL, call_chunk,
    };

    if (descending) {
        cw.bound = end_ts < INT64_MAX - MAX_SPAN_MS ? end_ts + MAX_SPAN_MS
                                                    : INT64_MAX;
    } else {
        cw.bound = start_ts > INT64_MIN + MAX_SPAN_MS
                       ? start_ts - MAX_SPAN_MS : INT64_MIN;
    }
    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_logs_chunk_list_stream(void *impl, int64_t stream_id,
                                     int64_t start_ts, int64_t end_ts,
                                     int descending, lv_log_chunk_fn fn,
                                     void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char asc[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks WHERE stream_id = ?1"
        " AND first_ts < ?3 AND last_ts >= ?2 AND first_ts >= ?4"
        " AND (first_ts, seq) > (?5, ?6)"
        " ORDER BY first_ts, seq LIMIT ?7";
    static const char desc[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks WHERE stream_id = ?1"
        " AND first_ts < ?3 AND last_ts >= ?2 AND last_ts < ?4"
        " AND (last_ts, seq) < (?5, ?6)"
        " ORDER BY last_ts DESC, seq DESC LIMIT ?7";

    return chunk_walk(s, descending ? desc : asc, "list stream chunks",
                      stream_id, start_ts, end_ts, descending, 1, fn, arg,
                      err);
}

int lv_sqlite_logs_chunk_list_group(void *impl, int64_t group_id,
                                    int64_t start_ts, int64_t end_ts,
                                    lv_log_chunk_fn fn, void *arg,
                                    struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks WHERE group_id = ?1"
        " AND first_ts < ?3 AND last_ts >= ?2 AND first_ts >= ?4"
        " AND (first_ts, id) > (?5, ?6)"
        " ORDER BY first_ts, id LIMIT ?7";

    return chunk_walk(s, sql, "list group chunks", group_id, start_ts,
                      end_ts, 0, 0, fn, arg, err);
}

int lv_sqlite_logs_chunk_list_ingested(void *impl, int64_t group_id,
                                       int64_t since_ms, lv_log_chunk_fn fn,
                                       void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* The walk's bounds (?3, ?4) are unused here; its keyset
     * cursor is (first_ts, id) as for a group. The index by ingestion
     * time is named: ordered by first_ts, the planner would otherwise
     * walk all of the group's chunks in logs_chunks_group. */
    static const char sql[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks"
        " INDEXED BY logs_chunks_ingested WHERE group_id = ?1"
        " AND ingestion_time >= ?2"
        " AND ?3 = ?3 AND ?4 = ?4"
        " AND (first_ts, id) > (?5, ?6)"
        " ORDER BY first_ts, id LIMIT ?7";

    return chunk_walk(s, sql, "list ingested chunks", group_id,
                      since_ms, INT64_MAX, 0, 0, fn, arg, err);
}

int lv_sqlite_logs_chunk_max_seq(void *impl, int64_t stream_id, int64_t *max,
                                 struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT COALESCE(MAX(seq), -1) FROM logs_chunks WHERE stream_id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, stream_id);
    return lv_sqlite_run_int(&b, max, "read max chunk seq", err);
}

int lv_sqlite_logs_chunk_payload(void *impl, int64_t chunk_id,
                                 struct lv_buf *payload, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT payload FROM logs_chunks WHERE id = ?1";
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, chunk_id);
    rc = lv_sqlite_run_row(&b, "read chunk payload", err);
    if (rc != 1) {
        return rc;
    }
    if (lv_sqlite_col_blob(b.st, 0, payload) < 0) {
        sqlite3_reset(b.st);
        lv_log(LV_LOG_WARN, "store: chunk payload too long id=%lld",
               (long long)chunk_id);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    sqlite3_reset(b.st);
    return 1;
}

int lv_sqlite_logs_chunk_expire(void *impl, int64_t group_id,
                                int64_t before_ts, int64_t *n,
                                struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char streams[] =
        "UPDATE logs_streams SET stored_bytes = stored_bytes -"
        " (SELECT COALESCE(SUM(c.raw_bytes), 0) FROM logs_chunks c"
        "  WHERE c.stream_id = logs_streams.id AND c.last_ts < ?2)"
        " WHERE group_id = ?1";
    static const char group[] =
        "UPDATE logs_groups SET stored_bytes = stored_bytes -"
        " (SELECT COALESCE(SUM(raw_bytes), 0) FROM logs_chunks"
        "  WHERE group_id = ?1 AND last_ts < ?2) WHERE id = ?1";
    static const char del[] =
        "DELETE FROM logs_chunks WHERE group_id = ?1 AND last_ts < ?2";
    const char *const steps[] = { streams, group, del };
    struct lv_sqlite_bind b;
    int64_t deleted;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (lv_sqlite_start(s, steps[i], &b, err) < 0) {
            goto fail;
        }
        lv_sqlite_bind_int64(&b, group_id);
        lv_sqlite_bind_int64(&b, before_ts);
        if (lv_sqlite_run_done(&b, "expire chunks", err) < 0) {
            goto fail;
        }
    }
    deleted = lv_sqlite_changes(b.st);
    if (lv_sqlite_commit(s, err) < 0) {
        return -1;
    }
    *n = deleted;
    return 0;
fail:
    lv_sqlite_rollback(s);
    return -1;
}

static void read_days(sqlite3_stmt *st, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(st, 0);
}

int lv_sqlite_logs_group_expire(void *impl, int64_t group_id, int64_t now_ms,
                                int64_t *n, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Read inside the (write) transaction: a PutRetentionPolicy that
     * answered before this runs is what decides, never the value the
     * task's work list was read with. */
    static const char sql[] =
        "SELECT retention_days FROM logs_groups WHERE id = ?1";
    struct lv_sqlite_bind b;
    int64_t days = 0;
    int found;

    *n = 0;
    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, group_id);
    found = lv_sqlite_run_one(&b, read_days, &days,
                              "read log group retention", err);
    if (found < 0) {
        goto fail;
    }
    if (found && days > 0 &&
        lv_sqlite_logs_chunk_expire(s, group_id, now_ms - days * DAY_MS, n,
                                   err) < 0) {
        goto fail;
    }
    return lv_sqlite_commit(s, err);
fail:
    lv_sqlite_rollback(s);
    return -1;
}
