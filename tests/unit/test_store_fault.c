/*
 * Unit tests for the fault-injection wrapper (src/store/fault/fault.h) in
 * front of the sqlite backend: every operation of the backend table, failed
 * once, answers -1 with ServiceUnavailable and leaves the database exactly
 * as it was (every row of every table compared, SQLite's own id counters
 * included), and the same call without the fault succeeds (and, for a
 * write, changes the database: so the "unchanged" above means something).
 * Then the spec's forms: OP#N, #N, commit/OP, and malformed specs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/audit_store.h"
#include "store/fault/fault.h"
#include "store/insights_store.h"
#include "store/lookup_store.h"
#include "store/policies_store.h"
#include "store/sched_store.h"
#include "store/anomaly_store.h"
#include "store/livetail_store.h"
#include "store/kms_store.h"
#include "store/logs_store.h"
#include "store/sqlite/sqlite_int.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCT "111111111111"
#define REGION "eu-west-2"

/* ---- fixture: a store holding one of everything ---------------------- */

struct fx {
    char dir[LV_TEST_DIR_MAX];
    struct lv_store *s;
    struct lv_sqlite *q;        /* the database under the wrapper */
    uint64_t rv;                /* key k1's row_version */
    int64_t group;
    int64_t stream;
    int64_t data_key;
    int64_t chunk;
};

static void make_key(struct lv_kms_key *k, const char *id)
{
    lv_kms_key_init(k);
    snprintf(k->id, sizeof(k->id), "%s", id);
    snprintf(k->account, sizeof(k->account), ACCT);
    snprintf(k->region, sizeof(k->region), REGION);
    snprintf(k->arn, sizeof(k->arn), "arn:aws:kms:%s:%s:key/%s", REGION,
             ACCT, id);
    snprintf(k->key_spec, sizeof(k->key_spec), "SYMMETRIC_DEFAULT");
    snprintf(k->key_usage, sizeof(k->key_usage), "ENCRYPT_DECRYPT");
    snprintf(k->state, sizeof(k->state), "Enabled");
    snprintf(k->origin, sizeof(k->origin), "AWS_KMS");
    k->description = lv_xstrdup("");
    k->policy = lv_xstrdup("{}");
    k->creation_date = 1700000000.25;
    k->current_version = 1;
}

static void make_alias(struct lv_kms_alias *a, const char *name,
                       const char *key_id)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->account, sizeof(a->account), ACCT);
    snprintf(a->region, sizeof(a->region), REGION);
    snprintf(a->name, sizeof(a->name), "%s", name);
    snprintf(a->key_id, sizeof(a->key_id), "%s", key_id);
    a->creation_date = 1700000001;
    a->last_updated = 1700000001;
}

static void make_grant(struct lv_kms_grant *g, const char *id)
{
    lv_kms_grant_init(g);
    snprintf(g->id, sizeof(g->id), "%s", id);
    snprintf(g->key_id, sizeof(g->key_id), "k1");
    g->name = lv_xstrdup("");
    g->grantee = lv_xstrdup("arn:aws:iam::" ACCT ":role/r");
    g->retiring = lv_xstrdup("");
    g->issuing_account = lv_xstrdup("arn:aws:iam::" ACCT ":root");
    g->operations = lv_xstrdup("[\"Decrypt\"]");
    g->constraints = lv_xstrdup("");
    g->creation_date = 1700000002;
}

static void make_chunk(struct lv_log_chunk *c, const struct fx *f,
                       int64_t seq)
{
    memset(c, 0, sizeof(*c));
    c->group_id = f->group;
    c->stream_id = f->stream;
    c->seq = seq;
    c->first_ts = 1000;
    c->last_ts = 2000;
    c->ingestion_time = 3000;
    c->n_events = 1;
    c->raw_bytes = 33;
    c->data_key_id = f->data_key;
}

static void make_filter(struct lv_log_metric_filter *m, int64_t group,
                        const char *name)
{
    memset(m, 0, sizeof(*m));
    m->group_id = group;
    m->name = name;
    m->pattern = "ERROR";
    m->transformations = "[]";
    m->metric_name = "Errors";
    m->metric_namespace = "App";
    m->options = "{}";
    m->creation_time = 1700000000000;
}

/* An audit record of the fixture's chain at place seq (its resource
 * names key k1). */
static void make_record(struct lv_audit_record *r, int64_t seq,
                        int64_t time_ms)
{
    static char event[] = "{}";     /* never released: not the store's */

    memset(r, 0, sizeof(*r));
    snprintf(r->account, sizeof(r->account), ACCT);
    snprintf(r->region, sizeof(r->region), REGION);
    r->seq = seq;
    r->event_time_ms = time_ms;
    snprintf(r->event_id, sizeof(r->event_id),
             "00000000-0000-4000-8000-%012lld", (long long)seq);
    snprintf(r->request_id, sizeof(r->request_id), "req-%lld",
             (long long)seq);
    snprintf(r->event_source, sizeof(r->event_source), "kms.amazonaws.com");
    snprintf(r->event_name, sizeof(r->event_name), "Encrypt");
    r->key_use = 1;
    r->n_resources = 1;
    snprintf(r->resources[0].type, sizeof(r->resources[0].type),
             "AWS::KMS::Key");
    snprintf(r->resources[0].name, sizeof(r->resources[0].name), "k1");
    r->event = event;
    memset(r->hash, (int)seq, sizeof(r->hash));
    memset(r->prev_hash, (int)seq - 1, sizeof(r->prev_hash));
}

static void make_digest(struct lv_audit_digest *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->account, sizeof(d->account), ACCT);
    snprintf(d->region, sizeof(d->region), REGION);
    d->start_ms = 1000;
    d->end_ms = 2000;
    d->head_seq = 1;
    memset(d->signature, 7, sizeof(d->signature));
}

/* A Logs Insights query of the fixture's scope (strings not the store's:
 * never released). */
static void make_query(struct lv_query_rec *q, const char *id,
                       const char *status, int64_t finish_ms)
{
    static char text[] = "fields @message";
    static char groups[] = "[\"arn:aws:logs:eu-west-2:111111111111:"
                           "log-group:grp\"]";

    memset(q, 0, sizeof(*q));
    snprintf(q->id, sizeof(q->id), "%s", id);
    snprintf(q->account, sizeof(q->account), ACCT);
    snprintf(q->region, sizeof(q->region), REGION);
    snprintf(q->status, sizeof(q->status), "%s", status);
    snprintf(q->language, sizeof(q->language), "CWLI");
    snprintf(q->log_group_name, sizeof(q->log_group_name), "grp");
    snprintf(q->node, sizeof(q->node), "node-a");
    q->query_string = text;
    q->groups = groups;
    q->create_time_ms = 1000;
    q->start_time_s = 1;
    q->end_time_s = 2;
    q->limit = 1000;
    q->heartbeat_ms = 1000;
    q->finish_time_ms = finish_ms;
}

static void make_respol(struct lv_log_respol *r, const char *name)
{
    static char doc[] = "{}";

    memset(r, 0, sizeof(*r));
    snprintf(r->account, sizeof(r->account), ACCT);
    snprintf(r->region, sizeof(r->region), REGION);
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(r->revision_id, sizeof(r->revision_id), "rev-%s", name);
    r->document = doc;
    r->updated_ms = 1700000000000;
}

static void make_def(struct lv_query_def *d, const char *id)
{
    static char text[] = "fields @message";
    static char names[] = "[\"grp\"]";

    memset(d, 0, sizeof(*d));
    snprintf(d->id, sizeof(d->id), "%s", id);
    snprintf(d->account, sizeof(d->account), ACCT);
    snprintf(d->region, sizeof(d->region), REGION);
    snprintf(d->name, sizeof(d->name), "def-%s", id);
    snprintf(d->language, sizeof(d->language), "CWLI");
    d->query_string = text;
    d->log_group_names = names;
    d->last_modified_ms = 1000;
}

