/*
 * Unit tests for the Logs half of the PostgreSQL backend
 * (src/store/postgres/logs.c, events.c, metric.c): groups, streams, tags,
 * data keys and chunks round trip; chunk lists in their orders both ways
 * across several batches; and what only several processes can break —
 * chunk sequence numbers reserved through two stores on one database never
 * overlap, and the metric filter maximum and the tag count hold when two
 * stores write the same group at once.
 *
 * Needs a PostgreSQL server: LV_PG_ADMIN_URI, a libpq URI or conninfo
 * string of a role that may create databases (e.g.
 * "postgresql:///postgres?host=/tmp/pg&port=54402&user=postgres"). Each
 * test creates a database of its own and drops it after. Without
 * LV_PG_ADMIN_URI the binary says so and exits 77 (skipped).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store/logs_store.h"
#include "store/postgres/pg_int.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCT "111111111111"
#define REGION "eu-west-2"

int lv_pg_logs_seq_reserve(void *impl, int64_t stream_id, int n,
                           int64_t *first, struct lv_err *err);

/* ---- fixture: a database of our own -------------------------------------- */

struct fx {
    PGconn *admin;
    char db[64];
    char *spec;             /* the admin conninfo with dbname = db */
    struct lv_store *s;
};

/* Appends key='value' (quoted as libpq wants) to b. */
static void conninfo_add(struct lv_buf *b, const char *key, const char *val)
{
    lv_buf_add(b, key, strlen(key));
    lv_buf_add(b, "='", 2);
    for (const char *c = val; *c; c++) {
        if (*c == '\'' || *c == '\\') {
            lv_buf_add(b, "\\", 1);
        }
        lv_buf_add(b, c, 1);
    }
    lv_buf_add(b, "' ", 2);
}

/* The conninfo of `uri` with its dbname replaced by db. */
static char *spec_for(const char *uri, const char *db)
{
    PQconninfoOption *opts = PQconninfoParse(uri, NULL);
    struct lv_buf b = LV_BUF_INIT(1 << 16);
    size_t len;

    assert_non_null(opts);
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (o->val && strcmp(o->keyword, "dbname") != 0) {
            conninfo_add(&b, o->keyword, o->val);
        }
    }
    conninfo_add(&b, "dbname", db);
    PQconninfoFree(opts);
    return lv_buf_detach(&b, &len);
}

static void admin_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);

    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    }
    PQclear(r);
}

static struct lv_store *open_store(const struct fx *f)
{
    struct lv_store_config cfg = { f->spec, NULL };
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = lv_store_open(&cfg, &err);

    if (!s) {
        fail_msg("lv_store_open: %s", err.msg);
    }
    return s;
}

static int setup(void **state)
{
    static int serial;
    struct fx *f = lv_xcalloc(1, sizeof(*f));
    const char *uri = getenv("LV_PG_ADMIN_URI");
    char sql[128];

    lv_log_level = LV_LOG_WARN;
    f->admin = PQconnectdb(uri);
    if (PQstatus(f->admin) != CONNECTION_OK) {
        print_error("cannot connect to LV_PG_ADMIN_URI: %s\n",
                    PQerrorMessage(f->admin));
        PQfinish(f->admin);
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof(f->db), "lv_test_pg_logs_%ld_%d", (long)getpid(),
             ++serial);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->db);
    admin_exec(f->admin, sql);
    f->spec = spec_for(uri, f->db);
    f->s = open_store(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char sql[160];

    lv_store_close(f->s);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             f->db);
    admin_exec(f->admin, sql);
    PQfinish(f->admin);
    free(f->spec);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static int64_t add_group(struct lv_store *s, const char *name)
{
    struct lv_log_group g;
    struct lv_err err = LV_ERR_INIT;

    memset(&g, 0, sizeof(g));
    snprintf(g.account, sizeof(g.account), ACCT);
    snprintf(g.region, sizeof(g.region), REGION);
    snprintf(g.name, sizeof(g.name), "%s", name);
    g.creation_time = 1700000000123;
    assert_int_equal(lv_store_logs_group_insert(s, &g, &err), 0);
    assert_true(g.id > 0);
    return g.id;
}

static int64_t add_stream(struct lv_store *s, int64_t group_id,
                          const char *name)
{
    struct lv_log_stream st;
    struct lv_err err = LV_ERR_INIT;

    memset(&st, 0, sizeof(st));
    st.group_id = group_id;
    snprintf(st.name, sizeof(st.name), "%s", name);
    st.creation_time = 1700000000456;
    assert_int_equal(lv_store_logs_stream_insert(s, &st, &err), 0);
    assert_true(st.id > 0);
    return st.id;
}

