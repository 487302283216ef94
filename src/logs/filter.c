/*
 * filter: compiles a CloudWatch Logs filter pattern and matches event
 * messages. This file: the entry points, unstructured text patterns, the
 * lexer shared by JSON and space-delimited patterns, and condition values
 * (text, number, '*' wildcard, %regex%). JSON is in filter_json.c,
 * space-delimited in filter_space.c.
 *
 * AWS page: FilterAndPatternSyntax.html, sections "Supported regular
 * expressions (regex) syntax" and "Matching terms in unstructured log
 * events".
 */
#include "logs/filter.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/filter_int.h"
#include "util/err.h"
#include "util/mem.h"

/* Backtracking bounds for one regex match over one message: a pattern
 * like %a*a*a*b% must cost a bounded time, not hang a scan. */
#define REGEX_MATCH_LIMIT 1000000
#define REGEX_DEPTH_LIMIT 10000

static size_t char_len(const char *s, size_t avail);

/* ---- errors ------------------------------------------------------------ */

int lv_ferr_term(struct lv_err *err, const char *s, size_t len)
{
    if (len > 200) {
        len = 200;
    }
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Invalid character(s) in term '%.*s'", (int)len, s);
}

/* AWS's words (TestMetricFilter and FilterLogEvents alike). */
static int err_too_many_regex(struct lv_err *err)
{
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Your input has exceeded the maximum of %d regular "
                      "expressions per filter pattern.",
                      LV_FILTER_MAX_REGEX);
}

int lv_ferr_unexpected(struct lv_err *err, const struct flex *lx)
{
    char what[80];

    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Invalid filter pattern: unexpected %s at position %zu",
                      lv_flex_what(lx, what, sizeof(what)),
                      lx->tok.pos + 1);
}

/* ---- numbers ----------------------------------------------------------- */

