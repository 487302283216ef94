/*
 * discover: the fields Logs Insights finds in an event's message by itself
 * ("Supported logs and discovered fields",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CWL_AnalyzeLogData-discoverable-fields.html):
 *
 *  - JSON: a message that is one JSON object (blanks around it allowed) is
 *    flattened — nested keys joined with dots (userIdentity.type), array
 *    elements named by their index (requestParameters.instancesSet.items.0
 *    .instanceId), as the page's CloudTrail example shows. Leaves only: an
 *    empty object or array gives no field, and neither does null (a field
 *    Insights would show empty; we keep it absent, so that ispresent() is
 *    false). Strings are unescaped; numbers keep their text as written
 *    (Insights shows "1.50" as 1.50; value.c reads a numeric string as a
 *    number wherever a number is wanted), and so do true and false (a
 *    boolean value would show as 1 / 0, value.c, where AWS shows the
 *    field as the event has it). A
 *    name that starts with '@' gets one more '@' (the page: a field
 *    "@example.com" is shown as "@@example.com"), so no JSON key shadows
 *    a system field. Of a key given twice, the last value counts, at the
 *    place of the first. At most LV_IQ_MAX_DISCOVERED fields, in document
 *    order. Malformed JSON, trailing text, a top level that is not an
 *    object, or nesting deeper than LV_IQ_JSON_DEPTH: no fields at all —
 *    the event is still a result, its text still in @message.
 *  - Lambda (only in a group named /aws/lambda/..., which is how Insights
 *    knows Lambda's logs; the caller says so with LV_IQ_DISC_LAMBDA): the
 *    platform lines START / END / REPORT give @type and @requestId, and
 *    REPORT gives @duration, @billedDuration, @initDuration (ms, as
 *    written), @memorySize and @maxMemoryUsed (in bytes: MB × 1,000,000,
 *    which is what the docs' example query divides by 1000 / 1000 to show
 *    MB), @xrayTraceId and @xraySegmentId when the line has them; any
 *    other line has its first embedded JSON object discovered (the page:
 *    "only for the first embedded JSON fragment in each log event").
 *  - Not built, because AWS finds them from the log's type, which events
 *    put with PutLogEvents do not have: VPC flow logs' fields (vended by
 *    the vpc-flow-logs delivery, not by the text's shape), Route 53's,
 *    and @entity (from PutLogEvents' entity member, which this server
 *    does not keep). CloudTrail logs are JSON and need nothing more.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "insights/exec_int.h"
#include "insights/iq.h"
#include "util/mem.h"

/* Deeper nesting makes the message not discoverable (bounded recursion). */
#define LV_IQ_JSON_DEPTH 128

/* The path being walked ("a.b.0"), on the stack while short. */
struct path {
    char *p;
    size_t len, cap;
    char stack[256];
};

/* One discovery's state: per thread, reused (discovery runs per row on
 * the hot path of a query). Names are gathered in `names` and copied to
 * the arena once at the end (noff: where each one starts). */
struct scan {
    const char *s, *end;
    struct lv_iq_arena *a;
    struct path path;
    struct path names;
    struct lv_iq_dfield f[LV_IQ_MAX_DISCOVERED];
    size_t noff[LV_IQ_MAX_DISCOVERED];
    size_t n;
    int depth;
};

static _Thread_local struct scan tl_scan;

static void path_add(struct path *p, const char *s, size_t n)
{
    if (p->len + n + 1 > p->cap) {
        size_t cap = (p->len + n + 1) * 2;
        if (p->p == p->stack) {
            char *h = lv_xmalloc(cap);
            memcpy(h, p->p, p->len);
            p->p = h;
        } else {
            p->p = lv_xrealloc(p->p, cap);
        }
        p->cap = cap;
    }
    memcpy(p->p + p->len, s, n);
    p->len += n;
    p->p[p->len] = '\0';
}

