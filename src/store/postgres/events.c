/*
 * postgres/events.c: the data-key, chunk and chunk-sequence part of
 * logs_store.h on the PostgreSQL backend (tables logs_data_keys and
 * logs_chunks, schema_events.c; logs_streams.seq_reserved), with the
 * behaviour of sqlite/events.c: the same orders and keyset paging of chunk
 * lists, the same "not found" answers.
 *
 * Payloads and wrapped keys are bound as bytea (binary) and never logged;
 * a payload is read back in binary format (LV_PG_BINARY), with nothing to
 * decode.
 *
 * Lock order (see postgres/logs.c): a group's row before its streams'.
 * A chunk insert adds its bytes to the group's row first, then inserts
 * (its foreign keys share-lock the stream); the commit that follows
 * updates the stream (note_append). Expiry locks the group's row first.
 *
 * Chunk sequence numbers (lv_pg_logs_seq_reserve): blocks of numbers are
 * reserved in the database, one autocommitted UPDATE of the stream's
 * seq_reserved each, and handed out from this process's cache, struct
 * lv_pg_logs_state, under its own lock.
 */
#include "store/logs_store.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* PutLogEvents refuses a batch that spans more than 24 hours, and a chunk
 * holds events of one batch, so no chunk spans more: a chunk overlapping
 * [start, end) has first_ts >= start - MAX_SPAN_MS, which lets the
 * (stream_id, first_ts) index bound the scan from below. */
#define MAX_SPAN_MS (24LL * 3600 * 1000)
#define DAY_MS (24LL * 3600 * 1000)

/* Sequence numbers reserved in the database at once: one UPDATE per
 * SEQ_BLOCK chunks of a stream per process. What a process has not handed
 * out when it exits is a gap, which costs nothing. */
#define SEQ_BLOCK 1024

/* ---- data keys ----------------------------------------------------------- */

int lv_pg_logs_data_key_insert(void *impl, struct lv_log_data_key *dk,
                               const void *wrapped, size_t len,
                               struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* Only while the group is there: a DeleteLogGroup may commit between
     * the caller's lookup and this insert. FOR KEY SHARE waits for a
     * delete in flight and then sees the group gone. */
    static const char sql[] =
        "INSERT INTO logs_data_keys (group_id, kms_key_arn, created_ms,"
        " wrapped) SELECT $1::bigint, $2::text, $3::bigint, $4::bytea"
        " WHERE EXISTS (SELECT 1 FROM logs_groups WHERE id = $1"
        "               FOR KEY SHARE)"
        " RETURNING id";
    struct lv_pg_params p;
    int64_t id = 0;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, dk->group_id);
    lv_pg_param_field(&p, dk->kms_key_arn, sizeof(dk->kms_key_arn));
    lv_pg_param_int64(&p, dk->created_ms);
    lv_pg_param_bytea(&p, wrapped, len);
    rc = lv_pg_query_int64(q, sql, &p, &id, "insert data key", err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log group does not exist.");
    }
    dk->id = id;
    return 0;
}

int lv_pg_logs_data_key_get(void *impl, int64_t id,
                            struct lv_log_data_key *out,
                            struct lv_buf *wrapped, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT id, group_id, kms_key_arn, created_ms, wrapped"
        " FROM logs_data_keys WHERE id = $1";
    struct lv_pg_params p;
    struct lv_log_data_key dk;
    PGresult *res = NULL;
    int ret = -1;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    if (lv_pg_query(q, sql, &p, LV_PG_TEXT, &res, "read data key",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
        goto out;
    }
    memset(&dk, 0, sizeof(dk));
    dk.id = lv_pg_get_int64(res, 0, 0);
    dk.group_id = lv_pg_get_int64(res, 0, 1);
    if ((size_t)PQgetlength(res, 0, 2) >= sizeof(dk.kms_key_arn)) {
        lv_log(LV_LOG_WARN, "store: data key arn too long id=%lld",
               (long long)id);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                   LV_STORE_UNAVAILABLE_MSG);
        goto out;
    }
    lv_pg_get_field(res, 0, 2, dk.kms_key_arn, sizeof(dk.kms_key_arn),
                    "data key arn");
    dk.created_ms = lv_pg_get_int64(res, 0, 3);
    if (lv_pg_get_bytea(res, 0, 4, wrapped) < 0) {
        lv_log(LV_LOG_WARN, "store: wrapped data key too long id=%lld",
               (long long)id);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                   LV_STORE_UNAVAILABLE_MSG);
        goto out;
    }
    *out = dk;
    ret = 1;