/* Names seen by a walk, joined with ",". */
struct names {
    char buf[4096];
};

static void names_add(struct names *n, const char *name)
{
    size_t len = strlen(n->buf);

    snprintf(n->buf + len, sizeof(n->buf) - len, "%s%s", len ? "," : "",
             name);
}

static int on_group(void *arg, const struct lv_log_group *g)
{
    names_add(arg, g->name);
    return 0;
}

static int on_stream(void *arg, const struct lv_log_stream *st)
{
    names_add(arg, st->name);
    return 0;
}

static int on_tag(void *arg, const char *key, const char *value)
{
    char kv[1200];

    snprintf(kv, sizeof(kv), "%s=%s", key, value);
    names_add(arg, kv);
    return 0;
}

/* ---- groups, streams, tags ---------------------------------------------- */

struct list_case {
    const char *name;
    const char *prefix;
    const char *after;
    int limit;
    const char *want;
};

static void test_groups(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_group g, dup;
    /* Byte order (COLLATE "C"): "B" < "a" < "caf\xc3\xa9" (é) < "café2" <
     * "caf\xef\xbf\xbf" (U+FFFF) < "caf\xf4\x8f\xbf\xbf" (U+10FFFF) <
     * "cag". */
    static const char *const names[] = {
        "cag", "a", "caf\xf4\x8f\xbf\xbf", "B", "caf\xc3\xa9",
        "caf\xef\xbf\xbf", "caf\xc3\xa9" "2", "caf\xf4\x8f\xbf\xbfz",
    };
    static const struct list_case cases[] = {
        { "all", "", "", 0,
          "B,a,caf\xc3\xa9,caf\xc3\xa9" "2,caf\xef\xbf\xbf,"
          "caf\xf4\x8f\xbf\xbf,caf\xf4\x8f\xbf\xbfz,cag" },
        { "prefix caf", "caf", "", 0,
          "caf\xc3\xa9,caf\xc3\xa9" "2,caf\xef\xbf\xbf,"
          "caf\xf4\x8f\xbf\xbf,caf\xf4\x8f\xbf\xbfz" },
        { "prefix with a 2-byte last char", "caf\xc3\xa9", "", 0,
          "caf\xc3\xa9,caf\xc3\xa9" "2" },
        { "prefix ending in U+FFFF", "caf\xef\xbf\xbf", "", 0,
          "caf\xef\xbf\xbf" },
        { "prefix ending in U+10FFFF", "caf\xf4\x8f\xbf\xbf", "", 0,
          "caf\xf4\x8f\xbf\xbf,caf\xf4\x8f\xbf\xbfz" },
        { "prefix none match", "zz", "", 0, "" },
        { "after", "", "caf\xc3\xa9", 0,
          "caf\xc3\xa9" "2,caf\xef\xbf\xbf,caf\xf4\x8f\xbf\xbf,"
          "caf\xf4\x8f\xbf\xbfz,cag" },
        { "prefix, after, limit", "caf", "caf\xc3\xa9", 2,
          "caf\xc3\xa9" "2,caf\xef\xbf\xbf" },
    };
    int64_t id;

    for (size_t i = 0; i < N(names); i++) {
        add_group(f->s, names[i]);
    }
    for (size_t i = 0; i < N(cases); i++) {
        struct names got = { { 0 } };

        assert_int_equal(lv_store_logs_group_list(f->s, ACCT, REGION,
                                                  cases[i].prefix,
                                                  cases[i].after,
                                                  cases[i].limit, on_group,
                                                  &got, &err), 0);
        if (strcmp(got.buf, cases[i].want) != 0) {
            fail_msg("%s: got %s want %s", cases[i].name, got.buf,
                     cases[i].want);
        }
    }

    /* get, an existing name, the setters, deletion protection. */
    memset(&g, 0, sizeof(g));
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT, REGION, "a", &g,
                                             &err), 1);
    assert_string_equal(g.log_group_class, "STANDARD");
    assert_int_equal(g.creation_time, 1700000000123);
    id = g.id;
    dup = g;
    assert_int_equal(lv_store_logs_group_insert(f->s, &dup, &err), 1);
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT, "other", "a", &g,
                                             &err), 0);
    assert_int_equal(lv_store_logs_group_set_retention(f->s, id, 7, &err),
                     1);
    assert_int_equal(lv_store_logs_group_set_kms_key(f->s, id, "arn:k",
                                                     &err), 1);
    assert_int_equal(lv_store_logs_group_set_deletion_protection(f->s, id, 1,
                                                                 &err), 1);
    assert_int_equal(lv_store_logs_group_set_retention(f->s, 999999, 7,
                                                       &err), 0);
    assert_int_equal(lv_store_logs_group_get_by_id(f->s, id, &g, &err), 1);
    assert_int_equal(g.retention_days, 7);
    assert_string_equal(g.kms_key_arn, "arn:k");
    assert_int_equal(g.deletion_protection, 1);
    {
        struct names got = { { 0 } };

        assert_int_equal(lv_store_logs_group_list_retained(f->s, on_group,
                                                           &got, &err), 0);
        assert_string_equal(got.buf, "a");
    }
    assert_int_equal(lv_store_logs_group_delete_unprotected(f->s, id, &err),
                     2);
    assert_int_equal(lv_store_logs_group_set_deletion_protection(f->s, id, 0,
                                                                 &err), 1);
    assert_int_equal(lv_store_logs_group_delete_unprotected(f->s, id, &err),
                     1);
    assert_int_equal(lv_store_logs_group_delete_unprotected(f->s, id, &err),
                     0);
    /* Never handed out again. */
    assert_true(add_group(f->s, "a") > id);
}

