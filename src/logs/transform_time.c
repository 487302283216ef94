/*
 * transform_time.c: dateTimeConverter patterns (transform_time.h).
 *
 * Civil dates to days and back are util/civil.h's (proleptic
 * Gregorian), so no libc time zone
 * state (TZ, localtime) is touched and threads need no lock.
 */
#include "logs/transform_time.h"

#include "util/civil.h"
#include "util/tzif.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const months[] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
};
static const char *const days[] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday",
};

int lv_dtf_compile(const char *p, struct lv_dtf *f)
{
    memset(f, 0, sizeof(*f));
    while (*p) {
        struct lv_dtf_tok *t;

        if (f->n >= LV_DTF_MAX_TOKENS) {
            return -1;
        }
        t = &f->tok[f->n];
        if (isalpha((unsigned char)*p)) {
            char c = *p;
            size_t w = 0;

            if (!strchr("yMdHhmsSaEXZz", c)) {
                return -1;
            }
            while (p[w] == c) {
                w++;
            }
            if ((c == 'y' && w != 2 && w != 4) || w > 9 ||
                (c == 'M' && w > 4) || (strchr("dHhms", c) && w > 2) ||
                (c == 'a' && w != 1) || (c == 'X' && w > 3) ||
                (c == 'Z' && w > 1) || (c == 'z' && w > 3)) {
                return -1;
            }
            t->letter = c;
            t->width = (unsigned char)w;
            p += w;
        } else if (*p == '\'') {
            size_t k = 0;

            p++;
            if (*p == '\'') {           /* '' is one quote */
                t->text[k++] = '\'';
                p++;
            } else {
                while (*p && *p != '\'') {
                    if (k + 1 >= sizeof(t->text)) {
                        return -1;
                    }
                    t->text[k++] = *p++;
                }
                if (*p != '\'') {
                    return -1;
                }
                p++;
            }
            t->width = (unsigned char)k;
        } else {
            t->text[0] = *p++;
            t->width = 1;
        }
        f->n++;
    }
    return f->n ? 0 : -1;
}

static int parse_off(const char *z, int *off)
{
    int h;
    int m = 0;
    int sign;

    if (*z != '+' && *z != '-') {
        return -1;
    }
    sign = *z == '-' ? -1 : 1;
    z++;
    if (!isdigit((unsigned char)z[0]) || !isdigit((unsigned char)z[1])) {
        return -1;
    }
    h = (z[0] - '0') * 10 + (z[1] - '0');
    z += 2;
    if (*z == ':') {
        z++;
    }
    if (*z) {
        if (!isdigit((unsigned char)z[0]) ||
            !isdigit((unsigned char)z[1]) || z[2]) {
            return -1;
        }
        m = (z[0] - '0') * 10 + (z[1] - '0');
    }
    if (h > 18 || m > 59) {
        return -1;
    }
    *off = sign * (h * 3600 + m * 60);
    return 0;
}

int lv_dtf_zone(const char *z, int *off)
{
    if (!z || strcmp(z, "UTC") == 0 || strcmp(z, "GMT") == 0 ||
        strcmp(z, "Z") == 0 || strcmp(z, "Etc/UTC") == 0) {
        *off = 0;
        return 0;
    }
    if (strncmp(z, "UTC", 3) == 0 || strncmp(z, "GMT", 3) == 0) {
        z += 3;
    }
    return parse_off(z, off);
}

