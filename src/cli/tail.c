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
 * members, typed and validated by the model. Between polls it sleeps in
 * ppoll, which SIGINT ends at once.
 */
#include "cli/cli_int.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* Set by SIGINT under --follow: the only way out of it, as in the AWS
 * CLI (which then exits 0). */
static volatile sig_atomic_t stop;

static void on_int(int sig)
{
    (void)sig;
    stop = 1;
}

/* The rows of awscli's TailCommand.ARG_TABLE, in its order. */
enum { OPT_GROUP, OPT_SINCE, OPT_FOLLOW, OPT_FORMAT, OPT_PATTERN,
       OPT_NAMES, OPT_PREFIX, OPT__COUNT };

static const char *const formats[] = { "detailed", "short", "json", NULL };

/*
 * Waits up to `ms` milliseconds or until SIGINT, whichever comes first.
 * SIGINT is blocked outside this wait (see lv_cli_tail), so ppoll's
 * atomic unblock-and-wait cannot miss one that arrives just before it.
 */
static void wait_or_interrupt(const sigset_t *unblocked, long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    if (!stop) {
        ppoll(NULL, 0, &ts, unblocked);
    }
}

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
    json_t *params = NULL, *seen = NULL, *resp = NULL;
    long long start;
    int follow = 0, rc;
    sigset_t intr, orig, unblocked;

    sigemptyset(&intr);
    sigaddset(&intr, SIGINT);
    sigemptyset(&orig);

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
    follow = opts[OPT_FOLLOW].value != NULL;
    if (lv_cli_since_millis(since, &start) < 0) {
        rc = lv_cli_fail(LV_CLI_RC_GENERAL, "Invalid timestamp \"%s\": "
                         "Unknown string format: %s", since, since);
        goto out;
    }
    if ((rc = lv_cli_prepare(c)) || (rc = lv_cli_need_creds(c))) {
        goto out;
    }
    json_object_set_new(params, "interleaved", json_true());
    json_object_set_new(params, "startTime", json_integer(start));
    if (follow) {
        signal(SIGINT, on_int);
        sigprocmask(SIG_BLOCK, &intr, &orig);
    }
    unblocked = orig;
    sigdelset(&unblocked, SIGINT);
    seen = json_object();   /* newest timestamp's event ids (follow) */
    while (!stop) {
        json_t *events, *ev, *tok;
        size_t k;

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
        /* FollowLogEventsGenerator._TIME_TO_SLEEP */
        wait_or_interrupt(&unblocked, 5000);
    }
    rc = 0;
out:
    if (follow) {
        sigprocmask(SIG_SETMASK, &orig, NULL);
    }
    json_decref(params);
    json_decref(seen);
    json_decref(resp);
    return rc;
}
