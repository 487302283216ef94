/*
 * test_livetail_store: livetail_store.h on both backends — admit books up
 * to `max` sessions of a scope and refuses the next without writing,
 * other scopes apart; a removed session frees its slot; a session counts
 * until its expiry and not from it; renew moves the expiry only of an
 * unexpired row; admit reaps the scope's expired rows; and admits racing
 * from several threads (each on its own connection: on PostgreSQL
 * separate sessions, as separate nodes are) never pass max together.
 *
 * sqlite always; PostgreSQL with LV_PG_ADMIN_URI, a superuser's libpq URI
 * (the test harness sets it): each test there gets a database
 * lv_livetail_<pid>_<n> of its own, dropped after. Without it the
 * PostgreSQL cases are skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/livetail_store.h"
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
#define REGION2 "us-east-1"

/* ---- fixtures ----------------------------------------------------------- */

static int setup_sqlite(void **state)
{
    return lv_both_setup_sqlite(state, "livetail-store");
}

static int setup_pg(void **state)
{
    return lv_both_setup_pg(state, "lv_livetail");
}

/* ---- sessions ---------------------------------------------------------- */

static void make_rec(struct lv_livetail_rec *r, const char *account,
                     const char *region, int i, int64_t expires_ms)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->id, sizeof(r->id), "%s-%s-%04d", account, region, i);
    snprintf(r->account, sizeof(r->account), "%s", account);
    snprintf(r->region, sizeof(r->region), "%s", region);
    snprintf(r->node, sizeof(r->node), "host/%d", i % 2);
    r->started_ms = 1000;
    r->expires_ms = expires_ms;
}

static int admit(struct lv_store *s, const char *account, const char *region,
                 int i, int max, int64_t now_ms, int64_t expires_ms)
{
    struct lv_livetail_rec r;
    struct lv_err err = LV_ERR_INIT;
    int rc;

    make_rec(&r, account, region, i, expires_ms);
    rc = lv_store_livetail_admit(s, &r, max, now_ms, &err);
    if (rc < 0) {
        fail_msg("admit %d: %s", i, err.msg);
    }
    return rc;
}

static int64_t count(struct lv_store *s, const char *account,
                     const char *region, int64_t now_ms)
{
    struct lv_err err = LV_ERR_INIT;
    int64_t n = -1;

    assert_int_equal(lv_store_livetail_count(s, account, region, now_ms, &n,
                                             &err), 0);
    return n;
}

static void test_admit_limit(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_err err = LV_ERR_INIT;
    char id[37];

    for (int i = 0; i < 15; i++) {
        assert_int_equal(admit(s, ACCT, REGION, i, 15, 2000, 60000), 1);
    }
    assert_int_equal(count(s, ACCT, REGION, 2000), 15);
    /* Full: refused, nothing written. */
    assert_int_equal(admit(s, ACCT, REGION, 15, 15, 2000, 60000), 0);
    assert_int_equal(count(s, ACCT, REGION, 2000), 15);
    assert_int_equal(lv_store_livetail_remove(s, ACCT "-" REGION "-0015",
                                              &err), 0);
    /* Other scopes have their own count. */
    assert_int_equal(admit(s, ACCT, REGION2, 0, 15, 2000, 60000), 1);
    assert_int_equal(admit(s, OTHER, REGION, 0, 15, 2000, 60000), 1);
    assert_int_equal(count(s, ACCT, REGION2, 2000), 1);
    assert_int_equal(count(s, OTHER, REGION, 2000), 1);
    /* A session that ends frees its slot, once. */
    snprintf(id, sizeof(id), "%s-%s-%04d", ACCT, REGION, 3);
    assert_int_equal(lv_store_livetail_remove(s, id, &err), 1);
    assert_int_equal(lv_store_livetail_remove(s, id, &err), 0);
    assert_int_equal(count(s, ACCT, REGION, 2000), 14);
    assert_int_equal(admit(s, ACCT, REGION, 15, 15, 2000, 60000), 1);
    assert_int_equal(admit(s, ACCT, REGION, 16, 15, 2000, 60000), 0);
}

