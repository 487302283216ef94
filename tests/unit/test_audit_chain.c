/*
 * test_audit_chain: audit/chain.h — the record and digest encodings
 * against known answers computed independently from chain.h's text
 * (python's hashlib/hmac), lv_audit_chain_append() inside a caller's
 * transaction (rolled back with it; committed, linked 1, 2, 3 …),
 * lv_audit_digest_make() linking digests, and lv_audit_chain_verify() on
 * a clean chain, a record rewritten with a consistent hash (found by the
 * link and the digest), the last record deleted, an expired chain, a
 * stop requested by the callback, and batches of format 1 (before the
 * writer kept enc2 bytes) read, verified and continued in format 2. On
 * the sqlite backend (the store tests cover both backends' operations).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "audit/chain.h"
#include "crypto/keyring.h"
#include "store/sqlite/sqlite_int.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCT "111111111111"
#define REGION "eu-west-2"

static char ev_decrypt[] = "{\"eventName\":\"Decrypt\"}";
static char tr_deny[] = "{\"decision\":\"deny\"}";
static char ev_plain[] = "{\"eventName\":\"Encrypt\"}";

static void hex_of(const uint8_t h[LV_AUDIT_HASH_BYTES], char out[65])
{
    lv_hex_encode(h, LV_AUDIT_HASH_BYTES, out);
    out[64] = '\0';
}

static struct lv_keyring *test_keyring(void)
{
    uint8_t root[32];

    memset(root, 0x42, sizeof(root));
    return lv_keyring_new(root);
}

/* ---- known answers ---------------------------------------------------------- */

static void test_record_hash_known_answer(void **state)
{
    struct lv_audit_record r;
    uint8_t h[LV_AUDIT_HASH_BYTES];
    char hex[65];

    (void)state;
    memset(&r, 0, sizeof(r));
    snprintf(r.account, sizeof(r.account), ACCT);
    snprintf(r.region, sizeof(r.region), REGION);
    r.seq = 7;
    r.event_time_ms = 1764900000123;
    snprintf(r.event_id, sizeof(r.event_id),
             "0f8c1a2e-1111-4222-8333-444455556666");
    snprintf(r.request_id, sizeof(r.request_id), "req-abc");
    snprintf(r.event_source, sizeof(r.event_source), "kms.amazonaws.com");
    snprintf(r.event_name, sizeof(r.event_name), "Decrypt");
    r.read_only = 1;
    r.key_use = 1;
    snprintf(r.username, sizeof(r.username), "alice");
    snprintf(r.access_key_id, sizeof(r.access_key_id), "AKIAEXAMPLE");
    snprintf(r.error_code, sizeof(r.error_code), "AccessDeniedException");
    r.n_resources = 2;
    snprintf(r.resources[0].type, sizeof(r.resources[0].type),
             "AWS::KMS::Key");
    snprintf(r.resources[0].name, sizeof(r.resources[0].name),
             "arn:aws:kms:eu-west-2:111111111111:key/k1");
    snprintf(r.resources[1].type, sizeof(r.resources[1].type),
             "AWS::Logs::LogGroup");
    snprintf(r.resources[1].name, sizeof(r.resources[1].name),
             "arn:aws:logs:eu-west-2:111111111111:log-group:g");
    r.event = ev_decrypt;
    r.trace = tr_deny;
    for (int i = 0; i < LV_AUDIT_HASH_BYTES; i++) {
        r.prev_hash[i] = (uint8_t)i;
    }
    r.id = 99;                      /* not hashed */
    memset(r.hash, 0xee, sizeof(r.hash));   /* nor this */
    lv_audit_record_hash(&r, h);
    hex_of(h, hex);
    assert_string_equal(hex, "b8dabe663f33eaff50c511838ac3aa1c"
                             "18ee1fed771a8c34a82e1a6be790b618");
    /* Without a trace. */
    r.trace = NULL;
    lv_audit_record_hash(&r, h);
    hex_of(h, hex);
    assert_string_equal(hex, "0cf13f5ca4a60972b47414b8a3255339"
                             "4e36ae147cba45e538c2e61ed0f6a56a");

    /* The same record batched (v2: over its enc2 bytes, after the
     * chain's prefix), with and without its trace. */
    r.enc2 = 1;
    r.trace = tr_deny;
    lv_audit_record_hash(&r, h);
    hex_of(h, hex);
    assert_string_equal(hex, "849809297f52de3b094f24d916166c74"
                             "958bee4b82a6554dd293a8829dd3b481");
    r.trace = NULL;
    lv_audit_record_hash(&r, h);
    hex_of(h, hex);
    assert_string_equal(hex, "7e484c4432768a93ad1d3147e196ba93"
                             "12730f169ddb25013cd4297c4b4cffb9");

    /* v3, as the writer hashes now: over prev, seq, enc2's head and T,
     * the SHA-256 of the chain's name and the tail (computed in Python
     * from chain.h's text, as the v2 answers above, which the same script
     * reproduces). */
    r.tail_hashed = 1;
    r.trace = tr_deny;
    lv_audit_record_hash(&r, h);
    hex_of(h, hex);
    assert_string_equal(hex, "54c07c311154ce3c1d454105b910d12c"
                             "aa45601acb9469ce4c97043c1d70313b");
    r.trace = NULL;
    lv_audit_record_hash(&r, h);
    hex_of(h, hex);
    assert_string_equal(hex, "c0aadb561d54cc7a903c9406324a8b48"
                             "7321887faa6626ade7e003f6af96283c");
}

