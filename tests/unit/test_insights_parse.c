/*
 * test_insights_parse: the Logs Insights query parser (src/insights/lex.c,
 * parse.c). Every query example of the current syntax pages
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CWL_QuerySyntax.html and the command pages it links, the functions
 * page, and the earlier one-page edition of CWL_QuerySyntax) must parse,
 * each row naming its page; the tree of many is checked through a compact
 * S-expression dump (dump_query below). Then: operator precedence, the
 * column names of unaliased items, the parse command's specs (including
 * what the compiled glob captures on the page's own sample line), period
 * literals, SOURCE, the planner's accessors, a table of malformed queries
 * each refused at the expected line and position, and every prefix and
 * bit-flip of the examples refused cleanly with a position inside the
 * text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "insights/insights.h"
#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

/* ---- the dump ------------------------------------------------------------ */

static const char *op_name(enum lv_iq_op op)
{
    switch (op) {
    case LV_IQ_OP_ADD: return "+";
    case LV_IQ_OP_SUB: return "-";
    case LV_IQ_OP_MUL: return "*";
    case LV_IQ_OP_DIV: return "/";
    case LV_IQ_OP_MOD: return "%";
    case LV_IQ_OP_POW: return "^";
    case LV_IQ_OP_EQ: return "=";
    case LV_IQ_OP_NE: return "!=";
    case LV_IQ_OP_LT: return "<";
    case LV_IQ_OP_LE: return "<=";
    case LV_IQ_OP_GT: return ">";
    case LV_IQ_OP_GE: return ">=";
    case LV_IQ_OP_LIKE: return "like";
    case LV_IQ_OP_NOT_LIKE: return "notlike";
    case LV_IQ_OP_MATCH: return "=~";
    case LV_IQ_OP_IN: return "in";
    case LV_IQ_OP_NOT_IN: return "notin";
    case LV_IQ_OP_AND: return "and";
    case LV_IQ_OP_OR: return "or";
    case LV_IQ_OP_NOT: return "not";
    case LV_IQ_OP_NEG: return "neg";
    case LV_IQ_OP_NONE: break;
    }
    return "?";
}

static void dump_expr(const struct lv_iq_expr *e, struct lv_buf *b)
{
    size_t i;

    switch (e->k) {
    case LV_IQ_E_NUM:
        lv_buf_addf(b, "%g", e->num);
        return;
    case LV_IQ_E_STR:
        lv_buf_addf(b, "\"%s\"", e->str);
        return;
    case LV_IQ_E_REGEX:
        lv_buf_addf(b, "/%s/", e->str);
        return;
    case LV_IQ_E_FIELD:
        lv_buf_adds(b, e->str);
        return;
    case LV_IQ_E_TIME:
        lv_buf_addf(b, "<%gms>", e->num);
        return;
    case LV_IQ_E_STAR:
        lv_buf_adds(b, "*");
        return;
    case LV_IQ_E_BOOL:
        lv_buf_adds(b, e->num ? "true" : "false");
        return;
    case LV_IQ_E_SUBQ:
        lv_buf_addf(b, "(subquery %g)", e->num);
        return;
    case LV_IQ_E_LIST:
        lv_buf_adds(b, "[");
        break;
    case LV_IQ_E_CALL:
        lv_buf_addf(b, "(%s%s", e->agg ? "agg:" : "", e->str);
        break;
    case LV_IQ_E_UNARY:
    case LV_IQ_E_BINARY:
        lv_buf_addf(b, "(%s", op_name(e->op));
        break;
    }
    for (i = 0; i < e->nargs; i++) {
        if (i || e->k != LV_IQ_E_LIST) {
            lv_buf_adds(b, " ");
        }
        dump_expr(e->args[i], b);
    }
    lv_buf_adds(b, e->k == LV_IQ_E_LIST ? "]" : ")");
}

static void dump_items(const struct lv_iq_item *it, size_t n,
                       struct lv_buf *b)
{
    size_t i;

    for (i = 0; i < n; i++) {
        lv_buf_adds(b, " ");
        if (it[i].desc) {
            lv_buf_adds(b, "(desc ");
        }
        if (it[i].aliased) {
            lv_buf_adds(b, "(as ");
            dump_expr(it[i].e, b);
            lv_buf_addf(b, " %s)", it[i].name);
        } else {
            dump_expr(it[i].e, b);
        }
        if (it[i].desc) {
            lv_buf_adds(b, ")");
        }
    }
}

static const char *const cmd_names[] = {
    [LV_IQ_C_FIELDS] = "fields", [LV_IQ_C_DISPLAY] = "display",
    [LV_IQ_C_FILTER] = "filter", [LV_IQ_C_STATS] = "stats",
    [LV_IQ_C_SORT] = "sort", [LV_IQ_C_LIMIT] = "limit",
    [LV_IQ_C_PARSE] = "parse", [LV_IQ_C_DEDUP] = "dedup",
    [LV_IQ_C_PATTERN] = "pattern", [LV_IQ_C_DIFF] = "diff",
    [LV_IQ_C_UNMASK] = "unmask", [LV_IQ_C_FILTER_INDEX] = "filterIndex",
    [LV_IQ_C_UNNEST] = "unnest", [LV_IQ_C_ACCUM] = "accum",
    [LV_IQ_C_AUTOREGRESS] = "autoregress", [LV_IQ_C_FILLDOWN] = "filldown",
    [LV_IQ_C_EXPAND] = "expand", [LV_IQ_C_ADDTOTALS] = "addtotals",
    [LV_IQ_C_SESSIONIZE] = "sessionize",
    [LV_IQ_C_OTHER] = "other",
};

static const char *const parse_modes[] = {
    [LV_IQ_PARSE_GLOB] = "glob", [LV_IQ_PARSE_REGEX] = "regex",
    [LV_IQ_PARSE_LOGFMT] = "logfmt", [LV_IQ_PARSE_CSV] = "csv",
};

/* "(cmd …) | (cmd …)", heap. */
static char *dump_query(const struct lv_iq_query *q)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t i, j;

    for (i = 0; i < q->n_cmds; i++) {
        const struct lv_iq_cmd *c = &q->cmds[i];

        lv_buf_addf(&b, "%s(%s", i ? " | " : "", cmd_names[c->k]);
        switch (c->k) {
        case LV_IQ_C_LIMIT:
            lv_buf_addf(&b, " %lld", (long long)c->n);
            break;
        case LV_IQ_C_DIFF:
            lv_buf_addf(&b, " %s", c->diff_period);
            break;
        case LV_IQ_C_PARSE:
            lv_buf_adds(&b, " ");
            dump_expr(c->expr, &b);
            lv_buf_addf(&b, " %s", parse_modes[c->parse.mode]);
            if (c->parse.pattern) {
                lv_buf_addf(&b, " \"%s\"", c->parse.pattern);
            }
            for (j = 0; j < c->parse.n_aliases; j++) {
                lv_buf_addf(&b, " %s", c->parse.aliases[j] ?
                            c->parse.aliases[j] : "-");
            }
            break;
        case LV_IQ_C_UNNEST:
            lv_buf_adds(&b, " ");
            dump_expr(c->items[0].e, &b);
            lv_buf_addf(&b, " into %s", c->items[0].name);
            break;
        case LV_IQ_C_SESSIONIZE:
            lv_buf_addf(&b, " %lld %s (by", (long long)c->n, c->str);
            dump_items(c->by, c->n_by, &b);
            lv_buf_adds(&b, ")");
            break;
        case LV_IQ_C_AUTOREGRESS:
            lv_buf_adds(&b, " ");
            dump_expr(c->items[0].e, &b);
            lv_buf_addf(&b, " p=%lld", (long long)c->n);
            for (j = 0; j < c->n_items; j++) {
                lv_buf_addf(&b, " %s", c->items[j].name);
            }
            break;
        default:
            if (c->expr) {
                lv_buf_adds(&b, " ");
                dump_expr(c->expr, &b);
            }
            dump_items(c->items, c->n_items, &b);
            if (c->n_by) {
                lv_buf_adds(&b, " (by");
                dump_items(c->by, c->n_by, &b);
                lv_buf_adds(&b, ")");
            }
            break;
        }
        lv_buf_adds(&b, ")");
    }
    return lv_buf_detach(&b, NULL);
}

/* ---- helpers ------------------------------------------------------------- */

static struct lv_iq_query *parse_ok(const char *name, const char *text)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;

    if (lv_iq_parse(text, strlen(text), &q, &err) < 0) {
        print_error("%s: refused: %s\n", name, err.msg);
        return NULL;
    }
    return q;
}

/* Whether the message names a line and position inside text (0..length
 * of that line), as every refusal must. */
static int where_ok(const char *msg, const char *text, size_t len)
{
    const char *at = NULL, *s;
    int line, pos, l = 1, used = 0;
    size_t i, bol = 0, eol;

    /* The last " at line": the message may quote the query's text. */
    for (s = strstr(msg, " at line "); s; s = strstr(s + 1, " at line ")) {
        at = s;
    }
    if (!at || sscanf(at, " at line %d and position %d%n", &line, &pos,
                      &used) != 2 || at[used] != '\0') {
        return 0;
    }
    for (i = 0; i < len && l < line; i++) {
        if (text[i] == '\n') {
            l++;
            bol = i + 1;
        }
    }
    if (l != line || pos < 0) {
        return 0;
    }
    for (eol = bol; eol < len && text[eol] != '\n'; eol++) {
    }
    return (size_t)pos <= eol - bol;
}

/* ---- every example of the pages ------------------------------------------ */

struct doc_row {
    const char *name;           /* the page, and which example */
    const char *query;
    const char *dump;           /* the tree, or NULL: parsing is the check */
};