out:
    PQclear(res);
    return ret;
}

/* ---- chunks -------------------------------------------------------------- */

int lv_pg_logs_chunk_insert(void *impl, struct lv_log_chunk *c,
                            const void *payload, size_t len,
                            struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* The group's bytes first (which also locks its row, the lock order),
     * then the chunk, only while its stream is there: a DeleteLogStream
     * or DeleteLogGroup may commit between PutLogEvents' lookup and this
     * insert, and the client then hears what it would have heard a moment
     * later, not a fault. FOR KEY SHARE waits for a delete in flight and
     * then sees the stream gone. */
    static const char grp[] =
        "UPDATE logs_groups SET stored_bytes = stored_bytes + $2"
        " WHERE id = $1";
    static const char ins[] =
        "INSERT INTO logs_chunks (group_id, stream_id, seq, first_ts,"
        " last_ts, ingestion_time, n_events, raw_bytes, data_key_id,"
        " payload) SELECT $1::bigint, $2::bigint, $3::bigint, $4::bigint,"
        " $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint,"
        " $10::bytea"
        " WHERE EXISTS (SELECT 1 FROM logs_streams"
        "               WHERE id = $2 AND group_id = $1 FOR KEY SHARE)"
        " RETURNING id";
    struct lv_pg_params p;
    int64_t id = 0;
    int rc;

    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, c->group_id);
    lv_pg_param_int64(&p, c->raw_bytes);
    rc = lv_pg_changed(q, grp, &p, "update group stored bytes", err);
    if (rc < 0) {
        goto fail;
    }
    if (rc == 0) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                   "The specified log group does not exist.");
        goto fail;
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, c->group_id);
    lv_pg_param_int64(&p, c->stream_id);
    lv_pg_param_int64(&p, c->seq);
    lv_pg_param_int64(&p, c->first_ts);
    lv_pg_param_int64(&p, c->last_ts);
    lv_pg_param_int64(&p, c->ingestion_time);
    lv_pg_param_int64(&p, c->n_events);
    lv_pg_param_int64(&p, c->raw_bytes);
    lv_pg_param_int64(&p, c->data_key_id);
    lv_pg_param_bytea(&p, payload, len);
    rc = lv_pg_query_int64(q, ins, &p, &id, "insert chunk", err);
    if (rc < 0) {
        goto fail;
    }
    if (rc == 0) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                   "The specified log stream does not exist.");
        goto fail;
    }
    if (lv_pg_commit(q, err) < 0) {
        return -1;
    }
    c->id = id;
    return 0;
fail:
    lv_pg_rollback(q);
    return -1;
}

#define CHUNK_COLS                                                           \
    "id, group_id, stream_id, seq, first_ts, last_ts, ingestion_time,"      \
    " n_events, raw_bytes, data_key_id"

static void read_chunk(const PGresult *r, int row, void *out)
{
    struct lv_log_chunk *c = out;

    c->id = lv_pg_get_int64(r, row, 0);
    c->group_id = lv_pg_get_int64(r, row, 1);
    c->stream_id = lv_pg_get_int64(r, row, 2);
    c->seq = lv_pg_get_int64(r, row, 3);
    c->first_ts = lv_pg_get_int64(r, row, 4);
    c->last_ts = lv_pg_get_int64(r, row, 5);
    c->ingestion_time = lv_pg_get_int64(r, row, 6);
    c->n_events = (int32_t)lv_pg_get_int64(r, row, 7);
    c->raw_bytes = lv_pg_get_int64(r, row, 8);
    c->data_key_id = lv_pg_get_int64(r, row, 9);
}

