/*
 * sqlite/audit.c: audit_store.h on the embedded SQLite backend (tables
 * audit_records, audit_resources, audit_chains, audit_digests and
 * audit_batches of schema_audit.c).
 *
 * The chain lock of lv_store_audit_chain_head() is SQLite's own: the
 * caller's outermost level is BEGIN IMMEDIATE, which holds the database's
 * write lock until it ends, and one process owns the file.
 *
 * A chain's head never moves back: expiry moves its base up to the last
 * record it deleted, so once every record has expired the head is the
 * base and the next record follows it.
 *
 * Lists run in batches (lv_sqlite_walk_run()); each record's resources are
 * read after the batch's statement is reset, before the caller's function
 * sees the record.
 */
#include "store/audit_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

static const uint8_t zero_hash[LV_AUDIT_HASH_BYTES];

/* A hash column into h: a value of another length (a row changed
 * underneath) is copied as far as it goes and zero-filled, so that
 * verification sees it differ rather than the read fail. */
static void col_hash(sqlite3_stmt *st, int i, uint8_t h[LV_AUDIT_HASH_BYTES])
{
    const void *p = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);

    memset(h, 0, LV_AUDIT_HASH_BYTES);
    if (p && n > 0) {
        memcpy(h, p, n < LV_AUDIT_HASH_BYTES ? (size_t)n
                                             : LV_AUDIT_HASH_BYTES);
    }
}

/* ---- records ------------------------------------------------------------- */

#define RECORD_COLS                                                          \
    "r.id, r.account, r.region, r.seq, r.event_time_ms, r.event_id,"        \
    " r.request_id, r.event_source, r.event_name, r.read_only, r.key_use,"  \
    " r.username, r.access_key_id, r.error_code, r.event, r.trace,"         \
    " r.prev_hash, r.hash"

static void read_record(sqlite3_stmt *st, void *p)
{
    struct lv_audit_record *r = p;

    r->id = sqlite3_column_int64(st, 0);
    lv_sqlite_col_field(st, 1, r->account, sizeof(r->account), "account");
    lv_sqlite_col_field(st, 2, r->region, sizeof(r->region), "region");
    r->seq = sqlite3_column_int64(st, 3);
    r->event_time_ms = sqlite3_column_int64(st, 4);
    lv_sqlite_col_field(st, 5, r->event_id, sizeof(r->event_id), "event_id");
    lv_sqlite_col_field(st, 6, r->request_id, sizeof(r->request_id),
                        "request_id");
    lv_sqlite_col_field(st, 7, r->event_source, sizeof(r->event_source),
                        "event_source");
    lv_sqlite_col_field(st, 8, r->event_name, sizeof(r->event_name),
                        "event_name");
    r->read_only = (int)sqlite3_column_int64(st, 9);
    r->key_use = (int)sqlite3_column_int64(st, 10);
    lv_sqlite_col_field(st, 11, r->username, sizeof(r->username),
                        "username");
    lv_sqlite_col_field(st, 12, r->access_key_id, sizeof(r->access_key_id),
                        "access_key_id");
    lv_sqlite_col_field(st, 13, r->error_code, sizeof(r->error_code),
                        "error_code");
    r->event = lv_sqlite_col_dup(st, 14);
    r->trace = sqlite3_column_type(st, 15) == SQLITE_NULL
                   ? NULL
                   : lv_sqlite_col_dup(st, 15);
    col_hash(st, 16, r->prev_hash);
    col_hash(st, 17, r->hash);
}

static void release_record(void *p)
{
    struct lv_audit_record *r = p;

    lv_audit_record_release(r);
    memset(r, 0, sizeof(*r));
}

/* Fills r's resources from audit_resources, in order. */
static int load_resources(struct lv_sqlite *s, struct lv_audit_record *r,
                          struct lv_err *err)
{
    static const char sql[] =
        "SELECT type, name FROM audit_resources WHERE record_id = ?1"
        " ORDER BY pos";
    struct lv_sqlite_bind b;
    int rc;

    r->n_resources = 0;
    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, r->id);
    if (b.rc != SQLITE_OK) {
        return lv_sqlite_stmt_fail(b.st, b.rc, "read audit resources", err);
    }
    while ((rc = sqlite3_step(b.st)) == SQLITE_ROW) {
        struct lv_audit_resource *res;

        if (r->n_resources == LV_AUDIT_MAX_RESOURCES) {
            lv_log(LV_LOG_WARN, "store: audit record %lld has more than %d "
                        "resources; the rest are not read",
                        (long long)r->id, LV_AUDIT_MAX_RESOURCES);
            break;
        }
        res = &r->resources[r->n_resources++];
        lv_sqlite_col_field(b.st, 0, res->type, sizeof(res->type),
                            "resource type");
        lv_sqlite_col_field(b.st, 1, res->name, sizeof(res->name),
                            "resource name");
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return lv_sqlite_stmt_fail(b.st, rc, "read audit resources", err);
    }
    sqlite3_reset(b.st);
    return 0;
}

