/*
 * cli: the client's main line, as awscli/clidriver.py runs a command —
 * global options (anywhere on the line), the operation, its arguments
 * (args.c), configuration (config.c), the call or the pages (send.c,
 * paginate.c), the response shaped as botocore parses it, --query
 * (cli/jmespath), the output format (cli/output) — and the error
 * handlers' messages and exit codes (awscli/errorhandler.py). Besides
 * the model's operations, `logs tail` (tail.c), `logs query` (query.c)
 * and `kms explain` (explain.c).
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include <curl/curl.h>

#include "cli/cli_int.h"
#include "cli/jmespath.h"
#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

static const char USAGE[] =
    "usage: logvault [options] <command> <subcommand> [<subcommand> ...] "
    "[parameters]\nTo see help text, you can run:\n\n  logvault help\n"
    "  logvault <command> help\n  logvault <command> <subcommand> help\n";

int lv_cli_usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n%s\nlogvault: error: ", USAGE);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n\n", stderr);
    return LV_CLI_RC_USAGE;
}

int lv_cli_fail(int rc, const char *fmt, ...)
{
    va_list ap;

    fputc('\n', stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return rc;
}

void lv_cli_debug(const struct lv_cli *c, const char *fmt, ...)
{
    va_list ap;
    char when[32];
    struct timespec ts;
    struct tm tm;

    if (!c->debug) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(stderr, "%s,%03ld - MainThread - logvault - DEBUG - ", when,
            ts.tv_nsec / 1000000);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- response shaping (botocore/parsers.py, timestampformat.py) ------ */

/* Python's datetime.fromtimestamp(v, tzlocal()).isoformat(). */
static json_t *iso_time(double v)
{
    char date[40], out[128];
    double whole = floor(v);
    long usec = lround((v - whole) * 1e6);
    time_t t = (time_t)whole;
    struct tm tm;
    int off;

    if (usec >= 1000000) {
        t += 1;
        usec -= 1000000;
    }
    localtime_r(&t, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    off = (int)(tm.tm_gmtoff % 86400);
    if (usec) {
        snprintf(out, sizeof(out), "%s.%06ld%c%02d:%02d", date, usec,
                 off < 0 ? '-' : '+', abs(off) / 3600,
                 (abs(off) % 3600) / 60);
    } else {
        snprintf(out, sizeof(out), "%s%c%02d:%02d", date,
                 off < 0 ? '-' : '+', abs(off) / 3600,
                 (abs(off) % 3600) / 60);
    }
    return json_string(out);
}

json_t *lv_cli_shape_output(const struct lv_service *svc, int shape,
                            const json_t *v)
{
    const struct lv_shape *sh;
    json_t *out, *x;
    const char *k;
    size_t i;
    int j;

    if (shape < 0) {
        return json_object();
    }
    sh = &svc->shapes[shape];
    switch (sh->type) {
    case LV_T_STRUCT:
        if (!json_is_object(v)) {
            return json_deep_copy(v);
        }
        out = json_object();
        for (j = 0; j < sh->n_members; j++) {
            x = json_object_get(v, sh->members[j].name);
            if (x && !json_is_null(x)) {
                json_object_set_new(out, sh->members[j].name,
                                    lv_cli_shape_output(
                                        svc, sh->members[j].shape, x));
            }
        }
        return out;
    case LV_T_LIST:
        if (!json_is_array(v)) {
            return json_deep_copy(v);
        }
        out = json_array();
        json_array_foreach(v, i, x) {
            json_array_append_new(out, lv_cli_shape_output(svc, sh->member,
                                                           x));
        }
        return out;
    case LV_T_MAP:
        if (!json_is_object(v)) {
            return json_deep_copy(v);
        }
        out = json_object();
        json_object_foreach((json_t *)v, k, x) {
            json_object_set_new(out, k, lv_cli_shape_output(svc, sh->value,
                                                            x));
        }
        return out;
    case LV_T_TIMESTAMP:
        if (json_is_number(v)) {
            return iso_time(json_number_value(v));
        }
        if (json_is_string(v)) {
            char *end;
            double d = strtod(json_string_value(v), &end);
            if (end != json_string_value(v) && *end == '\0') {
                return iso_time(d);
            }
        }
        return json_deep_copy(v);
    default:
        return json_deep_copy(v);
    }
}

int lv_cli_print(const struct lv_cli *c, const json_t *v, const char *title)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *q = NULL;
    int rc = 0;

    if (c->query) {
        q = lv_jmespath_search(c->query, v, &err);
        if (!q) {
            return lv_cli_fail(LV_CLI_RC_GENERAL, "%s", err.msg);
        }
        v = q;
    }
    if (lv_output_write(stdout, v, c->cfg.output, title) < 0) {
        rc = LV_CLI_RC_GENERAL;
    }
    fflush(stdout);
    json_decref(q);
    return rc;
}

