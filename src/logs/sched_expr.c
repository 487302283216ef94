/*
 * sched_expr.c: rate() and cron() schedule expressions (sched_expr.h).
 */
#include "logs/sched_expr.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define RATE_MAX 1000000

struct field {
    const char *name;
    int lo, hi;
    const char *const *names;       /* names of lo.., or NULL */
};

static const char *const months[] = { "JAN", "FEB", "MAR", "APR", "MAY",
                                      "JUN", "JUL", "AUG", "SEP", "OCT",
                                      "NOV", "DEC", NULL };
static const char *const days[] = { "SUN", "MON", "TUE", "WED", "THU",
                                    "FRI", "SAT", NULL };

static const struct field fields[6] = {
    { "Minutes", 0, 59, NULL },
    { "Hours", 0, 23, NULL },
    { "Day-of-month", 1, 31, NULL },
    { "Month", 1, 12, months },
    { "Day-of-week", 1, 7, days },
    { "Year", LV_SCHED_YEAR_MIN, LV_SCHED_YEAR_MAX, NULL },
};

static int bad(char *msg, size_t cap, const char *what)
{
    snprintf(msg, cap, "Invalid schedule expression: %s", what);
    return -1;
}

/* A number or a name of f at s[*i..n): its value, or -1. */
static int value(const struct field *f, const char *s, size_t n, size_t *i)
{
    long v = 0;
    size_t j = *i;

    if (f->names && n - j >= 3) {
        for (int k = 0; f->names[k]; k++) {
            if (strncmp(s + j, f->names[k], 3) == 0) {
                *i = j + 3;
                return f->lo + k;
            }
        }
    }
    if (j >= n || s[j] < '0' || s[j] > '9') {
        return -1;
    }
    while (j < n && s[j] >= '0' && s[j] <= '9') {
        v = v * 10 + (s[j] - '0');
        if (v > 100000) {
            return -1;
        }
        j++;
    }
    *i = j;
    return (int)v;
}

static void set_bit(uint64_t *bits, int i)
{
    bits[i / 64] |= (uint64_t)1 << (i % 64);
}

/* One cron field s[0..n) into bits (indexed by value - base). */
static int parse_field(const struct field *f, const char *s, size_t n,
                       uint64_t *bits, int base, char *msg, size_t cap)
{
    char what[96];
    size_t i = 0;

    snprintf(what, sizeof(what), "the %s field is not valid.", f->name);
    if (n == 0) {
        return bad(msg, cap, what);
    }
    while (i < n) {
        int a, b, step = 1, single = 0;

        if (s[i] == '*') {
            a = f->lo;
            b = f->hi;
            i++;
        } else {
            a = value(f, s, n, &i);
            if (a < 0) {
                if (memchr(s, 'L', n) || memchr(s, 'W', n) ||
                    memchr(s, '#', n)) {
                    snprintf(what, sizeof(what), "the %s field uses L, W "
                             "or #, which logvault does not evaluate.",
                             f->name);
                }
                return bad(msg, cap, what);
            }
            b = a;
            single = 1;
            if (i < n && s[i] == '-') {
                single = 0;
                i++;
                b = value(f, s, n, &i);
                if (b < 0) {
                    return bad(msg, cap, what);
                }
            }
        }
        if (i < n && s[i] == '/') {
            size_t j = ++i;
            long v = 0;

            while (i < n && s[i] >= '0' && s[i] <= '9' && v <= 100000) {
                v = v * 10 + (s[i++] - '0');
            }
            if (i == j || v < 1 || v > f->hi) {
                return bad(msg, cap, what);
            }
            step = (int)v;
            if (single) {
                b = f->hi;          /* a/n: from a to the end */
            }
        }
        if (a < f->lo || b > f->hi || a > b) {
            return bad(msg, cap, what);
        }
        for (int v = a; v <= b; v += step) {
            set_bit(bits, v - base);
        }
        if (i < n) {
            if (s[i] != ',' || i + 1 == n) {
                return bad(msg, cap, what);
            }
            i++;
        }
    }
    return 0;
}

static int parse_rate(const char *s, size_t n, struct lv_sched_expr *e,
                      char *msg, size_t cap)
{
    static const struct { const char *one, *many; int64_t ms; } units[] = {
        { "minute", "minutes", 60000 },
        { "hour", "hours", 3600000 },
        { "day", "days", 86400000 },
    };
    size_t i = 0;
    long v = 0;

    while (i < n && s[i] >= '0' && s[i] <= '9' && v <= RATE_MAX) {
        v = v * 10 + (s[i++] - '0');
    }
    if (i == 0 || v < 1 || v > RATE_MAX || i >= n || s[i] != ' ') {
        return bad(msg, cap, "rate() takes a positive whole number and a "
                   "unit, as in rate(5 minutes).");
    }
    i++;
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        const char *u = v == 1 ? units[k].one : units[k].many;

        if (n - i == strlen(u) && memcmp(s + i, u, n - i) == 0) {
            e->kind = LV_SCHED_RATE;
            e->rate_ms = (int64_t)v * units[k].ms;
            return 0;
        }
    }
    return bad(msg, cap, "the unit of rate() is minute, hour or day for 1, "
               "minutes, hours or days for more.");
}

