/*
 * test_audit_store: audit_store.h on both backends — the chain head and
 * append (with resources, trace, hashes read back as written), rollback
 * leaving nothing, LookupEvents' list (newest first, paging by cursor,
 * the time range and every lookup attribute), records of a request, a
 * key's last use, the chain walk and the list of chains, expiry moving a
 * chain's base, digests; on PostgreSQL also two stores appending to one
 * chain at once (the chain lock).
 *
 * sqlite always; PostgreSQL with LV_PG_ADMIN_URI, a superuser's libpq URI
 * (the test harness sets it): each test there gets a database
 * lv_audit_<pid>_<n> of its own, dropped after. Without it the PostgreSQL
 * cases are skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/audit_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#include "both_backends.h"
#include "helpers.h"

#define ACCT "111111111111"
#define OTHER "222222222222"
#define REGION "eu-west-2"
#define KEY1 "arn:aws:kms:eu-west-2:111111111111:key/k1"
#define KEY2 "arn:aws:kms:eu-west-2:111111111111:key/k2"
#define GROUP "arn:aws:logs:eu-west-2:111111111111:log-group:g"

/* ---- fixtures ------------------------------------------------------------- */

/* Whether fill() stores records in batches (append_batch), mixed with
 * single rows, rather than as single rows only: the list, lookup, walk
 * and expiry tests run both ways, with the same expectations. */
static int batched;

static int setup_sqlite(void **state)
{
    return lv_both_setup_sqlite(state, "audit-store");
}

static int setup_pg(void **state)
{
    return lv_both_setup_pg(state, "lv_audit");
}

static int setup_sqlite_batched(void **state)
{
    batched = 1;
    return setup_sqlite(state);
}

static int setup_pg_batched(void **state)
{
    batched = 1;
    return setup_pg(state);
}

static int teardown(void **state)
{
    batched = 0;
    return lv_both_teardown(state);
}

/* ---- records ---------------------------------------------------------------- */

static char event_text[] = "{\"eventVersion\":\"1.08\"}";
static char trace_text[] = "{\"decision\":\"deny\"}";

/* A record of `account`'s chain; the caller sets seq and hashes (append
 * below does). Varies its attributes with i. */
static void make(struct lv_audit_record *r, const char *account, int i,
                 int64_t time_ms)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->account, sizeof(r->account), "%s", account);
    snprintf(r->region, sizeof(r->region), REGION);
    r->event_time_ms = time_ms;
    snprintf(r->event_id, sizeof(r->event_id),
             "00000000-0000-4000-8000-%012d", i);
    snprintf(r->request_id, sizeof(r->request_id), "req-%d", i / 2);
    snprintf(r->event_source, sizeof(r->event_source), "%s",
             i % 3 ? "kms.amazonaws.com" : "logs.amazonaws.com");
    snprintf(r->event_name, sizeof(r->event_name), "%s",
             i % 3 ? "Encrypt" : "CreateLogGroup");
    r->read_only = i % 2;
    r->key_use = i % 3 != 0;
    snprintf(r->username, sizeof(r->username), "user%d", i % 2);
    snprintf(r->access_key_id, sizeof(r->access_key_id), "AKIA%d", i % 4);
    if (i % 5 == 4) {
        snprintf(r->error_code, sizeof(r->error_code),
                 "AccessDeniedException");
        r->trace = trace_text;
    }
    r->event = event_text;
    if (i % 3) {
        r->n_resources = 1;
        snprintf(r->resources[0].type, sizeof(r->resources[0].type),
                 "AWS::KMS::Key");
        snprintf(r->resources[0].name, sizeof(r->resources[0].name), "%s",
                 i % 2 ? KEY1 : KEY2);
    } else {
        r->n_resources = 2;
        snprintf(r->resources[0].type, sizeof(r->resources[0].type),
                 "AWS::Logs::LogGroup");
        snprintf(r->resources[0].name, sizeof(r->resources[0].name),
                 GROUP);
        snprintf(r->resources[1].type, sizeof(r->resources[1].type),
                 "AWS::KMS::Key");
        snprintf(r->resources[1].name, sizeof(r->resources[1].name), KEY1);
    }
}