int lv_fnum_parse(const char *s, size_t len, double *d, int *is_int,
                  long long *i)
{
    char buf[64];
    size_t p = 0;
    size_t digits = 0;
    int integral = 1;
    char *endp;

    if (len == 0 || len >= sizeof(buf)) {
        return 0;
    }
    if (s[p] == '+' || s[p] == '-') {
        p++;
    }
    /* The common case, a plain integer of at most 18 digits: what strtoll
     * would give, and as a double what strtod would (the conversion rounds
     * to nearest like strtod; "-0" is -0.0 as strtod has it). */
    if (len - p <= 18 && len > p) {
        long long v = 0;
        size_t q = p;

        while (q < len && (unsigned)(s[q] - '0') < 10u) {
            v = v * 10 + (s[q] - '0');
            q++;
        }
        if (q == len) {
            if (s[0] == '-') {
                v = -v;
                *d = v == 0 ? -0.0 : (double)v;
            } else {
                *d = (double)v;
            }
            *is_int = 1;
            *i = v;
            return 1;
        }
    }
    while (p < len && isdigit((unsigned char)s[p])) {
        p++;
        digits++;
    }
    if (p < len && s[p] == '.') {
        integral = 0;
        p++;
        while (p < len && isdigit((unsigned char)s[p])) {
            p++;
            digits++;
        }
    }
    if (digits == 0) {
        return 0;
    }
    if (p < len && (s[p] == 'e' || s[p] == 'E')) {
        size_t ed = 0;

        integral = 0;
        p++;
        if (p < len && (s[p] == '+' || s[p] == '-')) {
            p++;
        }
        while (p < len && isdigit((unsigned char)s[p])) {
            p++;
            ed++;
        }
        if (ed == 0) {
            return 0;
        }
    }
    if (p != len) {
        return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    *d = strtod(buf, NULL);
    *is_int = 0;
    if (integral) {
        long long v;

        errno = 0;
        v = strtoll(buf, &endp, 10);
        if (errno == 0 && *endp == '\0') {
            *is_int = 1;
            *i = v;
        }
    }
    return 1;
}

/* ---- wildcards --------------------------------------------------------- */

/* Literal pieces are anchored at the start (unless the glob starts with
 * '*') and at the end (unless it ends with '*'); the pieces between are
 * found leftmost-first, which is exact for literal pieces. */
int lv_fglob_match(const struct fval *v, const char *s, size_t len)
{
    size_t first = 0;
    size_t last = v->nseg;
    size_t pos = 0;
    size_t end = len;
    size_t k;

    if (!v->lead_star) {
        size_t n = v->seg_len[0];

        if (n > len || memcmp(s, v->text + v->seg_off[0], n) != 0) {
            return 0;
        }
        pos = n;
        first = 1;
    }
    if (!v->trail_star && last > first) {
        size_t n = v->seg_len[last - 1];

        if (n > end - pos ||
            memcmp(s + len - n, v->text + v->seg_off[last - 1], n) != 0) {
            return 0;
        }
        end = len - n;
        last--;
    }
    for (k = first; k < last; k++) {
        const char *hit;
        size_t n = v->seg_len[k];

        if (n == 0) {
            continue;
        }
        hit = memmem(s + pos, end - pos, v->text + v->seg_off[k], n);
        if (!hit) {
            return 0;
        }
        pos = (size_t)(hit - s) + n;
    }
    return 1;
}

/* ---- regular expressions ----------------------------------------------- */

static pthread_once_t regex_once = PTHREAD_ONCE_INIT;
static pthread_key_t regex_md_key;
static pcre2_match_context *regex_mctx;

static void regex_md_free(void *p)
{
    pcre2_match_data_free(p);
}

static void regex_init(void)
{
    if (pthread_key_create(&regex_md_key, regex_md_free) != 0) {
        LV_BUG("filter: pthread_key_create failed");
    }
    regex_mctx = pcre2_match_context_create(NULL);
    if (!regex_mctx) {
        LV_BUG("filter: out of memory");
    }
    pcre2_set_match_limit(regex_mctx, REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(regex_mctx, REGEX_DEPTH_LIMIT);
}

int lv_fregex_find(const pcre2_code *re, const char *s, size_t len)
{
    pcre2_match_data *md;
    int rc;

    pthread_once(&regex_once, regex_init);
    md = pthread_getspecific(regex_md_key);
    if (!md) {
        /* No capture groups are possible (AWS forbids parentheses), so
         * one pair is all a match can fill. */
        md = pcre2_match_data_create(1, NULL);
        if (!md || pthread_setspecific(regex_md_key, md) != 0) {
            LV_BUG("filter: out of memory");
        }
    }
    rc = pcre2_match(re, (PCRE2_SPTR)(s ? s : ""), len, 0, 0, md,
                     regex_mctx);
    /* rc 0: matched, ovector too small; a limit hit counts as no match. */
    return rc >= 0;
}

/*
 * AWS's regex subset (regex-expressions.html, "Supported regular
 * expressions (regex) syntax"): a pattern "can only include"
 * alphanumerics, the symbols : _ # = @ / ; , - and the operators
 * ^ $ ? [ ] { } | \ * + . — no parentheses (no groups, so no lookaround
 * and no back-references), no multi-byte characters. The list names no
 * blank, but the page's own example "%^starting|^initializing|^shutting
 * down%" has one: a regex is one term from % to %, so a blank inside it
 * is taken (the example is what users copy; refusing it would fail the
 * page's own pattern), and it matches a blank literally. The
 * operators mean: ^ and $ anchor at the start and the end of the
 * string; ? * + {m,n} repeat the preceding term, m or n may be left out;
 * [...] a character class; | "or" between the terms on either side;
 * \ makes an operator literal; \d \D \s \S \w \W \xhh; . any single
 * character.
 *
 * PCRE2 understands far more (\b, \p{..}, \Q..\E, lazy and possessive
 * quantifiers, POSIX classes, {,n} as a literal before 10.43, ...). So
 * the pattern is checked and rewritten here, and anything outside the
 * subset is refused as AWS refuses it, with InvalidParameterException:
 *   - an escape other than the six classes, \xhh, or an escaped
 *     operator or symbol;
 *   - a quantifier with nothing to repeat, or right after another one
 *     (a**, a*?, a*+, a{2}{3}) — the page defines no lazy or possessive
 *     forms, and which one AWS would take is not documented;
 *   - { } that do not form {m}, {m,}, {,n} or {m,n} with m <= n, a lone
 *     ] or }, an empty class [], an unescaped [ inside a class, an empty
 *     alternative (|a, a|, a||b: "the term on either side").
 * {,n} becomes {0,n}. Compiled with PCRE2_DOLLAR_ENDONLY ($ is the end
 * of the string, not before a final newline) and PCRE2_DOTALL (. is any
 * single character, newline included), as the page defines them.
 */

/* The characters the page allows at all. */
static int regex_char_ok(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr(" :_#=@/;,-^$?[]{}|\\*+.", c));
}

/* "Invalid character(s) in term '%<body up to the bad byte>'", as AWS
 * answers { $.v = %(Alpha|Beta)% } with term '%('. */
static int regex_bad_char(const char *body, size_t len, size_t upto,
                          struct lv_err *err)
{
    size_t n = upto + char_len(body + upto, len - upto);
    char *term = lv_xmalloc(n + 1);
    int ret;

    term[0] = '%';
    memcpy(term + 1, body, n);
    ret = lv_ferr_term(err, term, n + 1);
    free(term);
    return ret;
}

static int regex_bad(const char *body, size_t len, const char *why,
                     struct lv_err *err)
{
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Invalid filter pattern: invalid regular expression "
                      "'%%%.*s%%': %s", (int)(len > 200 ? 200 : len), body,
                      why);
}

static int is_hex(unsigned char c)
{
    return isxdigit(c) != 0;
}

/* An escape at body[i] ('\\'): copies it to out and returns its length,
 * or 0 when the subset has no such escape. */