/* What java.time's z writes for the fixed zone z (offset off). */
static void fixed_abbr(const char *z, int off, char *out, size_t cap)
{
    char prefix[4] = "";
    int a = off < 0 ? -off : off;

    if (!z || strcmp(z, "Etc/UTC") == 0) {
        snprintf(out, cap, "UTC");
        return;
    }
    if (strncmp(z, "UTC", 3) == 0 || strncmp(z, "GMT", 3) == 0) {
        snprintf(prefix, sizeof(prefix), "%.3s", z);
    } else if (strncmp(z, "UT", 2) == 0) {
        snprintf(prefix, sizeof(prefix), "UT");
    }
    if (off == 0) {
        snprintf(out, cap, "%s", prefix[0] ? prefix : "Z");
    } else if (a % 60) {
        snprintf(out, cap, "%s%c%02d:%02d:%02d", prefix, off < 0 ? '-' : '+',
                 a / 3600, a / 60 % 60, a % 60);
    } else {
        snprintf(out, cap, "%s%c%02d:%02d", prefix, off < 0 ? '-' : '+',
                 a / 3600, a / 60 % 60);
    }
}

/* Files of the tz database that are no zone ID of java.time (ZoneId.of
 * refuses them): the host's own zone, the POSIX default rules, and the
 * copies under posix/ and right/ (tzif.c refuses right/'s leap seconds). */
static int java_zone_id(const char *z)
{
    return strcmp(z, "localtime") != 0 && strcmp(z, "posixrules") != 0 &&
           strcmp(z, "Factory") != 0 && strncmp(z, "posix/", 6) != 0 &&
           strncmp(z, "right/", 6) != 0;
}

int lv_dtf_tz(const char *zone, struct lv_dtf_tz *tz)
{
    const char *p = zone;

    memset(tz, 0, sizeof(*tz));
    if (lv_dtf_zone(zone, &tz->off_s) == 0) {
        fixed_abbr(zone, tz->off_s, tz->abbr, sizeof(tz->abbr));
        return 0;
    }
    /* java.time's offset IDs, never a file: "+5", "UT+05:00", "GMT+5"
     * (the tz database's GMT+5 would be five hours west). */
    if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0) {
        p += 3;
    } else if (strncmp(p, "UT", 2) == 0) {
        p += 2;
    }
    if (*p == '+' || *p == '-') {
        if (lv_dtf_zone(p, &tz->off_s) == 0) {
            /* "UT+05:00" */
        } else if (isdigit((unsigned char)p[1]) && !p[2]) {
            tz->off_s = (p[1] - '0') * 3600 * (*p == '-' ? -1 : 1);
        } else {
            return -1;
        }
        fixed_abbr(zone, tz->off_s, tz->abbr, sizeof(tz->abbr));
        return 0;
    }
    tz->rules = java_zone_id(zone) ? lv_tzif_get(zone) : NULL;
    return tz->rules ? 0 : -1;
}

/* Reads 1..max digits (exactly max when fixed): the value, or -1. */
static long digits(const char **s, const char *end, size_t max, int fixed)
{
    long v = 0;
    size_t k = 0;

    while (*s + k < end && k < max && isdigit((unsigned char)(*s)[k])) {
        v = v * 10 + ((*s)[k] - '0');
        k++;
    }
    if (k == 0 || (fixed && k != max)) {
        return -1;
    }
    *s += k;
    return v;
}

/* An English name of names[n] (full, or its first 3 letters), any case:
 * its index, or -1. */
static int name(const char **s, const char *end, const char *const *names,
                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t full = strlen(names[i]);

        if ((size_t)(end - *s) >= full &&
            strncasecmp(*s, names[i], full) == 0) {
            *s += full;
            return (int)i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (end - *s >= 3 && strncasecmp(*s, names[i], 3) == 0) {
            *s += 3;
            return (int)i;
        }
    }
    return -1;
}

int lv_dtf_parse(const struct lv_dtf *f, const char *s, size_t n,
                 int default_off, int64_t *ms)
{
    struct lv_dtf_tz tz = { .off_s = default_off };

    return lv_dtf_parse_tz(f, s, n, &tz, ms);
}