/* A delivery destination record; its strings are static. */
static void make_dest(struct lv_delivery_dest *d, const char *name)
{
    static char tags[] = "{}";

    memset(d, 0, sizeof(*d));
    snprintf(d->account, sizeof(d->account), ACCT);
    snprintf(d->region, sizeof(d->region), REGION);
    snprintf(d->name, sizeof(d->name), "%s", name);
    snprintf(d->type, sizeof(d->type), "CWL");
    snprintf(d->resource_arn, sizeof(d->resource_arn), "arn:g");
    d->tags = tags;
}

/* A lookup table record; its strings and bytes are static. */
static void make_table(struct lv_lookup_rec *t, const char *name)
{
    static char desc[] = "d";
    static char fields[] = "[\"a\"]";
    static char tags[] = "{}";
    static uint8_t key[] = { 9, 9 };
    static uint8_t body[] = { 7, 7, 7 };

    memset(t, 0, sizeof(*t));
    snprintf(t->account, sizeof(t->account), ACCT);
    snprintf(t->region, sizeof(t->region), REGION);
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->description = desc;
    t->fields = fields;
    t->tags = tags;
    t->records = 1;
    t->size_bytes = 4;
    t->created_ms = t->updated_ms = 1000;
    t->data_key = key;
    t->data_key_len = sizeof(key);
    t->body = body;
    t->body_len = sizeof(body);
}

/* A scheduled query and one of its runs; strings static. */
static void make_sched(struct lv_sched_rec *r, struct lv_sched_run *u,
                       const char *name)
{
    static char doc[] = "{}";

    memset(r, 0, sizeof(*r));
    snprintf(r->account, sizeof(r->account), ACCT);
    snprintf(r->region, sizeof(r->region), REGION);
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->next_ms = 500;
    r->created_ms = r->updated_ms = 1000;
    r->doc = doc;
    memset(u, 0, sizeof(*u));
    snprintf(u->account, sizeof(u->account), ACCT);
    snprintf(u->region, sizeof(u->region), REGION);
    snprintf(u->name, sizeof(u->name), "%s", name);
    snprintf(u->query_id, sizeof(u->query_id), "q-%s", name);
    snprintf(u->status, sizeof(u->status), "Running");
    u->triggered_ms = 1000;
    u->doc = doc;
}

/* A live tail session of the fixture's scope, unexpired until 1e12. */
static void make_session(struct lv_livetail_rec *r, const char *id)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->id, sizeof(r->id), "%s", id);
    snprintf(r->account, sizeof(r->account), "%s", ACCT);
    snprintf(r->region, sizeof(r->region), "%s", REGION);
    snprintf(r->node, sizeof(r->node), "host/1");
    r->started_ms = 1000;
    r->expires_ms = 1000000000000LL;
}

/* An anomaly detector and one anomaly; strings static. */
static void make_detector(struct lv_anomaly_det *d, struct lv_anomaly_row *a,
                          const char *id)
{
    static char doc[] = "{}";

    memset(d, 0, sizeof(*d));
    snprintf(d->account, sizeof(d->account), ACCT);
    snprintf(d->region, sizeof(d->region), REGION);
    snprintf(d->id, sizeof(d->id), "%s", id);
    d->next_ms = 500;
    d->created_ms = d->updated_ms = 1000;
    d->doc = doc;
    memset(a, 0, sizeof(*a));
    snprintf(a->account, sizeof(a->account), ACCT);
    snprintf(a->region, sizeof(a->region), REGION);
    snprintf(a->detector, sizeof(a->detector), "%s", id);
    snprintf(a->pattern_id, sizeof(a->pattern_id), "p-%s", id);
    a->doc = doc;
}

/* A custom key store record of the test scope. */
static void make_cks(struct lv_kms_cks *c, const char *id, const char *name)
{
    lv_kms_cks_init(c);
    snprintf(c->id, sizeof(c->id), "%s", id);
    snprintf(c->account, sizeof(c->account), ACCT);
    snprintf(c->region, sizeof(c->region), REGION);
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->type, sizeof(c->type), "AWS_CLOUDHSM");
    snprintf(c->cluster_id, sizeof(c->cluster_id), "token-1");
    snprintf(c->state, sizeof(c->state), "DISCONNECTED");
    c->creation_date = 1700000000;
}

static void populate(struct fx *f)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k;
    struct lv_kms_cks cs;
    struct lv_kms_alias a;
    struct lv_kms_grant g;
    struct lv_log_group lg;
    struct lv_log_stream ls;
    struct lv_log_data_key dk;
    struct lv_log_chunk c;
    struct lv_log_metric_filter m;
    struct lv_audit_record r;
    struct lv_audit_record *one;
    struct lv_audit_digest d;
    struct lv_query_rec q;
    struct lv_query_def qd;
    struct lv_log_respol rp;
    struct lv_lookup_rec lt;
    struct lv_delivery_dest dd;
    struct lv_sched_rec sr;
    struct lv_sched_run su;
    struct lv_anomaly_det ad;
    struct lv_anomaly_row ar;
    struct lv_livetail_rec lr;

    make_key(&k, "k1");
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, "sealed-1", 8, &err),
                     0);
    lv_kms_key_release(&k);
    make_key(&k, "k2");
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, "sealed-2", 8, &err),
                     0);
    lv_kms_key_release(&k);
    /* A multi-Region key's record (kms.key_mr_list, key_set_primary). */
    make_key(&k, "mrk-0@us-east-1");
    snprintf(k.primary_region, sizeof(k.primary_region), "us-east-1");
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, "sealed-m", 8, &err),
                     0);
    lv_kms_key_release(&k);
    /* A custom key store and a key in it (kms.cks_*). */
    make_cks(&cs, "cks-00000000000000001", "store-1");
    assert_int_equal(lv_store_kms_cks_insert(f->s, &cs, &err), 0);
    make_key(&k, "kc");
    snprintf(k.custom_key_store_id, sizeof(k.custom_key_store_id),
             "cks-00000000000000001");
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, "sealed-c", 8, &err),
                     0);
    lv_kms_key_release(&k);
    assert_int_equal(lv_store_kms_key_get(f->s, "k1", &k, &err), 1);
    f->rv = k.row_version;
    lv_kms_key_release(&k);
    make_alias(&a, "alias/a1", "k1");
    assert_int_equal(lv_store_kms_alias_insert(f->s, &a, &err), 0);
    make_grant(&g, "g1");
    assert_int_equal(lv_store_kms_grant_insert(f->s, &g, &err), 0);
    lv_kms_grant_release(&g);
    assert_int_equal(lv_store_kms_tag_set(f->s, "k1", "t", "v", &err), 0);

    memset(&lg, 0, sizeof(lg));
    snprintf(lg.account, sizeof(lg.account), ACCT);
    snprintf(lg.region, sizeof(lg.region), REGION);
    snprintf(lg.name, sizeof(lg.name), "grp");
    snprintf(lg.log_group_class, sizeof(lg.log_group_class), "STANDARD");
    lg.creation_time = 1700000000000;
    assert_int_equal(lv_store_logs_group_insert(f->s, &lg, &err), 0);
    f->group = lg.id;
    assert_int_equal(lv_store_logs_group_set_retention(f->s, f->group, 1,
                                                       &err), 1);
    memset(&ls, 0, sizeof(ls));
    ls.group_id = f->group;
    snprintf(ls.name, sizeof(ls.name), "str");
    ls.creation_time = 1700000000000;
    assert_int_equal(lv_store_logs_stream_insert(f->s, &ls, &err), 0);
    f->stream = ls.id;
    assert_int_equal(lv_store_logs_tag_set(f->s, f->group, "t", "v", &err),
                     0);
    memset(&dk, 0, sizeof(dk));
    dk.group_id = f->group;
    dk.created_ms = 1700000000000;
    assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk, "wrapped", 7,
                                                   &err), 0);
    f->data_key = dk.id;
    make_chunk(&c, f, 0);
    assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, "payload", 7,
                                                &err), 0);
    f->chunk = c.id;
    assert_int_equal(lv_store_logs_index_policy_put(f->s, f->group,
                                                    "{\"Fields\":[\"a\"]}",
                                                    1000, &err), 0);
    make_filter(&m, f->group, "mf");
    assert_int_equal(lv_store_logs_metric_filter_put(f->s, &m, 100, &err),
                     0);
    make_record(&r, 1, 1000);
    assert_int_equal(lv_store_audit_append(f->s, &r, &err), 0);
    /* A batch too (at place 5: the cases append at 2), so that lists
     * read a batch's body. */
    make_record(&r, 5, 1500);
    one = &r;
    assert_int_equal(lv_store_audit_append_batch(f->s, &one, 1, &err), 0);
    make_digest(&d);
    assert_int_equal(lv_store_audit_digest_insert(f->s, &d, &err), 0);
    make_query(&q, "q1", "Running", 0);
    assert_int_equal(lv_store_insights_query_insert(f->s, &q, &err), 0);
    make_query(&q, "q2", "Complete", 1500);
    assert_int_equal(lv_store_insights_query_insert(f->s, &q, &err), 0);
    make_def(&qd, "d1");
    assert_int_equal(lv_store_insights_def_put(f->s, &qd, &err), 0);
    make_table(&lt, "t1");
    assert_int_equal(lv_store_lookup_insert(f->s, &lt, &err), 1);
    make_respol(&rp, "p1");
    assert_int_equal(lv_store_logs_respol_put(f->s, &rp, &err), 0);
    make_dest(&dd, "dd1");
    assert_int_equal(lv_store_logs_dest_put(f->s, &dd, &err), 0);
    make_sched(&sr, &su, "s1");
    assert_int_equal(lv_store_sched_insert(f->s, &sr, &err), 1);
    assert_int_equal(lv_store_sched_run_put(f->s, &su, &err), 0);
    make_detector(&ad, &ar, "d1");
    assert_int_equal(lv_store_anomaly_det_insert(f->s, &ad, &err), 1);
    assert_int_equal(lv_store_anomaly_put(f->s, &ar, &err), 0);
    make_session(&lr, "lt1");
    assert_int_equal(lv_store_livetail_admit(f->s, &lr, 15, 2000, &err), 1);
}

