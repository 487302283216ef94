/*
 * pattern: the `pattern` command (CWL_QuerySyntax-Pattern.md, and
 * CWL_AnalyzeLogData_Patterns.md for the details), and the clustering it
 * shares with diff (stats_int.h).
 *
 * The clustering method (AWS's is machine learning it does not describe;
 * this one is a deterministic cousin of Drain):
 *  1. A text is cut to its first 1,500 bytes ("Pattern analysis analyzes
 *     only up to the first 1500 characters of a log line") and split into
 *     tokens at white space.
 *  2. A token holding a digit is a dynamic token at once — the page shows
 *     `[INFO] Request time: 327 ms` giving `[INFO] Request time: <*> ms`
 *     from a single event — and its value's kind is inferred: Date
 *     (2023-01-01), Time (19:00:01, an ISO date-time), IPAddress, UUID,
 *     Number, ID (letters and digits, e.g. 12342342k124-12345), else Token.
 *  3. Texts whose token sequences are equal once dynamic tokens are masked
 *     share a template (a hash table; exact, so the result does not depend
 *     on the order texts arrive in).
 *  4. When the input ends, templates with the same number of tokens and the
 *     same first token are merged: taken in order of count (then text), a
 *     template joins the first earlier one whose static tokens agree on
 *     more than half of the positions where either has a static token; the
 *     positions where they differ become dynamic. (Drain's similarity
 *     test, applied once over the sorted templates instead of online, so
 *     that the same events always give the same patterns.)
 *  5. Memory: a field whose values hold no digit (user names, paths) would
 *     make a template per value, so step 4 also runs while the input does,
 *     in any bucket (same length, same first token) that passes 32
 *     templates (then twice what it kept): the templates that absorbed
 *     others then take every text they cover (equal static tokens) without
 *     a new template. Only such crowded buckets can depend on the order of
 *     the events; below 32 templates a bucket is merged once, at the end.
 *     20,000 "User <name> logged in" lines take a few KB, one pattern.
 * The docs' sample (three "… [INFO] Calling DynamoDB to store for resource
 * id <id>" lines) gives one pattern, `<*> <*> [INFO] Calling DynamoDB to
 * store for resource id <*>` (the date and the time are two tokens here:
 * the older page shows exactly this, the current one shows <Time-1> for
 * both).
 *
 * Output, one row a pattern, most frequent first (then by @pattern), its
 * fields in this order:
 *  - @pattern: the tokens joined by single spaces, each dynamic token
 *    shown by its inferred name and place, <Number-2> (make_pat).
 *  - @ratio: @sampleCount / the rows the command saw with a value, a
 *    number (0.5 for half).
 *  - @sampleCount: the rows of the pattern.
 *  - @severityLabel: ERROR if the pattern holds the word "error" (any
 *    case), WARN if it holds "warn" and not "error", else INFO — the
 *    Pattern analysis page's rule.
 *  - @PatternId: 32 hex digits, a hash of @pattern (stable across runs).
 *  - @tokens: a JSON list, one object per token, in the shape of the API's
 *    PatternToken: dynamicTokenPosition (1-based among dynamic tokens, 0
 *    for a static one), isDynamic, tokenString (<*> when dynamic),
 *    enumerations (the first 10 distinct values seen with their counts,
 *    dynamic tokens only: "A maximum of 10 token values is captured for
 *    each token"), inferredTokenName (e.g. "Number-2").
 *  - @visualization: {"timeWindowCountMapping": {"<window start, epoch
 *    ms>": count, …}}, windows of the smallest of 1s … 1y that cuts the
 *    query's range in at most 100.
 * Not produced: @logSamples, @relatedPattern, @regexString, which some
 * clients read but no page documents.
 *
 * Rows whose field is missing are not clustered and do not count in
 * @ratio. Memory: templates, token values and windows are counted at
 * their real allocation sizes against max_bytes; past it the command
 * fails with LimitExceededException.
 */
#include "insights/stats_int.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define PAT_MAX_TEXT 1500
#define PAT_MAX_ENUM 10
#define PAT_MAX_WINDOWS 100
/* A bucket's templates are merged while the input runs once it holds more
 * than this many (then twice as many as it kept, and so on). */
#define PAT_BUCKET_LIMIT 32

enum tok_type {
    TT_TOKEN, TT_DATE, TT_TIME, TT_IP, TT_UUID, TT_NUMBER, TT_ID,
};

static const char *const tt_names[] = {
    "Token", "Date", "Time", "IPAddress", "UUID", "Number", "ID",
};

struct pval {
    char *s;
    uint32_t len;
    int64_t count;
};

struct penum {
    uint32_t n;
    struct pval v[PAT_MAX_ENUM];
};

struct ptok {
    uint32_t off, len;          /* static: its text in cl->text */
    uint8_t dyn;
    uint8_t type;               /* dynamic: enum tok_type */
    struct penum *en;           /* dynamic: values seen */
};

struct pwin {
    int64_t start;
    int64_t n;
};

struct bucket;

struct cluster {
    uint64_t hash;
    uint32_t ntok;
    int merged;                 /* joined another at finish */
    int general;                /* absorbed others while the input ran */
    struct bucket *bk;
    int64_t n[2];
    struct pwin *w;
    uint32_t nw, cw;
    char *text;                 /* static tokens' bytes */
    char *pat;                  /* @pattern, made at finish (it may hold
                                 * NULs: a message can) */
    size_t pat_len;
    struct ptok tok[];
};

