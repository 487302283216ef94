/*
 * parse_expr: the expressions of Logs Insights QL, for parse.c — tokens
 * as the parser reads them, the expression tree (struct lv_iq_expr) and
 * the grammar, with the precedence below, the resolution of calls and
 * the compiling of regex literals. The declarations are in parse_int.h.
 *
 * Operator precedence. The operations page
 * (CWL_QuerySyntax-operations-functions.md) gives none; we use the
 * conventional one, lowest first:
 *     or
 *     and
 *     not, !                          (prefix)
 *     = != < <= > >= =~ like, not like, in, not in   (non-associative)
 *     + -                             (left)
 *     * / %                           (left)
 *     - (unary)
 *     ^                               (right; -2 ^ 2 is -(2 ^ 2))
 *     literals, fields, calls, ( … )
 *
 * Strict where the pages are silent: a regex literal only after like, not
 * like and =~; the right side of like is a string or a regex, of =~ a
 * regex, of in / not in a list of literals; a period literal (5m) only as
 * a function's argument; aggregations only in stats items (possibly
 * inside arithmetic, as the stats page's `sum(x)/1024/1024`), never
 * nested, never after by.
 */
#include "insights/parse_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "util/err.h"
#include "util/mem.h"

/* Deepest nesting of expressions (parentheses, operators, calls): a bound
 * on the parser's recursion, far above any real query. */
#define MAX_DEPTH 100

/* ---- tokens ------------------------------------------------------------- */

static void push_span(struct lv_iqp *p, int pos, int end)
{
    if (p->n_spans == p->cap_spans) {
        p->cap_spans = p->cap_spans ? 2 * p->cap_spans : 64;
        p->spans = lv_xrealloc(p->spans, p->cap_spans * sizeof(*p->spans));
    }
    p->spans[p->n_spans].pos = pos;
    p->spans[p->n_spans].end = end;
    p->n_spans++;
}

int lv_iqp_advance(struct lv_iqp *p)
{
    if (p->tok.t != LV_IQT_EOF) {
        p->prev_end = p->tok.end;
    }
    lv_iqtok_release(&p->tok);
    if (lv_iqlex_next(&p->lx, &p->tok, p->err) < 0) {
        return -1;
    }
    if (p->tok.t != LV_IQT_EOF) {
        push_span(p, p->tok.pos, p->tok.end);
    }
    return 0;
}

/* The token after the current one, without moving (t released by the
 * caller). -1: it does not lex (the error comes again when reached). */
int lv_iqp_peek(struct lv_iqp *p, struct lv_iqtoken *t)
{
    struct lv_iqlex save = p->lx;
    struct lv_err scratch = LV_ERR_INIT;
    int rc = lv_iqlex_next(&p->lx, t, &scratch);

    p->lx = save;
    return rc;
}

int lv_iqp_is_kw(const struct lv_iqp *p, const char *kw)
{
    return p->tok.t == LV_IQT_IDENT && !p->tok.quoted &&
           strcasecmp(p->tok.text, kw) == 0;
}

