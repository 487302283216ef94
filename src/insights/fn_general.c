/*
 * fn_general: the functions page's "General functions" (ispresent,
 * coalesce, case, if, isNumeric, messageSize, queryStartTime,
 * queryEndTime, queryTimeRange), the helpers every fn_*.c shares
 * (fn_int.h), and lv_iq_fn_find over all the tables.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CWL_QuerySyntax-operations-functions.html
 */
#include "insights/fn_int.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

/* ---- shared helpers ------------------------------------------------------ */

void lv_iq_set_null(struct lv_iq_val *out)
{
    memset(out, 0, sizeof(*out));
    out->t = LV_IQ_NULL;
}

void lv_iq_set_num(struct lv_iq_val *out, double d)
{
    lv_iq_set_null(out);
    if (isfinite(d)) {
        out->t = LV_IQ_NUM;
        out->num = d == 0 ? 0 : d;      /* no "-0" */
    }
}

void lv_iq_set_bool(struct lv_iq_val *out, int b)
{
    lv_iq_set_null(out);
    out->t = LV_IQ_BOOL;
    out->num = b ? 1 : 0;
}

void lv_iq_set_time(struct lv_iq_val *out, double ms)
{
    lv_iq_set_null(out);
    if (isfinite(ms)) {
        out->t = LV_IQ_TIME;
        out->num = ms;
    }
}

void lv_iq_set_str(struct lv_iq_val *out, const char *s, size_t len)
{
    lv_iq_set_null(out);
    out->t = LV_IQ_STR;
    out->s = len ? s : "";
    out->len = len;
}

void lv_iq_set_str_copy(struct lv_iq_val *out, struct lv_iq_arena *a,
                        const char *s, size_t len)
{
    lv_iq_set_str(out, lv_iq_arena_strndup(a, s, len), len);
}

int lv_iq_arg_str(const struct lv_iq_val *v, struct lv_iq_arena *a,
                  const char **s, size_t *len)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);

    switch (v->t) {
    case LV_IQ_NULL:
    case LV_IQ_JSON:
        return 0;
    case LV_IQ_STR:
        *s = v->len ? v->s : "";
        *len = v->len;
        return 1;
    case LV_IQ_NUM:
    case LV_IQ_BOOL:
    case LV_IQ_TIME:
        lv_iq_val_text(v, &b);
        *s = lv_iq_arena_strndup(a, b.data, b.len);
        *len = b.len;
        lv_buf_release(&b);
        return 1;
    }
    return 0;
}

int lv_iq_arg_num(const struct lv_iq_val *v, double *d)
{
    int ok = 0;
    double x = lv_iq_val_num(v, &ok);

    if (ok) {
        *d = x;
    }
    return ok;
}

/* ---- general functions --------------------------------------------------- */

/* ispresent(field): "Returns true if the field exists" — a field the row
 * does not have evaluates to NULL. */
static void fn_ispresent(const struct lv_iq_val *args, size_t n,
                         const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                         struct lv_iq_val *out)
{
    (void)n, (void)cx, (void)a;
    lv_iq_set_bool(out, args[0].t != LV_IQ_NULL);
}

/* coalesce(f1, f2, …): "the first non-null value from the list". */
static void fn_coalesce(const struct lv_iq_val *args, size_t n,
                        const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                        struct lv_iq_val *out)
{
    (void)cx, (void)a;
    for (size_t i = 0; i < n; i++) {
        if (args[i].t != LV_IQ_NULL) {
            *out = args[i];
            return;
        }
    }
    lv_iq_set_null(out);
}

/* case(cond1, val1, …, [default]): the value of the first true condition,
 * else the default when the count is odd, else NULL. "Supports up to 10
 * branches": 21 arguments at most (the table's nargs_max). */