static void test_streams_and_tags(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_stream st;
    struct lv_log_group g;
    struct names got = { { 0 } };
    int64_t gid = add_group(f->s, "g");
    int64_t a, b, c;
    int n = -1;

    a = add_stream(f->s, gid, "s-a");
    b = add_stream(f->s, gid, "s-b");
    c = add_stream(f->s, gid, "t-c");
    memset(&st, 0, sizeof(st));
    st.group_id = gid;
    snprintf(st.name, sizeof(st.name), "s-a");
    assert_int_equal(lv_store_logs_stream_insert(f->s, &st, &err), 1);
    st.group_id = 999999;
    assert_int_equal(lv_store_logs_stream_insert(f->s, &st, &err), -1);
    assert_int_equal(err.code, LV_E_RESOURCE_NOT_FOUND);

    assert_int_equal(lv_store_logs_stream_list(f->s, gid, "s-", "", 0,
                                               on_stream, &got, &err), 0);
    assert_string_equal(got.buf, "s-a,s-b");
    memset(&got, 0, sizeof(got));
    assert_int_equal(lv_store_logs_stream_list(f->s, gid, "", "s-a", 1,
                                               on_stream, &got, &err), 0);
    assert_string_equal(got.buf, "s-b");

    /* note_append widens, sets and adds. */
    assert_int_equal(lv_store_logs_stream_note_append(f->s, b, 500, 900,
                                                      1000, 40, 2, &err), 0);
    assert_int_equal(lv_store_logs_stream_note_append(f->s, b, 300, 800,
                                                      1100, 2, 1, &err), 0);
    assert_int_equal(lv_store_logs_stream_note_append(f->s, c, 100, 900,
                                                      1000, 1, 1, &err), 0);
    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s-b", &st, &err),
                     1);
    assert_int_equal(st.first_event_ts, 300);
    assert_int_equal(st.last_event_ts, 900);
    assert_int_equal(st.last_ingestion_time, 1100);
    assert_int_equal(st.stored_bytes, 42);
    assert_int_equal(st.next_seq, 3);

    /* by time: (last_event_ts, name) both ways: a 0, b 900, c 900. */
    memset(&got, 0, sizeof(got));
    assert_int_equal(lv_store_logs_stream_list_by_time(f->s, gid, 0,
                                                       on_stream, &got,
                                                       &err), 0);
    assert_string_equal(got.buf, "s-a,s-b,t-c");
    memset(&got, 0, sizeof(got));
    assert_int_equal(lv_store_logs_stream_list_by_time(f->s, gid, 1,
                                                       on_stream, &got,
                                                       &err), 0);
    assert_string_equal(got.buf, "t-c,s-b,s-a");

    /* Deleting a stream takes its bytes off the group's. */
    assert_int_equal(lv_store_logs_group_get_by_id(f->s, gid, &g, &err), 1);
    assert_int_equal(g.stored_bytes, 0);
    assert_int_equal(lv_store_logs_stream_delete(f->s, a, &err), 0);
    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s-a", &st, &err),
                     0);

    /* tags */
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "k2", "v2", &err), 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "K1", "v1", &err), 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "k2", "v3", &err), 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, 999999, "k", "v", &err),
                     -1);
    assert_int_equal(err.code, LV_E_RESOURCE_NOT_FOUND);
    memset(&got, 0, sizeof(got));
    assert_int_equal(lv_store_logs_tag_list(f->s, gid, on_tag, &got, &err),
                     0);
    assert_string_equal(got.buf, "K1=v1,k2=v3");
    assert_int_equal(lv_store_logs_tag_count(f->s, gid, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(lv_store_logs_tag_delete(f->s, gid, "K1", &err), 0);
    assert_int_equal(lv_store_logs_tag_count(f->s, gid, &n, &err), 0);
    assert_int_equal(n, 1);
}

/* ---- chunks -------------------------------------------------------------- */

/* More chunks than one batch of a walk (LV_PG_WALK_BATCH), with ties in
 * first_ts and in last_ts so that the keyset's second column decides. */
#define N_CHUNKS 600

struct seen {
    int n;
    struct lv_log_chunk c[N_CHUNKS];
};

static int on_chunk(void *arg, const struct lv_log_chunk *c)
{
    struct seen *s = arg;

    assert_true(s->n < N_CHUNKS);
    s->c[s->n++] = *c;
    return 0;
}

static int stop_at_3(void *arg, const struct lv_log_chunk *c)
{
    struct seen *s = arg;

    s->c[s->n++] = *c;
    return s->n == 3 ? 42 : 0;
}

/* Chunk i of the stream: seq i, first_ts 1000 + 10 * (i / 3), last_ts
 * first_ts + 5 * ((i * 7) % 4): three chunks share each first_ts, and
 * last_ts orders them otherwise. */
static void chunk_of(int i, struct lv_log_chunk *c)
{
    memset(c, 0, sizeof(*c));
    c->seq = i;
    c->first_ts = 1000 + 10 * (i / 3);
    c->last_ts = c->first_ts + 5 * ((i * 7) % 4);
    c->ingestion_time = 5000;
    c->n_events = 1 + i % 5;
    c->raw_bytes = 100 + i;
}

static int cmp_asc(const struct lv_log_chunk *a, const struct lv_log_chunk *b)
{
    if (a->first_ts != b->first_ts) {
        return a->first_ts < b->first_ts ? -1 : 1;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_desc(const struct lv_log_chunk *a,
                    const struct lv_log_chunk *b)
{
    if (a->last_ts != b->last_ts) {
        return a->last_ts > b->last_ts ? -1 : 1;
    }
    return a->seq > b->seq ? -1 : a->seq < b->seq;
}

static void test_chunks(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_data_key dk, dk2;
    struct lv_buf buf = LV_BUF_INIT(1 << 20);
    struct lv_log_group g;
    struct lv_log_stream st;
    struct seen *seen = lv_xcalloc(1, sizeof(*seen));
    unsigned char wrapped[300];
    unsigned char payload[256];
    int64_t gid = add_group(f->s, "g");
    int64_t sid = add_stream(f->s, gid, "s");
    int64_t sid2 = add_stream(f->s, gid, "s2");
    int64_t ids[N_CHUNKS];
    int64_t max = 0;
    int64_t total = 0;
    int64_t n = 0;

    for (size_t i = 0; i < sizeof(wrapped); i++) {
        wrapped[i] = (unsigned char)(i * 31);
    }
    for (size_t i = 0; i < sizeof(payload); i++) {
        payload[i] = (unsigned char)i;      /* every byte value, NUL too */
    }
    memset(&dk, 0, sizeof(dk));
    dk.group_id = gid;
    snprintf(dk.kms_key_arn, sizeof(dk.kms_key_arn), "arn:aws:kms:k");
    dk.created_ms = 77;
    assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk, wrapped,
                                                   sizeof(wrapped), &err), 0);
    assert_int_equal(lv_store_logs_data_key_get(f->s, dk.id, &dk2, &buf,
                                                &err), 1);
    assert_int_equal(dk2.group_id, gid);
    assert_string_equal(dk2.kms_key_arn, "arn:aws:kms:k");
    assert_int_equal(dk2.created_ms, 77);
    assert_int_equal(buf.len, sizeof(wrapped));
    assert_memory_equal(buf.data, wrapped, sizeof(wrapped));
    assert_int_equal(lv_store_logs_data_key_get(f->s, dk.id + 1000, &dk2,
                                                &buf, &err), 0);
    dk2 = dk;
    dk2.group_id = 999999;
    assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk2, wrapped, 1,
                                                   &err), -1);
    assert_int_equal(err.code, LV_E_RESOURCE_NOT_FOUND);

    assert_int_equal(lv_store_logs_chunk_max_seq(f->s, sid, &max, &err), 0);
    assert_int_equal(max, -1);
    /* Inserted in a shuffled order: k * 7 mod 601 (a prime) runs over
     * 1..600 once each as k does; in one transaction of the caller, which
     * each insert's own nested level joins. */
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    for (int k = 1; k <= N_CHUNKS; k++) {
        int i = (int)(((int64_t)k * 7) % (N_CHUNKS + 1)) - 1;
        struct lv_log_chunk c;

        chunk_of(i, &c);
        c.group_id = gid;
        c.stream_id = sid;
        c.data_key_id = dk.id;
        payload[0] = (unsigned char)i;
        assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, payload,
                                                    sizeof(payload), &err),
                         0);
        ids[i] = c.id;
        total += c.raw_bytes;
    }
    assert_int_equal(lv_store_commit(f->s, &err), 0);
    assert_int_equal(lv_store_logs_chunk_max_seq(f->s, sid, &max, &err), 0);
    assert_int_equal(max, N_CHUNKS - 1);
    assert_int_equal(lv_store_logs_group_get_by_id(f->s, gid, &g, &err), 1);
    assert_int_equal(g.stored_bytes, total);

    /* Payloads come back byte for byte. */
    assert_int_equal(lv_store_logs_chunk_payload(f->s, ids[17], &buf, &err),
                     1);
    payload[0] = 17;
    assert_int_equal(buf.len, sizeof(payload));
    assert_memory_equal(buf.data, payload, sizeof(payload));

    /* Ascending over everything: (first_ts, seq). */
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, sid, 0, INT64_MAX,
                                                     0, on_chunk, seen,
                                                     &err), 0);
    assert_int_equal(seen->n, N_CHUNKS);
    for (int i = 1; i < seen->n; i++) {
        assert_true(cmp_asc(&seen->c[i - 1], &seen->c[i]) < 0);
    }
    assert_int_equal(seen->c[5].id, ids[seen->c[5].seq]);
    assert_int_equal(seen->c[5].raw_bytes, 100 + seen->c[5].seq);
    assert_int_equal(seen->c[5].data_key_id, dk.id);
    assert_int_equal(seen->c[5].stream_id, sid);
    /* Descending: (last_ts, seq) from the newest. */
    seen->n = 0;
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, sid, 0, INT64_MAX,
                                                     1, on_chunk, seen,
                                                     &err), 0);
    assert_int_equal(seen->n, N_CHUNKS);
    for (int i = 1; i < seen->n; i++) {
        assert_true(cmp_desc(&seen->c[i - 1], &seen->c[i]) < 0);
    }
    /* A window [1500, 1600): chunks with first_ts < 1600 and last_ts >=
     * 1500, both ways. */
    for (int desc = 0; desc <= 1; desc++) {
        int want = 0;

        for (int i = 0; i < N_CHUNKS; i++) {
            struct lv_log_chunk c;

            chunk_of(i, &c);
            want += c.first_ts < 1600 && c.last_ts >= 1500;
        }
        seen->n = 0;
        assert_int_equal(lv_store_logs_chunk_list_stream(f->s, sid, 1500,
                                                         1600, desc,
                                                         on_chunk, seen,
                                                         &err), 0);
        assert_int_equal(seen->n, want);
        for (int i = 0; i < seen->n; i++) {
            assert_true(seen->c[i].first_ts < 1600 &&
                        seen->c[i].last_ts >= 1500);
        }
    }
    /* A callback's non-zero return stops the walk and is returned. */
    seen->n = 0;
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, sid, 0, INT64_MAX,
                                                     0, stop_at_3, seen,
                                                     &err), 42);
    assert_int_equal(seen->n, 3);
    /* The group's list: (first_ts, id). */
    seen->n = 0;
    assert_int_equal(lv_store_logs_chunk_list_group(f->s, gid, 0, INT64_MAX,
                                                    on_chunk, seen, &err),
                     0);
    assert_int_equal(seen->n, N_CHUNKS);
    for (int i = 1; i < seen->n; i++) {
        assert_true(seen->c[i - 1].first_ts < seen->c[i].first_ts ||
                    (seen->c[i - 1].first_ts == seen->c[i].first_ts &&
                     seen->c[i - 1].id < seen->c[i].id));
    }

    /* A stream that is gone: not found, nothing written. */
    {
        struct lv_log_chunk c;

        assert_int_equal(lv_store_logs_stream_delete(f->s, sid2, &err), 0);
        chunk_of(0, &c);
        c.group_id = gid;
        c.stream_id = sid2;
        c.data_key_id = dk.id;
        assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, payload, 1,
                                                    &err), -1);
        assert_int_equal(err.code, LV_E_RESOURCE_NOT_FOUND);
        assert_string_equal(err.msg,
                            "The specified log stream does not exist.");
        assert_int_equal(lv_store_logs_group_get_by_id(f->s, gid, &g, &err),
                         1);
        assert_int_equal(g.stored_bytes, total);
    }

    /* Expiry: chunks with last_ts < 1100 (first_ts 1000..1090 at least),
     * their bytes off the group and the stream. */
    assert_int_equal(lv_store_logs_stream_note_append(f->s, sid, 1000, 3000,
                                                      5000, total, N_CHUNKS,
                                                      &err), 0);
    {
        int64_t want = 0, bytes = 0;

        for (int i = 0; i < N_CHUNKS; i++) {
            struct lv_log_chunk c;

            chunk_of(i, &c);
            if (c.last_ts < 1100) {
                want++;
                bytes += c.raw_bytes;
            }
        }
        assert_true(want > 0);
        assert_int_equal(lv_store_logs_chunk_expire(f->s, gid, 1100, &n,
                                                    &err), 0);
        assert_int_equal(n, want);
        assert_int_equal(lv_store_logs_group_get_by_id(f->s, gid, &g, &err),
                         1);
        assert_int_equal(g.stored_bytes, total - bytes);
        assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s", &st, &err),
                         1);
        assert_int_equal(st.stored_bytes, total - bytes);
        assert_int_equal(lv_store_logs_chunk_payload(f->s, ids[0], &buf,
                                                     &err), 0);
    }
    /* group_expire: no retention, nothing; 1 day at now = 1 day + 2000
     * expires everything with last_ts < 2000. */
    assert_int_equal(lv_store_logs_group_expire(f->s, gid, 86400000 + 2000,
                                                &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(lv_store_logs_group_set_retention(f->s, gid, 1, &err),
                     1);
    assert_int_equal(lv_store_logs_group_expire(f->s, gid, 86400000 + 2000,
                                                &n, &err), 0);
    assert_true(n > 0);
    seen->n = 0;
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, sid, 0, INT64_MAX,
                                                     0, on_chunk, seen,
                                                     &err), 0);
    for (int i = 0; i < seen->n; i++) {
        assert_true(seen->c[i].last_ts >= 2000);
    }
    assert_int_equal(lv_store_logs_group_expire(f->s, 999999, 5, &n, &err),
                     0);
    assert_int_equal(n, 0);

    /* The group goes with everything it holds. */
    assert_int_equal(lv_store_logs_group_delete(f->s, gid, &err), 0);
    assert_int_equal(lv_store_logs_chunk_payload(f->s, ids[N_CHUNKS - 1],
                                                 &buf, &err), 0);
    assert_int_equal(lv_store_logs_data_key_get(f->s, dk.id, &dk2, &buf,
                                                &err), 0);
    lv_buf_release(&buf);
    free(seen);
}