static void skip_ws(struct scan *sc)
{
    while (sc->s < sc->end && (*sc->s == ' ' || *sc->s == '\t' ||
                               *sc->s == '\n' || *sc->s == '\r')) {
        sc->s++;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(s[i]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A JSON string at sc->s (the opening quote): its text in *out and *len —
 * into the message when it has no escape, else unescaped into the arena
 * (when want is set; else only checked). -1: malformed. */
/* 1 when one of the 8 bytes of w is '"', '\\' or below 0x20. */
static int special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t z = ((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20);
    return (z & ~w & high) != 0;
}

static int scan_string(struct scan *sc, int want, const char **out,
                       size_t *len)
{
    const char *s = sc->s + 1, *start = s;
    int esc = 0;

    for (;;) {
        /* 8 plain bytes at a time, then byte by byte. */
        while (sc->end - s >= 8) {
            uint64_t w;
            memcpy(&w, s, 8);
            if (special8(w)) {
                break;
            }
            s += 8;
        }
        if (s >= sc->end || *s == '"') {
            break;
        }
        unsigned char c = (unsigned char)*s;
        if (c < 0x20) {
            return -1;
        }
        if (c == '\\') {
            esc = 1;
            if (s + 1 >= sc->end) {
                return -1;
            }
            s += 2;
            if (s[-1] == 'u') {
                unsigned cp;
                if (sc->end - s < 4 || hex4(s, &cp) < 0) {
                    return -1;
                }
                s += 4;
            } else if (!strchr("\"\\/bfnrt", s[-1]) || s[-1] == '\0') {
                return -1;
            }
            continue;
        }
        s++;
    }
    if (s >= sc->end) {
        return -1;
    }
    sc->s = s + 1;
    if (!esc) {
        *out = start;
        *len = (size_t)(s - start);
        return 0;
    }
    if (!want) {
        *out = NULL;
        *len = 0;
        return 0;
    }
    /* Unescape: the result is never longer than the escaped text. */
    char *o = lv_iq_arena_alloc(sc->a, (size_t)(s - start) + 1);
    size_t n = 0;
    for (const char *p = start; p < s;) {
        if (*p != '\\') {
            o[n++] = *p++;
            continue;
        }
        p++;
        switch (*p++) {
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            hex4(p, &cp);
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && s - p >= 6 && p[0] == '\\' &&
                p[1] == 'u' && hex4(p + 2, &lo) == 0 && lo >= 0xdc00 &&
                lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd;    /* a lone surrogate */
            }
            n += put_utf8(o + n, cp);
            break;
        }
        default: o[n++] = p[-1]; break;    /* " \ / */
        }
    }
    o[n] = '\0';
    *out = o;
    *len = n;
    return 0;
}

/* A JSON number at sc->s, as RFC 8259 writes one. */
static int scan_number(struct scan *sc)
{
    const char *s = sc->s;
    if (s < sc->end && *s == '-') {
        s++;
    }
    if (s >= sc->end) {
        return -1;
    }
    if (*s == '0') {
        s++;
    } else if (*s >= '1' && *s <= '9') {
        while (s < sc->end && *s >= '0' && *s <= '9') {
            s++;
        }
    } else {
        return -1;
    }
    if (s < sc->end && *s == '.') {
        s++;
        if (s >= sc->end || *s < '0' || *s > '9') {
            return -1;
        }
        while (s < sc->end && *s >= '0' && *s <= '9') {
            s++;
        }
    }
    if (s < sc->end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < sc->end && (*s == '+' || *s == '-')) {
            s++;
        }
        if (s >= sc->end || *s < '0' || *s > '9') {
            return -1;
        }
        while (s < sc->end && *s >= '0' && *s <= '9') {
            s++;
        }
    }
    sc->s = s;
    return 0;
}

