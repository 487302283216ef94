/*
 * test_insights_ml: the analysis commands of the Logs Insights syntax
 * pages — outlier, relevantfields, logcompare and anomaly — end to end:
 * query text through lv_iq_parse, a run over sample events, the results
 * as GetQueryResults shows them.
 *
 * Every example of the four pages (CWL_QuerySyntax-Outlier,
 * -RelevantFields, -Logcompare, -Anomaly) runs over events built so that
 * the expected result follows by hand from the method each command's
 * file documents (cmd_outlier.c, cmd_relevant.c, diff.c, cmd_anomaly.c);
 * the arithmetic is written next to each case. Then the refusals, with
 * their positions.
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
#define MIN5 300000LL           /* anomaly's windows over a 2 h range */

struct ev {
    int64_t dt;                 /* ms after T0 */
    const char *msg;
    int prev;                   /* of the baseline period */
};

struct evset {
    const struct ev *ev;
    size_t n;
    const char *log;            /* @log; NULL: 123456789012:ml */
};

/* ---- sample events ------------------------------------------------------ */

/* outlier: cpu sorted 10 12 14 16 18 100 → Q1 = 12 + .25·2 = 12.5, Q3 =
 * 16 + .75·2 = 17.5, IQR 5; memory sorted 1 50 52 54 56 58 → Q1 50.5, Q3
 * 55.5, IQR 5. */
static const struct ev out_ev[] = {
    { 0, "{\"cpu\": 10, \"memory\": 1}", 0 },
    { 1000, "{\"cpu\": 12, \"memory\": 50}", 0 },
    { 2000, "{\"cpu\": 14, \"memory\": 52}", 0 },
    { 3000, "{\"cpu\": 16, \"memory\": 54}", 0 },
    { 4000, "{\"cpu\": 18, \"memory\": 56}", 0 },
    { 5000, "{\"cpu\": 100, \"memory\": 58}", 0 },
};
static const struct evset outs = { out_ev, 6, NULL };

/* relevantfields: Time > 400 on the first four (the conditional set). */
static const struct ev rel_ev[] = {
    { 0, "{\"Time\": 500, \"Controller\": \"A\", \"Path\": \"/x\", "
         "\"Service\": \"svc\", \"size\": 100, \"requestId\": \"r0\"}", 0 },
    { 1, "{\"Time\": 600, \"Controller\": \"A\", \"Path\": \"/x\", "
         "\"Service\": \"svc\", \"size\": 200, \"requestId\": \"r1\"}", 0 },
    { 2, "{\"Time\": 700, \"Controller\": \"A\", \"Path\": \"/x\", "
         "\"Service\": \"svc\", \"size\": 300, \"requestId\": \"r2\"}", 0 },
    { 3, "{\"Time\": 800, \"Controller\": \"B\", \"Path\": \"/x\", "
         "\"Service\": \"svc\", \"size\": 400, \"requestId\": \"r3\"}", 0 },
    { 4, "{\"Time\": 10, \"Controller\": \"B\", \"Path\": \"/y\", "
         "\"Service\": \"svc\", \"size\": 10, \"requestId\": \"r4\"}", 0 },
    { 5, "{\"Time\": 20, \"Controller\": \"B\", \"Path\": \"/y\", "
         "\"Service\": \"svc\", \"size\": 20, \"requestId\": \"r5\"}", 0 },
    { 6, "{\"Time\": 30, \"Controller\": \"B\", \"Path\": \"/y\", "
         "\"Service\": \"svc\", \"size\": 30, \"requestId\": \"r6\"}", 0 },
    { 7, "{\"Time\": 40, \"Controller\": \"A\", \"Path\": \"/y\", "
         "\"Service\": \"svc\", \"size\": 40, \"requestId\": \"r7\"}", 0 },
};
static const struct evset rels = { rel_ev, 8, NULL };

