/*
 * fuzz_insights_discover: arbitrary bytes as an event message →
 * lv_iq_discover (GetLogGroupFields' view) and lv_iq_discover_each, which
 * must agree on the names; then a few fixed queries run over the message
 * as two events, one of them in a Lambda group (field lookups, discovery,
 * parse in its modes, sort, dedup, stats, the results as JSON). Nothing
 * may crash, leak or read past the message.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/insights.h"
#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const queries[] = {
    "fields a, a.b, b.0, @message | sort a desc | limit 3",
    "parse @message \"*=*\" as k, v | stats count(*) by k",
    "parse @message /(?<w>\\w+)/ | dedup w",
    "parse @message logfmt as lf | display lf.a, lf.b",
    "parse @message csv as x, y | filter ispresent(y)",
    "filter @type = \"REPORT\" | stats max(@duration) by @requestId",
};

struct names {
    struct lv_buf b;
};

static int add_name(void *arg, const char *name, size_t len)
{
    struct names *n = arg;
    lv_buf_add(&n->b, name, len);
    lv_buf_addc(&n->b, '\n');
    return 0;
}

static int add_field(void *arg, const char *name, const struct lv_iq_val *v)
{
    struct names *n = arg;
    (void)v;
    lv_buf_adds(&n->b, name);
    lv_buf_addc(&n->b, '\n');
    return 0;
}

static void run(const char *query, const char *msg, size_t len)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *r;
    struct lv_iq_run_opts o = { 0, 1000, 1000, 10, 1 << 20 };
    struct lv_iq_result res;
    struct lv_buf out = LV_BUF_INIT(SIZE_MAX);
    static const char *const logs[] = { "1:g", "1:/aws/lambda/f" };

    if (lv_iq_parse(query, strlen(query), &q, &err) < 0) {
        return;     /* a parser that refuses a mode: nothing to run */
    }
    r = lv_iq_run_new(q, &o);
    for (int i = 0; i < 2; i++) {
        struct lv_iq_event ev = { 0 };
        ev.ts = i;
        ev.ingestion_ms = i;
        ev.log = logs[i];
        ev.log_len = strlen(logs[i]);
        ev.stream = "s";
        ev.stream_len = 1;
        ev.msg = msg;
        ev.msg_len = len;
        ev.ptr = "p";
        ev.ptr_len = 1;
        if (lv_iq_run_feed(r, &ev, &err) < 0) {
            goto out;
        }
    }
    if (lv_iq_run_finish(r, &res, &err) == 0) {
        lv_iq_result_json(&res, &out);
        lv_iq_result_release(&res);
    }
out:
    lv_buf_release(&out);
    lv_iq_run_free(r);
    lv_iq_query_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so ASan sees a read past it. */
    char *msg = malloc(size ? size : 1);
    struct names a = { LV_BUF_INIT(SIZE_MAX) }, b = { LV_BUF_INIT(SIZE_MAX) };
    struct lv_iq_arena arena = { 0 };

    memcpy(msg, data, size);
    lv_iq_discover(msg, size, add_name, &a);
    lv_iq_discover_each(msg, size, &arena, add_field, &b);
    /* Names with a NUL byte differ in the two views (a C string ends
     * there); compare when there is none. */
    if (!memchr(a.b.data, '\0', a.b.len) &&
        (a.b.len != b.b.len || memcmp(a.b.data, b.b.data, a.b.len) != 0)) {
        abort();
    }
    lv_iq_arena_release(&arena);
    lv_buf_release(&a.b);
    lv_buf_release(&b.b);
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        run(queries[i], msg, size);
    }
    free(msg);
    return 0;
}