/* ---- chunk sequence numbers from two stores ------------------------------ */

#define RESERVERS 4
#define RESERVES 600

struct reserver {
    struct lv_store *s;
    int64_t stream_id;
    int idx;
    int rc;
    int64_t first[RESERVES];
    int n[RESERVES];
};

static void *reserve_many(void *arg)
{
    struct reserver *r = arg;
    struct lv_err err = LV_ERR_INIT;

    for (int i = 0; i < RESERVES; i++) {
        /* Mostly small, now and then more than a block. */
        r->n[i] = i % 97 == r->idx ? 1500 : 1 + (i + r->idx) % 5;
        if (lv_pg_logs_seq_reserve(lv_pg_of(r->s), r->stream_id, r->n[i],
                                   &r->first[i], &err) < 0) {
            r->rc = -1;
            break;
        }
    }
    return NULL;
}

struct range {
    int64_t lo, hi;     /* [lo, hi) */
};

static int cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void test_seq_reserve_two_stores(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s2 = open_store(f);
    struct reserver *r = lv_xcalloc(RESERVERS, sizeof(*r));
    struct range *all = lv_xcalloc(RESERVERS * RESERVES, sizeof(*all));
    pthread_t th[RESERVERS];
    struct lv_log_chunk c;
    struct lv_log_data_key dk;
    int64_t gid = add_group(f->s, "g");
    int64_t sid = add_stream(f->s, gid, "s");
    int64_t first = 0;
    size_t m = 0;

    /* A chunk stored at seq 5000 by other means: every number handed out
     * lies above it. */
    memset(&dk, 0, sizeof(dk));
    dk.group_id = gid;
    assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk, "k", 1, &err),
                     0);
    chunk_of(0, &c);
    c.seq = 5000;
    c.group_id = gid;
    c.stream_id = sid;
    c.data_key_id = dk.id;
    assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, "p", 1, &err), 0);

    for (int i = 0; i < RESERVERS; i++) {
        r[i].s = i % 2 ? s2 : f->s;
        r[i].stream_id = sid;
        r[i].idx = i;
        assert_int_equal(pthread_create(&th[i], NULL, reserve_many, &r[i]),
                         0);
    }
    for (int i = 0; i < RESERVERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].rc, 0);
        for (int k = 0; k < RESERVES; k++) {
            all[m].lo = r[i].first[k];
            all[m].hi = r[i].first[k] + r[i].n[k];
            m++;
        }
    }
    qsort(all, m, sizeof(*all), cmp_range);
    assert_true(all[0].lo > 5000);
    for (size_t i = 1; i < m; i++) {
        if (all[i].lo < all[i - 1].hi) {
            fail_msg("ranges overlap: [%lld, %lld) and [%lld, %lld)",
                     (long long)all[i - 1].lo, (long long)all[i - 1].hi,
                     (long long)all[i].lo, (long long)all[i].hi);
        }
    }
    /* A stream that is not there. */
    assert_int_equal(lv_pg_logs_seq_reserve(lv_pg_of(s2), sid + 1000, 1,
                                            &first, &err), -1);
    assert_int_equal(err.code, LV_E_RESOURCE_NOT_FOUND);
    /* A store opened afterwards starts above all of it. */
    {
        struct lv_store *s3 = open_store(f);

        assert_int_equal(lv_pg_logs_seq_reserve(lv_pg_of(s3), sid, 1, &first,
                                                &err), 0);
        assert_true(first >= all[m - 1].hi);
        lv_store_close(s3);
    }
    free(all);
    free(r);
    lv_store_close(s2);
}

