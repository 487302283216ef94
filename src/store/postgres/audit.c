/*
 * postgres/audit.c: audit_store.h on the PostgreSQL backend (tables of
 * schema_audit.c, audit_batches among them), with the behaviour of
 * sqlite/audit.c.
 *
 * The chain lock of lv_store_audit_chain_head() is the chain's row in
 * audit_chains, taken FOR UPDATE (made first, ON CONFLICT DO NOTHING, for
 * a chain's first record): every other appender to the chain, on any
 * node, waits for the caller's transaction to end and then reads the head
 * it left. A chain's head never moves back: expiry moves its base up to
 * the last record it deleted, so once every record has expired the head
 * is the base and the next record follows it.
 *
 * Lists run in batches (lv_pg_walk_run()); each record's resources are
 * read after the batch's result is cleared, before the caller's function
 * sees the record.
 */
#include "store/audit_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

static const uint8_t zero_hash[LV_AUDIT_HASH_BYTES];

/* A bytea hash column into h: a value of another length (a row changed
 * underneath) is copied as far as it goes and zero-filled, so that
 * verification sees it differ rather than the read fail. */
static void get_hash(const PGresult *res, int row, int col,
                     uint8_t h[LV_AUDIT_HASH_BYTES])
{
    struct lv_buf b = LV_BUF_INIT(4096);

    memset(h, 0, LV_AUDIT_HASH_BYTES);
    if (lv_pg_get_bytea(res, row, col, &b) == 0 && b.len > 0) {
        memcpy(h, b.data, b.len < LV_AUDIT_HASH_BYTES ? b.len
                                                      : LV_AUDIT_HASH_BYTES);
    }
    lv_buf_release(&b);
}

/* ---- records ------------------------------------------------------------- */

#define RECORD_COLS                                                          \
    "r.id, r.account, r.region, r.seq, r.event_time_ms, r.event_id,"        \
    " r.request_id, r.event_source, r.event_name, r.read_only, r.key_use,"  \
    " r.username, r.access_key_id, r.error_code, r.event, r.trace,"         \
    " r.prev_hash, r.hash"

static void read_record(const PGresult *res, int i, void *p)
{
    struct lv_audit_record *r = p;

    r->id = lv_pg_get_int64(res, i, 0);
    lv_pg_get_field(res, i, 1, r->account, sizeof(r->account), "account");
    lv_pg_get_field(res, i, 2, r->region, sizeof(r->region), "region");
    r->seq = lv_pg_get_int64(res, i, 3);
    r->event_time_ms = lv_pg_get_int64(res, i, 4);
    lv_pg_get_field(res, i, 5, r->event_id, sizeof(r->event_id),
                    "event_id");
    lv_pg_get_field(res, i, 6, r->request_id, sizeof(r->request_id),
                    "request_id");
    lv_pg_get_field(res, i, 7, r->event_source, sizeof(r->event_source),
                    "event_source");
    lv_pg_get_field(res, i, 8, r->event_name, sizeof(r->event_name),
                    "event_name");
    r->read_only = (int)lv_pg_get_int64(res, i, 9);
    r->key_use = (int)lv_pg_get_int64(res, i, 10);
    lv_pg_get_field(res, i, 11, r->username, sizeof(r->username),
                    "username");
    lv_pg_get_field(res, i, 12, r->access_key_id, sizeof(r->access_key_id),
                    "access_key_id");
    lv_pg_get_field(res, i, 13, r->error_code, sizeof(r->error_code),
                    "error_code");
    r->event = lv_pg_get_dup(res, i, 14);
    r->trace = PQgetisnull(res, i, 15) ? NULL : lv_pg_get_dup(res, i, 15);
    get_hash(res, i, 16, r->prev_hash);
    get_hash(res, i, 17, r->hash);
}

static void release_record(void *p)
{
    struct lv_audit_record *r = p;

    lv_audit_record_release(r);
    memset(r, 0, sizeof(*r));
}

/* Fills r's resources from audit_resources, in order. */
static int load_resources(struct lv_pg *q, struct lv_audit_record *r,
                          struct lv_err *err)
{
    static const char sql[] =
        "SELECT type, name FROM audit_resources WHERE record_id = $1"
        " ORDER BY pos";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int n;

