/*
 * test_insights_sub: the Insights commands that read sub-queries over
 * other log groups (r8/iqsub) — join (CWL_QuerySyntax-Join), appendcols
 * (CWL_QuerySyntax-Appendcols) and `filter f in ( … )`
 * (CWL_QuerySyntax-Subqueries) — parsed, run over hand-built events of
 * the main group and of each sub-query's group (fed first, ev.sub = i + 1,
 * as insights.h asks), and the results rendered as text.
 *
 * Each page's example is a case, over events of the shape it is written
 * for (the pages give no sample data); the expected rows are worked out
 * from the page's words and the choices parse_sub.c, cmd_join.c and
 * cmd_appendcols.c state. Then what the parser refuses, with positions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "insights/insights.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* 2024-01-02 03:04:05.678 UTC */
#define T0 1704164645678LL

struct ev {
    size_t sub;             /* 0: the query's own group; i + 1: sub i */
    int64_t dt;             /* ms after T0 */
    const char *msg;
};

/* API Gateway access logs (main) and the Lambda function's (sub 1): the
 * join page's example 1. */
static const struct ev api_lambda[] = {
    { 1, 1, "{\"requestId\":\"r1\",\"duration\":120,\"memoryUsed\":64}" },
    { 1, 2, "{\"requestId\":\"r2\",\"duration\":900,\"memoryUsed\":128}" },
    { 1, 3, "{\"requestId\":\"r4\",\"duration\":15,\"memoryUsed\":32}" },
    { 0, 10, "{\"requestId\":\"r1\",\"status\":502,\"latency\":150}" },
    { 0, 11, "{\"requestId\":\"r2\",\"status\":500,\"latency\":950}" },
    { 0, 12, "{\"requestId\":\"r3\",\"status\":503,\"latency\":40}" },
    { 0, 13, "{\"requestId\":\"r4\",\"status\":200,\"latency\":20}" },
};

/* Orders (main) and payments (sub 1): the join page's example 2 shape. */
static const struct ev orders[] = {
    { 1, 1, "{\"transactionId\":\"t1\",\"paymentStatus\":\"OK\"}" },
    { 1, 2, "{\"transactionId\":\"t1\",\"paymentStatus\":\"RETRY\"}" },
    { 0, 10, "{\"eventType\":\"ORDER_CREATED\",\"transactionId\":\"t1\"}" },
    { 0, 11, "{\"eventType\":\"ORDER_CREATED\",\"transactionId\":\"t2\"}" },
    { 0, 12, "{\"eventType\":\"ORDER_SHIPPED\",\"transactionId\":\"t1\"}" },
};

/* Services (main) and the latency group lg (sub 1): the appendcols
 * page's example. */
static const struct ev svcs[] = {
    { 1, 1, "{\"svc\":\"a\",\"latency\":10}" },
    { 1, 2, "{\"svc\":\"a\",\"latency\":30}" },
    { 1, 3, "{\"svc\":\"b\",\"latency\":7}" },
    { 0, 10, "{\"svc\":\"a\"}" },
    { 0, 11, "{\"svc\":\"a\"}" },
    { 0, 12, "{\"svc\":\"b\"}" },
};

/* The main service (main) and the database service (sub 1): the
 * subqueries page's example 1. */
static const struct ev db[] = {
    { 1, 1, "{\"requestId\":\"q1\",\"errorType\":"
            "\"DatabaseConnectionTimeout\"}" },
    { 1, 2, "{\"requestId\":\"q2\",\"errorType\":\"Deadlock\"}" },
    { 1, 3, "{\"requestId\":\"q3\",\"errorType\":"
            "\"DatabaseConnectionTimeout\"}" },
    { 0, 10, "{\"requestId\":\"q1\",\"endpoint\":\"/a\",\"userId\":\"u1\","
             "\"responseTime\":5}" },
    { 0, 11, "{\"requestId\":\"q2\",\"endpoint\":\"/b\",\"userId\":\"u2\","
             "\"responseTime\":6}" },
    { 0, 12, "{\"requestId\":\"q3\",\"endpoint\":\"/c\",\"userId\":\"u1\","
             "\"responseTime\":7}" },
    { 0, 13, "{\"requestId\":\"q4\",\"endpoint\":\"/d\",\"userId\":\"u3\","
             "\"responseTime\":8}" },
};