/* ---- count-then-write across two stores ---------------------------------- */

/*
 * Store A writes in an open transaction; store B, on another thread, does
 * the same operation on the same group. B must either wait for A (and then
 * see A's write) or, when A has committed already, see it anyway. The
 * main thread commits A only once B waits on a lock or has finished, so
 * that a B that did not wait is caught.
 */
enum op { PUT_FILTER, SET_TAG };

struct writer {
    struct lv_store *s;
    int64_t gid;
    enum op op;
    const char *name;
    int rc;                 /* filter put's answer; tag count */
    volatile int done;
};

static void filter_of(struct lv_log_metric_filter *mf, int64_t gid,
                      const char *name)
{
    memset(mf, 0, sizeof(*mf));
    mf->group_id = gid;
    mf->name = name;
    mf->pattern = "ERROR";
    mf->transformations = "[]";
    mf->metric_name = "m";
    mf->metric_namespace = "ns";
    mf->creation_time = 1;
}

/* The operation in its own transaction, left open; rc as for struct
 * writer. */
static int write_once(struct lv_store *s, int64_t gid, enum op op,
                      const char *name)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_metric_filter mf;
    int n = -1;

    assert_int_equal(lv_store_begin(s, &err), 0);
    if (op == PUT_FILTER) {
        filter_of(&mf, gid, name);
        n = lv_store_logs_metric_filter_put(s, &mf, 2, &err);
    } else {
        assert_int_equal(lv_store_logs_tag_set(s, gid, name, "v", &err), 0);
        assert_int_equal(lv_store_logs_tag_count(s, gid, &n, &err), 0);
    }
    assert_true(n >= 0);
    return n;
}