/* ---- global options (awscli/data/cli.json) --------------------------- */

static const char *const VALUE_GLOBALS[] = {
    "--endpoint-url", "--region", "--profile", "--output", "--query",
    "--cli-read-timeout", "--cli-connect-timeout", "--color", "--ca-bundle",
    "--cli-binary-format", NULL,
};
static const char *const FLAG_GLOBALS[] = {
    "--debug", "--no-paginate", "--no-verify-ssl", "--no-sign-request",
    "--no-cli-pager", "--cli-auto-prompt", "--no-cli-auto-prompt", NULL,
};

int lv_cli_global_arity(const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);

    for (int j = 0; FLAG_GLOBALS[j]; j++) {
        if (strcmp(arg, FLAG_GLOBALS[j]) == 0) {
            return 0;
        }
    }
    for (int k = 0; VALUE_GLOBALS[k]; k++) {
        if (strlen(VALUE_GLOBALS[k]) == nl &&
            strncmp(arg, VALUE_GLOBALS[k], nl) == 0) {
            return eq ? 0 : 1;
        }
    }
    return -1;
}

static int set_global(struct lv_cli *c, const char *name, const char *v)
{
    char *end;
    long n;

    if (strcmp(name, "--endpoint-url") == 0) {
        c->endpoint_url = v;
    } else if (strcmp(name, "--region") == 0) {
        c->region = v;
    } else if (strcmp(name, "--profile") == 0) {
        c->profile = v;
    } else if (strcmp(name, "--ca-bundle") == 0) {
        c->ca_bundle = v;
    } else if (strcmp(name, "--output") == 0) {
        if (strcmp(v, "json") && strcmp(v, "text") && strcmp(v, "table") &&
            strcmp(v, "yaml") && strcmp(v, "yaml-stream")) {
            return lv_cli_usage_error(
                "argument --output: Invalid choice, valid choices are:\n\n"
                "%-40s | %-40s\n%-40s | %-40s\n%-40s", "json", "text",
                "table", "yaml", "yaml-stream");
        }
        c->output = v;
    } else if (strcmp(name, "--query") == 0) {
        /* A bad expression is a usage error found before any request is
         * sent, as the AWS CLI's argument parser does. */
        struct lv_err qerr = LV_ERR_INIT;
        struct lv_jmespath *jq = lv_jmespath_compile(v, &qerr);

        if (!jq) {
            return lv_cli_fail(LV_CLI_RC_USAGE,
                               "\nBad value for --query %s: %s", v,
                               qerr.msg);
        }
        lv_jmespath_free(jq);
        c->query = v;
    } else if (strcmp(name, "--cli-read-timeout") == 0 ||
               strcmp(name, "--cli-connect-timeout") == 0) {
        n = strtol(v, &end, 10);
        if (end == v || *end || n < 0) {
            return lv_cli_usage_error("argument %s: invalid int value: '%s'",
                                      name, v);
        }
        if (name[6] == 'r') {
            c->read_timeout = n;
        } else {
            c->connect_timeout = n ? n : 0;
        }
    } else if (strcmp(name, "--color") == 0) {
        if (strcmp(v, "on") && strcmp(v, "off") && strcmp(v, "auto")) {
            return lv_cli_usage_error(
                "argument --color: Invalid choice, valid choices are:\n\n"
                "%-40s | %-40s\n%-40s", "on", "off", "auto");
        }
    }
    return 0;
}

/* Removes the global options from argv (in place); returns the new argc
 * or -rc on a usage error. */
