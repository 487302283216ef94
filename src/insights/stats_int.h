/*
 * stats_int: what pattern.c and diff.c share — the clustering of texts
 * into patterns (pattern.c describes the method). Private to
 * src/insights/; the commands' blocks are declared in iq.h.
 */
#ifndef LV_INSIGHTS_STATS_INT_H
#define LV_INSIGHTS_STATS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "insights/iq.h"
#include "util/buf.h"

struct lv_err;

/* Periods of a text: the query's range, and the one diff compares with. */
enum { LV_IQ_PAT_CUR = 0, LV_IQ_PAT_PREV = 1 };

struct lv_iq_pat;

/* A clustering bounded by max_bytes; cx borrowed (its range sizes the
 * @visualization windows). */
struct lv_iq_pat *lv_iq_pat_new(const struct lv_iq_ctx *cx,
                                size_t max_bytes);
void lv_iq_pat_free(struct lv_iq_pat *p);
/* The width (ms) of the @visualization windows over cx's range: the
 * smallest of 1s … 1y that cuts it in at most 100 (anomaly reads them). */
int64_t lv_iq_pat_window(const struct lv_iq_ctx *cx);

/* Adds text[0..len) (only its first 1,500 bytes are analysed, as AWS's
 * pattern analysis does) seen at ts (epoch ms) in period. 0, or -1 with
 * LimitExceededException once the clusters hold more than max_bytes. */
int lv_iq_pat_add(struct lv_iq_pat *p, const char *text, size_t len,
                  int64_t ts, int period, struct lv_err *err);

/* Bytes the clustering holds now. */
size_t lv_iq_pat_bytes(const struct lv_iq_pat *p);

/* Ends the input: merges similar templates; returns how many patterns
 * there are. Call once, before the calls below. */
size_t lv_iq_pat_finish(struct lv_iq_pat *p);

/* Texts added in period (those that reached a pattern). */
int64_t lv_iq_pat_total(const struct lv_iq_pat *p, int period);

/* Pattern i (0 ≤ i < lv_iq_pat_finish's count): its counts in each period
 * and its @pattern text, *len bytes (NUL-terminated too, but it may hold
 * NULs; valid until lv_iq_pat_free). */
void lv_iq_pat_get(struct lv_iq_pat *p, size_t i, int64_t counts[2],
                   const char **pattern, size_t *len);
/* Order of two byte strings (memcmp, then the shorter first). */
int lv_iq_pat_cmp_text(const char *a, size_t na, const char *b, size_t nb);

/* Sets on row, after what the caller set first (@pattern and its
 * counts), the fields of pattern i that pattern and diff both show:
 * @severityLabel, @PatternId, @tokens; and @visualization when with_vis.
 */
void lv_iq_pat_fields(struct lv_iq_pat *p, size_t i, struct lv_iq_row *row,
                      int with_vis);

/* ---- the block of pattern and diff ---------------------------------------
 * Both commands are a clustering fed with one text a row; they differ in
 * the text's period and in the rows they make at the end (their own end
 * function). */
struct lv_iq_patcmd {
    struct lv_iq_block b;       /* first: the block's vt is the command's */
    const struct lv_iq_cmd *c;
    const struct lv_iq_ctx *cx;
    struct lv_iq_pat *p;
    struct lv_buf text;         /* a non-string value's text */
};

/* A new block of command c with vt (whose bytes and free are
 * lv_iq_patcmd_bytes and lv_iq_patcmd_free). */
struct lv_iq_block *lv_iq_patcmd_new(const struct lv_iq_block_vt *vt,
                                     const struct lv_iq_cmd *c,
                                     const struct lv_iq_ctx *cx,
                                     size_t max_bytes);
/* Adds v (a value of row r; null is skipped) in period, at r's time (its
 * event's @timestamp, else an @timestamp field, else 0). As
 * lv_iq_pat_add. */
int lv_iq_patcmd_add(struct lv_iq_patcmd *pc, struct lv_iq_row *r,
                     const struct lv_iq_val *v, int period,
                     struct lv_err *err);
size_t lv_iq_patcmd_bytes(const struct lv_iq_block *b);
void lv_iq_patcmd_free(struct lv_iq_block *b);

/* The patterns' indexes 0..n-1 in the order cmp(p, i, j) gives: a new
 * array (free()). */
size_t *lv_iq_pat_sorted(struct lv_iq_pat *p, size_t n,
                         int (*cmp)(const void *, const void *, void *));

#endif