int lv_dtf_parse_tz(const struct lv_dtf *f, const char *s, size_t n,
                    const struct lv_dtf_tz *tz, int64_t *ms)
{
    const char *end = s + n;
    long year = 1970;
    long mon = 1;
    long day = 1;
    long hour = 0;
    long min = 0;
    long sec = 0;
    long frac_ms = 0;
    int pm = -1;
    int off = tz->off_s;
    int have_off = 0;
    int64_t local;

    for (size_t i = 0; i < f->n; i++) {
        const struct lv_dtf_tok *t = &f->tok[i];
        long v = 0;

        switch (t->letter) {
        case 0:
            if ((size_t)(end - s) < t->width ||
                memcmp(s, t->text, t->width) != 0) {
                return -1;
            }
            s += t->width;
            continue;
        case 'y':
            v = digits(&s, end, t->width, 1);
            year = t->width == 2 && v >= 0 ? 2000 + v : v;
            break;
        case 'M':
            v = t->width >= 3 ? name(&s, end, months, 12) + 1
                              : digits(&s, end, 2, t->width == 2);
            mon = v;
            v = v >= 1 && v <= 12 ? v : -1;
            break;
        case 'd':
            v = day = digits(&s, end, 2, t->width == 2);
            break;
        case 'H':
        case 'h':
            v = hour = digits(&s, end, 2, t->width == 2);
            break;
        case 'm':
            v = min = digits(&s, end, 2, t->width == 2);
            break;
        case 's':
            v = sec = digits(&s, end, 2, t->width == 2);
            break;
        case 'S': {
            const char *from = s;

            v = digits(&s, end, t->width, 1);
            /* to milliseconds: the first three digits */
            frac_ms = 0;
            for (size_t k = 0; k < 3; k++) {
                frac_ms = frac_ms * 10 +
                          (from + k < s ? from[k] - '0' : 0);
            }
            break;
        }
        case 'a':
            if (end - s >= 2 && strncasecmp(s, "AM", 2) == 0) {
                pm = 0;
            } else if (end - s >= 2 && strncasecmp(s, "PM", 2) == 0) {
                pm = 1;
            } else {
                return -1;
            }
            s += 2;
            continue;
        case 'E':
            v = name(&s, end, days, 7);
            break;
        case 'z':
            /* Zone names: the fixed UTC ones only (tz abbreviations are
             * ambiguous: "IST", "CST"). */
            if (end - s >= 3 && (memcmp(s, "UTC", 3) == 0 ||
                                 memcmp(s, "GMT", 3) == 0)) {
                s += 3;
            } else if (s < end && *s == 'Z') {
                s++;
            } else {
                return -1;
            }
            off = 0;
            have_off = 1;
            continue;
        case 'X':
        case 'Z': {
            char z[8];
            size_t k = 0;

            have_off = 1;
            if (t->letter == 'X' && s < end && *s == 'Z') {
                off = 0;
                s++;
                continue;
            }
            while (s + k < end && k < 6 &&
                   (isdigit((unsigned char)s[k]) || s[k] == ':' ||
                    (k == 0 && (s[k] == '+' || s[k] == '-')))) {
                z[k] = s[k];
                k++;
            }
            z[k] = '\0';
            if (parse_off(z, &off) < 0) {
                return -1;
            }
            s += k;
            continue;
        }
        default:
            return -1;
        }
        if (v < 0) {
            return -1;
        }
    }
    if (s != end || mon < 1 || mon > 12 || day < 1 || day > 31 ||
        hour > 23 || min > 59 || sec > 60) {
        return -1;
    }
    if (pm >= 0) {
        if (hour < 1 || hour > 12) {
            return -1;
        }
        hour = hour % 12 + (pm ? 12 : 0);
    }
    local = lv_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 +
            hour * 3600 + min * 60 + sec;
    if (!have_off && tz->rules) {
        *ms = lv_tzif_local_to_utc(tz->rules, local) * 1000 + frac_ms;
    } else {
        *ms = (local - off) * 1000 + frac_ms;
    }
    return 0;
}