/* Appends r to its chain the way src/audit/ does: in a transaction, after
 * the head (a made-up hash: seq and the previous hash folded). */
static void append(struct lv_store *s, struct lv_audit_record *r)
{
    struct lv_err err = LV_ERR_INIT;
    int64_t seq;
    uint8_t head[LV_AUDIT_HASH_BYTES];

    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, r->account, r->region,
                                               &seq, head, &err), 0);
    r->seq = seq + 1;
    memcpy(r->prev_hash, head, sizeof(head));
    for (int i = 0; i < LV_AUDIT_HASH_BYTES; i++) {
        r->hash[i] = (uint8_t)(head[i] * 31 + r->seq + i);
    }
    assert_int_equal(lv_store_audit_append(s, r, &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_true(r->id > 0);
}

#define N_RECS 10

/* Appends v[0] … v[k-1] to their chain as one batch, the way the
 * recorder's writer does: in a transaction, after the head. */
static void append_run(struct lv_store *s, struct lv_audit_record *v, int k)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record *run[N_RECS];
    int64_t seq;
    uint8_t head[LV_AUDIT_HASH_BYTES];

    assert_true(k >= 1 && k <= N_RECS);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, v[0].account, v[0].region,
                                               &seq, head, &err), 0);
    for (int j = 0; j < k; j++) {
        struct lv_audit_record *r = &v[j];

        r->seq = ++seq;
        memcpy(r->prev_hash, head, sizeof(head));
        for (int i = 0; i < LV_AUDIT_HASH_BYTES; i++) {
            r->hash[i] = (uint8_t)(head[i] * 31 + r->seq + i);
        }
        memcpy(head, r->hash, sizeof(head));
        run[j] = r;
    }
    assert_int_equal(lv_store_audit_append_batch(s, run, (size_t)k, &err),
                     0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    for (int j = 0; j < k; j++) {
        assert_true(v[j].id > 0);
        assert_int_equal(v[j].id, v[0].id);
    }
}

/* Ten records of ACCT at times 1000, 2000 … 10000 (i = 0 … 9), and two of
 * OTHER; recs[] keeps ACCT's as appended. Batched: ACCT's seq 1-3 are a
 * batch, 4 a single row, 5-8 and 9-10 batches; OTHER's one batch. */

static void fill(struct lv_store *s, struct lv_audit_record recs[N_RECS])
{
    static const int runs[] = { 3, 1, 4, 2 };
    struct lv_audit_record o[2];
    int at = 0;

    for (int i = 0; i < N_RECS; i++) {
        make(&recs[i], ACCT, i, 1000 * (i + 1));
    }
    for (int i = 0; i < 2; i++) {
        make(&o[i], OTHER, i, 1000 * (i + 1));
    }
    if (!batched) {
        for (int i = 0; i < N_RECS; i++) {
            append(s, &recs[i]);
        }
        for (int i = 0; i < 2; i++) {
            append(s, &o[i]);
        }
        return;
    }
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
        if (runs[r] == 1) {
            append(s, &recs[at]);
        } else {
            append_run(s, &recs[at], runs[r]);
        }
        at += runs[r];
    }
    assert_int_equal(at, N_RECS);
    append_run(s, o, 2);
}

static void assert_same(const struct lv_audit_record *a,
                        const struct lv_audit_record *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->account, b->account);
    assert_string_equal(a->region, b->region);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->event_time_ms, b->event_time_ms);
    assert_string_equal(a->event_id, b->event_id);
    assert_string_equal(a->request_id, b->request_id);
    assert_string_equal(a->event_source, b->event_source);
    assert_string_equal(a->event_name, b->event_name);
    assert_int_equal(a->read_only, b->read_only);
    assert_int_equal(a->key_use, b->key_use);
    assert_string_equal(a->username, b->username);
    assert_string_equal(a->access_key_id, b->access_key_id);
    assert_string_equal(a->error_code, b->error_code);
    assert_string_equal(a->event, b->event);
    if (a->trace || b->trace) {
        assert_non_null(a->trace);
        assert_non_null(b->trace);
        assert_string_equal(a->trace, b->trace);
    }
    assert_memory_equal(a->prev_hash, b->prev_hash, LV_AUDIT_HASH_BYTES);
    assert_memory_equal(a->hash, b->hash, LV_AUDIT_HASH_BYTES);
    assert_int_equal(a->n_resources, b->n_resources);
    for (int i = 0; i < a->n_resources; i++) {
        assert_string_equal(a->resources[i].type, b->resources[i].type);
        assert_string_equal(a->resources[i].name, b->resources[i].name);
    }
}