/* The templates of one length and first token (a Drain "leaf"), for the
 * merging done while the input runs (see lv_iq_pat_add). */
struct bucket {
    uint64_t hash;
    uint32_t ntok;
    uint32_t keylen;            /* UINT32_MAX: the first token is dynamic */
    struct cluster **v;
    size_t n, cap;
    size_t limit;               /* compact when n passes it */
    char key[];
};

struct lv_iq_pat {
    const struct lv_iq_ctx *cx;
    size_t max_bytes, held;
    int over;
    int64_t total[2];
    int64_t win;                /* @visualization window, ms */

    struct cluster **tab;       /* exact templates (TOMB: a removed one) */
    size_t cap, n;              /* n counts TOMB slots too */

    struct bucket **btab;
    size_t bcap, bn;

    struct cluster **out;       /* at finish: the patterns */
    size_t n_out;
    int finished;

    /* scratch for one text */
    struct ptok *tk;
    size_t tk_cap;
};

/* ---- accounting -------------------------------------------------------- */

static void *p_alloc(struct lv_iq_pat *p, size_t n)
{
    void *q = lv_xmalloc(n);

    p->held += malloc_usable_size(q);
    return q;
}

static void *p_realloc(struct lv_iq_pat *p, void *q, size_t n)
{
    if (q) {
        p->held -= malloc_usable_size(q);
    }
    q = lv_xrealloc(q, n);
    p->held += malloc_usable_size(q);
    return q;
}

static void p_free(struct lv_iq_pat *p, void *q)
{
    if (q) {
        p->held -= malloc_usable_size(q);
        free(q);
    }
}

/* ---- tokens ------------------------------------------------------------ */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
           || c == '\v';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Digits at s[*i..], at least lo and at most hi of them. */
static int digits(const char *s, size_t n, size_t *i, size_t lo, size_t hi)
{
    size_t k = 0;

    while (*i < n && is_digit(s[*i]) && k < hi) {
        (*i)++;
        k++;
    }
    return k >= lo;
}

static int is_number(const char *s, size_t n)
{
    size_t i = 0;

    if (i < n && (s[i] == '-' || s[i] == '+')) {
        i++;
    }
    if (!digits(s, n, &i, 1, n)) {
        return 0;
    }
    if (i < n && s[i] == '.') {
        i++;
        if (!digits(s, n, &i, 1, n)) {
            return 0;
        }
    }
    return i == n;
}

static int is_uuid(const char *s, size_t n)
{
    size_t i;

    if (n != 36) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
        } else if (!is_hex(s[i])) {
            return 0;
        }
    }
    return 1;
}

static int is_ipv4(const char *s, size_t n)
{
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        size_t st = i;
        unsigned v = 0;

        if (part && (i >= n || s[i++] != '.')) {
            return 0;
        }
        st = i;
        if (!digits(s, n, &i, 1, 3)) {
            return 0;
        }
        for (; st < i; st++) {
            v = v * 10 + (unsigned)(s[st] - '0');
        }
        if (v > 255) {
            return 0;
        }
    }
    if (i < n && s[i] == ':') {         /* a port */
        i++;
        if (!digits(s, n, &i, 1, 5)) {
            return 0;
        }
    }
    return i == n;
}

static int is_ipv6(const char *s, size_t n)
{
    size_t i, colons = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == ':') {
            colons++;
        } else if (!is_hex(s[i]) && s[i] != '.') {
            return 0;
        }
    }
    return colons >= 2;
}

/* hh:mm[:ss[.fff]] with an optional zone (Z, +hh:mm) at s[*i..]. */
static int time_at(const char *s, size_t n, size_t *i)
{
    if (!digits(s, n, i, 1, 2) || *i >= n || s[*i] != ':') {
        return 0;
    }
    (*i)++;
    if (!digits(s, n, i, 2, 2)) {
        return 0;
    }
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (!digits(s, n, i, 2, 2)) {
            return 0;
        }
    }
    if (*i < n && (s[*i] == '.' || s[*i] == ',')) {
        (*i)++;
        if (!digits(s, n, i, 1, 9)) {
            return 0;
        }
    }
    if (*i < n && s[*i] == 'Z') {
        (*i)++;
    } else if (*i < n && (s[*i] == '+' || s[*i] == '-')) {
        (*i)++;
        if (!digits(s, n, i, 2, 2)) {
            return 0;
        }
        if (*i < n && s[*i] == ':') {
            (*i)++;
        }
        if (!digits(s, n, i, 2, 2)) {
            return 0;
        }
    }
    return 1;
}

/* yyyy-mm-dd, yyyy/mm/dd or dd/mm/yyyy at s[*i..]. */
static int date_at(const char *s, size_t n, size_t *i)
{
    size_t st = *i;
    char sep;

    if (digits(s, n, i, 4, 4) && *i < n && (s[*i] == '-' || s[*i] == '/')) {
        sep = s[(*i)++];
        return digits(s, n, i, 1, 2) && *i < n && s[(*i)++] == sep
               && digits(s, n, i, 1, 2);
    }
    *i = st;
    if (digits(s, n, i, 1, 2) && *i < n && (s[*i] == '/' || s[*i] == '-')) {
        sep = s[(*i)++];
        return digits(s, n, i, 1, 2) && *i < n && s[(*i)++] == sep
               && digits(s, n, i, 4, 4);
    }
    return 0;
}

