/*
 * fn_time: the functions page's "Datetime functions" — bin, datefloor,
 * dateceil, fromMillis, toMillis, now, parseDate, formatDate (and its
 * alias strftime). Times are epoch milliseconds, UTC.
 *
 * Periods (a period literal evaluates to its text, fn_int.h): a positive
 * integer and a unit, every spelling the bin() row lists — ms msec
 * millisecond, s sec second, m min minute, h hr hour, d day, w week,
 * mo mon month, q qtr quarter, y yr year — and each spelling of more than
 * one character with an "s" added ("hrs", "minutes"). The documented caps
 * apply: "the cap for ms is 1000, the caps for s and m are 60, and the cap
 * for h is 24", so bin(300s) is bin(60s). Days are UTC days; weeks start
 * on Monday (ISO 8601: AWS does not say); months, quarters and years are
 * calendar ones, counted from January 1970.
 */
#include "insights/fn_int.h"
#include "util/civil.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000LL

static const struct unit {
    const char *name;
    int64_t ms;         /* 0: calendar unit */
    int months;
    int cap;            /* 0: none */
} units[] = {
    { "ms", 1, 0, 1000 }, { "msec", 1, 0, 1000 },
    { "millisecond", 1, 0, 1000 },
    { "s", 1000, 0, 60 }, { "sec", 1000, 0, 60 }, { "second", 1000, 0, 60 },
    { "m", 60000, 0, 60 }, { "min", 60000, 0, 60 },
    { "minute", 60000, 0, 60 },
    { "h", 3600000, 0, 24 }, { "hr", 3600000, 0, 24 },
    { "hour", 3600000, 0, 24 },
    { "d", DAY_MS, 0, 0 }, { "day", DAY_MS, 0, 0 },
    { "w", 7 * DAY_MS, 0, 0 }, { "week", 7 * DAY_MS, 0, 0 },
    { "mo", 0, 1, 0 }, { "mon", 0, 1, 0 }, { "month", 0, 1, 0 },
    { "q", 0, 3, 0 }, { "qtr", 0, 3, 0 }, { "quarter", 0, 3, 0 },
    { "y", 0, 12, 0 }, { "yr", 0, 12, 0 }, { "year", 0, 12, 0 },
};

int lv_iq_period_parse(const char *s, size_t len, int64_t *ms, int *months)
{
    size_t i = 0;
    int64_t count = 0;

    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (count > 1000000000) {
            return -1;
        }
        count = count * 10 + (s[i] - '0');
        i++;
    }
    if (!i || !count || i == len) {
        return -1;
    }
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t ul = strlen(units[u].name), rest = len - i;

        if (!(rest == ul || (ul > 1 && rest == ul + 1 && s[len - 1] == 's'))
            || memcmp(s + i, units[u].name, ul)) {
            continue;
        }
        if (units[u].cap && count > units[u].cap) {
            count = units[u].cap;
        }
        if (units[u].months && count > 1000000) {
            return -1;          /* past any calendar a time can reach */
        }
        *ms = units[u].ms * count;
        *months = units[u].months * (int)count;
        return 0;
    }
    return -1;
}

/* ---- calendar ------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t lv_iq_time_add_months(int64_t t, int months)
{
    int64_t days = floor_div(t, DAY_MS);
    int64_t in_day = t - days * DAY_MS;
    int64_t y, mi;
    unsigned m, d, last;

    lv_civil_from_days(days, &y, &m, &d);
    mi = y * 12 + (int64_t)m - 1 + months;
    y = floor_div(mi, 12);
    m = (unsigned)(mi - y * 12) + 1;
    last = (unsigned)(lv_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1,
                                      1) - lv_days_from_civil(y, m, 1));
    if (d > last) {
        d = last;
    }
    return lv_days_from_civil(y, m, d) * DAY_MS + in_day;
}

/* Times beyond ±10^16 ms (about ±300,000 years) are refused, so that no
 * calendar arithmetic below overflows. */
#define MAX_ABS_MS 1e16