/* What a walk saw: the records' ids and seqs in order, and each record
 * compared with the one of recs at its place (seq: every walk here is of
 * ACCT's chain; batched records share their batch's id). */
struct seen {
    const struct lv_audit_record *recs;
    int n_recs;
    int n;
    int64_t ids[64];
    int64_t seqs[64];
    int stop_at;                /* return 7 on this record (1-based); 0 */
};

static int see(void *arg, const struct lv_audit_record *r)
{
    struct seen *sn = arg;

    assert_true(sn->n < 64);
    sn->ids[sn->n] = r->id;
    sn->seqs[sn->n] = r->seq;
    sn->n++;
    for (int i = 0; i < sn->n_recs; i++) {
        if (sn->recs[i].seq == r->seq) {
            assert_same(r, &sn->recs[i]);
        }
    }
    return sn->stop_at && sn->n == sn->stop_at ? 7 : 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_append_head(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record recs[N_RECS];
    struct lv_audit_record r;
    uint8_t head[LV_AUDIT_HASH_BYTES];
    uint8_t zero[LV_AUDIT_HASH_BYTES] = { 0 };
    int64_t seq = -1;

    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, ACCT, REGION, &seq, head,
                                               &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(seq, 0);
    assert_memory_equal(head, zero, sizeof(head));

    fill(s, recs);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, ACCT, REGION, &seq, head,
                                               &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(seq, N_RECS);
    assert_memory_equal(head, recs[N_RECS - 1].hash, sizeof(head));
    for (int i = 1; i < N_RECS; i++) {
        assert_int_equal(recs[i].seq, i + 1);
        assert_memory_equal(recs[i].prev_hash, recs[i - 1].hash,
                            LV_AUDIT_HASH_BYTES);
    }

    /* Rolled back: neither the record nor the head moved. */
    make(&r, ACCT, 11, 99000);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, ACCT, REGION, &seq, head,
                                               &err), 0);
    r.seq = seq + 1;
    assert_int_equal(lv_store_audit_append(s, &r, &err), 0);
    lv_store_rollback(s);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, ACCT, REGION, &seq, head,
                                               &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(seq, N_RECS);
    assert_memory_equal(head, recs[N_RECS - 1].hash, sizeof(head));

    /* A second record at the same place of a chain is refused. */
    make(&r, ACCT, 12, 99000);
    r.seq = 3;
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_append(s, &r, &err), -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    lv_store_rollback(s);
}

/* The ids a list returns, newest first. */
static int list(struct lv_store *s, enum lv_audit_attr attr,
                const char *value, int64_t start, int64_t end,
                int64_t before_time, int64_t before_seq, int limit,
                const struct lv_audit_record *recs, struct seen *sn)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_filter f = { attr, value, start, end };

    memset(sn, 0, sizeof(*sn));
    sn->recs = recs;
    sn->n_recs = N_RECS;
    return lv_store_audit_list(s, ACCT, REGION, &f, before_time, before_seq,
                               limit, see, sn, &err);
}

/* Expected: the records of recs passing pred, newest first. */
static void expect_n(const struct seen *sn,
                     const struct lv_audit_record *recs, int n_recs,
                     int (*pred)(const struct lv_audit_record *r,
                                 const void *arg),
                     const void *arg)
{
    int n = 0;

    for (int i = n_recs - 1; i >= 0; i--) {
        if (pred(&recs[i], arg)) {
            assert_true(n < sn->n);
            assert_int_equal(sn->seqs[n], recs[i].seq);
            assert_int_equal(sn->ids[n], recs[i].id);
            n++;
        }
    }
    assert_int_equal(n, sn->n);
    assert_true(n > 0);
}