static const struct doc_row doc_rows[] = {
    /* CWL_QuerySyntax-Accum.md, -Autoregress.md, -Filldown.md */
    { "Accum", "fields @timestamp, bytes\n| accum bytes AS totalBytes",
      "(fields @timestamp bytes) | (accum (as bytes totalBytes))" },
    { "Accum in place", "accum bytes", "(accum bytes)" },
    { "Autoregress", "fields @timestamp, bytes\n| autoregress bytes p=1-4",
      "(fields @timestamp bytes) | "
      "(autoregress bytes p=1 bytes_p1 bytes_p2 bytes_p3 bytes_p4)" },
    { "Autoregress default", "autoregress bytes",
      "(autoregress bytes p=1 bytes_p1)" },
    { "Autoregress AS one lag", "autoregress bytes AS prev p=3",
      "(autoregress bytes p=3 prev)" },
    { "Autoregress AS a range", "autoregress bytes as b p = 2 - 3",
      "(autoregress bytes p=2 b_p2 b_p3)" },
    { "Filldown", "fields @timestamp, host, cpu_user, cpu_system\n"
      "| filldown host cpu*",
      "(fields @timestamp host cpu_user cpu_system) | (filldown host cpu*)" },
    { "Filldown every field", "filldown | limit 2",
      "(filldown) | (limit 2)" },
    { "Filldown patterns", "FILLDOWN *_ms a*b*",
      "(filldown *_ms a*b*)" },
    /* CWL_QuerySyntax-Addtotals.md: the four examples */
    { "Addtotals row", "fields a, b\n| addtotals",
      "(fields a b) | (addtotals (by (as Total Total)))" },
    { "Addtotals list", "fields price, tax, qty\n| addtotals price, tax",
      "(fields price tax qty) | (addtotals price tax (by (as Total Total)))" },
    { "Addtotals fieldname", "fields val\n| addtotals fieldname=RowSum",
      "(fields val) | (addtotals (by (as RowSum RowSum)))" },
    { "Addtotals col", "fields x\n| addtotals col=true x",
      "(fields x) | (addtotals x (by (as Total Total)))" },
    { "Addtotals a field named row", "addtotals row, col",
      "(addtotals row col (by (as Total Total)))" },
    /* CWL_QuerySyntax-CountFrequent.md: stats and sort */
    { "CountFrequent", "fields method, status\n| countFrequent method, status",
      "(fields method status) | (stats (as (agg:count *) _approxcount) "
      "(by method status)) | (sort (desc _approxcount))" },
    { "count_frequent", "count_frequent method | limit 1",
      "(stats (as (agg:count *) _approxcount) (by method)) | "
      "(sort (desc _approxcount)) | (limit 1)" },
    /* CWL_QuerySyntax-Fillmissing.md */
    { "Fillmissing", "fields @timestamp, latency\n"
      "| stats avg(latency) as avg_latency by bin(1m)\n"
      "| fillmissing with 0 for avg_latency", NULL },
    /* CWL_QuerySyntax-Sessionize.md */
    { "Sessionize", "fields @timestamp, userId, deviceId\n"
      "| sessionize userId, deviceId maxspan 1h as my_session",
      "(fields @timestamp userId deviceId) | (sessionize 3600000 "
      "my_session (by userId deviceId))" },
    { "Sessionize defaults", "sessionize userId",
      "(sessionize 1800000 session_id (by userId))" },
    /* CWL_QuerySyntax-Expand.md */
    { "Expand", "expand items\n| stats count(*) by items, host",
      "(expand items) | (stats (agg:count *) (by items host))" },
    /* CWL_QuerySyntax-Parse.md (current) */
    { "Parse glob 1",
      "parse @message \"user=*, method:*, latency := *\" as @user,\n"
      "    @method, @latency | stats avg(@latency) by @method, @user",
      "(parse @message glob \"user=*, method:*, latency := *\" @user "
      "@method @latency) | (stats (agg:avg @latency) (by @method @user))" },
    { "Parse glob 2",
      "parse @logStream \"*/*/*/*\" as env, service, instance, shard\n"
      "| stats count(*) by env, service",
      "(parse @logStream glob \"*/*/*/*\" env service instance shard) | "
      "(stats (agg:count *) (by env service))" },
    { "Parse chained",
      "parse @message \"url=*\" as url\n"
      "| parse url \"/api/*/users/*\" as apiVersion, userId\n"
      "| display apiVersion, userId",
      "(parse @message glob \"url=*\" url) | (parse url glob "
      "\"/api/*/users/*\" apiVersion userId) | (display apiVersion userId)" },
    { "Parse regex named groups",
      "parse @message /user=(?<user2>.*?), method:(?<method2>.*?),\n"
      "    latency := (?<latency2>.*?)/ | stats avg(latency2) by @method2,\n"
      "    @user2",
      NULL },
    { "Parse regex ENI",
      "parse @message /(?<NetworkInterface>eni-.*?) /\n"
      "| display NetworkInterface, @message",
      "(parse @message regex \"(?<NetworkInterface>eni-.*?) \" "
      "NetworkInterface) | (display NetworkInterface @message)" },
    { "Parse logfmt 1",
      "parse @message logfmt as lf\n| filter lf.level = \"error\"\n"
      "| display lf.msg, lf.duration",
      "(parse @message logfmt lf) | (filter (= lf.level \"error\")) | "
      "(display lf.msg lf.duration)" },
    { "Parse logfmt 2",
      "parse @message logfmt as lf\n| stats count(*) by lf.host", NULL },
    { "Parse csv 1",
      "parse @message csv as timestamp, level, message\n"
      "| filter level = \"ERROR\"\n| display timestamp, message",
      "(parse @message csv timestamp level message) | (filter (= level "
      "\"ERROR\")) | (display timestamp message)" },
    { "Parse csv 2",
      "parse @message csv as host, method, path, status, duration\n"
      "| stats avg(duration) by method", NULL },
    /* CWL_QuerySyntax-Parse (earlier edition) and CWL_QuerySyntax.md's
     * one-page edition */
    { "Parse (earlier) glob",
      "parse @message \"[*] * The error was: *\" as level, config, "
      "exception", NULL },
    { "Parse (earlier) regex",
      "parse @message /\\[(?<level>\\S+)\\]\\s+(?<config>\\{.*\\})\\s+"
      "The error was: (?<exception>\\S+)/",
      "(parse @message regex \"\\[(?<level>\\S+)\\]\\s+(?<config>\\{.*\\})"
      "\\s+The error was: (?<exception>\\S+)\" level config exception)" },
    { "Parse (earlier) nested JSON",
      "parse @message \"'fieldsA': '*', 'fieldsB': ['*']\" as fld, array",
      NULL },
    { "QuerySyntax display",
      "fields @message\n    | parse @message \"[*] *\" as loggingType, "
      "loggingMessage\n    | filter loggingType = \"ERROR\"\n"
      "    | display loggingMessage", NULL },
    { "QuerySyntax fields backtick",
      "fields `foo-bar`, action, abs(f3-f4)",
      "(fields foo-bar action (abs (- f3 f4)))" },
    { "QuerySyntax fields concat",
      "fields concat(Operation, '-', StatusCode) as opStatus",
      "(fields (as (concat Operation \"-\" StatusCode) opStatus))" },
    { "QuerySyntax filter 1", "fields f1, f2, f3 | filter (duration>2000)",
      "(fields f1 f2 f3) | (filter (> duration 2000))" },
    { "QuerySyntax filter 2", "filter (duration>2000)",
      "(filter (> duration 2000))" },
    { "QuerySyntax filter 3", "fields f1, f2 | filter (f1=10 or f3>25)",
      "(fields f1 f2) | (filter (or (= f1 10) (> f3 25)))" },
    { "QuerySyntax filter like regex",
      "fields f1 | filter statusCode like /2\\d\\d/",
      "(fields f1) | (filter (like statusCode /2\\d\\d/))" },
    { "QuerySyntax filter not like",
      "fields f1 | filter statusCode not like /2\\d\\d/",
      "(fields f1) | (filter (notlike statusCode /2\\d\\d/))" },
    { "QuerySyntax filter in",
      "fields @timestamp, @message \n    | filter statusCode in "
      "[300,400,500]",
      "(fields @timestamp @message) | (filter (in statusCode "
      "[300 400 500]))" },
    { "QuerySyntax filter not in",
      "fields @timestamp, @message\n    | filter Type not in "
      "[\"foo\",\"bar\",1]",
      "(fields @timestamp @message) | (filter (notin Type "
      "[\"foo\" \"bar\" 1]))" },
    { "QuerySyntax stats avg", "stats avg (f1) by f2",
      "(stats (agg:avg f1) (by f2))" },
    { "QuerySyntax stats bin",
      "filter @message like /Exception/ \n| stats count(*) as "
      "exceptionCount by bin(1h)\n| sort exceptionCount desc",
      "(filter (like @message /Exception/)) | (stats (as (agg:count *) "
      "exceptionCount) (by (bin <3.6e+06ms>))) | (sort (desc "
      "exceptionCount))" },
    { "QuerySyntax sort", "fields f1, f2, f3 | sort f1 desc",
      "(fields f1 f2 f3) | (sort (desc f1))" },
    { "QuerySyntax limit", "sort @timestamp desc | limit 25  |  display "
      "f1, f2",
      "(sort (desc @timestamp)) | (limit 25) | (display f1 f2)" },
    { "QuerySyntax in complete string",
      "fields @timestamp, @message\n| filter logGroup in "
      "[\"example_group\"]", NULL },
    { "QuerySyntax like string",
      "fields f1, f2, f3 \n| filter f1 like \"Exception\"",
      "(fields f1 f2 f3) | (filter (like f1 \"Exception\"))" },
    { "QuerySyntax like regex",
      "fields f1, f2, f3 \n| filter f1 like /Exception/", NULL },
    { "QuerySyntax =~", "fields f1, f2, f3 \n| filter f1 =~ /Exception/",
      "(fields f1 f2 f3) | (filter (=~ f1 /Exception/))" },
    { "QuerySyntax wild card", "fields f1, f2, f3\n| filter f3 like /E*/",
      NULL },
    { "QuerySyntax not like string",
      "fields f1, f2, f3 \n| filter f1 not like \"Exception\"", NULL },
    { "QuerySyntax (?i)", "fields f1, f2, f3 \n| filter f1 like "
      "/(?i)Exception/", NULL },
    { "QuerySyntax alias 1",
      "fields abs(myField) as AbsoluteValuemyField, myField2",
      "(fields (as (abs myField) AbsoluteValuemyField) myField2)" },
    { "QuerySyntax alias 2", "stats avg(f1) as myAvgF1 | sort myAvgF1 desc",
      "(stats (as (agg:avg f1) myAvgF1)) | (sort (desc myAvgF1))" },
    { "QuerySyntax comment",
      "fields @timestamp, @message\n    # | filter @message like /delay/\n"
      "    | limit 20",
      "(fields @timestamp @message) | (limit 20)" },
    /* CWL_QuerySyntax-examples.md (Sample queries) */
    { "Examples 25 most recent",
      "fields @timestamp, @message | sort @timestamp desc | limit 25",
      "(fields @timestamp @message) | (sort (desc @timestamp)) | "
      "(limit 25)" },
    { "Examples exceptions per hour",
      "filter @message like /Exception/ \n"
      "| stats count(*) as exceptionCount by bin(1h)\n"
      "| sort exceptionCount desc", NULL },
    { "Examples not exceptions",
      "fields @message | filter @message not like /Exception/", NULL },
    { "Examples Lambda overprovisioned memory",
      "filter @type = \"REPORT\"\n"
      "| stats max(@memorySize / 1024 / 1024) as provisonedMemoryMB,\n"
      "    min(@maxMemoryUsed / 1024 / 1024) as smallestMemoryRequestMB,\n"
      "    avg(@maxMemoryUsed / 1024 / 1024) as avgMemoryUsedMB,\n"
      "    max(@maxMemoryUsed / 1024 / 1024) as maxMemoryUsedMB,\n"
      "    provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
      "(filter (= @type \"REPORT\")) | (stats (as (agg:max (/ (/ "
      "@memorySize 1024) 1024)) provisonedMemoryMB) (as (agg:min (/ (/ "
      "@maxMemoryUsed 1024) 1024)) smallestMemoryRequestMB) (as (agg:avg "
      "(/ (/ @maxMemoryUsed 1024) 1024)) avgMemoryUsedMB) (as (agg:max (/ "
      "(/ @maxMemoryUsed 1024) 1024)) maxMemoryUsedMB) (as (- "
      "provisonedMemoryMB maxMemoryUsedMB) overProvisionedMB))" },
    { "Examples Lambda latency report",
      "filter type = \"REPORT\" |\n"
      "stats avg(@duration), max(@duration), min(@duration) by bin(5m)",
      NULL },
    { "Examples VPC top packet transfers",
      "stats sum(packets) as packetsTransferred by srcAddr, dstAddr\n"
      "| sort packetsTransferred  desc\n| limit 15", NULL },
    { "Examples VPC top byte transfers",
      "filter srcAddr= \"192.0.2.0/24\"\n"
      "| stats sum(bytes) as bytesTransferred by dstAddr\n"
      "| sort bytesTransferred  desc\n| limit 15", NULL },
    { "Examples VPC UDP", "filter protocol=17 | stats count(*) by srcAddr",
      NULL },
    { "Examples VPC SKIPDATA",
      "filter logStatus=\"SKIPDATA\"\n| stats count(*) by bin(1h) as t\n"
      "| sort t",
      "(filter (= logStatus \"SKIPDATA\")) | (stats (agg:count *) (by (as "
      "(bin <3.6e+06ms>) t))) | (sort t)" },
    { "Examples Route 53 resolvers",
      "stats count(*) as numRequests by resolverIp\n"
      "| sort numRequests desc\n| limit 10", NULL },
    { "Examples Route 53 SERVFAIL",
      "filter responseCode=\"SERVFAIL\" | stats count(*) by queryName",
      NULL },
    { "Examples CloudTrail per service",
      "stats count(*) by eventSource, eventName, awsRegion", NULL },
    { "Examples CloudTrail EC2 start/stop",
      "filter (eventName=\"StartInstances\" or "
      "eventName=\"StopInstances\") and region=\"us-east-2\"",
      "(filter (and (or (= eventName \"StartInstances\") (= eventName "
      "\"StopInstances\")) (= region \"us-east-2\")))" },
    { "Examples CloudTrail new IAM users",
      "filter eventName=\"CreateUser\"\n"
      "| fields awsRegion, requestParameters.userName, "
      "responseElements.user.arn", NULL },
    { "Examples CloudTrail UpdateTrail errors",
      "filter eventName=\"UpdateTrail\" and ispresent(errorCode)\n"
      "| stats count(*) by errorCode, errorMessage", NULL },
    /* CWL_QuerySyntax-Stats.md */
    { "Stats route 53", "stats count(*) by queryType, bin(1h)",
      "(stats (agg:count *) (by queryType (bin <3.6e+06ms>)))" },
    { "Stats time series 1", "stats avg(myfield1) by bin(5m)",
      "(stats (agg:avg myfield1) (by (bin <300000ms>)))" },
    { "Stats time series 2",
      "stats avg(myfield1), min(myfield2), max(myfield3) by bin(5m)", NULL },
    { "Stats by field 1", "stats avg(bytes) by dstAddr", NULL },
    { "Stats by field 2", "stats avg(bytes), max(bytes) by dstAddr", NULL },
    { "Stats by field 3", "stats count(*) by queryType", NULL },
    { "Stats two stats",
      "FIELDS strlen(@message) AS message_length\n"
      "| STATS sum(message_length)/1024/1024 as logs_mb BY bin(5m)\n"
      "| STATS max(logs_mb) AS peak_ingest_mb,\n"
      "        min(logs_mb) AS min_ingest_mb,\n"
      "        avg(logs_mb) AS avg_ingest_mb",
      "(fields (as (strlen @message) message_length)) | (stats (as (/ (/ "
      "(agg:sum message_length) 1024) 1024) logs_mb) (by (bin "
      "<300000ms>))) | (stats (as (agg:max logs_mb) peak_ingest_mb) (as "
      "(agg:min logs_mb) min_ingest_mb) (as (agg:avg logs_mb) "
      "avg_ingest_mb))" },
    { "Stats two stats with filter",
      "STATS count_distinct(client_ip) AS session_ips,\n"
      "      count(*) AS requests BY session_id, client_platform\n"
      "| FILTER session_ips > 1\n"
      "| STATS count(*) AS multiple_ip_sessions,\n"
      "        sum(requests) / count(*) AS avg_session_requests BY "
      "client_platform",
      "(stats (as (agg:count_distinct client_ip) session_ips) (as "
      "(agg:count *) requests) (by session_id client_platform)) | (filter "
      "(> session_ips 1)) | (stats (as (agg:count *) multiple_ip_sessions) "
      "(as (/ (agg:sum requests) (agg:count *)) avg_session_requests) (by "
      "client_platform))" },
    { "Stats bin and dateceil",
      "FIELDS strlen(@message) AS message_length\n"
      "| STATS sum(message_length) / 1024 / 1024 AS logs_mb BY BIN(5m) as "
      "@t\n| STATS max(logs_mb) AS peak_ingest_mb,\n"
      "        min(logs_mb) AS min_ingest_mb,\n"
      "        avg(logs_mb) AS avg_ingest_mb BY dateceil(@t, 10m)", NULL },
    { "Stats propagate @timestamp",
      "FIELDS strlen(@message) AS message_length\n"
      " | STATS sum(message_length) AS ingested_bytes, max(@timestamp) as "
      "@t BY @logStream\n"
      " | STATS avg(ingested_bytes) BY dateceil(@t, 5m)", NULL },
    { "Stats sum_x", "STATS sum(x) as sum_x by y, z\n"
      "| STATS max(sum_x) as max_x by z", NULL },
    /* CWL_QuerySyntax-operations-functions.md */
    { "Functions jsonParse", "fields jsonParse(@message) as json_message",
      "(fields (as (jsonParse @message) json_message))" },
    { "Functions map attribute",
      "fields jsonParse(@message) as json_message\n"
      "| stats count() by json_message.status_code",
      "(fields (as (jsonParse @message) json_message)) | (stats (agg:count) "
      "(by json_message.status_code))" },
    { "Functions backtick attribute",
      "fields jsonParse(@message) as json_message\n"
      "| filter json_message.`user.id` = \"123\"",
      "(fields (as (jsonParse @message) json_message)) | (filter (= "
      "json_message.user.id \"123\"))" },
    { "Functions empty results",
      "fields jsonParse(@message) as json_message\n"
      "| display toupper(json_message)", NULL },
    { "Functions bin example",
      "filter @message like /Exception/ \n"
      "    | stats count(*) as exceptionCount by bin(1h)\n"
      "    | sort exceptionCount desc", NULL },
    { "Functions now() 4xx",
      "parse @message \"Status Code: *;\" as statusCode\n"
      "| filter statusCode >= 400 and statusCode <= 499  \n"
      "| filter toMillis(@timestamp) >= (now() * 1000 - 7200000)",
      "(parse @message glob \"Status Code: *;\" statusCode) | (filter (and "
      "(>= statusCode 400) (<= statusCode 499))) | (filter (>= (toMillis "
      "@timestamp) (- (* (now) 1000) 7.2e+06)))" },
    { "Functions now() errors",
      "fields @timestamp, @message \n"
      "| filter @message like /(?i)(error|failure)/ \n"
      "| filter toMillis(@timestamp) >= (now() * 1000 - 18000000)", NULL },
    { "Functions parseDate",
      "fields parseDate(field, \"yyyy-MM-dd\", \"UTC\") as epoch", NULL },
    { "Functions formatDate",
      "fields formatDate(@timestamp, \"%Y-%m-%d\", \"UTC\") as date", NULL },
    { "Functions isNumeric", "filter isNumeric(@duration)",
      "(filter (isNumeric @duration))" },
    { "Functions messageSize", "fields messageSize(@message) as size",
      NULL },
    { "Functions jsonArraySize",
      "fields jsonArraySize(Operation) as arrayLen", NULL },
    { "Functions jsonArrayContains",
      "filter jsonArrayContains(@roles, \"admin\")", NULL },
    { "Functions hexToAscii", "fields hexToAscii(\"48656c6c6f\") as text",
      NULL },
    { "Functions hexToDec", "fields hexToDec(\"0xff\") as dec", NULL },
    { "Functions decToHex", "fields decToHex(255) as hex", NULL },
    { "Functions ltrim", "fields ltrim(\"xyZxyfooxyZ\",\"xyZ\")", NULL },
    { "Functions rtrim", "fields rtrim(\"xyZfooxyxyZ\",\"xyZ\")", NULL },
    { "Functions trim", "fields trim(\"xyZxyfooxyxyZ\",\"xyZ\")", NULL },
    { "Functions substr", "fields substr(\"xyZfooxyZ\",3, 3)",
      "(fields (substr \"xyZfooxyZ\" 3 3))" },
    { "Functions replace",
      "fields replace(logGroup,\"smoke_test\",\"Smoke\")", NULL },
    { "Functions datefloor", "fields datefloor(@timestamp, 1h)",
      "(fields (datefloor @timestamp <3.6e+06ms>))" },
    { "Functions dateceil", "fields dateceil(@timestamp, 1h)", NULL },
    { "Functions toMillis", "fields toMillis(@timestamp)", NULL },
    { "Functions arithmetic", "fields 2 ^ 3, 10 % 3",
      "(fields (^ 2 3) (% 10 3))" },
    /* CWL_QuerySyntax-Source.md */
    { "Source all", "SOURCE logGroups()", "" },
    { "Source account",
      "SOURCE logGroups(accountIdentifiers:['111122223333'])", "" },
    { "Source prefixes",
      "SOURCE logGroups(namePrefix: ['namePrefix1', 'namePrefix2'])", "" },
    { "Source class", "SOURCE logGroups(class: ['INFREQUENT_ACCESS'])", "" },
    { "Source account and prefixes (closing parenthesis added)",
      "SOURCE logGroups(accountIdentifiers:['111122223333'], namePrefix: "
      "['namePrefix1', 'namePrefix2'])", "" },
    { "Source with commands",
      "SOURCE logGroups(namePrefix: ['Query']) | fields @timestamp, "
      "@message | limit 10",
      "(fields @timestamp @message) | (limit 10)" },
    /* CWL_QuerySyntax-FilterIndex.md */
    { "FilterIndex =",
      "fields @timestamp, @message\n| filterIndex IPaddress = "
      "\"198.51.100.0\"\n| limit 20",
      "(fields @timestamp @message) | (filterIndex (= IPaddress "
      "\"198.51.100.0\")) | (limit 20)" },
    { "FilterIndex in",
      "fields @timestamp, @message \n| filterIndex IPaddress in "
      "[\"198.51.100.0\", \"198.51.100.1\"]\n| limit 20",
      "(fields @timestamp @message) | (filterIndex (in IPaddress "
      "[\"198.51.100.0\" \"198.51.100.1\"])) | (limit 20)" },
    /* CWL_QuerySyntax-Unnest.md */
    { "Unnest 1",
      "fields jsonParse(@message) as json_message \n"
      "| unnest json_message.events into event\n| display event.name",
      "(fields (as (jsonParse @message) json_message)) | (unnest "
      "json_message.events into event) | (display event.name)" },
    { "Unnest 2",
      "fields jsonParse(@message) as js \n| unnest js.accounts into "
      "account \n| filter account.type = \"internal\"", NULL },
    { "Unnest 3",
      "fields jsonParse(trimmedData) as accounts \n| unnest accounts into "
      "account \n| stats sum(account.droppedSpans) as n by "
      "account.accountId \n| sort n desc \n| limit 10", NULL },
    /* CWL_QuerySyntax-Dedup.md */
    { "Dedup",
      "fields @timestamp, server, severity, message \n"
      "| sort @timestamp desc \n| dedup server",
      "(fields @timestamp server severity message) | (sort (desc "
      "@timestamp)) | (dedup server)" },
    /* CWL_QuerySyntax-Diff.md, -Pattern (pattern before diff, as AWS
     * requires) */
    { "Diff", "pattern @message | diff",
      "(pattern @message) | (diff previousPeriod)" },
    { "Diff previousDay", "pattern @message | diff previousDay",
      "(pattern @message) | (diff previousDay)" },
    { "Diff previousWeek", "pattern @message | diff previousWeek", NULL },
    { "Diff previousMonth", "pattern @message | diff previousMonth", NULL },
    { "Pattern",
      "fields @timestamp, @message\n| filter @message like /(?i)error/\n"
      "| pattern @message", NULL },
    /* CWL_QuerySyntax-Where.md */
    { "Where", "fields @timestamp, @message\n| where @message like /error/",
      "(fields @timestamp @message) | (filter (like @message /error/))" },
    /* CWL_QuerySyntax-Guidelines.md */
    { "Guidelines tag",
      "filter @`aws.tag.aws:cloudformation:stack-name` = \"my-stack\"",
      "(filter (= @aws.tag.aws:cloudformation:stack-name \"my-stack\"))" },
    /* CWL_QuerySyntax.md: limit any */
    { "Limit any", "fields @timestamp, @message | limit any 3",
      "(fields @timestamp @message) | (limit 3)" },
    /* CWL_QuerySyntax-Unmask.md: the command, refused when run */
    { "Unmask", "fields @timestamp, @message | unmask",
      "(fields @timestamp @message) | (unmask @message)" },
};