static void test_digest_known_answer(void **state)
{
    struct lv_keyring *kr = test_keyring();
    struct lv_audit_digest d;
    uint8_t sig[LV_AUDIT_HASH_BYTES];
    char hex[65];

    (void)state;
    memset(&d, 0, sizeof(d));
    snprintf(d.account, sizeof(d.account), ACCT);
    snprintf(d.region, sizeof(d.region), REGION);
    d.start_ms = 1000;
    d.end_ms = 2000;
    d.head_seq = 7;
    memset(d.head_hash, 0x11, sizeof(d.head_hash));
    memset(d.prev_signature, 0x22, sizeof(d.prev_signature));
    lv_audit_digest_sign(kr, &d, sig);
    hex_of(sig, hex);
    assert_string_equal(hex, "2811b0bdd9a2c4fb61ee314b63ca1191"
                             "cfe6e8977fd81d8bcd9f328b8fb49501");
    lv_keyring_free(kr);
}

/* ---- a chain in a store ---------------------------------------------------- */

struct fx {
    char dir[LV_TEST_DIR_MAX];
    struct lv_store *s;
    struct lv_keyring *kr;
};

static int setup(void **state)
{
    struct fx *f = lv_xcalloc(1, sizeof(*f));

    if (lv_test_store_open("audit-chain", f->dir, &f->s) < 0) {
        free(f);
        return -1;
    }
    f->kr = test_keyring();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lv_keyring_free(f->kr);
    lv_test_store_close(f->s, f->dir);
    free(f);
    return 0;
}

static void make(struct lv_audit_record *r, int i)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->account, sizeof(r->account), ACCT);
    snprintf(r->region, sizeof(r->region), REGION);
    r->event_time_ms = 1000 * i;
    snprintf(r->event_id, sizeof(r->event_id), "id-%d", i);
    snprintf(r->event_source, sizeof(r->event_source), "kms.amazonaws.com");
    snprintf(r->event_name, sizeof(r->event_name), "Encrypt");
    r->event = ev_plain;
}

static void append_n(struct fx *f, int from, int to)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record r;

    for (int i = from; i <= to; i++) {
        make(&r, i);
        assert_int_equal(lv_audit_chain_append(f->s, f->kr, &r, &err), 0);
        assert_int_equal(r.seq, i);
    }
}

struct found {
    int n;
    enum lv_audit_problem p[16];
    int64_t first[16];
    int64_t last[16];
    int stop;                       /* return 5 on the first finding */
};

static int note(void *arg, const struct lv_audit_finding *fd)
{
    struct found *fo = arg;

    assert_true(fo->n < 16);
    assert_string_equal(fd->account, ACCT);
    fo->p[fo->n] = fd->problem;
    fo->first[fo->n] = fd->seq_first;
    fo->last[fo->n] = fd->seq_last;
    fo->n++;
    return fo->stop ? 5 : 0;
}

static int has(const struct found *fo, enum lv_audit_problem p,
               int64_t first, int64_t last)
{
    for (int i = 0; i < fo->n; i++) {
        if (fo->p[i] == p && fo->first[i] == first && fo->last[i] == last) {
            return 1;
        }
    }
    return 0;
}