    r->n_resources = 0;
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, r->id);
    if (lv_pg_query(q, sql, &p, LV_PG_TEXT, &res, "read audit resources",
                    err) < 0) {
        return -1;
    }
    n = PQntuples(res);
    if (n > LV_AUDIT_MAX_RESOURCES) {
        lv_log(LV_LOG_WARN, "store: audit record %lld has more than %d "
               "resources; the rest are not read", (long long)r->id,
               LV_AUDIT_MAX_RESOURCES);
        n = LV_AUDIT_MAX_RESOURCES;
    }
    for (int i = 0; i < n; i++) {
        struct lv_audit_resource *x = &r->resources[i];

        lv_pg_get_field(res, i, 0, x->type, sizeof(x->type),
                        "resource type");
        lv_pg_get_field(res, i, 1, x->name, sizeof(x->name),
                        "resource name");
    }
    r->n_resources = n;
    PQclear(res);
    return 0;
}

struct record_walk {
    struct lv_pg *q;
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

/* Called once the batch's result is cleared: reads the resources, then
 * hands the record over. A fault reading them stops the walk with -1
 * (*err set), as a fault of the walk itself would. */
static int call_record(void *ctx, const void *p)
{
    struct record_walk *w = ctx;
    struct lv_audit_record r;

    memcpy(&r, p, sizeof(r));
    if (load_resources(w->q, &r, w->err) < 0) {
        return -1;
    }
    return w->fn(w->arg, &r);
}

/* The list's SQL for each lookup attribute: $7 is the attribute's value
 * (unused, bound "", for none), the cursor ($5, $6) is the time and seq
 * of the last record seen or the caller's, newest first. In a chain id
 * order is seq order (both follow the appends, made under the chain's
 * lock), so the indexes' (event_time_ms, id) order is the answer's. */
#define LIST_SQL(cond)                                                       \
    "SELECT " RECORD_COLS " FROM audit_records r"                            \
    " WHERE r.account = $1 AND r.region = $2"                                \
    " AND r.event_time_ms >= $3 AND r.event_time_ms <= $4"                   \
    " AND r.event_time_ms <= $5"                                             \
    " AND (r.event_time_ms < $5 OR r.seq < $6)" cond                         \
    " ORDER BY r.event_time_ms DESC, r.id DESC LIMIT $8"

static const char *const list_sql[] = {
    [LV_AUDIT_ATTR_NONE] = LIST_SQL(" AND $7::text IS NOT NULL"),
    [LV_AUDIT_ATTR_EVENT_ID] = LIST_SQL(" AND r.event_id = $7"),
    [LV_AUDIT_ATTR_EVENT_NAME] = LIST_SQL(" AND r.event_name = $7"),
    [LV_AUDIT_ATTR_READ_ONLY] = LIST_SQL(" AND r.read_only = $7::bigint"),
    [LV_AUDIT_ATTR_USERNAME] = LIST_SQL(" AND r.username = $7"),
    [LV_AUDIT_ATTR_RESOURCE_TYPE] = LIST_SQL(
        " AND EXISTS (SELECT 1 FROM audit_resources x"
        " WHERE x.record_id = r.id AND x.type = $7)"),
    [LV_AUDIT_ATTR_RESOURCE_NAME] = LIST_SQL(
        " AND EXISTS (SELECT 1 FROM audit_resources x"
        " WHERE x.record_id = r.id AND x.name = $7)"),
    [LV_AUDIT_ATTR_EVENT_SOURCE] = LIST_SQL(" AND r.event_source = $7"),
    [LV_AUDIT_ATTR_ACCESS_KEY_ID] = LIST_SQL(" AND r.access_key_id = $7"),
};

static void bind_list(struct lv_pg_params *p, void *ctx, const void *last,
                      int n)
{
    const struct record_walk *w = ctx;
    const struct lv_audit_record *r = last;

    lv_pg_param_text(p, w->account);
    lv_pg_param_text(p, w->region);
    lv_pg_param_int64(p, w->f->start_ms);
    lv_pg_param_int64(p, w->f->end_ms);
    lv_pg_param_int64(p, r ? r->event_time_ms : w->before_time_ms);
    lv_pg_param_int64(p, r ? r->seq : w->before_seq);
    if (w->f->attr == LV_AUDIT_ATTR_READ_ONLY) {
        lv_pg_param_int64(p, w->attr_int);
    } else {
        lv_pg_param_text(p, w->f->attr == LV_AUDIT_ATTR_NONE ? ""
                                                             : w->f->value);
    }
    lv_pg_param_int64(p, n);
}

int lv_pg_audit_rows_list(void *impl, const char *account, const char *region,
                          const struct lv_audit_filter *f,
                          int64_t before_time_ms,
                          int64_t before_seq, int limit, lv_audit_record_fn fn,
                          void *arg, struct lv_err *err)
{
    struct lv_pg *q = impl;
    struct record_walk rw = { 0 };
    struct lv_pg_walk w = {
        NULL, "list audit records", sizeof(struct lv_audit_record), limit,
        &rw, bind_list, read_record, release_record, call_record,
    };

    if ((unsigned)f->attr >= sizeof(list_sql) / sizeof(list_sql[0])) {
        LV_BUG("audit list: lookup attribute %d", (int)f->attr);
    }
    rw.q = q;
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
    return lv_pg_walk_run(q, &w, err);
}

static void bind_by_request(struct lv_pg_params *p, void *ctx,
                            const void *last, int n)
{
    const struct record_walk *w = ctx;
    const struct lv_audit_record *r = last;

    lv_pg_param_text(p, w->account);
    lv_pg_param_text(p, w->request_id);
    lv_pg_param_int64(p, r ? r->id : 0);
    lv_pg_param_int64(p, n);
}

int lv_pg_audit_rows_by_request(void *impl, const char *account,
                                const char *request_id, lv_audit_record_fn fn,
                                void *arg, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " RECORD_COLS " FROM audit_records r"
        " WHERE r.account = $1 AND r.request_id = $2 AND r.id > $3"
        " ORDER BY r.id LIMIT $4";
    struct record_walk rw = { 0 };
    struct lv_pg_walk w = {
        sql, "find audit records of a request",
        sizeof(struct lv_audit_record), 0, &rw, bind_by_request,
        read_record, release_record, call_record,
    };

    rw.q = q;
    rw.account = account;
    rw.request_id = request_id;
    rw.fn = fn;
    rw.arg = arg;
    rw.err = err;
    return lv_pg_walk_run(q, &w, err);
}

int lv_pg_audit_rows_key_last_use(void *impl, const char *key_arn,
                                  struct lv_audit_record *out,
                                  struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT " RECORD_COLS " FROM audit_resources x"
        " JOIN audit_records r ON r.id = x.record_id"
        " WHERE x.name = $1 AND x.type = 'AWS::KMS::Key'"
        " AND r.key_use = 1 AND r.error_code = ''"
        " ORDER BY r.event_time_ms DESC, r.id DESC LIMIT 1";
    struct lv_pg_params p;
    PGresult *res = NULL;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_arn);
    if (lv_pg_query(q, sql, &p, LV_PG_TEXT, &res, "find key's last use",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    read_record(res, 0, out);
    PQclear(res);
    if (load_resources(q, out, err) < 0) {
        release_record(out);
        return -1;
    }
    return 1;
}

/* ---- the chain ----------------------------------------------------------- */

/* The base or head of a chain: 1 with *seq and h, 0 when it has no row. */
static int chain_point(struct lv_pg *q, const char *sql, const char *account,
                       const char *region, int64_t *seq,
                       uint8_t h[LV_AUDIT_HASH_BYTES], const char *what,
                       struct lv_err *err)
{
    struct lv_pg_params p;
    PGresult *res = NULL;
    int found;

    *seq = 0;
    memset(h, 0, LV_AUDIT_HASH_BYTES);
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    if (lv_pg_query(q, sql, &p, LV_PG_TEXT, &res, what, err) < 0) {
        return -1;
    }
    found = PQntuples(res) > 0;
    if (found) {
        *seq = lv_pg_get_int64(res, 0, 0);
        get_hash(res, 0, 1, h);
    }
    PQclear(res);
    return found;
}

int lv_pg_audit_chain_head(void *impl, const char *account,
                           const char *region, int64_t *seq,
                           uint8_t hash[LV_AUDIT_HASH_BYTES],
                           struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char lock[] =
        "SELECT head_seq, head_hash FROM audit_chains"
        " WHERE account = $1 AND region = $2 FOR UPDATE";
    static const char make[] =
        "INSERT INTO audit_chains (account, region, head_seq, head_hash,"
        " base_seq, base_hash) VALUES ($1, $2, 0, $3, 0, $3)"
        " ON CONFLICT (account, region) DO NOTHING";
    struct lv_pg_params p;
    int rc;

    rc = chain_point(q, lock, account, region, seq, hash,
                     "lock audit chain", err);
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }
    /* The chain's first record: make its row (or wait for the appender
     * that is making it), then lock it. */
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_bytea(&p, zero_hash, LV_AUDIT_HASH_BYTES);
    if (lv_pg_run(q, make, &p, "make audit chain", err) < 0) {
        return -1;
    }
    rc = chain_point(q, lock, account, region, seq, hash,
                     "lock audit chain", err);
    if (rc == 0) {
        return lv_pg_fail("lock audit chain", "chain row missing", err);
    }
    return rc < 0 ? -1 : 0;
}

int lv_pg_audit_append(void *impl, struct lv_audit_record *r,
                       struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char insert[] =
        "INSERT INTO audit_records (account, region, seq, event_time_ms,"
        " event_id, request_id, event_source, event_name, read_only,"
        " key_use, username, access_key_id, error_code, event, trace,"
        " prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
        " $11, $12, $13, $14, $15, $16, $17) RETURNING id";
    static const char resource[] =
        "INSERT INTO audit_resources (record_id, pos, type, name)"
        " VALUES ($1, $2, $3, $4)";
    static const char head[] =
        "INSERT INTO audit_chains (account, region, head_seq, head_hash,"
        " base_seq, base_hash) VALUES ($1, $2, $3, $4, 0, $5)"
        " ON CONFLICT (account, region) DO UPDATE SET"
        " head_seq = excluded.head_seq, head_hash = excluded.head_hash";
    struct lv_pg_params p;
    int64_t id = 0;

    if (r->n_resources < 0 || r->n_resources > LV_AUDIT_MAX_RESOURCES) {
        LV_BUG("audit append: %d resources", r->n_resources);
    }
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_field(&p, r->account, sizeof(r->account));
    lv_pg_param_field(&p, r->region, sizeof(r->region));
    lv_pg_param_int64(&p, r->seq);
    lv_pg_param_int64(&p, r->event_time_ms);
    lv_pg_param_field(&p, r->event_id, sizeof(r->event_id));
    lv_pg_param_field(&p, r->request_id, sizeof(r->request_id));
    lv_pg_param_field(&p, r->event_source, sizeof(r->event_source));
    lv_pg_param_field(&p, r->event_name, sizeof(r->event_name));
    lv_pg_param_int64(&p, r->read_only ? 1 : 0);
    lv_pg_param_int64(&p, r->key_use ? 1 : 0);
    lv_pg_param_field(&p, r->username, sizeof(r->username));
    lv_pg_param_field(&p, r->access_key_id, sizeof(r->access_key_id));
    lv_pg_param_field(&p, r->error_code, sizeof(r->error_code));
    lv_pg_param_text(&p, r->event);
    lv_pg_param_text_or_null(&p, r->trace);
    lv_pg_param_bytea(&p, r->prev_hash, LV_AUDIT_HASH_BYTES);
    lv_pg_param_bytea(&p, r->hash, LV_AUDIT_HASH_BYTES);
    if (lv_pg_query_int64(q, insert, &p, &id, "insert audit record",
                          err) <= 0) {
        goto fail;
    }
    for (int i = 0; i < r->n_resources; i++) {
        lv_pg_params_init(&p);
        lv_pg_param_int64(&p, id);
        lv_pg_param_int64(&p, i);
        lv_pg_param_field(&p, r->resources[i].type,
                          sizeof(r->resources[i].type));
        lv_pg_param_field(&p, r->resources[i].name,
                          sizeof(r->resources[i].name));
        if (lv_pg_run(q, resource, &p, "insert audit resource", err) < 0) {
            goto fail;
        }
    }
    lv_pg_params_init(&p);
    lv_pg_param_field(&p, r->account, sizeof(r->account));
    lv_pg_param_field(&p, r->region, sizeof(r->region));
    lv_pg_param_int64(&p, r->seq);
    lv_pg_param_bytea(&p, r->hash, LV_AUDIT_HASH_BYTES);
    lv_pg_param_bytea(&p, zero_hash, LV_AUDIT_HASH_BYTES);
    if (lv_pg_run(q, head, &p, "move audit chain head", err) < 0) {
        goto fail;
    }
    if (lv_pg_commit(q, err) < 0) {
        return -1;
    }
    r->id = id;
    return 0;
fail:
    lv_pg_rollback(q);
    return -1;
}

static void bind_chain_walk(struct lv_pg_params *p, void *ctx,
                            const void *last, int n)
{
    const struct record_walk *w = ctx;
    const struct lv_audit_record *r = last;

    lv_pg_param_text(p, w->account);
    lv_pg_param_text(p, w->region);
    lv_pg_param_int64(p, r ? r->seq : w->after_seq);
    lv_pg_param_int64(p, n);
}

int lv_pg_audit_rows_chain_walk(void *impl, const char *account,
                                const char *region, int64_t after_seq,
                                int64_t *base_seq,
                                uint8_t base_hash[LV_AUDIT_HASH_BYTES],
                                lv_audit_record_fn fn, void *arg,
                                struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char base[] =
        "SELECT base_seq, base_hash FROM audit_chains"
        " WHERE account = $1 AND region = $2";
    static const char sql[] =
        "SELECT " RECORD_COLS " FROM audit_records r"
        " WHERE r.account = $1 AND r.region = $2 AND r.seq > $3"
        " ORDER BY r.seq LIMIT $4";
    struct record_walk rw = { 0 };
    struct lv_pg_walk w = {
        sql, "walk audit chain", sizeof(struct lv_audit_record), 0, &rw,
        bind_chain_walk, read_record, release_record, call_record,
    };

    if (chain_point(q, base, account, region, base_seq, base_hash,
                    "read audit chain base", err) < 0) {
        return -1;
    }
    rw.q = q;
    rw.account = account;
    rw.region = region;
    rw.after_seq = after_seq;
    rw.fn = fn;
    rw.arg = arg;
    rw.err = err;
    return lv_pg_walk_run(q, &w, err);
}

struct chain_row {
    char account[13];
    char region[64];
};

struct chain_walk {
    lv_audit_chain_fn fn;
    void *arg;
};

static void bind_chains(struct lv_pg_params *p, void *ctx, const void *last,
                        int n)
{
    const struct chain_row *c = last;

    (void)ctx;
    lv_pg_param_text(p, c ? c->account : "");
    lv_pg_param_text(p, c ? c->region : "");
    lv_pg_param_int64(p, n);
}

static void read_chain(const PGresult *res, int i, void *p)
{
    struct chain_row *c = p;

    lv_pg_get_field(res, i, 0, c->account, sizeof(c->account), "account");
    lv_pg_get_field(res, i, 1, c->region, sizeof(c->region), "region");
}

static int call_chain(void *ctx, const void *p)
{
    const struct chain_walk *cw = ctx;
    const struct chain_row *c = p;

    return cw->fn(cw->arg, c->account, c->region);
}

int lv_pg_audit_chains(void *impl, lv_audit_chain_fn fn, void *arg,
                       struct lv_err *err)
{
    static const char sql[] =
        "SELECT account, region FROM audit_chains"
        " WHERE (account, region) > ($1, $2)"
        " ORDER BY account, region LIMIT $3";
    struct chain_walk cw = { fn, arg };
    struct lv_pg_walk w = {
        sql, "list audit chains", sizeof(struct chain_row), 0, &cw,
        bind_chains, read_chain, NULL, call_chain,
    };