/* relevantfields' Lambda example: two timeouts of 128 MB functions. */
static const struct ev lam_ev[] = {
    { 0, "{\"Duration\": 6000, \"memorySize\": 128}", 0 },
    { 1, "{\"Duration\": 9000, \"memorySize\": 128}", 0 },
    { 2, "{\"Duration\": 100, \"memorySize\": 1024}", 0 },
    { 3, "{\"Duration\": 300, \"memorySize\": 512}", 0 },
};
static const struct evset lams = { lam_ev, 4, NULL };

/* logcompare: the current window and the baseline (prev). */
static const struct ev cmp_ev[] = {
    { 0, "User alice logged in", 0 },
    { 1, "User bob logged in", 1 },
    { 2, "Cache warmed", 1 },
    { 3, "ERROR disk full", 0 },
    { 4, "User alice logged in", 0 },
    { 5, "Cache warmed", 1 },
    { 6, "ERROR disk full", 0 },
    { 7, "User alice logged in", 0 },
};
static const struct evset cmps = { cmp_ev, 8, NULL };

/* anomaly: windows of 5 minutes (a 2 h range), k = 0 … 11 from the
 * window of T0; one pattern each:
 *  A  "Request served in N ms", windows 0-9: N = 10 11 12 10 11 12 10 11
 *     12 5000 → N sorted, ranks ⌊9/4⌋ = 2 and ⌊27/4⌋ = 6: Q1 10, Q3 12,
 *     s 2, bounds [4, 18]: 5000 is a Numerical Token anomaly.
 *  B  "GET /index status N", windows 0-4: 200 ×3, 404, 500: HTTP Error
 *     Code (a method, a "status" token), 5xx → HIGH.
 *  C  "User alice logged in" in windows 0-9, "User mallory logged in" in
 *     window 5: 10 of 11 = 91% alice → Token Variation.
 *  D  "Disk quota exceeded" ×5 in window 11 only: first window 11 >
 *     (12-1)/2 → New Pattern; counts 0 ×11 and 5: median 0, MAD 0,
 *     5 > 0 + 3 → Pattern Frequency.
 *  E  "Heartbeat ok" in every window 0-11: nothing.
 * A, B, C counts per window stay within median + 3 (at most 2). */
static const struct ev an_ev[] = {
    { 0 * MIN5, "Request served in 10 ms", 0 },
    { 1 * MIN5, "Request served in 11 ms", 0 },
    { 2 * MIN5, "Request served in 12 ms", 0 },
    { 3 * MIN5, "Request served in 10 ms", 0 },
    { 4 * MIN5, "Request served in 11 ms", 0 },
    { 5 * MIN5, "Request served in 12 ms", 0 },
    { 6 * MIN5, "Request served in 10 ms", 0 },
    { 7 * MIN5, "Request served in 11 ms", 0 },
    { 8 * MIN5, "Request served in 12 ms", 0 },
    { 9 * MIN5, "Request served in 5000 ms", 0 },
    { 0 * MIN5 + 1, "GET /index status 200", 0 },
    { 1 * MIN5 + 1, "GET /index status 200", 0 },
    { 2 * MIN5 + 1, "GET /index status 404", 0 },
    { 3 * MIN5 + 1, "GET /index status 200", 0 },
    { 4 * MIN5 + 1, "GET /index status 500", 0 },
    { 0 * MIN5 + 2, "User alice logged in", 0 },
    { 1 * MIN5 + 2, "User alice logged in", 0 },
    { 2 * MIN5 + 2, "User alice logged in", 0 },
    { 3 * MIN5 + 2, "User alice logged in", 0 },
    { 4 * MIN5 + 2, "User alice logged in", 0 },
    { 5 * MIN5 + 2, "User alice logged in", 0 },
    { 5 * MIN5 + 3, "User mallory logged in", 0 },
    { 6 * MIN5 + 2, "User alice logged in", 0 },
    { 7 * MIN5 + 2, "User alice logged in", 0 },
    { 8 * MIN5 + 2, "User alice logged in", 0 },
    { 9 * MIN5 + 2, "User alice logged in", 0 },
    { 11 * MIN5 + 4, "Disk quota exceeded", 0 },
    { 11 * MIN5 + 5, "Disk quota exceeded", 0 },
    { 11 * MIN5 + 6, "Disk quota exceeded", 0 },
    { 11 * MIN5 + 7, "Disk quota exceeded", 0 },
    { 11 * MIN5 + 8, "Disk quota exceeded", 0 },
    { 0 * MIN5 + 9, "Heartbeat ok", 0 },
    { 1 * MIN5 + 9, "Heartbeat ok", 0 },
    { 2 * MIN5 + 9, "Heartbeat ok", 0 },
    { 3 * MIN5 + 9, "Heartbeat ok", 0 },
    { 4 * MIN5 + 9, "Heartbeat ok", 0 },
    { 5 * MIN5 + 9, "Heartbeat ok", 0 },
    { 6 * MIN5 + 9, "Heartbeat ok", 0 },
    { 7 * MIN5 + 9, "Heartbeat ok", 0 },
    { 8 * MIN5 + 9, "Heartbeat ok", 0 },
    { 9 * MIN5 + 9, "Heartbeat ok", 0 },
    { 10 * MIN5 + 9, "Heartbeat ok", 0 },
    { 11 * MIN5 + 9, "Heartbeat ok", 0 },
};
static const struct evset ans = { an_ev, sizeof(an_ev) / sizeof(an_ev[0]),
                                  NULL };