/* A fresh store with the fixture's records, wrapped with no rules. */
static struct fx *fx_new(void)
{
    struct fx *f = lv_xcalloc(1, sizeof(*f));
    struct lv_err err = LV_ERR_INIT;

    assert_int_equal(lv_test_store_open("store-fault", f->dir, &f->s), 0);
    f->q = lv_sqlite_of(f->s);
    populate(f);
    assert_int_equal(lv_store_fault_wrap(f->s, "", &err), 0);
    return f;
}

static void fx_free(struct fx *f)
{
    lv_test_store_close(f->s, f->dir);
    free(f);
}

/* ---- the database as text ----------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One table's rows as text, sorted, appended to *out. */
static void dump_table(sqlite3 *db, const char *table, struct lv_buf *out)
{
    char *sql = lv_xasprintf("SELECT * FROM \"%s\"", table);
    sqlite3_stmt *st;
    char **rows = NULL;
    size_t n = 0;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct lv_buf row = LV_BUF_INIT(1 << 20);

        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *p = sqlite3_column_blob(st, i);
            int len = sqlite3_column_bytes(st, i);

            lv_buf_addf(&row, "|%d:", sqlite3_column_type(st, i));
            for (int j = 0; j < len; j++) {
                lv_buf_addf(&row, "%02x", p[j]);
            }
        }
        rows = lv_xrealloc(rows, (n + 1) * sizeof(*rows));
        rows[n++] = lv_buf_detach(&row, NULL);
    }
    sqlite3_finalize(st);
    if (n > 0) {
        qsort(rows, n, sizeof(*rows), cmp_str);
    }
    lv_buf_addf(out, "[%s]\n", table);
    for (size_t i = 0; i < n; i++) {
        lv_buf_addf(out, "%s\n", rows[i]);
        free(rows[i]);
    }
    free(rows);
    free(sql);
}

/* Every row of every table (sqlite_sequence too: ids never reused). */
static char *dump(struct fx *f)
{
    struct lv_err err = LV_ERR_INIT;
    sqlite3 *db = lv_sqlite_conn(f->q, &err);
    struct lv_buf out = LV_BUF_INIT(64 << 20);
    char **tables = NULL;
    size_t n = 0;
    sqlite3_stmt *st;

    assert_non_null(db);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master"
                                        " WHERE type = 'table' ORDER BY name",
                                        -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        tables = lv_xrealloc(tables, (n + 1) * sizeof(*tables));
        tables[n++] = lv_xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++) {
        dump_table(db, tables[i], &out);
        free(tables[i]);
    }
    free(tables);
    return lv_buf_detach(&out, NULL);
}

/* ---- one call of each operation ------------------------------------------ */

static int any_record(void *arg, const struct lv_audit_record *r)
{
    (void)arg, (void)r;
    return 0;
}

static int any_chain(void *arg, const char *account, const char *region)
{
    (void)arg, (void)account, (void)region;
    return 0;
}

static int any_digest(void *arg, const struct lv_audit_digest *d)
{
    (void)arg, (void)d;
    return 0;
}

static int any_policy(void *arg, const struct lv_log_policy_rec *p)
{
    (void)arg;
    assert_non_null(p->document);
    return 0;
}

static void make_policy(struct lv_log_policy_rec *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->account, sizeof(p->account), "%s", ACCT);
    snprintf(p->region, sizeof(p->region), "%s", REGION);
    snprintf(p->scope, sizeof(p->scope), "%s", LV_POLICY_SCOPE_ACCOUNT);
    snprintf(p->type, sizeof(p->type), "DATA_PROTECTION_POLICY");
    snprintf(p->name, sizeof(p->name), "p1");
    snprintf(p->policy_scope, sizeof(p->policy_scope), "ALL");
    p->document = (char *)"{}";
    p->selection = (char *)"";
    p->from_ms = 1000;
}

static int any_query(void *arg, const struct lv_query_rec *q)
{
    (void)arg, (void)q;
    return 0;
}

static int any_def(void *arg, const struct lv_query_def *d)
{
    (void)arg, (void)d;
    return 0;
}

static int any_respol(void *arg, const struct lv_log_respol *r)
{
    (void)arg, (void)r;
    return 0;
}

static int any_dest(void *arg, const struct lv_delivery_dest *d)
{
    (void)arg, (void)d;
    return 0;
}

static int any_table(void *arg, const struct lv_lookup_rec *t)
{
    (void)arg, (void)t;
    return 0;
}


static int any_sched(void *arg, const struct lv_sched_rec *r)
{
    (void)arg, (void)r;
    return 0;
}

static int any_sched_run(void *arg, const struct lv_sched_run *r)
{
    (void)arg, (void)r;
    return 0;
}

static int any_detector(void *arg, const struct lv_anomaly_det *d)
{
    (void)arg, (void)d;
    return 0;
}

static int any_anomaly(void *arg, const struct lv_anomaly_row *a)
{
    (void)arg, (void)a;
    return 0;
}

static int any_cks(void *arg, const struct lv_kms_cks *c)
{
    (void)arg, (void)c;
    return 0;
}

static int any_key(void *arg, const struct lv_kms_key *k)
{
    (void)arg, (void)k;
    return 0;
}

static int any_material(void *arg, const struct lv_kms_material *m)
{
    (void)arg, (void)m;
    return 0;
}

static int any_alias(void *arg, const struct lv_kms_alias *a)
{
    (void)arg, (void)a;
    return 0;
}