static int take_globals(struct lv_cli *c, int argc, char **argv)
{
    int i, j, k, out = 0, rc;

    for (i = 0; i < argc; i++) {
        const char *s = argv[i];
        const char *eq = strchr(s, '=');
        size_t nl = eq && s[0] == '-' ? (size_t)(eq - s) : strlen(s);
        int matched = 0;

        for (j = 0; FLAG_GLOBALS[j]; j++) {
            if (strcmp(s, FLAG_GLOBALS[j]) == 0) {
                matched = 1;
                if (strcmp(s, "--debug") == 0) {
                    c->debug = 1;
                } else if (strcmp(s, "--no-paginate") == 0) {
                    c->no_paginate = 1;
                } else if (strcmp(s, "--no-verify-ssl") == 0) {
                    c->no_verify_ssl = 1;
                }
            }
        }
        for (k = 0; !matched && VALUE_GLOBALS[k]; k++) {
            if (strlen(VALUE_GLOBALS[k]) == nl &&
                strncmp(s, VALUE_GLOBALS[k], nl) == 0) {
                const char *v;
                matched = 1;
                if (eq) {
                    v = eq + 1;
                } else if (i + 1 < argc && (argv[i + 1][0] != '-' ||
                                            argv[i + 1][1] == '\0')) {
                    v = argv[++i];
                } else {
                    return -lv_cli_usage_error(
                        "argument %s: expected one argument",
                        VALUE_GLOBALS[k]);
                }
                if ((rc = set_global(c, VALUE_GLOBALS[k], v))) {
                    return -rc;
                }
            }
        }
        if (!matched) {
            argv[out++] = argv[i];
        }
    }
    return out;
}

/* argparse's "Invalid choice" for the operation, in two columns. */
static int invalid_choice(const struct lv_cli *c, const char *name)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    /* logs has two commands of its own after the model's: tail, query */
    int n = c->svc->n_ops, extra = strcmp(c->svc->name, "logs") == 0 ? 2 : 0;
    int total = n + extra + 1, i, rc;

    (void)name;
    for (i = 0; i < total; i++) {
        const char *ch = i < n ? c->docs->ops[i].cli_name
                       : (extra && i == n) ? "tail"
                       : (extra && i == n + 1) ? "query" : "help";
        if (i % 2 == 0) {
            lv_buf_addf(&b, "\n%-40s", ch);
        } else {
            lv_buf_addf(&b, " | %-40s", ch);
        }
    }
    rc = lv_cli_usage_error("argument operation: Invalid choice, valid "
                            "choices are:\n%s", b.data);
    lv_buf_release(&b);
    return rc;
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

int lv_cli_prepare(struct lv_cli *c)
{
    struct lv_cli_given g = { c->profile, c->region, c->endpoint_url,
                              c->output, c->ca_bundle };
    struct lv_err err = LV_ERR_INIT;

    if (lv_cli_config_load(&c->cfg, c->svc->name, &g, env_get, &err) < 0) {
        return lv_cli_fail(LV_CLI_RC_GENERAL, "%s", err.msg);
    }
    lv_cli_config_first_run(&c->cfg);
    lv_cli_debug(c, "profile=%s region=%s endpoint=%s output=%s "
                 "credentials=%s", c->cfg.profile,
                 c->cfg.region ? c->cfg.region : "(none)", c->cfg.endpoint,
                 c->cfg.output,
                 c->cfg.creds_source ? c->cfg.creds_source : "(none)");
    if (!c->cfg.region) {
        return lv_cli_fail(LV_CLI_RC_CONFIG, "You must specify a region. "
                           "You can also configure your region by running "
                           "\"aws configure\".");
    }
    return 0;
}

int lv_cli_need_creds(const struct lv_cli *c)
{
    if (!c->cfg.access_key) {
        return lv_cli_fail(LV_CLI_RC_CONFIG, "Unable to locate credentials. "
                           "You can configure credentials by running "
                           "\"aws configure\".");
    }
    return 0;
}