    return lv_pg_walk_run(impl, &w, err);
}

/* ---- batches ------------------------------------------------------------- */

#define BATCH_COLS                                                           \
    "id, account, region, seq_first, seq_last, time_min, time_max,"         \
    " last_hash"

/* The sets (attrs, ids) are for selecting in SQL only: not read back;
 * the body is batch_body's. */
static void read_batch(const PGresult *res, int i, void *p)
{
    struct lv_audit_batch *b = p;

    b->id = lv_pg_get_int64(res, i, 0);
    lv_pg_get_field(res, i, 1, b->account, sizeof(b->account), "account");
    lv_pg_get_field(res, i, 2, b->region, sizeof(b->region), "region");
    b->seq_first = lv_pg_get_int64(res, i, 3);
    b->seq_last = lv_pg_get_int64(res, i, 4);
    b->time_min = lv_pg_get_int64(res, i, 5);
    b->time_max = lv_pg_get_int64(res, i, 6);
    get_hash(res, i, 7, b->last_hash);
}

int lv_pg_audit_batch_body(void *impl, int64_t id, struct lv_audit_batch *bt,
                           struct lv_err *err)
{
    static const char sql[] = "SELECT body FROM audit_batches WHERE id = $1";
    struct lv_pg_params p;
    struct lv_buf body = LV_BUF_INIT(SIZE_MAX);
    PGresult *res = NULL;
    int found;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, id);
    if (lv_pg_query(impl, sql, &p, LV_PG_TEXT, &res,
                    "read audit batch body", err) < 0) {
        return -1;
    }
    found = PQntuples(res) > 0;
    if (found && lv_pg_get_bytea(res, 0, 0, &body) < 0) {
        lv_buf_reset(&body);        /* reads as a body that does not decode */
    }
    PQclear(res);
    if (found) {
        free(bt->body);
        bt->body_len = body.len;
        bt->body = lv_xmalloc(body.len + 1);
        memcpy(bt->body, body.data, body.len);
    }
    lv_buf_release(&body);
    return found;
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

int lv_pg_audit_batch_insert(void *impl, struct lv_audit_batch *bt,
                             struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char insert[] =
        "INSERT INTO audit_batches (account, region, seq_first, seq_last,"
        " time_min, time_max, attrs, ids, last_hash, body)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    static const char head[] =
        "INSERT INTO audit_chains (account, region, head_seq, head_hash,"
        " base_seq, base_hash) VALUES ($1, $2, $3, $4, 0, $5)"
        " ON CONFLICT (account, region) DO UPDATE SET"
        " head_seq = excluded.head_seq, head_hash = excluded.head_hash";
    struct lv_pg_params p;
    int64_t id = 0;

    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_field(&p, bt->account, sizeof(bt->account));
    lv_pg_param_field(&p, bt->region, sizeof(bt->region));
    lv_pg_param_int64(&p, bt->seq_first);
    lv_pg_param_int64(&p, bt->seq_last);
    lv_pg_param_int64(&p, bt->time_min);
    lv_pg_param_int64(&p, bt->time_max);
    lv_pg_param_text(&p, bt->attrs);
    lv_pg_param_text(&p, bt->ids);
    lv_pg_param_bytea(&p, bt->last_hash, LV_AUDIT_HASH_BYTES);
    lv_pg_param_bytea(&p, bt->body, bt->body_len);
    if (lv_pg_query_int64(q, insert, &p, &id, "insert audit batch",
                          err) <= 0) {
        goto fail;
    }
    lv_pg_params_init(&p);
    lv_pg_param_field(&p, bt->account, sizeof(bt->account));
    lv_pg_param_field(&p, bt->region, sizeof(bt->region));
    lv_pg_param_int64(&p, bt->seq_last);
    lv_pg_param_bytea(&p, bt->last_hash, LV_AUDIT_HASH_BYTES);
    lv_pg_param_bytea(&p, zero_hash, LV_AUDIT_HASH_BYTES);
    if (lv_pg_run(q, head, &p, "move audit chain head", err) < 0) {
        goto fail;
    }
    if (lv_pg_commit(q, err) < 0) {
        return -1;
    }
    bt->id = id;
    return 0;
fail:
    lv_pg_rollback(q);
    return -1;
}

/* The search's SQL for a scope and a set: $1 account, $2 region (bound
 * whether used or not), $3 and $4 the time range, $5 the term or NULL,
 * ($6, $7) the keyset (time_max, id) of the last batch seen. */
#define SEARCH_SQL(scope, col)                                               \
    "SELECT " BATCH_COLS " FROM audit_batches"                               \
    " WHERE " scope " $1::text IS NOT NULL AND $2::text IS NOT NULL"         \
    " AND time_max >= $3 AND time_min <= $4"                                 \
    " AND ($5::text IS NULL OR strpos(" col ", $5::text) > 0)"               \
    " AND (time_max, id) < ($6::bigint, $7::bigint)"                         \
    " ORDER BY time_max DESC, id DESC LIMIT $8"

#define SCOPE_CHAIN "account = $1 AND region = $2 AND"
#define SCOPE_ACCOUNT "account = $1 AND"

static const char *const search_sql[3][2] = {
    { SEARCH_SQL(SCOPE_CHAIN, "attrs"), SEARCH_SQL(SCOPE_CHAIN, "ids") },
    { SEARCH_SQL(SCOPE_ACCOUNT, "attrs"), SEARCH_SQL(SCOPE_ACCOUNT, "ids") },
    { SEARCH_SQL("", "attrs"), SEARCH_SQL("", "ids") },
};

static void bind_search(struct lv_pg_params *p, void *ctx, const void *last,
                        int n)
{
    const struct batch_walk *bw = ctx;
    const struct lv_audit_batch *l = last;

    lv_pg_param_text(p, bw->account);
    lv_pg_param_text(p, bw->region);
    lv_pg_param_int64(p, bw->from_ms);
    lv_pg_param_int64(p, bw->to_ms);
    lv_pg_param_text_or_null(p, bw->term);
    lv_pg_param_int64(p, l ? l->time_max : INT64_MAX);
    lv_pg_param_int64(p, l ? l->id : INT64_MAX);
    lv_pg_param_int64(p, n);
}

int lv_pg_audit_batch_search(void *impl, const char *account,
                             const char *region, int in_ids,
                             const char *term, int64_t from_ms,
                             int64_t to_ms, lv_audit_batch_fn fn, void *arg,
                             struct lv_err *err)
{
    struct batch_walk bw = { account, region, term, from_ms, to_ms, 0, fn,
                             arg };
    int scope = account && region ? 0 : account ? 1 : 2;
    struct lv_pg_walk w = {
        search_sql[scope][in_ids ? 1 : 0], "search audit batches",
        sizeof(struct lv_audit_batch), 0, &bw, bind_search, read_batch,
        release_batch, call_batch,
    };

