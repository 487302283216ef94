/*
 * cli/tail: `logvault logs tail GROUP`, a port of the AWS CLI v2's
 * awscli/customizations/logs/tail.py: FilterLogEvents (interleaved) from
 * --since (default 10m; Ns|m|h|d|w ago, or an ISO 8601 time, or epoch
 * seconds) through every page; with --follow it polls every 5 seconds
 * from the newest timestamp seen, skipping event ids already printed at
 * that timestamp, until interrupted. Formats: detailed (ISO time with
 * microseconds, stream, message), short (time to the second, message),
 * json (message pretty-printed when it is JSON). Times print in UTC. It
 * does not colour (the AWS CLI colours only on a terminal).
 *
 * The arguments are TailCommand's ARG_TABLE, parsed by cli/args.c with
 * the same argparse rules as an operation's; --filter-pattern,
 * --log-stream-names and --log-stream-name-prefix are FilterLogEvents'
 * members, typed and validated by the model.
 */
#include "cli/cli_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* The rows of awscli's TailCommand.ARG_TABLE, in its order. */
enum { OPT_GROUP, OPT_SINCE, OPT_FOLLOW, OPT_FORMAT, OPT_PATTERN,
       OPT_NAMES, OPT_PREFIX, OPT__COUNT };

static const char *const formats[] = { "detailed", "short", "json", NULL };

int lv_cli_since_millis(const char *s, long long *out)
{
    static const struct { char u; long secs; } units[] = {
        { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
        { 'w', 604800 },
    };
    char *end;
    long long n = strtoll(s, &end, 10);
    struct tm tm;
    size_t i;

    if (end != s && *s >= '0' && *s <= '9' && end[0] && !end[1]) {
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (units[i].u == end[0]) {
                *out = ((long long)time(NULL) - n * units[i].secs) * 1000;
                return 0;
            }
        }
    }
    if (end != s && *end == '\0') {
        *out = n * 1000;
        return 0;
    }
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || (*end && strcmp(end, "Z") && strcmp(end, "+00:00"))) {
        return -1;
    }
    *out = (long long)timegm(&tm) * 1000;
    return 0;
}

static void print_event(FILE *out, const char *format, const json_t *ev)
{
    long long ts = json_integer_value(json_object_get(ev, "timestamp"));
    const char *msg = json_string_value(json_object_get(ev, "message"));
    const char *stream = json_string_value(json_object_get(ev,
                                                           "logStreamName"));
    time_t t = (time_t)(ts / 1000);
    long usec = (long)(ts % 1000) * 1000;
    struct tm tm;
    char when[64];
    struct lv_buf line = LV_BUF_INIT((size_t)-1);
    json_t *j = NULL;

    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    if (strcmp(format, "short") == 0) {
        lv_buf_addf(&line, "%s %s", when, msg ? msg : "");
    } else if (strcmp(format, "json") == 0) {
        if (usec) {
            lv_buf_addf(&line, "%s.%06ld+00:00 %s ", when, usec,
                        stream ? stream : "");
        } else {
            lv_buf_addf(&line, "%s+00:00 %s ", when, stream ? stream : "");
        }
        j = msg ? json_loads(msg, JSON_DECODE_ANY, NULL) : NULL;
        if (j) {
            lv_buf_addc(&line, '\n');
            lv_output_py_json(&line, j, 4, 1);
        } else {
            lv_buf_adds(&line, msg ? msg : "");
        }
    } else {
        lv_buf_addf(&line, "%s.%06ld+00:00 %s %s", when, usec,
                    stream ? stream : "", msg ? msg : "");
    }
    /* log.rstrip() + '\n' */
    while (line.len && strchr(" \t\n\r\v\f", line.data[line.len - 1])) {
        line.data[--line.len] = '\0';
    }
    fprintf(out, "%s\n", line.data);
    fflush(out);
    json_decref(j);
    lv_buf_release(&line);
}

/* What tells an event apart whether FilterLogEvents or a Live Tail
 * update brought it: stream, timestamp, ingestion time, message. */
static char *event_key(const json_t *ev)
{
    const char *st = json_string_value(json_object_get(ev,
                                                       "logStreamName"));
    const char *m = json_string_value(json_object_get(ev, "message"));

    return lv_xasprintf("%s\n%lld\n%lld\n%s", st ? st : "",
                        (long long)json_integer_value(
                            json_object_get(ev, "timestamp")),
                        (long long)json_integer_value(
                            json_object_get(ev, "ingestionTime")),
                        m ? m : "");
}

/* One pass over FilterLogEvents' pages from params' startTime: prints
 * every event; with `keys`, notes each one's key (see event_key). */
static int history(struct lv_cli *c, json_t *params, const char *format,
                   json_t *keys)
{
    json_t *resp = NULL;
    int rc = 0;

    for (;;) {
        json_t *events, *ev, *tok;
        size_t k;

        json_decref(resp);
        resp = NULL;
        if ((rc = lv_cli_call(c, "FilterLogEvents", params, &resp))) {
            break;
        }
        events = json_object_get(resp, "events");
        json_array_foreach(events, k, ev) {
            print_event(stdout, format, ev);
            if (keys) {
                char *key = event_key(ev);

                json_object_set_new(keys, key, json_true());
                free(key);
            }
        }
        tok = json_object_get(resp, "nextToken");
        if (!tok || !json_is_string(tok)) {
            break;
        }
        json_object_set(params, "nextToken", tok);
    }
    json_decref(resp);
    return rc;
}

