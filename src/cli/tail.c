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
 */
#include "cli/cli_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

static volatile sig_atomic_t stop;

static const char *env_get(const char *name)
{
    return getenv(name);
}

static void on_int(int sig)
{
    (void)sig;
    stop = 1;
}

static int since_millis(const char *s, long long *out)
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

int lv_cli_tail(struct lv_cli *c, int argc, char **argv)
{
    const char *group = NULL, *since = "10m", *pattern = NULL;
    const char *format = "detailed", *prefix = NULL;
    json_t *params = json_object(), *streams = NULL, *seen = NULL;
    json_t *resp = NULL;
    long long start;
    int follow = 0, i, rc = 0;
    struct lv_buf unknown = LV_BUF_INIT((size_t)-1);

    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc && argv[i + 1][0] != '-';
        if (strcmp(a, "--follow") == 0) {
            follow = 1;
        } else if (strcmp(a, "--since") == 0 || strcmp(a, "--filter-pattern")
                   == 0 || strcmp(a, "--format") == 0 ||
                   strcmp(a, "--log-stream-name-prefix") == 0) {
            if (!(i + 1 < argc)) {
                rc = lv_cli_usage_error("argument %s: expected one argument",
                                        a);
                goto out;
            }
            if (a[2] == 's') {
                since = argv[++i];
            } else if (a[4] == 'l') {
                pattern = argv[++i];
            } else if (a[4] == 'r') {
                format = argv[++i];
                if (strcmp(format, "detailed") && strcmp(format, "short") &&
                    strcmp(format, "json")) {
                    rc = lv_cli_usage_error(
                        "argument --format: Invalid choice, valid choices "
                        "are:\n\n%-40s | %-40s\n%-40s", "detailed", "short",
                        "json");
                    goto out;
                }
            } else {
                prefix = argv[++i];
            }
        } else if (strcmp(a, "--log-stream-names") == 0) {
            if (!has_next) {
                rc = lv_cli_usage_error("argument --log-stream-names: "
                                        "expected at least one argument");
                goto out;
            }
            json_decref(streams);
            streams = json_array();
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                json_array_append_new(streams, json_string(argv[++i]));
            }
        } else if (strcmp(a, "help") == 0 || strcmp(a, "--help") == 0) {
            printf("tail\n\nDESCRIPTION\n       Tails the logs for a "
                   "CloudWatch Logs group. You can specify\n       the "
                   "number of log events to display and the format of the "
                   "output.\n\nSYNOPSIS\n            tail\n          "
                   "<group_name>\n          [--since <value>]\n          "
                   "[--follow | --no-follow]\n          [--format "
                   "<value>]\n          [--filter-pattern <value>]\n    "
                   "      [--log-stream-names <value> [<value>...]]\n    "
                   "      [--log-stream-name-prefix <value>]\n");
            goto out;
        } else if (strcmp(a, "--no-follow") == 0) {
            follow = 0;
        } else if (a[0] != '-' && !group) {
            group = a;
        } else {
            lv_buf_addf(&unknown, "%s%s", unknown.len ? ", " : "", a);
        }
    }
    if (!group) {
        rc = lv_cli_usage_error("the following arguments are required: "
                                "group_name");
        goto out;
    }
    if (unknown.len) {
        fprintf(stderr, "\nusage: logvault [options] <command> <subcommand> "
                "[<subcommand> ...] [parameters]\nTo see help text, you can "
                "run:\n\n  logvault help\n  logvault <command> help\n  "
                "logvault <command> <subcommand> help\n\nUnknown options: "
                "%s\n\n", unknown.data);
        rc = LV_CLI_RC_USAGE;
        goto out;
    }
    if (since_millis(since, &start) < 0) {
        rc = lv_cli_fail(LV_CLI_RC_GENERAL, "Invalid timestamp \"%s\": "
                         "Unknown string format: %s", since, since);
        goto out;
    }
    {
        struct lv_cli_given g = { c->profile, c->region, c->endpoint_url,
                                  c->output };
        struct lv_err err = LV_ERR_INIT;
        if (lv_cli_config_load(&c->cfg, "logs", &g,
                               env_get, &err) < 0) {
            rc = lv_cli_fail(LV_CLI_RC_GENERAL, "%s", err.msg);
            goto out;
        }
    }
    if (!c->cfg.region) {
        rc = lv_cli_fail(LV_CLI_RC_CONFIG, "You must specify a region. You "
                         "can also configure your region by running \"aws "
                         "configure\".");
        goto out;
    }
    if (!c->cfg.access_key) {
        rc = lv_cli_fail(LV_CLI_RC_CONFIG, "Unable to locate credentials. "
                         "You can configure credentials by running \"aws "
                         "configure\".");
        goto out;
    }
    json_object_set_new(params, "logGroupName", json_string(group));
    json_object_set_new(params, "interleaved", json_true());
    json_object_set_new(params, "startTime", json_integer(start));
    if (pattern) {
        json_object_set_new(params, "filterPattern", json_string(pattern));
    }
    if (streams) {
        json_object_set(params, "logStreamNames", streams);
    }
    if (prefix) {
        json_object_set_new(params, "logStreamNamePrefix",
                            json_string(prefix));
    }
    if (follow) {
        signal(SIGINT, on_int);
    }
    seen = json_object();   /* newest timestamp's event ids (follow) */
    while (!stop) {
        json_t *events, *ev, *tok;
        size_t k;
        long long newest = -1;

        json_decref(resp);
        resp = NULL;
        if ((rc = lv_cli_call(c, "FilterLogEvents", params, &resp))) {
            goto out;
        }
        events = json_object_get(resp, "events");
        json_array_foreach(events, k, ev) {
            const char *id = json_string_value(json_object_get(ev,
                                                               "eventId"));
            if (follow && id && json_object_get(seen, id)) {
                continue;
            }
            print_event(stdout, format, ev);
            if (follow && id) {
                long long ts = json_integer_value(json_object_get(
                    ev, "timestamp"));
                if (ts > newest) {
                    newest = ts;
                }
                json_object_set_new(seen, id, json_integer(ts));
            }
        }
        tok = json_object_get(resp, "nextToken");
        if (tok && json_is_string(tok)) {
            json_object_set(params, "nextToken", tok);
            continue;
        }
        if (!follow) {
            break;
        }
        /* keep only the ids at the newest timestamp, poll from there */
        {
            const char *id;
            json_t *v, *keep = json_object();
            long long max = -1;
            json_object_foreach(seen, id, v) {
                if (json_integer_value(v) > max) {
                    max = json_integer_value(v);
                }
            }
            json_object_foreach(seen, id, v) {
                if (json_integer_value(v) == max) {
                    json_object_set(keep, id, v);
                }
            }
            json_decref(seen);
            seen = keep;
            if (max >= 0) {
                json_object_set_new(params, "startTime", json_integer(max));
            }
        }
        json_object_del(params, "nextToken");
        for (i = 0; i < 50 && !stop; i++) {
            usleep(100000);
        }
    }
    rc = 0;
out:
    json_decref(params);
    json_decref(streams);
    json_decref(seen);
    json_decref(resp);
    lv_buf_release(&unknown);
    return rc;
}
