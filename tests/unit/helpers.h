/*
 * helpers: what the unit tests in tests/unit/ share — the table runner
 * (RUN_TABLE) and the named-row CHECK of table-driven tests, N() for a
 * table's length, and a fresh sqlite store in a temporary data dir (with a
 * cmocka fixture around it) for the store and chunk tests.
 *
 * Header only, every function static inline: each test_*.c is built alone
 * against the library (see the Makefile), and an unused helper costs
 * nothing. Include it after <cmocka.h>. Not here: fixtures of one test
 * file (its struct fx, fake requests).
 */
#ifndef LV_TESTS_UNIT_HELPERS_H
#define LV_TESTS_UNIT_HELPERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* Fails the test naming the table row `name` and the condition. */
#define CHECK(name, cond)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fail_msg("%s: %s (line %d)", (name), #cond, __LINE__);           \
        }                                                                     \
    } while (0)

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The table runner of table-driven tests. RUN_ROWS calls run(&rows[i])
 * for each of the n rows; run returns 1 when its row passes, and otherwise
 * prints what differs and returns 0. Every row runs, so one run shows all
 * the failures: each failing row is named ("FAIL <name>", after what run
 * printed; rows have a `const char *name`), then "<label>: <n> cases, <m>
 * failed" is printed and the test fails if m > 0. RUN_TABLE does a whole
 * array. Macros, so that each table keeps its own row type.
 */
#define RUN_ROWS(label, rows, n, run)                                         \
    do {                                                                      \
        size_t lv_n_ = (n), lv_i_, lv_failed_ = 0;                            \
                                                                              \
        for (lv_i_ = 0; lv_i_ < lv_n_; lv_i_++) {                             \
            if (!(run)(&(rows)[lv_i_])) {                                     \
                fflush(stdout);                                               \
                print_error("FAIL %s\n", (rows)[lv_i_].name);                 \
                lv_failed_++;                                                 \
            }                                                                 \
        }                                                                     \
        print_message("%s: %zu cases, %zu failed\n", (label), lv_n_,          \
                      lv_failed_);                                            \
        if (lv_failed_) {                                                     \
            fail_msg("%s: %zu of %zu cases failed", (label), lv_failed_,      \
                     lv_n_);                                                  \
        }                                                                     \
    } while (0)

#define RUN_TABLE(label, rows, run) RUN_ROWS(label, rows, N(rows), run)

/* Room for "/tmp/lv-test-<tag>-XXXXXX" with a tag of up to 40 bytes. */
#define LV_TEST_DIR_MAX 64

/* Removes path and everything below it; a missing path is no error. */
static inline void lv_test_rm_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;

    if (!d) {
        return;
    }
    while ((e = readdir(d))) {
        char p[512];
        int n;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        n = snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(p)) {
            continue;           /* not ours: our temp dirs are shallow */
        }
        if (unlink(p) < 0) {
            lv_test_rm_tree(p);
        }
    }
    closedir(d);
    rmdir(path);
}

/*
 * Sets the log level to WARN, makes a fresh directory
 * /tmp/lv-test-<tag>-XXXXXX in dir and opens a sqlite store there into *s.
 * 0, or -1 (printed) with nothing left behind.
 */
static inline int lv_test_store_open(const char *tag,
                                     char dir[LV_TEST_DIR_MAX],
                                     struct lv_store **s)
{
    struct lv_store_config cfg = { "sqlite", NULL };
    struct lv_err err = LV_ERR_INIT;

    lv_log_level = LV_LOG_WARN;
    snprintf(dir, LV_TEST_DIR_MAX, "/tmp/lv-test-%s-XXXXXX", tag);
    if (!mkdtemp(dir)) {
        print_error("mkdtemp %s failed\n", dir);
        return -1;
    }
    cfg.data_dir = dir;
    *s = lv_store_open(&cfg, &err);
    if (!*s) {
        print_error("lv_store_open: %s\n", err.msg);
        lv_test_rm_tree(dir);
        return -1;
    }
    return 0;
}

/* Closes the store and removes its directory. */
static inline void lv_test_store_close(struct lv_store *s, const char *dir)
{
    lv_store_close(s);
    lv_test_rm_tree(dir);
}

/* The fixture of the store tests: a fresh store in its own directory. */
struct lv_test_store {
    char dir[LV_TEST_DIR_MAX];
    struct lv_store *s;
};

/* A cmocka setup's body: *state = a new struct lv_test_store whose store
 * is open in /tmp/lv-test-<tag>-XXXXXX. 0, or -1 (printed). */
static inline int lv_test_store_new(void **state, const char *tag)
{
    struct lv_test_store *f = lv_xcalloc(1, sizeof(*f));

    if (lv_test_store_open(tag, f->dir, &f->s) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* A cmocka teardown's body: closes and removes what lv_test_store_new()
 * made. Returns 0. */
static inline int lv_test_store_free(void **state)
{
    struct lv_test_store *f = *state;

    lv_test_store_close(f->s, f->dir);
    free(f);
    return 0;
}

#endif