/* t floored to the period; *next is the start of the following one. */
static void floor_period(int64_t t, int64_t pms, int months, int64_t *fl,
                         int64_t *next)
{
    if (months) {
        int64_t days = floor_div(t, DAY_MS), y, mi;
        unsigned m, d;

        lv_civil_from_days(days, &y, &m, &d);
        mi = (y - 1970) * 12 + (m - 1);
        mi = floor_div(mi, months) * months;
        *fl = lv_days_from_civil(1970 + floor_div(mi, 12),
                              (unsigned)(mi - floor_div(mi, 12) * 12) + 1,
                              1) * DAY_MS;
        mi += months;
        *next = lv_days_from_civil(1970 + floor_div(mi, 12),
                                (unsigned)(mi - floor_div(mi, 12) * 12) + 1,
                                1) * DAY_MS;
        return;
    }
    if (pms % (7 * DAY_MS) == 0) {
        /* Weeks from Monday 1970-01-05. */
        int64_t origin = 4 * DAY_MS;

        *fl = floor_div(t - origin, pms) * pms + origin;
    } else {
        *fl = floor_div(t, pms) * pms;
    }
    *next = *fl + pms;
}

/* A time argument: a time, or a number of epoch ms (a field holding one). */
static int arg_time(const struct lv_iq_val *v, int64_t *ms)
{
    double d;

    if (v->t != LV_IQ_TIME && !lv_iq_arg_num(v, &d)) {
        return 0;
    }
    d = v->t == LV_IQ_TIME ? v->num : d;
    if (!isfinite(d) || fabs(d) > MAX_ABS_MS) {
        return 0;
    }
    *ms = (int64_t)floor(d);
    return 1;
}

static int arg_period(const struct lv_iq_val *v, int64_t *ms, int *months)
{
    return v->t == LV_IQ_STR && lv_iq_period_parse(v->s, v->len, ms,
                                                   months) == 0;
}

#define FN(name)                                                              \
    static void name(const struct lv_iq_val *args, size_t n,                  \
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,       \
                     struct lv_iq_val *out)

static void round_time(const struct lv_iq_val *tv, const struct lv_iq_val *pv,
                       int up, struct lv_iq_val *out)
{
    int64_t t, pms, fl, next;
    int months;

    if (!arg_time(tv, &t) || !arg_period(pv, &pms, &months)) {
        lv_iq_set_null(out);
        return;
    }
    floor_period(t, pms, months, &fl, &next);
    lv_iq_set_time(out, (double)(up && fl != t ? next : fl));
}

/* bin(period): eval.c passes the row's @timestamp as a second argument
 * (fn_int.h). "Rounds the value of @timestamp to the given time period
 * and then truncates": the start of the period holding it. */
FN(fn_bin)
{
    (void)cx, (void)a;
    if (n < 2) {
        lv_iq_set_null(out);
        return;
    }
    round_time(&args[1], &args[0], 0, out);
}

FN(fn_datefloor)
{
    (void)n, (void)cx, (void)a;
    round_time(&args[0], &args[1], 0, out);
}

/* dateceil: the end of the period holding t, t itself on a boundary. */
FN(fn_dateceil)
{
    (void)n, (void)cx, (void)a;
    round_time(&args[0], &args[1], 1, out);
}

FN(fn_frommillis)
{
    double d;

    (void)n, (void)cx, (void)a;
    if (!lv_iq_arg_num(&args[0], &d) || fabs(d) > MAX_ABS_MS) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_time(out, floor(d));
}

FN(fn_tomillis)
{
    int64_t t;

    (void)n, (void)cx, (void)a;
    if (!arg_time(&args[0], &t)) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, (double)t);
}

/* now(): "the time that the query processing was started, in epoch
 * seconds" — whole seconds, a number (the page's example multiplies it by
 * 1000 to compare with toMillis). */
FN(fn_now)
{
    (void)args, (void)n, (void)a;
    lv_iq_set_num(out, (double)floor_div(cx->now_ms, 1000));
}

/* ---- time zones ---------------------------------------------------------- */

/* The timezone argument of parseDate / formatDate: "UTC", "GMT", "Z", or
 * an offset [UTC|GMT]±HH[:MM] / ±HHMM. Named zones (America/New_York)
 * need the tz database, which the engine does not carry: NULL. */
