/*
 * test_insights_exec: the Logs Insights pipeline end to end — query text
 * through lv_iq_parse, a run over sample events (lv_iq_run_*), and the
 * results as GetQueryResults would show them (lv_iq_result_*).
 *
 * The cases are the examples of the command pages
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CWL_QuerySyntax-Parse.html, -Dedup, -Unnest, -FilterIndex, -Limit,
 * -Sort, and CWL_AnalyzeLogData-discoverable-fields.html for discovered
 * fields) with the sample data the pages give, or events of the shape
 * the example is written for where a page gives none; expected results
 * are what the pages state, else what the rules of exec.c / result.c /
 * discover.c say (their header comments cite the pages). Then: the
 * memory bound, rows that outlive the feed call, JSON discovery (nested,
 * arrays, malformed, '@' names), recordsMatched, limit interplay, unmask.
 *
 * Each result is rendered as text, one line per row, "name=value" joined
 * by " | " in the order GetQueryResults gives them; for stats results,
 * whose column order and row order belong to stats.c, the cases name
 * `sorted`: fields and rows are compared sorted.
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

#include "helpers.h"

/* 2024-01-02 03:04:05.678 UTC */
#define T0 1704164645678LL

struct ev {
    int64_t dt;             /* ms after T0 */
    const char *stream;
    const char *msg;
    int prev;               /* of diff's comparison period */
};

struct evset {
    const char *log;        /* @log */
    const struct ev *ev;
    size_t n;
};

/* ---- sample events ------------------------------------------------------ */

/* The parse page's glob and regex examples ("user=*, method:*, latency
 * := *"). */
static const struct ev plain_ev[] = {
    { 0, "s1", "user=alice, method:GET, latency := 10" },
    { 1000, "s1", "user=bob, method:POST, latency := 30" },
    { 2000, "s2", "user=alice, method:GET, latency := 20" },
};
static const struct evset plain = { "123456789012:app", plain_ev, 3 };

/* The parse page's example over @logStream, four parts split by '/'. */
static const struct ev streams_ev[] = {
    { 0, "prod/api/i-1/0", "a" },
    { 1, "prod/api/i-2/1", "b" },
    { 2, "dev/web/i-3/0", "c" },
};
static const struct evset streams = { "123456789012:app", streams_ev, 3 };

/* The chained parse example: url=…, then its API version and user. */
static const struct ev urls_ev[] = {
    { 0, "s", "GET url=/api/v2/users/42" },
    { 1, "s", "GET url=/api/v1/users/7" },
    { 2, "s", "health check" },
};
static const struct evset urls = { "123456789012:web", urls_ev, 3 };

/* A VPC flow log record (default format), for the ENI regex example. */
static const struct ev vpc_ev[] = {
    { 0, "eni-1235b8ca123456789-all",
      "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 "
      "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK" },
};
static const struct evset vpc = { "123456789012:flows", vpc_ev, 1 };

/* The dedup page's example: server, severity, message; two events with
 * no server (null values are kept). */
static const struct ev dedup_ev[] = {
    { 0, "s", "{\"server\":\"a\",\"severity\":\"INFO\",\"message\":\"m0\"}" },
    { 1, "s", "{\"server\":\"b\",\"severity\":\"WARN\",\"message\":\"m1\"}" },
    { 2, "s", "{\"server\":\"a\",\"severity\":\"ERROR\",\"message\":\"m2\"}" },
    { 3, "s", "{\"severity\":\"INFO\",\"message\":\"m3\"}" },
    { 4, "s", "{\"severity\":\"INFO\",\"message\":\"m4\"}" },
    { 5, "s", "{\"server\":\"b\",\"severity\":\"INFO\",\"message\":\"m5\"}" },
};
static const struct evset dedup = { "123456789012:srv", dedup_ev, 6 };

/* The CloudTrail event of "Fields in JSON logs" (the page's sample lacks
 * its last closing brace; added). */
static const struct ev trail_ev[] = {
    { 0, "s",
      "{ \"eventVersion\": \"1.0\",\n"
      "    \"userIdentity\": {\n"
      "        \"type\": \"IAMUser\",\n"
      "        \"principalId\": \"EX_PRINCIPAL_ID\",\n"
      "        \"arn\": \"arn: aws: iam: : 123456789012: user/Alice\",\n"
      "        \"accessKeyId\": \"EXAMPLE_KEY_ID\",\n"
      "        \"accountId\": \"123456789012\",\n"
      "        \"userName\": \"Alice\"\n"
      "    },\n"
      "    \"eventTime\": \"2014-03-06T21: 22: 54Z\",\n"
      "    \"eventSource\": \"ec2.amazonaws.com\",\n"
      "    \"eventName\": \"StartInstances\",\n"
      "    \"awsRegion\": \"us-east-2\",\n"
      "    \"sourceIPAddress\": \"205.251.233.176\",\n"
      "    \"userAgent\": \"ec2-api-tools1.6.12.2\",\n"
      "    \"requestParameters\": {\n"
      "        \"instancesSet\": {\n"
      "            \"items\": [\n"
      "                {\n"
      "                    \"instanceId\": \"i-abcde123\"\n"
      "                }\n"
      "            ]\n"
      "        }\n"
      "    },\n"
      "    \"responseElements\": {\n"
      "        \"instancesSet\": {\n"
      "            \"items\": [\n"
      "                {\n"
      "                    \"instanceId\": \"i-abcde123\",\n"
      "                    \"currentState\": {\n"
      "                        \"code\": 0,\n"
      "                        \"name\": \"pending\"\n"
      "                    },\n"
      "                    \"previousState\": {\n"
      "                        \"code\": 80,\n"
      "                        \"name\": \"stopped\"\n"
      "                    }\n"
      "                }\n"
      "            ]\n"
      "        }\n"
      "    }\n"
      "}" },
};
static const struct evset trail = { "123456789012:trail", trail_ev, 1 };

/* JSON shapes: nesting, arrays, escapes, '@' names, null, malformed. */
static const struct ev json_ev[] = {
    { 0, "s", "{\"a\":{\"b\":1.50,\"c\":[\"x\",{\"d\":true}]},\"e\":null,"
              "\"f\":[],\"g\":{},\"@h\":\"at\",\"s\":\"q\\\"\\u00e9\"}" },
    { 1, "s", "{\"a\": {\"b\": 2" },                /* malformed */
    { 2, "s", "{\"a\":{\"b\":3}} trailing" },       /* not one object */
    { 3, "s", "[{\"a\":{\"b\":4}}]" },              /* not an object */
};
static const struct evset json = { "123456789012:json", json_ev, 4 };

/* Lambda's platform lines in a Lambda group, and the same text elsewhere. */
static const struct ev lambda_ev[] = {
    { 0, "2024/01/02/[$LATEST]abc",
      "START RequestId: 8ed1bc8c-47d8-4a3d-9e1a-1f6b0b6c1a2f Version: $LATEST" },
    { 1, "2024/01/02/[$LATEST]abc",
      "2024-01-02T03:04:05.679Z\t8ed1bc8c-47d8-4a3d-9e1a-1f6b0b6c1a2f\tINFO\t"
      "{\"level\":\"info\",\"order\":{\"id\":17}} and more" },
    { 2, "2024/01/02/[$LATEST]abc",
      "REPORT RequestId: 8ed1bc8c-47d8-4a3d-9e1a-1f6b0b6c1a2f\t"
      "Duration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\t"
      "Max Memory Used: 64 MB\tInit Duration: 150.01 ms\t\n"
      "XRAY TraceId: 1-5e1b4151-5ac6c58f5ac6c58f5ac6c58f\t"
      "SegmentId: 6b1b4151ac6c58f5\tSampled: true" },
};
static const struct evset lambda = { "123456789012:/aws/lambda/fn",
                                     lambda_ev, 3 };
static const struct evset notlambda = { "123456789012:app", lambda_ev, 3 };

