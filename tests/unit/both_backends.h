/*
 * both_backends.h: the fixture of the store tests that run every case on
 * both backends (test_audit_store, test_insights_store,
 * test_livetail_store): sqlite always, in a directory of its own;
 * PostgreSQL with LV_PG_ADMIN_URI, a superuser's libpq URI (the test
 * harness sets it), in a database <prefix>_<pid>_<n> of its own, dropped
 * after. Without it the PostgreSQL cases are skipped (lv_both_store()).
 *
 * A test file's setups name its directory tag and database prefix:
 *     static int setup_sqlite(void **st)
 *     { return lv_both_setup_sqlite(st, "audit-store"); }
 *     static int setup_pg(void **st)
 *     { return lv_both_setup_pg(st, "lv_audit"); }
 * with lv_both_teardown as the teardown, and its main returns
 * lv_both_main(tests).
 */
#ifndef LV_TEST_BOTH_BACKENDS_H
#define LV_TEST_BOTH_BACKENDS_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#include "helpers.h"

struct lv_both {
    int pg;
    char dir[LV_TEST_DIR_MAX];      /* sqlite */
    char db[64];                    /* postgres */
    char *spec;                     /* postgres: the store's libpq spec */
    struct lv_store *s;
};

/* The admin connection (NULL: no PostgreSQL) and the databases made. */
static PGconn *lv_both_admin;
static int lv_both_dbs;

static inline void lv_both_admin_run(const char *sql)
{
    PGresult *r = PQexec(lv_both_admin, sql);
    ExecStatusType st = PQresultStatus(r);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fail_msg("admin: %s: %s", sql, PQerrorMessage(lv_both_admin));
    }
    PQclear(r);
}

/* The admin connection's settings, with dbname replaced (values quoted). */
static inline char *lv_both_spec_for(const char *db)
{
    PQconninfoOption *opts = PQconninfo(lv_both_admin);
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (!o->val || !*o->val || strcmp(o->keyword, "dbname") == 0) {
            continue;
        }
        lv_buf_addf(&b, "%s='", o->keyword);
        for (const char *p = o->val; *p; p++) {
            if (*p == '\'' || *p == '\\') {
                lv_buf_addc(&b, '\\');
            }
            lv_buf_addc(&b, *p);
        }
        lv_buf_adds(&b, "' ");
    }
    lv_buf_addf(&b, "dbname='%s'", db);
    PQconninfoFree(opts);
    return lv_buf_detach(&b, NULL);
}

/* A new store on spec (another connection set to the fixture's database,
 * for tests that race two stores): fails the test when it cannot open. */
static inline struct lv_store *lv_both_open_spec(const char *spec)
{
    struct lv_store_config cfg = { spec, NULL };
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = lv_store_open(&cfg, &err);

    if (!s) {
        fail_msg("open: %s", err.msg);
    }
    return s;
}

static inline int lv_both_setup_sqlite(void **state, const char *tag)
{
    struct lv_both *f = lv_xcalloc(1, sizeof(*f));

    if (lv_test_store_open(tag, f->dir, &f->s) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* No admin connection: the fixture has no store and the test skips. */
static inline int lv_both_setup_pg(void **state, const char *prefix)
{
    struct lv_both *f = lv_xcalloc(1, sizeof(*f));
    char sql[128];

    f->pg = 1;
    *state = f;
    if (!lv_both_admin) {
        return 0;
    }
    snprintf(f->db, sizeof(f->db), "%s_%ld_%d", prefix, (long)getpid(),
             ++lv_both_dbs);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->db);
    lv_both_admin_run(sql);
    f->spec = lv_both_spec_for(f->db);
    f->s = lv_both_open_spec(f->spec);
    return 0;
}

static inline int lv_both_teardown(void **state)
{
    struct lv_both *f = *state;
    char sql[128];

    if (!f->pg) {
        lv_test_store_close(f->s, f->dir);
    } else if (f->s) {
        lv_store_close(f->s);
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
                 f->db);
        lv_both_admin_run(sql);
    }
    free(f->spec);
    free(f);
    return 0;
}

/* The fixture's store; a PostgreSQL case without PostgreSQL skips. */
static inline struct lv_store *lv_both_store(void **state)
{
    struct lv_both *f = *state;

    if (!f->s) {
        skip();
    }
    return f->s;
}

/* Runs tests (n of them) with the admin connection of LV_PG_ADMIN_URI
 * open when it is set; 1 when it is set and cannot connect. */
static inline int lv_both_main_run(const struct CMUnitTest *tests, size_t n)
{
    const char *uri = getenv("LV_PG_ADMIN_URI");
    int rc;

    lv_log_level = LV_LOG_WARN;
    if (uri && *uri) {
        lv_both_admin = PQconnectdb(uri);
        if (PQstatus(lv_both_admin) != CONNECTION_OK) {
            fprintf(stderr, "cannot connect with LV_PG_ADMIN_URI: %s",
                    PQerrorMessage(lv_both_admin));
            return 1;
        }
    } else {
        printf("PostgreSQL cases skipped: LV_PG_ADMIN_URI not set\n");
    }
    rc = _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
    if (lv_both_admin) {
        PQfinish(lv_both_admin);
    }
    return rc;
}

#define lv_both_main(tests)                                                  \
    lv_both_main_run((tests), sizeof(tests) / sizeof((tests)[0]))

#endif