static int run_doc(const struct doc_row *r)
{
    struct lv_iq_query *q = parse_ok(r->name, r->query);
    char *d;
    int ok = 1;

    if (!q) {
        return 0;
    }
    if (r->dump) {
        d = dump_query(q);
        if (strcmp(d, r->dump) != 0) {
            print_error("%s:\n  got  %s\n  want %s\n", r->name, d, r->dump);
            ok = 0;
        }
        free(d);
    }
    lv_iq_query_free(q);
    return ok;
}

static void test_doc_examples(void **state)
{
    (void)state;
    RUN_TABLE("documented examples", doc_rows, run_doc);
}

/* ---- precedence and expressions ------------------------------------------ */

struct tree_row {
    const char *name;
    const char *query;
    const char *dump;
};

static const struct tree_row tree_rows[] = {
    { "or below and", "filter a or b and c",
      "(filter (or a (and b c)))" },
    { "and left", "filter a and b and c", "(filter (and (and a b) c))" },
    { "not below comparison", "filter not a = 1 and b",
      "(filter (and (not (= a 1)) b))" },
    { "not not", "filter not not a", "(filter (not (not a)))" },
    { "bang", "filter !a", "(filter (not a))" },
    { "or not and", "filter a = 1 or not b = 2 and c",
      "(filter (or (= a 1) (and (not (= b 2)) c)))" },
    { "mul over add", "fields 1 + 2 * 3", "(fields (+ 1 (* 2 3)))" },
    { "parens", "fields (1 + 2) * 3", "(fields (* (+ 1 2) 3))" },
    { "pow right", "fields 2 ^ 3 ^ 2", "(fields (^ 2 (^ 3 2)))" },
    { "pow over neg", "fields -2 ^ 2", "(fields (neg (^ 2 2)))" },
    { "pow of neg", "fields 2 ^ -1", "(fields (^ 2 -1))" },
    { "neg field", "fields -x", "(fields (neg x))" },
    { "neg number", "fields -5, - 2.5", "(fields -5 -2.5)" },
    { "mod then sub", "fields 10 % 3 - 1", "(fields (- (% 10 3) 1))" },
    { "sub left", "fields a - b - c", "(fields (- (- a b) c))" },
    { "div left", "fields a / b / c", "(fields (/ (/ a b) c))" },
    { "arith under cmp", "filter a + 1 > b * 2",
      "(filter (> (+ a 1) (* b 2)))" },
    { "like or not like", "filter a like 'x' or b not like /y/",
      "(filter (or (like a \"x\") (notlike b /y/)))" },
    { "in list", "filter a in [1, -2, 'x', true]",
      "(filter (in a [1 -2 \"x\" true]))" },
    { "not in", "filter a not in ['x']", "(filter (notin a [\"x\"]))" },
    { "=~ escaped slash", "filter x =~ /a\\/b/", "(filter (=~ x /a\\/b/))" },
    { "numbers", "fields 1.5e3, .5, 7", "(fields 1500 0.5 7)" },
    { "string escapes", "fields 'a\\'b', \"c\\\"d\\\\e\\n\", 'x\\dy'",
      "(fields \"a'b\" \"c\"d\\e\n\" \"x\\dy\")" },
    { "booleans", "filter strcontains(a, 'x', true) = false",
      "(filter (= (strcontains a \"x\" true) false))" },
    { "case-insensitive keywords",
      "FIELDS a | FILTER a LIKE 'x' AND NOT b IN [1] OR c | SORT a DESC",
      "(fields a) | (filter (or (and (like a \"x\") (not (in b [1]))) c)) | "
      "(sort (desc a))" },
    { "upper-case functions", "STATS COUNT(*) BY BIN(1m)",
      "(stats (agg:COUNT *) (by (BIN <60000ms>)))" },
    { "division is no regex", "fields a / 2 / b", "(fields (/ (/ a 2) b))" },
    { "comparison chain in and", "filter 1 < a and a < 3",
      "(filter (and (< 1 a) (< a 3)))" },
    { "agg in arithmetic", "stats sum(a) / count(*) * 100",
      "(stats (* (/ (agg:sum a) (agg:count *)) 100))" },
    { "function of agg", "stats floor(avg(x))",
      "(stats (floor (agg:avg x)))" },
    { "call arg expression", "fields concat(a, b + 1)",
      "(fields (concat a (+ b 1)))" },
    { "sort asc default", "sort a, b asc, c desc",
      "(sort a b (desc c))" },
    { "dotted and numbered", "fields a.b.c, a.0",
      "(fields a.b.c a.0)" },
    { "comments everywhere",
      "# leading\nfields a # after a\n, b # end", "(fields a b)" },
    { "parse field named logfmt",
      "parse logfmt \"a=*\" as x", "(parse logfmt glob \"a=*\" x)" },
    { "parse default field", "parse \"a=*\" as x",
      "(parse @message glob \"a=*\" x)" },
    { "parse logfmt without field", "parse logfmt as m",
      "(parse @message logfmt m)" },
    { "parse regex with aliases", "parse @message /(\\d+)-(\\w+)/ as n, w",
      "(parse @message regex \"(\\d+)-(\\w+)\" n w)" },
    { "parse regex unnamed group", "parse @message /(?<a>x)(y)(?<c>z)/",
      "(parse @message regex \"(?<a>x)(y)(?<c>z)\" a - c)" },
    { "unmask field", "unmask(@message)", "(unmask @message)" },
    { "dedup several", "dedup a, b | limit 5", "(dedup a b) | (limit 5)" },
};