static enum tok_type classify(const char *s, size_t n)
{
    size_t i = 0, k;
    int ok = 1;

    if (is_number(s, n)) {
        return TT_NUMBER;
    }
    if (is_uuid(s, n)) {
        return TT_UUID;
    }
    if (is_ipv4(s, n)) {
        return TT_IP;
    }
    if (date_at(s, n, &i)) {
        if (i == n) {
            return TT_DATE;
        }
        if (s[i] == 'T') {
            i++;
            if (time_at(s, n, &i) && i == n) {
                return TT_TIME;
            }
        }
    }
    i = 0;
    if (time_at(s, n, &i) && i == n) {
        return TT_TIME;         /* before IPv6: 19:00:01 is a time */
    }
    if (is_ipv6(s, n)) {
        return TT_IP;
    }
    for (k = 0; k < n; k++) {
        if (!is_alpha(s[k]) && !is_digit(s[k]) && s[k] != '-'
            && s[k] != '_') {
            ok = 0;
            break;
        }
    }
    return ok ? TT_ID : TT_TOKEN;
}

static int has_digit(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (is_digit(s[i])) {
            return 1;
        }
    }
    return 0;
}

static uint64_t mix(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- clusters ---------------------------------------------------------- */

static void enum_add(struct lv_iq_pat *p, struct ptok *t, const char *s,
                     size_t len, int64_t count)
{
    struct penum *e = t->en;
    uint32_t i;

    if (!e) {
        e = t->en = p_alloc(p, sizeof *e);
        memset(e, 0, sizeof *e);
    }
    for (i = 0; i < e->n; i++) {
        if (e->v[i].len == len && memcmp(e->v[i].s, s, len) == 0) {
            e->v[i].count += count;
            return;
        }
    }
    if (e->n == PAT_MAX_ENUM) {
        return;
    }
    e->v[e->n].s = p_alloc(p, len + 1);
    memcpy(e->v[e->n].s, s, len);
    e->v[e->n].s[len] = '\0';
    e->v[e->n].len = (uint32_t)len;
    e->v[e->n].count = count;
    e->n++;
}

static void win_add(struct lv_iq_pat *p, struct cluster *c, int64_t start,
                    int64_t count)
{
    uint32_t lo = 0, hi = c->nw, mid;

    while (lo < hi) {
        mid = (lo + hi) / 2;
        if (c->w[mid].start < start) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < c->nw && c->w[lo].start == start) {
        c->w[lo].n += count;
        return;
    }
    if (c->nw == c->cw) {
        c->cw = c->cw ? c->cw * 2 : 4;
        c->w = p_realloc(p, c->w, c->cw * sizeof *c->w);
    }
    memmove(&c->w[lo + 1], &c->w[lo], (c->nw - lo) * sizeof *c->w);
    c->w[lo].start = start;
    c->w[lo].n = count;
    c->nw++;
}

static int64_t win_start(const struct lv_iq_pat *p, int64_t ts)
{
    int64_t q = ts / p->win;

    if (ts < 0 && q * p->win != ts) {
        q--;
    }
    return q * p->win;
}

static void cluster_free(struct lv_iq_pat *p, struct cluster *c)
{
    uint32_t i, j;

    for (i = 0; i < c->ntok; i++) {
        if (c->tok[i].en) {
            for (j = 0; j < c->tok[i].en->n; j++) {
                p_free(p, c->tok[i].en->v[j].s);
            }
            p_free(p, c->tok[i].en);
        }
    }
    p_free(p, c->w);
    p_free(p, c->text);
    p_free(p, c->pat);
    p_free(p, c);
}

/* A removed template's slot in the exact table (probing goes past it);
 * only its address is used. */
static const struct cluster tomb_mark;
#define TOMB ((struct cluster *)&tomb_mark)

static int live(const struct cluster *c)
{
    return c && c != TOMB;
}

static void tab_grow(struct lv_iq_pat *p)
{
    size_t ncap = p->cap ? p->cap * 2 : 64, i, j, n = 0;
    struct cluster **nt;

    for (i = 0; i < p->cap; i++) {
        n += live(p->tab[i]);
    }
    while ((n + 1) * 10 > ncap * 7 / 2) {
        ncap *= 2;
    }
    nt = p_alloc(p, ncap * sizeof *nt);
    memset(nt, 0, ncap * sizeof *nt);
    for (i = 0; i < p->cap; i++) {
        if (live(p->tab[i])) {
            j = p->tab[i]->hash & (ncap - 1);
            while (nt[j]) {
                j = (j + 1) & (ncap - 1);
            }
            nt[j] = p->tab[i];
        }
    }
    p_free(p, p->tab);
    p->tab = nt;
    p->cap = ncap;
    p->n = n;
}

static int same_template(const struct cluster *c, const char *text,
                         const struct ptok *tk, size_t ntok)
{
    size_t i;

    if (c->ntok != ntok) {
        return 0;
    }
    for (i = 0; i < ntok; i++) {
        if (c->tok[i].dyn != tk[i].dyn) {
            return 0;
        }
        if (!tk[i].dyn && (c->tok[i].len != tk[i].len
                           || memcmp(c->text + c->tok[i].off,
                                     text + tk[i].off, tk[i].len) != 0)) {
            return 0;
        }
    }
    return 1;
}

static int pat_over(struct lv_iq_pat *p, struct lv_err *err)
{
    p->over = 1;
    return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                      "Query exceeded the memory available to pattern "
                      "analysis: its patterns need more than %zu bytes; "
                      "narrow the time range or filter the events first",
                      p->max_bytes);
}