static size_t regex_escape(const char *body, size_t len, size_t i,
                           char *out, size_t *o)
{
    unsigned char e;

    if (i + 1 >= len) {
        return 0;
    }
    e = (unsigned char)body[i + 1];
    if (e != '\0' && strchr("dDsSwW", e)) {
        out[(*o)++] = '\\';
        out[(*o)++] = (char)e;
        return 2;
    }
    if (e == 'x') {
        if (i + 3 >= len || !is_hex((unsigned char)body[i + 2]) ||
            !is_hex((unsigned char)body[i + 3])) {
            return 0;
        }
        memcpy(out + *o, body + i, 4);
        *o += 4;
        return 4;
    }
    if (!isalnum(e) && regex_char_ok(e)) {
        out[(*o)++] = '\\';
        out[(*o)++] = (char)e;
        return 2;
    }
    return 0;
}

/* Reads the digits at body[*i]: 1 and *v when there are some. */
static int regex_num(const char *body, size_t len, size_t *i,
                     unsigned long *v)
{
    size_t start = *i;

    *v = 0;
    while (*i < len && isdigit((unsigned char)body[*i])) {
        if (*v < 100000) {
            *v = *v * 10 + (unsigned long)(body[*i] - '0');
        }
        (*i)++;
    }
    return *i > start;
}

/* Checks body against the subset and writes the PCRE2 form to out (at
 * least 2 * len + 1 bytes). 0, or -1 with err filled. */
static int regex_translate(const char *body, size_t len, char *out,
                           struct lv_err *err)
{
    size_t i = 0, o = 0, k;
    int atom = 0;           /* a term a quantifier may follow */
    int branch_empty = 1;   /* nothing yet in this alternative */

    for (k = 0; k < len; k++) {
        if (!regex_char_ok((unsigned char)body[k])) {
            return regex_bad_char(body, len, k, err);
        }
    }
    while (i < len) {
        char c = body[i];
        size_t n;

        switch (c) {
        case '\\':
            n = regex_escape(body, len, i, out, &o);
            if (n == 0) {
                return regex_bad(body, len, "unsupported escape", err);
            }
            i += n;
            atom = 1;
            break;
        case '[': {
            size_t j = i + 1;

            out[o++] = '[';
            if (j < len && body[j] == '^') {
                out[o++] = '^';
                j++;
            }
            if (j < len && body[j] == ']') {
                return regex_bad(body, len, "empty character class", err);
            }
            while (j < len && body[j] != ']') {
                if (body[j] == '[') {
                    return regex_bad(body, len, "'[' inside a character "
                                     "class must be escaped", err);
                }
                if (body[j] == '\\') {
                    n = regex_escape(body, len, j, out, &o);
                    if (n == 0) {
                        return regex_bad(body, len, "unsupported escape",
                                         err);
                    }
                    j += n;
                    continue;
                }
                out[o++] = body[j++];
            }
            if (j >= len) {
                return regex_bad(body, len, "missing terminating ] for "
                                 "character class", err);
            }
            out[o++] = ']';
            i = j + 1;
            atom = 1;
            break;
        }
        case ']':
        case '}':
            return regex_bad(body, len, c == ']' ? "unmatched ']'" :
                             "unmatched '}'", err);
        case '{': {
            unsigned long m = 0, x = 0;
            int has_m, has_x = 0, comma = 0;
            size_t j = i + 1;

            has_m = regex_num(body, len, &j, &m);
            if (j < len && body[j] == ',') {
                comma = 1;
                j++;
                has_x = regex_num(body, len, &j, &x);
            }
            if (j >= len || body[j] != '}' || (!has_m && !has_x) ||
                (has_m && has_x && m > x) || m > 65535 || x > 65535) {
                return regex_bad(body, len, "invalid {m,n} quantifier",
                                 err);
            }
            if (!atom) {
                return regex_bad(body, len, "quantifier does not follow "
                                 "a repeatable item", err);
            }
            /* At most "{65535,65535}": within the 2 * len + 2 bytes, as
             * the written form had at least 3 bytes, "{,n}" one fewer
             * than its rewrite and the rest as many. */
            o += (size_t)snprintf(out + o, 8, "{%lu", has_m ? m : 0ul);
            if (comma) {
                out[o++] = ',';
                if (has_x) {
                    o += (size_t)snprintf(out + o, 7, "%lu", x);
                }
            }
            out[o++] = '}';
            i = j + 1;
            atom = 0;
            break;
        }
        case '*':
        case '+':
        case '?':
            if (!atom) {
                return regex_bad(body, len, "quantifier does not follow "
                                 "a repeatable item", err);
            }
            out[o++] = c;
            i++;
            atom = 0;
            break;
        case '|':
            if (branch_empty) {
                return regex_bad(body, len, "empty alternative", err);
            }
            out[o++] = c;
            i++;
            atom = 0;
            branch_empty = 1;
            continue;
        case '^':
        case '$':
            out[o++] = c;
            i++;
            atom = 0;
            break;
        default:            /* alphanumerics, symbols and '.' */
            out[o++] = c;
            i++;
            atom = 1;
            break;
        }
        branch_empty = 0;
    }
    if (branch_empty) {
        return regex_bad(body, len, "empty alternative", err);
    }
    out[o] = '\0';
    return 0;
}