static int run_tree(const struct tree_row *r)
{
    struct doc_row d = { r->name, r->query, r->dump };

    return run_doc(&d);
}

static void test_trees(void **state)
{
    (void)state;
    RUN_TABLE("trees", tree_rows, run_tree);
}

/* ---- column names ------------------------------------------------------- */

struct name_row {
    const char *name;
    const char *query;
    size_t cmd;
    int by;                     /* the by list rather than the items */
    size_t item;
    const char *want;
    int aliased;
};

static const struct name_row name_rows[] = {
    { "count(*)", "stats count(*)", 0, 0, 0, "count(*)", 0 },
    { "count()", "stats count()", 0, 0, 0, "count()", 0 },
    { "avg by bin: avg", "stats avg(latency) by bin(5m)", 0, 0, 0,
      "avg(latency)", 0 },
    { "avg by bin: bin", "stats avg(latency) by bin(5m)", 0, 1, 0,
      "bin(5m)", 0 },
    { "blank before (", "stats avg (f1) by f2", 0, 0, 0, "avg(f1)", 0 },
    { "by field", "stats avg (f1) by f2", 0, 1, 0, "f2", 0 },
    { "blanks inside", "stats count ( * ) by bin( 1h )", 0, 1, 0,
      "bin(1h)", 0 },
    { "arithmetic", "stats sum(x) / 1024 / 1024 by y", 0, 0, 0,
      "sum(x)/1024/1024", 0 },
    { "backticks", "fields `foo-bar`", 0, 0, 0, "foo-bar", 0 },
    { "call with arithmetic", "fields abs(f3 - f4)", 0, 0, 0,
      "abs(f3-f4)", 0 },
    { "string kept whole", "fields concat(a, ' - ', b)", 0, 0, 0,
      "concat(a,' - ',b)", 0 },
    { "double-quoted string", "fields strcontains(@message, \"a b\")", 0, 0,
      0, "strcontains(@message,\"a b\")", 0 },
    { "alias", "stats count(*) as n", 0, 0, 0, "n", 1 },
    { "dotted", "fields a.b.c", 0, 0, 0, "a.b.c", 0 },
    { "system tag", "fields @`aws.tag.x:y`", 0, 0, 0, "@aws.tag.x:y", 0 },
    { "comment dropped", "stats count(*) by bin(5m) # c\n", 0, 1, 0,
      "bin(5m)", 0 },
    { "comment inside", "stats count(# c\n*)", 0, 0, 0, "count(*)", 0 },
    { "parentheses kept", "fields (a + b)", 0, 0, 0, "(a+b)", 0 },
    { "upper case kept", "STATS SUM(Fault) by Operation", 0, 0, 0,
      "SUM(Fault)", 0 },
    { "second command", "fields a | stats max(b) by c", 1, 0, 0, "max(b)",
      0 },
    { "sort item", "sort abs(x) desc", 0, 0, 0, "abs(x)", 0 },
};

