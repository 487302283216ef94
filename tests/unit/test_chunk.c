/*
 * Unit tests for the Logs event chunks: the chunk format (src/logs/chunk.h)
 * — round trips, every tampered byte, every AAD field, garbage and
 * truncated payloads and frames — the chunk and data-key store functions
 * (src/store/sqlite/events.c), data keys under the service's own key
 * (src/logs/datakey.c) and the group commit without a committer thread.
 * Table-driven where cases differ only in data; each row has a name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "app.h"
#include "crypto/keyring.h"
#include "kms/kms.h"
#include "logs/logs.h"
#include "logs/chunk.h"
#include "logs/datakey.h"
#include "logs/events_int.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#include "helpers.h"

static const uint8_t key_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t key_b[32] = { 9, 9, 9 };

static struct lv_chunk_event sample[] = {
    { 1700000000000, "hello world", 11 },
    { 1700000000000, "same time, later", 16 },
    { 1700000000500, "{\"json\": true, \"n\": 1}", 22 },
    { 1700000600000, "caf\xc3\xa9 \xe2\x82\xac", 9 },
    { 1700003600000, "x", 1 },
};

static void sample_meta(struct lv_log_chunk *m)
{
    memset(m, 0, sizeof(*m));
    lv_chunk_describe(sample, N(sample), m);
    m->group_id = 7;
    m->stream_id = 11;
    m->seq = 3;
    m->ingestion_time = 1700003600123;
    m->data_key_id = 5;
}

static void seal_sample(struct lv_log_chunk *m, struct lv_buf *p)
{
    struct lv_err err = LV_ERR_INIT;

    sample_meta(m);
    assert_int_equal(lv_chunk_seal(key_a, m, sample, N(sample), p, &err), 0);
}

/* ---- chunk format ------------------------------------------------------ */

static void test_round_trip(void **state)
{
    struct lv_buf p = LV_BUF_INIT(SIZE_MAX);
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_chunk m;

    (void)state;
    seal_sample(&m, &p);
    CHECK("meta", m.n_events == 5 && m.first_ts == sample[0].ts &&
                      m.last_ts == sample[4].ts &&
                      m.raw_bytes == 11 + 16 + 22 + 9 + 1 + 5 * 26);
    CHECK("format byte", (uint8_t)p.data[0] == LV_CHUNK_FORMAT_V1);
    assert_int_equal(lv_chunk_open(key_a, &m, p.data, p.len, &out, &err), 0);
    assert_int_equal(out.n, N(sample));
    for (size_t i = 0; i < N(sample); i++) {
        CHECK("ts", out.ev[i].ts == sample[i].ts);
        CHECK("len", out.ev[i].len == sample[i].len);
        CHECK("msg", memcmp(out.ev[i].msg, sample[i].msg,
                            sample[i].len) == 0);
    }
    lv_chunk_plain_release(&out);
    lv_buf_release(&p);
}

/* Shared plaintext: every holder reads the same bytes, in any release
 * order, and the last one frees it (ASan: no leak, no double free, no use
 * after free). */
static void test_share(void **state)
{
    struct lv_chunk_plain a = LV_CHUNK_PLAIN_INIT, b = LV_CHUNK_PLAIN_INIT,
                          c = LV_CHUNK_PLAIN_INIT;

    (void)state;
    a.data = lv_xmalloc(5);
    memcpy(a.data, "hello", 5);
    a.len = 5;
    a.ev = lv_xcalloc(1, sizeof(*a.ev));
    a.ev[0].msg = a.data;
    a.ev[0].len = 5;
    a.n = 1;
    lv_chunk_plain_share(&a, &b);
    assert_ptr_equal(b.data, a.data);
    assert_ptr_equal(b.ev, a.ev);
    lv_chunk_plain_release(&a);         /* the first holder lets go */
    assert_null(a.data);
    assert_memory_equal(b.ev[0].msg, "hello", 5);
    lv_chunk_plain_share(&b, &c);       /* shared again, from a holder */
    lv_chunk_plain_release(&c);
    assert_memory_equal(b.data, "hello", 5);
    lv_chunk_plain_release(&b);         /* the last: wiped and freed */
    assert_null(b.data);
    assert_null(b.shared);
}

