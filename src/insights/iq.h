/*
 * iq: what the files of the Logs Insights engine (src/insights/) share —
 * the values a query computes with, the parsed query (the AST), the row a
 * command sees, and the entry point of each part. Nothing outside
 * src/insights/ includes it: the Logs service speaks to the engine through
 * insights.h.
 *
 * The parts, one concern each:
 *   lex.c, parse.c   query text → struct lv_iq_query (lv_iq_parse), every
 *                    error a MalformedQueryException with its position
 *   value.c          values: conversions, comparison, text form
 *   eval.c           an expression over a row (lv_iq_eval): operators,
 *                    like / =~ / in, with AWS's precedence (decided by the
 *                    parser's tree shape)
 *   fn_*.c           the functions (string, numeric, datetime, IP,
 *                    general, conversion), looked up by lv_iq_fn_find
 *   row.c, discover.c  a row's fields: the system fields, fields set by
 *                    commands, and the fields discovered in @message (JSON,
 *                    flattened with dots; the other automatic discovery
 *                    the docs describe) — lazily, on first lookup
 *   exec.c           the pipeline: fields, display, filter, sort, limit,
 *                    dedup, parse, unnest, … (lv_iq_exec_*)
 *   stats.c          stats with every aggregation, by, bin(), stats after
 *                    stats; the bound on groups (lv_iq_stats_*)
 *   pattern.c, diff.c  pattern and diff (and logcompare)
 *   cmd_outlier.c, cmd_relevant.c, cmd_anomaly.c  outlier, relevantfields,
 *                    anomaly (parse_ml.c reads the four analysis commands)
 *   cmd_running.c    accum, autoregress, filldown, addtotals, sessionize
 *   cmd_fill.c       fillmissing
 *   parse_sub.c, sub.c, cmd_join.c, cmd_appendcols.c  sub-queries over
 *                    other log groups: join, appendcols, in ( … )
 *
 * Values borrow their text from the row's arena or from the event; a value
 * that must outlive its row (a sort buffer, a stats group key) is copied by
 * whoever keeps it (lv_iq_val_dup).
 */
#ifndef LV_INSIGHTS_IQ_H
#define LV_INSIGHTS_IQ_H

#include <stddef.h>
#include <stdint.h>

#include "insights/insights.h"

struct lv_err;
struct lv_buf;

/* ---- values ------------------------------------------------------------ */

enum lv_iq_type {
    LV_IQ_NULL = 0,     /* a field the row does not have; a failed cast */
    LV_IQ_STR,
    LV_IQ_NUM,          /* a double, as Insights computes */
    LV_IQ_BOOL,
    LV_IQ_TIME,         /* epoch ms in num (@timestamp, bin(), now() …):
                         * shown as "2024-01-02 03:04:05.678" */
    LV_IQ_JSON,         /* a map or list (jsonParse, the "Structure types"
                         * of the functions page): s/len hold its compact
                         * JSON text. Null to string, number and datetime
                         * functions; compares false to anything; shown
                         * as its JSON text. */
};

struct lv_iq_val {
    enum lv_iq_type t;
    double num;         /* LV_IQ_NUM, LV_IQ_TIME (ms), LV_IQ_BOOL (0/1) */
    const char *s;      /* LV_IQ_STR: not NUL-terminated, borrowed */
    size_t len;
    int is_ptr;         /* an event's @ptr cursor, as it is or under
                         * another name (`fields @ptr as p`): the
                         * result field is marked so (is_ptr in
                         * insights.h), for the caller to sign */
};

/* A bump allocator for what one row computes (strings made by functions,
 * discovered field tables): freed all at once (lv_iq_arena_reset). */
struct lv_iq_arena {
    struct lv_iq_arena_block *head;
    size_t used_total;
};
void *lv_iq_arena_alloc(struct lv_iq_arena *a, size_t n);
char *lv_iq_arena_strndup(struct lv_iq_arena *a, const char *s, size_t n);
void lv_iq_arena_reset(struct lv_iq_arena *a);     /* keeps one block */
void lv_iq_arena_release(struct lv_iq_arena *a);