int lv_fregex_compile(const char *body, size_t len, pcre2_code **out,
                      struct lv_err *err)
{
    PCRE2_UCHAR msg[160];
    PCRE2_SIZE erroff;
    pcre2_code *re;
    char *pcre = NULL;
    int code;
    int ret = -1;

    if (len == 0) {
        return lv_ferr_term(err, "%%", 2);
    }
    pcre = lv_xmalloc(2 * len + 2);
    if (regex_translate(body, len, pcre, err) < 0) {
        goto out;
    }
    re = pcre2_compile((PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED,
                       PCRE2_DOLLAR_ENDONLY | PCRE2_DOTALL, &code, &erroff,
                       NULL);
    if (!re) {
        pcre2_get_error_message(code, msg, sizeof(msg));
        ret = regex_bad(body, len, (const char *)msg, err);
        goto out;
    }
    /* JIT when the platform has it; the interpreter otherwise. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    *out = re;
    ret = 0;
out:
    free(pcre);
    return ret;
}

/* ---- values ------------------------------------------------------------ */

void lv_fval_release(struct fval *v)
{
    free(v->text);
    free(v->seg_off);
    free(v->seg_len);
    if (v->re) {
        pcre2_code_free(v->re);
    }
    memset(v, 0, sizeof(*v));
}

/* Sets v from unescaped text s[0..n) where wild[i] marks a wildcard '*':
 * FV_GLOB if there is one, else FV_TEXT. */
static void fval_set_text(struct fval *v, const char *s, const char *wild,
                          size_t n)
{
    size_t i;
    size_t nstars = 0;
    size_t out = 0;

    for (i = 0; i < n; i++) {
        nstars += wild[i] != 0;
    }
    v->text = lv_xmalloc(n + 1);
    if (nstars == 0) {
        v->kind = FV_TEXT;
        memcpy(v->text, s, n);
        v->text[n] = '\0';
        v->len = n;
        return;
    }
    v->kind = FV_GLOB;
    v->seg_off = lv_xcalloc(nstars + 1, sizeof(size_t));
    v->seg_len = lv_xcalloc(nstars + 1, sizeof(size_t));
    v->lead_star = n > 0 && wild[0];
    v->trail_star = n > 0 && wild[n - 1];
    v->nseg = 0;
    i = 0;
    while (i < n) {
        size_t start;

        while (i < n && wild[i]) {
            i++;
        }
        if (i >= n) {
            break;
        }
        start = out;
        while (i < n && !wild[i]) {
            v->text[out++] = s[i++];
        }
        v->seg_off[v->nseg] = start;
        v->seg_len[v->nseg] = out - start;
        v->nseg++;
    }
    v->text[out] = '\0';
    v->len = out;
}

/* The characters an unquoted value may have: alphanumerics and _ . - +
 * and the '*' wildcard (FilterAndPatternSyntax: "Strings that consist
 * entirely of alphanumeric characters do not need to be quoted"; AWS also
 * takes 123.123.* and +1000 unquoted). */
static int word_char_ok(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '-' || c == '+' ||
           c == '*';
}

int lv_fval_from_tok(const struct flex *lx, enum fop op, struct fval *v,
                     int *nregex, struct lv_err *err)
{
    const struct ftok *t = &lx->tok;
    int relational = op == OP_LT || op == OP_LE || op == OP_GT ||
                     op == OP_GE;
    char *buf = NULL;
    char *wild = NULL;
    size_t i, n;
    int ret = -1;

    memset(v, 0, sizeof(*v));
    switch (t->type) {
    case TK_REGEX:
        if (relational) {
            ret = lv_ferr_term(err, t->s, t->len);
            goto out;
        }
        if (++*nregex > LV_FILTER_MAX_REGEX) {
            ret = err_too_many_regex(err);
            goto out;
        }
        v->kind = FV_REGEX;
        ret = lv_fregex_compile(t->s + 1, t->len - 2, &v->re, err);
        goto out;
    case TK_QUOTED:
        if (relational) {
            ret = lv_ferr_term(err, t->s, t->len);
            goto out;
        }
        buf = lv_xmalloc(t->len);
        wild = lv_xmalloc(t->len);
        n = 0;
        for (i = 1; i + 1 < t->len; i++) {
            int escaped = t->s[i] == '\\' && i + 2 < t->len;

            if (escaped) {
                i++;
            }
            buf[n] = t->s[i];
            wild[n] = !escaped && t->s[i] == '*';
            n++;
        }
        fval_set_text(v, buf, wild, n);
        ret = 0;
        goto out;
    case TK_WORD:
        for (i = 0; i < t->len; i++) {
            if (!word_char_ok((unsigned char)t->s[i])) {
                ret = lv_ferr_term(err, t->s, t->len);
                goto out;
            }
        }
        if (lv_fnum_parse(t->s, t->len, &v->num, &v->is_int, &v->inum)) {
            v->kind = FV_NUMBER;
            v->text = lv_xstrndup(t->s, t->len);
            v->len = t->len;
            ret = 0;
            goto out;
        }
        if (relational) {
            ret = lv_ferr_term(err, t->s, t->len);
            goto out;
        }
        wild = lv_xmalloc(t->len + 1);
        for (i = 0; i < t->len; i++) {
            wild[i] = t->s[i] == '*';
        }
        fval_set_text(v, t->s, wild, t->len);
        ret = 0;
        goto out;
    default:
        ret = lv_ferr_unexpected(err, lx);
        goto out;
    }
out:
    free(buf);
    free(wild);
    if (ret < 0) {
        lv_fval_release(v);
    }
    return ret;
}

/* Is the scalar's text a number? (Asked only of JSON numbers and
 * delimited fields, see struct fscalar.) */
static int scalar_number(const struct fscalar *s, double *d, int *is_int,
                         long long *i)
{
    return lv_fnum_parse(s->text, s->len, d, is_int, i);
}

/* -1, 0, 1 as a < b, a == b, a > b. */
static int num_cmp(double ad, int aint, long long ai, double bd, int bint,
                   long long bi)
{
    if (aint && bint) {
        return ai < bi ? -1 : ai > bi;
    }
    return ad < bd ? -1 : ad > bd;
}

int lv_fval_test(enum fop op, const struct fval *v, const struct fscalar *s)
{
    double d = 0;
    int is_int = 0;
    long long i = 0;
    int eq;

    switch (v->kind) {
    case FV_NUMBER:
        if (s->is_number && scalar_number(s, &d, &is_int, &i)) {
            int c = num_cmp(d, is_int, i, v->num, v->is_int, v->inum);

            switch (op) {
            case OP_EQ: return c == 0;
            case OP_NE: return c != 0;
            case OP_LT: return c < 0;
            case OP_LE: return c <= 0;
            case OP_GT: return c > 0;
            case OP_GE: return c >= 0;
            default: return 0;
            }
        }
        if (op != OP_EQ && op != OP_NE) {
            return 0;           /* ordering needs a number */
        }
        /* A JSON string, or text that is no number: the number as
         * written, compared as text. */
        eq = s->len == v->len && memcmp(s->text, v->text, v->len) == 0;
        break;
    case FV_TEXT:
        eq = s->len == v->len && memcmp(s->text, v->text, v->len) == 0;
        break;
    case FV_GLOB:
        eq = lv_fglob_match(v, s->text, s->len);
        break;
    case FV_REGEX:
        eq = lv_fregex_find(v->re, s->text, s->len);
        break;
    default:
        return 0;
    }
    return op == OP_EQ ? eq : op == OP_NE ? !eq : 0;
}

/* ---- expressions ------------------------------------------------------- */

int lv_fexpr_add(struct fexpr *e, const struct fnode *n)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->nodes = lv_xrealloc(e->nodes, e->cap * sizeof(*e->nodes));
    }
    e->nodes[e->n] = *n;
    return (int)e->n++;
}