static void test_two_seals_differ(void **state)
{
    struct lv_buf p1 = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf p2 = LV_BUF_INIT(SIZE_MAX);
    struct lv_log_chunk m;

    (void)state;
    seal_sample(&m, &p1);
    seal_sample(&m, &p2);
    CHECK("fresh nonce", p1.len == p2.len &&
                             memcmp(p1.data, p2.data, p1.len) != 0);
    CHECK("no plaintext", memmem(p1.data, p1.len, "hello", 5) == NULL);
    lv_buf_release(&p1);
    lv_buf_release(&p2);
}

static void test_big_chunk(void **state)
{
    struct lv_chunk_event *ev = lv_xcalloc(10000, sizeof(*ev));
    struct lv_buf p = LV_BUF_INIT(SIZE_MAX);
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_chunk m;
    char msg[64];

    (void)state;
    snprintf(msg, sizeof(msg), "event number something something");
    for (int i = 0; i < 10000; i++) {
        ev[i].ts = 1700000000000 + i / 3;
        ev[i].msg = msg;
        ev[i].len = strlen(msg);
    }
    memset(&m, 0, sizeof(m));
    lv_chunk_describe(ev, 10000, &m);
    m.group_id = 1;
    m.stream_id = 1;
    assert_int_equal(lv_chunk_seal(key_a, &m, ev, 10000, &p, &err), 0);
    CHECK("compressed", p.len < 10000 * 10);
    assert_int_equal(lv_chunk_open(key_a, &m, p.data, p.len, &out, &err), 0);
    CHECK("count", out.n == 10000 && out.ev[9999].ts == ev[9999].ts);
    lv_chunk_plain_release(&out);
    lv_buf_release(&p);
    free(ev);
}

static void test_tamper_every_byte(void **state)
{
    struct lv_buf p = LV_BUF_INIT(SIZE_MAX);
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_chunk m;

    (void)state;
    seal_sample(&m, &p);
    for (size_t i = 0; i < p.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            char name[64];

            snprintf(name, sizeof(name), "byte %zu bit %d", i, bit);
            p.data[i] ^= (char)(1 << bit);
            CHECK(name, lv_chunk_open(key_a, &m, p.data, p.len, &out,
                                      &err) == -1);
            CHECK(name, out.n == 0 && out.data == NULL);
            CHECK(name, err.code == LV_E_SERVICE_UNAVAILABLE);
            p.data[i] ^= (char)(1 << bit);
        }
    }
    assert_int_equal(lv_chunk_open(key_a, &m, p.data, p.len, &out, &err), 0);
    lv_chunk_plain_release(&out);
    assert_int_equal(lv_chunk_open(key_b, &m, p.data, p.len, &out, &err),
                     -1);
    lv_buf_release(&p);
}

/* Each row changes one field of the chunk's place: the AAD must refuse. */
struct aad_case {
    const char *name;
    void (*change)(struct lv_log_chunk *m);
};

static void ch_group(struct lv_log_chunk *m) { m->group_id++; }
static void ch_stream(struct lv_log_chunk *m) { m->stream_id++; }
static void ch_seq(struct lv_log_chunk *m) { m->seq++; }
static void ch_first(struct lv_log_chunk *m) { m->first_ts--; }
static void ch_last(struct lv_log_chunk *m) { m->last_ts++; }
static void ch_ingest(struct lv_log_chunk *m) { m->ingestion_time++; }
static void ch_n(struct lv_log_chunk *m) { m->n_events--; }
static void ch_raw(struct lv_log_chunk *m) { m->raw_bytes++; }
static void ch_key(struct lv_log_chunk *m) { m->data_key_id++; }