static void emit(struct scan *sc, const struct lv_iq_val *v)
{
    const char *name = sc->path.p;
    size_t nlen = sc->path.len;

    for (size_t i = 0; i < sc->n; i++) {
        if (sc->f[i].nlen == nlen &&
            memcmp(sc->names.p + sc->noff[i], name, nlen) == 0) {
            sc->f[i].v = *v;        /* the last value counts */
            return;
        }
    }
    if (sc->n == LV_IQ_MAX_DISCOVERED) {
        return;
    }
    sc->noff[sc->n] = sc->names.len;
    path_add(&sc->names, name, nlen + 1);   /* with its NUL */
    sc->f[sc->n].nlen = nlen;
    sc->f[sc->n].v = *v;
    sc->n++;
}

static int scan_value(struct scan *sc);

/* Appends the name of a member or an element to the path: '.' between
 * parts; a leading '@' doubled. */
static void path_push(struct scan *sc, const char *s, size_t n)
{
    if (sc->path.len > 0) {
        path_add(&sc->path, ".", 1);
    } else if (n > 0 && s[0] == '@') {
        path_add(&sc->path, "@", 1);
    }
    path_add(&sc->path, s, n);
}

static int scan_object(struct scan *sc)
{
    size_t base = sc->path.len;

    sc->s++;                        /* { */
    skip_ws(sc);
    if (sc->s < sc->end && *sc->s == '}') {
        sc->s++;
        return 0;
    }
    for (;;) {
        const char *k;
        size_t klen;
        skip_ws(sc);
        if (sc->s >= sc->end || *sc->s != '"' ||
            scan_string(sc, 1, &k, &klen) < 0) {
            return -1;
        }
        skip_ws(sc);
        if (sc->s >= sc->end || *sc->s != ':') {
            return -1;
        }
        sc->s++;
        path_push(sc, k, klen);
        if (scan_value(sc) < 0) {
            return -1;
        }
        sc->path.len = base;
        sc->path.p[base] = '\0';
        skip_ws(sc);
        if (sc->s < sc->end && *sc->s == ',') {
            sc->s++;
            continue;
        }
        if (sc->s < sc->end && *sc->s == '}') {
            sc->s++;
            return 0;
        }
        return -1;
    }
}

static int scan_array(struct scan *sc)
{
    size_t base = sc->path.len;
    char idx[24];

    sc->s++;                        /* [ */
    skip_ws(sc);
    if (sc->s < sc->end && *sc->s == ']') {
        sc->s++;
        return 0;
    }
    for (size_t i = 0;; i++) {
        int n = snprintf(idx, sizeof(idx), "%zu", i);
        path_push(sc, idx, (size_t)n);
        if (scan_value(sc) < 0) {
            return -1;
        }
        sc->path.len = base;
        sc->path.p[base] = '\0';
        skip_ws(sc);
        if (sc->s < sc->end && *sc->s == ',') {
            sc->s++;
            continue;
        }
        if (sc->s < sc->end && *sc->s == ']') {
            sc->s++;
            return 0;
        }
        return -1;
    }
}

static int scan_lit(struct scan *sc, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(sc->end - sc->s) < n || memcmp(sc->s, lit, n) != 0) {
        return -1;
    }
    sc->s += n;
    return 0;
}

static int scan_value(struct scan *sc)
{
    struct lv_iq_val v = { LV_IQ_NULL, 0, NULL, 0 };
    const char *start;
    int ret;

    skip_ws(sc);
    if (sc->s >= sc->end) {
        return -1;
    }
    start = sc->s;
    switch (*sc->s) {
    case '{':
    case '[':
        if (++sc->depth > LV_IQ_JSON_DEPTH) {
            return -1;
        }
        ret = *sc->s == '{' ? scan_object(sc) : scan_array(sc);
        sc->depth--;
        return ret;
    case '"':
        if (scan_string(sc, sc->n < LV_IQ_MAX_DISCOVERED, &v.s, &v.len) < 0) {
            return -1;
        }
        v.t = LV_IQ_STR;
        break;
    case 't':
    case 'f':
        if (scan_lit(sc, *sc->s == 't' ? "true" : "false") < 0) {
            return -1;
        }
        v.t = LV_IQ_STR;
        v.s = start;
        v.len = (size_t)(sc->s - start);
        break;
    case 'n':
        return scan_lit(sc, "null");
    default:
        if (scan_number(sc) < 0) {
            return -1;
        }
        v.t = LV_IQ_STR;
        v.s = start;
        v.len = (size_t)(sc->s - start);
        break;
    }
    if (sc->path.len > 0) {
        emit(sc, &v);
    }
    return 0;
}