int lv_cli_main(int argc, char **argv)
{
    struct lv_cli c;
    char **args = NULL;
    json_t *params = NULL, *result = NULL, *shaped = NULL;
    int n, idx, rc = LV_CLI_RC_GENERAL;

    memset(&c, 0, sizeof(c));
    c.read_timeout = 60;
    c.connect_timeout = 60;
    lv_cli_config_init(&c.cfg);
    if (strcmp(argv[0], "logs") == 0) {
        c.svc = &lv_model_logs;
        c.docs = &lv_docs_logs;
    } else if (strcmp(argv[0], "cloudtrail") == 0) {
        c.svc = &lv_model_cloudtrail;
        c.docs = &lv_docs_cloudtrail;
    } else {
        c.svc = &lv_model_kms;
        c.docs = &lv_docs_kms;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    args = lv_xcalloc((size_t)argc + 1, sizeof(char *));
    memcpy(args, argv + 1, sizeof(char *) * (size_t)(argc - 1));
    n = take_globals(&c, argc - 1, args);
    if (n < 0) {
        rc = -n;
        goto out;
    }
    if (n == 0) {
        rc = lv_cli_usage_error("the following arguments are required: "
                                "operation");
        goto out;
    }
    if (strcmp(args[0], "help") == 0 || strcmp(args[0], "--help") == 0) {
        rc = lv_cli_help(&c, stdout);
        goto out;
    }
    if (strcmp(args[0], "tail") == 0 && strcmp(c.svc->name, "logs") == 0) {
        idx = lv_model_find_op(c.svc, "FilterLogEvents", 15) - c.svc->ops;
        c.op = &c.svc->ops[idx];
        c.opd = &c.docs->ops[idx];
        rc = lv_cli_tail(&c, n - 1, args + 1);
        goto out;
    }
    if (strcmp(args[0], "start-live-tail") == 0 &&
        strcmp(c.svc->name, "logs") == 0) {
        idx = lv_model_find_op(c.svc, "StartLiveTail", 13) - c.svc->ops;
        c.op = &c.svc->ops[idx];
        c.opd = &c.docs->ops[idx];
        rc = lv_cli_live_tail(&c, n - 1, args + 1);
        goto out;
    }
    if (strcmp(args[0], "query") == 0 && strcmp(c.svc->name, "logs") == 0) {
        idx = lv_model_find_op(c.svc, "StartQuery", 10) - c.svc->ops;
        c.op = &c.svc->ops[idx];
        c.opd = &c.docs->ops[idx];
        rc = lv_cli_query(&c, n - 1, args + 1);
        goto out;
    }
    if (strcmp(args[0], "explain") == 0 && strcmp(c.svc->name, "kms") == 0) {
        rc = lv_cli_kms_explain(&c, n - 1, args + 1);
        goto out;
    }
    idx = lv_cli_find_op(c.docs, args[0]);
    if (idx < 0) {
        rc = invalid_choice(&c, args[0]);
        goto out;
    }
    c.op = &c.svc->ops[idx];
    c.opd = &c.docs->ops[idx];
    rc = lv_cli_parse_args(&c, n - 1, args + 1, &params);
    if (rc == 1) {
        rc = lv_cli_help(&c, stdout);
        goto out;
    }
    if (rc) {
        goto out;
    }
    if ((rc = lv_cli_prepare(&c)) || (rc = lv_cli_need_creds(&c))) {
        goto out;
    }
    if (c.no_paginate && (c.starting_token || c.page_size || c.max_items)) {
        struct lv_buf b = LV_BUF_INIT((size_t)-1);
        if (c.starting_token) {
            lv_buf_adds(&b, "--starting-token");
        }
        if (c.page_size) {
            lv_buf_addf(&b, "%s--page-size", b.len ? ", " : "");
        }
        if (c.max_items) {
            lv_buf_addf(&b, "%s--max-items", b.len ? ", " : "");
        }
        rc = lv_cli_fail(LV_CLI_RC_USAGE, "Cannot specify --no-paginate "
                         "along with pagination arguments: %s", b.data);
        lv_buf_release(&b);
        goto out;
    }
    rc = lv_cli_paginate(&c, params, &result);
    if (rc) {
        goto out;
    }
    rc = lv_cli_print(&c, result, c.op->name);
out:
    json_decref(params);
    json_decref(result);
    json_decref(shaped);
    lv_cli_http_free(c.http);
    lv_cli_config_release(&c.cfg);
    free(args);
    curl_global_cleanup();
    return rc;
}
