/*
 * insights: the CloudWatch Logs Insights query engine, as the Logs service
 * uses it (logs/query_*.c). The engine knows nothing of HTTP, the store or
 * encryption: the Logs service parses a query with lv_iq_parse, finds the
 * log groups it reads, decrypts their events and feeds them to a run
 * (lv_iq_run_feed) in any order, then takes the results (lv_iq_run_finish).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CWL_QuerySyntax.html and the pages it links are the specification; the
 * engine's parts are described in iq.h.
 */
#ifndef LV_INSIGHTS_INSIGHTS_H
#define LV_INSIGHTS_INSIGHTS_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;

/* A parsed query (iq.h has its shape). */
struct lv_iq_query;

/*
 * Parses the query text[0..len): 0 and *out (lv_iq_query_free), or -1 with
 * *err — MalformedQueryException naming the position, for anything that is
 * not valid Logs Insights QL or that this engine does not run.
 */
int lv_iq_parse(const char *text, size_t len, struct lv_iq_query **out,
                struct lv_err *err);
void lv_iq_query_free(struct lv_iq_query *q);

/* The SOURCE command's selection (NULL when the query has none):
 * logGroups(namePrefix: [...], class: ..., accountIdentifiers: [...]). */
struct lv_iq_source;
const struct lv_iq_source *lv_iq_query_source(const struct lv_iq_query *q);

/* 1 when the query needs the events of the period before its range too
 * (diff, logcompare): the caller feeds them with ev->previous = 1. */
int lv_iq_query_wants_previous(const struct lv_iq_query *q);

/* 1 when the query has the unmask command, which shows @message as
 * ingested (ev->unmasked): the caller authorizes logs:Unmask first. */
int lv_iq_query_unmasks(const struct lv_iq_query *q);

/* The range [*lo, *hi] (ms, inclusive) whose events diff compares with
 * the query's [start_ms, end_ms]: the period of the same length just
 * before it, or the same range a day, a week or a calendar month earlier
 * (diff previousDay | previousWeek | previousMonth), or the range shifted
 * back by logcompare's timeshift. 1 and the range, or 0 when the query
 * has neither. */
int lv_iq_query_previous_range(const struct lv_iq_query *q, int64_t start_ms,
                               int64_t end_ms, int64_t *lo, int64_t *hi);

/*
 * Literals that @message must contain for an event to reach the results
 * (from a leading filter such as `filter @message like /Exception/`), so
 * the caller may skip a decrypted chunk that lacks one (memmem over the
 * chunk's text) without feeding its events. *lits points into q; returns
 * how many (0: no such shortcut). Case-sensitive literals only.
 */
size_t lv_iq_query_required(const struct lv_iq_query *q,
                            const char *const **lits, const size_t **lens);

/*
 * Sub-queries (join, appendcols, `filter f in ( … )`; r8/iqsub): the
 * query reads other log groups, each named by its sub-query's SOURCE,
 * over the same time range. The caller resolves and authorizes each
 * group as it does the query's own (a missing one fails the query as a
 * missing group fails StartQuery), reads it through its own key, and
 * feeds its events with ev->sub = i + 1 — every sub-query's events
 * before any event of the query itself (ev->sub = 0).
 */
size_t lv_iq_query_n_subs(const struct lv_iq_query *q);
/* The name of the log group sub-query i reads (i < n_subs). */
const char *lv_iq_query_sub_group(const struct lv_iq_query *q, size_t i);

/* r8/iqsub: `stats … by bin(p) offset d` (the time-series page): d in
 * ms, else 0. The caller then reads the query's own groups over
 * [start - d, end - d] (sub-queries keep the query's range) and the
 * engine reports each bin d later, lined up with the query's range. */
int64_t lv_iq_query_offset_ms(const struct lv_iq_query *q);

/*
 * Equalities an event must satisfy to reach the results, from the leading
 * filter and filterIndex commands (those before any other command):
 * `field = 'text'` (either side) and `field in ['text', ...]`, joined by
 * `and` at the top of the command's expression. Only string literals that
 * are not numbers count (the engine then compares texts byte for byte, so
 * a field index can prove them absent: logs/fidx.h). Writes at most max
 * of them to out, each pointing into q (valid while q lives); returns how
 * many. A field of one entry may be `@`-prefixed (a system field).
 */
#define LV_IQ_EQ_MAX_VALUES 64
struct lv_iq_eq {
    const char *field;          /* NUL-terminated */
    const char *vals[LV_IQ_EQ_MAX_VALUES];
    size_t lens[LV_IQ_EQ_MAX_VALUES];
    size_t n;                   /* >= 1: the field equals one of them */
};
size_t lv_iq_query_equalities(const struct lv_iq_query *q,
                              struct lv_iq_eq *out, size_t max);