/* Splits text[0..len) into p->tk; returns the number of tokens, *h the
 * hash of the masked sequence, *textlen the bytes of its static tokens. */
static size_t tokenize(struct lv_iq_pat *p, const char *text, size_t len,
                       uint64_t *h, size_t *textlen)
{
    size_t ntok = 0, i;

    *h = 0xcbf29ce484222325ull;
    *textlen = 0;
    for (i = 0; i < len;) {
        size_t st;

        while (i < len && is_space(text[i])) {
            i++;
        }
        if (i == len) {
            break;
        }
        st = i;
        while (i < len && !is_space(text[i])) {
            i++;
        }
        if (ntok == p->tk_cap) {
            p->tk_cap = p->tk_cap ? p->tk_cap * 2 : 32;
            p->tk = p_realloc(p, p->tk, p->tk_cap * sizeof *p->tk);
        }
        memset(&p->tk[ntok], 0, sizeof p->tk[ntok]);
        p->tk[ntok].off = (uint32_t)st;
        p->tk[ntok].len = (uint32_t)(i - st);
        p->tk[ntok].dyn = has_digit(text + st, i - st);
        if (p->tk[ntok].dyn) {
            p->tk[ntok].type = (uint8_t)classify(text + st, i - st);
            *h = mix(*h, "\0", 1);
        } else {
            *h = mix(*h, text + st, i - st);
            *h = mix(*h, " ", 1);
            *textlen += i - st;
        }
        ntok++;
    }
    *h = mix(*h, &ntok, sizeof ntok);
    return ntok;
}

/* The bucket of (ntok, first token of p->tk), made if need be. */
static struct bucket *bucket_get(struct lv_iq_pat *p, const char *text,
                                 size_t ntok)
{
    uint32_t keylen = ntok && !p->tk[0].dyn ? p->tk[0].len : UINT32_MAX;
    const char *key = keylen == UINT32_MAX ? "" : text + p->tk[0].off;
    size_t klen = keylen == UINT32_MAX ? 0 : keylen, i, mask;
    uint64_t h = mix(mix(0x84222325cbf29ce4ull, key, klen), &ntok,
                     sizeof ntok);
    struct bucket *b;

    h = mix(h, &keylen, sizeof keylen);
    if ((p->bn + 1) * 10 > p->bcap * 7) {
        size_t ncap = p->bcap ? p->bcap * 2 : 64, j;
        struct bucket **nt = p_alloc(p, ncap * sizeof *nt);

        memset(nt, 0, ncap * sizeof *nt);
        for (i = 0; i < p->bcap; i++) {
            if (p->btab[i]) {
                j = p->btab[i]->hash & (ncap - 1);
                while (nt[j]) {
                    j = (j + 1) & (ncap - 1);
                }
                nt[j] = p->btab[i];
            }
        }
        p_free(p, p->btab);
        p->btab = nt;
        p->bcap = ncap;
    }
    mask = p->bcap - 1;
    for (i = h & mask; (b = p->btab[i]); i = (i + 1) & mask) {
        if (b->hash == h && b->ntok == ntok && b->keylen == keylen
            && memcmp(b->key, key, klen) == 0) {
            return b;
        }
    }
    b = p_alloc(p, sizeof *b + klen);
    memset(b, 0, sizeof *b);
    b->hash = h;
    b->ntok = (uint32_t)ntok;
    b->keylen = keylen;
    b->limit = PAT_BUCKET_LIMIT;
    memcpy(b->key, key, klen);
    p->btab[i] = b;
    p->bn++;
    return b;
}

static void bucket_put(struct lv_iq_pat *p, struct bucket *b,
                       struct cluster *c)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4;
        b->v = p_realloc(p, b->v, b->cap * sizeof *b->v);
    }
    b->v[b->n++] = c;
    c->bk = b;
}

/* A template that absorbed others covers a text whose tokens equal its
 * static ones (its dynamic positions take anything). */
static int covers(const struct cluster *c, const char *text,
                  const struct ptok *tk)
{
    uint32_t i;

    for (i = 0; i < c->ntok; i++) {
        const struct ptok *a = &c->tok[i];

        if (a->dyn) {
            continue;
        }
        if (tk[i].dyn || a->len != tk[i].len
            || memcmp(c->text + a->off, text + tk[i].off, a->len) != 0) {
            return 0;
        }
    }
    return 1;
}

static void make_pat(struct lv_iq_pat *p, struct cluster *c);
static int order_merge(const void *a, const void *b);
static int similar(const struct cluster *x, const struct cluster *y);
static void merge(struct lv_iq_pat *p, struct cluster *h,
                  struct cluster *c);

/* Removes c from the exact table (a TOMB takes its slot) and frees it. */
static void cluster_drop(struct lv_iq_pat *p, struct cluster *c)
{
    size_t i, mask = p->cap - 1;

    for (i = c->hash & mask; p->tab[i]; i = (i + 1) & mask) {
        if (p->tab[i] == c) {
            p->tab[i] = TOMB;
            break;
        }
    }
    cluster_free(p, c);
}

