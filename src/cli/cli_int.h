/*
 * cli_int: what the files of src/cli share and nothing outside uses — the
 * state of one client run, and the steps cli.c drives: argument parsing
 * (args.c), sending (send.c), pagination (paginate.c), help (help.c),
 * `logs tail` (tail.c) and `logs query` (query.c).
 */
#ifndef LV_CLI_CLI_INT_H
#define LV_CLI_CLI_INT_H

#include <signal.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/config.h"
#include "model/model.h"

struct lv_buf;

/* Exit codes of the AWS CLI v2 (awscli/constants.py). */
#define LV_CLI_RC_USAGE 252
#define LV_CLI_RC_CONFIG 253
#define LV_CLI_RC_CLIENT 254
#define LV_CLI_RC_GENERAL 255

struct lv_cli_http;

struct lv_cli {
    const struct lv_service *svc;
    const struct lv_service_docs *docs;
    const struct lv_op *op;             /* NULL for tail and help */
    const struct lv_op_docs *opd;
    /* global options */
    const char *endpoint_url, *region, *profile, *output, *query;
    int no_paginate;
    int debug;
    const char *ca_bundle;              /* --ca-bundle (cfg has the one
                                         * resolved) */
    int no_verify_ssl;                  /* --no-verify-ssl */
    long read_timeout;                  /* seconds; 0 = none */
    long connect_timeout;
    /* paging options (paginated operations only) */
    const char *starting_token;
    long page_size;                     /* 0 = not given */
    long max_items;                     /* 0 = not given */
    int manual_paging;                  /* the op's own token or limit given */
    struct lv_cli_config cfg;
    struct lv_cli_http *http;
};

/* Prints the AWS CLI's usage block then "logvault: error: MSG" to stderr
 * and returns LV_CLI_RC_USAGE. */
int lv_cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* "\nMSG\n" on stderr, as awscli's error handlers print; returns rc. */
int lv_cli_fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --debug line on stderr (never given secrets). */
void lv_cli_debug(const struct lv_cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * args.c: parses the operation's options (argv after the operation name,
 * globals already removed) into the request JSON, as the AWS CLI does:
 * argparse rules, file:// and fileb://, typed scalars, shorthand and JSON,
 * --cli-input-json, then botocore's client-side parameter validation.
 * Returns 0 with *params (new reference), 1 when the user asked for help
 * (`help` or `--help`), or an exit code > 1 with the error printed.
 */
int lv_cli_parse_args(struct lv_cli *c, int argc, char **argv,
                      json_t **params);

/*
 * One row of a command's own argument table (awscli's BasicCommand
 * ARG_TABLE), for commands the model does not describe (`logs tail`):
 *   - an input member of c->op: `member` set; its type, list-ness and
 *     validation come from the model, its option name from the docs
 *     tables unless `name` is given; the value goes into the request;
 *   - an option of the command's own: `member` NULL, `name` "--since";
 *     `flag` for one that takes no value, `choices` (NULL-terminated) for
 *     one that takes one of a few;
 *   - the positional argument: a `name` without dashes ("group_name"),
 *     filled by the first bare word; with `member`, the value goes there.
 * `required` as argparse's. `value` is written by lv_cli_parse_command.
 */
struct lv_cli_opt {
    const char *name;
    const char *member;
    int flag;
    int required;
    const char *const *choices;
    /* out: an own option's last value (borrowed from argv), a given
     * flag's name, or NULL when not given */
    const char *value;
};

/*
 * Parses a command's arguments as lv_cli_parse_args parses an
 * operation's, from the table `opts` (n_opts rows, c->op the operation
 * whose members they name) instead of the whole input shape: no
 * --cli-input-json, no paging options; unknown options are reported as
 * awscli reports a command's ("Unknown options: a,b", exit 252) once
 * the known ones are unpacked. Same returns as lv_cli_parse_args; *params
 * holds the members given, validated against c->op's input shape.
 */
int lv_cli_parse_command(struct lv_cli *c, struct lv_cli_opt *opts,
                         size_t n_opts, int argc, char **argv,
                         json_t **params);

/* xform_name's inverse lookups: the operation whose CLI name is `name`. */
int lv_cli_find_op(const struct lv_service_docs *d, const char *name);

/*
 * send.c: one signed POST of `params` for operation `opname`. On HTTP 200
 * returns 0 with *resp (the parsed body, key order kept; {} for an empty
 * body). On a service error prints the AWS CLI's message and returns 254;
 * on a connection failure 255. Retries as botocore's standard mode does.
 */