static int run_name(const struct name_row *r)
{
    struct lv_iq_query *q = parse_ok(r->name, r->query);
    const struct lv_iq_item *it;
    int ok;

    if (!q) {
        return 0;
    }
    ok = r->cmd < q->n_cmds &&
         r->item < (r->by ? q->cmds[r->cmd].n_by : q->cmds[r->cmd].n_items);
    if (ok) {
        it = r->by ? &q->cmds[r->cmd].by[r->item] :
             &q->cmds[r->cmd].items[r->item];
        ok = strcmp(it->name, r->want) == 0 && it->aliased == r->aliased;
        if (!ok) {
            print_error("%s: name \"%s\" (aliased %d), want \"%s\" (%d)\n",
                        r->name, it->name, it->aliased, r->want, r->aliased);
        }
    }
    lv_iq_query_free(q);
    return ok;
}

static void test_names(void **state)
{
    (void)state;
    RUN_TABLE("column names", name_rows, run_name);
}

/* ---- malformed queries -------------------------------------------------- */

struct bad_row {
    const char *name;
    const char *query;
    const char *msg;            /* a part of the message */
    int line, pos;
};

static const struct bad_row bad_rows[] = {
    { "empty", "", "mismatched input '<EOF>' expecting {", 1, 0 },
    { "blank and comment", "  # nothing\n ",
      "mismatched input '<EOF>'", 2, 1 },
    { "not a command (boto3 #3450)", "count(*)",
      "mismatched input 'count' expecting {accum, addtotals, anomaly, "
      "appendcols, autoregress, cidrlookup, countFrequent, dedup, diff, "
      "display, expand", 1, 0 },
    { "fillmissing without stats", "fillmissing",
      "fillmissing must follow a stats command grouped by bin(period)", 1,
      0 },
    { "fillmissing after stats without bin",
      "stats count(*) by host | fillmissing",
      "fillmissing must follow a stats command grouped by bin(period)", 1,
      25 },
    { "fillmissing of monthly bins",
      "stats count(*) by bin(1mo) | fillmissing",
      "fillmissing: bins of months, quarters or years are not supported",
      1, 29 },
    { "fillmissing with without for",
      "stats count(*) as n by bin(1m) | fillmissing with 0",
      "unexpected symbol found <EOF>", 1, 51 },
    { "fillmissing with a field as the value",
      "stats count(*) as n by bin(1m) | fillmissing with n for n",
      "unexpected symbol found n", 1, 50 },
    { "sessionize without a field", "sessionize maxspan 1h",
      "unexpected symbol found 1h", 1, 19 },
    { "sessionize maxspan not a period", "sessionize a maxspan 60",
      "unexpected symbol found 60", 1, 21 },
    { "sessionize maxspan calendar", "sessionize a maxspan 1mo",
      "sessionize: maxspan must be a positive duration", 1, 21 },
    { "sessionize AS before maxspan", "sessionize a as s maxspan 1h",
      "unexpected symbol found maxspan", 1, 18 },
    { "trailing pipe", "fields a |", "mismatched input '<EOF>'", 1, 10 },
    { "leading pipe", "| fields a", "mismatched input '|'", 1, 0 },
    { "dangling comma", "fields a, ", "unexpected symbol found <EOF>", 1,
      10 },
    { "missing operand", "filter a = ", "unexpected symbol found <EOF>", 1,
      11 },
    { "unclosed paren", "filter (a = 1", "unexpected symbol found <EOF>", 1,
      13 },
    { "extra paren", "filter a = 1)", "unexpected symbol found )", 1, 12 },
    { "chained comparison", "filter a < b < c",
      "unexpected symbol found <", 1, 13 },
    { "double =", "filter a = = b", "unexpected symbol found =", 1, 11 },
    { "unknown character", "fields a ~ b", "unexpected symbol found ~", 1,
      9 },
    { "like a field", "filter a like b",
      "like needs a string or a /regular expression/", 1, 14 },
    { "=~ a string", "filter a =~ \"x\"", "=~ needs a /regular expression/",
      1, 12 },
    { "in a string", "filter a in \"x\"", "unexpected symbol found \"x\"", 1,
      12 },
    { "in empty list", "filter a in []", "unexpected symbol found ]", 1, 13 },
    { "list of fields", "filter a in [b]", "unexpected symbol found b", 1,
      13 },
    { "unterminated string", "filter x = 'abc", "unterminated string", 1,
      11 },
    { "unterminated regex", "filter x like /abc",
      "unterminated regular expression", 1, 14 },
    { "bad regex", "filter x like /a(/", "invalid regular expression", 1,
      15 },
    { "regex where an operand is", "filter /abc/",
      "unexpected symbol found /", 1, 7 },
    { "regex flags after", "filter x like /a/i", "unexpected symbol found i",
      1, 17 },
    { "bad period", "fields 5x", "invalid time period '5x'", 1, 7 },
    { "fraction period", "fields bin(1.5m)", "invalid time period '1.5m'", 1,
      11 },
    { "upper-case unit", "fields bin(5M)", "invalid time period '5M'", 1,
      11 },
    { "zero period", "fields bin(0m)", "a time period must be at least 1", 1,
      11 },
    { "period as operand", "fields bin(5m) + 5m",
      "a time period is valid only as a function's argument", 1, 17 },
    { "unterminated backtick", "fields `a", "unterminated backtick name", 1,
      7 },
    { "empty backtick", "fields ``", "empty backtick name", 1, 7 },
    { "bracket access (not supported)",
      "fields jsonParse(@message) as json_message\n"
      "| filter json_message.users[1].action = \"PutData\"",
      "unexpected symbol found [", 2, 27 },
    { "aggregation in fields", "fields count(*)",
      "aggregation function 'count' is valid only in a stats command", 1,
      7 },
    { "aggregation in filter", "filter count(*) > 1",
      "aggregation function 'count' is valid only in a stats command", 1,
      7 },
    { "aggregation in by", "stats count(*) by count(*)",
      "is valid only in a stats command, not after by", 1, 18 },
    { "aggregation in sort", "stats count(*) as n | sort max(n)",
      "aggregation function 'max' is valid only", 1, 27 },
    { "nested aggregation", "stats sum(count(*))",
      "aggregation function 'count' cannot be used inside another "
      "aggregation", 1, 10 },
    { "stats item without aggregation", "stats x",
      "each item of stats needs an aggregation function", 1, 6 },
    { "stats item of a later alias",
      "stats a - b as c, max(x) as a, max(y) as b",
      "each item of stats needs an aggregation function", 1, 6 },
    { "stats item of an unaliased item",
      "stats max(x), max(x) + 1 as b, max(x) - 1 as c, b - c, c - d",
      "each item of stats needs an aggregation function", 1, 55 },
    { "stats item of a constant", "stats count(*) as n, 1 as one",
      "each item of stats needs an aggregation function", 1, 21 },
    { "stats without items", "stats", "unexpected symbol found <EOF>", 1,
      5 },
    { "stats by nothing", "stats count(*) by",
      "unexpected symbol found <EOF>", 1, 17 },
    { "unknown function", "fields nosuchfn(x)",
      "unknown function 'nosuchfn'", 1, 7 },
    { "too many arguments", "fields abs(1, 2)",
      "function 'abs' takes 1 argument, not 2", 1, 7 },
    { "too few arguments", "fields concat()",
      "function 'concat' takes at least", 1, 7 },
    { "star outside count", "fields abs(*)", "'*' is valid only in count(*)",
      1, 11 },
    { "star in sum", "stats sum(*)", "'*' is valid only in count(*)", 1,
      10 },
    { "pct one argument", "stats pct(x)",
      "function 'pct' takes 2 arguments, not 1", 1, 6 },
    { "pct out of range", "stats pct(x, 101)",
      "the percentile of pct() must be a number from 0 to 100", 1, 13 },
    { "count two arguments", "stats count(x, y)",
      "function 'count' takes 0 to 1 arguments, not 2", 1, 6 },
    { "unmask as a function", "fields unmask(@message)",
      "unmask is a command (| unmask(@message)), not a function", 1, 7 },
    { "sort after dedup (AWS: unexpected symbol found sort)",
      "fields a | dedup a | sort a", "unexpected symbol found sort", 1, 21 },
    { "fields after dedup", "dedup a | fields b",
      "unexpected symbol found fields", 1, 10 },
    { "dedup of an expression", "dedup abs(x)",
      "unexpected symbol found (", 1, 9 },
    { "diff without pattern", "filter @message like /GET/ | diff",
      "Diff compilation Failed : Diff operation has to be used after "
      "Pattern", 1, 29 },
    { "diff bad period", "pattern @message | diff yesterday",
      "unexpected symbol found yesterday", 1, 24 },
    { "three stats", "stats count(*) as a | stats count(*) as b | stats "
      "count(*)", "a query can have at most two stats commands", 1, 44 },
    { "sort before second stats",
      "stats count(*) as c by x | sort c | stats max(c)",
      "sort and limit must come after the second stats command", 1, 36 },
    { "limit before second stats",
      "limit 5 | stats count(*) as c by x | stats max(c)",
      "sort and limit must come after the second stats command", 1, 37 },
    { "second stats reads @message (Stats page)",
      "FIELDS @message\n| STATS SUM(Fault) by Operation\n"
      "# You can only reference `SUM(Fault)` or Operation at this point\n"
      "| STATS MAX(strlen(@message)) AS MaxMessageSize # Invalid reference "
      "to @message",
      "the second stats command can use only fields the first one "
      "defines, not '@message'", 4, 19 },
    { "second stats bin without @timestamp (Stats page)",
      "FIELDS strlen(@message) AS message_length\n"
      " | STATS sum(message_length) AS ingested_bytes BY @logStream\n"
      " | STATS avg(ingested_bytes) BY bin(5m) # Invalid reference to "
      "@timestamp field",
      "bin() in the second stats command needs @timestamp from the first "
      "one", 3, 32 },
    { "SOURCE not first", "fields a | SOURCE logGroups()",
      "SOURCE must be the first command of the query", 1, 11 },
    { "SOURCE six prefixes",
      "SOURCE logGroups(namePrefix: ['a','b','c','d','e','f'])",
      "SOURCE: at most 5 name prefixes", 1, 29 },
    { "SOURCE 21 accounts",
      "SOURCE logGroups(accountIdentifiers: ['1','2','3','4','5','6','7',"
      "'8','9','10','11','12','13','14','15','16','17','18','19','20',"
      "'21'])", "SOURCE: at most 20 account identifiers", 1, 37 },
    { "SOURCE bad class", "SOURCE logGroups(class: ['FOO'])",
      "SOURCE: class must be one of", 1, 17 },
    { "SOURCE two classes",
      "SOURCE logGroups(class: ['STANDARD', 'INFREQUENT_ACCESS'])",
      "SOURCE: at most 1 log group class", 1, 24 },
    { "SOURCE dataSource", "SOURCE dataSource(['amazon_vpc.flow'])",
      "SOURCE dataSource(…) is not supported by logvault", 1, 7 },
    { "SOURCE duplicate key",
      "SOURCE logGroups(namePrefix: ['a'], namePrefix: ['b'])",
      "unexpected symbol found namePrefix", 1, 36 },
    { "SOURCE unknown key", "SOURCE logGroups(tags: ['a'])",
      "unexpected symbol found tags", 1, 17 },
    { "SOURCE missing pipe", "SOURCE logGroups() fields a",
      "unexpected symbol found fields", 1, 19 },
    { "SOURCE as written on its page (no closing parenthesis)",
      "SOURCE logGroups(accountIdentifiers:['111122223333'], namePrefix: "
      "['namePrefix1', 'namePrefix2']", "unexpected symbol found <EOF>", 1,
      96 },
    { "anomaly without pattern", "fields @message | anomaly",
      "Anomaly compilation Failed : Anomaly operation has to be used after "
      "Pattern", 1, 18 },
    { "outlier: param 0", "outlier param=0 cpu",
      "outlier: param must be a positive number", 1, 14 },
    { "relevantfields without where", "relevantfields a, b",
      "relevantfields: expecting 'where' and a condition", 1, 19 },
    { "logcompare: a calendar unit", "logcompare timeshift 1mo",
      "logcompare: timeshift expects a duration such as 7d", 1, 21 },
    { "accum without a field", "fields a | accum",
      "unexpected symbol found <EOF>", 1, 16 },
    { "accum of two fields", "accum a b", "unexpected symbol found b", 1,
      8 },
    { "accum of an expression", "accum a + 1", "unexpected symbol found +",
      1, 8 },
    { "autoregress lag 0", "autoregress a p=0",
      "autoregress: a lag must be a whole number from 1 to 100", 1, 16 },
    { "autoregress lag past the bound", "autoregress a p=1-101",
      "autoregress: a lag must be a whole number from 1 to 100", 1, 18 },
    { "autoregress fractional lag", "autoregress a p=1.5",
      "autoregress: a lag must be a whole number", 1, 16 },
    { "autoregress range backwards", "autoregress a p=4-2",
      "autoregress: the range p=4-2 ends before it starts", 1, 17 },
    { "autoregress p without =", "autoregress a p 2",
      "unexpected symbol found 2", 1, 16 },
    { "filldown with commas", "filldown a, b",
      "unexpected symbol found ,", 1, 10 },
    { "filldown of a number", "filldown a 3", "unexpected symbol found 3",
      1, 11 },
    { "expand without a field", "expand", "unexpected symbol found <EOF>",
      1, 6 },
    { "expand into (that is unnest)", "expand items into x",
      "unexpected symbol found into", 1, 13 },
    { "expand of a call", "expand jsonParse(@message)",
      "unexpected symbol found (", 1, 16 },
    { "countFrequent without a field", "countFrequent",
      "unexpected symbol found <EOF>", 1, 13 },
    { "countFrequent of a call", "countFrequent lower(a)",
      "unexpected symbol found (", 1, 19 },
    { "countFrequent as a third stats",
      "stats count(*) by a | stats count(*) by a | countFrequent a",
      "a query can have at most two stats commands", 1, 44 },
    { "countFrequent as second stats reads what the first defined",
      "stats count(*) as n by a | countFrequent b",
      "the second stats command can use only fields the first one "
      "defines, not 'b'", 1, 41 },
    { "addtotals row=false col=false", "fields a | addtotals row=false "
      "col=false", "addtotals with row=false and col=false adds nothing",
      1, 11 },
    { "addtotals option twice", "addtotals col=true col=false",
      "unexpected symbol found col", 1, 19 },
    { "addtotals bool not a bool", "addtotals row=1",
      "unexpected symbol found 1", 1, 14 },
    { "addtotals option after the fields", "addtotals a, b col=true",
      "unexpected symbol found col", 1, 15 },
    { "addtotals fields without comma", "addtotals a b",
      "unexpected symbol found b", 1, 12 },
    { "addtotals fieldname not a name", "addtotals fieldname=\"T\"",
      "unexpected symbol found", 1, 20 },
    { "json field (Parse page)",
      "json field=requestContext \"identity.sourceIp\" as caller_ip\n"
      "| stats count(*) by caller_ip",
      "the json command is not supported by logvault", 1, 0 },
    { "parse multi (Parse page)",
      "parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi\n"
      "| stats count(*) by ip_addr",
      "parse: multi-match mode is not supported by logvault", 1, 49 },
    { "glob stars and aliases", "parse @message \"* *\" as a",
      "parse: the pattern has 2 '*' but 1 alias are given", 1, 0 },
    { "glob without star", "parse @message \"abc\" as a",
      "the pattern of parse has no '*'", 1, 15 },
    { "glob without as", "parse @message \"a=*\"",
      "unexpected symbol found <EOF>", 1, 20 },
    { "regex groups and aliases", "parse @message /(?<a>x)(y)/ as a",
      "parse: the regular expression has 2 capture groups but 1 alias are "
      "given", 1, 0 },
    { "regex without names", "parse @message /(x)/",
      "has no named capture group", 1, 0 },
    { "logfmt two aliases", "parse @message logfmt as a, b",
      "parse logfmt takes one alias", 1, 0 },
    { "logfmt field after (AWS: syntax error)", "parse logfmt @message",
      "unexpected symbol found @message", 1, 13 },
    { "parse nothing", "parse @message", "unexpected symbol found <EOF>", 1,
      14 },
    { "limit 0", "limit 0", "limit must be an integer from 1 to 100000", 1,
      6 },
    { "limit 100001", "limit 100001", "limit must be an integer from 1 to "
      "100000", 1, 6 },
    { "limit fraction", "limit 1.5", "limit must be an integer", 1, 6 },
    { "limit negative", "limit -1", "unexpected symbol found -", 1, 6 },
    { "limit field", "limit n", "unexpected symbol found n", 1, 6 },
    { "sort twice ordered", "sort a asc desc", "unexpected symbol found desc",
      1, 11 },
    { "sort alias", "sort a as b", "unexpected symbol found as", 1, 7 },
    { "display alias", "display a as b", "unexpected symbol found as", 1, 10 },
    { "alias missing", "fields a as", "unexpected symbol found <EOF>", 1,
      11 },
    { "two aliases", "fields a as b c", "unexpected symbol found c", 1, 14 },
    { "reserved word as field", "fields and", "unexpected symbol found and",
      1, 7 },
    { "not without like/in", "filter a not b", "unexpected symbol found b", 1,
      13 },
    { "unnest without into", "unnest a", "unexpected symbol found <EOF>", 1,
      8 },
    { "filterIndex comparison", "filterIndex a > 1",
      "unexpected symbol found >", 1, 14 },
    { "pattern of an expression", "pattern 1", "unexpected symbol found 1",
      1, 8 },
    { "line and position", "fields a\n| filter b =\n| limit 5",
      "unexpected symbol found |", 3, 0 },
    { "after a comment", "fields a # c\n| bogus",
      "mismatched input 'bogus'", 2, 2 },
    { "position in bytes after UTF-8", "fields \"é\" \xc3\xa9",
      "unexpected symbol found \xc3\xa9", 1, 12 },
    { "deep nesting",
      "fields (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
      "((((((((((((((((((((((((((((((((((((((((((((((((((1",
      "expression nested too deeply", 1, 107 },
};