/* anomaly's other examples filter on @type, which Insights discovers in
 * a Lambda function's platform lines (discover.c): START and REPORT lines
 * in windows 0-9, Duration and Billed Duration 10 11 12 … 5000 as A's
 * numbers above (bounds [4, 18]: 5000 outlies in both tokens), the
 * memory sizes constant, the request ids all different (no value holds
 * 90%). No line has @type ERROR. */
#define START(k, id) { (k) * MIN5, "START RequestId: " id " Version: 1", 0 }
#define REPORT(k, id, d)                                                      \
    { (k) * MIN5 + 1, "REPORT RequestId: " id "\tDuration: " d " ms\t"       \
      "Billed Duration: " d " ms\tMemory Size: 128 MB\t"                     \
      "Max Memory Used: 64 MB\t", 0 }
#define ID(n) "8ed1bc8c-47d8-4a3d-9e1a-1f6b0b6c1a2" n
static const struct ev lam2_ev[] = {
    START(0, ID("0")), REPORT(0, ID("0"), "10"),
    START(1, ID("1")), REPORT(1, ID("1"), "11"),
    START(2, ID("2")), REPORT(2, ID("2"), "12"),
    START(3, ID("3")), REPORT(3, ID("3"), "10"),
    START(4, ID("4")), REPORT(4, ID("4"), "11"),
    START(5, ID("5")), REPORT(5, ID("5"), "12"),
    START(6, ID("6")), REPORT(6, ID("6"), "10"),
    START(7, ID("7")), REPORT(7, ID("7"), "11"),
    START(8, ID("8")), REPORT(8, ID("8"), "12"),
    START(9, ID("9")), REPORT(9, ID("9"), "5000"),
};
static const struct evset lam2 = { lam2_ev, 20,
                                   "123456789012:/aws/lambda/fn" };

/* ---- running a query ---------------------------------------------------- */

/* The result as text: rows joined by '\n', fields "name=value" by
 * " | ", in the order GetQueryResults gives them. */
static char *render(const struct lv_iq_result *res)
{
    struct lv_buf out = LV_BUF_INIT(SIZE_MAX);

    for (size_t i = 0; i < res->n; i++) {
        const struct lv_iq_result_row *r = &res->rows[i];

        for (size_t j = 0; j < r->n; j++) {
            lv_buf_addf(&out, "%s%s=%s", j ? " | " : (i ? "\n" : ""),
                        r->f[j].name, r->f[j].value);
        }
    }
    return lv_buf_detach(&out, NULL);
}

/* Runs query over set (the range T0 ± 1 h): 0 and *res, or -1 and *err.
 * Each event's text is overwritten after its feed, so a command that
 * keeps borrowing it reads garbage (and ASan sees the freed copy). */