void lv_fexpr_release(struct fexpr *e)
{
    size_t k;

    for (k = 0; k < e->n; k++) {
        lv_fval_release(&e->nodes[k].val);
    }
    free(e->nodes);
    e->nodes = NULL;
    e->n = e->cap = 0;
    e->root = -1;
}

/* ---- lexer ------------------------------------------------------------- */

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static int is_delim(unsigned char c)
{
    return is_blank(c) || (c != '\0' && strchr("(),&|=!<>\"%", c));
}

int lv_flex_next(struct flex *lx, struct lv_err *err)
{
    const char *p = lx->pat;
    size_t i;

    while (lx->pos < lx->end && is_blank((unsigned char)p[lx->pos])) {
        lx->pos++;
    }
    lx->tok.pos = lx->pos;
    lx->tok.s = p + lx->pos;
    lx->tok.len = 1;
    if (lx->pos >= lx->end) {
        lx->tok.type = TK_END;
        lx->tok.len = 0;
        return 0;
    }
    i = lx->pos;
    switch (p[i]) {
    case '(': lx->tok.type = TK_LPAREN; break;
    case ')': lx->tok.type = TK_RPAREN; break;
    case ',': lx->tok.type = TK_COMMA; break;
    case '=': lx->tok.type = TK_EQ; break;
    case '&':
    case '|':
        if (i + 1 >= lx->end || p[i + 1] != p[i]) {
            return lv_ferr_term(err, p + i, 1);
        }
        lx->tok.type = p[i] == '&' ? TK_AND : TK_OR;
        lx->tok.len = 2;
        break;
    case '!':
        if (i + 1 >= lx->end || p[i + 1] != '=') {
            return lv_ferr_term(err, p + i, 1);
        }
        lx->tok.type = TK_NE;
        lx->tok.len = 2;
        break;
    case '<':
    case '>':
        if (i + 1 < lx->end && p[i + 1] == '=') {
            lx->tok.type = p[i] == '<' ? TK_LE : TK_GE;
            lx->tok.len = 2;
        } else {
            lx->tok.type = p[i] == '<' ? TK_LT : TK_GT;
        }
        break;
    case '"':
        for (i = lx->pos + 1; i < lx->end; i++) {
            if (p[i] == '\\' && i + 1 < lx->end) {
                i++;
            } else if (p[i] == '"') {
                break;
            }
        }
        if (i >= lx->end) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Invalid filter pattern: unterminated quoted "
                              "string at position %zu", lx->pos + 1);
        }
        lx->tok.type = TK_QUOTED;
        lx->tok.len = i + 1 - lx->pos;
        break;
    case '%':
        for (i = lx->pos + 1; i < lx->end && p[i] != '%'; i++) {
        }
        if (i >= lx->end) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Invalid filter pattern: unterminated regular "
                              "expression at position %zu", lx->pos + 1);
        }
        lx->tok.type = TK_REGEX;
        lx->tok.len = i + 1 - lx->pos;
        break;
    default:
        for (i = lx->pos; i < lx->end && !is_delim((unsigned char)p[i]);
             i++) {
            /* A JSON selector's bracket name, $.['a b=c'], is part of
             * the word whatever it holds but a quote: skip to its
             * closing "']" (none: the word ends as usual, and the
             * selector parser says what is wrong). */
            if (p[lx->pos] == '$' && p[i] == '[' && i + 1 < lx->end &&
                p[i + 1] == '\'') {
                const char *q = memchr(p + i + 2, '\'', lx->end - i - 2);

                if (q && (size_t)(q - p) + 1 < lx->end && q[1] == ']') {
                    i = (size_t)(q - p) + 1;
                }
            }
        }
        lx->tok.type = TK_WORD;
        lx->tok.len = i - lx->pos;
        break;
    }
    lx->pos += lx->tok.len;
    return 0;
}