/* value.c. A number from a value: NUM/TIME/BOOL as is, STR parsed whole
 * (leading/trailing blanks allowed, as AWS casts "42 "), else 0 with
 * *ok = 0. */
double lv_iq_val_num(const struct lv_iq_val *v, int *ok);
/* The text of v as GetQueryResults shows it (numbers without a trailing
 * ".0" when integral, times as "YYYY-MM-DD HH:MM:SS.mmm"), into out
 * (appended). NULL appends nothing. */
void lv_iq_val_text(const struct lv_iq_val *v, struct lv_buf *out);
/* Order of a and b for sort, stats keys, min/max and sortsFirst: AWS's
 * sort order (CWL_QuerySyntax-Sort): non-numbers first, in natural order
 * (digit runs by length then value, the rest by code point); numbers and
 * numeric strings after, by value; NULL before everything (value.c says
 * why). filter's < > = use numbers when both sides are numeric, else
 * bytewise text (eval.c). <0, 0, >0. */
int lv_iq_val_cmp(const struct lv_iq_val *a, const struct lv_iq_val *b);
int lv_iq_val_truthy(const struct lv_iq_val *v);
/* A copy of v whose text lives in the heap (lv_iq_val_free). */
void lv_iq_val_dup(struct lv_iq_val *dst, const struct lv_iq_val *src);
void lv_iq_val_free(struct lv_iq_val *v);

/* ---- the parsed query (AST) ---------------------------------------------
 * Positions are byte offsets into the query text, [pos, end), as AWS's
 * QueryCompileError location reports them. */

enum lv_iq_ek {
    LV_IQ_E_NUM,        /* num */
    LV_IQ_E_STR,        /* str/len: the unquoted, unescaped text */
    LV_IQ_E_REGEX,      /* str/len: the pattern between the slashes;
                         * re: compiled (PCRE2) by the parser */
    LV_IQ_E_FIELD,      /* str/len: the name ("@message", "a.b.c",
                         * `quoted name` without the backticks) */
    LV_IQ_E_TIME,       /* a period literal (5m, 1h, 30s, 2d, 1w, 1mo,
                         * 1q, 1y): num = milliseconds, str = its text;
                         * unit kept in `unit` for calendar units. num
                         * is capped as the functions page says (300s is
                         * 60s; caps ms 1000, s 60, m 60, h 24); for d w
                         * mo q y num is the count times a nominal length
                         * (1d, 7d, 30d, 90d, 365d), so count = num /
                         * that length */
    LV_IQ_E_LIST,       /* [a, b, c] — the right side of in / not in */
    LV_IQ_E_CALL,       /* str = function name as written; fn = resolved
                         * (lv_iq_fn_find) or agg for an aggregation;
                         * args */
    LV_IQ_E_UNARY,      /* op = LV_IQ_OP_NEG | LV_IQ_OP_NOT; args[0] */
    LV_IQ_E_BINARY,     /* op; args[0], args[1] */
    LV_IQ_E_STAR,       /* the * of count(*) */
    LV_IQ_E_BOOL,       /* true / false: num 1 / 0 */
    LV_IQ_E_SUBQ,       /* r8/iqsub: the ( subquery ) right of in / not
                         * in: num = its index in the query's subs */
};

enum lv_iq_op {
    LV_IQ_OP_NONE = 0,
    LV_IQ_OP_ADD, LV_IQ_OP_SUB, LV_IQ_OP_MUL, LV_IQ_OP_DIV, LV_IQ_OP_MOD,
    LV_IQ_OP_POW,
    LV_IQ_OP_EQ, LV_IQ_OP_NE, LV_IQ_OP_LT, LV_IQ_OP_LE, LV_IQ_OP_GT,
    LV_IQ_OP_GE,
    LV_IQ_OP_LIKE, LV_IQ_OP_NOT_LIKE, LV_IQ_OP_MATCH /* =~ */,
    LV_IQ_OP_IN, LV_IQ_OP_NOT_IN,
    LV_IQ_OP_AND, LV_IQ_OP_OR,
    LV_IQ_OP_NOT, LV_IQ_OP_NEG,
};