/* Merges the templates of bucket b as the end does (pattern.c's header,
 * step 4), while the input runs: so that a field with many values without
 * digits (user names, paths) makes one template, not one per value. */
static void bucket_compact(struct lv_iq_pat *p, struct bucket *b)
{
    size_t i, j, n = 0;

    for (i = 0; i < b->n; i++) {
        make_pat(p, b->v[i]);
    }
    qsort(b->v, b->n, sizeof *b->v, order_merge);
    for (i = 0; i < b->n; i++) {
        for (j = 0; j < i; j++) {
            if (!b->v[j]->merged && similar(b->v[j], b->v[i])) {
                merge(p, b->v[j], b->v[i]);
                b->v[j]->general = 1;
                break;
            }
        }
    }
    for (i = 0; i < b->n; i++) {
        if (b->v[i]->merged) {
            cluster_drop(p, b->v[i]);
        } else {
            b->v[n++] = b->v[i];
        }
    }
    b->n = n;
    b->limit = n * 2 > PAT_BUCKET_LIMIT ? n * 2 : PAT_BUCKET_LIMIT;
}

static struct cluster *cluster_new(struct lv_iq_pat *p, const char *text,
                                   size_t ntok, uint64_t h, size_t textlen)
{
    struct cluster *c;
    size_t k, off = 0;

    c = p_alloc(p, sizeof *c + ntok * sizeof c->tok[0]);
    memset(c, 0, sizeof *c + ntok * sizeof c->tok[0]);
    c->hash = h;
    c->ntok = (uint32_t)ntok;
    c->text = p_alloc(p, textlen + 1);
    for (k = 0; k < ntok; k++) {
        c->tok[k].dyn = p->tk[k].dyn;
        c->tok[k].type = p->tk[k].type;
        if (!p->tk[k].dyn) {
            memcpy(c->text + off, text + p->tk[k].off, p->tk[k].len);
            c->tok[k].off = (uint32_t)off;
            c->tok[k].len = p->tk[k].len;
            off += p->tk[k].len;
        }
    }
    c->text[off] = '\0';
    return c;
}

int lv_iq_pat_add(struct lv_iq_pat *p, const char *text, size_t len,
                  int64_t ts, int period, struct lv_err *err)
{
    size_t ntok, i, mask, textlen, slot = 0;
    uint64_t h;
    struct cluster *c;
    struct bucket *b;
    int have_slot = 0;

    if (p->over) {
        return pat_over(p, err);
    }
    if (len > PAT_MAX_TEXT) {
        len = PAT_MAX_TEXT;
    }
    ntok = tokenize(p, text, len, &h, &textlen);
    p->total[period]++;

    /* 1. the exact template */
    if ((p->n + 1) * 10 > p->cap * 7) {
        tab_grow(p);
    }
    mask = p->cap - 1;
    for (i = h & mask; (c = p->tab[i]); i = (i + 1) & mask) {
        if (c == TOMB) {
            if (!have_slot) {
                slot = i;
                have_slot = 1;
            }
            continue;
        }
        if (c->hash == h && same_template(c, text, p->tk, ntok)) {
            break;
        }
    }
    if (!c) {
        /* 2. a template of its bucket that absorbed others and covers it;
         * 3. else a new template */
        b = bucket_get(p, text, ntok);
        for (i = 0; i < b->n; i++) {
            if (b->v[i]->general && covers(b->v[i], text, p->tk)) {
                c = b->v[i];
                break;
            }
        }
        if (!c) {
            c = cluster_new(p, text, ntok, h, textlen);
            if (!have_slot) {
                for (slot = h & mask; p->tab[slot]; slot = (slot + 1) & mask) {
                    ;
                }
                p->n++;
            }
            p->tab[slot] = c;
            bucket_put(p, b, c);
        }
    }
    c->n[period]++;
    for (i = 0; i < ntok; i++) {
        if (!c->tok[i].dyn) {
            continue;
        }
        if (!p->tk[i].dyn || c->tok[i].type != p->tk[i].type) {
            c->tok[i].type = TT_TOKEN;
        }
        enum_add(p, &c->tok[i], text + p->tk[i].off, p->tk[i].len, 1);
    }
    if (period == LV_IQ_PAT_CUR) {
        win_add(p, c, win_start(p, ts), 1);
    }
    b = c->bk;
    if (b->n > b->limit) {
        bucket_compact(p, b);
    }
    if (p->held > p->max_bytes) {
        return pat_over(p, err);
    }
    return 0;
}

/* ---- the end: merging templates ----------------------------------------- */

static const char *first_key(const struct cluster *c, size_t *len)
{
    if (c->ntok == 0 || c->tok[0].dyn) {
        *len = 0;
        return "";
    }
    *len = c->tok[0].len;
    return c->text + c->tok[0].off;
}

/* The template's text (@pattern) with each dynamic token shown by its
 * inferred name and place among the dynamic tokens, <Number-2>, as the
 * current pattern page shows them ("If CloudWatch Logs can't infer the
 * type of data that a dynamic token represents, displays it as
 * <Token-number>"); @tokens keeps tokenString "<*>", as PatternToken
 * documents. */
