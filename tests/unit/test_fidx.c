/*
 * Unit tests for field indexes (src/logs/fidx.h): the index policy
 * document's validation (table-driven), and the chunk index — no false
 * negatives for any value a chunk holds, the false-positive bound
 * (absent values measured against a chunk of LV_FIDX_MAX_VALUES values),
 * only string values indexed, the per-field time range, a field past
 * LV_FIDX_MAX_VALUES recorded as not indexed, and every truncation of a
 * blob refused without reading outside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/chunk.h"
#include "logs/fidx.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

static const uint8_t key[32] = { 1, 2, 3 };
static const uint8_t other_key[32] = { 4, 5, 6 };

static void test_policy(void **state)
{
    static const struct {
        const char *name;
        const char *doc;
        int ok;
        size_t n;
    } rows[] = {
        { "one field", "{\"Fields\": [\"requestId\"]}", 1, 1 },
        { "v2 and v1", "{\"Fields\": [\"a\"], \"FieldsV2\": "
          "{\"b\": {\"type\": \"FACET\"}, \"c\": {\"type\": "
          "\"FIELD_INDEX\"}}}", 1, 3 },
        { "empty list", "{\"Fields\": []}", 0, 0 },
        { "no member", "{}", 0, 0 },
        { "unknown member", "{\"Fields\": [\"a\"], \"X\": 1}", 0, 0 },
        { "not json", "Fields: a", 0, 0 },
        { "array", "[\"a\"]", 0, 0 },
        { "number field", "{\"Fields\": [1]}", 0, 0 },
        { "empty name", "{\"Fields\": [\"\"]}", 0, 0 },
        { "twice", "{\"Fields\": [\"a\", \"a\"]}", 0, 0 },
        { "v1 and v2 overlap", "{\"Fields\": [\"a\"], \"FieldsV2\": "
          "{\"a\": {\"type\": \"FACET\"}}}", 0, 0 },
        { "bad type", "{\"FieldsV2\": {\"a\": {\"type\": \"X\"}}}", 0, 0 },
    };
    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;
        struct lv_err err = LV_ERR_INIT;
        int rc = lv_fidx_policy_parse(rows[i].doc, strlen(rows[i].doc), &p,
                                      &err);

        CHECK(rows[i].name, (rc == 0) == rows[i].ok);
        if (rows[i].ok) {
            CHECK(rows[i].name, p.n == rows[i].n);
            /* "v2 and v1": a (Fields), b FACET, c FIELD_INDEX */
            CHECK(rows[i].name, p.n < 3 ||
                  (!p.facet[0] && p.facet[1] && !p.facet[2]));
        } else {
            CHECK(rows[i].name, err.code == LV_E_INVALID_PARAMETER);
            CHECK(rows[i].name, strstr(err.msg, "index policy") != NULL);
        }
        lv_fidx_policy_release(&p);
    }
}

static void test_policy_limits(void **state)
{
    struct lv_buf doc = LV_BUF_INIT(1 << 20);
    struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;
    struct lv_err err = LV_ERR_INIT;
    char name[128];

    (void)state;
    /* 20 fields of 100 characters: the limit, accepted. */
    lv_buf_adds(&doc, "{\"Fields\": [");
    for (int i = 0; i < LV_FIDX_MAX_FIELDS; i++) {
        memset(name, 'a' + i, LV_FIDX_MAX_FIELD_LEN);
        name[LV_FIDX_MAX_FIELD_LEN] = '\0';
        lv_buf_addf(&doc, "%s\"%s\"", i ? "," : "", name);
    }
    assert_int_equal(lv_fidx_policy_parse(doc.data, doc.len, &p, &err), -1);
    /* (no closing yet: not JSON) */
    lv_buf_adds(&doc, "]}");
    assert_int_equal(lv_fidx_policy_parse(doc.data, doc.len, &p, &err), 0);
    assert_int_equal(p.n, LV_FIDX_MAX_FIELDS);
    /* One more field: refused. */
    doc.len -= 2;
    lv_buf_adds(&doc, ",\"z\"]}");
    assert_int_equal(lv_fidx_policy_parse(doc.data, doc.len, &p, &err), -1);
    assert_non_null(strstr(err.msg, "at most 20"));
    /* A name of 101 characters: refused. */
    lv_buf_release(&doc);
    memset(name, 'q', 101);
    name[101] = '\0';
    lv_buf_addf(&doc, "{\"Fields\": [\"%s\"]}", name);
    assert_int_equal(lv_fidx_policy_parse(doc.data, doc.len, &p, &err), -1);
    lv_fidx_policy_release(&p);
    lv_buf_release(&doc);
}

/* A chunk of n events {"id": "v<i*step>", "n": i, "k": "same"} at ts
 * 1000 + i, and an index of it for fields id, n, k, absent. */