static int run_query(const char *query, const struct evset *set,
                     struct lv_iq_result *res, struct lv_err *err)
{
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *run = NULL;
    struct lv_iq_run_opts o;
    int rc = -1;

    memset(&o, 0, sizeof(o));
    o.start_ms = T0 - 3600 * 1000;
    o.end_ms = T0 + 3600 * 1000;
    o.now_ms = o.end_ms;
    o.max_bytes = 64 * 1024 * 1024;
    if (lv_iq_parse(query, strlen(query), &q, err) < 0) {
        return -1;
    }
    run = lv_iq_run_new(q, &o);
    for (size_t i = 0; i < set->n; i++) {
        struct lv_iq_event ev;
        char ptr[32];
        char *msg = lv_xstrdup(set->ev[i].msg);

        snprintf(ptr, sizeof(ptr), "p%zu", i);
        memset(&ev, 0, sizeof(ev));
        ev.ts = T0 + set->ev[i].dt;
        ev.ingestion_ms = ev.ts + 500;
        ev.log = set->log ? set->log : "123456789012:ml";
        ev.log_len = strlen(ev.log);
        ev.stream = "s";
        ev.stream_len = 1;
        ev.msg = msg;
        ev.msg_len = strlen(msg);
        ev.ptr = ptr;
        ev.ptr_len = strlen(ptr);
        ev.previous = set->ev[i].prev;
        rc = lv_iq_run_feed(run, &ev, err);
        memset(msg, 'X', ev.msg_len);
        free(msg);
        if (rc < 0) {
            goto out;
        }
    }
    rc = lv_iq_run_finish(run, res, err);
out:
    lv_iq_run_free(run);
    lv_iq_query_free(q);
    return rc;
}

struct qcase {
    const char *name;
    const char *query;
    const struct evset *set;
    const char *want;
};

#define TS(s) "@timestamp=2024-01-02 03:04:" s

