/*
 * tzif.c: TZif files and POSIX TZ strings (tzif.h).
 *
 * Civil dates to days are util/civil.h's (proleptic Gregorian); no libc
 * time zone state is touched. The cache is a list under one mutex; zones in it are immutable,
 * so readers need no lock once they hold a pointer.
 */
#include "util/tzif.h"

#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/civil.h"
#include "util/mem.h"

#define MAX_FILE (1u << 20)
#define MAX_OFF (26 * 3600)     /* |UT offset| < 26 hours (RFC 8536) */
#define MAX_TRANS 100000u

/* A rule date: 'J' (Julian 1..365, no Feb 29), 'N' (0..365), 'M'. */
struct rule {
    char kind;
    int a;                      /* J/N: day; M: month */
    int w;                      /* M: week 1..5 */
    int d;                      /* M: weekday 0 (Sunday)..6 */
    int32_t time;               /* seconds after local midnight */
};

struct posix {
    int present;
    int has_dst;
    char std[16];
    char dst[16];
    int32_t std_off;            /* seconds east */
    int32_t dst_off;
    struct rule start;
    struct rule end;
};

struct ttype {
    int32_t off;
    int isdst;
    char abbr[16];
};

struct lv_tzif {
    size_t n_trans;
    int64_t *trans;
    unsigned char *idx;
    size_t n_types;
    struct ttype *types;
    struct posix ft;
};

/* ---- dates -------------------------------------------------------------- */

static int64_t year_of(int64_t t)
{
    int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    return (int64_t)yoe + era * 400 + (mp >= 10);
}

static int leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The local time (seconds) at which rule r falls in year y. */
static int64_t rule_local(const struct rule *r, int64_t y)
{
    int64_t day;

    if (r->kind == 'J') {
        day = lv_days_from_civil(y, 1, 1) + r->a - 1 +
              (leap(y) && r->a >= 60);
    } else if (r->kind == 'N') {
        day = lv_days_from_civil(y, 1, 1) + r->a;
    } else {
        int64_t first = lv_days_from_civil(y, (unsigned)r->a, 1);
        int64_t next = r->a == 12 ? lv_days_from_civil(y + 1, 1, 1)
                                  : lv_days_from_civil(y, (unsigned)r->a + 1, 1);
        int wd = (int)(((first + 4) % 7 + 7) % 7);     /* 1970-01-01: Thu */

        day = first + (r->d - wd + 7) % 7 + (int64_t)(r->w - 1) * 7;
        while (day >= next) {
            day -= 7;
        }
    }
    return day * 86400 + r->time;
}

/* ---- POSIX TZ strings --------------------------------------------------- */

static int parse_name(const char **s, char *out, size_t cap)
{
    const char *p = *s;
    size_t k = 0;

    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-') {
                return -1;
            }
            if (k + 1 >= cap) {
                return -1;
            }
            out[k++] = *p++;
        }
        if (*p != '>') {
            return -1;
        }
        p++;
    } else {
        while (isalpha((unsigned char)*p)) {
            if (k + 1 >= cap) {
                return -1;
            }
            out[k++] = *p++;
        }
    }
    if (k < 3) {
        return -1;
    }
    out[k] = '\0';
    *s = p;
    return 0;
}

/* [+-]hh[:mm[:ss]] with hh <= max_h into *v, in seconds as written (west
 * positive for offsets): 0, or -1. */
static int parse_hms(const char **s, int max_h, int32_t *v)
{
    const char *p = *s;
    int sign = 1;
    long part[3] = { 0, 0, 0 };

    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    for (int i = 0; i < 3; i++) {
        int nd = 0;

        if (i > 0) {
            if (*p != ':') {
                break;
            }
            p++;
        }
        while (isdigit((unsigned char)*p) && nd < 3) {
            part[i] = part[i] * 10 + (*p - '0');
            p++;
            nd++;
        }
        if (nd == 0 || (i > 0 && nd != 2)) {
            return -1;
        }
    }
    if (part[0] > max_h || part[1] > 59 || part[2] > 59) {
        return -1;
    }
    *v = (int32_t)(sign * (part[0] * 3600 + part[1] * 60 + part[2]));
    *s = p;
    return 0;
}