static void build(size_t n, int step, struct lv_buf *blob)
{
    static const char doc[] =
        "{\"Fields\": [\"id\", \"n\", \"k\", \"absent\", "
        "\"@message\"]}";
    struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;
    struct lv_err err = LV_ERR_INIT;
    struct lv_chunk_event *ev = lv_xcalloc(n, sizeof(*ev));
    char **msgs = lv_xcalloc(n, sizeof(*msgs));

    assert_int_equal(lv_fidx_policy_parse(doc, sizeof(doc) - 1, &p, &err),
                     0);
    for (size_t i = 0; i < n; i++) {
        char m[128];
        int len = snprintf(m, sizeof(m),
                           "{\"id\": \"v%zu\", \"n\": %zu, \"k\": "
                           "\"same\"}", i * (size_t)step, i);

        msgs[i] = lv_xstrdup(m);
        ev[i].ts = 1000 + (int64_t)i;
        ev[i].msg = msgs[i];
        ev[i].len = (size_t)len;
    }
    lv_fidx_build(&p, key, ev, n, blob);
    for (size_t i = 0; i < n; i++) {
        free(msgs[i]);
    }
    free(msgs);
    free(ev);
    lv_fidx_policy_release(&p);
}

static void test_no_false_negatives(void **state)
{
    struct lv_buf blob = LV_BUF_INIT(SIZE_MAX);
    size_t n = LV_FIDX_MAX_VALUES;
    size_t fp = 0;
    const size_t absent = 200000;
    char v[64];

    (void)state;
    build(n, 2, &blob);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(v, sizeof(v), "v%zu", 2 * i);

        assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "id", v,
                                          (size_t)len), 1);
    }
    /* Odd values are absent: with 64-bit hashes and k = 4096 values the
     * bound is k / 2^64 per lookup, so over 200,000 lookups the expected
     * count is ~4.4e-11 — any false positive means the index is wrong. */
    for (size_t i = 0; i < absent; i++) {
        int len = snprintf(v, sizeof(v), "v%zu", 2 * i + 1);

        fp += lv_fidx_may_hold(blob.data, blob.len, key, "id", v,
                               (size_t)len) == 1;
    }
    assert_int_equal(fp, 0);
    /* Numbers by their text; k is one value. */
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "n", "x",
                                      1), 0);
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "n", "3",
                                      1), 1);
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "k", "same",
                                      4), 1);
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "k", "Same",
                                      4), 0);
    /* A field no event holds: any value absent. */
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "absent",
                                      "v0", 2), 0);
    /* A system field: never indexed, so never proven absent. */
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "@message",
                                      "x", 1), -1);
    /* A field the policy does not name: unknown. */
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "other",
                                      "v0", 2), -1);
    /* Another group's key: the hashes differ (v0 not found). */
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, other_key, "id",
                                      "v0", 2), 0);
    lv_buf_release(&blob);
}

struct seen {
    int n;
    int64_t first[8], last[8];
    char names[8][16];
};

static void on_field(void *arg, const char *field, size_t len,
                     int64_t first, int64_t last)
{
    struct seen *s = arg;

    assert_true(s->n < 8 && len < 16);
    memcpy(s->names[s->n], field, len);
    s->names[s->n][len] = '\0';
    s->first[s->n] = first;
    s->last[s->n] = last;
    s->n++;
}

static void test_fields_and_overflow(void **state)
{
    struct lv_buf blob = LV_BUF_INIT(SIZE_MAX);
    struct seen s;

    (void)state;
    build(10, 1, &blob);
    memset(&s, 0, sizeof(s));
    assert_int_equal(lv_fidx_each_field(blob.data, blob.len, on_field, &s),
                     0);
    assert_int_equal(s.n, 3);       /* id, n, k; not "absent" */
    assert_string_equal(s.names[0], "id");
    assert_int_equal(s.first[0], 1000);
    assert_int_equal(s.last[0], 1009);
    /* Every truncation is refused, never read past (ASan). */
    for (size_t cut = 0; cut < blob.len; cut++) {
        char *copy = lv_xmalloc(cut ? cut : 1);

        memcpy(copy, blob.data, cut);
        assert_int_not_equal(lv_fidx_may_hold(copy, cut, key, "k", "same",
                                              4), 0);
        free(copy);
    }
    lv_buf_release(&blob);
    /* More distinct values than the bound: not indexed in this chunk. */
    build(LV_FIDX_MAX_VALUES + 1, 1, &blob);
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "id", "zz",
                                      2), -1);
    assert_int_equal(lv_fidx_may_hold(blob.data, blob.len, key, "k", "zz",
                                      2), 0);
    lv_buf_release(&blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_policy_limits),
        cmocka_unit_test(test_no_false_negatives),
        cmocka_unit_test(test_fields_and_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