/*
 * A chunk walk: its SQL takes $1 owner id, $2 start_ts, $3 end_ts, $4 an
 * index bound (see MAX_SPAN_MS), $5/$6 the keyset cursor (k1, k2) of the
 * last row seen (the first batch binds a cursor before every row), $7 the
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

static void bind_chunks(struct lv_pg_params *p, void *ctx, const void *last,
                        int n)
{
    const struct chunk_walk *cw = ctx;
    const struct lv_log_chunk *c = last;
    int64_t before_all = cw->descending ? INT64_MAX : INT64_MIN;

    lv_pg_param_int64(p, cw->owner);
    lv_pg_param_int64(p, cw->start_ts);
    lv_pg_param_int64(p, cw->end_ts);
    lv_pg_param_int64(p, cw->bound);
    if (c) {
        lv_pg_param_int64(p, cw->descending ? c->last_ts : c->first_ts);
        lv_pg_param_int64(p, cw->by_seq ? c->seq : c->id);
    } else {
        lv_pg_param_int64(p, before_all);
        lv_pg_param_int64(p, before_all);
    }
    lv_pg_param_int64(p, n);
}

static int call_chunk(void *ctx, const void *row)
{
    const struct chunk_walk *cw = ctx;

    return cw->fn(cw->arg, row);
}

static int chunk_walk(struct lv_pg *q, const char *sql, const char *what,
                      int64_t owner, int64_t start_ts, int64_t end_ts,
                      int descending, int by_seq, lv_log_chunk_fn fn,
                      void *arg, struct lv_err *err)
{
    struct chunk_walk cw = { owner, start_ts, end_ts, 0, descending, by_seq,
                             fn, arg };
    struct lv_pg_walk w = {
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
    return lv_pg_walk_run(q, &w, err);
}

int lv_pg_logs_chunk_list_stream(void *impl, int64_t stream_id,
                                 int64_t start_ts, int64_t end_ts,
                                 int descending, lv_log_chunk_fn fn,
                                 void *arg, struct lv_err *err)
{
    static const char asc[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks WHERE stream_id = $1"
        " AND first_ts < $3 AND last_ts >= $2 AND first_ts >= $4"
        " AND (first_ts, seq) > ($5, $6)"
        " ORDER BY first_ts, seq LIMIT $7";
    static const char desc[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks WHERE stream_id = $1"
        " AND first_ts < $3 AND last_ts >= $2 AND last_ts < $4"
        " AND (last_ts, seq) < ($5, $6)"
        " ORDER BY last_ts DESC, seq DESC LIMIT $7";

    return chunk_walk(impl, descending ? desc : asc, "list stream chunks",
                      stream_id, start_ts, end_ts, descending, 1, fn, arg,
                      err);
}

int lv_pg_logs_chunk_list_group(void *impl, int64_t group_id,
                                int64_t start_ts, int64_t end_ts,
                                lv_log_chunk_fn fn, void *arg,
                                struct lv_err *err)
{
    static const char sql[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks WHERE group_id = $1"
        " AND first_ts < $3 AND last_ts >= $2 AND first_ts >= $4"
        " AND (first_ts, id) > ($5, $6)"
        " ORDER BY first_ts, id LIMIT $7";

    return chunk_walk(impl, sql, "list group chunks", group_id, start_ts,
                      end_ts, 0, 0, fn, arg, err);
}

int lv_pg_logs_chunk_list_ingested(void *impl, int64_t group_id,
                                   int64_t since_ms, lv_log_chunk_fn fn,
                                   void *arg, struct lv_err *err)
{
    /* The walk's bounds ($3, $4) are unused here; its keyset
     * cursor is (first_ts, id) as for a group. */
    static const char sql[] =
        "SELECT " CHUNK_COLS " FROM logs_chunks WHERE group_id = $1"
        " AND ingestion_time >= $2"
        " AND $3::bigint IS NOT NULL AND $4::bigint IS NOT NULL"
        " AND (first_ts, id) > ($5, $6)"
        " ORDER BY first_ts, id LIMIT $7";

    return chunk_walk(impl, sql, "list ingested chunks", group_id,
                      since_ms, INT64_MAX, 0, 0, fn, arg, err);
}

int lv_pg_logs_chunk_max_seq(void *impl, int64_t stream_id, int64_t *max,
                             struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT COALESCE(MAX(seq), -1) FROM logs_chunks WHERE stream_id = $1";
    struct lv_pg_params p;
    int64_t v = -1;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, stream_id);
    if (lv_pg_query_int64(q, sql, &p, &v, "read max chunk seq", err) < 0) {
        return -1;
    }
    *max = v;
    return 0;
}

