/*
 * test_audit_recorder: audit/audit.c — the writer appends every record
 * queued, as it was submitted (every field, from the job it keeps of it),
 * each chain's records in the order they were queued, in batches,
 * and a stop writes what is still queued (the chains then verify clean);
 * the task expires records past 90 days (the chain's base moves) and
 * signs each chain's head. On the sqlite backend.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit/audit_int.h"
#include "audit/chain.h"
#include "audit/event.h"
#include "crypto/keyring.h"
#include "store/audit_eid.h"
#include "store/audit_store.h"
#include "store/fault/fault.h"
#include "model/model.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

#define REGION "eu-west-2"
#define N_PER_CHAIN 1500        /* several writer batches (1024) */

static const char *const accounts[] = { "111111111111", "222222222222" };

struct fx {
    struct lv_test_store st;
    struct lv_keyring *kr;
};

static int setup(void **state)
{
    struct fx *f = lv_xcalloc(1, sizeof(*f));
    uint8_t root[32];

    if (lv_test_store_open("audit-recorder", f->st.dir, &f->st.s) < 0) {
        free(f);
        return -1;
    }
    memset(root, 0x42, sizeof(root));
    f->kr = lv_keyring_new(root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lv_keyring_free(f->kr);
    lv_test_store_close(f->st.s, f->st.dir);
    free(f);
    return 0;
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A record as event.c would leave it: event malloc'd (the caller
 * releases it once submitted: the writer keeps a copy). Every record names
 * a key; every third a second resource and has a trace, so that the
 * writer's copy is checked field by field (walked()). */
static void make(struct lv_audit_record *r, const char *account,
                 int64_t time_ms, int i)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->account, sizeof(r->account), "%s", account);
    snprintf(r->region, sizeof(r->region), REGION);
    r->event_time_ms = time_ms;
    snprintf(r->event_id, sizeof(r->event_id), "ev-%s-%d", account, i);
    snprintf(r->request_id, sizeof(r->request_id), "req-%d", i);
    snprintf(r->event_source, sizeof(r->event_source), "kms.amazonaws.com");
    snprintf(r->event_name, sizeof(r->event_name), "Encrypt");
    r->read_only = 1;
    r->key_use = 1;
    r->event = lv_xasprintf("{\"eventName\":\"Encrypt\",\"n\":%d}", i);
    r->n_resources = 1;
    snprintf(r->resources[0].type, sizeof(r->resources[0].type),
             "AWS::KMS::Key");
    snprintf(r->resources[0].name, sizeof(r->resources[0].name),
             "arn:aws:kms:%s:%s:key/k-%d", REGION, account, i);
    if (i % 3 == 0) {
        r->n_resources = 2;
        snprintf(r->resources[1].type, sizeof(r->resources[1].type),
                 "AWS::Logs::LogGroup");
        snprintf(r->resources[1].name, sizeof(r->resources[1].name),
                 "arn:aws:logs:%s:%s:log-group:g%d", REGION, account, i);
        r->trace = lv_xasprintf("{\"trace\":%d}", i);
        snprintf(r->error_code, sizeof(r->error_code),
                 "AccessDeniedException");
    }
}

/* Whether r is what make() made of it (i from its request id): what the
 * writer wrote is what was submitted. */
static int made(const struct lv_audit_record *r)
{
    struct lv_audit_record *m = lv_xmalloc(sizeof(*m));
    int i;
    int ok;

    if (sscanf(r->request_id, "req-%d", &i) != 1) {
        free(m);
        return 0;
    }
    make(m, r->account, r->event_time_ms, i);
    ok = strcmp(m->event_id, r->event_id) == 0 &&
         strcmp(m->event_source, r->event_source) == 0 &&
         strcmp(m->event_name, r->event_name) == 0 &&
         strcmp(m->username, r->username) == 0 &&
         strcmp(m->access_key_id, r->access_key_id) == 0 &&
         strcmp(m->error_code, r->error_code) == 0 &&
         m->read_only == r->read_only && m->key_use == r->key_use &&
         m->n_resources == r->n_resources && r->event &&
         strcmp(m->event, r->event) == 0 &&
         (m->trace ? r->trace && strcmp(m->trace, r->trace) == 0
                   : r->trace == NULL);
    for (int k = 0; ok && k < m->n_resources; k++) {
        ok = strcmp(m->resources[k].type, r->resources[k].type) == 0 &&
             strcmp(m->resources[k].name, r->resources[k].name) == 0;
    }
    lv_audit_record_release(m);
    free(m);
    return ok;
}