struct record_walk {
    struct lv_sqlite *s;
    const char *account;
    const char *region;
    const struct lv_audit_filter *f;
    int64_t attr_int;           /* ATTR_READ_ONLY's value as 0/1, -1 */
    int64_t before_time_ms;
    int64_t before_seq;
    const char *request_id;
    int64_t after_seq;
    lv_audit_record_fn fn;
    void *arg;
    struct lv_err *err;
};

/* Called once the batch's statement is reset: reads the resources, then
 * hands the record over. A fault reading them stops the walk with -1
 * (*err set), as a fault of the walk itself would. */
static int call_record(void *ctx, const void *p)
{
    struct record_walk *w = ctx;
    struct lv_audit_record r;

    memcpy(&r, p, sizeof(r));
    if (load_resources(w->s, &r, w->err) < 0) {
        return -1;
    }
    return w->fn(w->arg, &r);
}

/* The list's SQL for each lookup attribute: ?7 is the attribute's value
 * (unused, bound "", for none), the cursor (?5, ?6) is the time and seq
 * of the last record seen or the caller's, newest first. In a chain id
 * order is seq order (both follow the appends, made under the chain's
 * lock), so the indexes' (event_time_ms, id) order is the answer's. */
#define LIST_SQL(cond)                                                       \
    "SELECT " RECORD_COLS " FROM audit_records r"                            \
    " WHERE r.account = ?1 AND r.region = ?2"                                \
    " AND r.event_time_ms >= ?3 AND r.event_time_ms <= ?4"                   \
    " AND r.event_time_ms <= ?5"                                             \
    " AND (r.event_time_ms < ?5 OR r.seq < ?6)" cond                         \
    " ORDER BY r.event_time_ms DESC, r.id DESC LIMIT ?8"

static const char *const list_sql[] = {
    [LV_AUDIT_ATTR_NONE] = LIST_SQL(" AND ?7 IS NOT NULL"),
    [LV_AUDIT_ATTR_EVENT_ID] = LIST_SQL(" AND r.event_id = ?7"),
    [LV_AUDIT_ATTR_EVENT_NAME] = LIST_SQL(" AND r.event_name = ?7"),
    [LV_AUDIT_ATTR_READ_ONLY] = LIST_SQL(" AND r.read_only = ?7"),
    [LV_AUDIT_ATTR_USERNAME] = LIST_SQL(" AND r.username = ?7"),
    [LV_AUDIT_ATTR_RESOURCE_TYPE] = LIST_SQL(
        " AND EXISTS (SELECT 1 FROM audit_resources x"
        " WHERE x.record_id = r.id AND x.type = ?7)"),
    [LV_AUDIT_ATTR_RESOURCE_NAME] = LIST_SQL(
        " AND EXISTS (SELECT 1 FROM audit_resources x"
        " WHERE x.record_id = r.id AND x.name = ?7)"),
    [LV_AUDIT_ATTR_EVENT_SOURCE] = LIST_SQL(" AND r.event_source = ?7"),
    [LV_AUDIT_ATTR_ACCESS_KEY_ID] = LIST_SQL(" AND r.access_key_id = ?7"),
};