struct lv_iq_fn;
struct lv_iq_agg;

struct lv_iq_expr {
    enum lv_iq_ek k;
    enum lv_iq_op op;
    int pos, end;
    double num;
    char *str;                  /* NUL-terminated copy; len excludes it */
    size_t len;
    char unit[4];               /* LV_IQ_E_TIME: "ms" "s" "m" "h" "d" "w"
                                 * "mo" "q" "y" */
    void *re;                   /* pcre2_code * (LV_IQ_E_REGEX) */
    unsigned re_flags;          /* PCRE2 options from (?i) etc., if any */
    const struct lv_iq_fn *fn;  /* LV_IQ_E_CALL of a function */
    const struct lv_iq_agg *agg;    /* LV_IQ_E_CALL of an aggregation */
    struct lv_iq_expr **args;
    size_t nargs;
};

/* An item of fields / display / sort / dedup / stats / by: an expression
 * and the name its value gets. name: the alias after `as`, else the text
 * of the expression as AWS names an unaliased column (a field's own name;
 * for a call, the call as written with spaces removed, e.g. "count(*)",
 * "avg(latency)" — see parse.c). desc: sort order (sort only; AWS's
 * default is asc for sort). */
struct lv_iq_item {
    struct lv_iq_expr *e;
    char *name;
    int aliased;
    int desc;
};