static void *writer_run(void *arg)
{
    struct writer *w = arg;
    struct lv_err err = LV_ERR_INIT;

    w->rc = write_once(w->s, w->gid, w->op, w->name);
    if (lv_store_commit(w->s, &err) < 0) {
        w->rc = -1;
    }
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Waits until a session of database db waits on a lock, or w is done. */
static void wait_blocked_or_done(struct fx *f, struct writer *w)
{
    static const char sql[] =
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = $1 AND wait_event_type = 'Lock'";
    const char *params[1] = { f->db };

    while (!__atomic_load_n(&w->done, __ATOMIC_SEQ_CST)) {
        PGresult *r = PQexecParams(f->admin, sql, 1, NULL, params, NULL,
                                   NULL, 0);
        int waiting;

        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        waiting = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        if (waiting > 0) {
            return;
        }
        usleep(2000);
    }
}

static void count_then_write(struct fx *f, enum op op)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s2 = open_store(f);
    int64_t gid = add_group(f->s, "g");
    struct writer w = { s2, gid, op, "b", 0, 0 };
    struct lv_log_metric_filter mf;
    pthread_t th;
    int n = -1;

    /* One filter (or tag) there already; the max is 2. */
    if (op == PUT_FILTER) {
        filter_of(&mf, gid, "first");
        assert_int_equal(lv_store_logs_metric_filter_put(f->s, &mf, 2, &err),
                         0);
    } else {
        assert_int_equal(lv_store_logs_tag_set(f->s, gid, "first", "v",
                                               &err), 0);
    }
    /* A: the second, not committed yet. */
    n = write_once(f->s, gid, op, "a");
    assert_int_equal(n, op == PUT_FILTER ? 0 : 2);
    assert_int_equal(pthread_create(&th, NULL, writer_run, &w), 0);
    wait_blocked_or_done(f, &w);
    assert_int_equal(lv_store_commit(f->s, &err), 0);
    pthread_join(th, NULL);
    if (op == PUT_FILTER) {
        /* B's filter would be the third: refused. */
        assert_int_equal(w.rc, 1);
        assert_int_equal(lv_store_logs_metric_filter_count(f->s, gid, &n,
                                                           &err), 0);
        assert_int_equal(n, 2);
        /* Replacing an existing one is no new filter. */
        filter_of(&mf, gid, "a");
        mf.pattern = "WARN";
        assert_int_equal(lv_store_logs_metric_filter_put(f->s, &mf, 2, &err),
                         0);
    } else {
        /* B counted A's tag too. */
        assert_int_equal(w.rc, 3);
    }
    lv_store_close(s2);
}