static void verify(struct fx *f, struct found *fo,
                   struct lv_audit_verify_stats *st)
{
    struct lv_err err = LV_ERR_INIT;

    memset(fo, 0, sizeof(*fo));
    memset(st, 0, sizeof(*st));
    assert_int_equal(lv_audit_verify_all(f->s, f->kr, 0, note, fo, st,
                                         &err), 0);
    assert_int_equal(st->findings, fo->n);
}

static void exec_sql(struct fx *f, const char *sql)
{
    struct lv_err err = LV_ERR_INIT;
    sqlite3 *db = lv_sqlite_conn(lv_sqlite_of(f->s), &err);

    assert_non_null(db);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void test_append_in_transaction(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record r;
    struct found fo;
    struct lv_audit_verify_stats st;
    int64_t seq;
    uint8_t head[LV_AUDIT_HASH_BYTES];

    /* Appended in the caller's transaction: rolled back with it. */
    make(&r, 1);
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_audit_chain_append(f->s, f->kr, &r, &err), 0);
    assert_int_equal(r.seq, 1);
    lv_store_rollback(f->s);
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(f->s, ACCT, REGION, &seq,
                                               head, &err), 0);
    assert_int_equal(lv_store_commit(f->s, &err), 0);
    assert_int_equal(seq, 0);

    append_n(f, 1, 5);
    verify(f, &fo, &st);
    assert_int_equal(st.chains, 1);
    assert_int_equal(st.records, 5);
    assert_int_equal(fo.n, 0);
}

static void test_digests_link(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_digest d1;
    struct lv_audit_digest d2;
    struct found fo;
    struct lv_audit_verify_stats st;
    uint8_t zero[LV_AUDIT_HASH_BYTES] = { 0 };

    append_n(f, 1, 3);
    assert_int_equal(lv_audit_digest_make(f->s, f->kr, ACCT, REGION, 3500,
                                          &err), 0);
    assert_int_equal(lv_store_audit_digest_last(f->s, ACCT, REGION, &d1,
                                                &err), 1);
    append_n(f, 4, 6);
    assert_int_equal(lv_audit_digest_make(f->s, f->kr, ACCT, REGION, 6500,
                                          &err), 0);
    assert_int_equal(lv_store_audit_digest_last(f->s, ACCT, REGION, &d2,
                                                &err), 1);
    assert_int_equal(d1.head_seq, 3);
    assert_int_equal(d1.start_ms, 0);
    assert_int_equal(d1.end_ms, 3500);
    assert_memory_equal(d1.prev_signature, zero, sizeof(zero));
    assert_int_equal(d2.head_seq, 6);
    assert_int_equal(d2.start_ms, 3500);
    assert_memory_equal(d2.prev_signature, d1.signature,
                        LV_AUDIT_HASH_BYTES);
    verify(f, &fo, &st);
    assert_int_equal(st.digests, 2);
    assert_int_equal(fo.n, 0);

    /* Record 3 rewritten with a hash that matches its new content: its own
     * hash checks, but record 4 names the old one, and so does digest 1. */
    {
        struct lv_audit_record r;
        char hex[65];
        char *sql;

        make(&r, 3);
        r.seq = 3;
        r.event = ev_decrypt;
        /* prev_hash: record 2's hash, read back from the store. */
        exec_sql(f, "CREATE TEMP TABLE h AS SELECT hash FROM audit_records"
                    " WHERE seq = 2");
        {
            struct lv_err e2 = LV_ERR_INIT;
            sqlite3 *db = lv_sqlite_conn(lv_sqlite_of(f->s), &e2);
            sqlite3_stmt *st2;

            assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM h", -1,
                                                &st2, NULL), SQLITE_OK);
            assert_int_equal(sqlite3_step(st2), SQLITE_ROW);
            assert_int_equal(sqlite3_column_bytes(st2, 0),
                             LV_AUDIT_HASH_BYTES);
            memcpy(r.prev_hash, sqlite3_column_blob(st2, 0),
                   LV_AUDIT_HASH_BYTES);
            sqlite3_finalize(st2);
        }
        lv_audit_record_hash(&r, r.hash);
        hex_of(r.hash, hex);
        sql = lv_xasprintf("UPDATE audit_records SET event ="
                           " '{\"eventName\":\"Decrypt\"}', hash = x'%s'"
                           " WHERE seq = 3", hex);
        exec_sql(f, sql);
        free(sql);
    }
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 2);
    assert_true(has(&fo, LV_AUDIT_CHANGED, 3, 3));
    assert_true(has(&fo, LV_AUDIT_DIGEST_BROKEN, 3, 3));

    /* A stop asked by the callback ends verification with its value. */
    memset(&fo, 0, sizeof(fo));
    fo.stop = 1;
    assert_int_equal(lv_audit_verify_all(f->s, f->kr, 0, note, &fo, NULL,
                                         &err), 5);
    assert_int_equal(fo.n, 1);
}