enum lv_iq_ck {
    LV_IQ_C_FIELDS,
    LV_IQ_C_DISPLAY,
    LV_IQ_C_FILTER,         /* expr */
    LV_IQ_C_STATS,          /* items: aggregations; by: grouping */
    LV_IQ_C_SORT,           /* items */
    LV_IQ_C_LIMIT,          /* n */
    LV_IQ_C_PARSE,          /* expr: source field (default @message);
                             * parse: mode, pattern, aliases */
    LV_IQ_C_DEDUP,          /* items (fields) */
    LV_IQ_C_PATTERN,        /* expr: the field clustered */
    LV_IQ_C_DIFF,           /* diff_period */
    LV_IQ_C_UNMASK,         /* unmask: @message as ingested */
    LV_IQ_C_FILTER_INDEX,   /* expr (field = value / field in [...]) */
    LV_IQ_C_UNNEST,         /* items[0]: the array field, name: its alias */
    LV_IQ_C_ACCUM,          /* items[0]: e the field summed, name the
                             * output (the alias, else the field itself,
                             * summed in place) */
    LV_IQ_C_AUTOREGRESS,    /* items[k]: e the field, name the output of
                             * lag n + k (n: the first lag, >= 1) */
    LV_IQ_C_FILLDOWN,       /* items: the fields filled, e a FIELD whose
                             * name may hold '*' wildcards; none: every
                             * field */
    LV_IQ_C_EXPAND,         /* items[0]: the array field, name: the same
                             * (each element replaces the list) */
    LV_IQ_C_SESSIONIZE,     /* by: the identity fields; n: maxspan in
                             * ms; str: the output field, items[0] its
                             * column (a FIELD of that name) */
    LV_IQ_C_FILLMISSING,    /* items: the constants (e a literal, name
                             * the field); str: the bin column of the
                             * stats before, n: its period (ms); by: the
                             * stats' other by columns (FIELDs) */
    LV_IQ_C_ADDTOTALS,      /* items: the fields summed (none: every
                             * numeric field); n: LV_IQ_TOTALS_* flags;
                             * by[0] (row totals only): the total column,
                             * e a FIELD of its name */
    /* r8/iqml: the analysis commands (cmd_outlier.c, cmd_relevant.c,
     * cmd_anomaly.c; logcompare runs in diff.c) */
    LV_IQ_C_OUTLIER,        /* items: the numeric fields; n:
                             * LV_IQ_OUTLIER_* flags; expr: an E_NUM, the
                             * IQR multiplier (param=, default 2.5);
                             * by[0] (mark=true): the marker column, a
                             * FIELD @isOutlier */
    LV_IQ_C_RELEVANTFIELDS, /* expr: the condition (after `where`);
                             * items: the fields analysed (none: every
                             * field the rows hold); by: its output
                             * fields (FIELDs @fieldName, …) */
    LV_IQ_C_LOGCOMPARE,     /* n: the timeshift back to the baseline
                             * window, ms */
    LV_IQ_C_ANOMALY,        /* no arguments; after pattern. by: its
                             * output columns (FIELDs @anomalyType,
                             * @anomalyDescription, @anomalyPriority) */
    /* r8/iqsub: the commands that read a sub-query over other log groups
     * (q->subs[c->sub.idx], sub.c). */
    LV_IQ_C_JOIN,           /* sub: type, aliases, the key fields */
    LV_IQ_C_APPENDCOLS,     /* sub: override (max is the sub-query's
                             * row limit) */
    /* r8/lookup */
    LV_IQ_C_LOOKUP,         /* lookup TABLE FIELD[, …] OUTPUT FIELD[, …]
                             * (CWL_QuerySyntax-Lookup): str: the table;
                             * items: the match fields (e a FIELD, name
                             * its name: the event's field and the
                             * table's column); by: the output columns
                             * (e a FIELD naming the column, name the
                             * field set); n: LV_IQ_LOOKUP_NEW or 0 */
    LV_IQ_C_CIDRLOOKUP,     /* cidrlookup TABLE IPFIELD [AS COLUMN]
                             * OUTPUT|OUTPUTNEW COLUMN [AS FIELD], …
                             * (CWL_QuerySyntax-Cidrlookup): str, by and
                             * n as lookup; items[0]: e the event's IP
                             * field, name the CIDR column (NULL: see
                             * cmd_lookup.c) */
    LV_IQ_C_OTHER,          /* a documented command this engine refuses
                             * at compile time with MalformedQuery: kept
                             * so the parser can name it (str). parse.c
                             * refuses such a command as it reads it, so
                             * no parsed query holds one */
};

enum lv_iq_parse_mode {
    LV_IQ_PARSE_GLOB,       /* pattern with * → aliases */
    LV_IQ_PARSE_REGEX,      /* re with named groups */
    LV_IQ_PARSE_LOGFMT,
    LV_IQ_PARSE_CSV,
};

struct lv_iq_parse_spec {
    enum lv_iq_parse_mode mode;
    char *pattern;              /* glob or regex source */
    size_t pattern_len;
    void *re;                   /* pcre2_code *: glob compiled, or regex */
    char **aliases;             /* GLOB and REGEX: capture group i+1 of re
                                 * sets field aliases[i] (REGEX without
                                 * `as`: the group's name, NULL for an
                                 * unnamed group — not extracted); CSV:
                                 * the column names; LOGFMT: aliases[0],
                                 * the map (its keys are alias.key) */
    size_t n_aliases;
    char *opts;                 /* mode options as written (csv delimiter,
                                 * logfmt/csv `as` lists), parse.c decides */
};

/* r8/iqsub: join and appendcols (parse_sub.c). */
struct lv_iq_subcmd {
    size_t idx;                 /* the sub-query read (q->subs[idx]) */
    int left_join;              /* join type=left (default inner) */
    char *lalias, *ralias;      /* join left=… right=… */
    char *lkey, *rkey;          /* join where L.lkey = R.rkey */
    int override;               /* appendcols override=true */
};