    if (scope == 2 && region) {
        LV_BUG("audit batch search: a region without an account");
    }
    return lv_pg_walk_run(impl, &w, err);
}

static void bind_batch_walk(struct lv_pg_params *p, void *ctx,
                            const void *last, int n)
{
    const struct batch_walk *bw = ctx;
    const struct lv_audit_batch *l = last;

    lv_pg_param_text(p, bw->account);
    lv_pg_param_text(p, bw->region);
    lv_pg_param_int64(p, bw->after_seq);
    lv_pg_param_int64(p, l ? l->seq_first : INT64_MIN);
    lv_pg_param_int64(p, n);
}

int lv_pg_audit_batch_walk(void *impl, const char *account,
                           const char *region, int64_t after_seq,
                           lv_audit_batch_fn fn, void *arg,
                           struct lv_err *err)
{
    static const char sql[] =
        "SELECT " BATCH_COLS " FROM audit_batches"
        " WHERE account = $1 AND region = $2 AND seq_last > $3"
        " AND seq_first > $4 ORDER BY seq_first LIMIT $5";
    struct batch_walk bw = { account, region, NULL, 0, 0, after_seq, fn,
                             arg };
    struct lv_pg_walk w = {
        sql, "walk audit batches", sizeof(struct lv_audit_batch), 0, &bw,
        bind_batch_walk, read_batch, release_batch, call_batch,
    };