static int parse_zone(const char *s, size_t len, int *off_s)
{
    int sign, h, m = 0;

    if ((len == 3 && (!memcmp(s, "UTC", 3) || !memcmp(s, "GMT", 3))) ||
        (len == 1 && s[0] == 'Z')) {
        *off_s = 0;
        return 1;
    }
    if (len > 3 && (!memcmp(s, "UTC", 3) || !memcmp(s, "GMT", 3))) {
        s += 3;
        len -= 3;
    }
    if (len < 3 || (s[0] != '+' && s[0] != '-')) {
        return 0;
    }
    sign = s[0] == '-' ? -1 : 1;
    if (s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9') {
        return 0;
    }
    h = (s[1] - '0') * 10 + (s[2] - '0');
    s += 3;
    len -= 3;
    if (len && s[0] == ':') {
        s++;
        len--;
    }
    if (len == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' &&
        s[1] <= '9') {
        m = (s[0] - '0') * 10 + (s[1] - '0');
    } else if (len) {
        return 0;
    }
    if (h > 18 || m > 59) {
        return 0;
    }
    *off_s = sign * (h * 3600 + m * 60);
    return 1;
}

/* ---- formatDate ---------------------------------------------------------- */

/* formatDate(ts, format [, timezone]) / strftime: C strftime conversions
 * of the time in the zone (C locale). %Z prints "UTC" or the offset, %s
 * the epoch seconds. */
FN(fn_formatdate)
{
    const char *fmt, *zs;
    size_t flen, zlen;
    int64_t t, days, rem, y;
    unsigned m, d;
    int off = 0;
    struct tm tm;
    char zone[16];
    char *cfmt, *res;
    size_t got;

    (void)cx;
    if (!arg_time(&args[0], &t) || !lv_iq_arg_str(&args[1], a, &fmt, &flen) ||
        !flen || memchr(fmt, '\0', flen)) {
        lv_iq_set_null(out);
        return;
    }
    if (n > 2 && (!lv_iq_arg_str(&args[2], a, &zs, &zlen) ||
                  !parse_zone(zs, zlen, &off))) {
        lv_iq_set_null(out);
        return;
    }
    t += (int64_t)off * 1000;
    days = floor_div(t, DAY_MS);
    rem = t - days * DAY_MS;
    lv_civil_from_days(days, &y, &m, &d);
    if (y < -9999 || y > 99999) {
        lv_iq_set_null(out);
        return;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)(y - 1900);
    tm.tm_mon = (int)m - 1;
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)(rem / 3600000);
    tm.tm_min = (int)(rem / 60000 % 60);
    tm.tm_sec = (int)(rem / 1000 % 60);
    tm.tm_wday = (int)((days % 7 + 11) % 7);     /* 1970-01-01: Thursday */
    tm.tm_yday = (int)(days - lv_days_from_civil(y, 1, 1));
    if (off) {
        snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+',
                 (off < 0 ? -off : off) / 3600,
                 (off < 0 ? -off : off) / 60 % 60);
    } else {
        snprintf(zone, sizeof(zone), "UTC");
    }
    tm.tm_gmtoff = off;
    tm.tm_zone = zone;
    /* %s would go through mktime, in the server's local zone: it is
     * written here as the epoch seconds of the time itself. */
    cfmt = lv_iq_arena_alloc(a, flen * 21 + 1);
    {
        size_t o = 0;
        int64_t secs = floor_div(t - (int64_t)off * 1000, 1000);

        for (size_t i = 0; i < flen; i++) {
            if (fmt[i] == '%' && i + 1 < flen && fmt[i + 1] == 's') {
                o += (size_t)snprintf(cfmt + o, 22, "%lld", (long long)secs);
                i++;
            } else if (fmt[i] == '%' && i + 1 < flen) {
                cfmt[o++] = fmt[i++];
                cfmt[o++] = fmt[i];
            } else {
                cfmt[o++] = fmt[i];
            }
        }
        cfmt[o] = '\0';
        flen = o;
    }
    res = lv_iq_arena_alloc(a, 4 * flen + 256);
    got = strftime(res, 4 * flen + 256, cfmt, &tm);
    if (!got) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_str(out, res, got);
}

/* ---- parseDate ----------------------------------------------------------- */

static const char *const month_names[] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
};
static const char *const day_names[] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday",
};

struct pd {
    const char *s;
    size_t len, i;
    int64_t year;
    int mon, day, hour, min, sec, ms, pm, has_ampm, off_s, has_off;
};

/* Reads between lo and hi digits (hi digits when the pattern letter run is
 * as long, as Java's adjacent-value parsing needs for "yyyyMMdd"). */