struct lv_iq_cmd {
    enum lv_iq_ck k;
    int pos, end;
    struct lv_iq_expr *expr;
    struct lv_iq_item *items;
    size_t n_items;
    struct lv_iq_item *by;
    size_t n_by;
    int64_t n;                  /* limit; autoregress: the first lag;
                                 * addtotals: LV_IQ_TOTALS_*;
                                 * sessionize: maxspan (ms) */
    struct lv_iq_parse_spec parse;
    char *diff_period;          /* "previousPeriod" (default), … */
    char *str;                  /* LV_IQ_C_OTHER: the command's name;
                                 * addtotals: the total field's name;
                                 * sessionize: the output field */
    struct lv_iq_subcmd sub;    /* r8/iqsub: join, appendcols */
    int64_t offset_ms;          /* r8/iqsub: stats … by bin() offset d */
};

#define LV_IQ_TOTALS_ROW 1       /* addtotals row=true (the default) */
#define LV_IQ_TOTALS_COL 2       /* addtotals col=true */
#define LV_IQ_OUTLIER_REMOVE 1   /* outlier action=remove (else
                                  * transform: clamp to the bound) */
#define LV_IQ_OUTLIER_LOWER 2    /* outlier uselower=true */
#define LV_IQ_OUTLIER_MARK 4     /* outlier mark=true */

/* SOURCE logGroups(namePrefix: [...], class: ..., accountIdentifiers: [...])
 * at the start of the query (CLI/API only). */
struct lv_iq_source {
    char **name_prefixes;
    size_t n_prefixes;
    char *log_group_class;      /* NULL: any */
    char **accounts;
    size_t n_accounts;
};

/* r8/iqsub: a sub-query — the right side of join, appendcols' columns,
 * `filter f in ( … )` — over one log group named by its SOURCE, in the
 * query's time range; its own query (no sub-queries of its own). */
struct lv_iq_subq {
    struct lv_iq_query *q;
    char *group;                /* SOURCE 'name' | SOURCE name */
    int pos, end;               /* the parentheses, in the query's text */
    char *key;                  /* the field its rows are looked up by
                                 * (join's right key, in's field), NULL
                                 * for appendcols */
    size_t limit;               /* the most rows it gives */
};

struct lv_iq_query {
    char *text;                 /* the query as given (NUL-terminated) */
    size_t len;
    int has_source;
    struct lv_iq_source source;
    struct lv_iq_cmd *cmds;
    size_t n_cmds;
    char **req;                 /* lv_iq_query_required's literals */
    size_t *req_len;
    size_t n_req;
    struct lv_iq_subq *subs;    /* r8/iqsub: in order of appearance */
    size_t n_subs;
};

/*
 * parse.c: lv_iq_parse and lv_iq_query_free (insights.h). Errors:
 * MalformedQueryException with AWS's kind of message and the position
 * (parse.c cites the recorded AWS messages it follows), for a syntax
 * error, an unknown function or command, a wrong number of arguments, an
 * aggregation outside stats, a regex that does not compile, glob stars ≠
 * aliases, and every command or mode this engine does not run — never a
 * silently different query.
 */

/* ---- rows ---------------------------------------------------------------- */

/* A row: the event it came from (NULL for a row stats made), and the
 * fields set on it, in order of creation. Lookups fall back, in order:
 * set fields, system fields of the event, fields discovered in @message.
 * row.c owns the representation; exec.c and stats.c use these calls. */
struct lv_iq_row;

struct lv_iq_row *lv_iq_row_new(const struct lv_iq_event *ev);
void lv_iq_row_free(struct lv_iq_row *r);
struct lv_iq_arena *lv_iq_row_arena(struct lv_iq_row *r);
/* The value of field `name` in r (NULL type when absent). */
void lv_iq_row_get(struct lv_iq_row *r, const char *name, size_t len,
                   struct lv_iq_val *out);