int lv_dtf_format(const struct lv_dtf *f, int64_t ms, int off, char *out,
                  size_t cap)
{
    struct lv_dtf_tz tz = { .off_s = off };

    fixed_abbr(off == 0 ? "UTC" : "", off, tz.abbr, sizeof(tz.abbr));
    return lv_dtf_format_tz(f, ms, &tz, out, cap);
}

int lv_dtf_format_tz(const struct lv_dtf *f, int64_t ms,
                     const struct lv_dtf_tz *tz, char *out, size_t cap)
{
    struct lv_tzinfo zi;
    int off = tz->off_s;
    const char *abbr = tz->abbr;
    int64_t local = ms + (int64_t)off * 1000;
    int64_t day = (local >= 0 ? local : local - 86399999) / 86400000;
    int64_t rest = local - day * 86400000;
    int64_t y;
    unsigned m;
    unsigned d;
    size_t n = 0;
    int w;

    if (tz->rules) {
        lv_tzif_at(tz->rules, (ms >= 0 ? ms : ms - 999) / 1000, &zi);
        off = zi.off;
        abbr = zi.abbr;
        local = ms + (int64_t)off * 1000;
        day = (local >= 0 ? local : local - 86399999) / 86400000;
        rest = local - day * 86400000;
    }
    lv_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        const struct lv_dtf_tok *t = &f->tok[i];
        int hour = (int)(rest / 3600000);
        char buf[32];

        w = t->width > 9 ? 9 : t->width;    /* compile bounds it */
        switch (t->letter) {
        case 0:
            snprintf(buf, sizeof(buf), "%.*s", (int)t->width, t->text);
            break;
        case 'y':
            snprintf(buf, sizeof(buf), "%0*d", w, (int)(w == 2 ? y % 100
                                                               : y));
            break;
        case 'M':
            if (w >= 3) {
                snprintf(buf, sizeof(buf), "%.*s", w == 3 ? 3 : 16,
                         months[m - 1]);
            } else {
                snprintf(buf, sizeof(buf), "%0*u", w, m);
            }
            break;
        case 'd':
            snprintf(buf, sizeof(buf), "%0*u", w, d);
            break;
        case 'H':
            snprintf(buf, sizeof(buf), "%0*d", w, hour);
            break;
        case 'h':
            snprintf(buf, sizeof(buf), "%0*d", w,
                     hour % 12 == 0 ? 12 : hour % 12);
            break;
        case 'a':
            snprintf(buf, sizeof(buf), "%s", hour < 12 ? "AM" : "PM");
            break;
        case 'm':
            snprintf(buf, sizeof(buf), "%0*d", w,
                     (int)(rest / 60000 % 60));
            break;
        case 's':
            snprintf(buf, sizeof(buf), "%0*d", w, (int)(rest / 1000 % 60));
            break;
        case 'S': {
            int msec = (int)(rest % 1000);

            snprintf(buf, sizeof(buf), "%03d000000", msec);
            buf[w] = '\0';
            break;
        }
        case 'E': {
            /* 1970-01-01 was a Thursday (index 3). */
            int64_t wd = ((day % 7) + 7 + 3) % 7;

            snprintf(buf, sizeof(buf), "%.*s", w >= 4 ? 16 : 3,
                     days[wd]);
            break;
        }
        case 'z':
            snprintf(buf, sizeof(buf), "%s", abbr);
            break;
        case 'X':
        case 'Z': {
            int a = off < 0 ? -off : off;

            if (t->letter == 'X' && off == 0) {
                snprintf(buf, sizeof(buf), "Z");
            } else if (w == 3) {
                snprintf(buf, sizeof(buf), "%c%02d:%02d",
                         off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
            } else {
                snprintf(buf, sizeof(buf), "%c%02d%02d",
                         off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
            }
            break;
        }
        default:
            return -1;
        }
        if (n + strlen(buf) + 1 > cap) {
            return -1;
        }
        memcpy(out + n, buf, strlen(buf));
        n += strlen(buf);
    }
    out[n] = '\0';
    return (int)n;
}