static int parse_num(const char **s, int lo, int hi, int *v)
{
    const char *p = *s;
    int n = 0;
    int nd = 0;

    while (isdigit((unsigned char)*p) && nd < 4) {
        n = n * 10 + (*p++ - '0');
        nd++;
    }
    if (nd == 0 || n < lo || n > hi) {
        return -1;
    }
    *v = n;
    *s = p;
    return 0;
}

static int parse_rule(const char **s, struct rule *r)
{
    const char *p = *s;

    if (*p == 'J') {
        p++;
        r->kind = 'J';
        if (parse_num(&p, 1, 365, &r->a) < 0) {
            return -1;
        }
    } else if (*p == 'M') {
        p++;
        r->kind = 'M';
        if (parse_num(&p, 1, 12, &r->a) < 0 || *p++ != '.' ||
            parse_num(&p, 1, 5, &r->w) < 0 || *p++ != '.' ||
            parse_num(&p, 0, 6, &r->d) < 0) {
            return -1;
        }
    } else {
        r->kind = 'N';
        if (parse_num(&p, 0, 365, &r->a) < 0) {
            return -1;
        }
    }
    r->time = 7200;
    if (*p == '/') {
        p++;
        if (parse_hms(&p, 167, &r->time) < 0) {
            return -1;
        }
    }
    *s = p;
    return 0;
}

static int parse_posix(const char *s, struct posix *f)
{
    int32_t v;

    memset(f, 0, sizeof(*f));
    if (parse_name(&s, f->std, sizeof(f->std)) < 0 ||
        parse_hms(&s, 24, &v) < 0) {
        return -1;
    }
    f->std_off = -v;
    f->present = 1;
    if (!*s) {
        return 0;
    }
    if (parse_name(&s, f->dst, sizeof(f->dst)) < 0) {
        return -1;
    }
    f->has_dst = 1;
    f->dst_off = f->std_off + 3600;
    if (*s && *s != ',') {
        if (parse_hms(&s, 24, &v) < 0) {
            return -1;
        }
        f->dst_off = -v;
    }
    /* A daylight name without rules: the rule is implementation-defined
     * (POSIX); TZif footers always carry one, so we refuse. */
    if (*s++ != ',' || parse_rule(&s, &f->start) < 0 || *s++ != ',' ||
        parse_rule(&s, &f->end) < 0 || *s) {
        return -1;
    }
    return 0;
}

static void posix_at(const struct posix *f, int64_t t, struct lv_tzinfo *o)
{
    int dst = 0;

    if (f->has_dst) {
        int64_t y = year_of(t + f->std_off);
        int64_t start = rule_local(&f->start, y) - f->std_off;
        int64_t end = rule_local(&f->end, y) - f->dst_off;

        dst = start < end ? t >= start && t < end
                          : !(t >= end && t < start);
    }
    o->off = dst ? f->dst_off : f->std_off;
    o->isdst = dst;
    snprintf(o->abbr, sizeof(o->abbr), "%s", dst ? f->dst : f->std);
}