static int run_bad(const struct bad_row *r)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    char tail[64];
    int ok;

    if (lv_iq_parse(r->query, strlen(r->query), &q, &err) == 0) {
        print_error("%s: accepted: %s\n", r->name, r->query);
        lv_iq_query_free(q);
        return 0;
    }
    snprintf(tail, sizeof(tail), " at line %d and position %d", r->line,
             r->pos);
    ok = err.code == LV_E_MALFORMED_QUERY && strstr(err.msg, r->msg) &&
         strlen(err.msg) > strlen(tail) &&
         strcmp(err.msg + strlen(err.msg) - strlen(tail), tail) == 0;
    if (!ok) {
        print_error("%s: got \"%s\" (code %d)\n  want \"%s…%s\"\n", r->name,
                    err.msg, (int)err.code, r->msg, tail);
    }
    return ok;
}

static void test_malformed(void **state)
{
    (void)state;
    RUN_TABLE("malformed queries", bad_rows, run_bad);
}

/* ---- the parse command's specs ------------------------------------------- */

/* Group i of a match of re over subject, as a string (heap), or NULL. */
static char *group(pcre2_code *re, const char *subject, unsigned i)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    PCRE2_SIZE *ov;
    char *out = NULL;

    if (pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md,
                    NULL) > 0) {
        ov = pcre2_get_ovector_pointer(md);
        if (ov[2 * i] != PCRE2_UNSET) {
            out = lv_xstrndup(subject + ov[2 * i], ov[2 * i + 1] - ov[2 * i]);
        }
    }
    pcre2_match_data_free(md);
    return out;
}