    return lv_pg_walk_run(impl, &w, err);
}

/* ---- expiry -------------------------------------------------------------- */

int lv_pg_audit_expire(void *impl, int64_t before_ms, int64_t *n,
                       struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* Per chain, the last record to go (locking the chain's row against
     * appenders while it moves): every record up to it in the chain goes,
     * so that the records left follow the base without a gap. */
    static const char cuts[] =
        "SELECT account, region, max(seq) FROM ("
        " SELECT account, region, seq FROM audit_records"
        "  WHERE event_time_ms < $1"
        " UNION ALL SELECT account, region, seq_last FROM audit_batches"
        "  WHERE time_max < $1) x"
        " GROUP BY account, region ORDER BY account, region";
    static const char base[] =
        "UPDATE audit_chains c SET base_seq = $3,"
        " base_hash = coalesce((SELECT r.hash FROM audit_records r"
        "  WHERE r.account = $1 AND r.region = $2 AND r.seq = $3),"
        " (SELECT b.last_hash FROM audit_batches b"
        "  WHERE b.account = $1 AND b.region = $2 AND b.seq_last = $3),"
        " c.base_hash)"
        " WHERE c.account = $1 AND c.region = $2";
    static const char del[] =
        "DELETE FROM audit_records"
        " WHERE account = $1 AND region = $2 AND seq <= $3"
        " RETURNING 1";
    static const char del_batches[] =
        "DELETE FROM audit_batches"
        " WHERE account = $1 AND region = $2 AND seq_last <= $3"
        " RETURNING seq_last - seq_first + 1";
    struct lv_pg_params p;
    PGresult *res = NULL;
    PGresult *gone = NULL;

    *n = 0;
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, before_ms);
    if (lv_pg_query(q, cuts, &p, LV_PG_TEXT, &res,
                    "find expired audit records", err) < 0) {
        goto fail;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        lv_pg_params_init(&p);
        lv_pg_param_text(&p, PQgetvalue(res, i, 0));
        lv_pg_param_text(&p, PQgetvalue(res, i, 1));
        lv_pg_param_int64(&p, lv_pg_get_int64(res, i, 2));
        if (lv_pg_run(q, base, &p, "move audit chain base", err) < 0) {
            goto fail;
        }
        if (lv_pg_query(q, del, &p, LV_PG_TEXT, &gone,
                        "expire audit records", err) < 0) {
            goto fail;
        }
        *n += PQntuples(gone);
        PQclear(gone);
        gone = NULL;
        if (lv_pg_query(q, del_batches, &p, LV_PG_TEXT, &gone,
                        "expire audit batches", err) < 0) {
            goto fail;
        }
        for (int k = 0; k < PQntuples(gone); k++) {
            *n += lv_pg_get_int64(gone, k, 0);
        }
        PQclear(gone);
        gone = NULL;
    }
    PQclear(res);
    if (lv_pg_commit(q, err) < 0) {
        *n = 0;
        return -1;
    }
    return 0;
fail:
    PQclear(res);
    *n = 0;
    lv_pg_rollback(q);
    return -1;
}