#define expect(sn, recs, pred, arg) expect_n(sn, recs, N_RECS, pred, arg)

static int p_name(const struct lv_audit_record *r, const void *a)
{
    return strcmp(r->event_name, a) == 0;
}

static int p_event_id(const struct lv_audit_record *r, const void *a)
{
    return strcmp(r->event_id, a) == 0;
}

static int p_read_only(const struct lv_audit_record *r, const void *a)
{
    return r->read_only == *(const int *)a;
}

static int p_user(const struct lv_audit_record *r, const void *a)
{
    return strcmp(r->username, a) == 0;
}

static int p_source(const struct lv_audit_record *r, const void *a)
{
    return strcmp(r->event_source, a) == 0;
}

static int p_akid(const struct lv_audit_record *r, const void *a)
{
    return strcmp(r->access_key_id, a) == 0;
}

static int p_rtype(const struct lv_audit_record *r, const void *a)
{
    for (int i = 0; i < r->n_resources; i++) {
        if (strcmp(r->resources[i].type, a) == 0) {
            return 1;
        }
    }
    return 0;
}

static int p_rname(const struct lv_audit_record *r, const void *a)
{
    for (int i = 0; i < r->n_resources; i++) {
        if (strcmp(r->resources[i].name, a) == 0) {
            return 1;
        }
    }
    return 0;
}

static int p_time(const struct lv_audit_record *r, const void *a)
{
    const int64_t *range = a;

    return r->event_time_ms >= range[0] && r->event_time_ms <= range[1];
}

static int p_all(const struct lv_audit_record *r, const void *a)
{
    (void)r, (void)a;
    return 1;
}