struct walk {
    int n;
    int in_order;
    int as_made;                /* every record is what make() made */
    int64_t last_seq;
    int64_t last_time;
};

static int walked(void *arg, const struct lv_audit_record *r)
{
    struct walk *w = arg;

    if ((w->last_seq >= 0 && r->seq != w->last_seq + 1) ||
        r->event_time_ms <= w->last_time) {
        w->in_order = 0;
    }
    if (!made(r)) {
        w->as_made = 0;
    }
    w->last_seq = r->seq;
    w->last_time = r->event_time_ms;
    w->n++;
    return 0;
}

static void walk(struct fx *f, const char *account, struct walk *w,
                 int64_t *base_seq)
{
    struct lv_err err = LV_ERR_INIT;
    uint8_t base_hash[LV_AUDIT_HASH_BYTES];

    memset(w, 0, sizeof(*w));
    w->in_order = 1;
    w->as_made = 1;
    w->last_seq = -1;
    w->last_time = INT64_MIN;
    assert_int_equal(lv_store_audit_chain_walk(f->st.s, account, REGION, 0,
                                               base_seq, base_hash, walked,
                                               w, &err), 0);
}

static int finding(void *arg, const struct lv_audit_finding *fd)
{
    (void)fd;
    (*(int *)arg)++;
    return 0;
}

/* Submits make()'s record i of account's chain at time_ms. */
static void submit_one(struct lv_audit *a, const char *account,
                       int64_t time_ms, int i)
{
    struct lv_audit_record *r = lv_xmalloc(sizeof(*r));

    make(r, account, time_ms, i);
    lv_audit_submit(a, r, 1);   /* the writer's copy now */
    lv_audit_record_release(r);
    free(r);
}

/* Every chain of the store verifies with no finding: how many records
 * it read. */
static int64_t verified_records(struct fx *f)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_verify_stats vs;
    int findings = 0;

    memset(&vs, 0, sizeof(vs));
    assert_int_equal(lv_audit_verify_all(f->st.s, f->kr, 0, finding,
                                         &findings, &vs, &err), 0);
    assert_int_equal(findings, 0);
    return (int64_t)vs.records;
}

static void test_writer_writes_all_in_order(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_config cfg = { 0, 3600 * 1000, 3600LL * 1000 };
    struct lv_audit *a = lv_audit_new(f->st.s, f->kr, &cfg);
    struct walk w;
    int64_t base;
    int64_t t0 = wall_ms();

    assert_int_equal(lv_audit_start(a, &err), 0);
    /* Interleaved chains; each chain's times rise in queue order. */
    for (int i = 0; i < N_PER_CHAIN; i++) {
        for (size_t k = 0; k < 2; k++) {
            submit_one(a, accounts[k], t0 + i, i);
        }
    }
    /* The stop writes whatever is still queued. */
    lv_audit_free(a);
    for (size_t k = 0; k < 2; k++) {
        walk(f, accounts[k], &w, &base);
        assert_int_equal(w.n, N_PER_CHAIN);
        assert_true(w.in_order);
        assert_true(w.as_made);
        assert_int_equal(base, 0);
    }
    assert_int_equal(verified_records(f), 2 * N_PER_CHAIN);
}

/* Outboxes (audit.c): threads that record and end, one that records past
 * an outbox's bound (MAX_QUEUED, 8192: it may wait for room), and a
 * thread that records into one recorder, then another: every record is
 * written once, as submitted, and the chain verifies. */
#define OUTBOX_THREADS 4
#define OUTBOX_EACH 3000

struct submitter {
    struct lv_audit *a;
    int first;
    int n;
};

static void submit_range(struct lv_audit *a, int first, int n,
                         int64_t t0)
{
    for (int i = first; i < first + n; i++) {
        submit_one(a, accounts[0], t0 + i, i);
    }
}

static void *submitter(void *arg)
{
    struct submitter *s = arg;

    submit_range(s->a, s->first, s->n, wall_ms());
    return NULL;                /* its outbox is left here */
}