/* logfmt and CSV lines. */
static const struct ev kv_ev[] = {
    { 0, "s", "level=info msg=\"hello world\" n=3" },
    { 1, "s", "level=error msg=\"disk \\\"full\\\"\" n=4 bare" },
};
static const struct evset kv = { "123456789012:kv", kv_ev, 2 };
static const struct ev csv_ev[] = {
    { 0, "s", "alice,\"Main St, 1\",42" },
    { 1, "s", "bob,\"say \"\"hi\"\"\"" },
};
static const struct evset csv = { "123456789012:csv", csv_ev, 2 };

/* A text on which (a+)+b backtracks exponentially. */
static const struct ev redos_ev[] = {
    { 0, "s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac" },
    { 1, "s", "aab" },
};
static const struct evset redos = { "123456789012:re", redos_ev, 2 };

/* The pattern page's sample events. */
static const struct ev pat_ev[] = {
    { 0, "s", "2023-01-01 19:00:01 [INFO] Calling DynamoDB to store for "
              "resource id 12342342k124-12345" },
    { 1, "s", "2023-01-01 19:00:02 [INFO] Calling DynamoDB to store for "
              "resource id 324892398123-12345" },
    { 2, "s", "2023-01-01 19:00:03 [INFO] Calling DynamoDB to store for "
              "resource id 3ff231242342-12345" },
    { 3, "s", "health check ok" },
};
static const struct evset pat = { "123456789012:pat", pat_ev, 4 };

/* diff: the current period and the one before it (prev). */
static const struct ev diff_ev[] = {
    { 0, "s", "User alice logged in", 0 },
    { 1, "s", "User bob logged in", 1 },
    { 2, "s", "Cache warmed", 1 },
    { 3, "s", "ERROR disk full", 0 },
    { 4, "s", "User alice logged in", 0 },
    { 5, "s", "Cache warmed", 1 },
    { 6, "s", "ERROR disk full", 0 },
    { 7, "s", "User alice logged in", 0 },
};
static const struct evset diffs = { "123456789012:diff", diff_ev, 8 };

/* The unnest page's event. */
static const struct ev unnest_ev[] = {
    { 0, "s", "{\"events\":[{\"name\":\"exception\"},"
              "{\"name\":\"user action\"}]}" },
};
static const struct evset unnest = { "123456789012:un", unnest_ev, 1 };

/* The unnest page's second example (accounts), and lists of other
 * shapes: empty, of scalars, not a list. */
static const struct ev lists_ev[] = {
    { 0, "s", "{\"accounts\":[{\"type\":\"internal\",\"id\":1},"
              "{\"type\":\"external\",\"id\":2},"
              "{\"type\":\"internal\",\"id\":3}]}" },
    { 1, "s", "{\"accounts\":[]}" },
    { 2, "s", "{\"accounts\":[\"a\",7,true,null,[1,2]]}" },
    { 3, "s", "{\"accounts\":\"solo\"}" },
    { 4, "s", "{\"other\":1}" },
};
static const struct evset lists = { "123456789012:un", lists_ev, 5 };

/* Shaped for the examples of accum, autoregress and filldown: bytes
 * (one not a number), host and cpu_* fields present on some events. */
static const struct ev run_ev[] = {
    { 0, "s", "{\"bytes\":100,\"host\":\"web-1\",\"cpu_user\":5,"
              "\"cpu_system\":2}" },
    { 1000, "s", "{\"bytes\":250}" },
    { 2000, "s", "{\"bytes\":\"n/a\",\"host\":\"web-2\",\"cpu_user\":7}" },
    { 3000, "s", "{\"bytes\":50,\"cpu_system\":3}" },
};
static const struct evset running = { "123456789012:run", run_ev, 4 };

/* The expand page's event, and lists of other shapes: none, empty, a
 * scalar, a list of maps. */
static const struct ev exp_ev[] = {
    { 0, "s", "{\"items\":[\"apple\",\"banana\",\"cherry\"],"
              "\"host\":\"web-01\"}" },
    { 1, "s", "{\"host\":\"web-02\"}" },
    { 2, "s", "{\"items\":[],\"host\":\"web-03\"}" },
    { 3, "s", "{\"items\":\"kiwi\",\"host\":\"web-04\"}" },
    { 4, "s", "{\"items\":[{\"n\":1},{\"n\":2}],\"host\":\"web-05\"}" },
};
static const struct evset expands = { "123456789012:exp", exp_ev, 1 };
static const struct evset expands2 = { "123456789012:exp", exp_ev, 5 };

/* For the addtotals examples: a, b; price, tax, qty; val; x. */
static const struct ev tot_ev[] = {
    { 0, "s", "{\"a\":1,\"b\":2,\"price\":10,\"tax\":2,\"qty\":3,"
              "\"val\":7,\"x\":1}" },
    { 1, "s", "{\"a\":3,\"b\":\"x\",\"price\":20,\"tax\":\"n/a\","
              "\"qty\":1,\"val\":8,\"x\":2}" },
    { 2, "s", "{\"a\":4.5,\"x\":3}" },
};
static const struct evset totals = { "123456789012:tot", tot_ev, 3 };

/* For countFrequent: method and status, GET 200 most often. */
static const struct ev cf_ev[] = {
    { 0, "s", "{\"method\":\"GET\",\"status\":200}" },
    { 1, "s", "{\"method\":\"POST\",\"status\":500}" },
    { 2, "s", "{\"method\":\"GET\",\"status\":404}" },
    { 3, "s", "{\"method\":\"GET\",\"status\":200}" },
    { 4, "s", "{\"method\":\"POST\",\"status\":500}" },
    { 5, "s", "{\"method\":\"GET\",\"status\":200}" },
};
static const struct evset cfreq = { "123456789012:cf", cf_ev, 6 };

/* For sessionize: two users on two devices, with gaps of 20 and 70
 * minutes (dt in ms). */
#define MIN (60 * 1000LL)
static const struct ev sess_ev[] = {
    { 0, "s", "{\"userId\":\"u1\",\"deviceId\":\"d1\"}" },
    { 20 * MIN, "s", "{\"userId\":\"u1\",\"deviceId\":\"d1\"}" },
    { 25 * MIN, "s", "{\"userId\":\"u2\",\"deviceId\":\"d1\"}" },
    { 30 * MIN, "s", "{\"userId\":\"u1\",\"deviceId\":\"d2\"}" },
    { 90 * MIN, "s", "{\"userId\":\"u1\",\"deviceId\":\"d1\"}" },
    { 100 * MIN, "s", "{\"deviceId\":\"d1\"}" },
};
static const struct evset sess = { "123456789012:sess", sess_ev, 6 };

/* For fillmissing: latency over minutes 03:04 … 03:09, none at 03:06
 * and 03:08; hosts a and b. */
static const struct ev fm_ev[] = {
    { 0, "s", "{\"latency\":10,\"host\":\"a\"}" },
    { 60000, "s", "{\"latency\":20,\"host\":\"a\"}" },
    { 61000, "s", "{\"latency\":40,\"host\":\"b\"}" },
    { 180000, "s", "{\"latency\":5,\"host\":\"a\"}" },
    { 300000, "s", "{\"latency\":7,\"host\":\"b\"}" },
};
static const struct evset fmiss = { "123456789012:fm", fm_ev, 5 };
#define BIN(m) "bin(1m)=2024-01-02 03:0" m ":00.000"

/* ---- running a query ---------------------------------------------------- */