static void test_list(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_audit_record recs[N_RECS];
    struct seen sn;
    struct seen page;
    static const int yes = 1;
    static const int no = 0;
    int64_t range[2] = { 3000, 7000 };
    int got = 0;

    fill(s, recs);
    /* All of ACCT's (not OTHER's), newest first. */
    assert_int_equal(list(s, LV_AUDIT_ATTR_NONE, NULL, 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    expect(&sn, recs, p_all, NULL);

    /* Pages of 3, each after the last of the one before. */
    for (int64_t bt = INT64_MAX, bi = INT64_MAX;;) {
        assert_int_equal(list(s, LV_AUDIT_ATTR_NONE, NULL, 0, INT64_MAX, bt,
                              bi, 3, recs, &page), 0);
        assert_true(page.n <= 3);
        for (int i = 0; i < page.n; i++) {
            assert_int_equal(page.seqs[i], sn.seqs[got + i]);
        }
        got += page.n;
        if (page.n < 3) {
            break;
        }
        bi = page.seqs[page.n - 1];
        for (int i = 0; i < N_RECS; i++) {
            if (recs[i].seq == bi) {
                bt = recs[i].event_time_ms;
            }
        }
    }
    assert_int_equal(got, N_RECS);

    /* The walk stops where fn says, with its value. */
    memset(&sn, 0, sizeof(sn));
    sn.stop_at = 2;
    {
        struct lv_err err = LV_ERR_INIT;
        struct lv_audit_filter f = { LV_AUDIT_ATTR_NONE, NULL, 0,
                                     INT64_MAX };

        assert_int_equal(lv_store_audit_list(s, ACCT, REGION, &f, INT64_MAX,
                                             INT64_MAX, 100, see, &sn, &err),
                         7);
        assert_int_equal(sn.n, 2);
    }

    /* The time range, both ends included. */
    assert_int_equal(list(s, LV_AUDIT_ATTR_NONE, NULL, 3000, 7000,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    expect(&sn, recs, p_time, range);

    /* Every lookup attribute. */
    assert_int_equal(list(s, LV_AUDIT_ATTR_EVENT_ID, recs[4].event_id, 0,
                          INT64_MAX, INT64_MAX, INT64_MAX, 100, recs, &sn),
                     0);
    expect(&sn, recs, p_event_id, recs[4].event_id);
    assert_int_equal(list(s, LV_AUDIT_ATTR_EVENT_NAME, "CreateLogGroup", 0,
                          INT64_MAX, INT64_MAX, INT64_MAX, 100, recs, &sn),
                     0);
    expect(&sn, recs, p_name, "CreateLogGroup");
    assert_int_equal(list(s, LV_AUDIT_ATTR_READ_ONLY, "true", 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    expect(&sn, recs, p_read_only, &yes);
    assert_int_equal(list(s, LV_AUDIT_ATTR_READ_ONLY, "false", 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    expect(&sn, recs, p_read_only, &no);
    assert_int_equal(list(s, LV_AUDIT_ATTR_READ_ONLY, "maybe", 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    assert_int_equal(sn.n, 0);
    assert_int_equal(list(s, LV_AUDIT_ATTR_USERNAME, "user1", 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    expect(&sn, recs, p_user, "user1");
    assert_int_equal(list(s, LV_AUDIT_ATTR_RESOURCE_TYPE,
                          "AWS::Logs::LogGroup", 0, INT64_MAX, INT64_MAX,
                          INT64_MAX, 100, recs, &sn), 0);
    expect(&sn, recs, p_rtype, "AWS::Logs::LogGroup");
    assert_int_equal(list(s, LV_AUDIT_ATTR_RESOURCE_NAME, KEY2, 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    expect(&sn, recs, p_rname, KEY2);
    assert_int_equal(list(s, LV_AUDIT_ATTR_EVENT_SOURCE, "logs.amazonaws.com",
                          0, INT64_MAX, INT64_MAX, INT64_MAX, 100, recs,
                          &sn), 0);
    expect(&sn, recs, p_source, "logs.amazonaws.com");
    assert_int_equal(list(s, LV_AUDIT_ATTR_ACCESS_KEY_ID, "AKIA2", 0,
                          INT64_MAX, INT64_MAX, INT64_MAX, 100, recs, &sn),
                     0);
    expect(&sn, recs, p_akid, "AKIA2");
    assert_int_equal(list(s, LV_AUDIT_ATTR_USERNAME, "nobody", 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    assert_int_equal(sn.n, 0);
}

/* Six records at one time (a single row between batches, or single rows
 * only): pages of 2 follow seq, newest first, across rows and batches,
 * each record once. */
static void test_list_ties(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_audit_record r[N_RECS];   /* list() compares N_RECS */
    struct seen page;
    int64_t bt = INT64_MAX;
    int64_t bs = INT64_MAX;
    int64_t want = 6;

    for (int i = 0; i < N_RECS; i++) {
        make(&r[i], ACCT, i, 5000);     /* seq 0: appended or not */
    }
    if (batched) {
        append_run(s, &r[0], 2);
        append(s, &r[2]);
        append_run(s, &r[3], 3);
    } else {
        for (int i = 0; i < 6; i++) {
            append(s, &r[i]);
        }
    }
    for (int p = 0; p < 3; p++) {
        assert_int_equal(list(s, LV_AUDIT_ATTR_NONE, NULL, 0, INT64_MAX, bt,
                              bs, 2, r, &page), 0);
        assert_int_equal(page.n, 2);
        assert_int_equal(page.seqs[0], want--);
        assert_int_equal(page.seqs[1], want--);
        bt = 5000;
        bs = page.seqs[1];
    }
    assert_int_equal(list(s, LV_AUDIT_ATTR_NONE, NULL, 0, INT64_MAX, bt, bs,
                          2, r, &page), 0);
    assert_int_equal(page.n, 0);
}

/* The records of ACCT's request req that keep a trace, into *sn (the
 * records are recs): how many. */
static int traced(struct lv_store *s, const char *req,
                  struct lv_audit_record recs[N_RECS], struct seen *sn)
{
    struct lv_err err = LV_ERR_INIT;

    memset(sn, 0, sizeof(*sn));
    sn->recs = recs;
    sn->n_recs = N_RECS;
    assert_int_equal(lv_store_audit_traces_by_request(s, ACCT, req, see, sn,
                                                      &err), 0);
    return sn->n;
}

static void test_by_request_and_last_use(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record recs[N_RECS];
    struct lv_audit_record out;
    struct lv_audit_record late;
    struct seen sn = { 0 };

    fill(s, recs);
    /* req-2 is records 4 and 5, req-4 records 8 and 9; 4 and 9 keep a
     * trace, and are the ones found (rows or batches: fill). OTHER's req-0
     * is not ACCT's req-0 (records 0, 1), and neither of those keeps a
     * trace. */
    assert_int_equal(traced(s, "req-2", recs, &sn), 1);
    assert_int_equal(sn.seqs[0], recs[4].seq);
    assert_int_equal(traced(s, "req-4", recs, &sn), 1);
    assert_int_equal(sn.seqs[0], recs[9].seq);
    assert_int_equal(traced(s, "req-0", recs, &sn), 0);
    /* A request id that is a prefix of another's matches only itself. */
    assert_int_equal(traced(s, "req-", recs, &sn), 0);
    assert_int_equal(traced(s, "nope", recs, &sn), 0);

    /* KEY1: key uses are i%3 != 0 with i odd (1, 5, 7), or i%3 == 0 (a
     * Logs record naming KEY1 but not a key use); 9 is not a key use,
     * 7 is the newest successful key use of KEY1. */
    assert_int_equal(lv_store_audit_key_last_use(s, KEY1, &out, &err), 1);
    assert_same(&out, &recs[7]);
    lv_audit_record_release(&out);
    /* KEY2: 2, 4 (failed), 8 → 8. */
    assert_int_equal(lv_store_audit_key_last_use(s, KEY2, &out, &err), 1);
    assert_same(&out, &recs[8]);
    lv_audit_record_release(&out);
    /* A newer failed use does not count. */
    make(&late, ACCT, 14, 50000);
    assert_string_equal(late.error_code, "AccessDeniedException");
    snprintf(late.resources[0].name, sizeof(late.resources[0].name), KEY2);
    append(s, &late);
    assert_int_equal(lv_store_audit_key_last_use(s, KEY2, &out, &err), 1);
    assert_int_equal(out.id, recs[8].id);
    lv_audit_record_release(&out);
    assert_int_equal(lv_store_audit_key_last_use(s, "arn:none", &out, &err),
                     0);
}

struct chain_list {
    int n;
    char names[8][96];
};

static int see_chain(void *arg, const char *account, const char *region)
{
    struct chain_list *cl = arg;

    assert_true(cl->n < 8);
    snprintf(cl->names[cl->n++], sizeof(cl->names[0]), "%s/%s", account,
             region);
    return 0;
}

static void walk(struct lv_store *s, int64_t after, int64_t *base_seq,
                 uint8_t base_hash[LV_AUDIT_HASH_BYTES],
                 const struct lv_audit_record *recs, struct seen *sn)
{
    struct lv_err err = LV_ERR_INIT;

    memset(sn, 0, sizeof(*sn));
    sn->recs = recs;
    sn->n_recs = N_RECS;
    assert_int_equal(lv_store_audit_chain_walk(s, ACCT, REGION, after,
                                               base_seq, base_hash, see, sn,
                                               &err), 0);
}

static void test_walk_and_expire(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record recs[N_RECS];
    struct lv_audit_record r;
    struct seen sn;
    struct chain_list cl = { 0 };
    uint8_t base[LV_AUDIT_HASH_BYTES];
    uint8_t head[LV_AUDIT_HASH_BYTES];
    uint8_t zero[LV_AUDIT_HASH_BYTES] = { 0 };
    int64_t base_seq = -1;
    int64_t seq;
    int64_t n = -1;

    fill(s, recs);
    walk(s, 0, &base_seq, base, recs, &sn);
    assert_int_equal(base_seq, 0);
    assert_memory_equal(base, zero, sizeof(base));
    assert_int_equal(sn.n, N_RECS);
    for (int i = 0; i < N_RECS; i++) {
        assert_int_equal(sn.seqs[i], i + 1);
        assert_int_equal(sn.ids[i], recs[i].id);
    }
    walk(s, 7, &base_seq, base, recs, &sn);
    assert_int_equal(sn.n, 3);
    assert_int_equal(sn.seqs[0], 8);

    assert_int_equal(lv_store_audit_chains(s, see_chain, &cl, &err), 0);
    assert_int_equal(cl.n, 2);
    assert_string_equal(cl.names[0], ACCT "/" REGION);
    assert_string_equal(cl.names[1], OTHER "/" REGION);

    /* Records before 4000 (seq 1 … 3 of ACCT, both of OTHER) go; the base
     * moves to seq 3. */
    assert_int_equal(lv_store_audit_expire(s, 4000, &n, &err), 0);
    assert_int_equal(n, 5);
    walk(s, 0, &base_seq, base, recs, &sn);
    assert_int_equal(base_seq, 3);
    assert_memory_equal(base, recs[2].hash, sizeof(base));
    assert_int_equal(sn.n, N_RECS - 3);
    assert_int_equal(sn.seqs[0], 4);
    /* Their resources went with them. */
    assert_int_equal(list(s, LV_AUDIT_ATTR_RESOURCE_NAME, KEY1, 0, INT64_MAX,
                          INT64_MAX, INT64_MAX, 100, recs, &sn), 0);
    expect_n(&sn, recs + 3, N_RECS - 3, p_rname, KEY1);
    assert_int_equal(lv_store_audit_expire(s, 4000, &n, &err), 0);
    assert_int_equal(n, 0);

    /* Everything expired: the head stays where it was (it is the base now)
     * and the next record follows it. */
    assert_int_equal(lv_store_audit_expire(s, INT64_MAX, &n, &err), 0);
    assert_int_equal(n, N_RECS - 3);
    walk(s, 0, &base_seq, base, recs, &sn);
    assert_int_equal(sn.n, 0);
    assert_int_equal(base_seq, N_RECS);
    assert_memory_equal(base, recs[N_RECS - 1].hash, sizeof(base));
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, ACCT, REGION, &seq, head,
                                               &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(seq, N_RECS);
    assert_memory_equal(head, base, sizeof(head));
    make(&r, ACCT, 20, 90000);
    append(s, &r);
    assert_int_equal(r.seq, N_RECS + 1);
}

struct digests {
    int n;
    struct lv_audit_digest d[4];
};

static int see_digest(void *arg, const struct lv_audit_digest *d)
{
    struct digests *ds = arg;

    assert_true(ds->n < 4);
    ds->d[ds->n++] = *d;
    return 0;
}

static void test_digests(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_digest d[2];
    struct lv_audit_digest out;
    struct digests ds = { 0 };

    assert_int_equal(lv_store_audit_digest_last(s, ACCT, REGION, &out, &err),
                     0);
    for (int i = 0; i < 2; i++) {
        memset(&d[i], 0, sizeof(d[i]));
        snprintf(d[i].account, sizeof(d[i].account), ACCT);
        snprintf(d[i].region, sizeof(d[i].region), REGION);
        d[i].start_ms = 1000 * i;
        d[i].end_ms = 1000 * i + 999;
        d[i].head_seq = 5 * (i + 1);
        memset(d[i].head_hash, 0x10 + i, LV_AUDIT_HASH_BYTES);
        memset(d[i].signature, 0x20 + i, LV_AUDIT_HASH_BYTES);
        if (i > 0) {
            memcpy(d[i].prev_signature, d[i - 1].signature,
                   LV_AUDIT_HASH_BYTES);
        }
        assert_int_equal(lv_store_audit_digest_insert(s, &d[i], &err), 0);
        assert_true(d[i].id > 0);
    }
    assert_true(d[1].id > d[0].id);
    assert_int_equal(lv_store_audit_digest_list(s, ACCT, REGION, see_digest,
                                                &ds, &err), 0);
    assert_int_equal(ds.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_memory_equal(&ds.d[i], &d[i], sizeof(d[i]));
    }
    assert_int_equal(lv_store_audit_digest_last(s, ACCT, REGION, &out, &err),
                     1);
    assert_memory_equal(&out, &d[1], sizeof(out));
    assert_int_equal(lv_store_audit_digest_last(s, OTHER, REGION, &out, &err),
                     0);
    ds.n = 0;
    assert_int_equal(lv_store_audit_digest_list(s, OTHER, REGION, see_digest,
                                                &ds, &err), 0);
    assert_int_equal(ds.n, 0);
}

/* ---- PostgreSQL: two stores on one chain ------------------------------------ */

struct racer {
    const char *spec;
    int n;
    int failures;
};

/* n appends from a store of its own; each must find the head the other
 * store left (else its seq collides and the append fails). */
static void *race(void *arg)
{
    struct racer *rc = arg;
    struct lv_store *s = lv_both_open_spec(rc->spec);

    for (int i = 0; i < rc->n; i++) {
        struct lv_err err = LV_ERR_INIT;
        struct lv_audit_record r;
        int64_t seq;
        uint8_t head[LV_AUDIT_HASH_BYTES];

        make(&r, ACCT, i, 1000 + i);
        if (lv_store_begin(s, &err) < 0) {
            rc->failures++;
            continue;
        }
        if (lv_store_audit_chain_head(s, ACCT, REGION, &seq, head,
                                      &err) < 0) {
            rc->failures++;
            lv_store_rollback(s);
            continue;
        }
        r.seq = seq + 1;
        memcpy(r.prev_hash, head, sizeof(head));
        memset(r.hash, (int)r.seq, sizeof(r.hash));
        if (lv_store_audit_append(s, &r, &err) < 0) {
            rc->failures++;
            lv_store_rollback(s);
            continue;
        }
        if (lv_store_commit(s, &err) < 0) {
            rc->failures++;
        }
    }
    lv_store_close(s);
    return NULL;
}

/* Walks a chain checking that each record follows the one before. */
struct link_check {
    int n;
    int64_t seq;
    uint8_t hash[LV_AUDIT_HASH_BYTES];
};

static int check_link(void *arg, const struct lv_audit_record *r)
{
    struct link_check *lc = arg;

    assert_int_equal(r->seq, lc->seq + 1);
    assert_memory_equal(r->prev_hash, lc->hash, LV_AUDIT_HASH_BYTES);
    lc->seq = r->seq;
    memcpy(lc->hash, r->hash, LV_AUDIT_HASH_BYTES);
    lc->n++;
    return 0;
}

static void test_pg_two_appenders(void **state)
{
    struct lv_both *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct racer rc[2];
    pthread_t t[2];
    struct link_check lc = { 0 };
    uint8_t base[LV_AUDIT_HASH_BYTES];
    int64_t base_seq;

    lv_both_store(state);
    for (int i = 0; i < 2; i++) {
        rc[i] = (struct racer){ f->spec, 40, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, race, &rc[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
    }
    assert_int_equal(rc[0].failures + rc[1].failures, 0);
    /* 80 records at seq 1 … 80, each after the one before. */
    assert_int_equal(lv_store_audit_chain_walk(f->s, ACCT, REGION, 0,
                                               &base_seq, base, check_link,
                                               &lc, &err), 0);
    assert_int_equal(lc.n, 80);
}

/* ---- main ------------------------------------------------------------------- */

#define BOTH(t)                                                              \
    cmocka_unit_test_setup_teardown(t, setup_sqlite, teardown),              \
        cmocka_unit_test_setup_teardown(t, setup_pg, teardown)

#define BATCHED(t)                                                           \
    cmocka_unit_test_setup_teardown(t, setup_sqlite_batched, teardown),      \
        cmocka_unit_test_setup_teardown(t, setup_pg_batched, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_append_head),
        BOTH(test_list),
        BOTH(test_list_ties),
        BOTH(test_by_request_and_last_use),
        BOTH(test_walk_and_expire),
        BATCHED(test_list),
        BATCHED(test_list_ties),
        BATCHED(test_by_request_and_last_use),
        BATCHED(test_walk_and_expire),
        BOTH(test_digests),
        cmocka_unit_test_setup_teardown(test_pg_two_appenders, setup_pg,
                                        teardown),
    };

    return lv_both_main(tests);
}