static void check_group(pcre2_code *re, const char *subject, unsigned i,
                        const char *want)
{
    char *got = group(re, subject, i);

    if (!got || strcmp(got, want) != 0) {
        fail_msg("group %u of \"%s\": \"%s\", want \"%s\"", i, subject,
                 got ? got : "(none)", want);
    }
    free(got);
}

static void test_parse_specs(void **state)
{
    /* The page's sample line and what its glob and regex extract. */
    static const char line[] = "25 May 2019 10:24:39,474 [ERROR] {foo=2, "
                               "bar=data} The error was: "
                               "DataIntegrityException";
    struct lv_iq_query *q;
    const struct lv_iq_parse_spec *sp;

    (void)state;
    q = parse_ok("glob", "parse @message \"[*] * The error was: *\" as "
                 "level, config, exception");
    assert_non_null(q);
    sp = &q->cmds[0].parse;
    assert_int_equal(sp->mode, LV_IQ_PARSE_GLOB);
    assert_string_equal(sp->pattern, "[*] * The error was: *");
    assert_int_equal(sp->n_aliases, 3);
    assert_string_equal(sp->aliases[2], "exception");
    assert_string_equal(q->cmds[0].expr->str, "@message");
    check_group(sp->re, line, 1, "ERROR");
    check_group(sp->re, line, 2, "{foo=2, bar=data}");
    check_group(sp->re, line, 3, "DataIntegrityException");
    lv_iq_query_free(q);

    q = parse_ok("regex", "parse @message /\\[(?<level>\\S+)\\]\\s+"
                 "(?<config>\\{.*\\})\\s+The error was: "
                 "(?<exception>\\S+)/");
    assert_non_null(q);
    sp = &q->cmds[0].parse;
    assert_int_equal(sp->mode, LV_IQ_PARSE_REGEX);
    assert_int_equal(sp->n_aliases, 3);
    assert_string_equal(sp->aliases[0], "level");
    assert_string_equal(sp->aliases[1], "config");
    check_group(sp->re, line, 1, "ERROR");
    check_group(sp->re, line, 2, "{foo=2, bar=data}");
    check_group(sp->re, line, 3, "DataIntegrityException");
    lv_iq_query_free(q);

    /* Glob metacharacters are literal; the glob matches anywhere. */
    q = parse_ok("glob literal", "parse url \"/api/*/users/(*)?.\" as v, u");
    assert_non_null(q);
    sp = &q->cmds[0].parse;
    assert_string_equal(q->cmds[0].expr->str, "url");
    check_group(sp->re, "GET /api/v2/users/(42)?.", 1, "v2");
    check_group(sp->re, "GET /api/v2/users/(42)?.", 2, "42");
    assert_null(group(sp->re, "GET /api/v2/users/42", 1));
    /* across lines */
    lv_iq_query_free(q);
    q = parse_ok("glob newline", "parse \"a=* b=*\" as a, b");
    assert_non_null(q);
    check_group(q->cmds[0].parse.re, "a=1\n2 b=3\n4", 1, "1\n2");
    check_group(q->cmds[0].parse.re, "a=1\n2 b=3\n4", 2, "3\n4");
    lv_iq_query_free(q);
}

/* ---- period literals ----------------------------------------------------- */

struct period_row {
    const char *name;
    const char *query;          /* fields bin(…) */
    double ms;
    const char *unit;
};

static const struct period_row period_rows[] = {
    { "5m", "fields bin(5m)", 300000, "m" },
    { "1h", "fields bin(1h)", 3600000, "h" },
    { "30s", "fields bin(30s)", 30000, "s" },
    { "300s capped at 60s (functions page)", "fields bin(300s)", 60000,
      "s" },
    { "2000ms capped at 1000", "fields bin(2000ms)", 1000, "ms" },
    { "90m capped at 60", "fields bin(90m)", 3600000, "m" },
    { "48h capped at 24", "fields bin(48h)", 86400000, "h" },
    { "100ms", "fields bin(100ms)", 100, "ms" },
    { "msec", "fields bin(5msec)", 5, "ms" },
    { "milliseconds", "fields bin(5milliseconds)", 5, "ms" },
    { "sec", "fields bin(10sec)", 10000, "s" },
    { "secs", "fields bin(10secs)", 10000, "s" },
    { "min", "fields bin(5min)", 300000, "m" },
    { "minutes", "fields bin(5minutes)", 300000, "m" },
    { "hr", "fields bin(2hr)", 7200000, "h" },
    { "hrs", "fields bin(2hrs)", 7200000, "h" },
    { "day", "fields bin(2d)", 2 * 86400000.0, "d" },
    { "days", "fields bin(3days)", 3 * 86400000.0, "d" },
    { "week", "fields bin(1w)", 7 * 86400000.0, "w" },
    { "month", "fields bin(1mo)", 30 * 86400000.0, "mo" },
    { "mon", "fields bin(2mon)", 60 * 86400000.0, "mo" },
    { "quarter", "fields bin(1qtr)", 90 * 86400000.0, "q" },
    { "year", "fields bin(1y)", 365 * 86400000.0, "y" },
    { "yrs", "fields bin(2yrs)", 730 * 86400000.0, "y" },
};

static int run_period(const struct period_row *r)
{
    struct lv_iq_query *q = parse_ok(r->name, r->query);
    const struct lv_iq_expr *e;
    int ok;

    if (!q) {
        return 0;
    }
    e = q->cmds[0].items[0].e->args[0];
    ok = e->k == LV_IQ_E_TIME && e->num == r->ms &&
         strcmp(e->unit, r->unit) == 0 &&
         strcmp(e->str, r->query + strlen("fields bin(")) != 0;
    ok = ok && strncmp(e->str, r->query + strlen("fields bin("),
                       e->len) == 0;
    if (!ok) {
        print_error("%s: %g ms unit %s text %s\n", r->name, e->num, e->unit,
                    e->str ? e->str : "-");
    }
    lv_iq_query_free(q);
    return ok;
}

static void test_periods(void **state)
{
    (void)state;
    RUN_TABLE("period literals", period_rows, run_period);
}

/* ---- SOURCE and the planner's accessors ---------------------------------- */

static void test_source(void **state)
{
    struct lv_iq_query *q;
    const struct lv_iq_source *src;

    (void)state;
    q = parse_ok("source", "SOURCE logGroups(namePrefix: ['a', \"b\"], "
                 "class: ['INFREQUENT_ACCESS'], accountIdentifiers: "
                 "['111122223333']) | fields @message");
    assert_non_null(q);
    src = lv_iq_query_source(q);
    assert_non_null(src);
    assert_int_equal(src->n_prefixes, 2);
    assert_string_equal(src->name_prefixes[0], "a");
    assert_string_equal(src->name_prefixes[1], "b");
    assert_string_equal(src->log_group_class, "INFREQUENT_ACCESS");
    assert_int_equal(src->n_accounts, 1);
    assert_string_equal(src->accounts[0], "111122223333");
    assert_int_equal(q->n_cmds, 1);
    lv_iq_query_free(q);

    /* "If you omit this, the default of Standard log class is used." */
    q = parse_ok("source all", "source LOGGROUPS()");
    assert_non_null(q);
    src = lv_iq_query_source(q);
    assert_non_null(src);
    assert_int_equal(src->n_prefixes, 0);
    assert_int_equal(src->n_accounts, 0);
    assert_string_equal(src->log_group_class, "STANDARD");
    assert_int_equal(q->n_cmds, 0);
    lv_iq_query_free(q);

    q = parse_ok("logGroupClass, a lone string",
                 "SOURCE logGroups(namePrefix: [], logGroupClass: "
                 "\"DELIVERY\")");
    assert_non_null(q);
    assert_string_equal(lv_iq_query_source(q)->log_group_class, "DELIVERY");
    lv_iq_query_free(q);

    q = parse_ok("no source", "fields @message");
    assert_non_null(q);
    assert_null(lv_iq_query_source(q));
    lv_iq_query_free(q);
}

static void test_wants_previous(void **state)
{
    struct lv_iq_query *q;

    (void)state;
    q = parse_ok("diff", "pattern @message | diff previousWeek");
    assert_non_null(q);
    assert_int_equal(lv_iq_query_wants_previous(q), 1);
    lv_iq_query_free(q);
    q = parse_ok("no diff", "pattern @message | limit 5");
    assert_non_null(q);
    assert_int_equal(lv_iq_query_wants_previous(q), 0);
    lv_iq_query_free(q);
}

struct req_row {
    const char *name;
    const char *query;
    const char *want[3];        /* NULL-ended */
};