/* One log event as the engine sees it. All text borrowed for the call. */
struct lv_iq_event {
    int64_t ts;                 /* @timestamp, epoch ms */
    int64_t ingestion_ms;       /* @ingestionTime */
    const char *log;            /* @log: "ACCOUNT:GROUP-NAME" */
    size_t log_len;
    const char *stream;         /* @logStream */
    size_t stream_len;
    const char *msg;            /* @message */
    size_t msg_len;
    /* The message as ingested when msg is its masked form (a data
     * protection policy, logs/dataprot.h), else NULL: what the unmask
     * command shows. */
    const char *unmasked;
    size_t unmasked_len;
    const char *ptr;            /* @ptr (GetLogRecord's logRecordPointer) */
    size_t ptr_len;
    int previous;               /* diff: an event of the previous period */
    int no_discovery;           /* 1: the group is of the Infrequent
                                 * Access class — "Field discovery is
                                 * supported only for log groups in the
                                 * Standard log class" (the discovered-
                                 * fields page): only system fields */
    size_t sub;                 /* r8/iqsub: 0, or an event of sub-query
                                 * sub - 1 (see lv_iq_query_n_subs) */
};

struct lv_iq_run_opts {
    int64_t start_ms, end_ms;   /* the query's range, inclusive */
    int64_t now_ms;
    size_t limit;               /* StartQuery's limit (default applied by
                                 * the caller) */
    size_t max_bytes;           /* memory the run may hold (stats groups,
                                 * sort buffers, pattern clusters); over
                                 * it, feed fails (see lv_iq_run_feed) */
};

struct lv_iq_run;

/* A run of q (borrowed; it must outlive the run). */
struct lv_iq_run *lv_iq_run_new(const struct lv_iq_query *q,
                                const struct lv_iq_run_opts *o);
void lv_iq_run_free(struct lv_iq_run *r);

/* Feeds one event: 0, or -1 with *err when the run went past max_bytes
 * (LimitExceededException, AWS's wording where recorded) — the query then
 * fails. */
int lv_iq_run_feed(struct lv_iq_run *r, const struct lv_iq_event *ev,
                   struct lv_err *err);

/* The most memory the run has held so far, in bytes (what max_bytes
 * bounds; the bench reports it). */
size_t lv_iq_run_peak_bytes(const struct lv_iq_run *r);

/* ---- r8/lookup: lookup tables ----------------------------------------
 * The lookup command (CWL_QuerySyntax-Lookup) reads a lookup table the
 * engine does not fetch: the caller asks the query which tables it names
 * (lv_iq_query_table), loads each (the Logs service decrypts it) and
 * hands it to the run before the first feed (lv_iq_run_set_table). */

/* A table as the engine reads it: n_cols columns, named by header(t, c),
 * n_rows rows whose cells are cell(t, r, c) (NUL-terminated). The
 * engine borrows it until lv_iq_run_free. */
struct lv_iq_table {
    size_t n_cols, n_rows;
    const char *(*header)(const void *t, size_t c);
    const char *(*cell)(const void *t, size_t r, size_t c);
    const void *t;
};

/* The i-th (from 0) distinct name of a table q's lookup commands read,
 * in order of first use, or NULL past the last; a loan from q. */
const char *lv_iq_query_table(const struct lv_iq_query *q, size_t i);

/* Hands the run table `name` (t borrowed until lv_iq_run_free) for every
 * lookup command that reads it: 0, or -1 with *err
 * (InvalidParameterException) when t lacks a column a command names. A
 * lookup command whose table was never set is a bug of the caller
 * (LV_BUG at its first row). */
int lv_iq_run_set_table(struct lv_iq_run *r, const char *name,
                        const struct lv_iq_table *t, struct lv_err *err);

/* One row of the results: its fields in output order. */
struct lv_iq_result_field {
    char *name;
    char *value;                /* the text GetQueryResults shows */
    int is_ptr;                 /* value is an event's @ptr cursor (as
                                 * lv_iq_event.ptr gave it), under this
                                 * name or another (`fields @ptr as p`):
                                 * the caller signs it */
};
struct lv_iq_result_row {
    struct lv_iq_result_field *f;
    size_t n;
};
struct lv_iq_result {
    struct lv_iq_result_row *rows;
    size_t n;
    int64_t records_matched;    /* events that passed every filter */
};

/* Ends the run: its rows in AWS's order, at most opts.limit. 0, or -1
 * with *err (as feed). */
int lv_iq_run_finish(struct lv_iq_run *r, struct lv_iq_result *out,
                     struct lv_err *err);
void lv_iq_result_release(struct lv_iq_result *res);

/* The results as GetQueryResults' `results` member:
 * [[{"field":..,"value":..},…],…] appended to out. */
int lv_iq_result_json(const struct lv_iq_result *res, struct lv_buf *out);

/* GetLogGroupFields: calls fn with the name of every field discovered in
 * one message (not the system fields). fn's non-zero return stops. */
typedef int lv_iq_name_fn(void *arg, const char *name, size_t len);
int lv_iq_discover(const char *msg, size_t len, lv_iq_name_fn *fn,
                   void *arg);

#endif