static const struct qcase cases[] = {
    /* outlier */
    { "outlier: the page's example (remove, param 3, lower, mark)",
      /* cpu bounds [12.5 - 15, 17.5 + 15] = [-2.5, 32.5]: 100 out;
       * memory [50.5 - 15, 55.5 + 15] = [35.5, 70.5]: 1 out. */
      "fields @timestamp, cpu, memory\n"
      "| outlier action=remove param=3.0 uselower=true mark=true cpu memory",
      &outs,
      TS("09.678") " | cpu=18 | memory=56 | @isOutlier=0 | @ptr=p4\n"
      TS("08.678") " | cpu=16 | memory=54 | @isOutlier=0 | @ptr=p3\n"
      TS("07.678") " | cpu=14 | memory=52 | @isOutlier=0 | @ptr=p2\n"
      TS("06.678") " | cpu=12 | memory=50 | @isOutlier=0 | @ptr=p1" },
    { "outlier: defaults (transform, 2.5, upper only): clamped to Q3 + "
      "2.5 IQR = 30",
      "fields cpu | outlier cpu | display cpu", &outs,
      "cpu=30 | @ptr=p5\ncpu=18 | @ptr=p4\ncpu=16 | @ptr=p3\n"
      "cpu=14 | @ptr=p2\ncpu=12 | @ptr=p1\ncpu=10 | @ptr=p0" },
    { "outlier: uselower transform marks and clamps to Q1 - 3 IQR = 35.5",
      "outlier param=3 uselower=true mark=true memory "
      "| display memory, @isOutlier", &outs,
      "memory=58 | @isOutlier=0 | @ptr=p5\n"
      "memory=56 | @isOutlier=0 | @ptr=p4\n"
      "memory=54 | @isOutlier=0 | @ptr=p3\n"
      "memory=52 | @isOutlier=0 | @ptr=p2\n"
      "memory=50 | @isOutlier=0 | @ptr=p1\n"
      "memory=35.5 | @isOutlier=1 | @ptr=p0" },
    { "outlier: without uselower a low value stays",
      "outlier param=3 memory | display memory | sort memory asc "
      "| limit 1", &outs, "memory=1 | @ptr=p0" },
    { "outlier: options in another order, commas between fields",
      "outlier mark=true action=remove cpu, memory | stats count(*) as n",
      /* cpu upper 30 (100 out); memory upper 55.5 + 12.5 = 68, no
       * lower: 5 rows left */
      &outs, "n=5" },
    { "outlier between two stats: the second reads @isOutlier",
      /* one row (m = 100): Q1 = Q3 = 100, nothing outlies */
      "stats max(cpu) as m by @logStream | outlier mark=true m "
      "| stats count(*) as c by @isOutlier", &outs, "@isOutlier=0 | c=1" },
    { "outlier of a field no row has: the rows unchanged",
      "outlier mark=true nosuch | display cpu, @isOutlier | limit 2", &outs,
      "cpu=100 | @isOutlier=0 | @ptr=p5\ncpu=18 | @isOutlier=0 | @ptr=p4" },
    { "outlier over no rows", "filter cpu > 1000 | outlier cpu", &outs, "" },
    { "relevantfields over no rows",
      "filter cpu > 1000 | relevantfields where cpu > 1", &outs, "" },
    { "relevantfields when no row meets the condition: nothing to compare",
      "relevantfields where cpu > 1000", &outs, "" },
    /* relevantfields */
    { "relevantfields: the page's first example, every field",
      /* Path: /x ×4 vs /y ×4, TVD 1; size: 100-400 vs 10-40, KS 1,
       * medians 250 and 25; Controller: A .75/.25, B .25/.75, TVD .5;
       * @log, @logStream, Service: one value, 0; requestId: 8 values
       * in 8 rows, an identifier, left out; Time: in the condition. */
      "relevantfields where Time > 400", &rels,
      "@fieldName=Path | @relevanceScore=1 | @topRelevanceContributors="
      "[{\"value\":\"/x\",\"conditionalRatio\":1,\"baselineRatio\":0},"
      "{\"value\":\"/y\",\"conditionalRatio\":0,\"baselineRatio\":1}]\n"
      "@fieldName=size | @relevanceScore=1 | @conditionalMedian=250 | "
      "@baselineMedian=25\n"
      "@fieldName=Controller | @relevanceScore=0.5 | "
      "@topRelevanceContributors="
      "[{\"value\":\"A\",\"conditionalRatio\":0.75,\"baselineRatio\":0.25},"
      "{\"value\":\"B\",\"conditionalRatio\":0.25,\"baselineRatio\":0.75}]\n"
      "@fieldName=@log | @relevanceScore=0 | @topRelevanceContributors="
      "[{\"value\":\"123456789012:ml\",\"conditionalRatio\":1,"
      "\"baselineRatio\":1}]\n"
      "@fieldName=@logStream | @relevanceScore=0 | "
      "@topRelevanceContributors="
      "[{\"value\":\"s\",\"conditionalRatio\":1,\"baselineRatio\":1}]\n"
      "@fieldName=Service | @relevanceScore=0 | @topRelevanceContributors="
      "[{\"value\":\"svc\",\"conditionalRatio\":1,\"baselineRatio\":1}]" },
    { "relevantfields: the page's second example, listed fields",
      "relevantfields Controller, Path, Service where Time > 400 "
      "| display @fieldName, @relevanceScore", &rels,
      "@fieldName=Path | @relevanceScore=1\n"
      "@fieldName=Controller | @relevanceScore=0.5\n"
      "@fieldName=Service | @relevanceScore=0" },
    { "relevantfields: the page's third example (Lambda timeouts)",
      /* memorySize: 128 128 vs 512 1024: KS 1, medians 128 and 768 */
      "relevantfields where Duration > 5000 | filter @relevanceScore > 0",
      &lams,
      "@fieldName=memorySize | @relevanceScore=1 | @conditionalMedian=128 "
      "| @baselineMedian=768" },
    { "relevantfields: a numeric field of overlapping sets",
      /* Controller = "A": cond 40 100 200 300, base 10 20 30 400: the
       * gap of the two fractions peaks at 30 (0 vs .75) → .75; medians
       * (100 + 200) / 2 and (20 + 30) / 2. */
      "relevantfields size where Controller = \"A\"", &rels,
      "@fieldName=size | @relevanceScore=0.75 | @conditionalMedian=150 | "
      "@baselineMedian=25" },
    /* logcompare */
    { "logcompare: the page's example shape, baseline events fed as prev",
      "logcompare timeshift 7d | display @pattern, @sampleCount, "
      "@previousSampleCount, @diffDescription", &cmps,
      "@pattern=User <Token-1> logged in | @sampleCount=3 | "
      "@previousSampleCount=1 | @diffDescription=Increased by 200%\n"
      "@pattern=ERROR disk full | @sampleCount=2 | @previousSampleCount=0 "
      "| @diffDescription=New pattern\n"
      "@pattern=Cache warmed | @sampleCount=0 | @previousSampleCount=2 | "
      "@diffDescription=Pattern no longer present" },
    /* anomaly */
    { "anomaly: the page's first example, kinds and priorities",
      "fields @timestamp, @message\n| pattern @message\n| anomaly "
      "| display @pattern, @sampleCount, @anomalyType, @anomalyPriority",
      &ans,
      "@pattern=User <Token-1> logged in | @sampleCount=11 | "
      "@anomalyType=Token Variation | @anomalyPriority=LOW\n"
      "@pattern=Request served in <Number-1> ms | @sampleCount=10 | "
      "@anomalyType=Numerical Token | @anomalyPriority=LOW\n"
      "@pattern=Disk quota exceeded | @sampleCount=5 | "
      "@anomalyType=New Pattern, Pattern Frequency | "
      "@anomalyPriority=MEDIUM\n"
      "@pattern=GET /index status <Number-1> | @sampleCount=5 | "
      "@anomalyType=HTTP Error Code | @anomalyPriority=HIGH" },
    { "anomaly: the page's second example (@type = \"REPORT\")",
      "fields @timestamp, @message\n| filter @type = \"REPORT\"\n"
      "| pattern @message\n| anomaly "
      "| display @sampleCount, @anomalyType, @anomalyDescription, "
      "@anomalyPriority", &lam2,
      "@sampleCount=10 | @anomalyType=Numerical Token | "
      "@anomalyDescription=numerical token <Number-2>: 5000 outside [4, 18]; "
      "numerical token <Number-3>: 5000 outside [4, 18] | "
      "@anomalyPriority=LOW" },
    { "anomaly: the page's third example (@type = \"ERROR\": none here)",
      "fields @timestamp, @message\n| filter @type = \"ERROR\"\n"
      "| pattern @message\n| anomaly\n| sort @timestamp desc", &lam2, "" },
    { "anomaly: descriptions",
      "pattern @message | anomaly | display @anomalyDescription", &ans,
      "@anomalyDescription=token variation in <Token-1>: usually alice "
      "(10 of 11), also mallory x1\n"
      "@anomalyDescription=numerical token <Number-1>: 5000 outside "
      "[4, 18]\n"
      "@anomalyDescription=new pattern: first seen in the window from "
      "2024-01-02 03:55:00.000, in the later half of the query's events; "
      "pattern frequency: 5 events in the window from "
      "2024-01-02 03:55:00.000, usually 0\n"
      "@anomalyDescription=HTTP error codes in <Number-1>: 404 x1, 500 x1" },
    { "anomaly keeps pattern's fields",
      "filter @message like /Disk|GET/ | pattern @message | anomaly "
      "| display @pattern, @ratio, @severityLabel, @anomalyPriority",
      &ans,
      "@pattern=Disk quota exceeded | @ratio=0.5 | @severityLabel=INFO | "
      "@anomalyPriority=MEDIUM\n"
      "@pattern=GET /index status <Number-1> | @ratio=0.5 | "
      "@severityLabel=INFO | @anomalyPriority=HIGH" },
    { "anomaly over one window: neither new nor a spike",
      "filter @message like /Disk/ | pattern @message | anomaly", &ans,
      "" },
    { "anomaly's fields are columns after a fields command's",
      "pattern @message | fields @sampleCount | anomaly "
      "| filter @anomalyPriority = \"HIGH\"", &ans,
      "@sampleCount=5 | @anomalyType=HTTP Error Code | "
      "@anomalyDescription=HTTP error codes in <Number-1>: 404 x1, 500 x1 | "
      "@anomalyPriority=HIGH" },
    { "anomaly after a filter on pattern's rows",
      "pattern @message | filter @sampleCount < 6 | anomaly "
      "| display @pattern", &ans,
      "@pattern=Disk quota exceeded\n@pattern=GET /index status <Number-1>" },
};

