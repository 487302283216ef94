/*
 * filter: the CloudWatch Logs filter pattern language — a compiler that turns
 * a pattern into an immutable matcher once, and the matcher that answers
 * "does this event message match?" for FilterLogEvents, metric filters,
 * subscription filters and TestMetricFilter.
 *
 * AWS page: "Filter pattern syntax for metric filters, subscription filters,
 * filter log events, and Live Tail" (FilterAndPatternSyntax.html). Three
 * languages, chosen by the pattern's first character:
 *   - unstructured text: ERROR, "exact phrase", -excluded, ?optional,
 *     %regex%; several terms are ANDed; ?terms are ORed when every term
 *     is one, ignored otherwise; "" and " " match everything;
 *   - JSON, when the pattern starts with '{' (and must end with '}'):
 *     { $.a[0].b = "x*" && ($.n >= 1e3 || $.f IS TRUE) }, IS NULL,
 *     IS TRUE, IS FALSE, NOT EXISTS, %regex% values, the wildcards
 *     $.* and $.a[*].b, bracket names $.['cluster.name']; && binds
 *     tighter than ||; events that are not JSON objects never match;
 *   - space-delimited, when it starts with '[' (and must end with ']'):
 *     [ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000];
 *     [] matches every event.
 *
 * It does not: read events, know about groups or streams, or count regex
 * quotas across a log group (5 regex patterns per group is the metric
 * filter handler's job). It enforces AWS's per-pattern rules: at most 1024
 * characters, at most 2 regular expressions, AWS's regex subset, at most
 * one wildcard per JSON selector and 3 wildcard selectors per pattern.
 *
 * Threads: a compiled filter is immutable; any number of threads may match
 * against it at once. Regex matching keeps its PCRE2 match data per thread.
 */
#ifndef LV_LOGS_FILTER_H
#define LV_LOGS_FILTER_H

#include <stddef.h>

#include <jansson.h>

struct lv_err;
struct lv_filter;

/* The most characters a filterPattern may have (API_FilterLogEvents). */
#define LV_FILTER_MAX_PATTERN 1024
/* Regular expressions allowed in one filter pattern (FilterAndPatternSyntax,
 * "Quotas": 2 per JSON or space-delimited pattern; we apply it to all). */
#define LV_FILTER_MAX_REGEX 2

enum lv_filter_kind {
    LV_FILTER_ALL,      /* "" or only blanks, or " ": every event matches */
    LV_FILTER_TEXT,     /* unstructured terms */
    LV_FILTER_JSON,     /* { ... } */
    LV_FILTER_SPACE,    /* [ ... ] */
};

/* A literal that every matching message contains (see lv_filter_required):
 * the bytes data[0..len), or — when or_backslash is set — at least one
 * '\\' anywhere (a JSON string or member name written with an escape need
 * not show its text). */
struct lv_filter_lit {
    const char *data;
    size_t len;
    int or_backslash;
};

/* Compiles `pattern` (len bytes, need not be NUL-terminated). Returns a new
 * filter (free it with lv_filter_free), or NULL with err filled:
 * LV_E_INVALID_PARAMETER and the reason in AWS's words, e.g.
 *   "Invalid character(s) in term ':'"
 *   "If a filter pattern starts with '{' it must end with '}'"
 *   "Invalid filter pattern: unexpected '&&' at position 14"
 * FilterLogEvents sends err->msg as it is; the metric and subscription
 * filter operations may answer with their own wording ("Invalid metric
 * filter pattern") as AWS does. */
struct lv_filter *lv_filter_compile(const char *pattern, size_t len,
                                    struct lv_err *err);

/* Frees f; NULL is a no-op. */
void lv_filter_free(struct lv_filter *f);

enum lv_filter_kind lv_filter_kind(const struct lv_filter *f);

/* 1 when the event message msg (len bytes, any bytes, need not be
 * NUL-terminated) matches f, else 0. Never fails: a message a JSON pattern
 * cannot parse simply does not match. Text patterns allocate nothing. */
int lv_filter_match(const struct lv_filter *f, const char *msg, size_t len);

/* As lv_filter_match; when it returns 1 and extracted is not NULL,
 * *extracted is a new JSON object (json_decref it) with TestMetricFilter's
 * extractedValues:
 *   - space-delimited: every field of the event, "$name" for a named field,
 *     "$N" (1-based position) for a field matched by "..." or left unnamed,
 *     e.g. {"$1": "127.0.0.1", "$status_code": "404", ...}; without
 *     "..." the last pattern field's value is the rest of the event;
 *   - JSON: "$.a.b" -> the value's text for each selector of the pattern
 *     that names a string, number, boolean or null in the event (with a
 *     wildcard, the first such value in the event's order);
 *   - text patterns: an empty object.
 * When it returns 0, *extracted is set to NULL. */
int lv_filter_match_extract(const struct lv_filter *f, const char *msg,
                            size_t len, json_t **extracted);

/* A prefilter for scans: the number of literals every message that matches
 * f must contain (see struct lv_filter_lit), with *lits pointed at them.
 * The array and the bytes belong to f and live as long as it does.
 *   - text: the plain and quoted required terms;
 *   - JSON: for each condition that the pattern's && chain requires (not
 *     under ||, not NOT EXISTS): each member name of its selector as
 *     "name" (or a backslash), the value of = "text" as "text" (or a
 *     backslash) when no number can be written as text, the literal
 *     pieces of = "a*b" likewise, and true / false / null for IS TRUE /
 *     IS FALSE / IS NULL;
 *   - space-delimited: for each field's conditions that its && chain
 *     requires: the text of = text, the literal pieces of = a*b.
 * (The rules and why each is sound are in filter_json.c and
 * filter_space.c.) A scanner may look for them in a whole decompressed
 * chunk and skip the chunk when one is absent (lv_filter_lits_present);
 * lv_filter_match checks them on each message itself. */
size_t lv_filter_required(const struct lv_filter *f,
                          const struct lv_filter_lit **lits);

/* 1 when text (len bytes) satisfies every one of the n literals: holds the
 * literal's bytes, or (or_backslash) holds a '\\'. An empty literal is
 * always satisfied. */
int lv_filter_lits_present(const struct lv_filter_lit *lits, size_t n,
                           const char *text, size_t len);

#endif