static int pd_num(struct pd *p, int lo, int hi, int64_t *v)
{
    int k = 0;

    *v = 0;
    while (k < hi && p->i < p->len && p->s[p->i] >= '0' &&
           p->s[p->i] <= '9') {
        *v = *v * 10 + (p->s[p->i] - '0');
        p->i++;
        k++;
    }
    return k >= lo;
}

static int pd_name(struct pd *p, const char *const *names, int count,
                   int full, int *idx)
{
    for (int k = 0; k < count; k++) {
        size_t l = full ? strlen(names[k]) : 3;

        if (p->len - p->i >= l && !strncasecmp(p->s + p->i, names[k], l)) {
            p->i += l;
            *idx = k;
            return 1;
        }
    }
    return 0;
}

static int pd_offset(struct pd *p, char letter, int width)
{
    size_t start = p->i;
    int sign, h, m = 0;

    if (p->i < p->len && p->s[p->i] == 'Z' && letter == 'X') {
        p->i++;
        p->off_s = 0;
        p->has_off = 1;
        return 1;
    }
    if (p->i >= p->len || (p->s[p->i] != '+' && p->s[p->i] != '-')) {
        return 0;
    }
    sign = p->s[p->i] == '-' ? -1 : 1;
    p->i++;
    {
        int64_t v;

        if (!pd_num(p, 2, 2, &v)) {
            p->i = start;
            return 0;
        }
        h = (int)v;
        if (width != 1 || letter == 'Z') {
            if (p->i < p->len && p->s[p->i] == ':') {
                p->i++;
            }
            if (!pd_num(p, 2, 2, &v)) {
                p->i = start;
                return 0;
            }
            m = (int)v;
        }
    }
    p->off_s = sign * (h * 3600 + m * 60);
    p->has_off = 1;
    return 1;
}

/* One run of a pattern letter: 1 if the text matched. */
static int pd_field(struct pd *p, char c, int w, int next_is_digit_field)
{
    int64_t v;
    int idx;

    switch (c) {
    case 'y':
    case 'u':
        if (w == 2) {
            if (!pd_num(p, 2, 2, &v)) {
                return 0;
            }
            p->year = 2000 + v;
            return 1;
        }
        if (!pd_num(p, w, next_is_digit_field ? w : 9, &v)) {
            return 0;
        }
        p->year = v;
        return 1;
    case 'M':
    case 'L':
        if (w >= 3) {
            if (!pd_name(p, month_names, 12, w >= 4, &idx)) {
                return 0;
            }
            p->mon = idx + 1;
            return 1;
        }
        if (!pd_num(p, w, w == 2 ? 2 : (next_is_digit_field ? 1 : 2), &v)) {
            return 0;
        }
        p->mon = (int)v;
        return 1;
    case 'E':
        return pd_name(p, day_names, 7, w >= 4, &idx);
    case 'a':
        if (p->len - p->i >= 2 && !strncasecmp(p->s + p->i, "AM", 2)) {
            p->pm = 0;
        } else if (p->len - p->i >= 2 &&
                   !strncasecmp(p->s + p->i, "PM", 2)) {
            p->pm = 1;
        } else {
            return 0;
        }
        p->i += 2;
        p->has_ampm = 1;
        return 1;
    case 'S':
        if (!pd_num(p, w, w, &v)) {
            return 0;
        }
        for (int k = w; k > 3; k--) {
            v /= 10;
        }
        for (int k = w; k < 3; k++) {
            v *= 10;
        }
        p->ms = (int)v;
        return 1;
    case 'X':
    case 'x':
    case 'Z':
        return pd_offset(p, c, w);
    case 'd':
    case 'H':
    case 'h':
    case 'm':
    case 's':
        if (!pd_num(p, w, w == 2 ? 2 : (next_is_digit_field ? 1 : 2), &v)) {
            return 0;
        }
        if (c == 'd') {
            p->day = (int)v;
        } else if (c == 'H' || c == 'h') {
            p->hour = (int)v;
        } else if (c == 'm') {
            p->min = (int)v;
        } else {
            p->sec = (int)v;
        }
        return 1;
    default:
        return 0;           /* a pattern letter not supported */
    }
}

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * parseDate(text, format [, timezone]): epoch ms of text read with a Java
 * DateTimeFormatter pattern. Supported letters: y u (year; "yy" is
 * 2000-2099), M L (month: M, MM, MMM "Jan", MMMM "January"), d, H, h with
 * a (AM/PM), m, s, S… (fraction), E (day name, checked for form only),
 * X x Z (offset: "Z", +HH, +HHMM, +HH:MM); 'quoted' text and any other
 * non-letter match themselves. Any other letter, text left over, or a
 * field out of range gives NULL. Without an offset in the text, the time
 * is in timezone (default UTC).
 */