static void test_tail_removed_and_expired(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct found fo;
    struct lv_audit_verify_stats st;
    int64_t n;

    append_n(f, 1, 2);
    assert_int_equal(lv_audit_digest_make(f->s, f->kr, ACCT, REGION, 2500,
                                          &err), 0);
    append_n(f, 3, 6);
    /* Expiry keeps the chain verifiable from its base (the digest's head
     * expired with it: nothing to compare). */
    assert_int_equal(lv_store_audit_expire(f->s, 3500, &n, &err), 0);
    assert_int_equal(n, 3);
    verify(f, &fo, &st);
    assert_int_equal(st.records, 3);
    assert_int_equal(fo.n, 0);

    /* The last two deleted underneath: removed at the chain's end. */
    exec_sql(f, "DELETE FROM audit_records WHERE seq >= 5");
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 1);
    assert_true(has(&fo, LV_AUDIT_REMOVED, 5, 6));

    /* Everything gone underneath, base included in the walk: 4 … 6. */
    exec_sql(f, "DELETE FROM audit_records");
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 1);
    assert_true(has(&fo, LV_AUDIT_REMOVED, 4, 6));
}

/* Changes the byte at `at` of the nth occurrence (1: the first) of
 * `needle` in the raw body of batch `id` to c, underneath (the body
 * decompressed, changed, compressed again and written back by SQL); the
 * occurrences counted are checked: exactly `count` (0: any, at least n). */
static void patch_bytes(struct fx *f, int64_t id, const void *needle,
                        size_t needle_len, size_t at, char c, int nth,
                        int count)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_batch b;
    uint8_t *raw;
    unsigned long long n;
    char *hit = NULL;
    char *sql;
    char *hex;
    int seen = 0;

    memset(&b, 0, sizeof(b));
    assert_int_equal(lv_store_audit_batch_body(f->s, id, &b, &err), 1);
    n = ZSTD_getFrameContentSize(b.body, b.body_len);
    raw = lv_xmalloc((size_t)n);
    assert_int_equal(ZSTD_decompress(raw, (size_t)n, b.body, b.body_len), n);
    for (char *p = (char *)raw;
         (p = memmem(p, (size_t)n - (size_t)(p - (char *)raw), needle,
                     needle_len)) != NULL;
         p++) {
        if (++seen == nth) {
            hit = p;
        }
    }
    assert_non_null(hit);
    if (count) {
        assert_int_equal(seen, count);
    }
    hit[at] = c;
    free(b.body);
    b.body = lv_xmalloc(ZSTD_compressBound((size_t)n));
    b.body_len = ZSTD_compress(b.body, ZSTD_compressBound((size_t)n), raw,
                               (size_t)n, 1);
    hex = lv_xmalloc(2 * b.body_len + 1);
    lv_hex_encode(b.body, b.body_len, hex);
    hex[2 * b.body_len] = '\0';
    sql = lv_xasprintf("UPDATE audit_batches SET body = x'%s' WHERE id = %lld",
                       hex, (long long)id);
    exec_sql(f, sql);
    free(sql);
    free(hex);
    free(raw);
    lv_audit_batch_release(&b);
}

static void patch_body_n(struct fx *f, int64_t id, const char *needle,
                         size_t at, char c, int nth, int count)
{
    patch_bytes(f, id, needle, strlen(needle), at, c, nth, count);
}

static void patch_body(struct fx *f, int64_t id, const char *needle,
                       size_t at, char c, int nth)
{
    patch_body_n(f, id, needle, at, c, nth, 0);
}