static const struct aad_case aad_cases[] = {
    { "group id", ch_group },
    { "stream id", ch_stream },
    { "seq", ch_seq },
    { "first ts", ch_first },
    { "last ts", ch_last },
    { "ingestion time", ch_ingest },
    { "event count", ch_n },
    { "raw bytes", ch_raw },
    { "data key id", ch_key },
};

static void test_wrong_aad(void **state)
{
    struct lv_buf p = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_chunk m;

    (void)state;
    seal_sample(&m, &p);
    for (size_t i = 0; i < N(aad_cases); i++) {
        struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
        struct lv_log_chunk m2 = m;

        aad_cases[i].change(&m2);
        CHECK(aad_cases[i].name,
              lv_chunk_open(key_a, &m2, p.data, p.len, &out, &err) == -1);
        CHECK(aad_cases[i].name, out.n == 0);
    }
    lv_buf_release(&p);
}

static void test_truncated_payloads(void **state)
{
    struct lv_buf p = LV_BUF_INIT(SIZE_MAX);
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_chunk m;

    (void)state;
    seal_sample(&m, &p);
    for (size_t len = 0; len < p.len; len++) {
        char name[32];
        char *copy = lv_xmalloc(len ? len : 1);

        memcpy(copy, p.data, len);
        snprintf(name, sizeof(name), "length %zu", len);
        CHECK(name, lv_chunk_open(key_a, &m, copy, len, &out, &err) == -1);
        free(copy);
    }
    lv_buf_release(&p);
}

/* A zstd frame of `ser` (the serialization), decoded against meta. */
static int decode_ser(const void *ser, size_t len,
                      const struct lv_log_chunk *m)
{
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    size_t cap = ZSTD_compressBound(len);
    void *z = lv_xmalloc(cap);
    size_t zl = ZSTD_compress(z, cap, ser, len, 1);
    int rc;

    assert_false(ZSTD_isError(zl));
    rc = lv_chunk_decode(m, z, zl, &out, &err);
    lv_chunk_plain_release(&out);
    free(z);
    return rc;
}

struct ser_case {
    const char *name;
    const char *bytes;
    size_t len;
    int n_events;
    int64_t first, last, raw;
    int ok;
};

static const struct ser_case ser_cases[] = {
    { "one event", "\x00\x02hi", 4, 1, 100, 100, 28, 0 },
    { "two events", "\x00\x01" "a\x05\x01" "b", 6, 2, 100, 105, 54, 0 },
    { "empty input", "", 0, 1, 100, 100, 28, -1 },
    { "zero length msg", "\x00\x00", 2, 1, 100, 100, 26, -1 },
    { "length past end", "\x00\x09hi", 4, 1, 100, 100, 35, -1 },
    { "trailing bytes", "\x00\x02hiX", 5, 1, 100, 100, 28, -1 },
    { "too few events", "\x00\x02hi", 4, 2, 100, 100, 56, -1 },
    { "first ts differs", "\x01\x02hi", 4, 1, 100, 101, 28, -1 },
    { "last ts differs", "\x00\x02hi", 4, 1, 100, 101, 28, -1 },
    { "raw differs", "\x00\x02hi", 4, 1, 100, 100, 29, -1 },
    { "delta past last", "\x00\x01" "a\x09\x01" "b", 6, 2, 100, 105, 54,
      -1 },
    { "varint too long", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
      11, 1, 100, 100, 28, -1 },
    { "truncated varint", "\x80", 1, 1, 100, 100, 28, -1 },
    { "huge delta", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x01" "a",
      12, 1, 0, INT64_MAX, 27, -1 },
    { "negative meta span", "\x00\x02hi", 4, 1, 100, 50, 28, -1 },
};

static void test_decode_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(ser_cases); i++) {
        const struct ser_case *c = &ser_cases[i];
        struct lv_log_chunk m;

        memset(&m, 0, sizeof(m));
        m.n_events = c->n_events;
        m.first_ts = c->first;
        m.last_ts = c->last;
        m.raw_bytes = c->raw;
        if (c->len == 0) {
            struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
            struct lv_err err = LV_ERR_INIT;

            CHECK(c->name, lv_chunk_decode(&m, "", 0, &out, &err) == -1);
            continue;
        }
        CHECK(c->name, decode_ser(c->bytes, c->len, &m) == c->ok);
    }
}