const char *lv_flex_what(const struct flex *lx, char *buf, size_t size)
{
    size_t n = lx->tok.len > 40 ? 40 : lx->tok.len;

    if (lx->tok.type == TK_END) {
        return "end of pattern";
    }
    snprintf(buf, size, "'%.*s'", (int)n, lx->tok.s);
    return buf;
}

/* ---- unstructured text ------------------------------------------------- */

/* The bytes of the character at s[0] (a whole UTF-8 sequence). */
static size_t char_len(const char *s, size_t avail)
{
    size_t n = 1;

    if ((unsigned char)s[0] >= 0xc0) {
        while (n < avail && n < 4 && ((unsigned char)s[n] & 0xc0) == 0x80) {
            n++;
        }
    }
    return n;
}

static void add_term(struct lv_filter *f, const struct fterm *t)
{
    f->terms = lv_xrealloc(f->terms, (f->nterms + 1) * sizeof(*f->terms));
    f->terms[f->nterms++] = *t;
    if (t->mode == TERM_OPTIONAL) {
        f->noptional++;
    }
}

/* FilterAndPatternSyntax, "Matching terms in unstructured log events":
 * terms are ANDed; "-" excludes a term, "?" makes it one of a set of which
 * at least one must appear (when every term has "?"; see finish_text);
 * terms with characters other than letters,
 * digits and '_' must be quoted; inside quotes a backslash escapes the
 * next character; %regex% is a term too. */
static int parse_text(struct lv_filter *f, const char *pat, size_t len,
                      struct lv_err *err)
{
    size_t pos = 0;
    int nregex = 0;