static const struct req_row req_rows[] = {
    { "bench query",
      "filter @message like /OutOfMemoryError/ | stats count() by bin(5m)",
      { "OutOfMemoryError", NULL } },
    { "string and escaped regex",
      "filter @message like 'a b' and @message =~ /b\\.c\\/d/",
      { "a b", "b.c/d", NULL } },
    { "two leading filters",
      "filter @message like /x/ | where @message like \"y\" | fields a",
      { "x", "y", NULL } },
    { "case-insensitive regex", "filter @message like /(?i)x/", { NULL } },
    { "regex with operators", "filter @message like /a.b/", { NULL } },
    { "regex class", "filter @message like /2\\d\\d/", { NULL } },
    { "or", "filter @message like /a/ or @message like /b/", { NULL } },
    { "not like", "filter @message not like /a/", { NULL } },
    { "not leading", "fields a | filter @message like /a/", { NULL } },
    { "other field", "filter f1 like /Exception/", { NULL } },
    { "SOURCE then filter",
      "SOURCE logGroups() | filter @message like 'E' and x > 1",
      { "E", NULL } },
};

static int run_req(const struct req_row *r)
{
    struct lv_iq_query *q = parse_ok(r->name, r->query);
    const char *const *lits;
    const size_t *lens;
    size_t n, i, want = 0;
    int ok;

    if (!q) {
        return 0;
    }
    while (r->want[want]) {
        want++;
    }
    n = lv_iq_query_required(q, &lits, &lens);
    ok = n == want;
    for (i = 0; ok && i < n; i++) {
        ok = lens[i] == strlen(r->want[i]) &&
             memcmp(lits[i], r->want[i], lens[i]) == 0;
    }
    if (!ok) {
        print_error("%s: %zu literals, want %zu\n", r->name, n, want);
    }
    lv_iq_query_free(q);
    return ok;
}

static void test_required(void **state)
{
    /* A NUL byte inside the literal counts (found by the fuzzer). */
    static const char q_nul[] = "filter @message like /a\0b/";
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    const char *const *lits;
    const size_t *lens;

    (void)state;
    RUN_TABLE("required literals", req_rows, run_req);
    assert_int_equal(lv_iq_parse(q_nul, sizeof(q_nul) - 1, &q, &err), 0);
    assert_int_equal(lv_iq_query_required(q, &lits, &lens), 1);
    assert_int_equal(lens[0], 3);
    assert_memory_equal(lits[0], "a\0b", 3);
    lv_iq_query_free(q);
}

/* ---- equalities (field indexes) ------------------------------------------ */

/* Each row: the query, then "field=v1|v2" per equality expected, in
 * order. */
struct eq_row {
    const char *name;
    const char *q;
    const char *want[4];
};

static const struct eq_row eq_rows[] = {
    { "filterIndex =", "filterIndex requestId = 'r1'", { "requestId=r1" } },
    { "literal first", "filter 'r1' = requestId", { "requestId=r1" } },
    { "in", "filterIndex a in ['x', 'y']", { "a=x|y" } },
    { "and", "filter a = 'x' and b = \"y\" | filter c = 'z'",
      { "a=x", "b=y", "c=z" } },
    { "system field", "filter @logStream = 's1'", { "@logStream=s1" } },
    { "numeric literal", "filter a = '5'", { NULL } },
    { "number", "filter a = 5", { NULL } },
    { "in with a number", "filter a in ['x', 5]", { NULL } },
    { "or", "filter a = 'x' or b = 'y'", { NULL } },
    { "not equal", "filter a != 'x'", { NULL } },
    { "not leading", "fields a | filter a = 'x'", { NULL } },
    { "after parse", "parse @message '* *' as a, b | filter a = 'x'",
      { NULL } },
    { "field = field", "filter a = b", { NULL } },
};

static int run_eq(const struct eq_row *r)
{
    struct lv_iq_eq eqs[8];
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    struct lv_buf got = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf want = LV_BUF_INIT(SIZE_MAX);
    size_t n;
    int ok;

    if (lv_iq_parse(r->q, strlen(r->q), &q, &err) < 0) {
        print_error("%s: %s\n", r->name, err.msg);
        return 0;
    }
    n = lv_iq_query_equalities(q, eqs, 8);
    for (size_t i = 0; i < n; i++) {
        lv_buf_addf(&got, "%s%s=", i ? " " : "", eqs[i].field);
        for (size_t k = 0; k < eqs[i].n; k++) {
            lv_buf_addf(&got, "%s%.*s", k ? "|" : "", (int)eqs[i].lens[k],
                        eqs[i].vals[k]);
        }
    }
    for (size_t i = 0; i < 4 && r->want[i]; i++) {
        lv_buf_addf(&want, "%s%s", i ? " " : "", r->want[i]);
    }
    ok = strcmp(got.data, want.data) == 0;
    if (!ok) {
        print_error("%s: got [%s], want [%s]\n", r->name, got.data,
                    want.data);
    }
    lv_buf_release(&got);
    lv_buf_release(&want);
    lv_iq_query_free(q);
    return ok;
}

static void test_equalities(void **state)
{
    (void)state;
    RUN_TABLE("equalities", eq_rows, run_eq);
}

/* ---- nesting ------------------------------------------------------------ */

/* prefix, then `unit` n times, then suffix: refused past the parser's
 * bound on nesting, accepted under it. */
static int nested(const char *prefix, const char *unit, const char *mid,
                  const char *close, size_t n, struct lv_err *err)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    struct lv_iq_query *q = NULL;
    size_t i;
    int rc;

    lv_buf_adds(&b, prefix);
    for (i = 0; i < n; i++) {
        lv_buf_adds(&b, unit);
    }
    lv_buf_adds(&b, mid);
    for (i = 0; i < n; i++) {
        lv_buf_adds(&b, close);
    }
    rc = lv_iq_parse(b.data, b.len, &q, err);
    lv_iq_query_free(q);
    lv_buf_release(&b);
    return rc;
}

static void test_nesting(void **state)
{
    static const struct {
        const char *prefix, *unit, *mid, *close;
    } shapes[] = {
        { "fields ", "(", "1", ")" },
        { "fields ", "2 ^ ", "2", "" },
        { "fields ", "- ", "x", "" },
        { "filter ", "not ", "a", "" },
        { "filter ", "! ", "a", "" },
        { "fields ", "abs(", "1", ")" },
        { "fields ", "1 + (", "1", ")" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(shapes); i++) {
        struct lv_err err = LV_ERR_INIT;

        if (nested(shapes[i].prefix, shapes[i].unit, shapes[i].mid,
                   shapes[i].close, 40, &err) != 0) {
            fail_msg("%s%s… 40 deep refused: %s", shapes[i].prefix,
                     shapes[i].unit, err.msg);
        }
        if (nested(shapes[i].prefix, shapes[i].unit, shapes[i].mid,
                   shapes[i].close, 5000, &err) == 0 ||
            !strstr(err.msg, "expression nested too deeply")) {
            fail_msg("%s%s… 5000 deep: %s", shapes[i].prefix,
                     shapes[i].unit, err.msg);
        }
    }
}

/* ---- garbage ------------------------------------------------------------- */

/* text[0..len) either parses or is refused as MalformedQuery with a
 * position inside the text. */
static int clean(const char *text, size_t len)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;

    if (lv_iq_parse(text, len, &q, &err) == 0) {
        lv_iq_query_free(q);
        return 1;
    }
    if (err.code != LV_E_MALFORMED_QUERY || !where_ok(err.msg, text, len)) {
        print_error("not clean: \"%.*s\" → %s\n", (int)len, text, err.msg);
        return 0;
    }
    return 1;
}

static void test_garbage(void **state)
{
    size_t r, i, bad = 0, runs = 0;
    char *buf;

    (void)state;
    for (r = 0; r < N(doc_rows) + N(bad_rows); r++) {
        const char *t = r < N(doc_rows) ? doc_rows[r].query :
                        bad_rows[r - N(doc_rows)].query;
        size_t len = strlen(t);

        buf = lv_xmalloc(len + 1);
        for (i = 0; i <= len; i++) {            /* every prefix */
            bad += !clean(t, i);
            runs++;
        }
        for (i = 0; i < len; i++) {             /* bit flips */
            static const unsigned char flips[] = { 0x01, 0x20, 0x80 };
            size_t f;

            for (f = 0; f < sizeof(flips); f++) {
                memcpy(buf, t, len);
                buf[i] = (char)(buf[i] ^ flips[f]);
                bad += !clean(buf, len);
                runs++;
            }
        }
        memcpy(buf, t, len);                    /* an embedded NUL */
        if (len) {
            buf[len / 2] = '\0';
            bad += !clean(buf, len);
            runs++;
        }
        free(buf);
    }
    print_message("garbage: %zu runs, %zu not clean\n", runs, bad);
    assert_int_equal(bad, 0);
}

/* diff's comparison range for each period option. Times are UTC, epoch
 * ms, worked out by hand: 2024-03-31 10:00 is 1711879200000, the range
 * ends an hour later (inclusive, ms). */
static void test_previous_range(void **state)
{
    static const int64_t s0 = 1711879200000LL;          /* 2024-03-31 10:00 */
    static const int64_t e0 = 1711879200000LL + 3600000 - 1;
    static const struct {
        const char *q;
        int64_t lo, hi;
    } cases[] = {
        /* the hour just before */
        { "pattern @message | diff", s0 - 3600000, s0 - 1 },
        { "pattern @message | diff previousDay", s0 - 86400000LL,
          e0 - 86400000LL },
        { "pattern @message | diff previousWeek", s0 - 7 * 86400000LL,
          e0 - 7 * 86400000LL },
        /* March 31 a month earlier is February 29 (2024 is a leap year):
         * 2024-02-29 10:00 = 1709200800000. */
        { "pattern @message | diff previousMonth", 1709200800000LL,
          1709200800000LL + 3600000 - 1 },
    };
    struct lv_iq_query *q;
    struct lv_err err = LV_ERR_INIT;
    int64_t lo, hi;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(lv_iq_parse(cases[i].q, strlen(cases[i].q), &q,
                                     &err), 0);
        assert_int_equal(lv_iq_query_previous_range(q, s0, e0, &lo, &hi), 1);
        assert_int_equal(lo, cases[i].lo);
        assert_int_equal(hi, cases[i].hi);
        lv_iq_query_free(q);
    }
    assert_int_equal(lv_iq_parse("fields @message", 15, &q, &err), 0);
    assert_int_equal(lv_iq_query_previous_range(q, s0, e0, &lo, &hi), 0);
    lv_iq_query_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_examples),
        cmocka_unit_test(test_trees),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_parse_specs),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_source),
        cmocka_unit_test(test_wants_previous),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_equalities),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_previous_range),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