/* One JSON object at msg[off..len); trailing: what may follow it (blanks
 * only, or anything for an embedded fragment). 0 and sc->n fields, or -1
 * (sc->n then meaningless). */
static int scan_doc(struct scan *sc, const char *msg, size_t len, size_t off,
                    int any_trailing)
{
    sc->s = msg + off;
    sc->end = msg + len;
    skip_ws(sc);
    if (sc->s >= sc->end || *sc->s != '{') {
        return -1;
    }
    if (scan_value(sc) < 0) {
        return -1;
    }
    skip_ws(sc);
    if (!any_trailing && sc->s != sc->end) {
        return -1;
    }
    return 0;
}

/* ---- Lambda's platform lines ---------------------------------------------
 * "REPORT RequestId: 3e7a… Duration: 1.23 ms Billed Duration: 2 ms Memory
 * Size: 128 MB Max Memory Used: 64 MB Init Duration: 150.01 ms XRAY
 * TraceId: 1-… SegmentId: … Sampled: true", tab- or space-separated. */

struct lambda_key {
    const char *label;      /* as written, with its colon */
    const char *field;
    int mb;                 /* value in MB, field in bytes */
};

static const struct lambda_key lambda_keys[] = {
    { "RequestId:", "@requestId", 0 },
    { "Duration:", "@duration", 0 },
    { "Billed Duration:", "@billedDuration", 0 },
    { "Memory Size:", "@memorySize", 1 },
    { "Max Memory Used:", "@maxMemoryUsed", 1 },
    { "Init Duration:", "@initDuration", 0 },
    { "XRAY TraceId:", "@xrayTraceId", 0 },
    { "SegmentId:", "@xraySegmentId", 0 },
};

static void lambda_field(struct scan *sc, const char *name, const char *s,
                         size_t n)
{
    struct lv_iq_val v = { LV_IQ_STR, 0, s, n };
    sc->path.len = 0;
    path_add(&sc->path, name, strlen(name));
    emit(sc, &v);
}

static int lambda_platform(struct scan *sc, const char *msg, size_t len)
{
    static const char *const types[] = { "START", "END", "REPORT" };
    const char *end = msg + len, *p = NULL;
    const char *type = NULL;

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t tl = strlen(types[i]);
        if (len > tl + 11 && memcmp(msg, types[i], tl) == 0 &&
            msg[tl] == ' ' && memcmp(msg + tl + 1, "RequestId:", 10) == 0) {
            type = types[i];
            p = msg + tl + 1;
            break;
        }
    }
    if (!type) {
        return 0;
    }
    lambda_field(sc, "@type", type, strlen(type));
    while (p < end) {
        const struct lambda_key *k = NULL;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
                           *p == '\r')) {
            p++;
        }
        for (size_t i = 0; i < sizeof(lambda_keys) / sizeof(lambda_keys[0]);
             i++) {
            size_t ll = strlen(lambda_keys[i].label);
            if ((size_t)(end - p) >= ll &&
                memcmp(p, lambda_keys[i].label, ll) == 0) {
                k = &lambda_keys[i];
                p += ll;
                break;
            }
        }
        if (!k) {
            /* An unknown label (Sampled:, Version: …): skip its word. */
            while (p < end && *p != ' ' && *p != '\t') {
                p++;
            }
            continue;
        }
        while (p < end && *p == ' ') {
            p++;
        }
        const char *v = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\n' &&
               *p != '\r') {
            p++;
        }
        size_t vl = (size_t)(p - v);
        if (vl == 0) {
            continue;
        }
        if (k->mb) {
            /* "128 MB" → 128000000 */
            char *b = lv_iq_arena_alloc(sc->a, vl + 7);
            memcpy(b, v, vl);
            memcpy(b + vl, "000000", 7);
            lambda_field(sc, k->field, b, vl + 6);
        } else {
            lambda_field(sc, k->field, v, vl);
        }
        /* Skip the unit ("ms", "MB"). */
        const char *q = p;
        while (q < end && *q == ' ') {
            q++;
        }
        if ((size_t)(end - q) >= 2 && (memcmp(q, "ms", 2) == 0 ||
                                       memcmp(q, "MB", 2) == 0)) {
            p = q + 2;
        }
    }
    return 1;
}