static int run_case(const struct qcase *c)
{
    struct lv_iq_result res;
    struct lv_err err = LV_ERR_INIT;
    char *got;
    int ok;

    if (run_query(c->query, c->set, &res, &err) < 0) {
        print_error("query failed: %s: %s\n", lv_err_type(err.code),
                    err.msg);
        return 0;
    }
    got = render(&res);
    ok = strcmp(got, c->want) == 0;
    if (!ok) {
        print_error("got:\n%s\nwant:\n%s\n", got, c->want);
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

/* logcompare reads the range shifted back by its timeshift. */
static void test_logcompare_range(void **state)
{
    static const struct {
        const char *q;
        int64_t shift;
    } t[] = {
        { "logcompare timeshift 7d", 7 * 86400000LL },
        { "logcompare timeshift 1w", 7 * 86400000LL },
        { "filter x > 1 | logcompare timeshift 90m", 90 * 60000LL },
        { "logcompare timeshift 30s", 30000 },
    };
    (void)state;
    for (size_t i = 0; i < N(t); i++) {
        struct lv_iq_query *q = NULL;
        struct lv_err err = LV_ERR_INIT;
        int64_t lo = 0, hi = 0;

        assert_int_equal(lv_iq_parse(t[i].q, strlen(t[i].q), &q, &err), 0);
        assert_true(lv_iq_query_wants_previous(q));
        assert_int_equal(lv_iq_query_previous_range(q, T0, T0 + 3600000,
                                                    &lo, &hi), 1);
        assert_true(lo == T0 - t[i].shift);
        assert_true(hi == T0 + 3600000 - t[i].shift);
        lv_iq_query_free(q);
    }
}

/* Refusals: MalformedQuery, the message, and its position. */
static const struct {
    const char *name;
    const char *query;
    const char *want;           /* a part of the message */
} refusals[] = {
    { "anomaly without pattern", "fields @message | anomaly",
      "Anomaly operation has to be used after Pattern" },
    { "anomaly with an argument", "pattern @message | anomaly 3",
      "unexpected symbol found 3" },
    { "outlier without a field", "outlier action=remove",
      "outlier: expecting one or more numeric fields" },
    { "outlier: an unknown action", "outlier action=drop cpu",
      "outlier: action must be remove or transform" },
    { "outlier: param 0", "outlier param=0 cpu",
      "outlier: param must be a positive number" },
    { "outlier: negative param", "outlier param=-1 cpu",
      "outlier: param must be a positive number" },
    { "outlier: a non-boolean mark", "outlier mark=yes cpu",
      "outlier: mark must be true or false" },
    { "outlier: an unknown option", "outlier factor=2 cpu",
      "outlier: unknown option 'factor'" },
    { "outlier: an option twice", "outlier param=2 param=3 cpu",
      "outlier: param is given twice" },
    { "a second stats reads @isOutlier only with mark=true",
      "stats max(cpu) as m by @logStream | outlier m "
      "| stats count(*) as c by @isOutlier",
      "the second stats command can use only fields the first one defines, "
      "not '@isOutlier'" },
    { "relevantfields without where", "relevantfields Controller",
      "relevantfields: expecting 'where' and a condition" },
    { "relevantfields without a condition", "relevantfields where",
      "unexpected symbol found <EOF>" },
    { "logcompare without timeshift", "logcompare 7d",
      "unexpected symbol found 7d" },
    { "logcompare: a calendar unit", "logcompare timeshift 1mo",
      "logcompare: timeshift expects a duration" },
    { "logcompare: a bare number", "logcompare timeshift 7",
      "logcompare: timeshift expects a duration" },
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(refusals); i++) {
        struct lv_iq_query *q = NULL;
        struct lv_err err = LV_ERR_INIT;
        const char *s = refusals[i].query;

        if (lv_iq_parse(s, strlen(s), &q, &err) == 0) {
            lv_iq_query_free(q);
            fail_msg("%s: accepted", refusals[i].name);
        }
        if (err.code != LV_E_MALFORMED_QUERY ||
            !strstr(err.msg, refusals[i].want)) {
            fail_msg("%s: %s: %s", refusals[i].name, lv_err_type(err.code),
                     err.msg);
        }
        lv_err_release(&err);
    }
}

/* The pages' examples all parse. */
static void test_page_examples_parse(void **state)
{
    static const char *const ex[] = {
        "fields @timestamp, @message\n| pattern @message\n| anomaly",
        "fields @timestamp, @message\n| filter @type = \"REPORT\"\n"
        "| pattern @message\n| anomaly",
        "fields @timestamp, @message\n| filter @type = \"ERROR\"\n"
        "| pattern @message\n| anomaly\n| sort @timestamp desc",
        "fields @timestamp, cpu, memory\n"
        "| outlier action=remove param=3.0 uselower=true mark=true cpu "
        "memory",
        "relevantfields where Time > 400",
        "relevantfields Controller, Path, Service where Time > 400",
        "relevantfields where Duration > 5000",
        "logcompare timeshift 7d",
    };
    (void)state;
    for (size_t i = 0; i < N(ex); i++) {
        struct lv_iq_query *q = NULL;
        struct lv_err err = LV_ERR_INIT;

        if (lv_iq_parse(ex[i], strlen(ex[i]), &q, &err) < 0) {
            fail_msg("%s: %s", ex[i], err.msg);
        }
        lv_iq_query_free(q);
    }
}

/* The held rows count toward max_bytes. */
static void test_memory_bound(void **state)
{
    static const char *const qs[] = {
        "outlier cpu", "relevantfields where cpu > 1",
    };
    (void)state;
    for (size_t k = 0; k < N(qs); k++) {
        struct lv_iq_query *q = NULL;
        struct lv_iq_run *run;
        struct lv_iq_run_opts o;
        struct lv_err err = LV_ERR_INIT;
        struct lv_iq_result res;
        char msg[200];
        int rc = 0;

        memset(&o, 0, sizeof(o));
        o.start_ms = T0 - 3600 * 1000;
        o.end_ms = T0 + 3600 * 1000;
        o.max_bytes = 64 * 1024;
        assert_int_equal(lv_iq_parse(qs[k], strlen(qs[k]), &q, &err), 0);
        run = lv_iq_run_new(q, &o);
        for (int i = 0; i < 20000 && rc == 0; i++) {
            struct lv_iq_event ev;

            snprintf(msg, sizeof(msg), "{\"cpu\": %d, \"w%d\": \"v%d\"} %d",
                     i % 97, i, i, i);
            memset(&ev, 0, sizeof(ev));
            ev.ts = T0 + i;
            ev.msg = msg;
            ev.msg_len = strlen(msg);
            ev.log = "l";
            ev.log_len = 1;
            ev.stream = "s";
            ev.stream_len = 1;
            ev.ptr = "p";
            ev.ptr_len = 1;
            rc = lv_iq_run_feed(run, &ev, &err);
        }
        if (rc == 0) {
            rc = lv_iq_run_finish(run, &res, &err);
            if (rc == 0) {
                lv_iq_result_release(&res);
            }
        }
        if (rc == 0 || err.code != LV_E_LIMIT_EXCEEDED) {
            fail_msg("%s: rc %d, %s", qs[k], rc, err.msg);
        }
        lv_err_release(&err);
        lv_iq_run_free(run);
        lv_iq_query_free(q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_logcompare_range),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_page_examples_parse),
        cmocka_unit_test(test_memory_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
