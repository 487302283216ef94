/*
 * cli/query: `logvault logs query GROUP... --query-string Q`, logvault's
 * own Logs Insights command beside the model's start-query and
 * get-query-results, which it chains as a user would:
 *
 *   1. StartQuery over the groups (names or ARNs, as
 *      logGroupIdentifiers; none when the query names its groups with
 *      SOURCE), from --since (default 1h, the console's default range;
 *      the forms `logs tail --since` takes) to now, or from --start-time
 *      to --end-time (same forms; --end-time defaults to now);
 *   2. GetQueryResults until the status is terminal, waiting 0.5 s after
 *      the first poll and half as long again after each one, up to 2 s;
 *      on a terminal stderr it shows one line of progress (status,
 *      records and bytes scanned, elapsed) and clears it at the end;
 *   3. Complete: the results (every page, when the answer carries a
 *      nextToken) as a table (the default), text or JSON (--output).
 *      Failed, Cancelled, Timeout or Unknown: that status on stderr and
 *      exit 254, the AWS CLI's exit code for an error the service
 *      reported.
 *
 * SIGINT (Ctrl-C) while the query runs sends StopQuery for it, then exits
 * 130 as the AWS CLI does on KeyboardInterrupt. SIGINT is blocked except
 * while waiting between polls (ppoll), so it never cuts a request short.
 *
 * Output:
 *   table — one column per result field, in order of first appearance
 *           over the rows; @ptr is left out unless --show-ptr (it is an
 *           opaque handle for get-log-record, and as wide as a message);
 *           a row without a field has an empty cell;
 *   text  — the same cells, one line per row, tab-separated, no header;
 *   json  — the GetQueryResults response as `get-query-results` prints
 *           it (all fields, @ptr included); --query (JMESPath) applies to
 *           it, and with --query the table and text formats are the AWS
 *           CLI's generic ones over that response too.
 * In table and text cells, a newline, tab or other control character
 * shows as \n, \t, \r or \xNN so that a row stays on one line; values are
 * never cut (pipe through `less -S` for wide ones). The output setting of
 * the profile (json by default) does not apply: only --output on the
 * command line changes the table default.
 */
#include "cli/cli_int.h"

#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/jmespath.h"
#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define DEFAULT_SINCE "1h"
#define POLL_FIRST_MS 500
#define POLL_MAX_MS 2000
/* awscli/errorhandler.py: InterruptExceptionHandler, 128 + SIGINT */
#define RC_INTERRUPTED 130

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
    (void)sig;
    interrupted = 1;
}

enum { OPT_GROUPS, OPT_QUERY, OPT_SINCE, OPT_START, OPT_END, OPT_LIMIT,
       OPT_LANG, OPT_SHOW_PTR, OPT__COUNT };

static const char *const formats[] = { "table", "text", "json", NULL };

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits up to `ms` or until SIGINT (blocked outside this wait, so one
 * that came during a request is taken here at once). */
static void wait_or_interrupt(const sigset_t *unblocked, long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    if (!interrupted) {
        ppoll(NULL, 0, &ts, unblocked);
    }
}

/* ---- progress (stderr on a terminal) ------------------------------------ */

/* 1234567 → "1,234,567" */
static void add_count(struct lv_buf *b, double v)
{
    char digits[32];
    size_t n, i;

    snprintf(digits, sizeof(digits), "%.0f", v < 0 ? 0 : v);
    n = strlen(digits);
    for (i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) {
            lv_buf_addc(b, ',');
        }
        lv_buf_addc(b, digits[i]);
    }
}