int lv_cli_call(struct lv_cli *c, const char *opname, const json_t *params,
                json_t **resp);
void lv_cli_http_free(struct lv_cli_http *h);

/*
 * An event-stream message of a streamed answer: kind "event" (type its
 * :event-type), "exception" (its :exception-type, payload its JSON) or
 * "error" (its :error-code, payload its :error-message). Returns 0 to go
 * on, or an exit code to end the stream with.
 */
typedef int (*lv_cli_event_fn)(void *arg, const char *kind,
                               const char *type, const char *payload,
                               size_t n);

/*
 * send.c: one signed POST of `params` for an operation that answers with
 * an event stream (StartLiveTail): errors before the stream as
 * lv_cli_call's; then every message but initial-response goes to fn
 * until the server ends the stream (0), fn returns an exit code (that
 * code), *stop becomes non-zero (0: SIGINT) or the connection breaks
 * (255, printed). A stream that began is never sent again.
 */
int lv_cli_call_stream(struct lv_cli *c, const char *opname,
                       const json_t *params, lv_cli_event_fn fn, void *arg,
                       const volatile sig_atomic_t *stop);

/* What an lv_cli_event_fn returns to end a stream that it reported
 * itself (not an exit code: the command then exits 0). */
#define LV_CLI_RC_STREAM_END (-2)

/*
 * livetail.c: runs a StartLiveTail session with `params`, handing fn each
 * event's type ("sessionStart", "sessionUpdate") and parsed JSON, until
 * the server ends it, a stream exception (printed on stdout as botocore
 * words it), SIGINT — all three 0 — or fn returns an exit code. SIGINT
 * is caught only while it runs.
 */
typedef int (*lv_cli_live_fn)(void *arg, const char *type, const json_t *ev);
int lv_cli_live_stream(struct lv_cli *c, const json_t *params,
                       lv_cli_live_fn fn, void *arg);

/* `logs start-live-tail` (livetail.c). */
int lv_cli_live_tail(struct lv_cli *c, int argc, char **argv);

/*
 * Converts a response as botocore parses it under `shape`: only the
 * model's members, in model order; timestamps as ISO 8601 with the local
 * offset (cli_timestamp_format iso8601). Returns a new reference.
 */
json_t *lv_cli_shape_output(const struct lv_service *svc, int shape,
                            const json_t *v);

/*
 * cli.c: loads the configuration for c->svc (profile, region, endpoint,
 * output; --debug shows what was found) and requires a region; then
 * lv_cli_need_creds requires credentials. Each returns 0, or the exit
 * code with the AWS CLI's message printed.
 */
int lv_cli_prepare(struct lv_cli *c);
int lv_cli_need_creds(const struct lv_cli *c);

/* paginate.c: the full result of a paginated operation (pages merged as
 * botocore's build_full_result does), or one call when paging is off.
 * Same returns as lv_cli_call. */
int lv_cli_paginate(struct lv_cli *c, json_t *params, json_t **result);

/* help.c: prints help for the service (op NULL) or an operation. */
int lv_cli_help(const struct lv_cli *c, FILE *out);

/* tail.c: `logs tail`. argv after "tail". Returns the exit code. */
int lv_cli_tail(struct lv_cli *c, int argc, char **argv);

/*
 * tail.c: a time as `logs tail --since` takes it — Ns|m|h|d|w ago (from
 * now), epoch seconds, or an ISO 8601 time (YYYY-MM-DD[THH:MM:SS], UTC,
 * optionally ending Z or +00:00) — into *out as epoch milliseconds.
 * 0, or -1 when `s` is none of these (*out untouched).
 */
int lv_cli_since_millis(const char *s, long long *out);

/* query.c: `logs query`, logvault's Logs Insights command (StartQuery,
 * then GetQueryResults until the query ends). argv after "query".
 * Returns the exit code. */
int lv_cli_query(struct lv_cli *c, int argc, char **argv);

/* help.c: the help text of `logs query` (it has no model entry). */
void lv_cli_help_query(FILE *out);

/* explain.c: `kms explain`, logvault's key-policy explainer. argv after
 * "explain". Returns the exit code. */
int lv_cli_kms_explain(struct lv_cli *c, int argc, char **argv);

/* cli.c: --query and --output applied to `v`, written to stdout. */
int lv_cli_print(const struct lv_cli *c, const json_t *v, const char *title);

#endif