/* ---- digests ------------------------------------------------------------- */

#define DIGEST_COLS                                                          \
    "id, account, region, start_ms, end_ms, head_seq, head_hash,"           \
    " prev_signature, signature"

static void read_digest(const PGresult *res, int i, void *p)
{
    struct lv_audit_digest *d = p;

    d->id = lv_pg_get_int64(res, i, 0);
    lv_pg_get_field(res, i, 1, d->account, sizeof(d->account), "account");
    lv_pg_get_field(res, i, 2, d->region, sizeof(d->region), "region");
    d->start_ms = lv_pg_get_int64(res, i, 3);
    d->end_ms = lv_pg_get_int64(res, i, 4);
    d->head_seq = lv_pg_get_int64(res, i, 5);
    get_hash(res, i, 6, d->head_hash);
    get_hash(res, i, 7, d->prev_signature);
    get_hash(res, i, 8, d->signature);
}

int lv_pg_audit_digest_insert(void *impl, struct lv_audit_digest *d,
                              struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO audit_digests (account, region, start_ms, end_ms,"
        " head_seq, head_hash, prev_signature, signature)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    struct lv_pg_params p;
    int64_t id = 0;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, d->account, sizeof(d->account));
    lv_pg_param_field(&p, d->region, sizeof(d->region));
    lv_pg_param_int64(&p, d->start_ms);
    lv_pg_param_int64(&p, d->end_ms);
    lv_pg_param_int64(&p, d->head_seq);
    lv_pg_param_bytea(&p, d->head_hash, LV_AUDIT_HASH_BYTES);
    lv_pg_param_bytea(&p, d->prev_signature, LV_AUDIT_HASH_BYTES);
    lv_pg_param_bytea(&p, d->signature, LV_AUDIT_HASH_BYTES);
    if (lv_pg_query_int64(impl, sql, &p, &id, "insert audit digest",
                          err) <= 0) {
        return -1;
    }
    d->id = id;
    return 0;
}

