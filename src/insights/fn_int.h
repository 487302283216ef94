/*
 * fn_int: what the function files (the fn_ files) share — result setters, the
 * argument readers that apply the functions page's conversions, and each
 * file's table of functions, which lv_iq_fn_find (fn_general.c) searches.
 * Private to src/insights/fn_ files and eval.c.
 *
 * Conventions every function keeps (functions page, "Structure types":
 * "Maps and lists are treated as null for string, number, and datetime
 * functions"):
 *   - a NULL argument where a value is needed gives NULL;
 *   - a string function takes a number or time argument as its text (as
 *     GetQueryResults would show it); a map or list is NULL to it;
 *   - a numeric function takes a string that is a whole decimal number
 *     (lv_iq_val_num), anything else gives NULL;
 *   - a result that is not a finite number (log(0), sqrt(-1), 1/0) is
 *     NULL, as Insights shows an empty value rather than failing a query.
 */
#ifndef LV_INSIGHTS_FN_INT_H
#define LV_INSIGHTS_FN_INT_H

#include <stddef.h>

#include "insights/iq.h"

void lv_iq_set_null(struct lv_iq_val *out);
/* NULL when d is not finite. */
void lv_iq_set_num(struct lv_iq_val *out, double d);
void lv_iq_set_bool(struct lv_iq_val *out, int b);
void lv_iq_set_time(struct lv_iq_val *out, double ms);
/* s borrowed: it must live in the arena or outlive the value. */
void lv_iq_set_str(struct lv_iq_val *out, const char *s, size_t len);
/* A copy of s[0..len) in a. */
void lv_iq_set_str_copy(struct lv_iq_val *out, struct lv_iq_arena *a,
                        const char *s, size_t len);

/* The text of v for a string function: 1 and *s, *len (borrowed, or made in
 * a for numbers and times), 0 for NULL and maps/lists. */
int lv_iq_arg_str(const struct lv_iq_val *v, struct lv_iq_arena *a,
                  const char **s, size_t *len);
/* The number of v for a numeric function: 1 and *d, or 0. */
int lv_iq_arg_num(const struct lv_iq_val *v, double *d);

/* A function table: n entries, names in any order. */
struct lv_iq_fn_table {
    const struct lv_iq_fn *fns;
    size_t n;
};
extern const struct lv_iq_fn_table lv_iq_fns_string;
extern const struct lv_iq_fn_table lv_iq_fns_num;
extern const struct lv_iq_fn_table lv_iq_fns_time;
extern const struct lv_iq_fn_table lv_iq_fns_ip;
extern const struct lv_iq_fn_table lv_iq_fns_json;
extern const struct lv_iq_fn_table lv_iq_fns_general;

/*
 * bin(period) floors the row's @timestamp, which a function cannot see:
 * eval.c calls bin's `call` with two arguments, the period and the row's
 * @timestamp (lv_iq_fn_is_bin tells it which function that is). A period
 * literal (LV_IQ_E_TIME) evaluates to a string of its text ("5m", "1hr",
 * "2mo"), which the datetime functions parse (fn_time.c).
 */
int lv_iq_fn_is_bin(const struct lv_iq_fn *fn);

/* The member of map/list v at path (fn_json.c): path is what follows the
 * map's name in a field name — ".a.b", "[1].action", ".`x.y`". NULL when
 * absent or v is not a map or list. */
void lv_iq_json_member(const struct lv_iq_val *v, const char *path,
                       size_t len, struct lv_iq_arena *a,
                       struct lv_iq_val *out);

/* The elements of list v (fn_json.c) as values made in a: their count
 * and *items, or -1 when v is not a list. */
long lv_iq_json_list_items(const struct lv_iq_val *v, struct lv_iq_arena *a,
                           struct lv_iq_val **items);

/* UTC time t (epoch ms) moved by `months` calendar months, the day of
 * the month kept or, where the month is shorter, its last day (March 31
 * one month back is February 28, or 29). Used by diff previousMonth. */
int64_t lv_iq_time_add_months(int64_t t, int months);

/* A period literal's text → its length and unit (fn_time.c): 0 and
 * *ms, or for calendar units *months (1, 3, 12 per count);
 * -1 when it is not a period. The documented caps apply (bin(300s) is
 * 60 s: "the cap for ms is 1000, the caps for s and m are 60, and the cap
 * for h is 24"). */
int lv_iq_period_parse(const char *s, size_t len, int64_t *ms,
                       int *months);

#endif
