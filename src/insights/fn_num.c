/*
 * fn_num: the functions page's "Numeric operators" — abs, ceil, floor,
 * greatest, least, log, round, sqrt, haversine, and the conversions
 * toNumber, toInt, toLong, toDouble. Arguments convert as fn_int.h says;
 * a result that is not finite is NULL.
 */
#include "insights/fn_int.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

#define UNARY(name, expr)                                                     \
    static void name(const struct lv_iq_val *args, size_t n,                  \
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,       \
                     struct lv_iq_val *out)                                   \
    {                                                                         \
        double x;                                                             \
                                                                              \
        (void)n, (void)cx, (void)a;                                           \
        if (!lv_iq_arg_num(&args[0], &x)) {                                   \
            lv_iq_set_null(out);                                              \
            return;                                                           \
        }                                                                     \
        lv_iq_set_num(out, (expr));                                           \
    }

UNARY(fn_abs, fabs(x))
UNARY(fn_ceil, ceil(x))
UNARY(fn_floor, floor(x))
/* log(0) and log of a negative number are not finite: NULL. */
UNARY(fn_log, x > 0 ? log(x) : NAN)
UNARY(fn_sqrt, x >= 0 ? sqrt(x) : NAN)
UNARY(fn_todouble, x)

/* greatest / least over the arguments that are numbers; NULL ones (a field
 * an event lacks) are skipped, as the aggregations skip them; NULL when
 * none is a number. */
static void extreme(const struct lv_iq_val *args, size_t n, int want_max,
                    struct lv_iq_val *out)
{
    double best = 0, x;
    int have = 0;

    for (size_t i = 0; i < n; i++) {
        if (!lv_iq_arg_num(&args[i], &x)) {
            continue;
        }
        if (!have || (want_max ? x > best : x < best)) {
            best = x;
            have = 1;
        }
    }
    if (have) {
        lv_iq_set_num(out, best);
    } else {
        lv_iq_set_null(out);
    }
}

static void fn_greatest(const struct lv_iq_val *args, size_t n,
                        const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                        struct lv_iq_val *out)
{
    (void)cx, (void)a;
    extreme(args, n, 1, out);
}

static void fn_least(const struct lv_iq_val *args, size_t n,
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                     struct lv_iq_val *out)
{
    (void)cx, (void)a;
    extreme(args, n, 0, out);
}

/* round(a [, d]): to the nearest integer, or to d decimal places (d
 * truncated to an integer; negative d rounds to tens, hundreds …). Halves
 * round away from zero (round(2.5) = 3, round(-2.5) = -3): AWS does not
 * say which way halves go; this is SQL's ROUND. */
static void fn_round(const struct lv_iq_val *args, size_t n,
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                     struct lv_iq_val *out)
{
    double x, d = 0, scale;

    (void)cx, (void)a;
    if (!lv_iq_arg_num(&args[0], &x) ||
        (n > 1 && !lv_iq_arg_num(&args[1], &d))) {
        lv_iq_set_null(out);
        return;
    }
    d = trunc(d);
    if (d == 0) {
        lv_iq_set_num(out, round(x));
        return;
    }
    if (d > 15 || d < -15) {
        /* Past a double's precision the value is its own rounding. */
        lv_iq_set_num(out, d > 0 ? x : 0);
        return;
    }
    scale = pow(10, fabs(d));
    if (d > 0) {
        /* x * scale is nudged by a few ulps away from zero, so that a
         * half written in decimal rounds as written: round(1.005, 2) is
         * 1.01, though the double nearest 1.005 is just below it. */
        double t = x * scale;

        t += copysign(fabs(t) * 4 * DBL_EPSILON, t);
        lv_iq_set_num(out, round(t) / scale);
    } else {
        lv_iq_set_num(out, round(x / scale) * scale);
    }
}

/* haversine(lat1, lon1, lat2, lon2): great-circle distance in km between
 * points given in degrees, on a sphere of the mean Earth radius
 * 6371.0088 km (IUGG); AWS does not state its radius. */
static void fn_haversine(const struct lv_iq_val *args, size_t n,
                         const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                         struct lv_iq_val *out)
{
    double v[4], p1, p2, dp, dl, h;
    const double rad = M_PI / 180;

    (void)n, (void)cx, (void)a;
    for (int i = 0; i < 4; i++) {
        if (!lv_iq_arg_num(&args[i], &v[i])) {
            lv_iq_set_null(out);
            return;
        }
    }
    if (fabs(v[0]) > 90 || fabs(v[2]) > 90) {
        lv_iq_set_null(out);
        return;
    }
    p1 = v[0] * rad;
    p2 = v[2] * rad;
    dp = (v[2] - v[0]) * rad;
    dl = (v[3] - v[1]) * rad;
    h = sin(dp / 2) * sin(dp / 2) +
        cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    if (h > 1) {
        h = 1;
    }
    lv_iq_set_num(out, 2 * 6371.0088 * asin(sqrt(h)));
}

/* toNumber(f): "Converts a string field value to a numeric value" — a
 * whole decimal number, else NULL. */
static void fn_tonumber(const struct lv_iq_val *args, size_t n,
                        const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                        struct lv_iq_val *out)
{
    double x;

    (void)n, (void)cx, (void)a;
    if (!lv_iq_arg_num(&args[0], &x)) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, x);
}

/* toInt / toLong: the number truncated toward zero ("3.9" → 3, -3.9 →
 * -3); NULL when it does not fit 32 (toInt) or 64 (toLong) bits signed —
 * the strict reading of "Converts a field value to an integer (32-bit)",
 * where Java would wrap silently. */
static void to_integer(const struct lv_iq_val *arg, double lo, double hi,
                       struct lv_iq_val *out)
{
    double x;

    if (!lv_iq_arg_num(arg, &x)) {
        lv_iq_set_null(out);
        return;
    }
    x = trunc(x);
    if (x < lo || x >= hi) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, x);
}

static void fn_toint(const struct lv_iq_val *args, size_t n,
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                     struct lv_iq_val *out)
{
    (void)n, (void)cx, (void)a;
    to_integer(&args[0], -2147483648.0, 2147483648.0, out);
}

static void fn_tolong(const struct lv_iq_val *args, size_t n,
                      const struct lv_iq_ctx *cx, struct lv_iq_arena *a,
                      struct lv_iq_val *out)
{
    (void)n, (void)cx, (void)a;
    to_integer(&args[0], -9223372036854775808.0, 9223372036854775808.0,
               out);
}

static const struct lv_iq_fn num_fns[] = {
    { "abs", 1, 1, fn_abs },
    { "ceil", 1, 1, fn_ceil },
    { "floor", 1, 1, fn_floor },
    { "greatest", 1, -1, fn_greatest },
    { "least", 1, -1, fn_least },
    { "log", 1, 1, fn_log },
    { "round", 1, 2, fn_round },
    { "sqrt", 1, 1, fn_sqrt },
    { "haversine", 4, 4, fn_haversine },
    { "toNumber", 1, 1, fn_tonumber },
    { "toInt", 1, 1, fn_toint },
    { "toLong", 1, 1, fn_tolong },
    { "toDouble", 1, 1, fn_todouble },
};
const struct lv_iq_fn_table lv_iq_fns_num = {
    num_fns, sizeof(num_fns) / sizeof(num_fns[0])
};
