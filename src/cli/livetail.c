/*
 * cli/livetail: `logvault logs start-live-tail`, the AWS CLI v2's
 * StartLiveTailCommand (awscli/customizations/logs/startlivetail.py) in
 * its print-only mode: StartLiveTail, then each event's message on a line
 * of its own as the updates arrive, until the session ends or SIGINT
 * (exit 0 either way). A stream exception (the session timed out, a key
 * that can no longer be used) is printed as botocore words it, on stdout
 * as the AWS CLI does, and ends the command with 0. The interactive mode
 * (a full-screen UI) is not offered.
 *
 * lv_cli_live_stream is the part `logs tail --follow` shares (tail.c).
 */
#include "cli/cli_int.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

static volatile sig_atomic_t stop;

static void on_int(int sig)
{
    (void)sig;
    stop = 1;
}

struct live {
    struct lv_cli *c;
    lv_cli_live_fn fn;
    void *arg;
};

static int on_message(void *arg, const char *kind, const char *type,
                      const char *payload, size_t n)
{
    struct live *lv = arg;
    json_t *doc = NULL;
    int rc = 0;

    if (strcmp(kind, "event") != 0) {
        const char *msg = "";

        if (strcmp(kind, "exception") == 0) {
            doc = json_loadb(payload, n, 0, NULL);
            msg = json_string_value(json_object_get(doc, "message"));
            if (!msg) {
                msg = json_string_value(json_object_get(doc, "Message"));
            }
            printf("An error occurred (%s) when calling the StartLiveTail "
                   "operation: %s\n", type, msg ? msg : "");
        } else {
            printf("An error occurred (%s) when calling the StartLiveTail "
                   "operation: %.*s\n", type, (int)n, payload);
        }
        fflush(stdout);
        json_decref(doc);
        return LV_CLI_RC_STREAM_END;
    }
    doc = json_loadb(payload, n, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return lv_cli_fail(LV_CLI_RC_GENERAL, "Unable to parse the %s "
                           "event (not valid JSON)", type);
    }
    rc = lv->fn(lv->arg, type, doc);
    json_decref(doc);
    return rc;
}

int lv_cli_live_stream(struct lv_cli *c, const json_t *params,
                       lv_cli_live_fn fn, void *arg)
{
    struct live lv = { c, fn, arg };
    sigset_t intr, orig;
    void (*old)(int);
    int rc;

    stop = 0;
    old = signal(SIGINT, on_int);
    sigemptyset(&intr);
    sigaddset(&intr, SIGINT);
    sigprocmask(SIG_UNBLOCK, &intr, &orig);
    rc = lv_cli_call_stream(c, "StartLiveTail", params, on_message, &lv,
                            &stop);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    signal(SIGINT, old);
    return rc == LV_CLI_RC_STREAM_END ? 0 : rc;
}

static int print_messages(void *arg, const char *type, const json_t *ev)
{
    const json_t *results, *r;
    size_t i;

    (void)arg;
    if (strcmp(type, "sessionUpdate") != 0) {
        return 0;
    }
    results = json_object_get(ev, "sessionResults");
    json_array_foreach(results, i, r) {
        const char *m = json_string_value(json_object_get(r, "message"));

        printf("%s\n", m ? m : "");
    }
    fflush(stdout);
    return 0;
}

/* The rows of StartLiveTailCommand.ARG_TABLE, in its order. */
enum { OPT_GROUPS, OPT_NAMES, OPT_PREFIXES, OPT_PATTERN, OPT_MODE,
       OPT__COUNT };

static const char *const modes[] = { "interactive", "print-only", NULL };

int lv_cli_live_tail(struct lv_cli *c, int argc, char **argv)
{
    struct lv_cli_opt opts[OPT__COUNT] = {
        [OPT_GROUPS] = { .member = "logGroupIdentifiers", .required = 1 },
        [OPT_NAMES] = { .member = "logStreamNames" },
        [OPT_PREFIXES] = { .member = "logStreamNamePrefixes" },
        [OPT_PATTERN] = { .member = "logEventFilterPattern" },
        [OPT_MODE] = { .name = "--mode", .choices = modes },
    };
    json_t *params = NULL;
    int rc;

    rc = lv_cli_parse_command(c, opts, OPT__COUNT, argc, argv, &params);
    if (rc == 1) {
        printf("start-live-tail\n\nDESCRIPTION\n       Starts a Live Tail "
               "streaming session for one or more log groups\n       and "
               "prints each log event's message as it arrives, until\n"
               "       the session ends (at most 3 hours) or Ctrl-C.\n\n"
               "SYNOPSIS\n            start-live-tail\n          "
               "--log-group-identifiers <value> [<value>...]\n          "
               "[--log-stream-names <value> [<value>...]]\n          "
               "[--log-stream-name-prefixes <value> [<value>...]]\n"
               "          [--log-event-filter-pattern <value>]\n"
               "          [--mode <value>]\n");
        rc = 0;
        goto out;
    }
    if (rc) {
        goto out;
    }
    if (opts[OPT_MODE].value &&
        strcmp(opts[OPT_MODE].value, "interactive") == 0) {
        rc = lv_cli_fail(LV_CLI_RC_USAGE, "--mode interactive is not "
                         "offered by logvault; use --mode print-only");
        goto out;
    }
    if ((rc = lv_cli_prepare(c)) || (rc = lv_cli_need_creds(c))) {
        goto out;
    }
    rc = lv_cli_live_stream(c, params, print_messages, NULL);
out:
    json_decref(params);
    return rc;
}