static void test_garbage_frames(void **state)
{
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_chunk m;
    uint8_t junk[512];
    uint32_t x = 12345;

    (void)state;
    memset(&m, 0, sizeof(m));
    m.n_events = 3;
    m.first_ts = 1;
    m.last_ts = 5;
    m.raw_bytes = 1000;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % (int)sizeof(junk));

        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            junk[i] = (uint8_t)(x >> 16);
        }
        if (round & 1 && len >= 4) {
            /* zstd magic, so the frame parser goes deeper */
            junk[0] = 0x28;
            junk[1] = 0xb5;
            junk[2] = 0x2f;
            junk[3] = 0xfd;
        }
        CHECK("garbage frame", lv_chunk_decode(&m, junk, len, &out,
                                               &err) == -1);
        CHECK("garbage payload", lv_chunk_open(key_a, &m, junk, len, &out,
                                               &err) == -1);
    }
}

/* ---- store, data keys, commit ------------------------------------------ */

struct fx {
    char dir[LV_TEST_DIR_MAX];
    struct lv_store *s;
    struct lv_app app;
    uint8_t root[32];
    struct lv_log_group g;
    struct lv_log_stream st;
};

static int setup(void **state)
{
    struct fx *f = lv_xcalloc(1, sizeof(*f));
    struct lv_err err = LV_ERR_INIT;

    if (lv_test_store_open("chunk", f->dir, &f->s) < 0) {
        free(f);
        return -1;
    }
    memset(f->root, 0x42, sizeof(f->root));
    f->app.keyring = lv_keyring_new(f->root);
    f->app.store = f->s;
    f->app.logs = lv_logs_new(f->s, f->app.keyring, &lv_kms_svc_client);
    snprintf(f->g.account, sizeof(f->g.account), "123456789012");
    snprintf(f->g.region, sizeof(f->g.region), "eu-west-2");
    snprintf(f->g.name, sizeof(f->g.name), "/test/group");
    snprintf(f->g.log_group_class, sizeof(f->g.log_group_class),
             "STANDARD");
    f->g.creation_time = 1700000000000;
    assert_int_equal(lv_store_logs_group_insert(f->s, &f->g, &err), 0);
    f->st.group_id = f->g.id;
    snprintf(f->st.name, sizeof(f->st.name), "stream-1");
    f->st.creation_time = 1700000000000;
    assert_int_equal(lv_store_logs_stream_insert(f->s, &f->st, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lv_logs_free(f->app.logs);
    lv_keyring_free(f->app.keyring);
    lv_test_store_close(f->s, f->dir);
    free(f);
    return 0;
}

static void fake_req(struct fx *f, struct lv_req *rq, int64_t now_ms)
{
    memset(rq, 0, sizeof(*rq));
    snprintf(rq->id, sizeof(rq->id), "test");
    rq->now_ms = now_ms;
    rq->now = (time_t)(now_ms / 1000);
    snprintf(rq->region, sizeof(rq->region), "eu-west-2");
    snprintf(rq->who.account, sizeof(rq->who.account), "123456789012");
    rq->app = &f->app;
    rq->store = f->s;
}

struct collect {
    int64_t seqs[64];
    int n;
};

static int collect_fn(void *arg, const struct lv_log_chunk *c)
{
    struct collect *co = arg;

    co->seqs[co->n++] = c->seq;
    return 0;
}

static void test_store_chunks(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf payload = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf wrapped = LV_BUF_INIT(4096);
    struct lv_log_data_key dk;
    struct lv_log_data_key got;
    struct lv_log_group g;
    struct collect co;
    int64_t max = 0;
    int64_t n = 0;

    memset(&dk, 0, sizeof(dk));
    dk.group_id = f->g.id;
    dk.created_ms = 5;
    assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk, "wrap", 4,
                                                   &err), 0);
    assert_int_equal(lv_store_logs_data_key_get(f->s, dk.id, &got, &wrapped,
                                                &err), 1);
    CHECK("data key", got.group_id == f->g.id && wrapped.len == 4 &&
                          memcmp(wrapped.data, "wrap", 4) == 0);
    assert_int_equal(lv_store_logs_data_key_get(f->s, dk.id + 99, &got,
                                                &wrapped, &err), 0);
    assert_int_equal(lv_store_logs_chunk_max_seq(f->s, f->st.id, &max,
                                                 &err), 0);
    CHECK("no chunks", max == -1);
    /* chunks [100,200] [150,160] [300,400] */
    {
        int64_t spans[3][2] = { { 100, 200 }, { 150, 160 }, { 300, 400 } };

        for (int i = 0; i < 3; i++) {
            struct lv_log_chunk c;

            memset(&c, 0, sizeof(c));
            c.group_id = f->g.id;
            c.stream_id = f->st.id;
            c.seq = i;
            c.first_ts = spans[i][0];
            c.last_ts = spans[i][1];
            c.n_events = 1;
            c.raw_bytes = 100;
            c.data_key_id = dk.id;
            assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, "p", 1,
                                                        &err), 0);
        }
    }
    assert_int_equal(lv_store_logs_group_get_by_id(f->s, f->g.id, &g, &err),
                     1);
    CHECK("stored bytes", g.stored_bytes == 300);
    memset(&co, 0, sizeof(co));
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, f->st.id, 155,
                                                     350, 0, collect_fn, &co,
                                                     &err), 0);
    CHECK("asc overlap", co.n == 3 && co.seqs[0] == 0 && co.seqs[1] == 1 &&
                             co.seqs[2] == 2);
    memset(&co, 0, sizeof(co));
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, f->st.id, 170,
                                                     INT64_MAX, 1,
                                                     collect_fn, &co, &err),
                     0);
    CHECK("desc by last", co.n == 2 && co.seqs[0] == 2 && co.seqs[1] == 0);
    memset(&co, 0, sizeof(co));
    assert_int_equal(lv_store_logs_chunk_list_group(f->s, f->g.id, 0, 101,
                                                    collect_fn, &co, &err),
                     0);
    CHECK("group", co.n == 1 && co.seqs[0] == 0);
    assert_int_equal(lv_store_logs_chunk_payload(f->s, 1, &payload, &err),
                     1);
    CHECK("payload", payload.len == 1 && payload.data[0] == 'p');
    assert_int_equal(lv_store_logs_chunk_max_seq(f->s, f->st.id, &max,
                                                 &err), 0);
    CHECK("max seq", max == 2);
    assert_int_equal(lv_store_logs_chunk_expire(f->s, f->g.id, 250, &n,
                                                &err), 0);
    CHECK("expired", n == 2);
    assert_int_equal(lv_store_logs_group_get_by_id(f->s, f->g.id, &g, &err),
                     1);
    CHECK("stored bytes after", g.stored_bytes == 100);
    lv_buf_release(&payload);
    lv_buf_release(&wrapped);
}