static void test_writer_takes_every_outbox(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_config cfg = { 0, 3600 * 1000, 3600LL * 1000 };
    struct lv_audit *a = lv_audit_new(f->st.s, f->kr, &cfg);
    struct submitter sub[OUTBOX_THREADS];
    pthread_t th[OUTBOX_THREADS];
    struct walk w;
    int64_t base;
    int total = 0;

    assert_int_equal(lv_audit_start(a, &err), 0);
    for (int t = 0; t < OUTBOX_THREADS; t++) {
        sub[t].a = a;
        sub[t].first = total;
        sub[t].n = t == 0 ? 10000 : OUTBOX_EACH;
        total += sub[t].n;
        assert_int_equal(pthread_create(&th[t], NULL, submitter, &sub[t]),
                         0);
    }
    for (int t = 0; t < OUTBOX_THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
    }
    submit_range(a, total, 10, wall_ms());
    total += 10;
    lv_audit_free(a);
    /* This thread's outbox was the first recorder's: it leaves it. */
    a = lv_audit_new(f->st.s, f->kr, &cfg);
    assert_int_equal(lv_audit_start(a, &err), 0);
    submit_range(a, total, 10, wall_ms());
    total += 10;
    lv_audit_free(a);
    walk(f, accounts[0], &w, &base);
    assert_int_equal(w.n, total);
    assert_true(w.as_made);
    assert_int_equal(base, 0);
    assert_int_equal(verified_records(f), total);
}

/* When a batch cannot be written (its insert fails), the writer writes
 * its records one by one as single rows, each read back from its job:
 * every record is there, in order, as it was submitted, and the chains
 * verify clean. */
static void test_writer_falls_back_one_by_one(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_config cfg = { 0, 3600 * 1000, 3600LL * 1000 };
    struct lv_audit *a;
    struct walk w;
    int64_t base;
    int64_t t0 = wall_ms();
    enum { N = 40 };

    assert_int_equal(lv_store_fault_wrap(f->st.s, "audit.batch_insert",
                                         &err), 0);
    a = lv_audit_new(f->st.s, f->kr, &cfg);
    assert_int_equal(lv_audit_start(a, &err), 0);
    for (int i = 0; i < N; i++) {
        for (size_t k = 0; k < 2; k++) {
            submit_one(a, accounts[k], t0 + i, i);
        }
    }
    lv_audit_free(a);
    assert_true(lv_store_fault_hits(f->st.s) >= 2);     /* both chains */
    assert_int_equal(lv_store_fault_set(f->st.s, "", &err), 0);
    for (size_t k = 0; k < 2; k++) {
        walk(f, accounts[k], &w, &base);
        assert_int_equal(w.n, N);
        assert_true(w.in_order);
        assert_true(w.as_made);
    }
    assert_int_equal(verified_records(f), 2 * N);
}

/* What test_hooks_share_tails expects of a chain's records, in order;
 * and the eventID and place of each. */
struct hooked {
    int n;
    int ok;
    struct lv_audit_eid eid;    /* the store's, of REGION */
    int derived;                /* records whose eventID their place gave */
    char ids[64][37];
    int64_t seqs[64];
};

static int hooked_record(void *arg, const struct lv_audit_record *r)
{
    struct hooked *h = arg;
    struct lv_err err = LV_ERR_INIT;
    char want[64];
    char *json = NULL;

    snprintf(want, sizeof(want), "req-%d", h->n);
    if (strcmp(r->request_id, want) != 0 ||
        strcmp(r->event_name, "Encrypt") != 0 ||
        lv_audit_event_render(r, &json, &err) < 0 ||
        strstr(json, "\"requestParameters\":{\"encryptionContext\":"
                     "{\"purpose\":\"test\"},\"keyId\":\"alias/test\"")
            == NULL ||
        strstr(json, "aGVsbG8") != NULL ||       /* never the plaintext */
        strstr(json, r->event_id) == NULL || h->n >= 64) {
        h->ok = 0;
    }
    free(json);
    if (h->n < 64) {
        char want_id[37];

        lv_audit_eid_make(&h->eid, r->account, r->seq, want_id);
        /* A batched record's eventID is the one its place gives; a single
         * row's (the writer's fallback) a random one, kept. */
        if (r->event_id_derived ? strcmp(r->event_id, want_id) != 0
                                : strcmp(r->event_id, want_id) == 0 ||
                                      strlen(r->event_id) != 36) {
            h->ok = 0;
        }
        h->derived += r->event_id_derived;
        snprintf(h->ids[h->n], sizeof(h->ids[0]), "%s", r->event_id);
        h->seqs[h->n] = r->seq;
    }
    h->n++;
    return 0;
}