/* ---- TZif --------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct hdr {
    uint32_t isut, isstd, leap, time, type, chr;
};

static int header(const unsigned char *p, size_t n, struct hdr *h)
{
    if (n < 44 || memcmp(p, "TZif", 4) != 0) {
        return -1;
    }
    h->isut = be32(p + 20);
    h->isstd = be32(p + 24);
    h->leap = be32(p + 28);
    h->time = be32(p + 32);
    h->type = be32(p + 36);
    h->chr = be32(p + 40);
    if (h->type == 0 || h->type > 256 || h->chr == 0 || h->chr > 4096 ||
        h->time > MAX_TRANS || h->leap > MAX_TRANS ||
        (h->isut != 0 && h->isut != h->type) ||
        (h->isstd != 0 && h->isstd != h->type)) {
        return -1;
    }
    return 0;
}

void lv_tzif_free(struct lv_tzif *z)
{
    if (!z) {
        return;
    }
    free(z->trans);
    free(z->idx);
    free(z->types);
    free(z);
}

struct lv_tzif *lv_tzif_parse(const unsigned char *p, size_t n)
{
    struct lv_tzif *z = NULL;
    struct hdr h;
    size_t v1;
    size_t need;
    const unsigned char *d;
    const unsigned char *chars;
    const unsigned char *foot;
    const unsigned char *nl;
    char tz[256];

    if (header(p, n, &h) < 0 || p[4] < '2') {
        goto fail;
    }
    v1 = (size_t)h.time * 5 + (size_t)h.type * 6 + h.chr +
         (size_t)h.leap * 8 + h.isstd + h.isut;
    if (n - 44 < v1) {
        goto fail;
    }
    p += 44 + v1;
    n -= 44 + v1;
    if (header(p, n, &h) < 0 || h.leap != 0) {
        goto fail;
    }
    need = (size_t)h.time * 9 + (size_t)h.type * 6 + h.chr + h.isstd +
           h.isut;
    if (n - 44 < need) {
        goto fail;
    }
    d = p + 44;
    z = lv_xcalloc(1, sizeof(*z));
    z->n_trans = h.time;
    z->trans = lv_xcalloc(h.time ? h.time : 1, sizeof(*z->trans));
    z->idx = lv_xcalloc(h.time ? h.time : 1, 1);
    z->n_types = h.type;
    z->types = lv_xcalloc(h.type, sizeof(*z->types));
    for (size_t i = 0; i < h.time; i++) {
        z->trans[i] = be64(d + i * 8);
        if (i > 0 && z->trans[i] <= z->trans[i - 1]) {
            goto fail;
        }
    }
    d += (size_t)h.time * 8;
    for (size_t i = 0; i < h.time; i++) {
        z->idx[i] = d[i];
        if (d[i] >= h.type) {
            goto fail;
        }
    }
    d += h.time;
    chars = d + (size_t)h.type * 6;
    for (size_t i = 0; i < h.type; i++) {
        const unsigned char *t = d + i * 6;
        int32_t off = (int32_t)be32(t);
        size_t ai = t[5];
        size_t len;

        if (off <= -MAX_OFF || off >= MAX_OFF || t[4] > 1 || ai >= h.chr) {
            goto fail;
        }
        len = strnlen((const char *)chars + ai, h.chr - ai);
        if (ai + len >= h.chr || len >= sizeof(z->types[i].abbr)) {
            goto fail;
        }
        z->types[i].off = off;
        z->types[i].isdst = t[4];
        memcpy(z->types[i].abbr, chars + ai, len);
    }
    foot = chars + h.chr + h.isstd + h.isut;
    n -= (size_t)(foot - p);
    /* The footer: "\n", a POSIX TZ string (maybe empty), "\n". */
    if (n < 2 || foot[0] != '\n') {
        goto fail;
    }
    nl = memchr(foot + 1, '\n', n - 1);
    if (!nl || (size_t)(nl - foot) >= sizeof(tz) ||
        memchr(foot + 1, '\0', (size_t)(nl - foot - 1))) {
        goto fail;
    }
    memcpy(tz, foot + 1, (size_t)(nl - foot - 1));
    tz[nl - foot - 1] = '\0';
    if (tz[0] && parse_posix(tz, &z->ft) < 0) {
        goto fail;
    }
    return z;
fail:
    lv_tzif_free(z);
    return NULL;
}

struct lv_tzif *lv_tzif_posix(const char *tz)
{
    struct lv_tzif *z = lv_xcalloc(1, sizeof(*z));

    if (parse_posix(tz, &z->ft) < 0) {
        lv_tzif_free(z);
        return NULL;
    }
    return z;
}