struct digest_walk {
    const char *account;
    const char *region;
    lv_audit_digest_fn fn;
    void *arg;
};

static void bind_digests(struct lv_pg_params *p, void *ctx, const void *last,
                         int n)
{
    const struct digest_walk *dw = ctx;
    const struct lv_audit_digest *d = last;

    lv_pg_param_text(p, dw->account);
    lv_pg_param_text(p, dw->region);
    lv_pg_param_int64(p, d ? d->id : 0);
    lv_pg_param_int64(p, n);
}

static int call_digest(void *ctx, const void *p)
{
    const struct digest_walk *dw = ctx;

    return dw->fn(dw->arg, p);
}

int lv_pg_audit_digest_list(void *impl, const char *account,
                            const char *region, lv_audit_digest_fn fn,
                            void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " DIGEST_COLS " FROM audit_digests"
        " WHERE account = $1 AND region = $2 AND id > $3"
        " ORDER BY id LIMIT $4";
    struct digest_walk dw = { account, region, fn, arg };
    struct lv_pg_walk w = {
        sql, "list audit digests", sizeof(struct lv_audit_digest), 0, &dw,
        bind_digests, read_digest, NULL, call_digest,
    };

    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_audit_digest_last(void *impl, const char *account,
                            const char *region, struct lv_audit_digest *out,
                            struct lv_err *err)
{
    static const char sql[] =
        "SELECT " DIGEST_COLS " FROM audit_digests"
        " WHERE account = $1 AND region = $2 ORDER BY id DESC LIMIT 1";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int found;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    if (lv_pg_query(impl, sql, &p, LV_PG_TEXT, &res,
                    "read last audit digest", err) < 0) {
        return -1;
    }
    found = PQntuples(res) > 0;
    if (found) {
        read_digest(res, 0, out);
    }
    PQclear(res);
    return found;
}