static void make_pat(struct lv_iq_pat *p, struct cluster *c)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    uint32_t i;
    uint32_t dyn = 0;
    size_t n;
    char *s;

    for (i = 0; i < c->ntok; i++) {
        if (i) {
            lv_buf_addc(&b, ' ');
        }
        if (c->tok[i].dyn) {
            lv_buf_addf(&b, "<%s-%u>", tt_names[c->tok[i].type], ++dyn);
        } else {
            lv_buf_add(&b, c->text + c->tok[i].off, c->tok[i].len);
        }
    }
    s = lv_buf_detach(&b, &n);
    p_free(p, c->pat);
    c->pat = p_alloc(p, n + 1);
    memcpy(c->pat, s, n + 1);
    c->pat_len = n;
    free(s);
}

int lv_iq_pat_cmp_text(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);

    return c ? c : (na > nb) - (na < nb);
}

static int64_t total_count(const struct cluster *c)
{
    return c->n[0] + c->n[1];
}

static int order_merge(const void *a, const void *b)
{
    const struct cluster *x = *(struct cluster *const *)a;
    const struct cluster *y = *(struct cluster *const *)b;
    const char *kx, *ky;
    size_t lx, ly;
    int c;

    if (x->ntok != y->ntok) {
        return x->ntok < y->ntok ? -1 : 1;
    }
    kx = first_key(x, &lx);
    ky = first_key(y, &ly);
    c = memcmp(kx, ky, lx < ly ? lx : ly);
    if (c || lx != ly) {
        return c ? c : (lx < ly ? -1 : 1);
    }
    if (total_count(x) != total_count(y)) {
        return total_count(x) > total_count(y) ? -1 : 1;
    }
    return lv_iq_pat_cmp_text(x->pat, x->pat_len, y->pat, y->pat_len);
}

static int same_bucket(const struct cluster *x, const struct cluster *y)
{
    const char *kx, *ky;
    size_t lx, ly;

    if (x->ntok != y->ntok) {
        return 0;
    }
    kx = first_key(x, &lx);
    ky = first_key(y, &ly);
    return lx == ly && memcmp(kx, ky, lx) == 0;
}

/* More than half of the positions where either has a static token hold
 * the same static token in both. */
static int similar(const struct cluster *x, const struct cluster *y)
{
    uint32_t i, both = 0, eq = 0;

    for (i = 0; i < x->ntok; i++) {
        const struct ptok *a = &x->tok[i], *b = &y->tok[i];

        if (a->dyn && b->dyn) {
            continue;
        }
        both++;
        if (!a->dyn && !b->dyn && a->len == b->len
            && memcmp(x->text + a->off, y->text + b->off, a->len) == 0) {
            eq++;
        }
    }
    return both == 0 || eq * 2 > both;
}

/* Folds c into h: counts, windows, and the positions where they differ
 * become dynamic (kind Token), their values kept as enumerations. */
static void merge(struct lv_iq_pat *p, struct cluster *h, struct cluster *c)
{
    uint32_t i, j;

    for (i = 0; i < h->ntok; i++) {
        struct ptok *a = &h->tok[i], *b = &c->tok[i];

        if (!a->dyn && !b->dyn && a->len == b->len
            && memcmp(h->text + a->off, c->text + b->off, a->len) == 0) {
            continue;
        }
        if (!a->dyn) {
            a->dyn = 1;
            a->type = TT_TOKEN;
            enum_add(p, a, h->text + a->off, a->len, total_count(h));
        }
        if (!b->dyn) {
            a->type = TT_TOKEN;
            enum_add(p, a, c->text + b->off, b->len, total_count(c));
        } else {
            if (b->type != a->type) {
                a->type = TT_TOKEN;
            }
            for (j = 0; b->en && j < b->en->n; j++) {
                enum_add(p, a, b->en->v[j].s, b->en->v[j].len,
                         b->en->v[j].count);
            }
        }
    }
    h->n[0] += c->n[0];
    h->n[1] += c->n[1];
    for (j = 0; j < c->nw; j++) {
        win_add(p, h, c->w[j].start, c->w[j].n);
    }
    c->merged = 1;
}

size_t lv_iq_pat_finish(struct lv_iq_pat *p)
{
    struct cluster **all;
    size_t i, j, n = 0, bucket = 0, n_out = 0;

    if (p->finished) {
        return p->n_out;
    }
    p->finished = 1;
    all = p_alloc(p, (p->n ? p->n : 1) * sizeof *all);
    for (i = 0; i < p->cap; i++) {
        if (live(p->tab[i])) {
            all[n++] = p->tab[i];
            make_pat(p, p->tab[i]);
        }
    }
    qsort(all, n, sizeof *all, order_merge);
    for (i = 0; i < n; i++) {
        if (i && !same_bucket(all[i - 1], all[i])) {
            bucket = i;
        }
        for (j = bucket; j < i; j++) {
            if (!all[j]->merged && similar(all[j], all[i])) {
                merge(p, all[j], all[i]);
                break;
            }
        }
    }
    for (i = 0; i < n; i++) {
        if (!all[i]->merged) {
            make_pat(p, all[i]);
            all[n_out++] = all[i];
        }
    }
    p->out = all;
    p->n_out = n_out;
    return n_out;
}

/* ---- what the commands read -------------------------------------------- */

int64_t lv_iq_pat_window(const struct lv_iq_ctx *cx)
{
    static const int64_t widths[] = {
        1000, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
        10800000, 21600000, 43200000, 86400000, 604800000, 2592000000LL,
        31536000000LL,
    };
    double range = (double)cx->end_ms - (double)cx->start_ms + 1;
    size_t i;

    for (i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        if (range / (double)widths[i] <= PAT_MAX_WINDOWS) {
            return widths[i];
        }
    }
    return widths[sizeof widths / sizeof widths[0] - 1];
}