int lv_pg_logs_chunk_payload(void *impl, int64_t chunk_id,
                             struct lv_buf *payload, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT payload FROM logs_chunks WHERE id = $1";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int ret = -1;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, chunk_id);
    if (lv_pg_query(q, sql, &p, LV_PG_BINARY, &res, "read chunk payload",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
    } else if (lv_pg_get_bytea(res, 0, 0, payload) < 0) {
        lv_log(LV_LOG_WARN, "store: chunk payload too long id=%lld",
               (long long)chunk_id);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                   LV_STORE_UNAVAILABLE_MSG);
    } else {
        ret = 1;
    }
    PQclear(res);
    return ret;
}

int lv_pg_logs_chunk_expire(void *impl, int64_t group_id, int64_t before_ts,
                            int64_t *n, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char lock[] =
        "SELECT 1 FROM logs_groups WHERE id = $1 FOR NO KEY UPDATE";
    /* One statement: the bytes taken off the streams and the group are
     * those of the chunks it deleted, whatever else runs meanwhile. */
    static const char sql[] =
        "WITH d AS (DELETE FROM logs_chunks"
        "           WHERE group_id = $1 AND last_ts < $2"
        "           RETURNING stream_id, raw_bytes),"
        " s AS (SELECT stream_id, SUM(raw_bytes) AS bytes, COUNT(*) AS n"
        "       FROM d GROUP BY stream_id),"
        " us AS (UPDATE logs_streams t SET stored_bytes ="
        "        t.stored_bytes - s.bytes FROM s WHERE t.id = s.stream_id),"
        " ug AS (UPDATE logs_groups SET stored_bytes = stored_bytes -"
        "        (SELECT COALESCE(SUM(bytes), 0) FROM s) WHERE id = $1)"
        " SELECT COALESCE(SUM(n), 0) FROM s";
    struct lv_pg_params p;
    int64_t deleted = 0;

    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    if (lv_pg_run(q, lock, &p, "lock log group", err) < 0) {
        goto fail;
    }
    lv_pg_param_int64(&p, before_ts);
    if (lv_pg_query_int64(q, sql, &p, &deleted, "expire chunks", err) < 0) {
        goto fail;
    }
    if (lv_pg_commit(q, err) < 0) {
        return -1;
    }
    *n = deleted;
    return 0;
fail:
    lv_pg_rollback(q);
    return -1;
}

int lv_pg_logs_group_expire(void *impl, int64_t group_id, int64_t now_ms,
                            int64_t *n, struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* Read inside the transaction, with the group's row locked: a
     * PutRetentionPolicy that answered before this runs is what decides,
     * never the value the task's work list was read with. */
    static const char sql[] =
        "SELECT retention_days FROM logs_groups WHERE id = $1"
        " FOR NO KEY UPDATE";
    struct lv_pg_params p;
    int64_t days = 0;
    int found;

    *n = 0;
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    found = lv_pg_query_int64(q, sql, &p, &days, "read log group retention",
                              err);
    if (found < 0) {
        goto fail;
    }
    if (found && days > 0 &&
        lv_pg_logs_chunk_expire(q, group_id, now_ms - days * DAY_MS, n,
                                err) < 0) {
        goto fail;
    }
    return lv_pg_commit(q, err);
fail:
    lv_pg_rollback(q);
    return -1;
}

/* ---- chunk sequence numbers ---------------------------------------------- */

/* The numbers [next, end) of one stream, reserved by this process and not
 * handed out yet. Open addressing (linear probing), grown at 1/2. */
struct seq_slot {
    int64_t stream_id;      /* 0: empty (ids start at 1) */
    int64_t next;
    int64_t end;
};

struct lv_pg_logs_state {
    pthread_mutex_t mu;
    struct seq_slot *seqs;
    size_t cap;
    size_t used;
};

struct lv_pg_logs_state *lv_pg_logs_state_new(void)
{
    struct lv_pg_logs_state *st = lv_xcalloc(1, sizeof(*st));

    pthread_mutex_init(&st->mu, NULL);
    return st;
}

void lv_pg_logs_state_free(struct lv_pg_logs_state *st)
{
    if (!st) {
        return;
    }
    pthread_mutex_destroy(&st->mu);
    free(st->seqs);
    free(st);
}

/* The slot of stream_id, or the empty one where it would go; cap > 0. */
static struct seq_slot *seq_find(struct lv_pg_logs_state *st,
                                 int64_t stream_id)
{
    size_t i = (size_t)((uint64_t)stream_id * 0x9e3779b97f4a7c15ULL) &
               (st->cap - 1);

    while (st->seqs[i].stream_id && st->seqs[i].stream_id != stream_id) {
        i = (i + 1) & (st->cap - 1);
    }
    return &st->seqs[i];
}