static void test_expiry_and_renew(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct lv_err err = LV_ERR_INIT;
    char id0[37];
    char id1[37];

    for (int i = 0; i < 3; i++) {
        assert_int_equal(admit(s, ACCT, REGION, i, 3, 1000, 5000), 1);
    }
    snprintf(id0, sizeof(id0), "%s-%s-%04d", ACCT, REGION, 0);
    snprintf(id1, sizeof(id1), "%s-%s-%04d", ACCT, REGION, 1);
    assert_int_equal(count(s, ACCT, REGION, 4999), 3);
    assert_int_equal(count(s, ACCT, REGION, 5000), 0);
    /* Renewed while unexpired: it counts on. */
    assert_int_equal(lv_store_livetail_renew(s, id0, 4000, 9000, &err), 1);
    assert_int_equal(count(s, ACCT, REGION, 5000), 1);
    /* Renewal of an expired row is refused: its slot may be taken. */
    assert_int_equal(lv_store_livetail_renew(s, id1, 5000, 9000, &err), 0);
    assert_int_equal(lv_store_livetail_renew(s, "no-such", 0, 9000, &err),
                     0);
    /* At 6000: one live row (id0), two expired ones; max 2 admits one. */
    assert_int_equal(admit(s, ACCT, REGION, 10, 2, 6000, 20000), 1);
    assert_int_equal(admit(s, ACCT, REGION, 11, 2, 6000, 20000), 0);
    /* The expired rows were reaped: not even a renewal "from the past"
     * finds id1 any more, while id0 is still there. */
    assert_int_equal(lv_store_livetail_renew(s, id1, 0, 9000, &err), 0);
    assert_int_equal(lv_store_livetail_renew(s, id0, 0, 9000, &err), 1);
    /* From id0's expiry, its slot is free without anyone removing it. */
    assert_int_equal(admit(s, ACCT, REGION, 12, 2, 9000, 20000), 1);
    assert_int_equal(count(s, ACCT, REGION, 9000), 2);
}

/* ---- racing admits ---------------------------------------------------- */

#define RACERS 8
#define PER_RACER 6

struct racer {
    struct lv_store *s;
    int base;
    atomic_int *go;
    int admitted;
    int failed;
};

static void *race(void *arg)
{
    struct racer *r = arg;

    while (!atomic_load(r->go)) {
        /* spin: start together */
    }
    for (int i = 0; i < PER_RACER; i++) {
        struct lv_livetail_rec rec;
        struct lv_err err = LV_ERR_INIT;
        int rc;

        make_rec(&rec, ACCT, REGION, r->base + i, 60000);
        rc = lv_store_livetail_admit(r->s, &rec, 15, 2000, &err);
        if (rc < 0) {
            r->failed++;
            lv_err_release(&err);
        } else {
            r->admitted += rc;
        }
    }
    return NULL;
}

static void test_race(void **state)
{
    struct lv_store *s = lv_both_store(state);
    struct racer rs[RACERS];
    pthread_t th[RACERS];
    atomic_int go = 0;
    int total = 0;

    for (int i = 0; i < RACERS; i++) {
        rs[i] = (struct racer){ s, i * 100, &go, 0, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, race, &rs[i]), 0);
    }
    atomic_store(&go, 1);
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].failed, 0);
        total += rs[i].admitted;
    }
    /* RACERS * PER_RACER tries for 15 slots: exactly 15 pass. */
    assert_int_equal(total, 15);
    assert_int_equal(count(s, ACCT, REGION, 2000), 15);
}

#define BOTH(t)                                                              \
    cmocka_unit_test_setup_teardown(t, setup_sqlite, lv_both_teardown),      \
        cmocka_unit_test_setup_teardown(t, setup_pg, lv_both_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_admit_limit),
        BOTH(test_expiry_and_renew),
        BOTH(test_race),
    };

    return lv_both_main(tests);
}