struct lv_iq_pat *lv_iq_pat_new(const struct lv_iq_ctx *cx,
                                size_t max_bytes)
{
    struct lv_iq_pat *p = lv_xcalloc(1, sizeof *p);

    p->cx = cx;
    p->max_bytes = max_bytes;
    p->win = lv_iq_pat_window(cx);
    return p;
}

void lv_iq_pat_free(struct lv_iq_pat *p)
{
    size_t i;

    if (!p) {
        return;
    }
    for (i = 0; i < p->cap; i++) {
        if (live(p->tab[i])) {
            cluster_free(p, p->tab[i]);
        }
    }
    p_free(p, p->tab);
    for (i = 0; i < p->bcap; i++) {
        if (p->btab[i]) {
            p_free(p, p->btab[i]->v);
            p_free(p, p->btab[i]);
        }
    }
    p_free(p, p->btab);
    p_free(p, p->out);
    p_free(p, p->tk);
    free(p);
}

size_t lv_iq_pat_bytes(const struct lv_iq_pat *p)
{
    return p->held;
}

int64_t lv_iq_pat_total(const struct lv_iq_pat *p, int period)
{
    return p->total[period];
}

void lv_iq_pat_get(struct lv_iq_pat *p, size_t i, int64_t counts[2],
                   const char **pattern, size_t *len)
{
    counts[0] = p->out[i]->n[0];
    counts[1] = p->out[i]->n[1];
    *pattern = p->out[i]->pat;
    *len = p->out[i]->pat_len;
}

static void set_str(struct lv_iq_row *row, const char *name, const char *s,
                    size_t len)
{
    struct lv_iq_val v;

    memset(&v, 0, sizeof v);
    v.t = LV_IQ_STR;
    v.s = s;
    v.len = len;
    lv_iq_row_set(row, name, &v);
}