static int parse_cron(const char *s, size_t n, struct lv_sched_expr *e,
                      char *msg, size_t cap)
{
    size_t start = 0;
    int k = 0;

    for (size_t i = 0; i <= n; i++) {
        uint64_t bits[4] = { 0 };
        const struct field *f;
        size_t len;
        int any;

        if (i < n && s[i] != ' ') {
            continue;
        }
        if (k == 6) {
            return bad(msg, cap, "cron() takes six fields.");
        }
        f = &fields[k];
        len = i - start;
        any = len == 1 && s[start] == '?';
        if (any && k != 2 && k != 4) {
            return bad(msg, cap, "? is allowed only in the Day-of-month "
                       "and Day-of-week fields.");
        }
        if (!any && parse_field(f, s + start, len, k == 5 ? e->year : bits,
                                k == 5 ? LV_SCHED_YEAR_MIN : 0, msg,
                                cap) < 0) {
            return -1;
        }
        switch (k) {
        case 0: e->min = bits[0]; break;
        case 1: e->hour = (uint32_t)bits[0]; break;
        case 2: e->dom = (uint32_t)bits[0]; e->dom_any = any; break;
        case 3: e->month = (uint16_t)bits[0]; break;
        case 4: e->dow = (uint8_t)bits[0]; e->dow_any = any; break;
        default: break;
        }
        k++;
        start = i + 1;
    }
    if (k != 6) {
        return bad(msg, cap, "cron() takes six fields.");
    }
    if (e->dom_any == e->dow_any) {
        return bad(msg, cap, "one of the Day-of-month and Day-of-week "
                   "fields must be ?, and only one.");
    }
    e->kind = LV_SCHED_CRON;
    return 0;
}

int lv_sched_expr_parse(const char *s, size_t len, struct lv_sched_expr *out,
                        char *msg, size_t cap)
{
    memset(out, 0, sizeof(*out));
    if (len > 5 && memcmp(s, "rate(", 5) == 0 && s[len - 1] == ')') {
        return parse_rate(s + 5, len - 6, out, msg, cap);
    }
    if (len > 5 && memcmp(s, "cron(", 5) == 0 && s[len - 1] == ')') {
        return parse_cron(s + 5, len - 6, out, msg, cap);
    }
    return bad(msg, cap, "use rate(VALUE UNIT) or cron(MINUTES HOURS "
               "DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR).");
}

static int has_year(const struct lv_sched_expr *e, int y)
{
    int i = y - LV_SCHED_YEAR_MIN;

    return i >= 0 && y <= LV_SCHED_YEAR_MAX &&
           (e->year[i / 64] >> (i % 64)) & 1;
}

static time_t at(int y, int mon, int d, int h, int m)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = m;
    return timegm(&tm);
}

int64_t lv_sched_expr_next(const struct lv_sched_expr *e, int64_t anchor_ms,
                           int64_t after_ms)
{
    time_t t;
    struct tm tm;

    if (e->kind == LV_SCHED_RATE) {
        int64_t k;

        if (after_ms < anchor_ms) {
            return anchor_ms;
        }
        k = (after_ms - anchor_ms) / e->rate_ms + 1;
        return anchor_ms + k * e->rate_ms;
    }
    if (after_ms < 0) {
        after_ms = -60000;
    }
    t = (time_t)(after_ms / 60000 * 60 + 60);
    for (;;) {
        int y;

        gmtime_r(&t, &tm);
        y = tm.tm_year + 1900;
        if (y > LV_SCHED_YEAR_MAX) {
            return -1;
        }
        if (!has_year(e, y)) {
            t = at(y + 1, 0, 1, 0, 0);
        } else if (!((e->month >> (tm.tm_mon + 1)) & 1)) {
            t = at(y, tm.tm_mon + 1, 1, 0, 0);
        } else if (e->dom_any ? !((e->dow >> (tm.tm_wday + 1)) & 1)
                              : !((e->dom >> tm.tm_mday) & 1)) {
            t = at(y, tm.tm_mon, tm.tm_mday + 1, 0, 0);
        } else if (!((e->hour >> tm.tm_hour) & 1)) {
            t = at(y, tm.tm_mon, tm.tm_mday, tm.tm_hour + 1, 0);
        } else if (!((e->min >> tm.tm_min) & 1)) {
            t += 60;
        } else {
            return (int64_t)t * 1000;
        }
    }
}