void lv_tzif_at(const struct lv_tzif *z, int64_t t, struct lv_tzinfo *o)
{
    const struct ttype *ty;
    size_t lo = 0;
    size_t hi = z->n_trans;

    if ((z->n_trans == 0 || t >= z->trans[z->n_trans - 1]) &&
        z->ft.present) {
        posix_at(&z->ft, t, o);
        return;
    }
    if (z->n_types == 0) {          /* cannot happen: parse needs a type */
        memset(o, 0, sizeof(*o));
        return;
    }
    /* The last transition at or before t. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (z->trans[mid] <= t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    ty = &z->types[lo == 0 ? 0 : z->idx[lo - 1]];
    o->off = ty->off;
    o->isdst = ty->isdst;
    snprintf(o->abbr, sizeof(o->abbr), "%s", ty->abbr);
}

static int32_t off_at(const struct lv_tzif *z, int64_t t)
{
    struct lv_tzinfo i;

    lv_tzif_at(z, t, &i);
    return i.off;
}

int64_t lv_tzif_local_to_utc(const struct lv_tzif *z, int64_t local)
{
    int32_t cand[6];
    size_t n = 0;
    int have = 0;
    int32_t best = 0;
    int32_t least;

    /* Every offset a UTC instant within 26 hours of `local` can have
     * near it: the offsets around the window and those they lead to. */
    cand[n++] = off_at(z, local - MAX_OFF);
    cand[n++] = off_at(z, local);
    cand[n++] = off_at(z, local + MAX_OFF);
    for (size_t i = 0; i < 3; i++) {
        cand[n++] = off_at(z, local - cand[i]);
    }
    least = cand[0];
    for (size_t i = 0; i < n; i++) {
        if (cand[i] < least) {
            least = cand[i];
        }
        /* Valid: the instant local - o really has offset o. The largest
         * valid offset is the earliest instant (an overlap's first). */
        if (off_at(z, local - cand[i]) == cand[i] &&
            (!have || cand[i] > best)) {
            best = cand[i];
            have = 1;
        }
    }
    /* A gap: no offset fits; read it with the offset before the gap (the
     * smaller one, since clocks moved forward), i.e. later by the gap. */
    return local - (have ? best : least);
}

/* ---- zone files and the cache ------------------------------------------- */

int lv_tzif_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    const char *c = name;

    if (n == 0 || n > 255 || name[0] == '/') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)name[i]) && !strchr("_+-/", name[i])) {
            return 0;
        }
    }
    /* Components: none empty (the set above has no '.', so "." and ".."
     * cannot occur; "//" and a trailing '/' are refused here). */
    while (*c) {
        const char *e = strchr(c, '/');
        size_t len = e ? (size_t)(e - c) : strlen(c);

        if (len == 0) {
            return 0;
        }
        if (!e) {
            break;
        }
        c = e + 1;
        if (!*c) {
            return 0;
        }
    }
    return 1;
}

static struct lv_tzif *load(const char *name)
{
    const char *dir = getenv("TZDIR");
    char *path = NULL;
    unsigned char *buf = NULL;
    struct lv_tzif *z = NULL;
    struct stat st;
    size_t got = 0;
    int fd;

    path = lv_xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
                        name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 44 ||
        (uint64_t)st.st_size > MAX_FILE) {
        goto out;
    }
    buf = lv_xmalloc((size_t)st.st_size);
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

        if (r <= 0) {
            goto out;
        }
        got += (size_t)r;
    }
    z = lv_tzif_parse(buf, got);
out:
    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    free(path);
    return z;
}

struct cached {
    char *name;
    struct lv_tzif *z;
    struct cached *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached *cache;

const struct lv_tzif *lv_tzif_get(const char *name)
{
    struct lv_tzif *z = NULL;
    struct cached *c;

    if (!lv_tzif_name_ok(name)) {
        return NULL;
    }
    pthread_mutex_lock(&cache_lock);
    for (c = cache; c; c = c->next) {
        if (strcmp(c->name, name) == 0) {
            z = c->z;
            goto out;
        }
    }
    /* Loaded under the lock: a zone is read once, and only a transformer
     * config naming a new zone waits. */
    z = load(name);
    if (z) {
        c = lv_xcalloc(1, sizeof(*c));
        c->name = lv_xstrdup(name);
        c->z = z;
        c->next = cache;
        cache = c;
    }
out:
    pthread_mutex_unlock(&cache_lock);
    return z;
}