/* The raw body of batch id (free it), its length in *n. */
static uint8_t *raw_body(struct fx *f, int64_t id, size_t *n)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_batch b;
    unsigned long long len;
    uint8_t *raw;

    memset(&b, 0, sizeof(b));
    assert_int_equal(lv_store_audit_batch_body(f->s, id, &b, &err), 1);
    len = ZSTD_getFrameContentSize(b.body, b.body_len);
    raw = lv_xmalloc((size_t)len);
    assert_int_equal(ZSTD_decompress(raw, (size_t)len, b.body, b.body_len),
                     len);
    lv_audit_batch_release(&b);
    *n = (size_t)len;
    return raw;
}

/* Records' ids and times as a chain walk reads them back
 * (test_v4_heads). */
struct seen_heads {
    int n;
    char event_id[8][37];
    char request_id[8][64];
    int64_t time_ms[8];
};

static int keep_head(void *arg, const struct lv_audit_record *r)
{
    struct seen_heads *sh = arg;

    assert_true(sh->n < 8);
    assert_int_equal(r->seq, sh->n + 1);
    assert_true(r->tail_hashed);
    memcpy(sh->event_id[sh->n], r->event_id, sizeof(r->event_id));
    memcpy(sh->request_id[sh->n], r->request_id, sizeof(r->request_id));
    sh->time_ms[sh->n] = r->event_time_ms;
    sh->n++;
    return 0;
}

/* Format 4 stores a UUID id as its 16 bytes and a time as its difference
 * from the one before; every other id as text. Each reads back exactly:
 * upper case, a character short or long, a dash misplaced, empty; times
 * going back, and the extremes of int64. A byte of a stored UUID changed
 * is that record's change. */
static void test_v4_heads(void **state)
{
    static const char *const ids[6][2] = {
        { "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
          "1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d" },
        { "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9", "req-2" },
        { "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f",
          "1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d0" },
        { "0f1e2d3c_4b5a-4978-8695-a4b3c2d1e0f9", "" },
        { "ffffffff-ffff-ffff-ffff-ffffffffffff",
          "00000000-0000-0000-0000-000000000000" },
        { "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fg",
          "1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d" },
    };
    static const int64_t times[6] = {
        1700000000000, 1699999999000, 0, INT64_MAX, INT64_MIN, 1,
    };
    static const uint8_t uuid1[16] = {
        0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x49, 0x78,
        0x86, 0x95, 0xa4, 0xb3, 0xc2, 0xd1, 0xe0, 0xf9,
    };
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record recs[6];
    struct lv_audit_record *run[6];
    struct seen_heads sh;
    struct found fo;
    struct lv_audit_verify_stats st;
    uint8_t *raw;
    size_t n;

    for (int i = 0; i < 6; i++) {
        make(&recs[i], 1 + i);
        snprintf(recs[i].event_id, sizeof(recs[i].event_id), "%s",
                 ids[i][0]);
        snprintf(recs[i].request_id, sizeof(recs[i].request_id), "%s",
                 ids[i][1]);
        recs[i].event_time_ms = times[i];
        run[i] = &recs[i];
    }
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_audit_chain_append_batch(f->s, f->kr, run, 6, &err),
                     0);
    assert_int_equal(lv_store_commit(f->s, &err), 0);

    memset(&sh, 0, sizeof(sh));
    assert_int_equal(lv_store_audit_chain_walk(f->s, ACCT, REGION, 0,
                                               &(int64_t){ 0 },
                                               (uint8_t[32]){ 0 },
                                               keep_head, &sh, &err), 0);
    assert_int_equal(sh.n, 6);
    for (int i = 0; i < 6; i++) {
        assert_string_equal(sh.event_id[i], ids[i][0]);
        assert_string_equal(sh.request_id[i], ids[i][1]);
        assert_true(sh.time_ms[i] == times[i]);
    }
    verify(f, &fo, &st);
    assert_int_equal(st.records, 6);
    assert_int_equal(fo.n, 0);

    /* Format 4; the lower-case UUIDs are stored as bytes, not text (the
     * first's bytes once: the third's and the sixth's eventIDs are not
     * UUIDs), the others as text. */
    raw = raw_body(f, 1, &n);
    assert_memory_equal(raw, "lvab4", 5);
    assert_null(memmem(raw, n, ids[0][0], 36));
    assert_null(memmem(raw, n, "ffffffff-", 9));
    assert_non_null(memmem(raw, n, ids[1][0], 36));
    assert_non_null(memmem(raw, n, ids[2][0], 35));
    assert_non_null(memmem(raw, n, ids[5][0], 36));
    free(raw);

    /* A byte of the first record's eventID changed: its record only. */
    patch_bytes(f, 1, uuid1, sizeof(uuid1), 15, 0x0e, 1, 1);
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 1);
    assert_true(has(&fo, LV_AUDIT_CHANGED, 1, 1));
}

