/*
 * stats_int: what pattern.c and diff.c share — the clustering of texts
 * into patterns (pattern.c describes the method). Private to
 * src/insights/; the commands' blocks are declared in iq.h.
 */
#ifndef LV_INSIGHTS_STATS_INT_H
#define LV_INSIGHTS_STATS_INT_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;
struct lv_iq_ctx;
struct lv_iq_row;

/* Periods of a text: the query's range, and the one diff compares with. */
enum { LV_IQ_PAT_CUR = 0, LV_IQ_PAT_PREV = 1 };

struct lv_iq_pat;

/* A clustering bounded by max_bytes; cx borrowed (its range sizes the
 * @visualization windows). */
struct lv_iq_pat *lv_iq_pat_new(const struct lv_iq_ctx *cx,
                                size_t max_bytes);
void lv_iq_pat_free(struct lv_iq_pat *p);

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
 * and its @pattern text (NUL-terminated; valid until lv_iq_pat_free). */
void lv_iq_pat_get(struct lv_iq_pat *p, size_t i, int64_t counts[2],
                   const char **pattern);

/* Sets on row, after what the caller set first (@pattern and its
 * counts), the fields of pattern i that pattern and diff both show:
 * @severityLabel, @PatternId, @tokens; and @visualization when with_vis.
 */
void lv_iq_pat_fields(struct lv_iq_pat *p, size_t i, struct lv_iq_row *row,
                      int with_vis);

#endif
