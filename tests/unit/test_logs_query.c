/*
 * test_logs_query: what Logs Insights seals and signs (logs/query_int.h) —
 *
 * - sealed results open only for the same account, region and query id
 *   under the same root key, and any changed byte is refused;
 * - a signed @ptr reads back to its cursor; one signed for another
 *   account or region, under another root key, with any byte changed,
 *   cut, extended or made up, is refused; the row's other fields are left
 *   alone;
 * - packed rows page out as lv_iq_result_json writes them; a cut or
 *   foreign pack is refused;
 * - QueryStatistics' JSON has every member of the model's shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "crypto/keyring.h"
#include "insights/insights.h"
#include "logs/query_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCT "111122223333"
#define REGION "us-west-2"
#define QID "12ab3456-12ab-123a-789e-1234567890ab"

static struct lv_keyring *ring(uint8_t fill)
{
    uint8_t root[32];

    memset(root, fill, sizeof(root));
    return lv_keyring_new(root);
}

static void seal_round_trip(void **state)
{
    static const char text[] = "[[{\"field\":\"@message\",\"value\":\"x\"}]]";
    struct lv_keyring *kr = ring(1);
    struct lv_keyring *other = ring(2);
    struct lv_buf sealed = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf out = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err = LV_ERR_INIT;
    int saved_level = lv_log_level;

    (void)state;
    /* The refusals below each log an error line: not wanted here. */
    lv_log_level = LV_LOG_ERROR + 1;
    assert_int_equal(lv_query_seal(kr, ACCT, REGION, QID, text,
                                   strlen(text), &sealed), 0);
    assert_null(memmem(sealed.data, sealed.len, "@message", 8));
    assert_int_equal(lv_query_unseal(kr, ACCT, REGION, QID,
                                     (const uint8_t *)sealed.data,
                                     sealed.len, &out, &err), 0);
    assert_int_equal(out.len, strlen(text));
    assert_memory_equal(out.data, text, out.len);
    assert_int_equal(out.data[out.len], '\0');

    /* Bound to the account, the region, the query and the root key. */
    lv_buf_reset(&out);
    assert_int_equal(lv_query_unseal(kr, "999999999999", REGION, QID,
                                     (const uint8_t *)sealed.data,
                                     sealed.len, &out, &err), -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_int_equal(lv_query_unseal(kr, ACCT, "eu-west-1", QID,
                                     (const uint8_t *)sealed.data,
                                     sealed.len, &out, &err), -1);
    assert_int_equal(lv_query_unseal(kr, ACCT, REGION,
                                     "22ab3456-12ab-123a-789e-1234567890ab",
                                     (const uint8_t *)sealed.data,
                                     sealed.len, &out, &err), -1);
    assert_int_equal(lv_query_unseal(other, ACCT, REGION, QID,
                                     (const uint8_t *)sealed.data,
                                     sealed.len, &out, &err), -1);
    /* Every byte matters; a cut is refused. */
    for (size_t i = 0; i < sealed.len; i++) {
        sealed.data[i] ^= 0x20;
        lv_buf_reset(&out);
        CHECK("a changed byte", lv_query_unseal(
                  kr, ACCT, REGION, QID, (const uint8_t *)sealed.data,
                  sealed.len, &out, &err) == -1);
        sealed.data[i] ^= 0x20;
    }
    for (size_t n = 0; n < sealed.len; n++) {
        lv_buf_reset(&out);
        CHECK("a cut", lv_query_unseal(kr, ACCT, REGION, QID,
                                       (const uint8_t *)sealed.data, n,
                                       &out, &err) == -1);
    }
    lv_log_level = saved_level;
    lv_buf_release(&sealed);
    lv_buf_release(&out);
    lv_keyring_free(kr);
    lv_keyring_free(other);
}