static void seq_grow(struct lv_pg_logs_state *st)
{
    struct seq_slot *old = st->seqs;
    size_t old_cap = st->cap;

    st->cap = st->cap ? st->cap * 2 : 64;
    st->seqs = lv_xcalloc(st->cap, sizeof(*st->seqs));
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].stream_id) {
            *seq_find(st, old[i].stream_id) = old[i];
        }
    }
    free(old);
}

/* Hands out n numbers from the cached block of stream_id: 1 with *first
 * set, 0 when the block has fewer than n left. Under st->mu. */
static int seq_take(struct lv_pg_logs_state *st, int64_t stream_id, int n,
                    int64_t *first)
{
    struct seq_slot *slot;

    if (!st->cap) {
        return 0;
    }
    slot = seq_find(st, stream_id);
    if (!slot->stream_id || slot->end - slot->next < n) {
        return 0;
    }
    *first = slot->next;
    slot->next += n;
    return 1;
}

/*
 * Reserves `block` numbers of the stream in the database, in a statement
 * of its own (autocommit: the reservation outlives anything the caller
 * rolls back). The block starts above what every process has reserved and
 * above every chunk stored (a chunk written by other means than a
 * reservation, such as a store from before seq_reserved, is never
 * overtaken). 1 with *start, 0 when there is no stream, -1 on a fault.
 */
static int seq_fetch(struct lv_pg *q, int64_t stream_id, int64_t block,
                     int64_t *start, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE logs_streams SET seq_reserved = GREATEST(seq_reserved,"
        " next_seq, (SELECT COALESCE(MAX(c.seq) + 1, 0) FROM logs_chunks c"
        "            WHERE c.stream_id = $1)) + $2"
        " WHERE id = $1 RETURNING seq_reserved - $2";
    struct lv_pg_params p;
    PGconn *conn = lv_pg_conn(q, err);
    PGTransactionStatusType txn;

    if (!conn) {
        return -1;
    }
    /* Inside the caller's transaction, a rollback would hand the block
     * out again. (A connection lost meanwhile is UNKNOWN: the statement
     * then fails as a fault.) */
    txn = PQtransactionStatus(conn);
    if (txn == PQTRANS_INTRANS || txn == PQTRANS_INERROR) {
        LV_BUG("store: seq_reserve called inside a transaction");
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, stream_id);
    lv_pg_param_int64(&p, block);
    return lv_pg_query_int64(q, sql, &p, start, "reserve chunk seqs", err);
}

/* A stream that is gone (deleted since the caller read it) is
 * ResourceNotFound, as the chunk insert that would follow answers on every
 * backend. */
int lv_pg_logs_seq_reserve(void *impl, int64_t stream_id, int n,
                           int64_t *first, struct lv_err *err)
{
    struct lv_pg *q = impl;
    struct lv_pg_logs_state *st = lv_pg_logs_state(q);
    struct seq_slot *slot;
    int64_t block = n > SEQ_BLOCK ? n : SEQ_BLOCK;
    int64_t start = 0;
    int rc;

    if (n < 1) {
        LV_BUG("store: seq_reserve of %d numbers", n);
    }
    pthread_mutex_lock(&st->mu);
    rc = seq_take(st, stream_id, n, first);
    pthread_mutex_unlock(&st->mu);
    if (rc) {
        return 0;
    }
    /* Not under the lock: the round trip would hold up every stream. */
    rc = seq_fetch(q, stream_id, block, &start, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log stream does not exist.");
    }
    /* Our n come from our block. Its rest replaces the cached block when
     * it is larger (another thread may have fetched one meanwhile); the
     * numbers of the block not kept are gaps, never handed out twice. */
    pthread_mutex_lock(&st->mu);
    if (st->used * 2 >= st->cap) {
        seq_grow(st);
    }
    slot = seq_find(st, stream_id);
    if (!slot->stream_id) {
        slot->stream_id = stream_id;
        st->used++;
    } else if (slot->end - slot->next >= block - n) {
        slot = NULL;
    }
    if (slot) {
        slot->next = start + n;
        slot->end = start + block;
    }
    pthread_mutex_unlock(&st->mu);
    *first = start;
    return 0;
}