static int listed(void *arg, const struct lv_audit_record *r)
{
    int64_t *seq = arg;

    *seq = *seq == 0 ? r->seq : -1;     /* -1: more than one */
    return 0;
}

/* The place of the one record of account's chain that a lookup by
 * eventID id finds: 0 when none, -1 when several. */
static int64_t found_by_event_id(struct fx *f, const char *account,
                                 const char *id)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_filter flt = {
        LV_AUDIT_ATTR_EVENT_ID, id, INT64_MIN, INT64_MAX,
    };
    int64_t seq = 0;

    assert_int_equal(lv_store_audit_list(f->st.s, account, REGION, &flt,
                                         INT64_MAX, INT64_MAX, 50, listed,
                                         &seq, &err), 0);
    return seq;
}

/*
 * Records made through the front's hooks (as a server makes them: the
 * thread's remembered tail, shared by reference with the writer's jobs):
 * runs of one account's Encrypts, interleaved with the other's, so that
 * tails are shared within a run and not across. Every record reaches its
 * chain, in order, whole, and verifies; with the batch insert faulted
 * (faulted: 1), the writer's one-by-one fallback reads each record, and
 * its shared tail, back from its job.
 */
static void hooks_share_tails(struct fx *f, int faulted)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_config cfg = { 0, 3600 * 1000, 3600LL * 1000 };
    struct lv_audit *a;
    struct lv_req rq;
    struct hooked h;
    json_t *in = json_pack("{s:s, s:s, s:{s:s}}", "KeyId", "alias/test",
                           "Plaintext", "aGVsbG8=", "EncryptionContext",
                           "purpose", "test");
    static const char resp[] = "{\"CiphertextBlob\":\"AQID\"}";
    int count[2] = { 0, 0 };
    enum { N = 60, RUN = 7 };

    if (faulted) {
        assert_int_equal(lv_store_fault_wrap(f->st.s, "audit.batch_insert",
                                             &err), 0);
    }
    a = lv_audit_new(f->st.s, f->kr, &cfg);
    assert_int_equal(lv_audit_start(a, &err), 0);
    memset(&rq, 0, sizeof(rq));
    snprintf(rq.region, sizeof(rq.region), REGION);
    snprintf(rq.source_ip, sizeof(rq.source_ip), "192.0.2.1");
    rq.user_agent = "aws-cli/2.15.0";
    rq.svc = &lv_model_kms;
    rq.op = lv_model_find_op(&lv_model_kms, "Encrypt", 7);
    rq.store = f->st.s;
    rq.in = in;
    for (int i = 0; i < 2 * N; i++) {
        struct lv_audit_req ar = LV_AUDIT_REQ_INIT;
        int k = (i / RUN) % 2;

        if (count[k] == N) {
            k = !k;
        }
        snprintf(rq.who.account, sizeof(rq.who.account), "%s", accounts[k]);
        snprintf(rq.who.arn, sizeof(rq.who.arn), "arn:aws:iam::%s:root",
                 accounts[k]);
        snprintf(rq.who.access_key, sizeof(rq.who.access_key), "AKIA%d", k);
        snprintf(rq.key_arn, sizeof(rq.key_arn),
                 "arn:aws:kms:%s:%s:key/1234abcd-12ab-34cd-56ef-"
                 "1234567890ab", REGION, accounts[k]);
        snprintf(rq.id, sizeof(rq.id), "req-%d", count[k]++);
        rq.now_ms = wall_ms();
        assert_int_equal(lv_audit_req_begin(a, &rq, 0, &ar, &err), 0);
        assert_int_equal(lv_audit_req_done(a, &rq, &ar, resp,
                                           sizeof(resp) - 1, &err), 0);
    }
    lv_audit_free(a);
    if (faulted) {
        assert_true(lv_store_fault_hits(f->st.s) >= 2);
        assert_int_equal(lv_store_fault_set(f->st.s, "", &err), 0);
    }
    for (size_t k = 0; k < 2; k++) {
        memset(&h, 0, sizeof(h));
        h.ok = 1;
        assert_int_equal(lv_store_audit_eid(f->st.s, REGION, &h.eid, &err),
                         0);
        assert_int_equal(lv_store_audit_chain_walk(f->st.s, accounts[k],
                                                   REGION, 0, &(int64_t){ 0 },
                                                   (uint8_t[32]){ 0 },
                                                   hooked_record, &h, &err),
                         0);
        assert_int_equal(h.n, N);
        assert_true(h.ok);
        /* Batched, every eventID is its place's; one by one, none. */
        assert_int_equal(h.derived, faulted ? 0 : N);
        for (int i = 0; i < N; i += 7) {
            assert_true(found_by_event_id(f, accounts[k], h.ids[i]) ==
                        h.seqs[i]);
            /* Never in the other account's trail. */
            assert_true(found_by_event_id(f, accounts[!k], h.ids[i]) == 0);
        }
    }
    assert_int_equal(verified_records(f), 2 * N);
    json_decref(in);
}