static void make_event(const struct evset *set, size_t i, char *ptr,
                       size_t ptr_cap, struct lv_iq_event *out)
{
    const struct ev *e = &set->ev[i];
    snprintf(ptr, ptr_cap, "p%zu", i);
    memset(out, 0, sizeof(*out));
    out->ts = T0 + e->dt;
    out->ingestion_ms = T0 + e->dt + 500;
    out->log = set->log;
    out->log_len = strlen(set->log);
    out->stream = e->stream;
    out->stream_len = strlen(e->stream);
    out->msg = e->msg;
    out->msg_len = strlen(e->msg);
    out->ptr = ptr;
    out->ptr_len = strlen(ptr);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The result as text: rows joined by '\n', fields "name=value" by
 * " | "; sorted: fields within a row and the rows sorted. */
static char *render(const struct lv_iq_result *res, int sorted)
{
    struct lv_buf out = LV_BUF_INIT(SIZE_MAX);
    char **lines = lv_xcalloc(res->n + 1, sizeof(*lines));

    for (size_t i = 0; i < res->n; i++) {
        const struct lv_iq_result_row *r = &res->rows[i];
        struct lv_buf line = LV_BUF_INIT(SIZE_MAX);
        char **f = lv_xcalloc(r->n + 1, sizeof(*f));
        for (size_t j = 0; j < r->n; j++) {
            f[j] = lv_xasprintf("%s=%s", r->f[j].name, r->f[j].value);
        }
        if (sorted) {
            qsort(f, r->n, sizeof(*f), cmp_str);
        }
        for (size_t j = 0; j < r->n; j++) {
            lv_buf_addf(&line, "%s%s", j ? " | " : "", f[j]);
            free(f[j]);
        }
        free(f);
        lines[i] = lv_buf_detach(&line, NULL);
    }
    if (sorted) {
        qsort(lines, res->n, sizeof(*lines), cmp_str);
    }
    for (size_t i = 0; i < res->n; i++) {
        lv_buf_addf(&out, "%s%s", i ? "\n" : "", lines[i]);
        free(lines[i]);
    }
    free(lines);
    return lv_buf_detach(&out, NULL);
}

/* Runs query over set: 0 and *res, or -1 with *err. Each event's text is
 * copied into a buffer that is overwritten after its feed, so a row that
 * keeps borrowing an event past feed reads garbage (and ASan notices the
 * freed copy). */
static int run_query(const char *query, const struct evset *set,
                     size_t limit, size_t max_bytes,
                     struct lv_iq_result *res, struct lv_err *err)
{
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *run = NULL;
    struct lv_iq_run_opts o;
    int rc = -1;

    memset(&o, 0, sizeof(o));
    o.start_ms = T0 - 3600 * 1000;
    o.end_ms = T0 + 3600 * 1000;
    o.now_ms = T0 + 3600 * 1000;
    o.limit = limit;
    o.max_bytes = max_bytes ? max_bytes : 64 * 1024 * 1024;
    if (lv_iq_parse(query, strlen(query), &q, err) < 0) {
        return -1;
    }
    run = lv_iq_run_new(q, &o);
    for (size_t i = 0; i < set->n; i++) {
        struct lv_iq_event ev;
        char ptr[32];
        char *msg = lv_xstrdup(set->ev[i].msg);
        char *stream = lv_xstrdup(set->ev[i].stream);
        make_event(set, i, ptr, sizeof(ptr), &ev);
        ev.msg = msg;
        ev.stream = stream;
        ev.previous = set->ev[i].prev;
        rc = lv_iq_run_feed(run, &ev, err);
        memset(msg, 'X', ev.msg_len);
        memset(stream, 'Y', ev.stream_len);
        memset(ptr, 'Z', sizeof(ptr) - 1);
        free(msg);
        free(stream);
        if (rc < 0) {
            goto out;
        }
    }
    rc = lv_iq_run_finish(run, res, err);
    /* Rows held for the results count toward the peak. */
    assert_true(rc < 0 || res->n == 0 || lv_iq_run_peak_bytes(run) > 0);
out:
    lv_iq_run_free(run);
    lv_iq_query_free(q);
    return rc;
}

/* ---- the table ---------------------------------------------------------- */

struct qcase {
    const char *name;
    const char *query;
    const struct evset *set;
    size_t limit;           /* StartQuery's limit; 0: the default */
    int sorted;
    const char *want;       /* the rendered result */
    int64_t matched;        /* recordsMatched; -1: not checked */
};

#define TS(ms) "2024-01-02 03:04:" ms

static const struct qcase cases[] = {
    /* What a result row shows. */
    { "no fields command: every field, newest first, @ptr last",
      "limit 2", &plain, 0, 0,
      "@timestamp=" TS("07.678") " | @message=user=alice, method:GET, "
      "latency := 20 | @logStream=s2 | @log=123456789012:app | "
      "@ingestionTime=" TS("08.178") " | @ptr=p2\n"
      "@timestamp=" TS("06.678") " | @message=user=bob, method:POST, "
      "latency := 30 | @logStream=s1 | @log=123456789012:app | "
      "@ingestionTime=" TS("07.178") " | @ptr=p1", 3 },
    { "fields picks the columns; @ptr is still there",
      "fields @timestamp, @logStream", &plain, 0, 0,
      "@timestamp=" TS("07.678") " | @logStream=s2 | @ptr=p2\n"
      "@timestamp=" TS("06.678") " | @logStream=s1 | @ptr=p1\n"
      "@timestamp=" TS("05.678") " | @logStream=s1 | @ptr=p0", 3 },
    { "the limit page: sort @timestamp desc | limit 25",
      "fields @timestamp, @message | sort @timestamp desc | limit 25",
      &streams, 0, 0,
      "@timestamp=" TS("05.680") " | @message=c | @ptr=p2\n"
      "@timestamp=" TS("05.679") " | @message=b | @ptr=p1\n"
      "@timestamp=" TS("05.678") " | @message=a | @ptr=p0", 3 },
    { "sort asc",
      "fields @message | sort @timestamp asc", &streams, 0, 0,
      "@message=a | @ptr=p0\n@message=b | @ptr=p1\n@message=c | @ptr=p2",
      3 },
    { "display after fields decides the columns",
      "fields @message, @logStream as st | display st", &streams, 0, 0,
      "st=dev/web/i-3/0 | @ptr=p2\nst=prod/api/i-2/1 | @ptr=p1\n"
      "st=prod/api/i-1/0 | @ptr=p0", 3 },
    /* limit: the command's wins over StartQuery's (exec.c says why) */
    { "StartQuery limit below the command's: the command's wins",
      "fields @message | limit 3", &streams, 2, 0,
      "@message=c | @ptr=p2\n@message=b | @ptr=p1\n@message=a | @ptr=p0",
      3 },
    { "the command's limit below StartQuery's",
      "fields @message | limit 1", &streams, 5, 0,
      "@message=c | @ptr=p2", 3 },
    { "StartQuery's limit without a limit command",
      "fields @message", &streams, 2, 0,
      "@message=c | @ptr=p2\n@message=b | @ptr=p1", 3 },
    { "a limit before stats does not cap the results; StartQuery's does",
      "limit 2 | stats count(*) as n by @logStream | display n", &streams,
      1, 0, "n=1", 3 },
    { "limit without sort keeps the newest",
      "limit 1 | fields @message", &streams, 0, 0,
      "@message=c | @ptr=p2", 3 },
    /* parse, glob mode */
    { "parse glob (the page's first example, with stats)",
      "parse @message \"user=*, method:*, latency := *\" as @user,\n"
      "    @method, @latency | stats avg(@latency) by @method, @user",
      &plain, 0, 1,
      "@method=GET | @user=alice | avg(@latency)=15\n"
      "@method=POST | @user=bob | avg(@latency)=30", 3 },
    { "parse glob: fields of the row",
      "parse @message \"user=*, method:*, latency := *\" as @user, "
      "@method, @latency | display @user, @method, @latency",
      &plain, 0, 0,
      "@user=alice | @method=GET | @latency=20 | @ptr=p2\n"
      "@user=bob | @method=POST | @latency=30 | @ptr=p1\n"
      "@user=alice | @method=GET | @latency=10 | @ptr=p0", 3 },
    { "parse @logStream with stats (the page's second example)",
      "parse @logStream \"*/*/*/*\" as env, service, instance, shard\n"
      "| stats count(*) by env, service", &streams, 0, 1,
      "count(*)=1 | env=dev | service=web\n"
      "count(*)=2 | env=prod | service=api", 3 },
    { "chained parse (the page's example); no match keeps the row",
      "parse @message \"url=*\" as url\n"
      "| parse url \"/api/*/users/*\" as apiVersion, userId\n"
      "| display apiVersion, userId", &urls, 0, 0,
      "@ptr=p2\n"
      "apiVersion=v1 | userId=7 | @ptr=p1\n"
      "apiVersion=v2 | userId=42 | @ptr=p0", 3 },
    /* parse, regex mode */
    { "parse regex with named groups (the page's example, the fields)",
      "parse @message /user=(?<user2>.*?), method:(?<method2>.*?),"
      " latency := (?<latency2>.*?)/ | display user2, method2, latency2",
      &plain, 0, 0,
      "user2=alice | method2=GET | latency2= | @ptr=p2\n"
      "user2=bob | method2=POST | latency2= | @ptr=p1\n"
      "user2=alice | method2=GET | latency2= | @ptr=p0", 3 },
    { "parse regex: the ENI of a VPC flow log (the page's example)",
      "parse @message /(?<NetworkInterface>eni-.*?) /\n"
      "| display NetworkInterface, @message", &vpc, 0, 0,
      "NetworkInterface=eni-1235b8ca123456789 | @message=2 123456789010 "
      "eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 "
      "4249 1418530010 1418530070 ACCEPT OK | @ptr=p0", 1 },
    /* dedup */
    { "dedup (the page's example): newest per server, nulls kept",
      "fields @timestamp, server, severity, message\n"
      "| sort @timestamp desc\n| dedup server", &dedup, 0, 0,
      "@timestamp=" TS("05.683") " | server=b | severity=INFO | "
      "message=m5 | @ptr=p5\n"
      "@timestamp=" TS("05.682") " | severity=INFO | message=m4 | @ptr=p4\n"
      "@timestamp=" TS("05.681") " | severity=INFO | message=m3 | @ptr=p3\n"
      "@timestamp=" TS("05.680") " | server=a | severity=ERROR | "
      "message=m2 | @ptr=p2", 6 },
    { "dedup without sort: the default @timestamp desc",
      "fields server, message | dedup server | limit 10", &dedup, 0, 0,
      "server=b | message=m5 | @ptr=p5\nmessage=m4 | @ptr=p4\n"
      "message=m3 | @ptr=p3\nserver=a | message=m2 | @ptr=p2", 6 },
    { "dedup after sort asc keeps the oldest",
      "fields server, message | sort @timestamp asc | dedup server",
      &dedup, 0, 0,
      "server=a | message=m0 | @ptr=p0\nserver=b | message=m1 | @ptr=p1\n"
      "message=m3 | @ptr=p3\nmessage=m4 | @ptr=p4", 6 },
    /* filterIndex without indexes: a filter on the field's value */
    { "filterIndex as a filter",
      "filterIndex server = \"a\" | fields message", &dedup, 0, 0,
      "message=m2 | @ptr=p2\nmessage=m0 | @ptr=p0", 2 },
    { "filterIndex with in",
      "filterIndex server in [\"b\"] | fields message", &dedup, 0, 0,
      "message=m5 | @ptr=p5\nmessage=m1 | @ptr=p1", 2 },
    /* recordsMatched */
    { "recordsMatched counts what stats aggregated",
      "parse @message \"latency := *\" as lat | filter lat > 15 "
      "| stats count(*) as n", &plain, 0, 0, "n=2", 2 },
    { "recordsMatched: a filter after nothing matched",
      "filter @logStream = \"nope\"", &plain, 0, 0, "", 0 },
    /* discovered fields */
    { "JSON: the CloudTrail example's nested and array fields",
      "fields userIdentity.type, "
      "requestParameters.instancesSet.items.0.instanceId, "
      "responseElements.instancesSet.items.0.currentState.name, "
      "responseElements.instancesSet.items.0.previousState.code",
      &trail, 0, 0,
      "userIdentity.type=IAMUser | "
      "requestParameters.instancesSet.items.0.instanceId=i-abcde123 | "
      "responseElements.instancesSet.items.0.currentState.name=pending | "
      "responseElements.instancesSet.items.0.previousState.code=80 | "
      "@ptr=p0", 1 },
    { "JSON: every discovered field, in document order",
      "filter @logStream = \"s\" | sort @timestamp asc | limit 1", &json,
      0, 0,
      "@timestamp=" TS("05.678") " | @message=" "{\"a\":{\"b\":1.50,\"c\":"
      "[\"x\",{\"d\":true}]},\"e\":null,\"f\":[],\"g\":{},\"@h\":\"at\","
      "\"s\":\"q\\\"\\u00e9\"} | @logStream=s | @log=123456789012:json | "
      "@ingestionTime=" TS("06.178") " | a.b=1.50 | a.c.0=x | a.c.1.d=true"
      " | @@h=at | s=q\"\xc3\xa9 | @ptr=p0", 4 },
    { "JSON: malformed, trailing text, arrays: no fields",
      "fields a.b, @message | sort @timestamp asc", &json, 0, 0,
      "a.b=1.50 | @message={\"a\":{\"b\":1.50,\"c\":[\"x\",{\"d\":true}]},"
      "\"e\":null,\"f\":[],\"g\":{},\"@h\":\"at\",\"s\":\"q\\\"\\u00e9\"} "
      "| @ptr=p0\n"
      "@message={\"a\": {\"b\": 2 | @ptr=p1\n"
      "@message={\"a\":{\"b\":3}} trailing | @ptr=p2\n"
      "@message=[{\"a\":{\"b\":4}}] | @ptr=p3", 4 },
    { "Lambda REPORT fields (the docs' memory query)",
      "filter @type = \"REPORT\"\n"
      "| stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB,\n"
      "    min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB",
      &lambda, 0, 1,
      "provisonedMemoryMB=128 | smallestMemoryRequestMB=64", 1 },
    { "Lambda platform lines and the first embedded JSON",
      "fields @type, @requestId, @duration, @billedDuration, "
      "@initDuration, @xrayTraceId, @xraySegmentId, level, order.id "
      "| sort @timestamp asc", &lambda, 0, 0,
      "@type=START | @requestId=8ed1bc8c-47d8-4a3d-9e1a-1f6b0b6c1a2f | "
      "@ptr=p0\n"
      "level=info | order.id=17 | @ptr=p1\n"
      "@type=REPORT | @requestId=8ed1bc8c-47d8-4a3d-9e1a-1f6b0b6c1a2f | "
      "@duration=102.25 | @billedDuration=103 | @initDuration=150.01 | "
      "@xrayTraceId=1-5e1b4151-5ac6c58f5ac6c58f5ac6c58f | "
      "@xraySegmentId=6b1b4151ac6c58f5 | @ptr=p2", 3 },
    { "Lambda fields only in a Lambda group",
      "fields @type, level | sort @timestamp asc", &notlambda, 0, 0,
      "@ptr=p0\n@ptr=p1\n@ptr=p2", 3 },
    /* logfmt, csv */
    { "parse logfmt as a map",
      "parse @message logfmt as lf | display lf.level, lf.msg, lf.n",
      &kv, 0, 0,
      "lf.level=error | lf.msg=disk \"full\" | lf.n=4 | @ptr=p1\n"
      "lf.level=info | lf.msg=hello world | lf.n=3 | @ptr=p0", 2 },
    { "parse csv",
      "parse @message csv as name, street, n | display name, street, n",
      &csv, 0, 0,
      "name=bob | street=say \"hi\" | @ptr=p1\n"
      "name=alice | street=Main St, 1 | n=42 | @ptr=p0", 2 },
    /* unnest (the page's first example) */
    { "unnest a list from jsonParse",
      "fields jsonParse(@message) as json_message\n"
      "| unnest json_message.events into event\n| display event.name",
      &unnest, 0, 0,
      "event.name=exception | @ptr=p0\nevent.name=user action | @ptr=p0",
      1 },
    { "unnest then filter (the page's second example)",
      "fields jsonParse(@message) as js\n| unnest js.accounts into account\n"
      "| filter account.type = \"internal\" | display account.id",
      &lists, 0, 0, "account.id=1 | @ptr=p0\naccount.id=3 | @ptr=p0", 1 },
    { "unnest: items of every type, a non-list is one item, an empty "
      "list no row, a missing field the row as it is",
      "fields jsonParse(@message) as js | unnest js.accounts into a "
      "| sort @timestamp desc | display a", &lists, 0, 0,
      "@ptr=p4\na=solo | @ptr=p3\n"
      "a=a | @ptr=p2\na=7 | @ptr=p2\na=1 | @ptr=p2\n@ptr=p2\n"
      "a=[1,2] | @ptr=p2\n"
      "a={\"type\":\"internal\",\"id\":1} | @ptr=p0\n"
      "a={\"type\":\"external\",\"id\":2} | @ptr=p0\n"
      "a={\"type\":\"internal\",\"id\":3} | @ptr=p0", 4 },
    { "parse regex: a pattern that backtracks forever gives up (no match)",
      "parse @message /(?<x>(a+)+)b/ | display x", &redos, 0, 0,
      "x=aa | @ptr=p1\n@ptr=p0", 2 },
    { "parse regex with as: aliases by group",
      "parse @message /(a)(a+)/ as one, rest | display one, rest", &redos,
      0, 0, "one=a | rest=a | @ptr=p1\n"
      "one=a | rest=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | @ptr=p0",
      2 },
    /* rows kept past feed: fields discovered before the row is kept
     * (by the filter) are read after it (by display) */
    { "discovered before a sort, read after it",
      "filter ispresent(server) | sort @timestamp asc | display server, "
      "message", &dedup, 0, 0,
      "server=a | message=m0 | @ptr=p0\nserver=b | message=m1 | @ptr=p1\n"
      "server=a | message=m2 | @ptr=p2\nserver=b | message=m5 | @ptr=p5",
      4 },
    /* commands after stats */
    { "sort, limit and display after stats",
      "parse @logStream \"*/*/*/*\" as env, service, instance, shard\n"
      "| stats count(*) as n by env | sort n desc | limit 1 | display env, n",
      &streams, 0, 0, "env=prod | n=2", 3 },
    { "filter after stats filters groups, not events",
      "parse @logStream \"*/*/*/*\" as env, service, instance, shard\n"
      "| stats count(*) as n by env | filter n < 2 | display env",
      &streams, 0, 0, "env=dev", 3 },
    { "fields before stats does not pick the columns of stats rows",
      "fields @logStream as st | stats count(*) as n", &streams, 0, 0,
      "n=3", 3 },
    /* pattern and diff */
    { "pattern (the page's sample)",
      "filter @message like /DynamoDB/ | pattern @message "
      "| display @pattern, @sampleCount", &pat, 0, 0,
      "@pattern=<Date-1> <Time-2> [INFO] Calling DynamoDB to store for "
      "resource id <ID-3> | @sampleCount=3", 3 },
    { "pattern, then sort and limit over its rows",
      "pattern @message | sort @sampleCount asc | limit 1 "
      "| display @pattern, @ratio", &pat, 0, 0,
      "@pattern=health check ok | @ratio=0.25", 4 },
    { "pattern | diff: both periods, only current events match",
      "pattern @message | diff | display @pattern, @sampleCount, "
      "@previousSampleCount, @diffDescription", &diffs, 0, 0,
      "@pattern=User <Token-1> logged in | @sampleCount=3 | "
      "@previousSampleCount=1 | @diffDescription=Increased by 200%\n"
      "@pattern=ERROR disk full | @sampleCount=2 | @previousSampleCount=0 "
      "| @diffDescription=New pattern\n"
      "@pattern=Cache warmed | @sampleCount=0 | @previousSampleCount=2 | "
      "@diffDescription=Pattern no longer present", 5 },
    /* accum (CWL_QuerySyntax-Accum): rows in the results' order */
    { "accum (the page's example): running total, newest first",
      "fields @timestamp, bytes\n| accum bytes AS totalBytes", &running,
      0, 0,
      "@timestamp=" TS("08.678") " | bytes=50 | totalBytes=50 | @ptr=p3\n"
      "@timestamp=" TS("07.678") " | bytes=n/a | @ptr=p2\n"
      "@timestamp=" TS("06.678") " | bytes=250 | totalBytes=300 | @ptr=p1\n"
      "@timestamp=" TS("05.678") " | bytes=100 | totalBytes=400 | @ptr=p0",
      4 },
    { "accum without AS sums in place, after sort asc",
      "fields bytes | sort @timestamp asc | accum bytes", &running, 0, 0,
      "bytes=100 | @ptr=p0\nbytes=350 | @ptr=p1\nbytes=n/a | @ptr=p2\n"
      "bytes=400 | @ptr=p3", 4 },
    { "accum then limit: the first rows of the run",
      "fields bytes | accum bytes as t | limit 2", &running, 0, 0,
      "bytes=50 | t=50 | @ptr=p3\nbytes=n/a | @ptr=p2", 4 },
    { "accum after stats runs over the stats rows (web-2's only bytes "
      "is not a number: no sum, so no running total)",
      "stats sum(bytes) as b by host | sort host asc | accum b as run "
      "| display host, run", &running, 0, 0,
      "run=300\nhost=web-1 | run=400\nhost=web-2", 4 },
    /* autoregress (CWL_QuerySyntax-Autoregress) */
    { "autoregress p=1-4 (the page's example)",
      "fields @timestamp, bytes\n| autoregress bytes p=1-4", &running, 0, 0,
      "@timestamp=" TS("08.678") " | bytes=50 | @ptr=p3\n"
      "@timestamp=" TS("07.678") " | bytes=n/a | bytes_p1=50 | @ptr=p2\n"
      "@timestamp=" TS("06.678") " | bytes=250 | bytes_p1=n/a | "
      "bytes_p2=50 | @ptr=p1\n"
      "@timestamp=" TS("05.678") " | bytes=100 | bytes_p1=250 | "
      "bytes_p2=n/a | bytes_p3=50 | @ptr=p0", 4 },
    { "autoregress default lag 1 with AS",
      "fields bytes | sort @timestamp asc | autoregress bytes AS prev",
      &running, 0, 0,
      "bytes=100 | @ptr=p0\nbytes=250 | prev=100 | @ptr=p1\n"
      "bytes=n/a | prev=250 | @ptr=p2\nbytes=50 | prev=n/a | @ptr=p3", 4 },
    { "autoregress a range with AS: alias_pN",
      "fields bytes | sort @timestamp asc | autoregress bytes as b p=2-3",
      &running, 0, 0,
      "bytes=100 | @ptr=p0\nbytes=250 | @ptr=p1\n"
      "bytes=n/a | b_p2=100 | @ptr=p2\n"
      "bytes=50 | b_p2=250 | b_p3=100 | @ptr=p3", 4 },
    { "autoregress of a field a row lacks: no value from it",
      "sort @timestamp asc | autoregress host | display host, host_p1",
      &running, 0, 0,
      "host=web-1 | @ptr=p0\nhost_p1=web-1 | @ptr=p1\n"
      "host=web-2 | @ptr=p2\nhost_p1=web-2 | @ptr=p3", 4 },
    /* filldown (CWL_QuerySyntax-Filldown) */
    { "filldown host cpu* (the page's example)",
      "fields @timestamp, host, cpu_user, cpu_system\n| filldown host cpu*",
      &running, 0, 0,
      "@timestamp=" TS("08.678") " | cpu_system=3 | @ptr=p3\n"
      "@timestamp=" TS("07.678") " | host=web-2 | cpu_user=7 | "
      "cpu_system=3 | @ptr=p2\n"
      "@timestamp=" TS("06.678") " | host=web-2 | cpu_user=7 | "
      "cpu_system=3 | @ptr=p1\n"
      "@timestamp=" TS("05.678") " | host=web-1 | cpu_user=5 | "
      "cpu_system=2 | @ptr=p0", 4 },
    { "filldown without fields fills every field",
      "sort @timestamp asc | filldown | display host, cpu_user, cpu_system",
      &running, 0, 0,
      "host=web-1 | cpu_user=5 | cpu_system=2 | @ptr=p0\n"
      "host=web-1 | cpu_user=5 | cpu_system=2 | @ptr=p1\n"
      "host=web-2 | cpu_user=7 | cpu_system=2 | @ptr=p2\n"
      "host=web-2 | cpu_user=7 | cpu_system=3 | @ptr=p3", 4 },
    { "filldown of one field leaves the others",
      "sort @timestamp asc | filldown host | display host, cpu_user",
      &running, 0, 0,
      "host=web-1 | cpu_user=5 | @ptr=p0\nhost=web-1 | @ptr=p1\n"
      "host=web-2 | cpu_user=7 | @ptr=p2\nhost=web-2 | @ptr=p3", 4 },
    /* expand (CWL_QuerySyntax-Expand) */
    { "expand (the page's example): one row per element",
      "expand items\n| stats count(*) by items, host", &expands, 0, 1,
      "count(*)=1 | host=web-01 | items=apple\n"
      "count(*)=1 | host=web-01 | items=banana\n"
      "count(*)=1 | host=web-01 | items=cherry", 1 },
    { "expand: a missing field keeps the row, an empty list drops it, a "
      "scalar is one element, maps stay maps",
      "expand items | display host, items, items.n", &expands2, 0, 0,
      "host=web-05 | items={\"n\":1} | items.n=1 | @ptr=p4\n"
      "host=web-05 | items={\"n\":2} | items.n=2 | @ptr=p4\n"
      "host=web-04 | items=kiwi | @ptr=p3\n"
      "host=web-02 | @ptr=p1\n"
      "host=web-01 | items=apple | @ptr=p0\n"
      "host=web-01 | items=banana | @ptr=p0\n"
      "host=web-01 | items=cherry | @ptr=p0", 4 },
    { "expand of a list a command made",
      "fields jsonParse(@message) as js | expand js.items "
      "| filter ispresent(js.items) | display js.items", &expands, 0, 0,
      "js.items=apple | @ptr=p0\njs.items=banana | @ptr=p0\n"
      "js.items=cherry | @ptr=p0", 1 },
    /* addtotals (CWL_QuerySyntax-Addtotals), the page's four examples */
    { "addtotals: row totals of the fields shown (default)",
      "fields a, b\n| addtotals", &totals, 0, 0,
      "a=4.5 | Total=4.5 | @ptr=p2\na=3 | b=x | Total=3 | @ptr=p1\n"
      "a=1 | b=2 | Total=3 | @ptr=p0", 3 },
    { "addtotals: only the fields listed",
      "fields price, tax, qty\n| addtotals price, tax", &totals, 0, 0,
      "@ptr=p2\nprice=20 | tax=n/a | qty=1 | Total=20 | @ptr=p1\n"
      "price=10 | tax=2 | qty=3 | Total=12 | @ptr=p0", 3 },
    { "addtotals: a custom total column name",
      "fields val\n| addtotals fieldname=RowSum", &totals, 0, 0,
      "@ptr=p2\nval=8 | RowSum=8 | @ptr=p1\nval=7 | RowSum=7 | @ptr=p0",
      3 },
    { "addtotals: column totals add a summary row at the bottom",
      "fields x\n| addtotals col=true x", &totals, 0, 0,
      "x=3 | Total=3 | @ptr=p2\nx=2 | Total=2 | @ptr=p1\n"
      "x=1 | Total=1 | @ptr=p0\nx=6 | Total=6", 3 },
    { "addtotals row=false col=true: the summary row alone is new",
      "fields a, x | sort @timestamp asc | addtotals row=false col=true",
      &totals, 0, 0,
      "a=1 | x=1 | @ptr=p0\na=3 | x=2 | @ptr=p1\na=4.5 | x=3 | @ptr=p2\n"
      "a=8.5 | x=6", 3 },
    { "addtotals without fields: every non-@ numeric field",
      "filter ispresent(b) | addtotals | display Total", &totals, 0, 0,
      "Total=34 | @ptr=p1\nTotal=26 | @ptr=p0", 2 },
    { "addtotals after stats sums the stats columns",
      "stats sum(x) as sx, count(*) as n | addtotals col=true", &totals,
      0, 1, "Total=9 | n=3 | sx=6\nTotal=9 | n=3 | sx=6", 3 },
    /* countFrequent (CWL_QuerySyntax-CountFrequent) */
    { "countFrequent (the page's example): counts, most frequent first",
      "fields method, status\n| countFrequent method, status", &cfreq, 0, 0,
      "method=GET | status=200 | _approxcount=3\n"
      "method=POST | status=500 | _approxcount=2\n"
      "method=GET | status=404 | _approxcount=1", 6 },
    { "count_frequent, then limit",
      "count_frequent method | limit 1", &cfreq, 0, 0,
      "method=GET | _approxcount=4", 6 },
    /* sessionize (CWL_QuerySyntax-Sessionize); oldest first here, so
     * that sessions are numbered in time order */
    { "sessionize userId, deviceId maxspan 1h as my_session (the page)",
      "fields userId, deviceId | sort @timestamp asc\n"
      "| sessionize userId, deviceId maxspan 1h as my_session", &sess, 0, 0,
      "userId=u1 | deviceId=d1 | my_session=1 | @ptr=p0\n"
      "userId=u1 | deviceId=d1 | my_session=1 | @ptr=p1\n"
      "userId=u2 | deviceId=d1 | my_session=2 | @ptr=p2\n"
      "userId=u1 | deviceId=d2 | my_session=3 | @ptr=p3\n"
      "userId=u1 | deviceId=d1 | my_session=4 | @ptr=p4\n"
      "deviceId=d1 | @ptr=p5", 6 },
    { "sessionize defaults: maxspan 30m, session_id; newest first",
      "fields userId | sessionize userId", &sess, 0, 0,
      "@ptr=p5\n"
      "userId=u1 | session_id=1 | @ptr=p4\n"
      "userId=u1 | session_id=2 | @ptr=p3\n"
      "userId=u2 | session_id=3 | @ptr=p2\n"
      "userId=u1 | session_id=2 | @ptr=p1\n"
      "userId=u1 | session_id=2 | @ptr=p0", 6 },
    { "sessionize then stats: sessions per user",
      "filter ispresent(userId) | sessionize userId maxspan 15m "
      "| stats count_distinct(session_id) as n by userId", &sess, 0, 1,
      "n=1 | userId=u2\nn=3 | userId=u1", 5 },
    /* fillmissing (CWL_QuerySyntax-Fillmissing) */
    { "fillmissing with 0 for avg_latency (the page's example)",
      "fields @timestamp, latency\n"
      "| stats avg(latency) as avg_latency by bin(1m)\n"
      "| fillmissing with 0 for avg_latency", &fmiss, 0, 0,
      BIN("9") " | avg_latency=7\n" BIN("8") " | avg_latency=0\n"
      BIN("7") " | avg_latency=5\n" BIN("6") " | avg_latency=0\n"
      BIN("5") " | avg_latency=30\n" BIN("4") " | avg_latency=10", 5 },
    { "fillmissing without constants: the bins alone",
      "stats count(*) as n by bin(1m) | fillmissing", &fmiss, 0, 0,
      BIN("9") " | n=1\n" BIN("8") "\n" BIN("7") " | n=1\n" BIN("6")
      "\n" BIN("5") " | n=2\n" BIN("4") " | n=1", 5 },
    { "fillmissing per series of the other by fields",
      "stats count(*) as n by bin(1m), host | fillmissing with 0 for n, "
      "\"none\" for note", &fmiss, 0, 0,
      BIN("9") " | host=b | n=1\n"
      BIN("9") " | host=a | n=0 | note=none\n"
      BIN("8") " | host=b | n=0 | note=none\n"
      BIN("8") " | host=a | n=0 | note=none\n"
      BIN("7") " | host=b | n=0 | note=none\n"
      BIN("7") " | host=a | n=1\n"
      BIN("6") " | host=b | n=0 | note=none\n"
      BIN("6") " | host=a | n=0 | note=none\n"
      BIN("5") " | host=b | n=1\n"
      BIN("5") " | host=a | n=1\n"
      BIN("4") " | host=b | n=0 | note=none\n"
      BIN("4") " | host=a | n=1", 5 },
    /* parse over what is not there */
    { "parse of a missing field keeps the row, without the fields",
      "parse nosuchfield \"*-*\" as x, y | display x, y", &streams, 0, 0,
      "@ptr=p2\n@ptr=p1\n@ptr=p0", 3 },
    { "parse of a field a command set",
      "fields concat(@logStream, \"-x\") as st | parse st \"*/*\" as env, "
      "rest | display env", &streams, 0, 0,
      "env=dev | @ptr=p2\nenv=prod | @ptr=p1\nenv=prod | @ptr=p0", 3 },
};

static int run_case(const struct qcase *c)
{
    struct lv_iq_result res;
    struct lv_err err = LV_ERR_INIT;
    char *got;
    int ok;

    if (run_query(c->query, c->set, c->limit, 0, &res, &err) < 0) {
        print_error("query failed: %s: %s\n", lv_err_type(err.code),
                    err.msg);
        return 0;
    }
    got = render(&res, c->sorted);
    ok = strcmp(got, c->want) == 0;
    if (!ok) {
        print_error("got:\n%s\nwant:\n%s\n", got, c->want);
    }
    if (c->matched >= 0 && res.records_matched != c->matched) {
        print_error("recordsMatched %lld, want %lld\n",
                    (long long)res.records_matched, (long long)c->matched);
        ok = 0;
    }
    free(got);
    lv_iq_result_release(&res);
    return ok;
}

static void test_cases(void **state)
{
    (void)state;
    RUN_TABLE("queries", cases, run_case);
}

/* ---- memory, JSON of the results, refusals -------------------------------- */

/* Many 1 KB events sorted: the sort holds them all, past max_bytes. */
static void test_memory_bound(void **state)
{
    enum { NEV = 200 };
    struct ev *ev = lv_xcalloc(NEV, sizeof(*ev));
    char **msgs = lv_xcalloc(NEV, sizeof(*msgs));
    struct evset set = { "123456789012:big", ev, NEV };
    struct lv_iq_result res;
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    for (size_t i = 0; i < NEV; i++) {
        msgs[i] = lv_xmalloc(1025);
        memset(msgs[i], 'a' + (int)(i % 26), 1024);
        msgs[i][1024] = '\0';
        ev[i].dt = (int64_t)i;
        ev[i].stream = "s";
        ev[i].msg = msgs[i];
    }
    /* 200 × ≥1 KB rows cannot fit in 64 KB. */
    assert_int_equal(run_query("sort @message asc", &set, NEV, 64 * 1024,
                               &res, &err), -1);
    assert_int_equal(err.code, LV_E_LIMIT_EXCEEDED);
    assert_true(strlen(err.msg) > 0);
    /* The same query under a bound it fits: every row, in order. */
    if (run_query("sort @message asc | display @message", &set, NEV,
                  8 * 1024 * 1024, &res, &err) < 0) {
        fail_msg("%s: %s", lv_err_type(err.code), err.msg);
    }
    assert_int_equal(res.n, NEV);
    assert_true(strcmp(res.rows[0].f[0].value, res.rows[1].f[0].value) <= 0);
    lv_iq_result_release(&res);
    /* A stats group per distinct message: the block's bytes count. */
    assert_int_equal(run_query("stats count(*) by @message", &set, 0,
                               64 * 1024, &res, &err), -1);
    assert_int_equal(err.code, LV_E_LIMIT_EXCEEDED);
    /* sort … | limit keeps only the best rows: it fits in 64 KB. */
    assert_int_equal(run_query("sort @message desc | limit 3 | display "
                               "@ptr", &set, 0, 64 * 1024, &res, &err), 0);
    /* The three greatest ("zzz…": events 25, 51, 77, 103 …), equal keys in
     * the order they came. */
    assert_int_equal(res.n, 3);
    assert_string_equal(res.rows[0].f[0].value, "p25");
    assert_string_equal(res.rows[1].f[0].value, "p51");
    assert_string_equal(res.rows[2].f[0].value, "p77");
    lv_iq_result_release(&res);
    /* Ascending: the three smallest ("aaa…": 0, 26, 52). */
    assert_int_equal(run_query("sort @message asc | limit 3 | display @ptr",
                               &set, 0, 64 * 1024, &res, &err), 0);
    assert_int_equal(res.n, 3);
    assert_string_equal(res.rows[0].f[0].value, "p0");
    assert_string_equal(res.rows[1].f[0].value, "p26");
    assert_string_equal(res.rows[2].f[0].value, "p52");
    lv_iq_result_release(&res);
    for (size_t i = 0; i < NEV; i++) {
        free(msgs[i]);
    }
    free(msgs);
    free(ev);
}

static void test_result_json(void **state)
{
    struct lv_iq_result res;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    (void)state;
    assert_int_equal(run_query("fields @message | limit 1", &json, 0, 0,
                               &res, &err), 0);
    assert_int_equal(lv_iq_result_json(&res, &b), 0);
    assert_string_equal(b.data,
                        "[[{\"field\":\"@message\",\"value\":\"[{\\\"a\\\":"
                        "{\\\"b\\\":4}}]\"},{\"field\":\"@ptr\","
                        "\"value\":\"p3\"}]]");
    lv_iq_result_release(&res);
    lv_buf_reset(&b);
    assert_int_equal(run_query("filter @logStream = \"none\"", &json, 0, 0,
                               &res, &err), 0);
    assert_int_equal(lv_iq_result_json(&res, &b), 0);
    assert_string_equal(b.data, "[]");
    lv_iq_result_release(&res);
    lv_buf_release(&b);
}

/* Events of the period before the range reach only a query that asks for
 * them (diff); any other query drops them, and they are not matches. */
static void test_previous_period(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *run;
    struct lv_iq_run_opts o;
    struct lv_iq_result res;
    struct lv_iq_event ev;
    char ptr[8];

    (void)state;
    memset(&o, 0, sizeof(o));
    o.max_bytes = 1 << 20;
    assert_int_equal(lv_iq_parse("fields @message", 15, &q, &err), 0);
    run = lv_iq_run_new(q, &o);
    make_event(&streams, 0, ptr, sizeof(ptr), &ev);
    ev.previous = 1;
    assert_int_equal(lv_iq_run_feed(run, &ev, &err), 0);
    make_event(&streams, 1, ptr, sizeof(ptr), &ev);
    assert_int_equal(lv_iq_run_feed(run, &ev, &err), 0);
    assert_int_equal(lv_iq_run_finish(run, &res, &err), 0);
    assert_int_equal(res.n, 1);
    assert_int_equal(res.records_matched, 1);
    assert_string_equal(res.rows[0].f[0].value, "b");
    lv_iq_result_release(&res);
    lv_iq_run_free(run);
    lv_iq_query_free(q);
}

/* An Infrequent Access group's events have their system fields only. */
static void test_no_discovery(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *run;
    struct lv_iq_run_opts o;
    struct lv_iq_result res;
    struct lv_iq_event ev;
    char ptr[8];
    const char *query = "fields server, @message";

    (void)state;
    memset(&o, 0, sizeof(o));
    o.max_bytes = 1 << 20;
    assert_int_equal(lv_iq_parse(query, strlen(query), &q, &err), 0);
    run = lv_iq_run_new(q, &o);
    make_event(&dedup, 0, ptr, sizeof(ptr), &ev);
    ev.no_discovery = 1;
    assert_int_equal(lv_iq_run_feed(run, &ev, &err), 0);
    assert_int_equal(lv_iq_run_finish(run, &res, &err), 0);
    assert_int_equal(res.n, 1);
    assert_int_equal(res.rows[0].n, 2);
    assert_string_equal(res.rows[0].f[0].name, "@message");
    assert_string_equal(res.rows[0].f[1].name, "@ptr");
    lv_iq_result_release(&res);
    lv_iq_run_free(run);
    lv_iq_query_free(q);
}

/* One query over two events, the first fed masked (ev.unmasked holds its
 * original, as logs/query_run.c feeds it), the second as it is: the
 * @message values of the results, in order, joined by '|'. */
static void run_masked(const char *query, char *out, size_t cap)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *run;
    struct lv_iq_run_opts o;
    struct lv_iq_result res;
    struct lv_iq_event ev;
    char ptr[8];

    memset(&o, 0, sizeof(o));
    o.max_bytes = 1 << 20;
    assert_int_equal(lv_iq_parse(query, strlen(query), &q, &err), 0);
    run = lv_iq_run_new(q, &o);
    make_event(&dedup, 0, ptr, sizeof(ptr), &ev);
    ev.ts = T0 + 1;
    ev.msg = "mail ****";
    ev.msg_len = strlen(ev.msg);
    ev.unmasked = "mail a@b.c";
    ev.unmasked_len = strlen(ev.unmasked);
    assert_int_equal(lv_iq_run_feed(run, &ev, &err), 0);
    make_event(&dedup, 0, ptr, sizeof(ptr), &ev);
    ev.ts = T0;
    ev.msg = "plain";
    ev.msg_len = strlen(ev.msg);
    assert_int_equal(lv_iq_run_feed(run, &ev, &err), 0);
    assert_int_equal(lv_iq_run_finish(run, &res, &err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < res.n; i++) {
        for (size_t k = 0; k < res.rows[i].n; k++) {
            if (strcmp(res.rows[i].f[k].name, "@message") == 0) {
                size_t n = strlen(out);
                snprintf(out + n, cap - n, "%s%s", n ? "|" : "",
                         res.rows[i].f[k].value);
            }
        }
    }
    lv_iq_result_release(&res);
    lv_iq_run_free(run);
    lv_iq_query_free(q);
}

/* unmask shows @message as ingested; without it the masked text shows,
 * and a filter before unmask sees the masked text. */
static void test_unmask(void **state)
{
    char got[256];

    (void)state;
    run_masked("fields @message | sort @timestamp desc", got, sizeof(got));
    assert_string_equal(got, "mail ****|plain");
    run_masked("fields @message | unmask(@message) | sort @timestamp desc",
               got, sizeof(got));
    assert_string_equal(got, "mail a@b.c|plain");
    run_masked("fields @message | sort @timestamp desc | unmask", got,
               sizeof(got));
    assert_string_equal(got, "mail a@b.c|plain");
    run_masked("filter @message like /a@b/ | unmask @message", got,
               sizeof(got));
    assert_string_equal(got, "");
}

/* fillmissing over 1 ms bins across 300 s would make 300,001 rows: the
 * query fails before building them; 1 s bins (301 rows) are fine. */
static void test_fillmissing_bound(void **state)
{
    struct lv_iq_result res;
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    assert_int_equal(run_query("stats count(*) by bin(1ms) | fillmissing",
                               &fmiss, 0, 0, &res, &err), -1);
    assert_int_equal(err.code, LV_E_LIMIT_EXCEEDED);
    assert_non_null(strstr(err.msg, "fillmissing would make more than"));
    assert_int_equal(run_query("stats count(*) by bin(1s) | fillmissing",
                               &fmiss, 0, 0, &res, &err), 0);
    assert_int_equal(res.n, 301);
    lv_iq_result_release(&res);
}

/* ---- discovery alone (GetLogGroupFields) -------------------------------- */

struct names {
    struct lv_buf b;
    int stop_after;
};

static int add_name(void *arg, const char *name, size_t len)
{
    struct names *n = arg;
    lv_buf_add(&n->b, name, len);
    lv_buf_addc(&n->b, ';');
    return --n->stop_after == 0;
}

static void test_discover(void **state)
{
    static const struct {
        const char *msg;
        const char *want;
    } rows[] = {
        { "{\"a\":{\"b\":[1,{\"c\":2}]},\"d\":\"x\"}", "a.b.0;a.b.1.c;d;" },
        { "  {\"k\" : \"v\" }\n", "k;" },
        { "{\"@timestamp\":1}", "@@timestamp;" },
        { "{\"a\":1,\"a\":2}", "a;" },
        { "{\"n\":null,\"e\":[],\"o\":{}}", "" },
        { "{\"a\":1", "" },
        { "{\"a\":1}}", "" },
        { "{\"a\":01}", "" },
        { "{\"a\":\"\\x\"}", "" },
        { "{\"a\":\"tab\there\"}", "" },
        { "not json", "" },
        { "", "" },
        { "REPORT RequestId: 1 Duration: 1 ms", "" },   /* no group */
    };
    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        struct names n = { LV_BUF_INIT(SIZE_MAX), -1 };
        assert_int_equal(lv_iq_discover(rows[i].msg, strlen(rows[i].msg),
                                        add_name, &n), 0);
        CHECK(rows[i].msg, strcmp(n.b.data, rows[i].want) == 0);
        lv_buf_release(&n.b);
    }
    /* The limit: 200 fields in document order, not one more. */
    {
        struct lv_buf m = LV_BUF_INIT(SIZE_MAX);
        struct names n = { LV_BUF_INIT(SIZE_MAX), -1 };
        size_t count = 0;
        lv_buf_addc(&m, '{');
        for (int i = 0; i < 250; i++) {
            lv_buf_addf(&m, "%s\"f%d\":%d", i ? "," : "", i, i);
        }
        lv_buf_addc(&m, '}');
        assert_int_equal(lv_iq_discover(m.data, m.len, add_name, &n), 0);
        for (size_t i = 0; i < n.b.len; i++) {
            count += n.b.data[i] == ';';
        }
        assert_int_equal(count, 200);
        assert_non_null(strstr(n.b.data, ";f199;"));
        assert_null(strstr(n.b.data, "f200"));
        lv_buf_release(&n.b);
        lv_buf_release(&m);
    }
    /* fn's non-zero return stops the walk and is returned. */
    {
#define ABC "{\"a\":1,\"b\":2,\"c\":3}"
        struct names n = { LV_BUF_INIT(SIZE_MAX), 2 };
        assert_int_equal(lv_iq_discover(ABC, strlen(ABC),
                                        add_name, &n), 1);
        assert_string_equal(n.b.data, "a;b;");
        lv_buf_release(&n.b);
#undef ABC
    }
    /* Deep nesting: bounded, no fields, no crash. */
    {
        struct lv_buf m = LV_BUF_INIT(SIZE_MAX);
        struct names n = { LV_BUF_INIT(SIZE_MAX), -1 };
        for (int i = 0; i < 5000; i++) {
            lv_buf_adds(&m, "{\"a\":");
        }
        lv_buf_adds(&m, "1");
        for (int i = 0; i < 5000; i++) {
            lv_buf_addc(&m, '}');
        }
        assert_int_equal(lv_iq_discover(m.data, m.len, add_name, &n), 0);
        assert_string_equal(n.b.data, "");
        lv_buf_release(&n.b);
        lv_buf_release(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_memory_bound),
        cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_previous_period),
        cmocka_unit_test(test_no_discovery),
        cmocka_unit_test(test_unmask),
        cmocka_unit_test(test_fillmissing_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