static void scan_reset(struct scan *sc)
{
    sc->n = 0;
    sc->depth = 0;
    sc->path.len = 0;
    sc->path.p[0] = '\0';
    sc->names.len = 0;
}

static void path_init(struct path *p)
{
    if (!p->p) {
        p->p = p->stack;
        p->cap = sizeof(p->stack);
    }
}

/* Back to the stack buffer when a long message grew the path. */
static void path_shrink(struct path *p)
{
    if (p->p != p->stack) {
        free(p->p);
        p->p = p->stack;
        p->cap = sizeof(p->stack);
    }
    p->len = 0;
}

size_t lv_iq_discover_fields(const char *msg, size_t len, unsigned flags,
                             struct lv_iq_arena *a,
                             struct lv_iq_dfield **out)
{
    struct scan *sc = &tl_scan;
    size_t n = 0;

    path_init(&sc->path);
    path_init(&sc->names);
    sc->a = a;
    scan_reset(sc);
    *out = NULL;

    if ((flags & LV_IQ_DISC_LAMBDA) && lambda_platform(sc, msg, len)) {
        n = sc->n;
    } else if (scan_reset(sc), scan_doc(sc, msg, len, 0, 0) == 0) {
        n = sc->n;
    } else if (flags & LV_IQ_DISC_LAMBDA) {
        const char *b = memchr(msg, '{', len);
        scan_reset(sc);
        if (b && scan_doc(sc, msg, len, (size_t)(b - msg), 1) == 0) {
            n = sc->n;
        }
    }
    if (n > 0) {
        char *names = lv_iq_arena_alloc(a, sc->names.len);
        memcpy(names, sc->names.p, sc->names.len);
        for (size_t i = 0; i < n; i++) {
            sc->f[i].name = names + sc->noff[i];
        }
        *out = lv_iq_arena_alloc(a, n * sizeof(**out));
        memcpy(*out, sc->f, n * sizeof(**out));
    }
    path_shrink(&sc->path);
    path_shrink(&sc->names);
    return n;
}

int lv_iq_discover_each(const char *msg, size_t len, struct lv_iq_arena *a,
                        lv_iq_field_fn *fn, void *arg)
{
    struct lv_iq_dfield *f;
    size_t n = lv_iq_discover_fields(msg, len, 0, a, &f);

    for (size_t i = 0; i < n; i++) {
        int rc = fn(arg, f[i].name, &f[i].v);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

int lv_iq_discover(const char *msg, size_t len, lv_iq_name_fn *fn, void *arg)
{
    struct lv_iq_arena a = { 0 };
    struct lv_iq_dfield *f;
    size_t n = lv_iq_discover_fields(msg, len, 0, &a, &f);
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        rc = fn(arg, f[i].name, f[i].nlen);
    }
    lv_iq_arena_release(&a);
    return rc;
}