static void add_bytes(struct lv_buf *b, double v)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
    size_t u = 0;

    while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000;
        u++;
    }
    lv_buf_addf(b, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static double stat_of(const json_t *resp, const char *name)
{
    json_t *v = json_object_get(json_object_get(resp, "statistics"), name);

    return json_is_number(v) ? json_number_value(v) : 0;
}

struct progress {
    int on;                 /* stderr is a terminal */
    int shown;              /* a line is on screen */
    double t0;
};

static void progress_show(struct progress *p, const json_t *resp)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    const char *st = json_string_value(json_object_get(resp, "status"));

    if (!p->on) {
        return;
    }
    lv_buf_addf(&b, "\r\033[K%s", st ? st : "?");
    lv_buf_adds(&b, "  ");
    add_count(&b, stat_of(resp, "recordsScanned"));
    lv_buf_adds(&b, " records scanned  ");
    add_bytes(&b, stat_of(resp, "bytesScanned"));
    lv_buf_addf(&b, " scanned  %.1f s", now_s() - p->t0);
    fputs(b.data, stderr);
    fflush(stderr);
    p->shown = 1;
    lv_buf_release(&b);
}

static void progress_clear(struct progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = 0;
    }
}

/* ---- results as a table or text ------------------------------------------ */

/* A value as one cell: control characters escaped. */
static char *cell(const char *v)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    const unsigned char *u = (const unsigned char *)v;

    for (; *u; u++) {
        switch (*u) {
        case '\n': lv_buf_adds(&b, "\\n"); break;
        case '\t': lv_buf_adds(&b, "\\t"); break;
        case '\r': lv_buf_adds(&b, "\\r"); break;
        default:
            if (*u < 0x20 || *u == 0x7f) {
                lv_buf_addf(&b, "\\x%02x", *u);
            } else {
                lv_buf_addc(&b, (char)*u);
            }
        }
    }
    return lv_buf_detach(&b, NULL);
}

struct grid {
    const char **cols;      /* borrowed from the response */
    size_t ncols, cap;
    char **cells;           /* nrows × ncols, NULL = no such field */
    size_t nrows;
};