/* Sets field name = v (copied into the row's arena); replaces a set field
 * of that name, shadows a system or discovered one. */
void lv_iq_row_set(struct lv_iq_row *r, const char *name,
                   const struct lv_iq_val *v);
/* The event r came from, NULL for a row a command made (stats). */
const struct lv_iq_event *lv_iq_row_event(const struct lv_iq_row *r);
/* Copies the event text r borrows into r's arena, so that r outlives the
 * lv_iq_run_feed call that made it (sort and limit buffers, dedup). */
void lv_iq_row_own(struct lv_iq_row *r);
/* Bytes r holds (its arena and tables): what max_bytes counts. */
size_t lv_iq_row_bytes(const struct lv_iq_row *r);
/* Every field of r in output order, as GetQueryResults lists a row with
 * no fields/display command: set fields, then the system fields, then
 * discovered fields. fn's non-zero return stops the walk. */
typedef int lv_iq_field_fn(void *arg, const char *name,
                           const struct lv_iq_val *v);
int lv_iq_row_each(struct lv_iq_row *r, lv_iq_field_fn *fn, void *arg);

/* discover.c: the fields an event's message holds (JSON objects
 * flattened: "a.b.c", arrays as "a.0", "a.1" …, as the "Supported logs
 * and discovered fields" page shows), fn called for each. Used by the
 * row's lazy lookup and by GetLogGroupFields (lv_iq_discover in
 * insights.h). */
int lv_iq_discover_each(const char *msg, size_t len, struct lv_iq_arena *a,
                        lv_iq_field_fn *fn, void *arg);

/* ---- evaluation ---------------------------------------------------------- */

/* What evaluation may need beyond the row: the query's time range, the
 * clock. */
struct lv_iq_subres;
struct lv_iq_ctx {
    int64_t start_ms, end_ms;   /* the query's range, [start, end] */
    int64_t now_ms;
    const struct lv_iq_subres *subs;    /* r8/iqsub: the sub-queries'
                                         * rows (sub.c), once finished */
};

/* eval.c: the value of e over row r (strings in r's arena). Never fails:
 * a type mismatch gives NULL, as Insights shows an empty value. */
void lv_iq_eval(const struct lv_iq_expr *e, struct lv_iq_row *r,
                const struct lv_iq_ctx *cx, struct lv_iq_val *out);

/* fn_*.c: a scalar function. nargs_min..nargs_max (-1: any). call gets
 * the evaluated arguments and writes its result; strings it makes go in
 * the arena a. */
struct lv_iq_fn {
    const char *name;
    int nargs_min, nargs_max;
    void (*call)(const struct lv_iq_val *args, size_t nargs,
                 const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                 struct lv_iq_val *out);
};
/* The function called `name` (case as AWS accepts it), or NULL. */
const struct lv_iq_fn *lv_iq_fn_find(const char *name, size_t len);

/* ---- commands that carry state from row to row ----------------------------
 * accum, autoregress, filldown, addtotals and sessionize (cmd_running.c)
 * see the rows one by one, in the order of the run, and set fields on
 * each from what the rows before it held; addtotals col=true makes one
 * more row at the end. */
struct lv_iq_running;
/* The state of command c (LV_IQ_C_ACCUM, _AUTOREGRESS, _FILLDOWN,
 * _ADDTOTALS, _SESSIONIZE); c is borrowed for its life. */
struct lv_iq_running *lv_iq_running_new(const struct lv_iq_cmd *c);
/* Applies the command to r (fields set on r), then remembers what later
 * rows need from r (copied). */
void lv_iq_running_apply(struct lv_iq_running *s, struct lv_iq_row *r,
                         const struct lv_iq_ctx *cx);
/* addtotals without a list of fields: the columns the rows show at that
 * point (the items of the fields commands before it, after the last
 * stats), whose numeric values it sums; n = 0: every field. cols is
 * borrowed (the query's items), the array copied. */