/* A counter (the time-series page's rate): +60 a minute, then a
 * second service with one sample; latencies for histogram. */
static const struct ev counter[] = {
    { 0, 0, "{\"svc\":\"a\",\"c\":100,\"latency\":10}" },
    { 0, 60000, "{\"svc\":\"a\",\"c\":160,\"latency\":20}" },
    { 0, 120000, "{\"svc\":\"a\",\"c\":220,\"latency\":30}" },
    { 0, 120000, "{\"svc\":\"a\",\"c\":200,\"latency\":40}" },
    { 0, 30000, "{\"svc\":\"b\",\"c\":5,\"latency\":5}" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *render(const struct lv_iq_result *res)
{
    struct lv_buf out = LV_BUF_INIT(SIZE_MAX);

    for (size_t i = 0; i < res->n; i++) {
        for (size_t j = 0; j < res->rows[i].n; j++) {
            lv_buf_addf(&out, "%s%s=%s", j ? " | " : i ? "\n" : "",
                        res->rows[i].f[j].name, res->rows[i].f[j].value);
        }
    }
    return lv_buf_detach(&out, NULL);
}

/* Runs query over evs (sub-query events first, as given): 0 and *out
 * (the rendered rows), or -1 with *err. */
static int run(const char *query, const struct ev *evs, size_t n,
               size_t max_bytes, char **out, int64_t *matched,
               struct lv_err *err)
{
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *r = NULL;
    struct lv_iq_run_opts o;
    struct lv_iq_result res;
    int rc = -1;

    memset(&o, 0, sizeof(o));
    o.start_ms = T0 - 3600 * 1000;
    o.end_ms = T0 + 3600 * 1000;
    o.now_ms = T0 + 3600 * 1000;
    o.max_bytes = max_bytes ? max_bytes : 64 * 1024 * 1024;
    if (lv_iq_parse(query, strlen(query), &q, err) < 0) {
        return -1;
    }
    r = lv_iq_run_new(q, &o);
    for (size_t i = 0; i < n; i++) {
        struct lv_iq_event ev;
        char *msg = lv_xstrdup(evs[i].msg);
        char ptr[32];

        snprintf(ptr, sizeof(ptr), "p%zu", i);
        memset(&ev, 0, sizeof(ev));
        ev.ts = T0 + evs[i].dt;
        ev.ingestion_ms = ev.ts;
        ev.log = evs[i].sub ? "123456789012:other" : "123456789012:main";
        ev.log_len = strlen(ev.log);
        ev.stream = "s";
        ev.stream_len = 1;
        ev.msg = msg;
        ev.msg_len = strlen(msg);
        ev.ptr = ptr;
        ev.ptr_len = strlen(ptr);
        ev.sub = evs[i].sub;
        rc = lv_iq_run_feed(r, &ev, err);
        memset(msg, 'X', ev.msg_len);   /* no row may borrow it after */
        free(msg);
        if (rc < 0) {
            goto out;
        }
    }
    rc = lv_iq_run_finish(r, &res, err);
    if (rc == 0) {
        *out = render(&res);
        if (matched) {
            *matched = res.records_matched;
        }
        lv_iq_result_release(&res);
    }
out:
    lv_iq_run_free(r);
    lv_iq_query_free(q);
    return rc;
}

struct qcase {
    const char *name;
    const char *query;
    const struct ev *evs;
    size_t n;
    const char *want;
};

static const struct qcase cases[] = {
    /* Join, example 1: only 5xx requests, each with its Lambda run;
     * r3 has none (inner: dropped), r4 is a 200. Slowest first. */
    { "join page example 1 (inner)",
      "filter status >= 500\n"
      "| join type=inner left=api right=lambda\n"
      "    where api.requestId=lambda.requestId\n"
      "    (SOURCE '/aws/lambda/my-function')\n"
      "| fields api.requestId, api.status, api.latency, lambda.duration, "
      "lambda.memoryUsed\n"
      "| sort api.latency desc",
      api_lambda, N(api_lambda),
      "api.requestId=r2 | api.status=500 | api.latency=950 | "
      "lambda.duration=900 | lambda.memoryUsed=128\n"
      "api.requestId=r1 | api.status=502 | api.latency=150 | "
      "lambda.duration=120 | lambda.memoryUsed=64" },
    { "join: type defaults to inner",
      "filter status >= 500 | join left=api right=lambda "
      "where lambda.requestId = api.requestId (SOURCE lambdagroup) "
      "| fields api.requestId | sort api.requestId",
      api_lambda, N(api_lambda),
      "api.requestId=r1\napi.requestId=r2" },
    { "join without fields: both sides' fields under their aliases, no "
      "@ptr",
      "filter requestId = \"r4\" | join left=a right=b where "
      "a.requestId = b.requestId (SOURCE fn)",
      api_lambda, N(api_lambda),
      "a.@timestamp=2024-01-02 03:04:05.691 | a.@message={\"requestId\":"
      "\"r4\",\"status\":200,\"latency\":20} | a.@logStream=s | "
      "a.@log=123456789012:main | a.@ingestionTime=2024-01-02 "
      "03:04:05.691 | a.requestId=r4 | a.status=200 | a.latency=20 | "
      "b.@timestamp=2024-01-02 03:04:05.681 | b.@message={\"requestId\":"
      "\"r4\",\"duration\":15,\"memoryUsed\":32} | b.@logStream=s | "
      "b.@log=123456789012:other | b.@ingestionTime=2024-01-02 "
      "03:04:05.681 | b.requestId=r4 | b.duration=15 | b.memoryUsed=32" },
    /* Join, example 2: every created order, with its payments (t1 has
     * two: two rows, in the sub-query's order — newest first; t2 none:
     * kept, no payment fields). */
    { "join page example 2 (left)",
      "filter eventType = \"ORDER_CREATED\"\n"
      "| join type=left left=order right=payment\n"
      "    where order.transactionId=payment.transactionId\n"
      "    (SOURCE '/aws/lambda/payment-service')\n"
      "| fields order.transactionId, payment.paymentStatus\n"
      "| sort order.transactionId",
      orders, N(orders),
      "order.transactionId=t1 | payment.paymentStatus=RETRY\n"
      "order.transactionId=t1 | payment.paymentStatus=OK\n"
      "order.transactionId=t2" },
    { "join: the right side is a sub-query with its own commands",
      "filter eventType = \"ORDER_CREATED\" | join type=left left=o "
      "right=p where o.transactionId=p.transactionId "
      "(SOURCE pay | filter paymentStatus = \"OK\") "
      "| fields o.transactionId, p.paymentStatus | sort o.transactionId",
      orders, N(orders),
      "o.transactionId=t1 | p.paymentStatus=OK\no.transactionId=t2" },
    /* appendcols, the page's example: count per service, then the
     * average latency of lg's rows at the same position (both stats
     * give a, b in the same order). */
    { "appendcols page example",
      "fields svc\n"
      "| stats count(*) as cnt by svc\n"
      "| appendcols override=true ( SOURCE lg | stats avg(latency) as "
      "avgLat by svc )",
      svcs, N(svcs),
      "svc=a | cnt=2 | avgLat=20\nsvc=b | cnt=1 | avgLat=7" },
    { "appendcols max=1: only the first row gets columns",
      "stats count(*) as cnt by svc | appendcols max=1 ( SOURCE lg | "
      "stats avg(latency) as avgLat by svc )",
      svcs, N(svcs),
      "svc=a | cnt=2 | avgLat=20\nsvc=b | cnt=1" },
    { "appendcols override=false keeps the row's own values",
      "stats count(*) as cnt by svc | appendcols ( SOURCE lg | stats "
      "count(*) as cnt, max(latency) as mx by svc )",
      svcs, N(svcs),
      "svc=a | cnt=2 | mx=30\nsvc=b | cnt=1 | mx=7" },
    { "appendcols override=true replaces them",
      "stats count(*) as cnt by svc | appendcols override=true ( SOURCE "
      "lg | stats count(*) as cnt by svc )",
      svcs, N(svcs),
      "svc=a | cnt=2\nsvc=b | cnt=1" },
    /* Subqueries, example 1: q1 and q3 timed out downstream. */
    { "subqueries page example 1",
      "filter requestId in (\n"
      "    SOURCE '/aws/lambda/database-service'\n"
      "    | filter errorType = \"DatabaseConnectionTimeout\"\n"
      "    | fields requestId\n"
      ")\n"
      "| fields @timestamp, requestId, endpoint, userId, responseTime\n"
      "| sort @timestamp desc",
      db, N(db),
      "@timestamp=2024-01-02 03:04:05.690 | requestId=q3 | endpoint=/c | "
      "userId=u1 | responseTime=7 | @ptr=p5\n"
      "@timestamp=2024-01-02 03:04:05.688 | requestId=q1 | endpoint=/a | "
      "userId=u1 | responseTime=5 | @ptr=p3" },
    { "not in ( subquery )",
      "filter requestId not in (SOURCE db | filter errorType = "
      "\"DatabaseConnectionTimeout\" | fields requestId) "
      "| fields requestId | sort requestId",
      db, N(db),
      "requestId=q2 | @ptr=p4\nrequestId=q4 | @ptr=p6" },
    /* The time-series page (fn_timeseries.c states the choices). a: from
     * 100 at 0s to the largest value at 120s, 220: +120 in 2 minutes;
     * b: one sample, no rate. */
    { "rate(): the change per interval",
      "stats rate(c, 1m) as perMin, rate(c, 1s) as perSec by svc "
      "| sort svc",
      counter, N(counter), "svc=a | perMin=60 | perSec=1\nsvc=b" },
    { "histogram(): equal-width ranges over [min, max], every one listed",
      "stats histogram(latency, 3) as h by svc | sort svc",
      counter, N(counter),
      "svc=a | h={\"[10,20)\":1,\"[20,30)\":1,\"[30,40]\":2}\n"
      "svc=b | h={\"[5,5]\":1}" },
    { "count_over_time and sum_over_time by bin()",
      "stats count_over_time(c) as n, sum_over_time(c) as s by bin(1h)",
      counter, N(counter), "bin(1h)=2024-01-02 03:00:00.000 | n=5 | s=685" },
    /* offset: the page's first example — the bins reported 1h later
     * (the caller reads the events 1h earlier, lv_iq_query_offset_ms) */
    { "offset: the page's example, bins 1h later",
      "stats count(*) by bin(5m) offset 1h", counter, N(counter),
      "bin(5m)=2024-01-02 04:05:00.000 | count(*)=3\n"
      "bin(5m)=2024-01-02 04:00:00.000 | count(*)=2" },
    { "offset: the page's second example",
      "stats avg(latency) by bin(1m) offset 1d",
      counter, N(counter),
      "bin(1m)=2024-01-03 03:06:00.000 | avg(latency)=35\n"
      "bin(1m)=2024-01-03 03:05:00.000 | avg(latency)=20\n"
      "bin(1m)=2024-01-03 03:04:00.000 | avg(latency)=7.5" },
    { "in ( subquery ) with other conditions",
      "filter userId = \"u1\" and requestId in (SOURCE db) "
      "| stats count(*) as n",
      db, N(db), "n=2" },
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct lv_err err = LV_ERR_INIT;
        char *got = NULL;

        if (run(cases[i].query, cases[i].evs, cases[i].n, 0, &got, NULL,
                &err) < 0) {
            fail_msg("%s: failed: %s", cases[i].name, err.msg);
        }
        if (strcmp(got, cases[i].want) != 0) {
            fail_msg("%s:\n got: %s\nwant: %s", cases[i].name, got,
                     cases[i].want);
        }
        free(got);
    }
}

/* recordsMatched counts the query's own events only (the sub-query's are
 * scanned, not matched): 3 events of status >= 500 reach the join. */
static void test_matched(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    int64_t matched = -1;
    char *got = NULL;

    (void)state;
    assert_int_equal(run(cases[0].query, api_lambda, N(api_lambda), 0, &got,
                         &matched, &err), 0);
    assert_int_equal(matched, 3);
    free(got);
}

static void test_accessors(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    const char *text = "filter a in (SOURCE 'g1' | fields a) "
                       "| join left=l right=r where l.a = r.b (SOURCE g2) "
                       "| appendcols (SOURCE \"g3\")";

    (void)state;
    assert_int_equal(lv_iq_parse(text, strlen(text), &q, &err), 0);
    assert_int_equal(lv_iq_query_n_subs(q), 3);
    assert_string_equal(lv_iq_query_sub_group(q, 0), "g1");
    assert_string_equal(lv_iq_query_sub_group(q, 1), "g2");
    assert_string_equal(lv_iq_query_sub_group(q, 2), "g3");
    assert_null(lv_iq_query_sub_group(q, 3));
    assert_int_equal(lv_iq_query_offset_ms(q), 0);
    lv_iq_query_free(q);
    text = "filter x > 1 | stats count(*) by bin(5m) offset 2d";
    assert_int_equal(lv_iq_parse(text, strlen(text), &q, &err), 0);
    assert_int_equal(lv_iq_query_offset_ms(q), 2 * 86400000LL);
    lv_iq_query_free(q);
    text = "fields a | limit 3";
    assert_int_equal(lv_iq_parse(text, strlen(text), &q, &err), 0);
    assert_int_equal(lv_iq_query_n_subs(q), 0);
    lv_iq_query_free(q);
}

struct refusal {
    const char *query;
    const char *msg;        /* a part of the message */
};

static const struct refusal refusals[] = {
    { "filter a in (fields a)",
      "a subquery must start with SOURCE and a log group name at line 1 "
      "and position 13" },
    { "filter a in (SOURCE logGroups(namePrefix: ['x']))",
      "a subquery's SOURCE must name one log group" },
    { "filter a in (SOURCE g | filter b in (SOURCE h))",
      "a subquery cannot contain another subquery at line 1 and "
      "position 36" },
    { "filter a in (SOURCE g | join left=x right=y where x.a=y.a "
      "(SOURCE h))",
      "a subquery cannot contain another subquery" },
    { "filter a in (SOURCE g | appendcols (SOURCE h))",
      "a subquery cannot contain another subquery" },
    { "fields a in (SOURCE g)",
      "a subquery is allowed only in a filter command" },
    { "filter strlen(a) in (SOURCE g)",
      "the left side of in ( subquery ) must be a field" },
    { "stats count(*) by a | filter count(*) in (SOURCE g)", "" },
    { "join left=a right=b where a.x=b.x",
      "unexpected symbol found <EOF> at line 1 and position 33" },
    { "join left=a where a.x=b.x (SOURCE g)",
      "join needs left=<alias> and right=<alias>" },
    { "join left=a right=a where a.x=a.x (SOURCE g)",
      "two different names" },
    { "join type=outer left=a right=b where a.x=b.x (SOURCE g)",
      "join: type must be inner or left" },
    { "join left=a left=c right=b where a.x=b.x (SOURCE g)",
      "join: left is given twice" },
    { "join left=a right=b where a.x=a.y (SOURCE g)",
      "where must compare a field of the left alias" },
    { "join left=a right=b where c.x=b.x (SOURCE g)",
      "join: c is neither the left nor the right alias" },
    { "join left=a right=b where x=b.x (SOURCE g)",
      "where needs <alias>.<field>" },
    { "appendcols max=0 (SOURCE g)",
      "appendcols: max must be an integer from 1 to 100000" },
    { "appendcols max=100001 (SOURCE g)", "from 1 to 100000" },
    { "appendcols max=1.5 (SOURCE g)", "from 1 to 100000" },
    { "appendcols override=yes (SOURCE g)",
      "override must be true or false" },
    { "appendcols max=2 max=3 (SOURCE g)", "unexpected" },
    { "appendcols (SOURCE g", "" },
    { "appendcols (SOURCE g | fields a", "" },
    { "appendcols", "" },
    { "stats rate(c, 5) by svc", "the interval of rate() must be a period" },
    { "stats rate(c) by svc", "" },
    { "stats histogram(c, 0)", "the buckets of histogram() must be an "
                               "integer from 1 to 1000" },
    { "stats histogram(c, 1001)", "from 1 to 1000" },
    { "stats histogram(c, 2.5)", "from 1 to 1000" },
    { "stats histogram(c, n)", "from 1 to 1000" },
    { "fields histogram(c, 2)", "" },
    { "stats count(*) by svc offset 1h",
      "offset must follow stats ... by bin(<period>) at line 1 and "
      "position 22" },
    { "stats count(*) by bin(5m) offset 1mo", "offset needs a duration" },
    { "pattern @message | diff | stats count(*) by bin(5m) offset 1h",
      "offset cannot be used with diff" },
    { "stats count(*) as n by bin(5m) offset 1h | pattern n | diff",
      "offset cannot be used with diff" },
    { "stats count(*) by bin(5m) offset 5", "offset needs a duration" },
    { "stats count(*) by bin(5m) offset", "offset needs a duration" },
    { "stats count(*) as n by bin(5m) as b | stats sum(n) by bin(1h) "
      "offset 1h", "offset is allowed only on the first stats command" },
    { "stats count(*) by svc | appendcols (SOURCE g | stats count(*) by "
      "bin(5m) offset 1h)",
      "offset is allowed only on the first stats command" },
    { "filter a in (SOURCE a | fields a) | appendcols (SOURCE b) "
      "| appendcols (SOURCE c) | appendcols (SOURCE d) "
      "| appendcols (SOURCE e) | appendcols (SOURCE f) "
      "| appendcols (SOURCE g) | appendcols (SOURCE h) "
      "| appendcols (SOURCE i) | appendcols (SOURCE j) "
      "| appendcols (SOURCE k)",
      "a query can have at most 10 subqueries" },
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(refusals); i++) {
        struct lv_err err = LV_ERR_INIT;
        struct lv_iq_query *q = NULL;
        const char *t = refusals[i].query;

        if (lv_iq_parse(t, strlen(t), &q, &err) == 0) {
            lv_iq_query_free(q);
            fail_msg("accepted: %s", t);
        }
        assert_int_equal(err.code, LV_E_MALFORMED_QUERY);
        if (!strstr(err.msg, refusals[i].msg)) {
            fail_msg("%s:\n got: %s\nwant: …%s…", t, err.msg,
                     refusals[i].msg);
        }
    }
}

/* A sub-query's memory counts: its results are held by the run. */
static void test_memory_bound(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct ev many[400];
    char *got = NULL;
    char **msgs = lv_xcalloc(N(many), sizeof(*msgs));

    (void)state;
    for (size_t i = 0; i < N(many); i++) {
        msgs[i] = lv_xasprintf("{\"k\":\"%0200zu\"}", i);
        many[i].sub = i < N(many) - 1 ? 1 : 0;
        many[i].dt = (int64_t)i;
        many[i].msg = msgs[i];
    }
    assert_int_equal(run("filter k in (SOURCE g | fields k)", many,
                         N(many), 32 * 1024, &got, NULL, &err), -1);
    assert_int_equal(err.code, LV_E_LIMIT_EXCEEDED);
    for (size_t i = 0; i < N(many); i++) {
        free(msgs[i]);
    }
    free(msgs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_matched),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_memory_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
