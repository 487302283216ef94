/*
 * Unit tests for lv_kms_key_change (src/kms/keys.c), the one way a key is
 * changed: the record an operation decides on is read from the store inside
 * the change's transaction; a change that loses its guard starts over from
 * a fresh read, a bounded number of times; a refusal rolls back whatever
 * the operation wrote; a key that is absent or deleted is not found. Each
 * test opens a fresh sqlite store; a request carries only that store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms/kms_int.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

#define KEY_ID "00000001-0000-4000-8000-000000000001"
#define KEY_ARN "arn:aws:kms:us-east-1:111111111111:key/" KEY_ID

static int setup(void **state)
{
    return lv_test_store_new(state, "kms-change");
}

static int teardown(void **state)
{
    return lv_test_store_free(state);
}

static void put_key(struct lv_store *s, const char *state_name,
                    int destroyed)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k;

    lv_kms_key_init(&k);
    snprintf(k.id, sizeof(k.id), "%s", KEY_ID);
    snprintf(k.arn, sizeof(k.arn), "%s", KEY_ARN);
    snprintf(k.account, sizeof(k.account), "111111111111");
    snprintf(k.region, sizeof(k.region), "us-east-1");
    snprintf(k.key_spec, sizeof(k.key_spec), "SYMMETRIC_DEFAULT");
    snprintf(k.key_usage, sizeof(k.key_usage), "ENCRYPT_DECRYPT");
    snprintf(k.state, sizeof(k.state), "%s", state_name);
    snprintf(k.origin, sizeof(k.origin), "AWS_KMS");
    k.current_version = 1;
    k.material_destroyed = destroyed;
    assert_int_equal(lv_store_kms_key_insert(s, &k, "m", 1, &err), 0);
    lv_kms_key_release(&k);
}

static void make_req(struct lv_req *rq, struct lv_store *s)
{
    memset(rq, 0, sizeof(*rq));
    snprintf(rq->id, sizeof(rq->id), "test");
    rq->store = s;
}

/* The key as the caller resolved it: id and ARN. */
static void resolved(struct lv_kms_key *k)
{
    lv_kms_key_init(k);
    snprintf(k->id, sizeof(k->id), "%s", KEY_ID);
    snprintf(k->arn, sizeof(k->arn), "%s", KEY_ARN);
}

/* An operation that sets the description to its call count, and whose
 * first `lose` calls find their guard taken: another writer changed the
 * key between the read and the change (played here by the operation
 * itself, which moves the key's row_version first). */
struct op {
    int calls;
    int lose;
    int refuse;                 /* write, then refuse */
    uint64_t seen[32];          /* row_version of each call's record */
};

static int op_fn(struct lv_req *rq, struct lv_kms_key *cur, void *arg,
                 struct lv_err *err)
{
    struct op *o = arg;
    char text[16];

    o->seen[o->calls] = cur->row_version;
    o->calls++;
    snprintf(text, sizeof(text), "call %d", o->calls);
    if (o->calls <= o->lose) {
        /* The other writer's change lands first (here in the same
         * transaction, so the retry's rollback takes it away again);
         * ours, guarded by the record read before it, finds the guard
         * moved and writes nothing. */
        assert_int_equal(lv_store_kms_key_hold(rq->store, cur->id,
                                               cur->row_version, err), 1);
        return lv_store_kms_key_set_description(rq->store, cur->id,
                                                cur->row_version, text, err);
    }
    if (lv_store_kms_key_set_description(rq->store, cur->id,
                                         cur->row_version, text, err) != 1) {
        fail_msg("the guard read in the transaction did not hold");
    }
    if (o->refuse) {
        return lv_err_set(err, LV_E_KMS_INVALID_STATE, "refused");
    }
    return 1;
}

static void read_back(struct lv_store *s, struct lv_kms_key *got)
{
    struct lv_err err = LV_ERR_INIT;

    lv_kms_key_init(got);
    assert_int_equal(lv_store_kms_key_get(s, KEY_ID, got, &err), 1);
}