void lv_iq_running_columns(struct lv_iq_running *s,
                           const struct lv_iq_item *const *cols, size_t n);
/* The input ended: the row the command adds after the others (yours),
 * or NULL — addtotals col=true's summary row. */
struct lv_iq_row *lv_iq_running_end(struct lv_iq_running *s);
size_t lv_iq_running_bytes(const struct lv_iq_running *s);   /* held */
void lv_iq_running_free(struct lv_iq_running *s);

/* ---- commands that see every row before they answer ----------------------
 * stats (stats.c), pattern (pattern.c) and diff (diff.c) take the rows of
 * the commands before them, then hand new rows to the commands after them
 * once the input ends. exec.c drives them through this one shape. */

/* Receives a row made by a blocking command; takes ownership of r. 0, or
 * -1 with *err to stop. */
typedef int lv_iq_row_sink(void *arg, struct lv_iq_row *r,
                           struct lv_err *err);

struct lv_iq_block;
struct lv_iq_block_vt {
    /* r is borrowed for the call (copy what you keep). -1 with *err:
     * LimitExceededException once the command holds more than its
     * max_bytes. */
    int (*add)(struct lv_iq_block *b, struct lv_iq_row *r,
               struct lv_err *err);
    /* The input ended: hand every output row to sink, in order. */
    int (*end)(struct lv_iq_block *b, lv_iq_row_sink *sink, void *arg,
               struct lv_err *err);
    size_t (*bytes)(const struct lv_iq_block *b);   /* held now */
    void (*free)(struct lv_iq_block *b);
};
struct lv_iq_block {
    const struct lv_iq_block_vt *vt;
};

/* The block of command c (LV_IQ_C_STATS, LV_IQ_C_PATTERN, LV_IQ_C_DIFF,
 * LV_IQ_C_FILLMISSING: cmd_fill.c), bounded by max_bytes; cx borrowed for
 * the block's life. */
struct lv_iq_block *lv_iq_stats_new(const struct lv_iq_cmd *c,
                                    const struct lv_iq_ctx *cx,
                                    size_t max_bytes);
struct lv_iq_block *lv_iq_pattern_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_ctx *cx,
                                      size_t max_bytes);
struct lv_iq_block *lv_iq_diff_new(const struct lv_iq_cmd *c,
                                   const struct lv_iq_ctx *cx,
                                   size_t max_bytes);
struct lv_iq_block *lv_iq_fillmissing_new(const struct lv_iq_cmd *c,
                                          const struct lv_iq_ctx *cx,
                                          size_t max_bytes);
/* r8/iqml: outlier (cmd_outlier.c), relevantfields (cmd_relevant.c),
 * anomaly (cmd_anomaly.c); logcompare is lv_iq_diff_new's (diff.c). */
struct lv_iq_block *lv_iq_outlier_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_ctx *cx,
                                      size_t max_bytes);
struct lv_iq_block *lv_iq_relevant_new(const struct lv_iq_cmd *c,
                                       const struct lv_iq_ctx *cx,
                                       size_t max_bytes);
struct lv_iq_block *lv_iq_anomaly_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_ctx *cx,
                                      size_t max_bytes);

/* ---- r8/lookup: lookup and cidrlookup (cmd_lookup.c) ----------------------
 * The table a lookup or cidrlookup command reads is handed to the run by
 * its caller (lv_iq_run_set_table, insights.h); the command then indexes
 * it and enriches each row with the output columns of the table row that
 * matches: for lookup the first row whose match columns equal the row's
 * fields (their text, as GetQueryResults shows it); for cidrlookup the
 * row whose CIDR range holds the row's IP address, the longest prefix
 * winning. A row with no match, or lacking a match field, gets no output
 * field. */
#define LV_IQ_LOOKUP_NEW 1      /* OUTPUTNEW: fill only empty fields */
struct lv_iq_table;
struct lv_iq_lookup;
/* The index of command c (LV_IQ_C_LOOKUP) over table t (both borrowed
 * for its life): NULL with *err (InvalidParameterException naming the
 * column) when t lacks one of the command's columns. */