static void fn_case(const struct lv_iq_val *args, size_t n,
                    const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                    struct lv_iq_val *out)
{
    size_t i;

    (void)cx, (void)a;
    for (i = 0; i + 1 < n; i += 2) {
        if (lv_iq_val_truthy(&args[i])) {
            *out = args[i + 1];
            return;
        }
    }
    if (i < n) {
        *out = args[i];
        return;
    }
    lv_iq_set_null(out);
}

static void fn_if(const struct lv_iq_val *args, size_t n,
                  const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                  struct lv_iq_val *out)
{
    (void)n, (void)cx, (void)a;
    *out = lv_iq_val_truthy(&args[0]) ? args[1] : args[2];
}

/* isNumeric(f): "true if the field value can be parsed as a number" —
 * a number, or a string that is a whole decimal number ("42", " -1.5e3 ";
 * not "0x1f", "NaN", "12abc"). */
static void fn_isnumeric(const struct lv_iq_val *args, size_t n,
                         const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                         struct lv_iq_val *out)
{
    int ok = 0;

    (void)n, (void)cx, (void)a;
    if (args[0].t == LV_IQ_NUM || args[0].t == LV_IQ_STR) {
        lv_iq_val_num(&args[0], &ok);
    }
    lv_iq_set_bool(out, ok);
}

/* messageSize(f): "the byte length of a string field" (UTF-8 bytes, where
 * strlen counts code points). */
static void fn_messagesize(const struct lv_iq_val *args, size_t n,
                           const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                           struct lv_iq_val *out)
{
    const char *s;
    size_t len;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, (double)len);
}

static void fn_querystart(const struct lv_iq_val *args, size_t n,
                          const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                          struct lv_iq_val *out)
{
    (void)args, (void)n, (void)a;
    lv_iq_set_num(out, (double)cx->start_ms);
}

static void fn_queryend(const struct lv_iq_val *args, size_t n,
                        const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                        struct lv_iq_val *out)
{
    (void)args, (void)n, (void)a;
    lv_iq_set_num(out, (double)cx->end_ms);
}

static void fn_queryrange(const struct lv_iq_val *args, size_t n,
                          const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                          struct lv_iq_val *out)
{
    (void)args, (void)n, (void)a;
    lv_iq_set_num(out, (double)(cx->end_ms - cx->start_ms));
}

static const struct lv_iq_fn general_fns[] = {
    { "ispresent", 1, 1, fn_ispresent },
    { "coalesce", 1, -1, fn_coalesce },
    { "case", 2, 21, fn_case },
    { "if", 3, 3, fn_if },
    { "isNumeric", 1, 1, fn_isnumeric },
    { "messageSize", 1, 1, fn_messagesize },
    { "queryStartTime", 0, 0, fn_querystart },
    { "queryEndTime", 0, 0, fn_queryend },
    { "queryTimeRange", 0, 0, fn_queryrange },
};
const struct lv_iq_fn_table lv_iq_fns_general = {
    general_fns, sizeof(general_fns) / sizeof(general_fns[0])
};

/* ---- lookup -------------------------------------------------------------- */

/*
 * Names match without regard to case ASCII letters: the functions page
 * spells names in camelCase ("isValidIpV4", "toNumber") and all in lower
 * case ("toupper", "ispresent"), and the stats page writes BIN(5m) and
 * SUM(Fault) in its examples, so AWS's names are not case-sensitive; one
 * spelling accepted and its upper-case form refused would be a guess.
 * strftime is the documented alias of formatDate (fn_time.c).
 */
const struct lv_iq_fn *lv_iq_fn_find(const char *name, size_t len)
{
    static const struct lv_iq_fn_table *const tables[] = {
        &lv_iq_fns_string, &lv_iq_fns_num, &lv_iq_fns_time,
        &lv_iq_fns_ip, &lv_iq_fns_json, &lv_iq_fns_general,
    };

    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        for (size_t i = 0; i < tables[t]->n; i++) {
            const struct lv_iq_fn *f = &tables[t]->fns[i];

            if (strlen(f->name) == len && !strncasecmp(f->name, name, len)) {
                return f;
            }
        }
    }
    return NULL;
}
