/* logs/lookup_csv: the CSV reader of lookup tables — good tables cell by
 * cell, each documented rule refused with its line, and garbage,
 * truncated and bit-flipped input failing cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logs/lookup_csv.h"
#include "util/err.h"

/* A good table: its text, its columns, its rows ("|" between cells of a
 * row, cells without "|" in them). */
struct good {
    const char *name;
    const char *csv;
    const char *header;
    const char *rows[4];
};

static const struct good goods[] = {
    { "plain", "id,name\n1,alice\n2,bob\n", "id|name",
      { "1|alice", "2|bob" } },
    { "no final newline", "id,name\n1,alice", "id|name", { "1|alice" } },
    { "CRLF", "id,name\r\n1,alice\r\n", "id|name", { "1|alice" } },
    { "header only", "a,b,c\n", "a|b|c", { NULL } },
    { "quoted comma and quote", "k,v\n1,\"x, \"\"y\"\"\"\n", "k|v",
      { "1|x, \"y\"" } },
    { "quoted newline", "k,v\n1,\"two\nlines\"\n", "k|v",
      { "1|two\nlines" } },
    { "empty cells", "a,b,c\n,,\n1,,3\n", "a|b|c", { "||", "1||3" } },
    { "blank lines skipped", "a\n\n1\r\n\r\n2\n\n", "a", { "1", "2" } },
    { "byte-order mark dropped", "\xef\xbb\xbf" "a\n1\n", "a", { "1" } },
    { "UTF-8 kept", "name\nZo\xc3\xab\n", "name", { "Zo\xc3\xab" } },
    { "quoted header", "\"user id\",name\n7,x\n", "user id|name",
      { "7|x" } },
    /* Enrichment data as the lookup page describes it: user details by
     * user id. */
    { "users", "userId,userName,department\n"
               "u-1,Alice,Engineering\nu-2,Bob,Sales\n",
      "userId|userName|department",
      { "u-1|Alice|Engineering", "u-2|Bob|Sales" } },
};

static void join_row(const struct lv_csv *t, long r, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t c = 0; c < t->n_cols; c++) {
        const char *s = r < 0 ? lv_csv_header(t, c) : lv_csv_cell(t, (size_t)r,
                                                                  c);

        n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? "|" : "", s);
    }
}

static void test_good(void **state)
{
    char got[256];

    (void)state;
    for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
        const struct good *g = &goods[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_csv t;
        size_t rows = 0;

        lv_csv_init(&t);
        if (lv_csv_parse(g->csv, strlen(g->csv), &t, &err) < 0) {
            fail_msg("%s: refused: %s", g->name, err.msg);
        }
        join_row(&t, -1, got, sizeof(got));
        if (strcmp(got, g->header) != 0) {
            fail_msg("%s: header %s, want %s", g->name, got, g->header);
        }
        while (rows < 4 && g->rows[rows]) {
            rows++;
        }
        if (t.n_rows != rows) {
            fail_msg("%s: %zu rows, want %zu", g->name, t.n_rows, rows);
        }
        for (size_t r = 0; r < rows; r++) {
            join_row(&t, (long)r, got, sizeof(got));
            if (strcmp(got, g->rows[r]) != 0) {
                fail_msg("%s: row %zu %s, want %s", g->name, r, got,
                         g->rows[r]);
            }
        }
        lv_csv_release(&t);
    }
}

struct bad {
    const char *name;
    const char *csv;
    size_t len;                 /* 0: strlen */
    const char *msg;            /* part of the message */
};