struct lv_iq_lookup *lv_iq_lookup_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_table *t,
                                      struct lv_err *err);
void lv_iq_lookup_apply(const struct lv_iq_lookup *l, struct lv_iq_row *r);
size_t lv_iq_lookup_bytes(const struct lv_iq_lookup *l);    /* held */
void lv_iq_lookup_free(struct lv_iq_lookup *l);

/* stats.c: an aggregation (avg, count, count_distinct, max, min, pct,
 * stddev, sum, earliest, latest, sortsFirst, sortsLast), looked up by the
 * parser; its state and steps are stats.c's own. */
const struct lv_iq_agg *lv_iq_agg_find(const char *name, size_t len);
/* How many arguments agg takes (count: 0..1, pct: 2, the others: 1), for
 * the parser's check of a call: *min..*max. */
void lv_iq_agg_arity(const struct lv_iq_agg *agg, int *min, int *max);

/* ---- sub-queries (r8/iqsub, sub.c) ---------------------------------------
 * A finished sub-query's rows, indexed by its key field's text. */
struct lv_iq_subres {
    struct lv_iq_result res;
    int done;
    size_t *head, *tail;        /* hash slots: first / last row + 1 */
    uint64_t *hash;
    size_t cap;
    size_t *next;               /* per row: next row of the same key + 1 */
    char *key;                  /* the field indexed */
    size_t bytes;
};
/* Takes res's rows; indexes them by field `key` (NULL: none). */
void lv_iq_subres_set(struct lv_iq_subres *s, struct lv_iq_result *res,
                      const char *key);
void lv_iq_subres_release(struct lv_iq_subres *s);
/* The first row (+1) whose key's text is text[0..len), 0 for none; then
 * lv_iq_subres_next(s, row + 1 …) for the others, in order. */
size_t lv_iq_subres_find(const struct lv_iq_subres *s, const char *text,
                         size_t len);
size_t lv_iq_subres_next(const struct lv_iq_subres *s, size_t row1);
/* `v in (sub-query idx)`: 1, or 0 (v null: 0). */
int lv_iq_sub_has(const struct lv_iq_ctx *cx, size_t idx,
                  const struct lv_iq_val *v);

/* cmd_join.c: join c over left row r (taken): the joined rows, each made
 * anew with left.f / right.f fields, handed to sink. */
int lv_iq_join_apply(const struct lv_iq_cmd *c, const struct lv_iq_ctx *cx,
                     struct lv_iq_row *r, lv_iq_row_sink *sink, void *arg,
                     struct lv_err *err);
/* cmd_appendcols.c: appendcols' block (rows in, the same rows out with
 * the sub-query's columns by position). */
struct lv_iq_block *lv_iq_appendcols_new(const struct lv_iq_cmd *c,
                                         const struct lv_iq_ctx *cx,
                                         size_t max_bytes);

/* fn_timeseries.c (r8/iqsub): the time-series aggregations stats.c
 * keeps. rate(): the earliest and latest (time, value) of the group. */
struct lv_iq_rate {
    double t0, v0, t1, v1;
    int have;
};
void lv_iq_rate_add(struct lv_iq_rate *s, double ts, double v);
/* The change per interval_ms from the earliest to the latest value;
 * NULL without two distinct times. */
void lv_iq_rate_result(const struct lv_iq_rate *s, double interval_ms,
                       struct lv_iq_val *out);
/* histogram(): v[0..n) (n >= 1, reordered) in `buckets` equal-width
 * ranges, as compact JSON text (malloc). */
char *lv_iq_histogram_text(double *v, size_t n, size_t buckets);
/* 1 when e is a call of bin() (what offset shifts). */
int lv_iq_is_bin(const struct lv_iq_expr *e);

#endif