static int any_grant(void *arg, const struct lv_kms_grant *g)
{
    (void)arg, (void)g;
    return 0;
}

static int any_tag(void *arg, const char *key, const char *value)
{
    (void)arg, (void)key, (void)value;
    return 0;
}

static int any_group(void *arg, const struct lv_log_group *g)
{
    (void)arg, (void)g;
    return 0;
}

static int any_stream(void *arg, const struct lv_log_stream *st)
{
    (void)arg, (void)st;
    return 0;
}

static int any_chunk(void *arg, const struct lv_log_chunk *c)
{
    (void)arg, (void)c;
    return 0;
}

static int any_chunk_index(void *arg, int64_t id, int64_t scan_ms,
                           const void *blob, size_t len)
{
    (void)arg, (void)id, (void)scan_ms, (void)blob, (void)len;
    return 0;
}

static int any_filter(void *arg, const struct lv_log_metric_filter *m)
{
    (void)arg, (void)m;
    return 0;
}

static int any_version(void *arg, const char *component, int version)
{
    (void)arg, (void)component, (void)version;
    return 0;
}

/* Calls operation `op` once with arguments that make sense on the
 * fixture; its return value. *writes is set when the call changes the
 * database. A name it does not know fails the test: every operation of
 * the table must have its case here. */
static int call(struct fx *f, const char *op, int *writes,
                struct lv_err *err)
{
    struct lv_store *s = f->s;
    struct lv_buf b = LV_BUF_INIT(1 << 20);
    struct lv_kms_key k;
    struct lv_kms_cks cs;
    struct lv_kms_alias a;
    struct lv_kms_grant g;
    struct lv_kms_material m;
    struct lv_log_group lg;
    struct lv_log_stream ls;
    struct lv_log_data_key dk;
    struct lv_log_chunk c;
    struct lv_log_metric_filter mf;
    struct lv_audit_record ar;
    struct lv_audit_digest ad;
    struct lv_audit_filter af = { LV_AUDIT_ATTR_NONE, NULL, 0, INT64_MAX };
    struct lv_query_rec qr;
    struct lv_query_def qd;
    struct lv_log_respol rp;
    struct lv_lookup_rec lt;
    struct lv_delivery_dest dd;
    struct lv_sched_rec sr;
    struct lv_sched_run su;
    struct lv_anomaly_det adet;
    struct lv_anomaly_row arow;
    struct lv_livetail_rec lrec;
    static const uint8_t sealed[] = { 1, 2, 3 };
    uint8_t h[LV_AUDIT_HASH_BYTES];
    int64_t n64 = 0;
    int n = 0;
    int rc = -2;