static const struct bad bads[] = {
    { "empty", "", 0, "header row" },
    { "only blank lines", "\n\r\n\n", 0, "header row" },
    { "too many fields", "a,b\n1,2\n1,2,3\n", 0, "line 3 has 3 fields" },
    { "too few fields", "a,b\n1\n", 0, "line 2 has 1 fields" },
    { "unclosed quote", "a\n\"open\n", 0, "not closed" },
    { "quote in bare field", "a\nx\"y\n", 0, "quote in an unquoted field" },
    { "text after closing quote", "a\n\"x\"y\n", 0, "closing quote" },
    { "lone CR", "a\rb\n", 0, "carriage return" },
    { "empty column name", "a,,c\n1,2,3\n", 0, "empty" },
    { "duplicate column", "id,name,id\n1,2,3\n", 0, "'id' appears twice" },
    { "invalid UTF-8", "a\n\xc3\x28\n", 0, "UTF-8" },
    { "overlong UTF-8", "a\n\xc0\xaf\n", 0, "UTF-8" },
    { "surrogate", "a\n\xed\xa0\x80\n", 0, "UTF-8" },
    { "NUL byte", "a\nx\0y\n", 6, "NUL" },
    { "line counted past quoted newlines", "a,b\n\"1\n2\",3\n4\n", 0,
      "line 4 has 1 fields" },
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        const struct bad *b = &bads[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_csv t;
        size_t len = b->len ? b->len : strlen(b->csv);

        lv_csv_init(&t);
        if (lv_csv_parse(b->csv, len, &t, &err) == 0) {
            fail_msg("%s: accepted", b->name);
        }
        if (err.code != LV_E_INVALID_PARAMETER || !strstr(err.msg, b->msg)) {
            fail_msg("%s: code %d message %s, want %s", b->name,
                     (int)err.code, err.msg, b->msg);
        }
        if (t.text || t.cell || t.n_cols || t.n_rows) {
            fail_msg("%s: the table is not empty after a failure", b->name);
        }
    }
}

static void test_column(void **state)
{
    static const char csv[] = "ip,host\n10.0.0.1,a\n";
    struct lv_err err = LV_ERR_INIT;
    struct lv_csv t;

    (void)state;
    lv_csv_init(&t);
    assert_int_equal(lv_csv_parse(csv, strlen(csv), &t, &err), 0);
    assert_int_equal(lv_csv_column(&t, "host"), 1);
    assert_int_equal(lv_csv_column(&t, "ip"), 0);
    assert_int_equal(lv_csv_column(&t, "HOST"), -1);
    /* A second parse into the same table releases the first. */
    assert_int_equal(lv_csv_parse("x\n1\n", 4, &t, &err), 0);
    assert_int_equal(t.n_cols, 1);
    assert_string_equal(lv_csv_cell(&t, 0, 0), "1");
    lv_csv_release(&t);
}

static void test_size_limit(void **state)
{
    size_t n = LV_LOOKUP_CSV_MAX_BYTES + 1;
    char *big = malloc(n);
    struct lv_err err = LV_ERR_INIT;
    struct lv_csv t;

    (void)state;
    assert_non_null(big);
    memset(big, 'a', n);
    big[1] = '\n';
    lv_csv_init(&t);
    assert_int_equal(lv_csv_parse(big, n, &t, &err), -1);
    assert_non_null(strstr(err.msg, "10 MB"));
    /* At the limit: one column, rows of "a". */
    for (size_t i = 1; i < n - 1; i += 2) {
        big[i] = '\n';
    }
    assert_int_equal(lv_csv_parse(big, n - 1, &t, &err), 0);
    assert_int_equal(t.n_cols, 1);
    assert_true(t.n_rows > 5000000);
    lv_csv_release(&t);
    free(big);
}

/* Every truncation and every single-bit flip of a good table either
 * parses or fails with a message; never a crash (the sanitizers watch). */
static void test_truncated_and_flipped(void **state)
{
    static const char csv[] = "id,\"na,me\"\r\n1,\"a \"\"b\"\"\nc\"\n2,x\n";
    char buf[sizeof(csv)];
    size_t n = sizeof(csv) - 1;

    (void)state;
    for (size_t len = 0; len <= n; len++) {
        struct lv_err err = LV_ERR_INIT;
        struct lv_csv t;

        lv_csv_init(&t);
        if (lv_csv_parse(csv, len, &t, &err) < 0) {
            assert_true(err.msg[0] != '\0');
        }
        lv_csv_release(&t);
    }
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            struct lv_err err = LV_ERR_INIT;
            struct lv_csv t;

            memcpy(buf, csv, n);
            buf[i] = (char)(buf[i] ^ (1 << bit));
            lv_csv_init(&t);
            if (lv_csv_parse(buf, n, &t, &err) < 0) {
                assert_int_equal(err.code, LV_E_INVALID_PARAMETER);
            }
            lv_csv_release(&t);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_column),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_truncated_and_flipped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