static void test_service_data_keys(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_datakey_session ds;
    struct lv_req rq;
    uint8_t k1[32];
    uint8_t k2[32];
    uint8_t k3[32];
    struct lv_app other;
    int64_t id1 = 0;
    int64_t id2 = 0;
    int64_t id3 = 0;

    fake_req(f, &rq, 1700000000000);
    lv_datakey_session_init(&ds, &rq, &f->g);
    assert_int_equal(lv_datakey_for_write(&ds, 1, &id1, k1, &err), 0);
    assert_int_equal(lv_datakey_for_write(&ds, 1, &id2, k2, &err), 0);
    CHECK("reused", id1 == id2 && memcmp(k1, k2, 32) == 0);
    /* From the store, not the cache. */
    lv_datakey_cache_clear(f->app.logs->datakeys);
    assert_int_equal(lv_datakey_for_read(&ds, id1, k3, &err), 0);
    CHECK("unwrapped", memcmp(k1, k3, 32) == 0);
    /* After the reuse window a new key. */
    fake_req(f, &rq, 1700000000000 + LV_DATAKEY_REUSE_MS + 1);
    lv_datakey_session_init(&ds, &rq, &f->g);
    assert_int_equal(lv_datakey_for_write(&ds, 1, &id3, k3, &err), 0);
    CHECK("rotated", id3 != id1 && memcmp(k1, k3, 32) != 0);
    /* Another root key cannot unwrap. */
    memset(&other, 0, sizeof(other));
    other.store = f->s;
    f->root[0] ^= 1;
    other.keyring = lv_keyring_new(f->root);
    f->root[0] ^= 1;
    other.logs = lv_logs_new(f->s, other.keyring, &lv_kms_svc_client);
    rq.app = &other;
    lv_datakey_session_init(&ds, &rq, &f->g);
    CHECK("wrong root key", lv_datakey_for_read(&ds, id1, k3, &err) == -1);
    lv_logs_free(other.logs);
    lv_keyring_free(other.keyring);
}