    *writes = 1;
    lv_kms_key_init(&k);
    lv_kms_grant_init(&g);
#define IS(name) (strcmp(op, (name)) == 0)
    /* core */
    if (IS("ping")) {
        *writes = 0;
        rc = lv_store_ping(s, err);
    } else if (IS("exec")) {
        rc = s->be->exec(s->impl, "CREATE TABLE fault_probe (a)", err);
    } else if (IS("begin")) {
        *writes = 0;
        rc = lv_store_begin(s, err);
        if (rc == 0) {
            lv_store_rollback(s);
        }
    } else if (IS("commit")) {
        if (lv_store_begin(s, err) < 0 ||
            lv_store_kms_tag_set(s, "k1", "in-txn", "v", err) < 0) {
            fail_msg("commit case: begin or write failed: %s", err->msg);
        }
        rc = lv_store_commit(s, err);
    } else if (IS("version_get")) {
        *writes = 0;
        rc = lv_store_schema_version(s, "kms", &n, err);
    } else if (IS("version_set")) {
        rc = s->be->version_set(s->impl, "probe", 1, err);
    } else if (IS("version_each")) {
        *writes = 0;
        rc = s->be->version_each(s->impl, any_version, NULL, err);
    } else if (IS("meta_get")) {
        *writes = 0;
        rc = lv_store_meta_get(s, "core.created", &b, err);
    } else if (IS("meta_set")) {
        rc = lv_store_meta_set(s, "test.x", "1", 1, err);
    } else if (IS("meta_add")) {
        rc = lv_store_meta_add(s, "test.y", "1", 1, err);
    /* kms */
    } else if (IS("kms.key_insert")) {
        lv_kms_key_release(&k);
        make_key(&k, "k3");
        rc = lv_store_kms_key_insert(s, &k, "sealed-3", 8, err);
    } else if (IS("kms.key_get")) {
        *writes = 0;
        rc = lv_store_kms_key_get(s, "k1", &k, err);
    } else if (IS("kms.key_set_description")) {
        rc = lv_store_kms_key_set_description(s, "k1", f->rv, "d", err);
    } else if (IS("kms.key_set_state")) {
        rc = lv_store_kms_key_set_state(s, "k1", f->rv, "Disabled", err);
    } else if (IS("kms.key_set_policy")) {
        rc = lv_store_kms_key_set_policy(s, "k1", f->rv, "{\"p\":1}", err);
    } else if (IS("kms.key_schedule_deletion")) {
        rc = lv_store_kms_key_schedule_deletion(s, "k1", f->rv, 1800000000,
                                                7, err);
    } else if (IS("kms.key_cancel_deletion")) {
        rc = lv_store_kms_key_cancel_deletion(s, "k1", f->rv, err);
    } else if (IS("kms.key_set_rotation")) {
        rc = lv_store_kms_key_set_rotation(s, "k1", f->rv, 1, 90,
                                           1800000000, err);
    } else if (IS("kms.key_rotate")) {
        memset(&m, 0, sizeof(m));
        m.version = 2;
        m.created = 1700000100;
        snprintf(m.rotation_type, sizeof(m.rotation_type), "ON_DEMAND");
        rc = lv_store_kms_key_rotate(s, "k1", f->rv, &m, "sealed-1b", 9,
                                     err);
    } else if (IS("kms.key_import")) {
        struct lv_kms_import imp;

        memset(&imp, 0, sizeof(imp));
        imp.created = 1700000100;
        snprintf(imp.state, sizeof(imp.state), "Enabled");
        snprintf(imp.expiration_model, sizeof(imp.expiration_model),
                 "KEY_MATERIAL_DOES_NOT_EXPIRE");
        rc = lv_store_kms_key_import(s, "k1", f->rv, &imp, "sealed-1c", 9,
                                     err);
    } else if (IS("kms.key_delete_material")) {
        rc = lv_store_kms_key_delete_material(s, "k1", f->rv,
                                              "PendingImport", err);
    } else if (IS("kms.key_destroy")) {
        rc = lv_store_kms_key_destroy(s, "k1", f->rv, err);
    } else if (IS("kms.key_hold")) {
        rc = lv_store_kms_key_hold(s, "k1", f->rv, err);
    } else if (IS("kms.key_list")) {
        *writes = 0;
        rc = lv_store_kms_key_list(s, ACCT, REGION, "", 10, any_key, NULL,
                                   err);
    } else if (IS("kms.key_mr_list")) {
        *writes = 0;
        rc = lv_store_kms_key_mr_list(s, "mrk-0", any_key, NULL, err);
    } else if (IS("kms.key_set_primary")) {
        rc = lv_store_kms_key_set_primary(s, "mrk-0", "us-west-2", err);
    } else if (IS("kms.cks_insert")) {
        make_cks(&cs, "cks-00000000000000002", "store-2");
        rc = lv_store_kms_cks_insert(s, &cs, err);
    } else if (IS("kms.cks_get")) {
        *writes = 0;
        lv_kms_cks_init(&cs);
        rc = lv_store_kms_cks_get(s, "cks-00000000000000001", &cs, err);
        lv_kms_cks_release(&cs);
    } else if (IS("kms.cks_update")) {
        make_cks(&cs, "cks-00000000000000001", "store-1b");
        rc = lv_store_kms_cks_update(s, &cs, err);
    } else if (IS("kms.cks_delete")) {
        rc = lv_store_kms_cks_delete(s, "cks-00000000000000001", err);
    } else if (IS("kms.cks_list")) {
        *writes = 0;
        rc = lv_store_kms_cks_list(s, ACCT, REGION, "", 10, any_cks, NULL,
                                   err);
    } else if (IS("kms.cks_key_count")) {
        *writes = 0;
        rc = lv_store_kms_cks_key_count(s, "cks-00000000000000001", &n, err);
    } else if (IS("kms.key_due")) {
        *writes = 0;
        rc = lv_store_kms_key_due(s, 2000000000, any_key, NULL, err);
    } else if (IS("kms.material_get")) {
        *writes = 0;
        rc = lv_store_kms_material_get(s, "k1", 1, &b, err);
    } else if (IS("kms.material_list")) {
        *writes = 0;
        rc = lv_store_kms_material_list(s, "k1", 0, 10, any_material, NULL,
                                        err);
    } else if (IS("kms.material_destroy")) {
        rc = lv_store_kms_material_destroy(s, "k1", err);
    } else if (IS("kms.alias_insert")) {
        make_alias(&a, "alias/a2", "k2");
        rc = lv_store_kms_alias_insert(s, &a, err);
    } else if (IS("kms.alias_get")) {
        *writes = 0;
        rc = lv_store_kms_alias_get(s, ACCT, REGION, "alias/a1", &a, err);
    } else if (IS("kms.alias_update")) {
        make_alias(&a, "alias/a1", "k2");
        rc = lv_store_kms_alias_update(s, &a, "k1", err);
    } else if (IS("kms.alias_delete")) {
        rc = lv_store_kms_alias_delete(s, ACCT, REGION, "alias/a1", "k1",
                                       err);
    } else if (IS("kms.alias_list")) {
        *writes = 0;
        rc = lv_store_kms_alias_list(s, ACCT, REGION, NULL, "", 10,
                                     any_alias, NULL, err);
    } else if (IS("kms.alias_delete_for_key")) {
        rc = lv_store_kms_alias_delete_for_key(s, "k1", err);
    } else if (IS("kms.grant_insert")) {
        lv_kms_grant_release(&g);
        make_grant(&g, "g2");
        rc = lv_store_kms_grant_insert(s, &g, err);
    } else if (IS("kms.grant_get")) {
        *writes = 0;
        rc = lv_store_kms_grant_get(s, "g1", &g, err);
    } else if (IS("kms.grant_delete")) {
        rc = lv_store_kms_grant_delete(s, "g1", err);
    } else if (IS("kms.grant_list")) {
        *writes = 0;
        rc = lv_store_kms_grant_list(s, "k1", NULL, "", 10, any_grant, NULL,
                                     err);
    } else if (IS("kms.grant_delete_for_key")) {
        rc = lv_store_kms_grant_delete_for_key(s, "k1", err);
    } else if (IS("kms.tag_set")) {
        rc = lv_store_kms_tag_set(s, "k1", "t2", "v2", err);
    } else if (IS("kms.tag_delete")) {
        rc = lv_store_kms_tag_delete(s, "k1", "t", err);
    } else if (IS("kms.tag_list")) {
        *writes = 0;
        rc = lv_store_kms_tag_list(s, "k1", "", 10, any_tag, NULL, err);
    } else if (IS("kms.tag_count")) {
        *writes = 0;
        rc = lv_store_kms_tag_count(s, "k1", &n, err);
    /* logs: groups, streams, tags */
    } else if (IS("logs.group_insert")) {
        memset(&lg, 0, sizeof(lg));
        snprintf(lg.account, sizeof(lg.account), ACCT);
        snprintf(lg.region, sizeof(lg.region), REGION);
        snprintf(lg.name, sizeof(lg.name), "grp2");
        snprintf(lg.log_group_class, sizeof(lg.log_group_class),
                 "STANDARD");
        rc = lv_store_logs_group_insert(s, &lg, err);
    } else if (IS("logs.group_get")) {
        *writes = 0;
        rc = lv_store_logs_group_get(s, ACCT, REGION, "grp", &lg, err);
    } else if (IS("logs.group_get_by_id")) {
        *writes = 0;
        rc = lv_store_logs_group_get_by_id(s, f->group, &lg, err);
    } else if (IS("logs.group_set_retention")) {
        rc = lv_store_logs_group_set_retention(s, f->group, 30, err);
    } else if (IS("logs.group_set_kms_key")) {
        rc = lv_store_logs_group_set_kms_key(s, f->group,
                                             "arn:aws:kms:" REGION ":" ACCT
                                             ":key/k1", err);
    } else if (IS("logs.group_set_deletion_protection")) {
        rc = lv_store_logs_group_set_deletion_protection(s, f->group, 1,
                                                         err);
    } else if (IS("logs.group_set_transformer")) {
        rc = lv_store_logs_group_set_transformer(s, f->group,
                                                 "[{\"parseJSON\":{}}]", 1,
                                                 err);
    } else if (IS("logs.group_get_transformer")) {
        struct lv_buf tb = LV_BUF_INIT(4096);
        int64_t c = 0;
        int64_t m = 0;

        *writes = 0;
        rc = lv_store_logs_group_get_transformer(s, f->group, &tb, &c, &m,
                                                 err);
        lv_buf_release(&tb);
    } else if (IS("logs.group_delete")) {
        rc = lv_store_logs_group_delete(s, f->group, err);
    } else if (IS("logs.group_delete_unprotected")) {
        rc = lv_store_logs_group_delete_unprotected(s, f->group, err);
    } else if (IS("logs.group_list")) {
        *writes = 0;
        rc = lv_store_logs_group_list(s, ACCT, REGION, "", "", 10, any_group,
                                      NULL, err);
    } else if (IS("logs.group_list_retained")) {
        *writes = 0;
        rc = lv_store_logs_group_list_retained(s, any_group, NULL, err);
    } else if (IS("logs.stream_insert")) {
        memset(&ls, 0, sizeof(ls));
        ls.group_id = f->group;
        snprintf(ls.name, sizeof(ls.name), "str2");
        rc = lv_store_logs_stream_insert(s, &ls, err);
    } else if (IS("logs.stream_get")) {
        *writes = 0;
        rc = lv_store_logs_stream_get(s, f->group, "str", &ls, err);
    } else if (IS("logs.stream_delete")) {
        rc = lv_store_logs_stream_delete(s, f->stream, err);
    } else if (IS("logs.stream_list")) {
        *writes = 0;
        rc = lv_store_logs_stream_list(s, f->group, "", "", 10, any_stream,
                                       NULL, err);
    } else if (IS("logs.stream_list_by_time")) {
        *writes = 0;
        rc = lv_store_logs_stream_list_by_time(s, f->group, 1, any_stream,
                                               NULL, err);
    } else if (IS("logs.stream_note_append")) {
        rc = lv_store_logs_stream_note_append(s, f->stream, 1000, 2000, 3000,
                                              33, 1, err);
    } else if (IS("logs.tag_set")) {
        rc = lv_store_logs_tag_set(s, f->group, "t2", "v2", err);
    } else if (IS("logs.tag_delete")) {
        rc = lv_store_logs_tag_delete(s, f->group, "t", err);
    } else if (IS("logs.tag_list")) {
        *writes = 0;
        rc = lv_store_logs_tag_list(s, f->group, any_tag, NULL, err);
    } else if (IS("logs.tag_count")) {
        *writes = 0;
        rc = lv_store_logs_tag_count(s, f->group, &n, err);
    /* logs: data keys, chunks, metric filters */
    } else if (IS("logs.data_key_insert")) {
        memset(&dk, 0, sizeof(dk));
        dk.group_id = f->group;
        rc = lv_store_logs_data_key_insert(s, &dk, "wrapped2", 8, err);
    } else if (IS("logs.data_key_get")) {
        *writes = 0;
        rc = lv_store_logs_data_key_get(s, f->data_key, &dk, &b, err);
    } else if (IS("logs.chunk_insert")) {
        make_chunk(&c, f, 1);
        rc = lv_store_logs_chunk_insert(s, &c, "payload2", 8, err);
    } else if (IS("logs.chunk_list_stream")) {
        *writes = 0;
        rc = lv_store_logs_chunk_list_stream(s, f->stream, 0, INT64_MAX, 0,
                                             any_chunk, NULL, err);
    } else if (IS("logs.chunk_list_group")) {
        *writes = 0;
        rc = lv_store_logs_chunk_list_group(s, f->group, 0, INT64_MAX,
                                            any_chunk, NULL, err);
    } else if (IS("logs.chunk_list_ingested")) {
        *writes = 0;
        rc = lv_store_logs_chunk_list_ingested(s, f->group, 0, any_chunk,
                                               NULL, err);
    } else if (IS("logs.chunk_max_seq")) {
        *writes = 0;
        rc = lv_store_logs_chunk_max_seq(s, f->stream, &n64, err);
    /* logs: resource policies */
    } else if (IS("logs.respol_put")) {
        make_respol(&rp, "p2");
        rc = lv_store_logs_respol_put(s, &rp, err);
    } else if (IS("logs.respol_list")) {
        *writes = 0;
        rc = lv_store_logs_respol_list(s, ACCT, REGION, NULL, "", "", 10,
                                       any_respol, NULL, err);
    } else if (IS("logs.respol_count")) {
        *writes = 0;
        rc = lv_store_logs_respol_count(s, ACCT, REGION, &n64, err);
    } else if (IS("logs.respol_delete")) {
        rc = lv_store_logs_respol_delete(s, ACCT, REGION, "", "p1", NULL,
                                         err);
    } else if (IS("logs.seq_reserve")) {
        /* sqlite's reservations live in memory: not a database write. */
        *writes = 0;
        rc = lv_store_logs_seq_reserve(s, f->stream, 2, &n64, err);
    } else if (IS("logs.chunk_payload")) {
        *writes = 0;
        rc = lv_store_logs_chunk_payload(s, f->chunk, &b, err);
    } else if (IS("logs.chunk_expire")) {
        rc = lv_store_logs_chunk_expire(s, f->group, INT64_MAX, &n64, err);
    } else if (IS("logs.group_expire")) {
        rc = lv_store_logs_group_expire(s, f->group,
                                        (int64_t)time(NULL) * 1000, &n64,
                                        err);
    } else if (IS("logs.metric_filter_put")) {
        make_filter(&mf, f->group, "mf2");
        rc = lv_store_logs_metric_filter_put(s, &mf, 100, err);
    } else if (IS("logs.metric_filter_delete")) {
        rc = lv_store_logs_metric_filter_delete(s, f->group, "mf", err);
    } else if (IS("logs.metric_filter_count")) {
        *writes = 0;
        rc = lv_store_logs_metric_filter_count(s, f->group, &n, err);
    } else if (IS("logs.metric_filter_list")) {
        *writes = 0;
        rc = lv_store_logs_metric_filter_list(s, ACCT, REGION, 0, "", NULL,
                                              NULL, "", "", 0, any_filter,
                                              NULL, err);
    } else if (IS("logs.index_policy_put")) {
        rc = lv_store_logs_index_policy_put(s, f->group, "{\"Fields\":[\"b\"]}",
                                            2000, err);
    } else if (IS("logs.index_policy_get")) {
        *writes = 0;
        rc = lv_store_logs_index_policy_get(s, f->group, &b, &n64, err);
    } else if (IS("logs.index_policy_delete")) {
        rc = lv_store_logs_index_policy_delete(s, f->group, err);
    } else if (IS("logs.chunk_index_put")) {
        rc = lv_store_logs_chunk_index_put(s, f->group, f->chunk, 2000,
                                           "\x01\x00\x00", 3, err);
    } else if (IS("logs.chunk_index_get")) {
        *writes = 0;
        rc = lv_store_logs_chunk_index_get(s, f->chunk, &b, err);
    } else if (IS("logs.chunk_index_list")) {
        *writes = 0;
        rc = lv_store_logs_chunk_index_list(s, f->group, any_chunk_index,
                                            NULL, err);
    /* audit */
    } else if (IS("audit.chain_head")) {
        *writes = 0;
        rc = lv_store_audit_chain_head(s, ACCT, REGION, &n64, h, err);
    } else if (IS("audit.append")) {
        make_record(&ar, 2, 3000);
        rc = lv_store_audit_append(s, &ar, err);
    } else if (IS("audit.rows_list") || IS("audit.batch_search") ||
               IS("audit.batch_body")) {
        /* list reads the single rows, then searches the batches and
         * reads their bodies. */
        *writes = 0;
        rc = lv_store_audit_list(s, ACCT, REGION, &af, INT64_MAX, INT64_MAX,
                                 10, any_record, NULL, err);
    } else if (IS("audit.rows_by_request")) {
        *writes = 0;
        rc = lv_store_audit_traces_by_request(s, ACCT, "req-1", any_record,
                                              NULL, err);
    } else if (IS("audit.rows_key_last_use")) {
        *writes = 0;
        rc = lv_store_audit_key_last_use(s, "k1", &ar, err);
        if (rc > 0) {
            lv_audit_record_release(&ar);
        }
    } else if (IS("audit.rows_chain_walk") || IS("audit.batch_walk")) {
        *writes = 0;
        rc = lv_store_audit_chain_walk(s, ACCT, REGION, 0, &n64, h,
                                       any_record, NULL, err);
    } else if (IS("audit.batch_insert")) {
        struct lv_audit_record *one = &ar;

        make_record(&ar, 2, 3000);
        rc = lv_store_audit_append_batch(s, &one, 1, err);
    } else if (IS("audit.chains")) {
        *writes = 0;
        rc = lv_store_audit_chains(s, any_chain, NULL, err);
    } else if (IS("audit.expire")) {
        rc = lv_store_audit_expire(s, 2000, &n64, err);
    } else if (IS("audit.digest_insert")) {
        make_digest(&ad);
        rc = lv_store_audit_digest_insert(s, &ad, err);
    } else if (IS("audit.digest_list")) {
        *writes = 0;
        rc = lv_store_audit_digest_list(s, ACCT, REGION, any_digest, NULL,
                                        err);
    } else if (IS("audit.digest_last")) {
        *writes = 0;
        rc = lv_store_audit_digest_last(s, ACCT, REGION, &ad, err);
    /* insights */
    } else if (IS("insights.query_insert")) {
        make_query(&qr, "q3", "Scheduled", 0);
        rc = lv_store_insights_query_insert(s, &qr, err);
    } else if (IS("insights.query_get")) {
        *writes = 0;
        rc = lv_store_insights_query_get(s, ACCT, REGION, "q2", 1, &qr, err);
        if (rc > 0) {
            lv_query_rec_release(&qr);
        }
    } else if (IS("insights.query_transition")) {
        rc = lv_store_insights_query_transition(s, "q1", "Scheduled,Running",
                                                "Cancelled", 5000, err);
    } else if (IS("insights.query_progress")) {
        rc = lv_store_insights_query_progress(s, "q1", "{}", 5000, err);
    } else if (IS("insights.query_finish")) {
        rc = lv_store_insights_query_finish(s, "q1", "Complete", "{}",
                                            sealed, sizeof(sealed), NULL,
                                            5000, err);
    } else if (IS("insights.query_count_active")) {
        *writes = 0;
        rc = lv_store_insights_query_count_active(s, ACCT, REGION, &n64,
                                                  err);
    } else if (IS("insights.query_list")) {
        *writes = 0;
        rc = lv_store_insights_query_list(s, ACCT, REGION, "", "", "",
                                          INT64_MAX, "", 10, any_query, NULL,
                                          err);
    } else if (IS("insights.query_stale")) {
        *writes = 0;
        rc = lv_store_insights_query_stale(s, 2000, any_query, NULL, err);
    } else if (IS("insights.query_expire")) {
        rc = lv_store_insights_query_expire(s, 2000, &n64, err);
    } else if (IS("insights.def_put")) {
        make_def(&qd, "d2");
        rc = lv_store_insights_def_put(s, &qd, err);
    } else if (IS("insights.def_get")) {
        *writes = 0;
        rc = lv_store_insights_def_get(s, ACCT, REGION, "d1", &qd, err);
        if (rc > 0) {
            lv_query_def_release(&qd);
        }
    } else if (IS("insights.def_list")) {
        *writes = 0;
        rc = lv_store_insights_def_list(s, ACCT, REGION, "", "", "", "", 10,
                                        any_def, NULL, err);
    } else if (IS("insights.def_count")) {
        *writes = 0;
        rc = lv_store_insights_def_count(s, ACCT, REGION, &n64, err);
    } else if (IS("insights.def_delete")) {
        rc = lv_store_insights_def_delete(s, ACCT, REGION, "d1", err);
    /* delivery destinations */
    } else if (IS("logs.dest_put")) {
        make_dest(&dd, "dd2");
        rc = lv_store_logs_dest_put(s, &dd, err);
    } else if (IS("logs.dest_get")) {
        *writes = 0;
        rc = lv_store_logs_dest_get(s, ACCT, REGION, "dd1", &dd, err);
        if (rc > 0) {
            lv_delivery_dest_release(&dd);
        }
    } else if (IS("logs.dest_list")) {
        *writes = 0;
        rc = lv_store_logs_dest_list(s, ACCT, REGION, "", 10, any_dest, NULL,
                                     err);
    } else if (IS("logs.dest_delete")) {
        rc = lv_store_logs_dest_delete(s, ACCT, REGION, "dd1", err);
    } else if (IS("logs.dest_set_policy")) {
        rc = lv_store_logs_dest_set_policy(s, ACCT, REGION, "dd1", "{}",
                                           err);
    /* lookup */
    } else if (IS("lookup.insert")) {
        make_table(&lt, "t2");
        rc = lv_store_lookup_insert(s, &lt, err);
    } else if (IS("lookup.get")) {
        *writes = 0;
        rc = lv_store_lookup_get(s, ACCT, REGION, "t1", 1, &lt, err);
        if (rc > 0) {
            lv_lookup_rec_release(&lt);
        }
    } else if (IS("lookup.update")) {
        make_table(&lt, "t1");
        lt.records = 5;
        rc = lv_store_lookup_update(s, &lt, err);
    } else if (IS("lookup.list")) {
        *writes = 0;
        rc = lv_store_lookup_list(s, ACCT, REGION, "", "", 10, any_table,
                                  NULL, err);
    } else if (IS("lookup.count")) {
        *writes = 0;
        rc = lv_store_lookup_count(s, ACCT, REGION, &n64, err);
    } else if (IS("lookup.delete")) {
        rc = lv_store_lookup_delete(s, ACCT, REGION, "t1", err);
    /* policies */
    } else if (IS("policies.insert")) {
        struct lv_log_policy_rec pr;

        make_policy(&pr);
        rc = lv_store_policies_insert(s, &pr, err);
    } else if (IS("policies.close")) {
        rc = lv_store_policies_close(s, ACCT, REGION, LV_POLICY_SCOPE_ACCOUNT,
                                     "DATA_PROTECTION_POLICY", "p1", 5000,
                                     err);
        if (rc == 0) {
            *writes = 0;
        }
    } else if (IS("policies.list")) {
        *writes = 0;
        rc = lv_store_policies_list(s, ACCT, REGION, LV_POLICY_SCOPE_ACCOUNT,
                                    "DATA_PROTECTION_POLICY", 1, any_policy,
                                    NULL, err);
    /* sched */
    } else if (IS("sched.insert")) {
        make_sched(&sr, &su, "s2");
        rc = lv_store_sched_insert(s, &sr, err);
    } else if (IS("sched.update")) {
        make_sched(&sr, &su, "s1");
        sr.next_ms = 9;
        rc = lv_store_sched_update(s, &sr, err);
    } else if (IS("sched.get")) {
        *writes = 0;
        rc = lv_store_sched_get(s, ACCT, REGION, "s1", &sr, err);
        if (rc > 0) {
            lv_sched_rec_release(&sr);
        }
    } else if (IS("sched.list")) {
        *writes = 0;
        rc = lv_store_sched_list(s, ACCT, REGION, "", 10, any_sched, NULL,
                                 err);
    } else if (IS("sched.delete")) {
        rc = lv_store_sched_delete(s, ACCT, REGION, "s1", err);
    } else if (IS("sched.due")) {
        *writes = 0;
        rc = lv_store_sched_due(s, 1000, 10, any_sched, NULL, err);
    } else if (IS("sched.run_put")) {
        make_sched(&sr, &su, "s1");
        snprintf(su.status, sizeof(su.status), "Complete");
        rc = lv_store_sched_run_put(s, &su, err);
    } else if (IS("sched.run_list")) {
        *writes = 0;
        rc = lv_store_sched_run_list(s, ACCT, REGION, "s1", 0, 2000, 10,
                                     any_sched_run, NULL, err);
    } else if (IS("sched.run_open")) {
        *writes = 0;
        rc = lv_store_sched_run_open(s, 10, any_sched_run, NULL, err);
    /* anomaly */
    } else if (IS("anomaly.det_insert")) {
        make_detector(&adet, &arow, "d2");
        rc = lv_store_anomaly_det_insert(s, &adet, err);
    } else if (IS("anomaly.det_update")) {
        make_detector(&adet, &arow, "d1");
        adet.next_ms = 9;
        rc = lv_store_anomaly_det_update(s, &adet, err);
    } else if (IS("anomaly.det_get")) {
        *writes = 0;
        rc = lv_store_anomaly_det_get(s, ACCT, REGION, "d1", &adet, err);
        if (rc > 0) {
            lv_anomaly_det_release(&adet);
        }
    } else if (IS("anomaly.det_list")) {
        *writes = 0;
        rc = lv_store_anomaly_det_list(s, ACCT, REGION, "", 10,
                                       any_detector, NULL, err);
    } else if (IS("anomaly.det_delete")) {
        rc = lv_store_anomaly_det_delete(s, ACCT, REGION, "d1", err);
    } else if (IS("anomaly.det_due")) {
        *writes = 0;
        rc = lv_store_anomaly_det_due(s, 1000, 10, any_detector, NULL, err);
    } else if (IS("anomaly.put")) {
        static char other[] = "{\"x\":1}";

        make_detector(&adet, &arow, "d1");
        arow.doc = other;
        rc = lv_store_anomaly_put(s, &arow, err);
    } else if (IS("anomaly.list")) {
        *writes = 0;
        rc = lv_store_anomaly_list(s, ACCT, REGION, "", 10, any_anomaly,
                                   NULL, err);
    /* livetail */
    } else if (IS("livetail.admit")) {
        make_session(&lrec, "lt2");
        rc = lv_store_livetail_admit(s, &lrec, 15, 2000, err);
    } else if (IS("livetail.renew")) {
        rc = lv_store_livetail_renew(s, "lt1", 2000, 2000000000000LL, err);
    } else if (IS("livetail.remove")) {
        rc = lv_store_livetail_remove(s, "lt1", err);
    } else if (IS("livetail.count")) {
        *writes = 0;
        rc = lv_store_livetail_count(s, ACCT, REGION, 2000, &n64, err);
    } else {
        fail_msg("no case for store operation %s", op);
    }
#undef IS
    lv_kms_key_release(&k);
    lv_kms_grant_release(&g);
    lv_buf_release(&b);
    return rc;
}