    f->kind = LV_FILTER_TEXT;
    for (;;) {
        struct fterm t;
        size_t start, i;

        while (pos < len && is_blank((unsigned char)pat[pos])) {
            pos++;
        }
        if (pos >= len) {
            break;
        }
        memset(&t, 0, sizeof(t));
        t.mode = TERM_REQUIRED;
        start = pos;
        if (pat[pos] == '-' || pat[pos] == '?') {
            t.mode = pat[pos] == '-' ? TERM_EXCLUDED : TERM_OPTIONAL;
            pos++;
            if (pos >= len || is_blank((unsigned char)pat[pos])) {
                return lv_ferr_term(err, pat + start, 1);
            }
        }
        if (pat[pos] == '"') {
            size_t n = 0;
            int blank = 1;

            for (i = pos + 1; i < len && pat[i] != '"'; i++) {
                if (pat[i] == '\\' && i + 1 < len) {
                    i++;
                }
            }
            if (i >= len) {
                return lv_err_set(err, LV_E_INVALID_PARAMETER,
                                  "Invalid filter pattern: unterminated "
                                  "quoted string at position %zu", pos + 1);
            }
            if (i == pos + 1) {
                return lv_ferr_term(err, pat + pos, 2);
            }
            t.lit = lv_xmalloc(i - pos);
            for (size_t k = pos + 1; k < i; k++) {
                if (pat[k] == '\\' && k + 1 < i) {
                    k++;
                }
                t.lit[n++] = pat[k];
                blank = blank && is_blank((unsigned char)pat[k]);
            }
            /* " " matches everything: a blank phrase is always there. */
            t.len = blank ? 0 : n;
            t.lit[t.len] = '\0';
            pos = i + 1;
        } else if (pat[pos] == '%') {
            for (i = pos + 1; i < len && pat[i] != '%'; i++) {
            }
            if (i >= len) {
                return lv_err_set(err, LV_E_INVALID_PARAMETER,
                                  "Invalid filter pattern: unterminated "
                                  "regular expression at position %zu",
                                  pos + 1);
            }
            if (++nregex > LV_FILTER_MAX_REGEX) {
                return err_too_many_regex(err);
            }
            if (lv_fregex_compile(pat + pos + 1, i - pos - 1, &t.re,
                                  err) < 0) {
                return -1;
            }
            pos = i + 1;
        } else {
            for (i = pos; i < len && !is_blank((unsigned char)pat[i]); i++) {
                unsigned char c = (unsigned char)pat[i];

                if (!isalnum(c) && c != '_') {
                    return lv_ferr_term(err, pat + i, char_len(pat + i,
                                                               len - i));
                }
            }
            t.lit = lv_xstrndup(pat + pos, i - pos);
            t.len = i - pos;
            pos = i;
        }
        if (pos < len && !is_blank((unsigned char)pat[pos])) {
            /* "abc"def or %re%x: a term must end at a blank. */
            if (t.re) {
                pcre2_code_free(t.re);
            }
            free(t.lit);
            return lv_ferr_term(err, pat + pos, char_len(pat + pos,
                                                         len - pos));
        }
        add_term(f, &t);
    }
    return 0;
}

/*
 * FilterAndPatternSyntax, "Match optional terms": ?term terms make an OR
 * of their own ("?ERROR ?ARGUMENTS": ERROR or ARGUMENTS) — but "you can't
 * combine the question mark with other filter patterns, such as include
 * and exclude terms. If you combine '?' with other filter patterns, all
 * question mark terms will be ignored": "?ERROR ?ARGUMENTS REQUEST" is
 * "REQUEST", "ERROR ?WARN" is "ERROR", "?ERROR -WARN" is "-WARN" (what
 * AWS answers too). So the optional terms count only when every term is
 * one; otherwise they are dropped here, once.
 *
 * Text patterns that cannot fail to match then become LV_FILTER_ALL; the
 * plain required literals become the scan prefilter.
 */
static void finish_text(struct lv_filter *f)
{
    size_t k, kept = 0;
    int trivial = 1;

    if (f->noptional > 0 && f->noptional < f->nterms) {
        for (k = 0; k < f->nterms; k++) {
            struct fterm *t = &f->terms[k];

            if (t->mode == TERM_OPTIONAL) {
                free(t->lit);
                if (t->re) {
                    pcre2_code_free(t->re);
                }
                continue;
            }
            f->terms[kept++] = *t;
        }
        f->nterms = kept;
        f->noptional = 0;
    }
    for (k = 0; k < f->nterms; k++) {
        const struct fterm *t = &f->terms[k];
        int always = !t->re && t->len == 0;    /* " " */

        if (t->mode == TERM_EXCLUDED || !always) {
            trivial = 0;
        }
        if (t->mode == TERM_REQUIRED && !t->re && t->len > 0) {
            lv_filter_add_required(f, t->lit, t->len, 0, 0);
        }
    }
    /* Only optional terms: trivial when one of them is " " (always
     * there); the loop above said so only if all were. */
    if (f->noptional > 0 && !trivial) {
        for (k = 0; k < f->nterms; k++) {
            if (!f->terms[k].re && f->terms[k].len == 0) {
                trivial = 1;
            }
        }
    }
    if (trivial) {
        f->kind = LV_FILTER_ALL;
    }
}

static int term_found(const struct fterm *t, const char *msg, size_t len)
{
    if (t->re) {
        return lv_fregex_find(t->re, msg, len);
    }
    if (t->len == 0) {
        return 1;
    }
    return len >= t->len && memmem(msg, len, t->lit, t->len) != NULL;
}

/* After finish_text: either only optional terms (any one found), or
 * only required and excluded ones (all found, none found). */
static int match_text(const struct lv_filter *f, const char *msg, size_t len)
{
    size_t k;

    if (f->noptional > 0) {
        for (k = 0; k < f->nterms; k++) {
            if (term_found(&f->terms[k], msg, len)) {
                return 1;
            }
        }
        return 0;
    }
    for (k = 0; k < f->nterms; k++) {
        if (f->terms[k].mode == TERM_REQUIRED &&
            !term_found(&f->terms[k], msg, len)) {
            return 0;
        }
    }
    for (k = 0; k < f->nterms; k++) {
        if (f->terms[k].mode == TERM_EXCLUDED &&
            term_found(&f->terms[k], msg, len)) {
            return 0;
        }
    }
    return 1;
}

/* ---- the prefilter ----------------------------------------------------- */