struct lose_case {
    const char *name;
    int lose;
    int want_ret;
    int want_calls;
    const char *want_description;
};

static const struct lose_case lose_cases[] = {
    { "wins at once", 0, 0, 1, "call 1" },
    { "loses once, decides again", 1, 0, 2, "call 2" },
    { "loses 15 times", 15, 0, 16, "call 16" },
    { "loses every time: bounded", 31, -1, 16, "" },
};

static void test_lost_races(void **state)
{
    struct lv_test_store *f = *state;

    put_key(f->s, "Enabled", 0);
    for (size_t i = 0; i < N(lose_cases); i++) {
        const struct lose_case *c = &lose_cases[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_kms_key k, cur, before, got;
        struct lv_req rq;
        struct op o;

        memset(&o, 0, sizeof(o));
        o.lose = c->lose;
        make_req(&rq, f->s);
        resolved(&k);
        lv_kms_key_init(&cur);
        read_back(f->s, &before);
        /* Reset the description so each row starts alike. */
        CHECK(c->name, lv_store_kms_key_set_description(
                           f->s, KEY_ID, before.row_version, "", &err) == 1);
        CHECK(c->name, lv_kms_key_change(&rq, &k, op_fn, &o, &cur,
                                         &err) == c->want_ret);
        CHECK(c->name, o.calls == c->want_calls);
        /* Every try read the record afresh: the other writer's change was
         * rolled back with the try, so each saw the same row_version. */
        for (int j = 1; j < o.calls; j++) {
            CHECK(c->name, o.seen[j] == o.seen[0]);
        }
        read_back(f->s, &got);
        CHECK(c->name, strcmp(got.description, c->want_description) == 0);
        if (c->want_ret < 0) {
            CHECK(c->name, err.code == LV_E_SERVICE_UNAVAILABLE);
            CHECK(c->name, got.row_version == before.row_version + 1);
        } else {
            CHECK(c->name, got.row_version == before.row_version + 2);
            CHECK(c->name, cur.row_version == before.row_version + 1);
        }
        lv_kms_key_release(&k);
        lv_kms_key_release(&cur);
        lv_kms_key_release(&before);
        lv_kms_key_release(&got);
    }
}

/* A refusal after a write leaves nothing of it. */
static void test_refusal_rolls_back(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k, cur, got;
    struct lv_req rq;
    struct op o;

    put_key(f->s, "Enabled", 0);
    memset(&o, 0, sizeof(o));
    o.refuse = 1;
    make_req(&rq, f->s);
    resolved(&k);
    lv_kms_key_init(&cur);
    assert_int_equal(lv_kms_key_change(&rq, &k, op_fn, &o, &cur, &err), -1);
    assert_int_equal(err.code, LV_E_KMS_INVALID_STATE);
    assert_int_equal(o.calls, 1);
    read_back(f->s, &got);
    assert_string_equal(got.description, "");
    assert_int_equal(got.row_version, 0);
    lv_kms_key_release(&k);
    lv_kms_key_release(&cur);
    lv_kms_key_release(&got);
}

/* Absent and deleted keys are not found; the operation never runs. */
static void test_not_found(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k, cur;
    struct lv_req rq;
    struct op o;

    make_req(&rq, f->s);
    resolved(&k);
    lv_kms_key_init(&cur);
    memset(&o, 0, sizeof(o));
    assert_int_equal(lv_kms_key_change(&rq, &k, op_fn, &o, &cur, &err), -1);
    assert_int_equal(err.code, LV_E_NOT_FOUND);
    assert_string_equal(err.msg, "Key '" KEY_ARN "' does not exist");
    put_key(f->s, "Deleted", 1);
    err = (struct lv_err)LV_ERR_INIT;
    assert_int_equal(lv_kms_key_change(&rq, &k, op_fn, &o, &cur, &err), -1);
    assert_int_equal(err.code, LV_E_NOT_FOUND);
    assert_int_equal(o.calls, 0);
    lv_kms_key_release(&k);
    lv_kms_key_release(&cur);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_lost_races),
        T(test_refusal_rolls_back),
        T(test_not_found),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