/* A result of one row: @message, then @ptr holding `cursor`. */
static void one_row(struct lv_iq_result *res, const char *cursor)
{
    memset(res, 0, sizeof(*res));
    res->rows = lv_xcalloc(1, sizeof(*res->rows));
    res->n = 1;
    res->rows[0].f = lv_xcalloc(2, sizeof(*res->rows[0].f));
    res->rows[0].n = 2;
    res->rows[0].f[0].name = lv_xstrdup("@message");
    res->rows[0].f[0].value = lv_xstrdup("hello");
    res->rows[0].f[1].name = lv_xstrdup("@ptr");
    res->rows[0].f[1].value = lv_xstrdup(cursor);
    res->rows[0].f[1].is_ptr = 1;   /* as result.c marks an event's @ptr */
}

static char *signed_ptr(const struct lv_keyring *kr, const char *acct,
                        const char *region, const struct lv_query_ptr *p)
{
    char cursor[LV_QUERY_CURSOR_MAX];
    struct lv_iq_result res;
    char *out;

    lv_query_ptr_cursor(p, cursor);
    one_row(&res, cursor);
    lv_query_ptr_sign(kr, acct, region, &res);
    assert_string_equal(res.rows[0].f[0].value, "hello");
    out = lv_xstrdup(res.rows[0].f[1].value);
    lv_iq_result_release(&res);
    return out;
}

static void ptr_round_trip_and_forgeries(void **state)
{
    static const char b64url[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct lv_keyring *kr = ring(1);
    struct lv_keyring *other = ring(2);
    struct lv_query_ptr p = { 42, 123456789, 1700000000123LL, 9999 };
    struct lv_query_ptr q;
    char *ptr;
    char *foreign;
    size_t len;
    char *s;

    (void)state;
    ptr = signed_ptr(kr, ACCT, REGION, &p);
    len = strlen(ptr);
    for (size_t i = 0; i < len; i++) {
        CHECK("base64url, no padding", strchr(b64url, ptr[i]) != NULL);
    }
    memset(&q, 0, sizeof(q));
    assert_int_equal(lv_query_ptr_read(kr, ACCT, REGION, ptr, &q), 0);
    assert_true(q.group_id == 42 && q.chunk_id == 123456789 &&
                q.first_ts == 1700000000123LL && q.idx == 9999);

    /* Another scope or root key. */
    assert_int_equal(lv_query_ptr_read(kr, "999999999999", REGION, ptr, &q),
                     -1);
    assert_int_equal(lv_query_ptr_read(kr, ACCT, "eu-west-1", ptr, &q), -1);
    assert_int_equal(lv_query_ptr_read(other, ACCT, REGION, ptr, &q), -1);
    foreign = signed_ptr(kr, "999999999999", REGION, &p);
    assert_int_equal(lv_query_ptr_read(kr, ACCT, REGION, foreign, &q), -1);

    /* Every character changed to every other, cuts, an extension. */
    s = lv_xstrdup(ptr);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(b64url) - 1; k++) {
            if (b64url[k] == ptr[i]) {
                continue;
            }
            s[i] = b64url[k];
            /* The last character's low bits may not be data bits. */
            if (lv_query_ptr_read(kr, ACCT, REGION, s, &q) == 0) {
                CHECK("only padding bits differ", i == len - 1 &&
                      q.group_id == 42 && q.idx == 9999);
            }
        }
        s[i] = ptr[i];
    }
    for (size_t n = 0; n < len; n++) {
        s[n] = '\0';
        CHECK("a cut", lv_query_ptr_read(kr, ACCT, REGION, s, &q) == -1);
        s[n] = ptr[n];
    }
    free(s);
    s = lv_xasprintf("%sA", ptr);
    assert_int_equal(lv_query_ptr_read(kr, ACCT, REGION, s, &q), -1);
    free(s);
    assert_int_equal(lv_query_ptr_read(kr, ACCT, REGION, "", &q), -1);
    assert_int_equal(lv_query_ptr_read(kr, ACCT, REGION, "42.1.2.3", &q),
                     -1);
    free(ptr);
    free(foreign);
    lv_keyring_free(kr);
    lv_keyring_free(other);
}