/* word (lower case) in s[0..n), in any case. */
static int has_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word), i;

    for (i = 0; i + w <= n; i++) {
        if (strncasecmp(s + i, word, w) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *severity(const struct cluster *c)
{
    if (has_ci(c->pat, c->pat_len, "error")) {
        return "ERROR";
    }
    if (has_ci(c->pat, c->pat_len, "warn")) {
        return "WARN";
    }
    return "INFO";
}

static int cmp_pval(const void *a, const void *b)
{
    const struct pval *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c;

    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void tokens_json(struct cluster *c, struct lv_buf *b)
{
    uint32_t i, j, dyn = 0;

    lv_buf_addc(b, '[');
    for (i = 0; i < c->ntok; i++) {
        struct ptok *t = &c->tok[i];

        if (i) {
            lv_buf_addc(b, ',');
        }
        if (!t->dyn) {
            lv_buf_adds(b, "{\"dynamicTokenPosition\":0,"
                           "\"isDynamic\":false,\"tokenString\":\"");
            lv_buf_add_json_str(b, c->text + t->off, t->len);
            lv_buf_adds(b, "\"}");
            continue;
        }
        dyn++;
        lv_buf_addf(b, "{\"dynamicTokenPosition\":%u,\"isDynamic\":true,"
                       "\"tokenString\":\"<*>\",\"enumerations\":{", dyn);
        if (t->en) {
            qsort(t->en->v, t->en->n, sizeof t->en->v[0], cmp_pval);
            for (j = 0; j < t->en->n; j++) {
                lv_buf_adds(b, j ? ",\"" : "\"");
                lv_buf_add_json_str(b, t->en->v[j].s, t->en->v[j].len);
                lv_buf_addf(b, "\":%lld", (long long)t->en->v[j].count);
            }
        }
        lv_buf_addf(b, "},\"inferredTokenName\":\"%s-%u\"}",
                    tt_names[t->type], dyn);
    }
    lv_buf_addc(b, ']');
}

void lv_iq_pat_fields(struct lv_iq_pat *p, size_t i, struct lv_iq_row *row,
                      int with_vis)
{
    struct cluster *c = p->out[i];
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    uint64_t h1, h2;
    char id[33];
    uint32_t j;

    h1 = mix(0xcbf29ce484222325ull, c->pat, c->pat_len);
    h2 = mix(0x84222325cbf29ce4ull, c->pat, c->pat_len);
    h2 = mix(h2, &h1, sizeof h1);
    snprintf(id, sizeof id, "%016llx%016llx", (unsigned long long)h1,
             (unsigned long long)h2);
    set_str(row, "@severityLabel", severity(c), strlen(severity(c)));
    set_str(row, "@PatternId", id, 32);
    tokens_json(c, &b);
    set_str(row, "@tokens", b.data, b.len);
    lv_buf_reset(&b);
    if (with_vis) {
        lv_buf_adds(&b, "{\"timeWindowCountMapping\":{");
        for (j = 0; j < c->nw; j++) {
            lv_buf_addf(&b, "%s\"%lld\":%lld", j ? "," : "",
                        (long long)c->w[j].start, (long long)c->w[j].n);
        }
        lv_buf_adds(&b, "}}");
        set_str(row, "@visualization", b.data, b.len);
    }
    lv_buf_release(&b);
}

/* ---- the block of pattern and diff ------------------------------------- */

struct lv_iq_block *lv_iq_patcmd_new(const struct lv_iq_block_vt *vt,
                                     const struct lv_iq_cmd *c,
                                     const struct lv_iq_ctx *cx,
                                     size_t max_bytes)
{
    struct lv_iq_patcmd *pc = lv_xcalloc(1, sizeof *pc);

    pc->b.vt = vt;
    pc->c = c;
    pc->cx = cx;
    pc->p = lv_iq_pat_new(cx, max_bytes);
    lv_buf_init(&pc->text, SIZE_MAX);
    return &pc->b;
}

int lv_iq_patcmd_add(struct lv_iq_patcmd *pc, struct lv_iq_row *r,
                     const struct lv_iq_val *v, int period,
                     struct lv_err *err)
{
    const struct lv_iq_event *ev = lv_iq_row_event(r);
    const char *s = v->s;
    size_t len = v->len;
    int64_t ts = 0;

    if (v->t == LV_IQ_NULL) {
        return 0;
    }
    if (v->t != LV_IQ_STR) {
        lv_buf_reset(&pc->text);
        lv_iq_val_text(v, &pc->text);
        s = pc->text.data;
        len = pc->text.len;
    }
    if (ev) {
        ts = ev->ts;
    } else {
        struct lv_iq_val t;
        int ok = 0;
        double d;

        lv_iq_row_get(r, "@timestamp", 10, &t);
        d = lv_iq_val_num(&t, &ok);
        ts = ok ? (int64_t)d : 0;
    }
    return lv_iq_pat_add(pc->p, s, len, ts, period, err);
}

size_t lv_iq_patcmd_bytes(const struct lv_iq_block *b)
{
    const struct lv_iq_patcmd *pc = (const struct lv_iq_patcmd *)b;

    return lv_iq_pat_bytes(pc->p) + pc->text.cap;
}

void lv_iq_patcmd_free(struct lv_iq_block *b)
{
    struct lv_iq_patcmd *pc = (struct lv_iq_patcmd *)b;

    if (!pc) {
        return;
    }
    lv_iq_pat_free(pc->p);
    lv_buf_release(&pc->text);
    free(pc);
}

size_t *lv_iq_pat_sorted(struct lv_iq_pat *p, size_t n,
                         int (*cmp)(const void *, const void *, void *))
{
    size_t *idx = lv_xcalloc(n ? n : 1, sizeof *idx), i;

    for (i = 0; i < n; i++) {
        idx[i] = i;
    }
    qsort_r(idx, n, sizeof *idx, cmp, p);
    return idx;
}

/* ---- the pattern command --------------------------------------------------- */

static int pattern_add(struct lv_iq_block *b, struct lv_iq_row *r,
                       struct lv_err *err)
{
    struct lv_iq_patcmd *pc = (struct lv_iq_patcmd *)b;
    struct lv_iq_val v;

    if (pc->c->expr) {
        lv_iq_eval(pc->c->expr, r, pc->cx, &v);
    } else {
        lv_iq_row_get(r, "@message", 8, &v);
    }
    return lv_iq_patcmd_add(pc, r, &v, LV_IQ_PAT_CUR, err);
}

/* Most frequent first, then by @pattern. */
static int order_out(const void *a, const void *b, void *arg)
{
    struct lv_iq_pat *p = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int64_t ci[2], cj[2];
    const char *pi, *pj;
    size_t li, lj;

    lv_iq_pat_get(p, i, ci, &pi, &li);
    lv_iq_pat_get(p, j, cj, &pj, &lj);
    if (ci[0] != cj[0]) {
        return ci[0] > cj[0] ? -1 : 1;
    }
    return lv_iq_pat_cmp_text(pi, li, pj, lj);
}

static int pattern_end(struct lv_iq_block *b, lv_iq_row_sink *sink,
                       void *arg, struct lv_err *err)
{
    struct lv_iq_patcmd *pc = (struct lv_iq_patcmd *)b;
    size_t n = lv_iq_pat_finish(pc->p), i;
    int64_t total = lv_iq_pat_total(pc->p, LV_IQ_PAT_CUR), counts[2];
    size_t *idx = lv_iq_pat_sorted(pc->p, n, order_out);
    const char *pat;
    size_t len;
    int ret = -1;

    for (i = 0; i < n; i++) {
        struct lv_iq_row *row = lv_iq_row_new(NULL);
        struct lv_iq_val v;

        lv_iq_pat_get(pc->p, idx[i], counts, &pat, &len);
        set_str(row, "@pattern", pat, len);
        memset(&v, 0, sizeof v);
        v.t = LV_IQ_NUM;
        v.num = total ? (double)counts[0] / (double)total : 0;
        lv_iq_row_set(row, "@ratio", &v);
        v.num = (double)counts[0];
        lv_iq_row_set(row, "@sampleCount", &v);
        lv_iq_pat_fields(pc->p, idx[i], row, 1);
        if (sink(arg, row, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    free(idx);
    return ret;
}

static const struct lv_iq_block_vt pattern_vt = {
    pattern_add, pattern_end, lv_iq_patcmd_bytes, lv_iq_patcmd_free,
};

struct lv_iq_block *lv_iq_pattern_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_ctx *cx,
                                      size_t max_bytes)
{
    return lv_iq_patcmd_new(&pattern_vt, c, cx, max_bytes);
}