FN(fn_parsedate)
{
    const char *fmt, *zs;
    size_t flen, zlen, f = 0;
    struct pd p;
    int64_t days;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                 31 };

    (void)cx;
    memset(&p, 0, sizeof(p));
    p.year = 1970;
    p.mon = 1;
    p.day = 1;
    if (!lv_iq_arg_str(&args[0], a, &p.s, &p.len) ||
        !lv_iq_arg_str(&args[1], a, &fmt, &flen)) {
        goto null;
    }
    if (n > 2) {
        if (!lv_iq_arg_str(&args[2], a, &zs, &zlen) ||
            !parse_zone(zs, zlen, &p.off_s)) {
            goto null;
        }
    }
    while (f < flen) {
        char c = fmt[f];

        if (c == '\'') {
            size_t e = f + 1;

            if (e < flen && fmt[e] == '\'') {       /* '' is a quote */
                if (p.i >= p.len || p.s[p.i] != '\'') {
                    goto null;
                }
                p.i++;
                f += 2;
                continue;
            }
            while (e < flen && fmt[e] != '\'') {
                e++;
            }
            if (e >= flen || p.len - p.i < e - f - 1 ||
                memcmp(p.s + p.i, fmt + f + 1, e - f - 1)) {
                goto null;
            }
            p.i += e - f - 1;
            f = e + 1;
            continue;
        }
        if (is_letter(c)) {
            size_t w = 1;
            int next_digit;

            while (f + w < flen && fmt[f + w] == c) {
                w++;
            }
            next_digit = f + w < flen && strchr("yuMLdHhmsS", fmt[f + w]) &&
                         fmt[f + w] != '\0';
            if (w > 9 || !pd_field(&p, c, (int)w, next_digit)) {
                goto null;
            }
            f += w;
            continue;
        }
        if (p.i >= p.len || p.s[p.i] != c) {
            goto null;
        }
        p.i++;
        f++;
    }
    if (p.i != p.len) {
        goto null;
    }
    if (p.has_ampm) {
        if (p.hour < 1 || p.hour > 12) {
            goto null;
        }
        p.hour = p.hour % 12 + (p.pm ? 12 : 0);
    }
    if (p.mon < 1 || p.mon > 12 || p.day < 1 || p.day > mdays[p.mon - 1] ||
        (p.mon == 2 && p.day == 29 &&
         !(p.year % 4 == 0 && (p.year % 100 != 0 || p.year % 400 == 0))) ||
        p.hour > 23 || p.min > 59 || p.sec > 59 || p.year > 99999) {
        goto null;
    }
    days = lv_days_from_civil(p.year, (unsigned)p.mon, (unsigned)p.day);
    lv_iq_set_num(out, (double)(days * DAY_MS + p.hour * 3600000LL +
                                p.min * 60000LL + p.sec * 1000LL + p.ms -
                                (int64_t)p.off_s * 1000));
    return;
null:
    lv_iq_set_null(out);
}

static const struct lv_iq_fn time_fns[] = {
    { "bin", 1, 1, fn_bin },
    { "datefloor", 2, 2, fn_datefloor },
    { "dateceil", 2, 2, fn_dateceil },
    { "fromMillis", 1, 1, fn_frommillis },
    { "toMillis", 1, 1, fn_tomillis },
    { "now", 0, 0, fn_now },
    { "parseDate", 2, 3, fn_parsedate },
    { "formatDate", 2, 3, fn_formatdate },
    { "strftime", 2, 3, fn_formatdate },
};
const struct lv_iq_fn_table lv_iq_fns_time = {
    time_fns, sizeof(time_fns) / sizeof(time_fns[0])
};

int lv_iq_fn_is_bin(const struct lv_iq_fn *fn)
{
    return fn == &time_fns[0];
}