/* ---- tests ---------------------------------------------------------------- */

/* Every operation failed once: the error, the database untouched, no
 * transaction left open; then the same call goes through. */
static void test_every_operation_fails_cleanly(void **state)
{
    size_t count = 0;

    (void)state;
    for (const char *const *op = lv_store_fault_ops; *op; op++) {
        struct lv_err err = LV_ERR_INIT;
        struct fx *f = fx_new();
        char *before;
        char *after;
        int writes;
        int rc;

        assert_int_equal(lv_store_fault_set(f->s, *op, &err), 0);
        before = dump(f);
        rc = call(f, *op, &writes, &err);
        CHECK(*op, rc == -1);
        CHECK(*op, err.code == LV_E_SERVICE_UNAVAILABLE);
        CHECK(*op, strcmp(err.msg, LV_STORE_UNAVAILABLE_MSG) == 0);
        CHECK(*op, lv_store_fault_hits(f->s) == 1);
        after = dump(f);
        CHECK(*op, strcmp(before, after) == 0);
        free(after);

        /* Nothing left open: a transaction of our own begins and ends. */
        assert_int_equal(lv_store_fault_set(f->s, "", &err), 0);
        CHECK(*op, lv_store_begin(f->s, &err) == 0);
        CHECK(*op, lv_store_commit(f->s, &err) == 0);

        /* Without the fault the call is good, and a write writes. */
        rc = call(f, *op, &writes, &err);
        CHECK(*op, rc >= 0);
        after = dump(f);
        CHECK(*op, (strcmp(before, after) != 0) == writes);
        free(after);
        free(before);
        fx_free(f);
        count++;
    }
    /* 10 core operations and every domain one. */
    assert_true(count > 70);
}