static void test_metric_filter_max_two_stores(void **state)
{
    count_then_write(*state, PUT_FILTER);
}

static void test_tag_count_two_stores(void **state)
{
    count_then_write(*state, SET_TAG);
}

/* ---- metric filter lists ------------------------------------------------- */

static int on_filter(void *arg, const struct lv_log_metric_filter *mf)
{
    char s[256];

    snprintf(s, sizeof(s), "%s@%s", mf->name, mf->group_name);
    names_add(arg, s);
    return 0;
}

static void test_metric_filters(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_metric_filter mf;
    int64_t g1 = add_group(f->s, "g1");
    int64_t g2 = add_group(f->s, "g2");
    struct names got = { { 0 } };
    static const char *const names[] = { "b", "a", "A", "ab" };

    for (size_t i = 0; i < N(names); i++) {
        filter_of(&mf, g1, names[i]);
        assert_int_equal(lv_store_logs_metric_filter_put(f->s, &mf, 100,
                                                         &err), 0);
        filter_of(&mf, g2, names[i]);
        mf.metric_name = "other";
        assert_int_equal(lv_store_logs_metric_filter_put(f->s, &mf, 100,
                                                         &err), 0);
    }
    assert_int_equal(lv_store_logs_metric_filter_list(f->s, ACCT, REGION, 0,
                                                      "a", NULL, NULL, "",
                                                      "", 0, on_filter, &got,
                                                      &err), 0);
    assert_string_equal(got.buf, "a@g1,a@g2,ab@g1,ab@g2");
    memset(&got, 0, sizeof(got));
    assert_int_equal(lv_store_logs_metric_filter_list(f->s, ACCT, REGION, 0,
                                                      "", NULL, NULL, "a",
                                                      "g1", 3, on_filter,
                                                      &got, &err), 0);
    assert_string_equal(got.buf, "a@g2,ab@g1,ab@g2");
    memset(&got, 0, sizeof(got));
    assert_int_equal(lv_store_logs_metric_filter_list(f->s, ACCT, REGION, g1,
                                                      "", NULL, NULL, "", "",
                                                      0, on_filter, &got,
                                                      &err), 0);
    assert_string_equal(got.buf, "A@g1,a@g1,ab@g1,b@g1");
    memset(&got, 0, sizeof(got));
    assert_int_equal(lv_store_logs_metric_filter_list(f->s, ACCT, REGION, 0,
                                                      "", "other", "ns", "",
                                                      "", 0, on_filter, &got,
                                                      &err), 0);
    assert_string_equal(got.buf, "A@g2,a@g2,ab@g2,b@g2");
    assert_int_equal(lv_store_logs_metric_filter_delete(f->s, g1, "a", &err),
                     1);
    assert_int_equal(lv_store_logs_metric_filter_delete(f->s, g1, "a", &err),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams_and_tags, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_reserve_two_stores, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metric_filter_max_two_stores,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_count_two_stores, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metric_filters, setup,
                                        teardown),
    };

    if (!getenv("LV_PG_ADMIN_URI")) {
        printf("test_store_pg_logs: skipped: LV_PG_ADMIN_URI is not set "
               "(a PostgreSQL role that may create databases)\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