static void test_commit_inline(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_commit_job job;
    struct lv_commit_chunk ch[2];
    struct lv_log_stream st;
    int64_t seq0 = -1;
    int64_t seq1 = -1;

    assert_int_equal(lv_store_logs_seq_reserve(f->s, f->st.id, 2, &seq0,
                                               &err), 0);
    assert_int_equal(lv_store_logs_seq_reserve(f->s, f->st.id, 1, &seq1,
                                               &err), 0);
    CHECK("seqs", seq1 == seq0 + 2);
    memset(&job, 0, sizeof(job));
    memset(ch, 0, sizeof(ch));
    {
        struct lv_log_data_key dk;

        memset(&dk, 0, sizeof(dk));
        dk.group_id = f->g.id;
        assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk, "w", 1,
                                                       &err), 0);
        for (int i = 0; i < 2; i++) {
            lv_buf_init(&ch[i].payload, SIZE_MAX);
            lv_buf_adds(&ch[i].payload, "payload");
            ch[i].meta.group_id = f->g.id;
            ch[i].meta.stream_id = f->st.id;
            ch[i].meta.seq = seq0 + i;
            ch[i].meta.first_ts = 1000 + i;
            ch[i].meta.last_ts = 1000 + i;
            ch[i].meta.n_events = 1;
            ch[i].meta.raw_bytes = 33;
            ch[i].meta.data_key_id = dk.id;
        }
    }
    job.stream_id = f->st.id;
    job.chunks = ch;
    job.n = 2;
    job.first_ts = 1000;
    job.last_ts = 1001;
    job.ingestion_time = 5000;
    job.bytes = 66;
    assert_int_equal(lv_logs_commit(f->app.logs->committer, f->s, &job,
                                    &err), 0);
    assert_int_equal(lv_store_logs_stream_get(f->s, f->g.id, "stream-1", &st,
                                              &err), 1);
    CHECK("stream", st.stored_bytes == 66 && st.next_seq == 2 &&
                        st.first_event_ts == 1000 &&
                        st.last_event_ts == 1001);
    /* The same seqs again: the unique index refuses, nothing half-written. */
    assert_int_equal(lv_logs_commit(f->app.logs->committer, f->s, &job,
                                    &err), -1);
    assert_int_equal(lv_store_logs_stream_get(f->s, f->g.id, "stream-1", &st,
                                              &err), 1);
    CHECK("unchanged", st.stored_bytes == 66 && st.next_seq == 2);
    for (int i = 0; i < 2; i++) {
        lv_buf_release(&ch[i].payload);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_two_seals_differ),
        cmocka_unit_test(test_big_chunk),
        cmocka_unit_test(test_tamper_every_byte),
        cmocka_unit_test(test_wrong_aad),
        cmocka_unit_test(test_truncated_payloads),
        cmocka_unit_test(test_decode_cases),
        cmocka_unit_test(test_garbage_frames),
        cmocka_unit_test_setup_teardown(test_store_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_data_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_commit_inline, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