/* A fault in the middle of a transaction: the caller rolls back and the
 * database is as before the transaction. */
static void test_fault_mid_transaction(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct fx *f = fx_new();
    char *before = dump(f);
    char *after;

    (void)state;
    assert_int_equal(lv_store_fault_set(f->s, "kms.tag_set", &err), 0);
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_store_kms_key_set_description(f->s, "k1", f->rv,
                                                      "new", &err), 1);
    assert_int_equal(lv_store_kms_tag_set(f->s, "k1", "a", "b", &err), -1);
    lv_store_rollback(f->s);
    after = dump(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    fx_free(f);
}

/* OP#N fails only that call of OP; #N only the Nth call of anything. */
static void test_nth_call(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct fx *f = fx_new();
    int n;

    (void)state;
    assert_int_equal(lv_store_fault_set(f->s, "kms.tag_count#2", &err), 0);
    assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(lv_store_ping(f->s, &err), 0);
    assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), -1);
    assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), 0);
    assert_int_equal(lv_store_fault_hits(f->s), 1);

    assert_int_equal(lv_store_fault_set(f->s, "#3", &err), 0);
    assert_int_equal(lv_store_ping(f->s, &err), 0);
    assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), 0);
    assert_int_equal(lv_store_ping(f->s, &err), -1);
    assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), 0);
    assert_int_equal(lv_store_fault_hits(f->s), 1);
    fx_free(f);
}

