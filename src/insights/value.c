/*
 * value: what a Logs Insights value is as a number, as text, in order and
 * as a condition (iq.h). Pure functions of their arguments: no row, no
 * clock.
 */
#include "insights/iq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/civil.h"
#include "util/mem.h"

/* ---- numbers ------------------------------------------------------------- */

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/*
 * A decimal number and nothing else: [+-] digits [. digits] [e [+-]
 * digits], digits on at least one side of the point. Hex, "inf", "nan"
 * and "1e" (which strtod takes or half-takes) are not numbers to
 * Insights' users, so they are refused before strtod sees them.
 */
static int decimal_syntax(const char *s, size_t n)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;

    if (i < n && (s[i] == '+' || s[i] == '-')) {
        i++;
    }
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
        int_digits++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            frac_digits++;
        }
    }
    if (!int_digits && !frac_digits) {
        return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;

        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (!exp_digits) {
            return 0;
        }
    }
    return i == n;
}

static int parse_decimal(const char *s, size_t n, double *out)
{
    char small[64];
    char *copy = small;
    double d;

    while (n && is_blank((unsigned char)s[0])) {
        s++;
        n--;
    }
    while (n && is_blank((unsigned char)s[n - 1])) {
        n--;
    }
    if (!n || !decimal_syntax(s, n)) {
        return 0;
    }
    if (n >= sizeof(small)) {
        copy = lv_xmalloc(n + 1);
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    d = strtod(copy, NULL);
    if (copy != small) {
        free(copy);
    }
    if (!isfinite(d)) {
        return 0;
    }
    *out = d;
    return 1;
}

double lv_iq_val_num(const struct lv_iq_val *v, int *ok)
{
    double d = 0;
    int good = 0;

    switch (v->t) {
    case LV_IQ_NUM:
    case LV_IQ_TIME:
    case LV_IQ_BOOL:
        d = v->num;
        good = 1;
        break;
    case LV_IQ_STR:
        good = parse_decimal(v->s, v->len, &d);
        break;
    case LV_IQ_NULL:
    case LV_IQ_JSON:
        break;
    }
    if (ok) {
        *ok = good;
    }
    return good ? d : 0;
}

/* ---- text ---------------------------------------------------------------- */

/*
 * A number as GetQueryResults shows it. AWS documents no format beyond its
 * examples (counts as "42", bin() keys as times); we print the shortest
 * decimal that reads back as the same double, laid out as JavaScript's
 * Number#toString does (plain digits from 1e-7 up to 1e21, an exponent
 * outside): integral values have no ".0", 1/3 is "0.3333333333333333",
 * 0.1 + 0.2 is "0.30000000000000004". Non-finite values never come out of
 * eval (they become NULL), so they print nothing.
 */
static void add_number(struct lv_buf *out, double d)
{
    char e[40], digits[24];
    int prec, exp10, k = 0, n, i;
    const char *p;

    if (!isfinite(d)) {
        return;
    }
    if (d == 0) {
        lv_buf_addc(out, '0');
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d) {
            break;
        }
    }
    /* e is "-d.ddde+XX": collect the digits and the exponent. */
    p = e;
    if (*p == '-') {
        lv_buf_addc(out, '-');
        p++;
    }
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9' && k < (int)sizeof(digits) - 1) {
            digits[k++] = *p;
        }
    }
    while (k > 1 && digits[k - 1] == '0') {
        k--;
    }
    digits[k] = '\0';
    exp10 = (int)strtol(p + 1, NULL, 10);
    n = exp10 + 1;      /* where the decimal point goes */
    if (k <= n && n <= 21) {
        lv_buf_add(out, digits, (size_t)k);
        for (i = k; i < n; i++) {
            lv_buf_addc(out, '0');
        }
    } else if (0 < n && n <= 21) {
        lv_buf_add(out, digits, (size_t)n);
        lv_buf_addc(out, '.');
        lv_buf_add(out, digits + n, (size_t)(k - n));
    } else if (-6 < n && n <= 0) {
        lv_buf_adds(out, "0.");
        for (i = n; i < 0; i++) {
            lv_buf_addc(out, '0');
        }
        lv_buf_add(out, digits, (size_t)k);
    } else {
        lv_buf_addc(out, digits[0]);
        if (k > 1) {
            lv_buf_addc(out, '.');
            lv_buf_add(out, digits + 1, (size_t)(k - 1));
        }
        lv_buf_addf(out, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
}

/* 2024-01-02 03:04:05.678, UTC: how GetQueryResults shows @timestamp and
 * bin() values (recorded results show "2026-05-24 10:00:00.000" for a
 * bin(5m) key). */
static void add_time(struct lv_buf *out, double ms_d)
{
    int64_t ms, days, rem, y;
    unsigned m, d;

    if (!isfinite(ms_d) || fabs(ms_d) > 8.64e18) {
        return;
    }
    ms = (int64_t)floor(ms_d);
    days = ms / 86400000;
    rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    lv_civil_from_days(days, &y, &m, &d);
    lv_buf_addf(out, "%04lld-%02u-%02u %02d:%02d:%02d.%03d", (long long)y,
                m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
                (int)(rem / 1000 % 60), (int)(rem % 1000));
}

void lv_iq_val_text(const struct lv_iq_val *v, struct lv_buf *out)
{
    switch (v->t) {
    case LV_IQ_NULL:
        break;
    case LV_IQ_STR:
    case LV_IQ_JSON:
        lv_buf_add(out, v->s, v->len);
        break;
    case LV_IQ_NUM:
        add_number(out, v->num);
        break;
    case LV_IQ_BOOL:
        /* The docs show booleans as numbers: "isempty … Returns 1",
         * "jsonArrayContains … Returns true (1)". */
        lv_buf_addc(out, v->num != 0 ? '1' : '0');
        break;
    case LV_IQ_TIME:
        add_time(out, v->num);
        break;
    }
}

/* ---- order --------------------------------------------------------------- */

static int cmp_num(double a, double b)
{
    return a < b ? -1 : a > b;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/*
 * The order of two non-number texts, by the sort page
 * (CWL_QuerySyntax-Sort): runs of digits compare by their length first,
 * then by value; everything else compares by Unicode value (bytewise, as
 * UTF-8 keeps code-point order), a digit against a non-digit included
 * ("2345 is compared with @ in the unicode order"). A text that is a
 * prefix of the other comes first.
 */
static int cmp_natural(const char *a, size_t na, const char *b, size_t nb)
{
    size_t i = 0, j = 0;

    while (i < na && j < nb) {
        unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[j];

        if (is_digit(ca) && is_digit(cb)) {
            size_t ri = i, rj = j;
            int c;

            while (ri < na && is_digit((unsigned char)a[ri])) {
                ri++;
            }
            while (rj < nb && is_digit((unsigned char)b[rj])) {
                rj++;
            }
            if (ri - i != rj - j) {
                return ri - i < rj - j ? -1 : 1;
            }
            c = memcmp(a + i, b + j, ri - i);
            if (c) {
                return c < 0 ? -1 : 1;
            }
            i = ri;
            j = rj;
            continue;
        }
        if (ca != cb) {
            return ca < cb ? -1 : 1;
        }
        i++;
        j++;
    }
    if (i < na) {
        return 1;
    }
    return j < nb ? -1 : 0;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);

    if (c) {
        return c < 0 ? -1 : 1;
    }
    return na < nb ? -1 : na > nb;
}

/*
 * The sort order (CWL_QuerySyntax-Sort, ascending): every non-number
 * before every number; numbers (NUM, TIME, BOOL and strings that are a
 * whole decimal number, "01" as 1) by value, equal values by their text so
 * that the order is total ("01" before "1", as the page lists them); other
 * texts by the natural order above, maps and lists by their JSON text.
 * NULL (a missing field) is undocumented: it sorts before everything, so a
 * descending sort puts events without the field last.
 */
int lv_iq_val_cmp(const struct lv_iq_val *a, const struct lv_iq_val *b)
{
    double da, db;
    int na, nb, c;

    if (a->t == LV_IQ_NULL || b->t == LV_IQ_NULL) {
        return (a->t != LV_IQ_NULL) - (b->t != LV_IQ_NULL);
    }
    da = a->t == LV_IQ_JSON ? 0 : lv_iq_val_num(a, &na);
    db = b->t == LV_IQ_JSON ? 0 : lv_iq_val_num(b, &nb);
    if (a->t == LV_IQ_JSON) {
        na = 0;
    }
    if (b->t == LV_IQ_JSON) {
        nb = 0;
    }
    if (na != nb) {
        return na ? 1 : -1;
    }
    if (na) {
        c = cmp_num(da, db);
        if (c || a->t != LV_IQ_STR || b->t != LV_IQ_STR) {
            return c;
        }
        return cmp_bytes(a->s, a->len, b->s, b->len);
    }
    return cmp_natural(a->s, a->len, b->s, b->len);
}

/*
 * A value as a condition (filter, and / or / not, if(), case()): NULL is
 * false; numbers, times and booleans are true when non-zero; a string that
 * is a number by its value ("0" is false, as a field holding 0 is), any
 * other non-empty string true; a map or list true. Undocumented: AWS only
 * says to use Boolean operators on TRUE/FALSE values.
 */
int lv_iq_val_truthy(const struct lv_iq_val *v)
{
    int ok;
    double d;

    switch (v->t) {
    case LV_IQ_NULL:
        return 0;
    case LV_IQ_NUM:
    case LV_IQ_TIME:
    case LV_IQ_BOOL:
        return v->num != 0;
    case LV_IQ_STR:
        d = lv_iq_val_num(v, &ok);
        return ok ? d != 0 : v->len > 0;
    case LV_IQ_JSON:
        return 1;
    }
    return 0;
}

void lv_iq_val_dup(struct lv_iq_val *dst, const struct lv_iq_val *src)
{
    *dst = *src;
    if (src->t == LV_IQ_STR || src->t == LV_IQ_JSON) {
        char *copy = lv_xmalloc(src->len + 1);

        if (src->len) {
            memcpy(copy, src->s, src->len);
        }
        copy[src->len] = '\0';
        dst->s = copy;
    } else {
        dst->s = NULL;
        dst->len = 0;
    }
}

void lv_iq_val_free(struct lv_iq_val *v)
{
    if (v->t == LV_IQ_STR || v->t == LV_IQ_JSON) {
        free((char *)v->s);
    }
    v->t = LV_IQ_NULL;
    v->s = NULL;
    v->len = 0;
}