/* Format 3 keeps a run's tail once: a change to a head is its record's
 * alone; a change to the shared tail is every record's that shares it. */
static void test_v3_shared_tail(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record recs[4];
    struct lv_audit_record *run[4];
    struct found fo;
    struct lv_audit_verify_stats st;

    for (int i = 0; i < 4; i++) {
        make(&recs[i], 1 + i);      /* one tail: only the heads differ */
        run[i] = &recs[i];
    }
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_audit_chain_append_batch(f->s, f->kr, run, 4, &err),
                     0);
    assert_int_equal(lv_store_commit(f->s, &err), 0);
    verify(f, &fo, &st);
    assert_int_equal(st.records, 4);
    assert_int_equal(fo.n, 0);

    /* One head changed: that record only. The tail is kept once (the
     * event text occurs once in the body, checked by count). */
    patch_body(f, 1, "id-2", 3, '7', 1);
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 1);
    assert_true(has(&fo, LV_AUDIT_CHANGED, 2, 2));
    patch_body(f, 1, "id-7", 3, '2', 1);        /* back */
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 0);

    /* The shared tail changed: the four records that share it. */
    patch_body_n(f, 1, ev_plain, 3, 'X', 1, 1);
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 4);
    for (int i = 1; i <= 4; i++) {
        assert_true(has(&fo, LV_AUDIT_CHANGED, i, i));
    }
}

/* A chain walk's callback (test_old_batches_still_verify): 1 … 4 are
 * format 1, 5 … 7 format 2, 8 … 10 format 3, 11 … 13 format 4, 14 a
 * single row; the last one seen is kept in *arg. */
static int check_formats(void *arg, const struct lv_audit_record *r)
{
    struct lv_audit_record *last = arg;

    assert_int_equal(r->enc2, r->seq >= 5 && r->seq <= 13);
    assert_int_equal(r->tail_hashed, r->seq >= 8 && r->seq <= 13);
    last->seq = r->seq;
    return 0;
}

/* A batch of an older format, as the writer wrote it before format 4:
 * format 1 is "lvab1", then each record's enc2 followed by its prev_hash
 * and hash (v1); format 2 is "lvab2", the first prev_hash, then each
 * record's enc2 followed by its hash (v2); format 3 is "lvab3", the first
 * prev_hash, then each record's enc2 head, its tail (varint length + 1,
 * then the tail; 0 for the tail before it, as all records here have one)
 * and its hash (v3). */