/* Words that cannot be a bare field name where an operand starts. */
int lv_iqp_is_reserved(const struct lv_iqtoken *t)
{
    static const char *const words[] = {
        "and", "or", "not", "like", "in", "as", "by",
    };
    size_t i;

    if (t->t != LV_IQT_IDENT || t->quoted) {
        return 0;
    }
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(t->text, words[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int lv_iqp_err_at(struct lv_iqp *p, int off, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return lv_iq_syntax_err(p->err, p->s, p->n, off, "%s", what);
}

/* The current token as the query writes it, for a message. */
void lv_iqp_tok_shown(const struct lv_iqp *p, char *out, size_t cap)
{
    if (p->tok.t == LV_IQT_EOF) {
        snprintf(out, cap, "<EOF>");
        return;
    }
    lv_iqlex_shown(p->s, p->tok.pos, p->tok.end, out, cap);
}

int lv_iqp_unexpected(struct lv_iqp *p)
{
    char t[64];

    lv_iqp_tok_shown(p, t, sizeof(t));
    return lv_iqp_err_at(p, p->tok.pos, "unexpected symbol found %s", t);
}

int lv_iqp_expect(struct lv_iqp *p, enum lv_iqtok t)
{
    if (p->tok.t != t) {
        return lv_iqp_unexpected(p);
    }
    return lv_iqp_advance(p);
}

int lv_iqp_expect_kw(struct lv_iqp *p, const char *kw)
{
    if (!lv_iqp_is_kw(p, kw)) {
        return lv_iqp_unexpected(p);
    }
    return lv_iqp_advance(p);
}

/* ---- expressions: making and freeing ------------------------------------ */

struct lv_iq_expr *lv_iqp_new_expr(enum lv_iq_ek k, int pos, int end)
{
    struct lv_iq_expr *e = lv_xcalloc(1, sizeof(*e));

    e->k = k;
    e->pos = pos;
    e->end = end;
    return e;
}

void lv_iqp_expr_free(struct lv_iq_expr *e)
{
    size_t i;

    if (!e) {
        return;
    }
    for (i = 0; i < e->nargs; i++) {
        lv_iqp_expr_free(e->args[i]);
    }
    free(e->args);
    free(e->str);
    if (e->re) {
        pcre2_code_free(e->re);
    }
    free(e);
}

static void add_arg(struct lv_iq_expr *e, struct lv_iq_expr *a)
{
    e->args = lv_xrealloc(e->args, (e->nargs + 1) * sizeof(*e->args));
    e->args[e->nargs++] = a;
}

struct lv_iq_expr *lv_iqp_binary(enum lv_iq_op op, struct lv_iq_expr *l,
                                 struct lv_iq_expr *r)
{
    struct lv_iq_expr *e = lv_iqp_new_expr(LV_IQ_E_BINARY, l->pos, r->end);

    e->op = op;
    add_arg(e, l);
    add_arg(e, r);
    return e;
}

/* The token's text moved into e (str/len). */
void lv_iqp_take_text(struct lv_iq_expr *e, struct lv_iqtoken *t)
{
    e->str = t->text;
    e->len = t->len;
    t->text = NULL;
}

/* Compiles a regex: 0, or -1 with an error naming the offset in the
 * query. PCRE2 with UTF and invalid UTF-8 allowed in the subject (log
 * text is not always UTF-8); JIT when the platform has it. */
int lv_iqp_compile_re(struct lv_iqp *p, const char *pat, size_t len,
                      uint32_t opts, int pos, void **out)
{
    PCRE2_UCHAR msg[160];
    PCRE2_SIZE erroff;
    pcre2_code *re;
    int code;

    re = pcre2_compile((PCRE2_SPTR)pat, len,
                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | opts, &code,
                       &erroff, NULL);
    if (!re) {
        pcre2_get_error_message(code, msg, sizeof(msg));
        return lv_iqp_err_at(p, pos, "invalid regular expression: %s",
                             (const char *)msg);
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    *out = re;
    return 0;
}

/* ---- expressions: the grammar ------------------------------------------- */

/* A regex literal at the current token (a '/'), compiled. */
struct lv_iq_expr *lv_iqp_parse_regex(struct lv_iqp *p)
{
    struct lv_iqtoken t;
    struct lv_iq_expr *e;

    if (p->tok.t != LV_IQT_SLASH) {
        lv_iqp_unexpected(p);
        return NULL;
    }
    if (lv_iqlex_regex(&p->lx, p->tok.pos, &t, p->err) < 0) {
        return NULL;
    }
    p->n_spans--;               /* the '/' becomes the whole literal */
    push_span(p, t.pos, t.end);
    e = lv_iqp_new_expr(LV_IQ_E_REGEX, t.pos, t.end);
    lv_iqp_take_text(e, &t);
    lv_iqtok_release(&t);
    if (lv_iqp_compile_re(p, e->str, e->len, 0, e->pos + 1, &e->re) < 0 ||
        lv_iqp_advance(p) < 0) {
        lv_iqp_expr_free(e);
        return NULL;
    }
    return e;
}

/* A literal of an `in` list: a number (possibly negative), a string,
 * true or false. */
struct lv_iq_expr *lv_iqp_parse_list_item(struct lv_iqp *p)
{
    struct lv_iq_expr *e = NULL;
    int neg = 0, pos = p->tok.pos;

    if (p->tok.t == LV_IQT_MINUS) {
        neg = 1;
        if (lv_iqp_advance(p) < 0) {
            return NULL;
        }
    }
    if (p->tok.t == LV_IQT_NUM) {
        e = lv_iqp_new_expr(LV_IQ_E_NUM, pos, p->tok.end);
        e->num = neg ? -p->tok.num : p->tok.num;
    } else if (neg) {
        lv_iqp_unexpected(p);
        return NULL;
    } else if (p->tok.t == LV_IQT_STR) {
        e = lv_iqp_new_expr(LV_IQ_E_STR, pos, p->tok.end);
        lv_iqp_take_text(e, &p->tok);
    } else if (lv_iqp_is_kw(p, "true") || lv_iqp_is_kw(p, "false")) {
        e = lv_iqp_new_expr(LV_IQ_E_BOOL, pos, p->tok.end);
        e->num = lv_iqp_is_kw(p, "true");
    } else {
        lv_iqp_unexpected(p);
        return NULL;
    }
    if (lv_iqp_advance(p) < 0) {
        lv_iqp_expr_free(e);
        return NULL;
    }
    return e;
}

/* [a, b, …]: the right side of in / not in. */
struct lv_iq_expr *lv_iqp_parse_list(struct lv_iqp *p)
{
    struct lv_iq_expr *e;

    if (p->tok.t != LV_IQT_LBRACK) {
        lv_iqp_unexpected(p);
        return NULL;
    }
    e = lv_iqp_new_expr(LV_IQ_E_LIST, p->tok.pos, p->tok.end);
    if (lv_iqp_advance(p) < 0) {
        goto fail;
    }
    for (;;) {
        struct lv_iq_expr *a = lv_iqp_parse_list_item(p);

        if (!a) {
            goto fail;
        }
        add_arg(e, a);
        if (p->tok.t == LV_IQT_RBRACK) {
            break;
        }
        if (lv_iqp_expect(p, LV_IQT_COMMA) < 0) {
            goto fail;
        }
    }
    e->end = p->tok.end;
    if (lv_iqp_advance(p) < 0) {
        goto fail;
    }
    return e;
fail:
    lv_iqp_expr_free(e);
    return NULL;
}

static int check_nargs(struct lv_iqp *p, const struct lv_iq_expr *e,
                       int min, int max)
{
    if ((int)e->nargs < min || (max >= 0 && (int)e->nargs > max)) {
        if (min == max) {
            return lv_iqp_err_at(p, e->pos,
                                 "function '%s' takes %d argument%s, "
                                 "not %zu",
                                 e->str, min, min == 1 ? "" : "s", e->nargs);
        }
        if (max < 0) {
            return lv_iqp_err_at(p, e->pos,
                                 "function '%s' takes at least %d "
                                 "argument%s, not %zu",
                                 e->str, min, min == 1 ? "" : "s", e->nargs);
        }
        return lv_iqp_err_at(p, e->pos,
                             "function '%s' takes %d to %d arguments, "
                             "not %zu",
                             e->str, min, max, e->nargs);
    }
    return 0;
}

/* An argument of a call: `*` (count only, checked by the caller), a
 * period literal standing alone, or an expression. */
static struct lv_iq_expr *parse_arg(struct lv_iqp *p)
{
    struct lv_iqtoken next;
    struct lv_iq_expr *e = NULL;
    int alone;

    if (p->tok.t != LV_IQT_STAR && p->tok.t != LV_IQT_PERIOD) {
        return lv_iqp_parse_or(p);
    }
    if (lv_iqp_peek(p, &next) < 0) {
        lv_iqtok_release(&next);
        return lv_iqp_parse_or(p);
    }
    alone = next.t == LV_IQT_COMMA || next.t == LV_IQT_RPAREN;
    lv_iqtok_release(&next);
    if (!alone) {
        return lv_iqp_parse_or(p);
    }
    if (p->tok.t == LV_IQT_STAR) {
        e = lv_iqp_new_expr(LV_IQ_E_STAR, p->tok.pos, p->tok.end);
    } else {
        static const struct {
            const char *unit;
            double ms;
        } ms[] = {
            { "ms", 1 }, { "s", 1e3 }, { "m", 6e4 }, { "h", 3.6e6 },
            { "d", 8.64e7 }, { "w", 6.048e8 }, { "mo", 30 * 8.64e7 },
            { "q", 90 * 8.64e7 }, { "y", 365 * 8.64e7 },
        };
        /* "The cap for ms is 1000, the caps for s and m are 60, and the
         * cap for h is 24": bin(300s) is 60 seconds at AWS. */
        static const struct {
            const char *unit;
            double cap;
        } caps[] = { { "ms", 1000 }, { "s", 60 }, { "m", 60 }, { "h", 24 } };
        double count = p->tok.num;
        size_t i;

        if (count < 1) {
            lv_iqp_err_at(p, p->tok.pos, "a time period must be at least 1");
            return NULL;
        }
        for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
            if (strcmp(caps[i].unit, p->tok.unit) == 0 &&
                count > caps[i].cap) {
                count = caps[i].cap;
            }
        }
        e = lv_iqp_new_expr(LV_IQ_E_TIME, p->tok.pos, p->tok.end);
        for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
            if (strcmp(ms[i].unit, p->tok.unit) == 0) {
                e->num = count * ms[i].ms;
            }
        }
        memcpy(e->unit, p->tok.unit, sizeof(e->unit));
        e->str = lv_xstrndup(p->s + p->tok.pos,
                             (size_t)(p->tok.end - p->tok.pos));
        e->len = strlen(e->str);
    }
    if (lv_iqp_advance(p) < 0) {
        lv_iqp_expr_free(e);
        return NULL;
    }
    return e;
}

/* name( args ): resolved as an aggregation (lv_iq_agg_find) first, then a
 * function (lv_iq_fn_find). The current token is the '('. */
static struct lv_iq_expr *parse_call(struct lv_iqp *p, struct lv_iqtoken *name)
{
    struct lv_iq_expr *e = lv_iqp_new_expr(LV_IQ_E_CALL, name->pos, name->end);
    const struct lv_iq_agg *agg;
    size_t i;

    lv_iqp_take_text(e, name);
    agg = lv_iq_agg_find(e->str, e->len);
    if (agg) {
        if (p->ctx != LV_IQP_STATS_ITEM) {
            lv_iqp_err_at(p, e->pos,
                          "aggregation function '%s' is valid only in "
                          "a stats command%s",
                          e->str,
                          p->ctx == LV_IQP_STATS_BY ? ", not after by" : "");
            goto fail;
        }
        if (p->in_agg) {
            lv_iqp_err_at(p, e->pos,
                          "aggregation function '%s' cannot be used "
                          "inside another aggregation",
                          e->str);
            goto fail;
        }
        e->agg = agg;
        p->n_aggs++;
        p->in_agg++;
    }
    if (lv_iqp_advance(p) < 0) {
        goto fail;
    }
    if (p->tok.t != LV_IQT_RPAREN) {
        for (;;) {
            struct lv_iq_expr *a = parse_arg(p);

            if (!a) {
                goto fail;
            }
            add_arg(e, a);
            if (p->tok.t == LV_IQT_RPAREN) {
                break;
            }
            if (lv_iqp_expect(p, LV_IQT_COMMA) < 0) {
                goto fail;
            }
        }
    }
    e->end = p->tok.end;
    if (agg) {
        p->in_agg--;
    }
    if (lv_iqp_advance(p) < 0) {
        goto fail;
    }
    for (i = 0; i < e->nargs; i++) {
        if (e->args[i]->k == LV_IQ_E_STAR &&
            (!agg || strcasecmp(e->str, "count") != 0 || e->nargs != 1)) {
            lv_iqp_err_at(p, e->args[i]->pos, "'*' is valid only in count(*)");
            goto fail;
        }
    }
    if (agg) {
        int min, max;

        lv_iq_agg_arity(agg, &min, &max);
        if (check_nargs(p, e, min, max) < 0) {
            goto fail;
        }
        /* pct(field, p): p a number of 0..100 (-Stats). */
        if (e->nargs == 2 && strcasecmp(e->str, "pct") == 0 &&
            (e->args[1]->k != LV_IQ_E_NUM || e->args[1]->num < 0 ||
             e->args[1]->num > 100)) {
            lv_iqp_err_at(p, e->args[1]->pos,
                          "the percentile of pct() must be a "
                          "number from 0 to 100");
            goto fail;
        }
        if (lv_iqp_check_timeseries(p, e) < 0) {    /* r8/iqsub */
            goto fail;
        }
        return e;
    }
    e->fn = lv_iq_fn_find(e->str, e->len);
    if (!e->fn) {
        if (strcasecmp(e->str, "unmask") == 0) {
            lv_iqp_err_at(p, e->pos,
                          "unmask is a command (| unmask(@message)), "
                          "not a function");
        } else {
            lv_iqp_err_at(p, e->pos, "unknown function '%s'", e->str);
        }
        goto fail;
    }
    if (check_nargs(p, e, e->fn->nargs_min, e->fn->nargs_max) < 0) {
        goto fail;
    }
    return e;
fail:
    lv_iqp_expr_free(e);
    return NULL;
}

static struct lv_iq_expr *parse_primary(struct lv_iqp *p)
{
    struct lv_iq_expr *e = NULL;
    int pos = p->tok.pos;

    switch (p->tok.t) {
    case LV_IQT_NUM:
        e = lv_iqp_new_expr(LV_IQ_E_NUM, pos, p->tok.end);
        e->num = p->tok.num;
        break;
    case LV_IQT_STR:
        e = lv_iqp_new_expr(LV_IQ_E_STR, pos, p->tok.end);
        lv_iqp_take_text(e, &p->tok);
        break;
    case LV_IQT_PERIOD:
        lv_iqp_err_at(p, pos,
                      "a time period is valid only as a function's "
                      "argument");
        return NULL;
    case LV_IQT_LPAREN:
        if (lv_iqp_advance(p) < 0) {
            return NULL;
        }
        e = lv_iqp_parse_or(p);
        if (!e) {
            return NULL;
        }
        if (p->tok.t != LV_IQT_RPAREN) {
            lv_iqp_unexpected(p);
            lv_iqp_expr_free(e);
            return NULL;
        }
        /* The parentheses belong to the item's text (its column name). */
        e->pos = pos;
        e->end = p->tok.end;
        break;
    case LV_IQT_IDENT: {
        struct lv_iqtoken name;

        if (lv_iqp_is_reserved(&p->tok)) {
            lv_iqp_unexpected(p);
            return NULL;
        }
        if (lv_iqp_is_kw(p, "true") || lv_iqp_is_kw(p, "false")) {
            e = lv_iqp_new_expr(LV_IQ_E_BOOL, pos, p->tok.end);
            e->num = lv_iqp_is_kw(p, "true");
            break;
        }
        name = p->tok;
        memset(&p->tok, 0, sizeof(p->tok));
        p->prev_end = name.end;
        if (lv_iqp_advance(p) < 0) {
            lv_iqtok_release(&name);
            return NULL;
        }
        if (p->tok.t == LV_IQT_LPAREN && !name.quoted &&
            !strpbrk(name.text, "@.")) {
            e = parse_call(p, &name);
            lv_iqtok_release(&name);
            return e;
        }
        e = lv_iqp_new_expr(LV_IQ_E_FIELD, name.pos, name.end);
        lv_iqp_take_text(e, &name);
        lv_iqtok_release(&name);
        return e;
    }
    default:
        lv_iqp_unexpected(p);
        return NULL;
    }
    if (lv_iqp_advance(p) < 0) {
        lv_iqp_expr_free(e);
        return NULL;
    }
    return e;
}

static struct lv_iq_expr *parse_unary(struct lv_iqp *p);

static struct lv_iq_expr *parse_pow(struct lv_iqp *p)
{
    struct lv_iq_expr *l = parse_primary(p);
    struct lv_iq_expr *r;

    if (!l || p->tok.t != LV_IQT_CARET) {
        return l;
    }
    if (++p->depth > MAX_DEPTH) {
        lv_iqp_err_at(p, p->tok.pos, "expression nested too deeply");
        lv_iqp_expr_free(l);
        return NULL;
    }
    if (lv_iqp_advance(p) < 0 || !(r = parse_unary(p))) {
        lv_iqp_expr_free(l);
        return NULL;
    }
    p->depth--;
    return lv_iqp_binary(LV_IQ_OP_POW, l, r);
}

static struct lv_iq_expr *parse_unary(struct lv_iqp *p)
{
    struct lv_iq_expr *a, *e;
    int pos = p->tok.pos;

    if (p->tok.t != LV_IQT_MINUS) {
        return parse_pow(p);
    }
    if (++p->depth > MAX_DEPTH) {
        lv_iqp_err_at(p, pos, "expression nested too deeply");
        return NULL;
    }
    if (lv_iqp_advance(p) < 0 || !(a = parse_unary(p))) {
        return NULL;
    }
    p->depth--;
    if (a->k == LV_IQ_E_NUM) {     /* -5 is the number -5 */
        a->num = -a->num;
        a->pos = pos;
        return a;
    }
    e = lv_iqp_new_expr(LV_IQ_E_UNARY, pos, a->end);
    e->op = LV_IQ_OP_NEG;
    add_arg(e, a);
    return e;
}

static struct lv_iq_expr *parse_mul(struct lv_iqp *p)
{
    struct lv_iq_expr *l = parse_unary(p);

    while (l && (p->tok.t == LV_IQT_STAR || p->tok.t == LV_IQT_SLASH ||
                 p->tok.t == LV_IQT_PERCENT)) {
        enum lv_iq_op op = p->tok.t == LV_IQT_STAR ? LV_IQ_OP_MUL :
                           p->tok.t == LV_IQT_SLASH ? LV_IQ_OP_DIV :
                           LV_IQ_OP_MOD;
        struct lv_iq_expr *r;

        if (lv_iqp_advance(p) < 0 || !(r = parse_unary(p))) {
            lv_iqp_expr_free(l);
            return NULL;
        }
        l = lv_iqp_binary(op, l, r);
    }
    return l;
}

static struct lv_iq_expr *parse_add(struct lv_iqp *p)
{
    struct lv_iq_expr *l = parse_mul(p);

    while (l && (p->tok.t == LV_IQT_PLUS || p->tok.t == LV_IQT_MINUS)) {
        enum lv_iq_op op = p->tok.t == LV_IQT_PLUS ? LV_IQ_OP_ADD :
                           LV_IQ_OP_SUB;
        struct lv_iq_expr *r;

        if (lv_iqp_advance(p) < 0 || !(r = parse_mul(p))) {
            lv_iqp_expr_free(l);
            return NULL;
        }
        l = lv_iqp_binary(op, l, r);
    }
    return l;
}

static struct lv_iq_expr *parse_cmp(struct lv_iqp *p)
{
    struct lv_iq_expr *l = parse_add(p);
    struct lv_iq_expr *r = NULL;
    enum lv_iq_op op = LV_IQ_OP_NONE;

    if (!l) {
        return NULL;
    }
    switch (p->tok.t) {
    case LV_IQT_EQ: op = LV_IQ_OP_EQ; break;
    case LV_IQT_NE: op = LV_IQ_OP_NE; break;
    case LV_IQT_LT: op = LV_IQ_OP_LT; break;
    case LV_IQT_LE: op = LV_IQ_OP_LE; break;
    case LV_IQT_GT: op = LV_IQ_OP_GT; break;
    case LV_IQT_GE: op = LV_IQ_OP_GE; break;
    case LV_IQT_MATCH: op = LV_IQ_OP_MATCH; break;
    default:
        if (lv_iqp_is_kw(p, "like")) {
            op = LV_IQ_OP_LIKE;
        } else if (lv_iqp_is_kw(p, "in")) {
            op = LV_IQ_OP_IN;
        } else if (lv_iqp_is_kw(p, "not")) {
            if (lv_iqp_advance(p) < 0) {
                goto fail;
            }
            if (lv_iqp_is_kw(p, "like")) {
                op = LV_IQ_OP_NOT_LIKE;
            } else if (lv_iqp_is_kw(p, "in")) {
                op = LV_IQ_OP_NOT_IN;
            } else {
                lv_iqp_unexpected(p);
                goto fail;
            }
        } else {
            return l;
        }
    }
    if (lv_iqp_advance(p) < 0) {
        goto fail;
    }
    switch (op) {
    case LV_IQ_OP_LIKE:
    case LV_IQ_OP_NOT_LIKE:
        /* "enclose the substring … in single or double quotation marks"
         * or use a regular expression (the filter page). */
        if (p->tok.t == LV_IQT_SLASH) {
            r = lv_iqp_parse_regex(p);
        } else if (p->tok.t == LV_IQT_STR) {
            r = parse_primary(p);
        } else {
            lv_iqp_err_at(p, p->tok.pos,
                          "like needs a string or a /regular "
                          "expression/ on its right");
        }
        break;
    case LV_IQ_OP_MATCH:
        if (p->tok.t == LV_IQT_SLASH) {
            r = lv_iqp_parse_regex(p);
        } else {
            lv_iqp_err_at(p, p->tok.pos,
                          "=~ needs a /regular expression/ on its "
                          "right");
        }
        break;
    case LV_IQ_OP_IN:
    case LV_IQ_OP_NOT_IN:
        if (p->tok.t == LV_IQT_LPAREN) {
            r = lv_iqp_parse_in_subquery(p, l);     /* r8/iqsub */
            break;
        }
        r = lv_iqp_parse_list(p);
        break;
    default:
        r = parse_add(p);
        break;
    }
    if (!r) {
        goto fail;
    }
    return lv_iqp_binary(op, l, r);
fail:
    lv_iqp_expr_free(l);
    return NULL;
}

static struct lv_iq_expr *parse_not(struct lv_iqp *p)
{
    struct lv_iq_expr *a, *e;
    int pos = p->tok.pos;

    if (!lv_iqp_is_kw(p, "not") && p->tok.t != LV_IQT_BANG) {
        return parse_cmp(p);
    }
    if (++p->depth > MAX_DEPTH) {
        lv_iqp_err_at(p, pos, "expression nested too deeply");
        return NULL;
    }
    if (lv_iqp_advance(p) < 0 || !(a = parse_not(p))) {
        return NULL;
    }
    p->depth--;
    e = lv_iqp_new_expr(LV_IQ_E_UNARY, pos, a->end);
    e->op = LV_IQ_OP_NOT;
    add_arg(e, a);
    return e;
}

static struct lv_iq_expr *parse_and(struct lv_iqp *p)
{
    struct lv_iq_expr *l = parse_not(p);

    while (l && lv_iqp_is_kw(p, "and")) {
        struct lv_iq_expr *r;

        if (lv_iqp_advance(p) < 0 || !(r = parse_not(p))) {
            lv_iqp_expr_free(l);
            return NULL;
        }
        l = lv_iqp_binary(LV_IQ_OP_AND, l, r);
    }
    return l;
}

struct lv_iq_expr *lv_iqp_parse_or(struct lv_iqp *p)
{
    struct lv_iq_expr *l;
    int pos = p->tok.pos;

    if (++p->depth > MAX_DEPTH) {
        lv_iqp_err_at(p, pos, "expression nested too deeply");
        return NULL;
    }
    l = parse_and(p);
    while (l && lv_iqp_is_kw(p, "or")) {
        struct lv_iq_expr *r;

        if (lv_iqp_advance(p) < 0 || !(r = parse_and(p))) {
            lv_iqp_expr_free(l);
            return NULL;
        }
        l = lv_iqp_binary(LV_IQ_OP_OR, l, r);
    }
    p->depth--;
    return l;
}