static long col_index(const struct grid *g, const char *name)
{
    size_t i;

    for (i = 0; i < g->ncols; i++) {
        if (strcmp(g->cols[i], name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static int shown_field(const char *name, int show_ptr)
{
    return show_ptr || strcmp(name, "@ptr") != 0;
}

/* The grid of `results` ([[{field, value}…]…]): columns first, then the
 * cells. */
static void grid_build(struct grid *g, const json_t *results, int show_ptr)
{
    const json_t *row, *f;
    size_t r, k;

    memset(g, 0, sizeof(*g));
    json_array_foreach(results, r, row) {
        json_array_foreach(row, k, f) {
            const char *name = json_string_value(json_object_get(f,
                                                                 "field"));
            if (name && shown_field(name, show_ptr) &&
                col_index(g, name) < 0) {
                if (g->ncols == g->cap) {
                    g->cap = g->cap ? g->cap * 2 : 8;
                    g->cols = lv_xrealloc(g->cols,
                                          g->cap * sizeof(*g->cols));
                }
                g->cols[g->ncols++] = name;
            }
        }
    }
    g->nrows = json_array_size(results);
    g->cells = lv_xcalloc(g->nrows * g->ncols + 1, sizeof(*g->cells));
    json_array_foreach(results, r, row) {
        json_array_foreach(row, k, f) {
            const char *name = json_string_value(json_object_get(f,
                                                                 "field"));
            const char *v = json_string_value(json_object_get(f, "value"));
            long c = name ? col_index(g, name) : -1;

            if (c >= 0) {
                free(g->cells[r * g->ncols + (size_t)c]);
                g->cells[r * g->ncols + (size_t)c] = cell(v ? v : "");
            }
        }
    }
}

static void grid_release(struct grid *g)
{
    size_t i;

    for (i = 0; i < g->nrows * g->ncols; i++) {
        free(g->cells[i]);
    }
    free(g->cells);
    free(g->cols);
}

static void rule(struct lv_buf *b, const long *w, size_t n)
{
    size_t i;
    long j;

    for (i = 0; i < n; i++) {
        lv_buf_addc(b, '+');
        for (j = 0; j < w[i] + 2; j++) {
            lv_buf_addc(b, '-');
        }
    }
    lv_buf_adds(b, "+\n");
}

static void table_row(struct lv_buf *b, const long *w, char *const *v,
                      size_t n)
{
    size_t i;
    long pad;

    for (i = 0; i < n; i++) {
        const char *s = v[i] ? v[i] : "";

        lv_buf_addf(b, "| %s", s);
        for (pad = lv_output_text_width(s); pad < w[i] + 1; pad++) {
            lv_buf_addc(b, ' ');
        }
    }
    lv_buf_adds(b, "|\n");
}

/*
 *   +---------+---------+
 *   | bin(5m) | count() |
 *   +---------+---------+
 *   | …       | 3       |
 *   +---------+---------+
 */
static void grid_table(const struct grid *g, struct lv_buf *b)
{
    long *w = lv_xcalloc(g->ncols + 1, sizeof(*w));
    size_t r, c;

    for (c = 0; c < g->ncols; c++) {
        w[c] = lv_output_text_width(g->cols[c]);
        for (r = 0; r < g->nrows; r++) {
            const char *s = g->cells[r * g->ncols + c];
            long l = s ? lv_output_text_width(s) : 0;

            if (l > w[c]) {
                w[c] = l;
            }
        }
    }
    rule(b, w, g->ncols);
    table_row(b, w, (char *const *)g->cols, g->ncols);
    rule(b, w, g->ncols);
    for (r = 0; r < g->nrows; r++) {
        table_row(b, w, g->cells + r * g->ncols, g->ncols);
    }
    rule(b, w, g->ncols);
    free(w);
}

static void grid_text(const struct grid *g, struct lv_buf *b)
{
    size_t r, c;

    for (r = 0; r < g->nrows; r++) {
        for (c = 0; c < g->ncols; c++) {
            const char *s = g->cells[r * g->ncols + c];

            lv_buf_addf(b, "%s%s", c ? "\t" : "", s ? s : "");
        }
        lv_buf_addc(b, '\n');
    }
}

/* ---- output --------------------------------------------------------------- */

static int print_results(const struct lv_cli *c, const json_t *resp,
                         const char *format, int show_ptr)
{
    const struct lv_op *op = lv_model_find_op(c->svc, "GetQueryResults",
                                              15);
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    json_t *shaped = NULL, *q = NULL;
    struct grid g;
    int rc = 0;

    if (strcmp(format, "json") == 0 || c->query) {
        shaped = lv_cli_shape_output(c->svc, op->output, resp);
        if (c->query) {
            q = lv_jmespath_search(c->query, shaped, &err);
            if (!q) {
                rc = lv_cli_fail(LV_CLI_RC_GENERAL, "%s", err.msg);
                goto out;
            }
        }
        if (lv_output_write(stdout, q ? q : shaped, format,
                            op->name) < 0) {
            rc = LV_CLI_RC_GENERAL;
        }
        goto out;
    }
    grid_build(&g, json_object_get(resp, "results"), show_ptr);
    if (g.nrows && g.ncols) {
        if (strcmp(format, "table") == 0) {
            grid_table(&g, &b);
        } else {
            grid_text(&g, &b);
        }
    }
    grid_release(&g);
    if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) {
        rc = LV_CLI_RC_GENERAL;
    }
out:
    if (fflush(stdout) != 0) {
        rc = LV_CLI_RC_GENERAL;
    }
    lv_buf_release(&b);
    json_decref(shaped);
    json_decref(q);
    return rc;
}

/* On a terminal: "N rows, M records matched, S scanned (B) in T s". */
static void summary(const struct progress *p, const json_t *resp)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);

    if (!p->on) {
        return;
    }
    add_count(&b, (double)json_array_size(json_object_get(resp,
                                                          "results")));
    lv_buf_adds(&b, " rows, ");
    add_count(&b, stat_of(resp, "recordsMatched"));
    lv_buf_adds(&b, " records matched, ");
    add_count(&b, stat_of(resp, "recordsScanned"));
    lv_buf_adds(&b, " scanned (");
    add_bytes(&b, stat_of(resp, "bytesScanned"));
    lv_buf_addf(&b, ") in %.1f s\n", now_s() - p->t0);
    fputs(b.data, stderr);
    lv_buf_release(&b);
}

/* ---- the command ------------------------------------------------------------ */

static int is_terminal_status(const char *st)
{
    return st && (strcmp(st, "Complete") == 0 || strcmp(st, "Failed") == 0 ||
                  strcmp(st, "Cancelled") == 0 ||
                  strcmp(st, "Timeout") == 0 || strcmp(st, "Unknown") == 0);
}

/* startTime and endTime (epoch seconds) from the time options. */
static int query_range(struct lv_cli_opt *opts, json_t *params)
{
    const char *since = opts[OPT_SINCE].value;
    const char *start = opts[OPT_START].value;
    const char *end = opts[OPT_END].value;
    const char *bad = NULL;
    long long s_ms, e_ms;

    if (since && (start || end)) {
        return lv_cli_usage_error("argument %s: not allowed with argument "
                                  "--since", start ? "--start-time"
                                                   : "--end-time");
    }
    e_ms = (long long)time(NULL) * 1000;
    if (lv_cli_since_millis(since ? since : start ? start : DEFAULT_SINCE,
                            &s_ms) < 0) {
        bad = since ? since : start;
    } else if (end && lv_cli_since_millis(end, &e_ms) < 0) {
        bad = end;
    }
    if (bad) {
        return lv_cli_fail(LV_CLI_RC_GENERAL, "Invalid timestamp \"%s\": "
                           "Unknown string format: %s", bad, bad);
    }
    /* the range in whole seconds that holds [s_ms, e_ms] */
    json_object_set_new(params, "startTime",
                        json_integer((json_int_t)floor((double)s_ms /
                                                       1000.0)));
    json_object_set_new(params, "endTime",
                        json_integer((json_int_t)ceil((double)e_ms /
                                                      1000.0)));
    return 0;
}

/* StopQuery after SIGINT; returns RC_INTERRUPTED whatever it answers (an
 * error is printed as the AWS CLI prints one). */
static int stop_query(struct lv_cli *c, const char *id)
{
    json_t *p = json_pack("{ss}", "queryId", id), *resp = NULL;

    if (lv_cli_call(c, "StopQuery", p, &resp) == 0) {
        fprintf(stderr, "\nStopped query %s\n", id);
    }
    json_decref(p);
    json_decref(resp);
    return RC_INTERRUPTED;
}

/* The rest of a complete query's results, when GetQueryResults pages
 * them: every page's results appended to resp's. */
static int more_pages(struct lv_cli *c, const char *id, json_t *resp)
{
    json_t *results = json_object_get(resp, "results");
    char *prev = NULL;
    int rc = 0;

    while (json_is_string(json_object_get(resp, "nextToken"))) {
        const char *tok = json_string_value(json_object_get(resp,
                                                            "nextToken"));
        json_t *p, *page = NULL;

        if (prev && strcmp(prev, tok) == 0) {
            rc = lv_cli_fail(LV_CLI_RC_GENERAL, "The same next token was "
                             "received twice: {'nextToken': '%s'}", tok);
            break;
        }
        free(prev);
        prev = lv_xstrdup(tok);
        p = json_pack("{ssss}", "queryId", id, "nextToken", tok);
        rc = lv_cli_call(c, "GetQueryResults", p, &page);
        json_decref(p);
        if (rc) {
            break;
        }
        if (json_is_array(results)) {
            json_array_extend(results, json_object_get(page, "results"));
        }
        json_object_set(resp, "nextToken",
                        json_object_get(page, "nextToken")
                            ? json_object_get(page, "nextToken")
                            : json_null());
        json_object_set(resp, "statistics",
                        json_object_get(page, "statistics")
                            ? json_object_get(page, "statistics")
                            : json_object());
        json_decref(page);
    }
    json_object_del(resp, "nextToken");
    free(prev);
    return rc;
}

int lv_cli_query(struct lv_cli *c, int argc, char **argv)
{
    struct lv_cli_opt opts[OPT__COUNT] = {
        [OPT_GROUPS] = { .name = "log_group", .member =
                         "logGroupIdentifiers" },
        [OPT_QUERY] = { .member = "queryString", .required = 1 },
        [OPT_SINCE] = { .name = "--since" },
        [OPT_START] = { .name = "--start-time" },
        [OPT_END] = { .name = "--end-time" },
        [OPT_LIMIT] = { .member = "limit" },
        [OPT_LANG] = { .member = "queryLanguage" },
        [OPT_SHOW_PTR] = { .name = "--show-ptr", .flag = 1 },
    };
    struct progress prog = { 0 };
    json_t *params = NULL, *resp = NULL, *gp = NULL;
    const char *format, *status;
    char *id = NULL;
    long delay = POLL_FIRST_MS;
    sigset_t intr, orig, unblocked;
    struct sigaction sa, old_sa;
    int masked = 0, rc, i;

    interrupted = 0;
    rc = lv_cli_parse_command(c, opts, OPT__COUNT, argc, argv, &params);
    if (rc == 1) {
        lv_cli_help_query(stdout);
        rc = 0;
        goto out;
    }
    if (rc) {
        goto out;
    }
    format = c->output ? c->output : "table";
    for (i = 0; formats[i] && strcmp(formats[i], format); i++) {
    }
    if (!formats[i]) {
        rc = lv_cli_usage_error("argument --output: `logs query` prints "
                                "table, text or json, not %s", format);
        goto out;
    }
    if ((rc = query_range(opts, params))) {
        goto out;
    }
    if ((rc = lv_cli_prepare(c)) || (rc = lv_cli_need_creds(c))) {
        goto out;
    }
    prog.on = isatty(STDERR_FILENO);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_int;     /* no SA_RESTART: ppoll returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    sigemptyset(&intr);
    sigaddset(&intr, SIGINT);
    sigprocmask(SIG_BLOCK, &intr, &orig);
    masked = 1;
    unblocked = orig;
    sigdelset(&unblocked, SIGINT);

    prog.t0 = now_s();
    if ((rc = lv_cli_call(c, "StartQuery", params, &resp))) {
        goto out;
    }
    if (!json_is_string(json_object_get(resp, "queryId"))) {
        rc = lv_cli_fail(LV_CLI_RC_GENERAL, "StartQuery answered no "
                         "queryId");
        goto out;
    }
    id = lv_xstrdup(json_string_value(json_object_get(resp, "queryId")));
    lv_cli_debug(c, "logs query: queryId=%s", id);
    gp = json_pack("{ss}", "queryId", id);
    wait_or_interrupt(&unblocked, 0);   /* a SIGINT during StartQuery */
    for (;;) {
        if (interrupted) {
            progress_clear(&prog);
            rc = stop_query(c, id);
            goto out;
        }
        json_decref(resp);
        resp = NULL;
        if ((rc = lv_cli_call(c, "GetQueryResults", gp, &resp))) {
            progress_clear(&prog);
            goto out;
        }
        status = json_string_value(json_object_get(resp, "status"));
        if (!status) {
            progress_clear(&prog);
            rc = lv_cli_fail(LV_CLI_RC_GENERAL, "GetQueryResults answered "
                             "no status for query %s", id);
            goto out;
        }
        if (is_terminal_status(status)) {
            break;
        }
        progress_show(&prog, resp);
        wait_or_interrupt(&unblocked, delay);
        delay = delay * 3 / 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 3 / 2;
    }
    progress_clear(&prog);
    if (strcmp(status, "Complete") != 0) {
        rc = lv_cli_fail(LV_CLI_RC_CLIENT, "Query %s ended with status %s",
                         id, status);
        goto out;
    }
    if ((rc = more_pages(c, id, resp))) {
        goto out;
    }
    rc = print_results(c, resp, format, opts[OPT_SHOW_PTR].value != NULL);
    summary(&prog, resp);
out:
    if (masked) {
        sigprocmask(SIG_SETMASK, &orig, NULL);
        sigaction(SIGINT, &old_sa, NULL);
    }
    free(id);
    json_decref(params);
    json_decref(resp);
    json_decref(gp);
    return rc;
}