static void results_pack_and_pages(void **state)
{
    struct lv_iq_result res;
    struct lv_buf pack = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf page = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf whole = LV_BUF_INIT(SIZE_MAX);
    json_t *a;
    json_t *b;
    size_t n = 0;

    (void)state;
    memset(&res, 0, sizeof(res));
    res.rows = lv_xcalloc(3, sizeof(*res.rows));
    res.n = 3;
    for (size_t i = 0; i < 3; i++) {
        res.rows[i].f = lv_xcalloc(2, sizeof(*res.rows[i].f));
        res.rows[i].n = 2;
        res.rows[i].f[0].name = lv_xstrdup("@message");
        res.rows[i].f[0].value = lv_xasprintf("m \"%zu\"\n", i);
        res.rows[i].f[1].name = lv_xstrdup("n");
        res.rows[i].f[1].value = lv_xasprintf("%zu", i);
    }
    assert_int_equal(lv_query_results_pack(&res, &pack), 0);
    assert_int_equal(lv_iq_result_json(&res, &whole), 0);
    /* Every row: what lv_iq_result_json writes. */
    assert_int_equal(lv_query_results_page((const uint8_t *)pack.data,
                                           pack.len, 0, 10, &page, &n), 0);
    assert_int_equal(n, 3);
    a = json_loadb(page.data, page.len, 0, NULL);
    b = json_loadb(whole.data, whole.len, 0, NULL);
    assert_non_null(a);
    assert_true(json_equal(a, b));
    json_decref(a);
    /* A page in the middle, and one past the end. */
    lv_buf_reset(&page);
    assert_int_equal(lv_query_results_page((const uint8_t *)pack.data,
                                           pack.len, 1, 1, &page, &n), 0);
    a = json_loadb(page.data, page.len, 0, NULL);
    assert_int_equal(json_array_size(a), 1);
    assert_true(json_equal(json_array_get(a, 0), json_array_get(b, 1)));
    json_decref(a);
    lv_buf_reset(&page);
    assert_int_equal(lv_query_results_page((const uint8_t *)pack.data,
                                           pack.len, 5, 2, &page, &n), 0);
    assert_string_equal(page.data, "[]");
    json_decref(b);
    /* Malformed packs: cut anywhere, another magic. */
    for (size_t k = 0; k + 1 < pack.len; k++) {
        lv_buf_reset(&page);
        CHECK("a cut pack", lv_query_results_page(
                  (const uint8_t *)pack.data, k, 0, 10, &page, &n) == -1);
    }
    pack.data[3] = '2';
    assert_int_equal(lv_query_results_page((const uint8_t *)pack.data,
                                           pack.len, 0, 10, &page, &n), -1);
    lv_iq_result_release(&res);
    lv_buf_release(&pack);
    lv_buf_release(&page);
    lv_buf_release(&whole);
}

static void statistics_members(void **state)
{
    static const char *const members[] = {
        "recordsMatched", "recordsScanned", "estimatedRecordsSkipped",
        "bytesScanned", "estimatedBytesSkipped", "logGroupsScanned",
    };
    struct lv_query_stats st = { 3, 40, 1234, 2 };
    struct lv_buf b = LV_BUF_INIT(4096);
    json_t *o;

    (void)state;
    lv_query_stats_json(&st, &b);
    o = json_loads(b.data, 0, NULL);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), N(members));
    for (size_t i = 0; i < N(members); i++) {
        CHECK(members[i], json_is_real(json_object_get(o, members[i])));
    }
    assert_true(json_real_value(json_object_get(o, "recordsMatched")) == 3);
    assert_true(json_real_value(json_object_get(o, "recordsScanned")) == 40);
    assert_true(json_real_value(json_object_get(o, "bytesScanned")) == 1234);
    assert_true(json_real_value(json_object_get(o, "logGroupsScanned")) == 2);
    json_decref(o);
    lv_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seal_round_trip),
        cmocka_unit_test(ptr_round_trip_and_forgeries),
        cmocka_unit_test(results_pack_and_pages),
        cmocka_unit_test(statistics_members),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
