/*
 * exec_int: what row.c, discover.c, exec.c, result.c and parse_cmd.c share
 * (the run-time half of the Insights engine). Nothing else includes it.
 */
#ifndef LV_INSIGHTS_EXEC_INT_H
#define LV_INSIGHTS_EXEC_INT_H

#include <stddef.h>

#include "insights/iq.h"

/* A field found in a message: name (NUL-terminated, in the arena) and its
 * value (text in the arena or in the message itself). */
struct lv_iq_dfield {
    const char *name;
    size_t nlen;
    struct lv_iq_val v;
};

/* Discovery modes beyond JSON (lv_iq_discover_fields' flags). */
#define LV_IQ_DISC_LAMBDA 1u    /* the event is in a /aws/lambda/ group */

/* The most fields discovered in one message: AWS's parse page says JSON
 * log events of "no more than 200 log event fields" are parsed (the older
 * discovery page said 100); fields past the 200th, in document order, are
 * not discovered (the parse command can still reach them). */
#define LV_IQ_MAX_DISCOVERED 200

/* The fields msg[0..len) holds (discover.c), as an array in `a`: *out and
 * the count. Values borrow msg where no unescaping was needed (so a row
 * that outlives msg rebases them, lv_iq_row_own). Malformed JSON: 0. */
size_t lv_iq_discover_fields(const char *msg, size_t len, unsigned flags,
                             struct lv_iq_arena *a,
                             struct lv_iq_dfield **out);

/* parse_cmd.c: runs the parse command c over row r (fields set on r; a
 * row that does not match keeps going without them). */
void lv_iq_parse_run(const struct lv_iq_cmd *c, struct lv_iq_row *r,
                     const struct lv_iq_ctx *cx);

/* row.c: 1 when r has a field `name` set by a command (not a system or
 * discovered one). */
int lv_iq_row_has_set(const struct lv_iq_row *r, const char *name,
                      size_t len);

/* row.c: a new row of r's event with r's set fields (copied), owning its
 * event text when r does (so it does not depend on r). */
struct lv_iq_row *lv_iq_row_clone(const struct lv_iq_row *r);

/* result.c: the results of q from its final rows (borrowed, in order):
 * each row's fields as GetQueryResults shows them (*out, released with
 * lv_iq_result_release). */
void lv_iq_result_build(const struct lv_iq_query *q,
                        struct lv_iq_row *const *rows, size_t n,
                        const struct lv_iq_ctx *cx,
                        struct lv_iq_result *out);

#endif