static void bind_list(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct record_walk *w = ctx;
    const struct lv_audit_record *r = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_int64(b, w->f->start_ms);
    lv_sqlite_bind_int64(b, w->f->end_ms);
    lv_sqlite_bind_int64(b, r ? r->event_time_ms : w->before_time_ms);
    lv_sqlite_bind_int64(b, r ? r->seq : w->before_seq);
    if (w->f->attr == LV_AUDIT_ATTR_READ_ONLY) {
        lv_sqlite_bind_int64(b, w->attr_int);
    } else {
        lv_sqlite_bind_text(b, w->f->attr == LV_AUDIT_ATTR_NONE
                                   ? ""
                                   : w->f->value);
    }
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_audit_rows_list(void *impl, const char *account,
                              const char *region,
                              const struct lv_audit_filter *f,
                              int64_t before_time_ms, int64_t before_seq,
                              int limit, lv_audit_record_fn fn, void *arg,
                              struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    struct record_walk rw = { 0 };
    struct lv_sqlite_walk w = {
        NULL, "list audit records", sizeof(struct lv_audit_record), limit,
        &rw, bind_list, read_record, release_record, call_record,
    };

    if ((unsigned)f->attr >= sizeof(list_sql) / sizeof(list_sql[0])) {
        LV_BUG("audit list: lookup attribute %d", (int)f->attr);
    }
    rw.s = s;
    rw.account = account;
    rw.region = region;
    rw.f = f;
    rw.attr_int = f->value && strcmp(f->value, "true") == 0    ? 1
                  : f->value && strcmp(f->value, "false") == 0 ? 0
                                                               : -1;
    rw.before_time_ms = before_time_ms;
    rw.before_seq = before_seq;
    rw.fn = fn;
    rw.arg = arg;
    rw.err = err;
    w.sql = list_sql[f->attr];
    return lv_sqlite_walk_run(s, &w, err);
}

static void bind_by_request(struct lv_sqlite_bind *b, void *ctx,
                            const void *last, int n)
{
    const struct record_walk *w = ctx;
    const struct lv_audit_record *r = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->request_id);
    lv_sqlite_bind_int64(b, r ? r->id : 0);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_audit_rows_by_request(void *impl, const char *account,
                                    const char *request_id,
                                    lv_audit_record_fn fn, void *arg,
                                    struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " RECORD_COLS " FROM audit_records r"
        " WHERE r.account = ?1 AND r.request_id = ?2 AND r.id > ?3"
        " ORDER BY r.id LIMIT ?4";
    struct record_walk rw = { 0 };
    struct lv_sqlite_walk w = {
        sql, "find audit records of a request",
        sizeof(struct lv_audit_record), 0, &rw, bind_by_request,
        read_record, release_record, call_record,
    };

    rw.s = s;
    rw.account = account;
    rw.request_id = request_id;
    rw.fn = fn;
    rw.arg = arg;
    rw.err = err;
    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_audit_rows_key_last_use(void *impl, const char *key_arn,
                                      struct lv_audit_record *out,
                                      struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " RECORD_COLS " FROM audit_resources x"
        " JOIN audit_records r ON r.id = x.record_id"
        " WHERE x.name = ?1 AND x.type = 'AWS::KMS::Key'"
        " AND r.key_use = 1 AND r.error_code = ''"
        " ORDER BY r.event_time_ms DESC, r.id DESC LIMIT 1";
    struct lv_sqlite_bind b;
    int rc;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_arn);
    rc = lv_sqlite_run_one(&b, read_record, out, "find key's last use", err);
    if (rc <= 0) {
        return rc;
    }
    if (load_resources(s, out, err) < 0) {
        release_record(out);
        return -1;
    }
    return 1;
}

/* ---- the chain ----------------------------------------------------------- */

int lv_sqlite_audit_chain_head(void *impl, const char *account,
                               const char *region, int64_t *seq,
                               uint8_t hash[LV_AUDIT_HASH_BYTES],
                               struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT head_seq, head_hash FROM audit_chains"
        " WHERE account = ?1 AND region = ?2";
    struct lv_sqlite_bind b;
    int rc;

    *seq = 0;
    memset(hash, 0, LV_AUDIT_HASH_BYTES);
    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    rc = lv_sqlite_run_row(&b, "read audit chain head", err);
    if (rc < 0) {
        return -1;
    }
    if (rc > 0) {
        *seq = sqlite3_column_int64(b.st, 0);
        col_hash(b.st, 1, hash);
        sqlite3_reset(b.st);
    }
    return 0;
}

int lv_sqlite_audit_append(void *impl, struct lv_audit_record *r,
                           struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char insert[] =
        "INSERT INTO audit_records (account, region, seq, event_time_ms,"
        " event_id, request_id, event_source, event_name, read_only,"
        " key_use, username, access_key_id, error_code, event, trace,"
        " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
    static const char resource[] =
        "INSERT INTO audit_resources (record_id, pos, type, name)"
        " VALUES (?1, ?2, ?3, ?4)";
    static const char head[] =
        "INSERT INTO audit_chains (account, region, head_seq, head_hash,"
        " base_seq, base_hash) VALUES (?1, ?2, ?3, ?4, 0, ?5)"
        " ON CONFLICT (account, region) DO UPDATE SET"
        " head_seq = excluded.head_seq, head_hash = excluded.head_hash";
    struct lv_sqlite_bind b;
    int64_t id;
    /* Inside a transaction the caller's level makes the append atomic
     * (it rolls back on failure: chain.c, the recorder's writer); a
     * savepoint of its own would copy every page the record touches into
     * the statement journal, once per record of a batch. */
    int own = !lv_sqlite_in_txn(s);

    if (r->n_resources < 0 || r->n_resources > LV_AUDIT_MAX_RESOURCES) {
        LV_BUG("audit append: %d resources", r->n_resources);
    }
    if (own && lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(s, insert, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_field(&b, r->account, sizeof(r->account));
    lv_sqlite_bind_field(&b, r->region, sizeof(r->region));
    lv_sqlite_bind_int64(&b, r->seq);
    lv_sqlite_bind_int64(&b, r->event_time_ms);
    lv_sqlite_bind_field(&b, r->event_id, sizeof(r->event_id));
    lv_sqlite_bind_field(&b, r->request_id, sizeof(r->request_id));
    lv_sqlite_bind_field(&b, r->event_source, sizeof(r->event_source));
    lv_sqlite_bind_field(&b, r->event_name, sizeof(r->event_name));
    lv_sqlite_bind_int64(&b, r->read_only ? 1 : 0);
    lv_sqlite_bind_int64(&b, r->key_use ? 1 : 0);
    lv_sqlite_bind_field(&b, r->username, sizeof(r->username));
    lv_sqlite_bind_field(&b, r->access_key_id, sizeof(r->access_key_id));
    lv_sqlite_bind_field(&b, r->error_code, sizeof(r->error_code));
    lv_sqlite_bind_text(&b, r->event);
    lv_sqlite_bind_text_or_null(&b, r->trace);
    lv_sqlite_bind_blob(&b, r->prev_hash, LV_AUDIT_HASH_BYTES);
    lv_sqlite_bind_blob(&b, r->hash, LV_AUDIT_HASH_BYTES);
    if (lv_sqlite_run_done(&b, "insert audit record", err) < 0) {
        goto fail;
    }
    id = sqlite3_last_insert_rowid(sqlite3_db_handle(b.st));
    for (int i = 0; i < r->n_resources; i++) {
        if (lv_sqlite_start(s, resource, &b, err) < 0) {
            goto fail;
        }
        lv_sqlite_bind_int64(&b, id);
        lv_sqlite_bind_int64(&b, i);
        lv_sqlite_bind_field(&b, r->resources[i].type,
                             sizeof(r->resources[i].type));
        lv_sqlite_bind_field(&b, r->resources[i].name,
                             sizeof(r->resources[i].name));
        if (lv_sqlite_run_done(&b, "insert audit resource", err) < 0) {
            goto fail;
        }
    }
    if (lv_sqlite_start(s, head, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_field(&b, r->account, sizeof(r->account));
    lv_sqlite_bind_field(&b, r->region, sizeof(r->region));
    lv_sqlite_bind_int64(&b, r->seq);
    lv_sqlite_bind_blob(&b, r->hash, LV_AUDIT_HASH_BYTES);
    lv_sqlite_bind_blob(&b, zero_hash, LV_AUDIT_HASH_BYTES);
    if (lv_sqlite_run_done(&b, "move audit chain head", err) < 0) {
        goto fail;
    }
    if (own && lv_sqlite_commit(s, err) < 0) {
        return -1;
    }
    r->id = id;
    return 0;
fail:
    if (own) {
        lv_sqlite_rollback(s);
    }
    return -1;
}

static void bind_chain_walk(struct lv_sqlite_bind *b, void *ctx,
                            const void *last, int n)
{
    const struct record_walk *w = ctx;
    const struct lv_audit_record *r = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_int64(b, r ? r->seq : w->after_seq);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_audit_rows_chain_walk(void *impl, const char *account,
                                    const char *region, int64_t after_seq,
                                    int64_t *base_seq,
                                    uint8_t base_hash[LV_AUDIT_HASH_BYTES],
                                    lv_audit_record_fn fn, void *arg,
                                    struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char base[] =
        "SELECT base_seq, base_hash FROM audit_chains"
        " WHERE account = ?1 AND region = ?2";
    static const char sql[] =
        "SELECT " RECORD_COLS " FROM audit_records r"
        " WHERE r.account = ?1 AND r.region = ?2 AND r.seq > ?3"
        " ORDER BY r.seq LIMIT ?4";
    struct record_walk rw = { 0 };
    struct lv_sqlite_walk w = {
        sql, "walk audit chain", sizeof(struct lv_audit_record), 0, &rw,
        bind_chain_walk, read_record, release_record, call_record,
    };
    struct lv_sqlite_bind b;
    int rc;

    *base_seq = 0;
    memset(base_hash, 0, LV_AUDIT_HASH_BYTES);
    if (lv_sqlite_start(s, base, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    rc = lv_sqlite_run_row(&b, "read audit chain base", err);
    if (rc < 0) {
        return -1;
    }
    if (rc > 0) {
        *base_seq = sqlite3_column_int64(b.st, 0);
        col_hash(b.st, 1, base_hash);
        sqlite3_reset(b.st);
    }
    rw.s = s;
    rw.account = account;
    rw.region = region;
    rw.after_seq = after_seq;
    rw.fn = fn;
    rw.arg = arg;
    rw.err = err;
    return lv_sqlite_walk_run(s, &w, err);
}

struct chain_row {
    char account[13];
    char region[64];
};

struct chain_walk {
    lv_audit_chain_fn fn;
    void *arg;
};

static void bind_chains(struct lv_sqlite_bind *b, void *ctx,
                        const void *last, int n)
{
    const struct chain_row *c = last;

    (void)ctx;
    lv_sqlite_bind_text(b, c ? c->account : "");
    lv_sqlite_bind_text(b, c ? c->region : "");
    lv_sqlite_bind_int64(b, n);
}

static void read_chain(sqlite3_stmt *st, void *p)
{
    struct chain_row *c = p;

    lv_sqlite_col_field(st, 0, c->account, sizeof(c->account), "account");
    lv_sqlite_col_field(st, 1, c->region, sizeof(c->region), "region");
}

static int call_chain(void *ctx, const void *p)
{
    const struct chain_walk *cw = ctx;
    const struct chain_row *c = p;

    return cw->fn(cw->arg, c->account, c->region);
}

int lv_sqlite_audit_chains(void *impl, lv_audit_chain_fn fn, void *arg,
                           struct lv_err *err)
{
    static const char sql[] =
        "SELECT account, region FROM audit_chains"
        " WHERE (account, region) > (?1, ?2)"
        " ORDER BY account, region LIMIT ?3";
    struct chain_walk cw = { fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list audit chains", sizeof(struct chain_row), 0, &cw,
        bind_chains, read_chain, NULL, call_chain,
    };

    return lv_sqlite_walk_run(impl, &w, err);
}

/* ---- batches ------------------------------------------------------------- */

#define BATCH_COLS                                                           \
    "id, account, region, seq_first, seq_last, time_min, time_max,"         \
    " last_hash"

/* The sets (attrs, ids) are for selecting in SQL only: not read back;
 * the body is batch_body's. */
static void read_batch(sqlite3_stmt *st, void *p)
{
    struct lv_audit_batch *b = p;

    b->id = sqlite3_column_int64(st, 0);
    lv_sqlite_col_field(st, 1, b->account, sizeof(b->account), "account");
    lv_sqlite_col_field(st, 2, b->region, sizeof(b->region), "region");
    b->seq_first = sqlite3_column_int64(st, 3);
    b->seq_last = sqlite3_column_int64(st, 4);
    b->time_min = sqlite3_column_int64(st, 5);
    b->time_max = sqlite3_column_int64(st, 6);
    col_hash(st, 7, b->last_hash);
}

int lv_sqlite_audit_batch_body(void *impl, int64_t id,
                               struct lv_audit_batch *bt, struct lv_err *err)
{
    static const char sql[] = "SELECT body FROM audit_batches WHERE id = ?1";
    struct lv_sqlite_bind b;
    const void *body;
    int n;
    int rc;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, id);
    rc = lv_sqlite_run_row(&b, "read audit batch body", err);
    if (rc <= 0) {
        return rc;
    }
    body = sqlite3_column_blob(b.st, 0);
    n = sqlite3_column_bytes(b.st, 0);
    free(bt->body);
    bt->body_len = body && n > 0 ? (size_t)n : 0;
    bt->body = lv_xmalloc(bt->body_len + 1);
    if (bt->body_len) {
        memcpy(bt->body, body, bt->body_len);
    }
    sqlite3_reset(b.st);
    return 1;
}

static void release_batch(void *p)
{
    struct lv_audit_batch *b = p;

    lv_audit_batch_release(b);
    memset(b, 0, sizeof(*b));
}

struct batch_walk {
    const char *account;
    const char *region;
    const char *term;
    int64_t from_ms;
    int64_t to_ms;
    int64_t after_seq;
    lv_audit_batch_fn fn;
    void *arg;
};

static int call_batch(void *ctx, const void *p)
{
    const struct batch_walk *bw = ctx;

    return bw->fn(bw->arg, p);
}

int lv_sqlite_audit_batch_insert(void *impl, struct lv_audit_batch *bt,
                                 struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char insert[] =
        "INSERT INTO audit_batches (account, region, seq_first, seq_last,"
        " time_min, time_max, attrs, ids, last_hash, body)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    static const char head[] =
        "INSERT INTO audit_chains (account, region, head_seq, head_hash,"
        " base_seq, base_hash) VALUES (?1, ?2, ?3, ?4, 0, ?5)"
        " ON CONFLICT (account, region) DO UPDATE SET"
        " head_seq = excluded.head_seq, head_hash = excluded.head_hash";
    struct lv_sqlite_bind b;
    int64_t id;
    int own = !lv_sqlite_in_txn(s);

    if (own && lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(s, insert, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_field(&b, bt->account, sizeof(bt->account));
    lv_sqlite_bind_field(&b, bt->region, sizeof(bt->region));
    lv_sqlite_bind_int64(&b, bt->seq_first);
    lv_sqlite_bind_int64(&b, bt->seq_last);
    lv_sqlite_bind_int64(&b, bt->time_min);
    lv_sqlite_bind_int64(&b, bt->time_max);
    lv_sqlite_bind_text(&b, bt->attrs);
    lv_sqlite_bind_text(&b, bt->ids);
    lv_sqlite_bind_blob(&b, bt->last_hash, LV_AUDIT_HASH_BYTES);
    lv_sqlite_bind_blob(&b, bt->body, bt->body_len);
    if (lv_sqlite_run_done(&b, "insert audit batch", err) < 0) {
        goto fail;
    }
    id = sqlite3_last_insert_rowid(sqlite3_db_handle(b.st));
    if (lv_sqlite_start(s, head, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_field(&b, bt->account, sizeof(bt->account));
    lv_sqlite_bind_field(&b, bt->region, sizeof(bt->region));
    lv_sqlite_bind_int64(&b, bt->seq_last);
    lv_sqlite_bind_blob(&b, bt->last_hash, LV_AUDIT_HASH_BYTES);
    lv_sqlite_bind_blob(&b, zero_hash, LV_AUDIT_HASH_BYTES);
    if (lv_sqlite_run_done(&b, "move audit chain head", err) < 0) {
        goto fail;
    }
    if (own && lv_sqlite_commit(s, err) < 0) {
        return -1;
    }
    bt->id = id;
    return 0;
fail:
    if (own) {
        lv_sqlite_rollback(s);
    }
    return -1;
}

/* The search's SQL for a scope and a set: ?1 account, ?2 region (bound
 * whether used or not), ?3 and ?4 the time range, ?5 the term or NULL,
 * (?6, ?7) the keyset (time_max, id) of the last batch seen. */
#define SEARCH_SQL(scope, col)                                               \
    "SELECT " BATCH_COLS " FROM audit_batches"                               \
    " WHERE " scope " time_max >= ?3 AND time_min <= ?4"                     \
    " AND (?5 IS NULL OR instr(" col ", ?5) > 0)"                            \
    " AND time_max <= ?6 AND (time_max < ?6 OR id < ?7)"                     \
    " ORDER BY time_max DESC, id DESC LIMIT ?8"

#define SCOPE_CHAIN "account = ?1 AND region = ?2 AND"
#define SCOPE_ACCOUNT "account = ?1 AND"

static const char *const search_sql[3][2] = {
    { SEARCH_SQL(SCOPE_CHAIN, "attrs"), SEARCH_SQL(SCOPE_CHAIN, "ids") },
    { SEARCH_SQL(SCOPE_ACCOUNT, "attrs"), SEARCH_SQL(SCOPE_ACCOUNT, "ids") },
    { SEARCH_SQL("", "attrs"), SEARCH_SQL("", "ids") },
};

static void bind_search(struct lv_sqlite_bind *b, void *ctx, const void *last,
                        int n)
{
    const struct batch_walk *bw = ctx;
    const struct lv_audit_batch *l = last;

    lv_sqlite_bind_text(b, bw->account);
    lv_sqlite_bind_text(b, bw->region);
    lv_sqlite_bind_int64(b, bw->from_ms);
    lv_sqlite_bind_int64(b, bw->to_ms);
    lv_sqlite_bind_text_or_null(b, bw->term);
    lv_sqlite_bind_int64(b, l ? l->time_max : INT64_MAX);
    lv_sqlite_bind_int64(b, l ? l->id : INT64_MAX);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_audit_batch_search(void *impl, const char *account,
                                 const char *region, int in_ids,
                                 const char *term, int64_t from_ms,
                                 int64_t to_ms, lv_audit_batch_fn fn,
                                 void *arg, struct lv_err *err)
{
    struct batch_walk bw = { account, region, term, from_ms, to_ms, 0, fn,
                             arg };
    int scope = account && region ? 0 : account ? 1 : 2;
    struct lv_sqlite_walk w = {
        search_sql[scope][in_ids ? 1 : 0], "search audit batches",
        sizeof(struct lv_audit_batch), 0, &bw, bind_search, read_batch,
        release_batch, call_batch,
    };

    if (scope == 2 && region) {
        LV_BUG("audit batch search: a region without an account");
    }
    return lv_sqlite_walk_run(impl, &w, err);
}

static void bind_batch_walk(struct lv_sqlite_bind *b, void *ctx,
                            const void *last, int n)
{
    const struct batch_walk *bw = ctx;
    const struct lv_audit_batch *l = last;

    lv_sqlite_bind_text(b, bw->account);
    lv_sqlite_bind_text(b, bw->region);
    lv_sqlite_bind_int64(b, bw->after_seq);
    lv_sqlite_bind_int64(b, l ? l->seq_first : INT64_MIN);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_audit_batch_walk(void *impl, const char *account,
                               const char *region, int64_t after_seq,
                               lv_audit_batch_fn fn, void *arg,
                               struct lv_err *err)
{
    static const char sql[] =
        "SELECT " BATCH_COLS " FROM audit_batches"
        " WHERE account = ?1 AND region = ?2 AND seq_last > ?3"
        " AND seq_first > ?4 ORDER BY seq_first LIMIT ?5";
    struct batch_walk bw = { account, region, NULL, 0, 0, after_seq, fn,
                             arg };
    struct lv_sqlite_walk w = {
        sql, "walk audit batches", sizeof(struct lv_audit_batch), 0, &bw,
        bind_batch_walk, read_batch, release_batch, call_batch,
    };

    return lv_sqlite_walk_run(impl, &w, err);
}

/* ---- expiry -------------------------------------------------------------- */

struct cut {
    char account[13];
    char region[64];
    int64_t seq;
};

int lv_sqlite_audit_expire(void *impl, int64_t before_ms, int64_t *n,
                           struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Per chain, the last record to go: every record up to it in the chain
     * goes, so that the records left follow the base without a gap. */
    static const char cuts[] =
        "SELECT account, region, max(seq) FROM ("
        " SELECT account, region, seq FROM audit_records"
        "  WHERE event_time_ms < ?1"
        " UNION ALL SELECT account, region, seq_last FROM audit_batches"
        "  WHERE time_max < ?1)"
        " GROUP BY account, region";
    static const char base[] =
        "UPDATE audit_chains SET base_seq = ?3,"
        " base_hash = coalesce((SELECT hash FROM audit_records"
        "  WHERE account = ?1 AND region = ?2 AND seq = ?3),"
        " (SELECT last_hash FROM audit_batches"
        "  WHERE account = ?1 AND region = ?2 AND seq_last = ?3))"
        " WHERE account = ?1 AND region = ?2";
    static const char del[] =
        "DELETE FROM audit_records"
        " WHERE account = ?1 AND region = ?2 AND seq <= ?3";
    static const char del_batches[] =
        "DELETE FROM audit_batches"
        " WHERE account = ?1 AND region = ?2 AND seq_last <= ?3"
        " RETURNING seq_last - seq_first + 1";
    struct lv_sqlite_bind b;
    struct cut *c = NULL;
    size_t nc = 0;
    size_t cap = 0;
    int rc;

    *n = 0;
    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(s, cuts, &b, err) < 0) {
        goto fail;
    }
    lv_sqlite_bind_int64(&b, before_ms);
    if (b.rc != SQLITE_OK) {
        lv_sqlite_stmt_fail(b.st, b.rc, "find expired audit records", err);
        goto fail;
    }
    while ((rc = sqlite3_step(b.st)) == SQLITE_ROW) {
        if (nc == cap) {
            cap = cap ? 2 * cap : 8;
            c = lv_xrealloc(c, cap * sizeof(*c));
        }
        lv_sqlite_col_field(b.st, 0, c[nc].account, sizeof(c[nc].account),
                            "account");
        lv_sqlite_col_field(b.st, 1, c[nc].region, sizeof(c[nc].region),
                            "region");
        c[nc].seq = sqlite3_column_int64(b.st, 2);
        nc++;
    }
    if (rc != SQLITE_DONE) {
        lv_sqlite_stmt_fail(b.st, rc, "find expired audit records", err);
        goto fail;
    }
    sqlite3_reset(b.st);
    for (size_t i = 0; i < nc; i++) {
        if (lv_sqlite_start(s, base, &b, err) < 0) {
            goto fail;
        }
        lv_sqlite_bind_text(&b, c[i].account);
        lv_sqlite_bind_text(&b, c[i].region);
        lv_sqlite_bind_int64(&b, c[i].seq);
        if (lv_sqlite_run_done(&b, "move audit chain base", err) < 0) {
            goto fail;
        }
        if (lv_sqlite_start(s, del, &b, err) < 0) {
            goto fail;
        }
        lv_sqlite_bind_text(&b, c[i].account);
        lv_sqlite_bind_text(&b, c[i].region);
        lv_sqlite_bind_int64(&b, c[i].seq);
        if (lv_sqlite_run_done(&b, "expire audit records", err) < 0) {
            goto fail;
        }
        *n += lv_sqlite_changes(b.st);
        if (lv_sqlite_start(s, del_batches, &b, err) < 0) {
            goto fail;
        }
        lv_sqlite_bind_text(&b, c[i].account);
        lv_sqlite_bind_text(&b, c[i].region);
        lv_sqlite_bind_int64(&b, c[i].seq);
        if (b.rc != SQLITE_OK) {
            lv_sqlite_stmt_fail(b.st, b.rc, "expire audit batches", err);
            goto fail;
        }
        while ((rc = sqlite3_step(b.st)) == SQLITE_ROW) {
            *n += sqlite3_column_int64(b.st, 0);
        }
        if (rc != SQLITE_DONE) {
            lv_sqlite_stmt_fail(b.st, rc, "expire audit batches", err);
            goto fail;
        }
        sqlite3_reset(b.st);
    }
    free(c);
    if (lv_sqlite_commit(s, err) < 0) {
        *n = 0;
        return -1;
    }
    return 0;
fail:
    free(c);
    *n = 0;
    lv_sqlite_rollback(s);
    return -1;
}

/* ---- digests ------------------------------------------------------------- */

#define DIGEST_COLS                                                          \
    "id, account, region, start_ms, end_ms, head_seq, head_hash,"           \
    " prev_signature, signature"

static void read_digest(sqlite3_stmt *st, void *p)
{
    struct lv_audit_digest *d = p;

    d->id = sqlite3_column_int64(st, 0);
    lv_sqlite_col_field(st, 1, d->account, sizeof(d->account), "account");
    lv_sqlite_col_field(st, 2, d->region, sizeof(d->region), "region");
    d->start_ms = sqlite3_column_int64(st, 3);
    d->end_ms = sqlite3_column_int64(st, 4);
    d->head_seq = sqlite3_column_int64(st, 5);
    col_hash(st, 6, d->head_hash);
    col_hash(st, 7, d->prev_signature);
    col_hash(st, 8, d->signature);
}

int lv_sqlite_audit_digest_insert(void *impl, struct lv_audit_digest *d,
                                  struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "INSERT INTO audit_digests (account, region, start_ms, end_ms,"
        " head_seq, head_hash, prev_signature, signature)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, d->account, sizeof(d->account));
    lv_sqlite_bind_field(&b, d->region, sizeof(d->region));
    lv_sqlite_bind_int64(&b, d->start_ms);
    lv_sqlite_bind_int64(&b, d->end_ms);
    lv_sqlite_bind_int64(&b, d->head_seq);
    lv_sqlite_bind_blob(&b, d->head_hash, LV_AUDIT_HASH_BYTES);
    lv_sqlite_bind_blob(&b, d->prev_signature, LV_AUDIT_HASH_BYTES);
    lv_sqlite_bind_blob(&b, d->signature, LV_AUDIT_HASH_BYTES);
    if (lv_sqlite_run_done(&b, "insert audit digest", err) < 0) {
        return -1;
    }
    d->id = sqlite3_last_insert_rowid(sqlite3_db_handle(b.st));
    return 0;
}

struct digest_walk {
    const char *account;
    const char *region;
    lv_audit_digest_fn fn;
    void *arg;
};

static void bind_digests(struct lv_sqlite_bind *b, void *ctx,
                         const void *last, int n)
{
    const struct digest_walk *dw = ctx;
    const struct lv_audit_digest *d = last;

    lv_sqlite_bind_text(b, dw->account);
    lv_sqlite_bind_text(b, dw->region);
    lv_sqlite_bind_int64(b, d ? d->id : 0);
    lv_sqlite_bind_int64(b, n);
}

static int call_digest(void *ctx, const void *p)
{
    const struct digest_walk *dw = ctx;

    return dw->fn(dw->arg, p);
}

int lv_sqlite_audit_digest_list(void *impl, const char *account,
                                const char *region, lv_audit_digest_fn fn,
                                void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " DIGEST_COLS " FROM audit_digests"
        " WHERE account = ?1 AND region = ?2 AND id > ?3"
        " ORDER BY id LIMIT ?4";
    struct digest_walk dw = { account, region, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list audit digests", sizeof(struct lv_audit_digest), 0, &dw,
        bind_digests, read_digest, NULL, call_digest,
    };

    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_audit_digest_last(void *impl, const char *account,
                                const char *region,
                                struct lv_audit_digest *out,
                                struct lv_err *err)
{
    static const char sql[] =
        "SELECT " DIGEST_COLS " FROM audit_digests"
        " WHERE account = ?1 AND region = ?2 ORDER BY id DESC LIMIT 1";
    struct lv_sqlite_bind b;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_one(&b, read_digest, out, "read last audit digest",
                             err);
}