void lv_filter_add_required(struct lv_filter *f, const char *data,
                            size_t len, int or_backslash, int copy)
{
    struct lv_filter_lit *l;
    size_t k;

    for (k = 0; k < f->nrequired; k++) {
        l = &f->required[k];
        if (l->len == len && l->or_backslash == or_backslash &&
            memcmp(l->data, data, len) == 0) {
            return;
        }
    }
    if (copy) {
        char *c = lv_xmalloc(len + 1);

        memcpy(c, data, len);
        c[len] = '\0';
        f->owned = lv_xrealloc(f->owned, (f->nowned + 1) * sizeof(*f->owned));
        f->owned[f->nowned++] = c;
        data = c;
    }
    f->required = lv_xrealloc(f->required, (f->nrequired + 1) *
                              sizeof(*f->required));
    l = &f->required[f->nrequired++];
    l->data = data;
    l->len = len;
    l->or_backslash = or_backslash;
}

int lv_filter_lits_present(const struct lv_filter_lit *lits, size_t n,
                           const char *text, size_t len)
{
    int backslash = -1;         /* not looked for yet */
    size_t k;

    for (k = 0; k < n; k++) {
        if (lits[k].len == 0 ||
            (len >= lits[k].len &&
             memmem(text, len, lits[k].data, lits[k].len))) {
            continue;
        }
        if (!lits[k].or_backslash) {
            return 0;
        }
        if (backslash < 0) {
            backslash = memchr(text, '\\', len) != NULL;
        }
        if (!backslash) {
            return 0;
        }
    }
    return 1;
}

/* ---- entry points ------------------------------------------------------ */

struct lv_filter *lv_filter_compile(const char *pattern, size_t len,
                                    struct lv_err *err)
{
    struct lv_filter *f = lv_xcalloc(1, sizeof(*f));
    int rc;

    f->expr.root = -1;
    if (len > LV_FILTER_MAX_PATTERN) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid filter pattern: longer than %d characters",
                   LV_FILTER_MAX_PATTERN);
        goto fail;
    }
    /* The first character picks the language; a pattern that opens with
     * a bracket must close with it (AWS: "If a filter pattern starts with
     * '{' it must end with '}'"), with nothing after it. */
    if (len > 0 && (pattern[0] == '{' || pattern[0] == '[')) {
        char close = pattern[0] == '{' ? '}' : ']';

        if (len < 2 || pattern[len - 1] != close) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "If a filter pattern starts with '%c' it must end "
                       "with '%c'", pattern[0], close);
            goto fail;
        }
        if (pattern[0] == '{') {
            f->kind = LV_FILTER_JSON;
            rc = lv_filter_parse_json(f, pattern, 1, len - 1, err);
        } else {
            f->kind = LV_FILTER_SPACE;
            rc = lv_filter_parse_space(f, pattern, 1, len - 1, err);
        }
        if (rc < 0) {
            goto fail;
        }
        return f;
    }
    if (parse_text(f, pattern, len, err) < 0) {
        goto fail;
    }
    finish_text(f);
    return f;
fail:
    lv_filter_free(f);
    return NULL;
}

void lv_filter_free(struct lv_filter *f)
{
    size_t k;

    if (!f) {
        return;
    }
    for (k = 0; k < f->nterms; k++) {
        free(f->terms[k].lit);
        if (f->terms[k].re) {
            pcre2_code_free(f->terms[k].re);
        }
    }
    free(f->terms);
    free(f->required);
    for (k = 0; k < f->nowned; k++) {
        free(f->owned[k]);
    }
    free(f->owned);
    lv_filter_release_json(f);
    lv_filter_release_space(f);
    free(f);
}

enum lv_filter_kind lv_filter_kind(const struct lv_filter *f)
{
    return f->kind;
}

int lv_filter_match(const struct lv_filter *f, const char *msg, size_t len)
{
    switch (f->kind) {
    case LV_FILTER_ALL:
        return 1;
    case LV_FILTER_TEXT:
        return match_text(f, msg, len);
    case LV_FILTER_JSON:
        return lv_filter_match_json(f, msg, len, NULL);
    case LV_FILTER_SPACE:
        return lv_filter_match_space(f, msg, len, NULL);
    }
    return 0;
}

int lv_filter_match_extract(const struct lv_filter *f, const char *msg,
                            size_t len, json_t **extracted)
{
    int m;

    if (!extracted) {
        return lv_filter_match(f, msg, len);
    }
    *extracted = NULL;
    switch (f->kind) {
    case LV_FILTER_JSON:
        return lv_filter_match_json(f, msg, len, extracted);
    case LV_FILTER_SPACE:
        return lv_filter_match_space(f, msg, len, extracted);
    default:
        m = lv_filter_match(f, msg, len);
        if (m) {
            *extracted = json_object();
        }
        return m;
    }
}

size_t lv_filter_required(const struct lv_filter *f,
                          const struct lv_filter_lit **lits)
{
    *lits = f->required;
    return f->nrequired;
}