/* commit/OP fails the outermost commit of a transaction that called OP,
 * rolled back whole; a transaction without OP commits. */
static void test_commit_after(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct fx *f = fx_new();
    char *before = dump(f);
    char *after;
    struct lv_log_chunk c;
    int n;

    (void)state;
    assert_int_equal(lv_store_fault_set(f->s, "commit/logs.chunk_insert",
                                        &err), 0);
    /* The shape of the Logs group commit: one savepoint per request. */
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    make_chunk(&c, f, 1);
    assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, "p", 1, &err), 0);
    assert_int_equal(lv_store_logs_stream_note_append(f->s, f->stream, 1000,
                                                      2000, 3000, 33, 1,
                                                      &err), 0);
    assert_int_equal(lv_store_commit(f->s, &err), 0);   /* the savepoint */
    assert_int_equal(lv_store_commit(f->s, &err), -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    after = dump(f);
    assert_string_equal(before, after);
    free(after);

    /* The next transaction, without a chunk, commits. */
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, f->group, "x", "y", &err),
                     0);
    assert_int_equal(lv_store_commit(f->s, &err), 0);
    after = dump(f);
    assert_string_not_equal(before, after);
    free(after);
    assert_int_equal(lv_store_fault_hits(f->s), 1);

    /* commit/OP#N: the second transaction with OP fails, not the first
     * nor the third. */
    assert_int_equal(lv_store_fault_set(f->s, "commit/logs.tag_set#2",
                                        &err), 0);
    for (int i = 1; i <= 3; i++) {
        char key[16];

        snprintf(key, sizeof(key), "n%d", i);
        assert_int_equal(lv_store_begin(f->s, &err), 0);
        assert_int_equal(lv_store_logs_tag_set(f->s, f->group, key, "v",
                                               &err), 0);
        assert_int_equal(lv_store_commit(f->s, &err), i == 2 ? -1 : 0);
    }
    assert_int_equal(lv_store_logs_tag_count(f->s, f->group, &n, &err), 0);
    assert_int_equal(n, 4);     /* t, x, n1, n3 */
    free(before);
    fx_free(f);
}

/* lease is passed through unchanged: the inner backend's answer, never
 * failed, not even counted as a call; the store's kind is the inner one. */
static void test_lease_passes(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct fx *f = fx_new();

    (void)state;
    assert_string_equal(lv_store_kind_of(f->s), "sqlite");
    assert_int_equal(lv_store_fault_set(f->s, "#1", &err), 0);
    assert_int_equal(lv_store_lease(f->s, "kms.sweeper", &err), 1);
    assert_int_equal(lv_store_fault_hits(f->s), 0);
    /* The first counted call is the next one. */
    assert_int_equal(lv_store_ping(f->s, &err), -1);
    assert_int_equal(lv_store_fault_hits(f->s), 1);
    assert_int_equal(lv_store_lease(f->s, "logs.retention", &err), 1);
    fx_free(f);
}

static void test_bad_specs(void **state)
{
    static const char *const bad[] = {
        "nosuch", "kms.", "kms.nosuch", "#0", "#", "#x", "ping#", "ping#-1",
        "commit/", "commit/nosuch", "commit/#2", "logs.tag_set#3x",
        "ping,ping,ping,ping,ping,ping,ping,ping,ping,ping,ping,ping,ping,"
        "ping,ping,ping,ping",
    };
    static const char *const good[] = {
        "", " , ", "ping", "ping#1", "#12", "commit/logs.chunk_insert",
        "commit/kms.tag_set#2",
        "kms.key_insert, logs.group_insert,commit/kms.tag_set",
    };
    struct fx *f = fx_new();
    int n;

    (void)state;
    for (size_t i = 0; i < N(bad); i++) {
        struct lv_err err = LV_ERR_INIT;

        CHECK(bad[i], lv_store_fault_set(f->s, bad[i], &err) == -1);
        CHECK(bad[i], err.code == LV_E_INVALID_PARAMETER);
    }
    for (size_t i = 0; i < N(good); i++) {
        struct lv_err err = LV_ERR_INIT;

        CHECK(good[i], lv_store_fault_set(f->s, good[i], &err) == 0);
    }
    /* The last good spec is in force: key_insert fails, tag_count not. */
    {
        struct lv_err err = LV_ERR_INIT;

        assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), 0);
    }
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_operation_fails_cleanly),
        cmocka_unit_test(test_fault_mid_transaction),
        cmocka_unit_test(test_nth_call),
        cmocka_unit_test(test_commit_after),
        cmocka_unit_test(test_lease_passes),
        cmocka_unit_test(test_bad_specs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