/* --follow: the Live Tail session starts first; once it has (its
 * sessionStart), the past from --since is printed, then each update's
 * events, less those the past already printed (an event ingested while
 * the past was read comes through both). */
struct follow {
    struct lv_cli *c;
    json_t *hist;
    const char *format;
    json_t *keys;
};

static int on_live(void *arg, const char *type, const json_t *ev)
{
    struct follow *f = arg;
    const json_t *results, *r;
    size_t i;
    int rc = 0;

    if (strcmp(type, "sessionStart") == 0) {
        /* the stream holds the connection: the past goes on another */
        struct lv_cli_http *live = f->c->http;

        f->c->http = NULL;
        rc = history(f->c, f->hist, f->format, f->keys);
        lv_cli_http_free(f->c->http);
        f->c->http = live;
        return rc;
    }
    if (strcmp(type, "sessionUpdate") != 0) {
        return 0;
    }
    results = json_object_get(ev, "sessionResults");
    json_array_foreach(results, i, r) {
        char *key = event_key(r);
        int dup = json_object_get(f->keys, key) != NULL;

        free(key);
        if (!dup) {
            print_event(stdout, f->format, r);
        }
    }
    return 0;
}

static json_t *live_params(const json_t *p)
{
    json_t *lp = json_object();
    json_t *v;

    json_object_set_new(lp, "logGroupIdentifiers", json_pack(
        "[O]", json_object_get(p, "logGroupName")));
    if ((v = json_object_get(p, "logStreamNames"))) {
        json_object_set(lp, "logStreamNames", v);
    }
    if ((v = json_object_get(p, "logStreamNamePrefix"))) {
        json_object_set_new(lp, "logStreamNamePrefixes", json_pack("[O]",
                                                                   v));
    }
    if ((v = json_object_get(p, "filterPattern"))) {
        json_object_set(lp, "logEventFilterPattern", v);
    }
    return lp;
}

int lv_cli_tail(struct lv_cli *c, int argc, char **argv)
{
    struct lv_cli_opt opts[OPT__COUNT] = {
        [OPT_GROUP] = { .name = "group_name", .member = "logGroupName",
                        .required = 1 },
        [OPT_SINCE] = { .name = "--since" },
        [OPT_FOLLOW] = { .name = "--follow", .flag = 1 },
        [OPT_FORMAT] = { .name = "--format", .choices = formats },
        [OPT_PATTERN] = { .member = "filterPattern" },
        [OPT_NAMES] = { .member = "logStreamNames" },
        [OPT_PREFIX] = { .member = "logStreamNamePrefix" },
    };
    const char *since, *format;
    json_t *params = NULL, *lp = NULL;
    struct follow f;
    long long start;
    int rc;

    memset(&f, 0, sizeof(f));
    rc = lv_cli_parse_command(c, opts, OPT__COUNT, argc, argv, &params);
    if (rc == 1) {
        /* TailCommand.DESCRIPTION and the synopsis of its ARG_TABLE */
        printf("tail\n\nDESCRIPTION\n       Tails the logs for a "
               "CloudWatch Logs group. By default, the command\n"
               "       returns logs from all associated CloudWatch Logs "
               "streams during the\n       past ten minutes. Note that "
               "there is no guarantee for exact timestamp\n       "
               "ordering of logs.\n\nSYNOPSIS\n            tail\n          "
               "<group_name>\n          [--since <value>]\n          "
               "[--follow]\n          [--format <value>]\n          "
               "[--filter-pattern <value>]\n          "
               "[--log-stream-names <value> [<value>...]]\n          "
               "[--log-stream-name-prefix <value>]\n");
        rc = 0;
        goto out;
    }
    if (rc) {
        goto out;
    }
    since = opts[OPT_SINCE].value ? opts[OPT_SINCE].value : "10m";
    format = opts[OPT_FORMAT].value ? opts[OPT_FORMAT].value : "detailed";
    if (lv_cli_since_millis(since, &start) < 0) {
        rc = lv_cli_fail(LV_CLI_RC_GENERAL, "Invalid timestamp \"%s\": "
                         "Unknown string format: %s", since, since);
        goto out;
    }
    if ((rc = lv_cli_prepare(c)) || (rc = lv_cli_need_creds(c))) {
        goto out;
    }
    lp = live_params(params);
    json_object_set_new(params, "interleaved", json_true());
    json_object_set_new(params, "startTime", json_integer(start));
    if (!opts[OPT_FOLLOW].value) {
        rc = history(c, params, format, NULL);
        goto out;
    }
    f.c = c;
    f.hist = params;
    f.format = format;
    f.keys = json_object();
    rc = lv_cli_live_stream(c, lp, on_live, &f);
out:
    json_decref(params);
    json_decref(lp);
    json_decref(f.keys);
    return rc;
}