static void insert_old_batch(struct fx *f, int format, int from, int to)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf raw = LV_BUF_INIT(SIZE_MAX);
    struct lv_audit_batch b;
    struct lv_audit_record r;
    int64_t seq;
    uint8_t head[LV_AUDIT_HASH_BYTES];
    size_t bound;

    memset(&b, 0, sizeof(b));
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(f->s, ACCT, REGION, &seq,
                                               head, &err), 0);
    assert_int_equal(seq, from - 1);
    assert_int_equal(lv_buf_add(&raw, format == 1   ? "lvab1"
                                      : format == 2 ? "lvab2"
                                                    : "lvab3", 5), 0);
    if (format >= 2) {
        assert_int_equal(lv_buf_add(&raw, head, sizeof(head)), 0);
    }
    snprintf(b.account, sizeof(b.account), ACCT);
    snprintf(b.region, sizeof(b.region), REGION);
    b.seq_first = from;
    b.seq_last = to;
    b.time_min = 1000 * from;
    b.time_max = 1000 * to;
    for (int i = from; i <= to; i++) {
        make(&r, i);
        r.seq = i;
        memcpy(r.prev_hash, head, sizeof(head));
        r.enc2 = format >= 2;               /* v1, v2 or v3 */
        r.tail_hashed = format == 3;
        lv_audit_record_hash(&r, r.hash);
        if (format == 3) {
            struct lv_buf enc = LV_BUF_INIT(SIZE_MAX);
            struct lv_audit_fields fl;
            size_t hl;
            uint8_t mark[2];

            lv_audit_fields_of(&r, &fl);
            hl = lv_audit_enc2_head_size(r.event_time_ms, &fl.event_id,
                                         &fl.request_id);
            assert_int_equal(lv_audit_enc2_of(&r, &enc), 0);
            assert_true(enc.len - hl + 1 < 128);    /* a one-byte varint */
            mark[0] = (uint8_t)(i == from ? enc.len - hl + 1 : 0);
            assert_int_equal(lv_buf_add(&raw, enc.data, hl), 0);
            assert_int_equal(lv_buf_add(&raw, mark, 1), 0);
            if (i == from) {
                assert_int_equal(lv_buf_add(&raw, enc.data + hl,
                                            enc.len - hl), 0);
            }
            lv_buf_release(&enc);
        } else {
            assert_int_equal(lv_audit_enc2_of(&r, &raw), 0);
        }
        if (format == 1) {
            assert_int_equal(lv_buf_add(&raw, r.prev_hash, sizeof(head)),
                             0);
        }
        assert_int_equal(lv_buf_add(&raw, r.hash, sizeof(head)), 0);
        memcpy(head, r.hash, sizeof(head));
    }
    memcpy(b.last_hash, head, sizeof(head));
    b.attrs = lv_xstrdup("\nN:Encrypt\n");
    b.ids = lv_xstrdup("\n");
    bound = ZSTD_compressBound(raw.len);
    b.body = lv_xmalloc(bound);
    b.body_len = ZSTD_compress(b.body, bound, raw.data, raw.len, 1);
    assert_false(ZSTD_isError(b.body_len));
    assert_int_equal(lv_store_audit_batch_insert(f->s, &b, &err), 0);
    assert_int_equal(lv_store_commit(f->s, &err), 0);
    lv_audit_batch_release(&b);
    lv_buf_release(&raw);
}

/* Batches written before format 4 still read and verify, and a chain goes
 * on from them in format 4 (v3 hashes after v3, v2 and v1 ones). */
static void test_old_batches_still_verify(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record recs[3];
    struct lv_audit_record *run[3];
    struct lv_audit_record last;
    struct found fo;
    struct lv_audit_verify_stats st;

    insert_old_batch(f, 1, 1, 4);
    verify(f, &fo, &st);
    assert_int_equal(st.records, 4);
    assert_int_equal(fo.n, 0);
    insert_old_batch(f, 2, 5, 7);
    verify(f, &fo, &st);
    assert_int_equal(st.records, 7);
    assert_int_equal(fo.n, 0);
    insert_old_batch(f, 3, 8, 10);
    verify(f, &fo, &st);
    assert_int_equal(st.records, 10);
    assert_int_equal(fo.n, 0);

    for (int i = 0; i < 3; i++) {
        make(&recs[i], 11 + i);
        run[i] = &recs[i];
    }
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_audit_chain_append_batch(f->s, f->kr, run, 3, &err),
                     0);
    assert_int_equal(lv_store_commit(f->s, &err), 0);
    assert_int_equal(recs[0].seq, 11);
    assert_int_equal(recs[2].seq, 13);
    append_n(f, 14, 14);
    verify(f, &fo, &st);
    assert_int_equal(st.records, 14);
    assert_int_equal(fo.n, 0);

    /* Each record reads back with its format (check_formats). */
    memset(&last, 0, sizeof(last));
    assert_int_equal(lv_store_audit_chain_walk(f->s, ACCT, REGION, 0,
                                               &(int64_t){ 0 },
                                               (uint8_t[32]){ 0 },
                                               check_formats, &last, &err),
                     0);
    assert_int_equal(last.seq, 14);

    /* A v1 record's text changed underneath, and a v3 record's head:
     * each reported as changed. */
    patch_body(f, 1, "id-3", 3, '9', 1);
    patch_body(f, 3, "id-9", 3, '7', 1);
    verify(f, &fo, &st);
    assert_int_equal(fo.n, 2);
    assert_true(has(&fo, LV_AUDIT_CHANGED, 3, 3));
    assert_true(has(&fo, LV_AUDIT_CHANGED, 9, 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_hash_known_answer),
        cmocka_unit_test(test_digest_known_answer),
        cmocka_unit_test_setup_teardown(test_append_in_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_digests_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_removed_and_expired, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_v4_heads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v3_shared_tail, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_old_batches_still_verify, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