/* Each store draws its own salt for derived eventIDs: 16 bytes, another
 * in another store, so that the same place of the same chain has another
 * id there. */
static void test_eid_salt_per_store(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_test_store other;
    struct lv_buf a = LV_BUF_INIT(64);
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_audit_eid ea;
    struct lv_audit_eid eb;
    char ia[37];
    char ib[37];

    assert_int_equal(lv_test_store_open("audit-recorder2", other.dir,
                                        &other.s), 0);
    assert_int_equal(lv_store_meta_get(f->st.s, LV_AUDIT_EID_SALT, &a, &err),
                     1);
    assert_int_equal(lv_store_meta_get(other.s, LV_AUDIT_EID_SALT, &b, &err),
                     1);
    assert_int_equal(a.len, 16);
    assert_int_equal(b.len, 16);
    assert_true(memcmp(a.data, b.data, 16) != 0);
    assert_int_equal(lv_store_audit_eid(f->st.s, REGION, &ea, &err), 0);
    assert_int_equal(lv_store_audit_eid(other.s, REGION, &eb, &err), 0);
    assert_int_equal(lv_audit_eid_make(&ea, accounts[0], 1, ia), 0);
    assert_int_equal(lv_audit_eid_make(&eb, accounts[0], 1, ib), 0);
    assert_string_not_equal(ia, ib);
    lv_buf_release(&a);
    lv_buf_release(&b);
    lv_test_store_close(other.s, other.dir);
}

static void test_hooks_share_tails(void **state)
{
    hooks_share_tails(*state, 0);
}

static void test_hooks_share_tails_one_by_one(void **state)
{
    hooks_share_tails(*state, 1);
}

static int digest_of(struct fx *f, const char *account,
                     struct lv_audit_digest *d)
{
    struct lv_err err = LV_ERR_INIT;
    int found = lv_store_audit_digest_last(f->st.s, account, REGION, d,
                                           &err);

    assert_true(found >= 0);
    return found;
}

static void test_task_expires_and_signs(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    /* The task at once and every 20 ms, a digest at every pass. */
    struct lv_audit_config cfg = { 0, 20, 0 };
    struct lv_audit *a;
    struct lv_audit_record r;
    struct lv_audit_digest d;
    struct walk w;
    int64_t base;
    int64_t now = wall_ms();
    int64_t old = now - LV_AUDIT_RETENTION_MS - 3600 * 1000;

    /* 3 records past 90 days, 2 within them, appended before the start. */
    for (int i = 0; i < 5; i++) {
        make(&r, accounts[0], i < 3 ? old + i : now - 1000 + i, i);
        assert_int_equal(lv_audit_chain_append(f->st.s, f->kr, &r, &err),
                         0);
        lv_audit_record_release(&r);
    }
    a = lv_audit_new(f->st.s, f->kr, &cfg);
    assert_int_equal(lv_audit_start(a, &err), 0);
    /* Wait (bounded) for a pass that ran both parts; the outcome, not the
     * time it took, is what is checked. */
    for (int tries = 0; tries < 1000; tries++) {
        walk(f, accounts[0], &w, &base);
        if (base == 3 && digest_of(f, accounts[0], &d)) {
            break;
        }
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
    }
    lv_audit_free(a);
    walk(f, accounts[0], &w, &base);
    assert_int_equal(base, 3);          /* the expired records' last seq */
    assert_int_equal(w.n, 2);
    assert_true(w.in_order);
    assert_int_equal(digest_of(f, accounts[0], &d), 1);
    assert_int_equal(d.head_seq, 5);
    assert_string_equal(d.account, accounts[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_writes_all_in_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_takes_every_outbox,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_falls_back_one_by_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_eid_salt_per_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hooks_share_tails, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hooks_share_tails_one_by_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_expires_and_signs, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
