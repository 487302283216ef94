/*
 * parse: Logs Insights QL text → struct lv_iq_query (iq.h), and the
 * planner's accessors of insights.h.
 *
 * The specification is the current CloudWatch Logs Insights syntax pages
 * (CWL_QuerySyntax.md and its command pages, CWL_QuerySyntax-operations-
 * functions.md, -Stats, -Parse, -Source, -FilterIndex, -Unnest, -Dedup,
 * -Diff, -Guidelines, -Where). A recursive descent over the tokens of
 * lex.c; every refusal is a MalformedQueryException whose message ends
 * "at line L and position P" (lines from 1, positions in bytes from 0, as
 * ANTLR — which AWS's parser is — counts them).
 *
 * Messages follow AWS's recorded ones where there are some:
 *  - "unexpected symbol found X" for a token that cannot come there (AWS
 *    answers `… | dedup a | sort b` with "unexpected symbol found sort");
 *  - "mismatched input 'X' expecting {…}" where a command must start (as
 *    boto3 issue #3450 quotes AWS for `count`);
 *  - "Diff compilation Failed : Diff operation has to be used after
 *    Pattern" (AWS's answer to a diff without a pattern before it).
 * The others are ours, each naming what is wrong.
 *
 * Operator precedence. The operations page gives none; we use the
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
 * Where the pages are silent we chose the strict reading (every choice is
 * also where it is made):
 *  - a regex literal only after like, not like and =~; the right side of
 *    like is a string or a regex, of =~ a regex, of in / not in a list of
 *    literals; a period literal (5m) only as a function's argument;
 *  - aggregations only in stats items (possibly inside arithmetic, as the
 *    stats page's `sum(x)/1024/1024`), never nested, never in by; every
 *    stats item holds at least one;
 *  - the commands the pages list that logvault does not run (anomaly,
 *    lookup, join, …) and the forms of SOURCE other than logGroups(…) are
 *    refused by name, as is parse's multi-match mode.
 *
 * Column names of unaliased items: the item's text as AWS's parser gives
 * it (ANTLR's getText: the tokens as written, without blanks or
 * comments), e.g. "count(*)", "avg(latency)", "bin(5m)",
 * "sum(message_length)/1024/1024"; a bare field is named by its name
 * (backticks removed).
 */
#include "insights/insights.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "insights/parse_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* Deepest nesting of expressions (parentheses, operators, calls): a bound
 * on the parser's recursion, far above any real query. */
#define MAX_DEPTH 100
/* The most rows `limit` may ask for (CWL_QuerySyntax-Limit: up to
 * 10,000). */
#define MAX_LIMIT 10000
/* SOURCE: "as many as five prefixes", "as many as 20 account
 * identifiers" (CWL_QuerySyntax-Source). */
#define MAX_PREFIXES 5
#define MAX_ACCOUNTS 20
/* "A query can have a maximum of two stats commands" (-Stats). */
#define MAX_STATS 2

/* Where an expression is parsed: aggregations are valid in stats items
 * only. */
enum ctx { CTX_PLAIN, CTX_STATS_ITEM, CTX_STATS_BY };

struct span {
    int pos, end;
};

struct parser {
    const char *s;
    size_t n;
    struct lv_iqlex lx;
    struct lv_iqtoken tok;      /* the current token */
    struct lv_err *err;
    enum ctx ctx;
    int in_agg;                 /* inside an aggregation's arguments */
    int n_aggs;                 /* aggregations in the current item */
    int depth;
    int prev_end;               /* end of the token before the current */
    struct span *spans;         /* every token read, in order (names) */
    size_t n_spans, cap_spans;
};

/* ---- tokens ------------------------------------------------------------- */

static void push_span(struct parser *p, int pos, int end)
{
    if (p->n_spans == p->cap_spans) {
        p->cap_spans = p->cap_spans ? 2 * p->cap_spans : 64;
        p->spans = lv_xrealloc(p->spans, p->cap_spans * sizeof(*p->spans));
    }
    p->spans[p->n_spans].pos = pos;
    p->spans[p->n_spans].end = end;
    p->n_spans++;
}

static int advance(struct parser *p)
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
static int peek(struct parser *p, struct lv_iqtoken *t)
{
    struct lv_iqlex save = p->lx;
    struct lv_err scratch = LV_ERR_INIT;
    int rc = lv_iqlex_next(&p->lx, t, &scratch);

    p->lx = save;
    return rc;
}

static int is_kw(const struct parser *p, const char *kw)
{
    return p->tok.t == LV_IQT_IDENT && !p->tok.quoted &&
           strcasecmp(p->tok.text, kw) == 0;
}

/* Words that cannot be a bare field name where an operand starts. */
static int is_reserved(const struct lv_iqtoken *t)
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

static int err_at(struct parser *p, int off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int err_at(struct parser *p, int off, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return lv_iq_syntax_err(p->err, p->s, p->n, off, "%s", what);
}

/* The current token as the query writes it, for a message. */
static void tok_shown(const struct parser *p, char *out, size_t cap)
{
    size_t len;

    if (p->tok.t == LV_IQT_EOF) {
        snprintf(out, cap, "<EOF>");
        return;
    }
    len = (size_t)(p->tok.end - p->tok.pos);
    if (len > 40) {
        snprintf(out, cap, "%.40s...", p->s + p->tok.pos);
    } else {
        snprintf(out, cap, "%.*s", (int)len, p->s + p->tok.pos);
    }
}

static int unexpected(struct parser *p)
{
    char t[64];

    tok_shown(p, t, sizeof(t));
    return err_at(p, p->tok.pos, "unexpected symbol found %s", t);
}

static int expect(struct parser *p, enum lv_iqtok t)
{
    if (p->tok.t != t) {
        return unexpected(p);
    }
    return advance(p);
}

static int expect_kw(struct parser *p, const char *kw)
{
    if (!is_kw(p, kw)) {
        return unexpected(p);
    }
    return advance(p);
}

/* ---- expressions: making and freeing ------------------------------------ */

static struct lv_iq_expr *new_expr(enum lv_iq_ek k, int pos, int end)
{
    struct lv_iq_expr *e = lv_xcalloc(1, sizeof(*e));

    e->k = k;
    e->pos = pos;
    e->end = end;
    return e;
}

static void expr_free(struct lv_iq_expr *e)
{
    size_t i;

    if (!e) {
        return;
    }
    for (i = 0; i < e->nargs; i++) {
        expr_free(e->args[i]);
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

static struct lv_iq_expr *binary(enum lv_iq_op op, struct lv_iq_expr *l,
                                 struct lv_iq_expr *r)
{
    struct lv_iq_expr *e = new_expr(LV_IQ_E_BINARY, l->pos, r->end);

    e->op = op;
    add_arg(e, l);
    add_arg(e, r);
    return e;
}

/* The token's text moved into e (str/len). */
static void take_text(struct lv_iq_expr *e, struct lv_iqtoken *t)
{
    e->str = t->text;
    e->len = t->len;
    t->text = NULL;
}

/* Compiles a regex: 0, or -1 with an error naming the offset in the
 * query. PCRE2 with UTF and invalid UTF-8 allowed in the subject (log
 * text is not always UTF-8); JIT when the platform has it. */
static int compile_re(struct parser *p, const char *pat, size_t len,
                      uint32_t opts, int pos, pcre2_code **out)
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
        return err_at(p, pos, "invalid regular expression: %s",
                      (const char *)msg);
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    *out = re;
    return 0;
}

/* ---- expressions: the grammar ------------------------------------------- */

static struct lv_iq_expr *parse_or(struct parser *p);

/* A regex literal at the current token (a '/'), compiled. */
static struct lv_iq_expr *parse_regex(struct parser *p)
{
    struct lv_iqtoken t;
    struct lv_iq_expr *e;

    if (p->tok.t != LV_IQT_SLASH) {
        unexpected(p);
        return NULL;
    }
    if (lv_iqlex_regex(&p->lx, p->tok.pos, &t, p->err) < 0) {
        return NULL;
    }
    p->n_spans--;               /* the '/' becomes the whole literal */
    push_span(p, t.pos, t.end);
    e = new_expr(LV_IQ_E_REGEX, t.pos, t.end);
    take_text(e, &t);
    lv_iqtok_release(&t);
    if (compile_re(p, e->str, e->len, 0, e->pos + 1,
                   (pcre2_code **)&e->re) < 0 || advance(p) < 0) {
        expr_free(e);
        return NULL;
    }
    return e;
}

/* A literal of an `in` list: a number (possibly negative), a string,
 * true or false. */
static struct lv_iq_expr *parse_list_item(struct parser *p)
{
    struct lv_iq_expr *e = NULL;
    int neg = 0, pos = p->tok.pos;

    if (p->tok.t == LV_IQT_MINUS) {
        neg = 1;
        if (advance(p) < 0) {
            return NULL;
        }
    }
    if (p->tok.t == LV_IQT_NUM) {
        e = new_expr(LV_IQ_E_NUM, pos, p->tok.end);
        e->num = neg ? -p->tok.num : p->tok.num;
    } else if (neg) {
        unexpected(p);
        return NULL;
    } else if (p->tok.t == LV_IQT_STR) {
        e = new_expr(LV_IQ_E_STR, pos, p->tok.end);
        take_text(e, &p->tok);
    } else if (is_kw(p, "true") || is_kw(p, "false")) {
        e = new_expr(LV_IQ_E_BOOL, pos, p->tok.end);
        e->num = is_kw(p, "true");
    } else {
        unexpected(p);
        return NULL;
    }
    if (advance(p) < 0) {
        expr_free(e);
        return NULL;
    }
    return e;
}

/* [a, b, …]: the right side of in / not in. */
static struct lv_iq_expr *parse_list(struct parser *p)
{
    struct lv_iq_expr *e;

    if (p->tok.t != LV_IQT_LBRACK) {
        unexpected(p);
        return NULL;
    }
    e = new_expr(LV_IQ_E_LIST, p->tok.pos, p->tok.end);
    if (advance(p) < 0) {
        goto fail;
    }
    for (;;) {
        struct lv_iq_expr *a = parse_list_item(p);

        if (!a) {
            goto fail;
        }
        add_arg(e, a);
        if (p->tok.t == LV_IQT_RBRACK) {
            break;
        }
        if (expect(p, LV_IQT_COMMA) < 0) {
            goto fail;
        }
    }
    e->end = p->tok.end;
    if (advance(p) < 0) {
        goto fail;
    }
    return e;
fail:
    expr_free(e);
    return NULL;
}

/* Argument counts of the aggregations (CWL_QuerySyntax-Stats, "Functions
 * to use with stats"): struct lv_iq_agg is stats.c's own, so the parser
 * keeps what it checks here. count() and count(*) count events,
 * count(field) the events that have the field; pct(field, p). */
struct agg_arity {
    const char *name;
    int min, max;
};
static const struct agg_arity agg_arities[] = {
    { "avg", 1, 1 }, { "count", 0, 1 }, { "count_distinct", 1, 1 },
    { "max", 1, 1 }, { "min", 1, 1 }, { "pct", 2, 2 },
    { "stddev", 1, 1 }, { "sum", 1, 1 }, { "earliest", 1, 1 },
    { "latest", 1, 1 }, { "sortsFirst", 1, 1 }, { "sortsLast", 1, 1 },
};

static const struct agg_arity *agg_arity(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(agg_arities) / sizeof(agg_arities[0]); i++) {
        if (strcasecmp(agg_arities[i].name, name) == 0) {
            return &agg_arities[i];
        }
    }
    return NULL;
}

static int check_nargs(struct parser *p, const struct lv_iq_expr *e,
                       int min, int max)
{
    if ((int)e->nargs < min || (max >= 0 && (int)e->nargs > max)) {
        if (min == max) {
            return err_at(p, e->pos, "function '%s' takes %d argument%s, "
                          "not %zu", e->str, min, min == 1 ? "" : "s",
                          e->nargs);
        }
        if (max < 0) {
            return err_at(p, e->pos, "function '%s' takes at least %d "
                          "argument%s, not %zu", e->str, min,
                          min == 1 ? "" : "s", e->nargs);
        }
        return err_at(p, e->pos, "function '%s' takes %d to %d arguments, "
                      "not %zu", e->str, min, max, e->nargs);
    }
    return 0;
}

/* An argument of a call: `*` (count only, checked by the caller), a
 * period literal standing alone, or an expression. */
static struct lv_iq_expr *parse_arg(struct parser *p)
{
    struct lv_iqtoken next;
    struct lv_iq_expr *e = NULL;
    int alone;

    if (p->tok.t != LV_IQT_STAR && p->tok.t != LV_IQT_PERIOD) {
        return parse_or(p);
    }
    if (peek(p, &next) < 0) {
        lv_iqtok_release(&next);
        return parse_or(p);
    }
    alone = next.t == LV_IQT_COMMA || next.t == LV_IQT_RPAREN;
    lv_iqtok_release(&next);
    if (!alone) {
        return parse_or(p);
    }
    if (p->tok.t == LV_IQT_STAR) {
        e = new_expr(LV_IQ_E_STAR, p->tok.pos, p->tok.end);
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
            err_at(p, p->tok.pos, "a time period must be at least 1");
            return NULL;
        }
        for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
            if (strcmp(caps[i].unit, p->tok.unit) == 0 &&
                count > caps[i].cap) {
                count = caps[i].cap;
            }
        }
        e = new_expr(LV_IQ_E_TIME, p->tok.pos, p->tok.end);
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
    if (advance(p) < 0) {
        expr_free(e);
        return NULL;
    }
    return e;
}

/* name( args ): resolved as an aggregation (lv_iq_agg_find) first, then a
 * function (lv_iq_fn_find). The current token is the '('. */
static struct lv_iq_expr *parse_call(struct parser *p, struct lv_iqtoken *name)
{
    struct lv_iq_expr *e = new_expr(LV_IQ_E_CALL, name->pos, name->end);
    const struct lv_iq_agg *agg;
    size_t i;

    take_text(e, name);
    agg = lv_iq_agg_find(e->str, e->len);
    if (agg) {
        if (p->ctx != CTX_STATS_ITEM) {
            err_at(p, e->pos, "aggregation function '%s' is valid only in "
                   "a stats command%s", e->str,
                   p->ctx == CTX_STATS_BY ? ", not after by" : "");
            goto fail;
        }
        if (p->in_agg) {
            err_at(p, e->pos, "aggregation function '%s' cannot be used "
                   "inside another aggregation", e->str);
            goto fail;
        }
        e->agg = agg;
        p->n_aggs++;
        p->in_agg++;
    }
    if (advance(p) < 0) {
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
            if (expect(p, LV_IQT_COMMA) < 0) {
                goto fail;
            }
        }
    }
    e->end = p->tok.end;
    if (agg) {
        p->in_agg--;
    }
    if (advance(p) < 0) {
        goto fail;
    }
    for (i = 0; i < e->nargs; i++) {
        if (e->args[i]->k == LV_IQ_E_STAR &&
            (!agg || strcasecmp(e->str, "count") != 0 || e->nargs != 1)) {
            err_at(p, e->args[i]->pos, "'*' is valid only in count(*)");
            goto fail;
        }
    }
    if (agg) {
        const struct agg_arity *ar = agg_arity(e->str);

        if (ar && check_nargs(p, e, ar->min, ar->max) < 0) {
            goto fail;
        }
        if (ar && strcasecmp(ar->name, "pct") == 0 &&
            (e->args[1]->k != LV_IQ_E_NUM || e->args[1]->num < 0 ||
             e->args[1]->num > 100)) {
            err_at(p, e->args[1]->pos, "the percentile of pct() must be a "
                   "number from 0 to 100");
            goto fail;
        }
        return e;
    }
    e->fn = lv_iq_fn_find(e->str, e->len);
    if (!e->fn) {
        if (strcasecmp(e->str, "unmask") == 0) {
            err_at(p, e->pos, "unmask needs a data protection policy, "
                   "which logvault does not support");
        } else {
            err_at(p, e->pos, "unknown function '%s'", e->str);
        }
        goto fail;
    }
    if (check_nargs(p, e, e->fn->nargs_min, e->fn->nargs_max) < 0) {
        goto fail;
    }
    return e;
fail:
    expr_free(e);
    return NULL;
}

static struct lv_iq_expr *parse_primary(struct parser *p)
{
    struct lv_iq_expr *e = NULL;
    int pos = p->tok.pos;

    switch (p->tok.t) {
    case LV_IQT_NUM:
        e = new_expr(LV_IQ_E_NUM, pos, p->tok.end);
        e->num = p->tok.num;
        break;
    case LV_IQT_STR:
        e = new_expr(LV_IQ_E_STR, pos, p->tok.end);
        take_text(e, &p->tok);
        break;
    case LV_IQT_PERIOD:
        err_at(p, pos, "a time period is valid only as a function's "
               "argument");
        return NULL;
    case LV_IQT_LPAREN:
        if (advance(p) < 0) {
            return NULL;
        }
        e = parse_or(p);
        if (!e) {
            return NULL;
        }
        if (p->tok.t != LV_IQT_RPAREN) {
            unexpected(p);
            expr_free(e);
            return NULL;
        }
        /* The parentheses belong to the item's text (its column name). */
        e->pos = pos;
        e->end = p->tok.end;
        break;
    case LV_IQT_IDENT: {
        struct lv_iqtoken name;

        if (is_reserved(&p->tok)) {
            unexpected(p);
            return NULL;
        }
        if (is_kw(p, "true") || is_kw(p, "false")) {
            e = new_expr(LV_IQ_E_BOOL, pos, p->tok.end);
            e->num = is_kw(p, "true");
            break;
        }
        name = p->tok;
        memset(&p->tok, 0, sizeof(p->tok));
        if (advance(p) < 0) {
            lv_iqtok_release(&name);
            return NULL;
        }
        if (p->tok.t == LV_IQT_LPAREN && !name.quoted &&
            !strpbrk(name.text, "@.")) {
            e = parse_call(p, &name);
            lv_iqtok_release(&name);
            return e;
        }
        e = new_expr(LV_IQ_E_FIELD, name.pos, name.end);
        take_text(e, &name);
        lv_iqtok_release(&name);
        return e;
    }
    default:
        unexpected(p);
        return NULL;
    }
    if (advance(p) < 0) {
        expr_free(e);
        return NULL;
    }
    return e;
}

static struct lv_iq_expr *parse_unary(struct parser *p);

static struct lv_iq_expr *parse_pow(struct parser *p)
{
    struct lv_iq_expr *l = parse_primary(p);
    struct lv_iq_expr *r;

    if (!l || p->tok.t != LV_IQT_CARET) {
        return l;
    }
    if (advance(p) < 0 || !(r = parse_unary(p))) {
        expr_free(l);
        return NULL;
    }
    return binary(LV_IQ_OP_POW, l, r);
}

static struct lv_iq_expr *parse_unary(struct parser *p)
{
    struct lv_iq_expr *a, *e;
    int pos = p->tok.pos;

    if (p->tok.t != LV_IQT_MINUS) {
        return parse_pow(p);
    }
    if (++p->depth > MAX_DEPTH) {
        err_at(p, pos, "expression nested too deeply");
        return NULL;
    }
    if (advance(p) < 0 || !(a = parse_unary(p))) {
        return NULL;
    }
    p->depth--;
    if (a->k == LV_IQ_E_NUM) {     /* -5 is the number -5 */
        a->num = -a->num;
        a->pos = pos;
        return a;
    }
    e = new_expr(LV_IQ_E_UNARY, pos, a->end);
    e->op = LV_IQ_OP_NEG;
    add_arg(e, a);
    return e;
}

static struct lv_iq_expr *parse_mul(struct parser *p)
{
    struct lv_iq_expr *l = parse_unary(p);

    while (l && (p->tok.t == LV_IQT_STAR || p->tok.t == LV_IQT_SLASH ||
                 p->tok.t == LV_IQT_PERCENT)) {
        enum lv_iq_op op = p->tok.t == LV_IQT_STAR ? LV_IQ_OP_MUL :
                           p->tok.t == LV_IQT_SLASH ? LV_IQ_OP_DIV :
                           LV_IQ_OP_MOD;
        struct lv_iq_expr *r;

        if (advance(p) < 0 || !(r = parse_unary(p))) {
            expr_free(l);
            return NULL;
        }
        l = binary(op, l, r);
    }
    return l;
}

static struct lv_iq_expr *parse_add(struct parser *p)
{
    struct lv_iq_expr *l = parse_mul(p);

    while (l && (p->tok.t == LV_IQT_PLUS || p->tok.t == LV_IQT_MINUS)) {
        enum lv_iq_op op = p->tok.t == LV_IQT_PLUS ? LV_IQ_OP_ADD :
                           LV_IQ_OP_SUB;
        struct lv_iq_expr *r;

        if (advance(p) < 0 || !(r = parse_mul(p))) {
            expr_free(l);
            return NULL;
        }
        l = binary(op, l, r);
    }
    return l;
}

static struct lv_iq_expr *parse_cmp(struct parser *p)
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
        if (is_kw(p, "like")) {
            op = LV_IQ_OP_LIKE;
        } else if (is_kw(p, "in")) {
            op = LV_IQ_OP_IN;
        } else if (is_kw(p, "not")) {
            if (advance(p) < 0) {
                goto fail;
            }
            if (is_kw(p, "like")) {
                op = LV_IQ_OP_NOT_LIKE;
            } else if (is_kw(p, "in")) {
                op = LV_IQ_OP_NOT_IN;
            } else {
                unexpected(p);
                goto fail;
            }
        } else {
            return l;
        }
    }
    if (advance(p) < 0) {
        goto fail;
    }
    switch (op) {
    case LV_IQ_OP_LIKE:
    case LV_IQ_OP_NOT_LIKE:
        /* "enclose the substring … in single or double quotation marks"
         * or use a regular expression (the filter page). */
        if (p->tok.t == LV_IQT_SLASH) {
            r = parse_regex(p);
        } else if (p->tok.t == LV_IQT_STR) {
            r = parse_primary(p);
        } else {
            err_at(p, p->tok.pos, "like needs a string or a /regular "
                   "expression/ on its right");
        }
        break;
    case LV_IQ_OP_MATCH:
        if (p->tok.t == LV_IQT_SLASH) {
            r = parse_regex(p);
        } else {
            err_at(p, p->tok.pos, "=~ needs a /regular expression/ on its "
                   "right");
        }
        break;
    case LV_IQ_OP_IN:
    case LV_IQ_OP_NOT_IN:
        r = parse_list(p);
        break;
    default:
        r = parse_add(p);
        break;
    }
    if (!r) {
        goto fail;
    }
    return binary(op, l, r);
fail:
    expr_free(l);
    return NULL;
}

static struct lv_iq_expr *parse_not(struct parser *p)
{
    struct lv_iq_expr *a, *e;
    int pos = p->tok.pos;

    if (!is_kw(p, "not") && p->tok.t != LV_IQT_BANG) {
        return parse_cmp(p);
    }
    if (++p->depth > MAX_DEPTH) {
        err_at(p, pos, "expression nested too deeply");
        return NULL;
    }
    if (advance(p) < 0 || !(a = parse_not(p))) {
        return NULL;
    }
    p->depth--;
    e = new_expr(LV_IQ_E_UNARY, pos, a->end);
    e->op = LV_IQ_OP_NOT;
    add_arg(e, a);
    return e;
}

static struct lv_iq_expr *parse_and(struct parser *p)
{
    struct lv_iq_expr *l = parse_not(p);

    while (l && is_kw(p, "and")) {
        struct lv_iq_expr *r;

        if (advance(p) < 0 || !(r = parse_not(p))) {
            expr_free(l);
            return NULL;
        }
        l = binary(LV_IQ_OP_AND, l, r);
    }
    return l;
}

static struct lv_iq_expr *parse_or(struct parser *p)
{
    struct lv_iq_expr *l;
    int pos = p->tok.pos;

    if (++p->depth > MAX_DEPTH) {
        err_at(p, pos, "expression nested too deeply");
        return NULL;
    }
    l = parse_and(p);
    while (l && is_kw(p, "or")) {
        struct lv_iq_expr *r;

        if (advance(p) < 0 || !(r = parse_and(p))) {
            expr_free(l);
            return NULL;
        }
        l = binary(LV_IQ_OP_OR, l, r);
    }
    p->depth--;
    return l;
}

/* ---- names and items ---------------------------------------------------- */

/* The column name of an unaliased item: a field's name, else the tokens
 * of [pos, end) as written, without what lies between them. */
static char *item_name(const struct parser *p, const struct lv_iq_expr *e)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t lo = 0, hi = p->n_spans, i;

    if (e->k == LV_IQ_E_FIELD) {
        return lv_xstrndup(e->str, e->len);
    }
    while (lo < hi) {           /* the first span at or after e->pos */
        size_t mid = lo + (hi - lo) / 2;

        if (p->spans[mid].pos < e->pos) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (i = lo; i < p->n_spans && p->spans[i].end <= e->end; i++) {
        lv_buf_add(&b, p->s + p->spans[i].pos,
                   (size_t)(p->spans[i].end - p->spans[i].pos));
    }
    return lv_buf_detach(&b, NULL);
}

static void items_free(struct lv_iq_item *it, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        expr_free(it[i].e);
        free(it[i].name);
    }
    free(it);
}

static void add_item(struct lv_iq_item **items, size_t *n,
                     struct lv_iq_expr *e, char *name, int aliased)
{
    *items = lv_xrealloc(*items, (*n + 1) * sizeof(**items));
    memset(&(*items)[*n], 0, sizeof(**items));
    (*items)[*n].e = e;
    (*items)[*n].name = name;
    (*items)[*n].aliased = aliased;
    (*n)++;
}

/* A name after `as` (or `into`): heap copy in *out. */
static int parse_alias(struct parser *p, char **out)
{
    if (p->tok.t != LV_IQT_IDENT || is_reserved(&p->tok)) {
        return unexpected(p);
    }
    *out = p->tok.text;
    p->tok.text = NULL;
    return advance(p);
}

/* What a list of items may have. */
enum item_kind { IK_FIELDS, IK_DISPLAY, IK_SORT, IK_STATS, IK_BY };

/* item (, item)*: an expression, then `as alias` (fields, stats, by) or
 * asc / desc (sort). */
static int parse_items(struct parser *p, enum item_kind kind,
                       struct lv_iq_item **items, size_t *n)
{
    for (;;) {
        struct lv_iq_expr *e;
        char *alias = NULL;
        int desc = 0;

        p->ctx = kind == IK_STATS ? CTX_STATS_ITEM :
                 kind == IK_BY ? CTX_STATS_BY : CTX_PLAIN;
        p->n_aggs = 0;
        e = parse_or(p);
        p->ctx = CTX_PLAIN;
        if (!e) {
            return -1;
        }
        if (kind == IK_STATS && p->n_aggs == 0) {
            err_at(p, e->pos, "each item of stats needs an aggregation "
                   "function");
            expr_free(e);
            return -1;
        }
        if ((kind == IK_FIELDS || kind == IK_STATS || kind == IK_BY) &&
            is_kw(p, "as")) {
            if (advance(p) < 0 || parse_alias(p, &alias) < 0) {
                expr_free(e);
                return -1;
            }
        } else if (kind == IK_SORT && (is_kw(p, "asc") || is_kw(p, "desc"))) {
            desc = is_kw(p, "desc");
            if (advance(p) < 0) {
                expr_free(e);
                return -1;
            }
        }
        add_item(items, n, e, alias ? alias : item_name(p, e), alias != NULL);
        (*items)[*n - 1].desc = desc;
        if (p->tok.t != LV_IQT_COMMA) {
            return 0;
        }
        if (advance(p) < 0) {
            return -1;
        }
    }
}

/* ---- commands ----------------------------------------------------------- */

static void cmd_release(struct lv_iq_cmd *c)
{
    size_t i;

    expr_free(c->expr);
    items_free(c->items, c->n_items);
    items_free(c->by, c->n_by);
    free(c->parse.pattern);
    if (c->parse.re) {
        pcre2_code_free(c->parse.re);
    }
    for (i = 0; i < c->parse.n_aliases; i++) {
        free(c->parse.aliases[i]);
    }
    free(c->parse.aliases);
    free(c->parse.opts);
    free(c->diff_period);
    free(c->str);
}

/* A field reference only (parse's source, dedup, pattern, unnest …). */
static struct lv_iq_expr *parse_field(struct parser *p)
{
    struct lv_iq_expr *e;

    if (p->tok.t != LV_IQT_IDENT || is_reserved(&p->tok)) {
        unexpected(p);
        return NULL;
    }
    e = new_expr(LV_IQ_E_FIELD, p->tok.pos, p->tok.end);
    take_text(e, &p->tok);
    if (advance(p) < 0) {
        expr_free(e);
        return NULL;
    }
    if (p->tok.t == LV_IQT_LPAREN || p->tok.t == LV_IQT_LBRACK) {
        unexpected(p);
        expr_free(e);
        return NULL;
    }
    return e;
}

static struct lv_iq_expr *field_named(const char *name, int pos)
{
    struct lv_iq_expr *e = new_expr(LV_IQ_E_FIELD, pos, pos);

    e->str = lv_xstrdup(name);
    e->len = strlen(name);
    return e;
}

static void spec_add_alias(struct lv_iq_parse_spec *sp, char *name)
{
    sp->aliases = lv_xrealloc(sp->aliases,
                              (sp->n_aliases + 1) * sizeof(*sp->aliases));
    sp->aliases[sp->n_aliases++] = name;
}

/* `as a, b, …` into the spec's aliases. */
static int parse_aliases(struct parser *p, struct lv_iq_parse_spec *sp)
{
    if (expect_kw(p, "as") < 0) {
        return -1;
    }
    for (;;) {
        char *a;

        if (parse_alias(p, &a) < 0) {
            return -1;
        }
        spec_add_alias(sp, a);
        if (p->tok.t != LV_IQT_COMMA) {
            return 0;
        }
        if (advance(p) < 0) {
            return -1;
        }
    }
}

/* The glob of parse as a PCRE2 pattern: the text literal, each `*` a
 * capture — lazy, but the last greedy so that it takes the rest of the
 * field (the parse page's "[*] * The error was: *" gives exception =
 * "DataIntegrityException", the whole tail). Unanchored: the glob may
 * match anywhere in the field. `.` crosses newlines (DOTALL at compile). */
static char *glob_regex(const char *g, size_t n, size_t *stars)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t i, seen = 0;

    *stars = 0;
    for (i = 0; i < n; i++) {
        *stars += g[i] == '*';
    }
    for (i = 0; i < n; i++) {
        if (g[i] == '*') {
            lv_buf_adds(&b, ++seen == *stars ? "(.*)" : "(.*?)");
        } else if (strchr("\\^$.|?+()[]{}", g[i]) && g[i] != '\0') {
            lv_buf_addc(&b, '\\');
            lv_buf_addc(&b, g[i]);
        } else if (g[i] == '\0') {
            lv_buf_adds(&b, "\\x{0}");
        } else {
            lv_buf_addc(&b, g[i]);
        }
    }
    return lv_buf_detach(&b, NULL);
}

/* parse [field] ("glob" as a, … | /regex/ [as a, …] | logfmt as m |
 * csv as a, …) — CWL_QuerySyntax-Parse. The field defaults to @message. */
static int parse_parse(struct parser *p, struct lv_iq_cmd *c)
{
    struct lv_iq_parse_spec *sp = &c->parse;
    struct lv_iqtoken next;
    int mode_word = 0;
    uint32_t ngroups = 0;

    if (p->tok.t == LV_IQT_IDENT &&
        (is_kw(p, "logfmt") || is_kw(p, "csv"))) {
        /* `parse logfmt as m`: the mode, unless a pattern follows (then
         * logfmt is the field). */
        if (peek(p, &next) == 0 && next.t == LV_IQT_IDENT &&
            !next.quoted && strcasecmp(next.text, "as") == 0) {
            mode_word = 1;
        }
        lv_iqtok_release(&next);
    }
    if (p->tok.t == LV_IQT_STR || p->tok.t == LV_IQT_SLASH || mode_word) {
        c->expr = field_named("@message", p->tok.pos);
    } else if (!(c->expr = parse_field(p))) {
        return -1;
    }
    if (p->tok.t == LV_IQT_STR) {
        size_t stars;
        char *rx;
        int rc;

        sp->mode = LV_IQ_PARSE_GLOB;
        sp->pattern = p->tok.text;
        sp->pattern_len = p->tok.len;
        p->tok.text = NULL;
        rx = glob_regex(sp->pattern, sp->pattern_len, &stars);
        rc = compile_re(p, rx, strlen(rx), PCRE2_DOTALL, p->tok.pos,
                        (pcre2_code **)&sp->re);
        free(rx);
        if (rc < 0) {
            return -1;
        }
        if (stars == 0) {
            return err_at(p, p->tok.pos, "the pattern of parse has no '*'");
        }
        if (advance(p) < 0 || parse_aliases(p, sp) < 0) {
            return -1;
        }
        if (sp->n_aliases != stars) {
            return err_at(p, c->pos, "parse: the pattern has %zu '*' but "
                          "%zu alias%s are given", stars, sp->n_aliases,
                          sp->n_aliases == 1 ? "" : "es");
        }
        return 0;
    }
    if (p->tok.t == LV_IQT_SLASH) {
        struct lv_iq_expr *re = parse_regex(p);
        uint32_t namecount = 0, entry = 0, i;
        PCRE2_SPTR table = NULL;

        if (!re) {
            return -1;
        }
        sp->mode = LV_IQ_PARSE_REGEX;
        sp->pattern = re->str;
        sp->pattern_len = re->len;
        sp->re = re->re;
        re->str = NULL;
        re->re = NULL;
        expr_free(re);
        pcre2_pattern_info(sp->re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
        if (is_kw(p, "as")) {
            if (parse_aliases(p, sp) < 0) {
                return -1;
            }
            if (sp->n_aliases != ngroups) {
                return err_at(p, c->pos, "parse: the regular expression "
                              "has %u capture group%s but %zu alias%s are "
                              "given", ngroups, ngroups == 1 ? "" : "s",
                              sp->n_aliases,
                              sp->n_aliases == 1 ? "" : "es");
            }
        } else {
            /* Group i+1 → aliases[i]: its name, NULL when unnamed. */
            sp->aliases = lv_xcalloc(ngroups ? ngroups : 1,
                                     sizeof(*sp->aliases));
            sp->n_aliases = ngroups;
            pcre2_pattern_info(sp->re, PCRE2_INFO_NAMECOUNT, &namecount);
            pcre2_pattern_info(sp->re, PCRE2_INFO_NAMEENTRYSIZE, &entry);
            pcre2_pattern_info(sp->re, PCRE2_INFO_NAMETABLE, &table);
            for (i = 0; i < namecount; i++) {
                PCRE2_SPTR ent = table + (size_t)i * entry;
                unsigned g = ((unsigned)ent[0] << 8) | ent[1];

                if (g >= 1 && g <= ngroups && !sp->aliases[g - 1]) {
                    sp->aliases[g - 1] = lv_xstrdup((const char *)ent + 2);
                }
            }
            if (namecount == 0) {
                return err_at(p, c->pos, "parse: the regular expression "
                              "has no named capture group (?<name>…) and "
                              "no aliases");
            }
        }
        if (is_kw(p, "multi")) {
            return err_at(p, p->tok.pos, "parse: multi-match mode is not "
                          "supported by logvault");
        }
        return 0;
    }
    if (is_kw(p, "logfmt") || is_kw(p, "csv")) {
        sp->mode = is_kw(p, "logfmt") ? LV_IQ_PARSE_LOGFMT :
                   LV_IQ_PARSE_CSV;
        if (advance(p) < 0 || parse_aliases(p, sp) < 0) {
            return -1;
        }
        if (sp->mode == LV_IQ_PARSE_LOGFMT && sp->n_aliases != 1) {
            return err_at(p, c->pos, "parse logfmt takes one alias, the "
                          "map of its keys");
        }
        return 0;
    }
    return unexpected(p);
}

/* SOURCE logGroups(namePrefix: […], class: …, accountIdentifiers: […]). */
static int parse_str_list(struct parser *p, char ***out, size_t *n,
                          size_t max, const char *what)
{
    int pos = p->tok.pos;

    if (p->tok.t == LV_IQT_STR) {       /* a lone string: a list of one */
        *out = lv_xcalloc(1, sizeof(**out));
        (*out)[0] = p->tok.text;
        p->tok.text = NULL;
        *n = 1;
        return advance(p);
    }
    if (expect(p, LV_IQT_LBRACK) < 0) {
        return -1;
    }
    while (p->tok.t != LV_IQT_RBRACK) {
        if (p->tok.t != LV_IQT_STR) {
            return unexpected(p);
        }
        *out = lv_xrealloc(*out, (*n + 1) * sizeof(**out));
        (*out)[(*n)++] = p->tok.text;
        p->tok.text = NULL;
        if (advance(p) < 0) {
            return -1;
        }
        if (p->tok.t == LV_IQT_COMMA) {
            if (advance(p) < 0) {
                return -1;
            }
            if (p->tok.t == LV_IQT_RBRACK) {
                return unexpected(p);
            }
        } else if (p->tok.t != LV_IQT_RBRACK) {
            return unexpected(p);
        }
    }
    if (*n > max) {
        return err_at(p, pos, "SOURCE: at most %zu %s", max, what);
    }
    return advance(p);
}

static void source_release(struct lv_iq_source *src)
{
    size_t i;

    for (i = 0; i < src->n_prefixes; i++) {
        free(src->name_prefixes[i]);
    }
    free(src->name_prefixes);
    for (i = 0; i < src->n_accounts; i++) {
        free(src->accounts[i]);
    }
    free(src->accounts);
    free(src->log_group_class);
    memset(src, 0, sizeof(*src));
}

static int parse_source(struct parser *p, struct lv_iq_query *q)
{
    struct lv_iq_source *src = &q->source;
    int seen_prefix = 0, seen_class = 0, seen_accounts = 0;

    q->has_source = 1;
    if (!is_kw(p, "logGroups")) {
        if (p->tok.t == LV_IQT_IDENT) {
            return err_at(p, p->tok.pos, "SOURCE %s(…) is not supported by "
                          "logvault; use SOURCE logGroups(…)", p->tok.text);
        }
        return unexpected(p);
    }
    if (advance(p) < 0 || expect(p, LV_IQT_LPAREN) < 0) {
        return -1;
    }
    while (p->tok.t != LV_IQT_RPAREN) {
        int pos = p->tok.pos;

        if (is_kw(p, "namePrefix") && !seen_prefix) {
            seen_prefix = 1;
            if (advance(p) < 0 || expect(p, LV_IQT_COLON) < 0 ||
                parse_str_list(p, &src->name_prefixes, &src->n_prefixes,
                               MAX_PREFIXES, "name prefixes") < 0) {
                return -1;
            }
        } else if (is_kw(p, "accountIdentifiers") && !seen_accounts) {
            seen_accounts = 1;
            if (advance(p) < 0 || expect(p, LV_IQT_COLON) < 0 ||
                parse_str_list(p, &src->accounts, &src->n_accounts,
                               MAX_ACCOUNTS, "account identifiers") < 0) {
                return -1;
            }
        } else if ((is_kw(p, "class") || is_kw(p, "logGroupClass")) &&
                   !seen_class) {
            /* The page names the keyword logGroupClass in its prose and
             * class in its examples; both are taken. */
            char **cls = NULL;
            size_t n_cls = 0, i;
            int bad = 0;

            seen_class = 1;
            if (advance(p) < 0 || expect(p, LV_IQT_COLON) < 0 ||
                parse_str_list(p, &cls, &n_cls, 1, "log group class") < 0) {
                for (i = 0; i < n_cls; i++) {
                    free(cls[i]);
                }
                free(cls);
                return -1;
            }
            for (i = 0; i < n_cls; i++) {
                bad |= strcmp(cls[i], "STANDARD") != 0 &&
                       strcmp(cls[i], "INFREQUENT_ACCESS") != 0 &&
                       strcmp(cls[i], "DELIVERY") != 0;
            }
            if (n_cls == 1 && !bad) {
                src->log_group_class = cls[0];
                cls[0] = NULL;
            }
            for (i = 0; i < n_cls; i++) {
                free(cls[i]);
            }
            free(cls);
            if (!src->log_group_class) {
                return err_at(p, pos, "SOURCE: class must be one of "
                              "STANDARD, INFREQUENT_ACCESS, DELIVERY");
            }
        } else {
            return unexpected(p);
        }
        if (p->tok.t == LV_IQT_COMMA) {
            if (advance(p) < 0) {
                return -1;
            }
        } else if (p->tok.t != LV_IQT_RPAREN) {
            return unexpected(p);
        }
    }
    if (!src->log_group_class) {
        /* "If you omit this, the default of Standard log class is used." */
        src->log_group_class = lv_xstrdup("STANDARD");
    }
    return advance(p);
}

/* The commands we run, by the names that start them (case-insensitive,
 * as AWS takes FIELDS and STATS). */
static const struct {
    const char *name;
    enum lv_iq_ck k;
} commands[] = {
    { "display", LV_IQ_C_DISPLAY }, { "fields", LV_IQ_C_FIELDS },
    { "filter", LV_IQ_C_FILTER }, { "where", LV_IQ_C_FILTER },
    { "filterIndex", LV_IQ_C_FILTER_INDEX }, { "pattern", LV_IQ_C_PATTERN },
    { "diff", LV_IQ_C_DIFF }, { "parse", LV_IQ_C_PARSE },
    { "sort", LV_IQ_C_SORT }, { "stats", LV_IQ_C_STATS },
    { "limit", LV_IQ_C_LIMIT }, { "dedup", LV_IQ_C_DEDUP },
    { "unmask", LV_IQ_C_UNMASK }, { "unnest", LV_IQ_C_UNNEST },
};

/* Commands on the syntax pages that logvault does not run. */
static const char *const other_commands[] = {
    "addtotals", "anomaly", "relevantfields", "expand", "lookup", "join",
    "subqueries", "autoregress", "logcompare", "filldown", "fillmissing",
    "cidrlookup", "outlier", "accum", "appendcols", "sessionize",
    "countFrequent", "json",
};

static const char *const diff_periods[] = {
    "previousDay", "previousWeek", "previousMonth",
};

/* What the query has seen so far, for the rules between commands. */
struct flow {
    int n_stats;
    int sort_or_limit;          /* a sort or limit before (stats rule) */
    int dedup;                  /* a dedup before: only limit may follow */
    int pattern;                /* a pattern before (diff needs one) */
    char **defined;             /* after the first stats: the names its
                                 * output and later commands define */
    size_t n_defined;
    int in_second;              /* after the first stats */
};

static void define(struct flow *f, const char *name)
{
    if (!f->in_second) {
        return;
    }
    f->defined = lv_xrealloc(f->defined,
                             (f->n_defined + 1) * sizeof(*f->defined));
    f->defined[f->n_defined++] = lv_xstrdup(name);
}

static int is_defined(const struct flow *f, const char *name)
{
    size_t i;

    for (i = 0; i < f->n_defined; i++) {
        size_t l = strlen(f->defined[i]);

        /* A map alias (parse logfmt as m) defines m.key too. */
        if (strcmp(f->defined[i], name) == 0 ||
            (strncmp(f->defined[i], name, l) == 0 && name[l] == '.')) {
            return 1;
        }
    }
    return 0;
}

/* The second stats may refer only to what the first defined (-Stats,
 * "Notes and limitations"); bin() reads @timestamp implicitly. */
static int check_second_stats(struct parser *p, const struct flow *f,
                              const struct lv_iq_expr *e)
{
    size_t i;

    if (e->k == LV_IQ_E_FIELD && !is_defined(f, e->str)) {
        return err_at(p, e->pos, "the second stats command can use only "
                      "fields the first one defines, not '%s'", e->str);
    }
    if (e->k == LV_IQ_E_CALL && e->fn && strcasecmp(e->str, "bin") == 0 &&
        !is_defined(f, "@timestamp")) {
        return err_at(p, e->pos, "bin() in the second stats command needs "
                      "@timestamp from the first one");
    }
    for (i = 0; i < e->nargs; i++) {
        if (check_second_stats(p, f, e->args[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_stats(struct parser *p, struct lv_iq_cmd *c,
                       struct flow *f)
{
    size_t i;

    if (++f->n_stats > MAX_STATS) {
        return err_at(p, c->pos, "a query can have at most two stats "
                      "commands");
    }
    if (f->n_stats == 2 && f->sort_or_limit) {
        return err_at(p, c->pos, "sort and limit must come after the "
                      "second stats command");
    }
    if (parse_items(p, IK_STATS, &c->items, &c->n_items) < 0) {
        return -1;
    }
    if (is_kw(p, "by")) {
        if (advance(p) < 0 ||
            parse_items(p, IK_BY, &c->by, &c->n_by) < 0) {
            return -1;
        }
    }
    if (f->n_stats == 2) {
        for (i = 0; i < c->n_items; i++) {
            if (check_second_stats(p, f, c->items[i].e) < 0) {
                return -1;
            }
        }
        for (i = 0; i < c->n_by; i++) {
            if (check_second_stats(p, f, c->by[i].e) < 0) {
                return -1;
            }
        }
        return 0;
    }
    f->in_second = 1;
    for (i = 0; i < c->n_by; i++) {
        define(f, c->by[i].name);
    }
    for (i = 0; i < c->n_items; i++) {
        define(f, c->items[i].name);
    }
    return 0;
}

/* One command; the current token starts it. */
static int parse_cmd(struct parser *p, struct lv_iq_cmd *c, struct flow *f)
{
    char t[64];
    size_t i;
    int k = -1;

    c->pos = p->tok.pos;
    if (p->tok.t == LV_IQT_IDENT && !p->tok.quoted) {
        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            if (strcasecmp(p->tok.text, commands[i].name) == 0) {
                k = (int)commands[i].k;
            }
        }
        for (i = 0; k < 0 && i < sizeof(other_commands) /
                                 sizeof(other_commands[0]); i++) {
            if (strcasecmp(p->tok.text, other_commands[i]) == 0) {
                return err_at(p, p->tok.pos, "the %s command is not "
                              "supported by logvault", other_commands[i]);
            }
        }
        if (k < 0 && strcasecmp(p->tok.text, "SOURCE") == 0) {
            return err_at(p, p->tok.pos, "SOURCE must be the first command "
                          "of the query");
        }
    }
    if (k < 0) {
        tok_shown(p, t, sizeof(t));
        return err_at(p, p->tok.pos, "mismatched input '%s' expecting "
                      "{dedup, diff, display, fields, filter, filterIndex, "
                      "limit, parse, pattern, sort, stats, unmask, unnest, "
                      "where}", t);
    }
    if (f->dedup && k != LV_IQ_C_LIMIT) {
        /* "The only query command that you can use after dedup is
         * limit" (-Dedup); AWS's answer to `dedup a | sort b`. */
        return unexpected(p);
    }
    c->k = (enum lv_iq_ck)k;
    if (advance(p) < 0) {
        return -1;
    }
    switch (c->k) {
    case LV_IQ_C_FIELDS:
    case LV_IQ_C_DISPLAY:
        if (parse_items(p, c->k == LV_IQ_C_FIELDS ? IK_FIELDS : IK_DISPLAY,
                        &c->items, &c->n_items) < 0) {
            return -1;
        }
        for (i = 0; c->k == LV_IQ_C_FIELDS && i < c->n_items; i++) {
            define(f, c->items[i].name);
        }
        return 0;
    case LV_IQ_C_FILTER:
        c->expr = parse_or(p);
        return c->expr ? 0 : -1;
    case LV_IQ_C_STATS:
        return parse_stats(p, c, f);
    case LV_IQ_C_SORT:
        f->sort_or_limit = 1;
        return parse_items(p, IK_SORT, &c->items, &c->n_items);
    case LV_IQ_C_LIMIT:
        f->sort_or_limit = 1;
        if (is_kw(p, "any") && advance(p) < 0) {
            /* `limit any N` (CWL_QuerySyntax.md): any N results, which
             * the plain limit's N are. */
            return -1;
        }
        if (p->tok.t != LV_IQT_NUM) {
            return unexpected(p);
        }
        if (p->tok.num != (double)(int64_t)p->tok.num || p->tok.num < 1 ||
            p->tok.num > MAX_LIMIT) {
            return err_at(p, p->tok.pos, "limit must be an integer from 1 "
                          "to %d", MAX_LIMIT);
        }
        c->n = (int64_t)p->tok.num;
        return advance(p);
    case LV_IQ_C_PARSE:
        if (parse_parse(p, c) < 0) {
            return -1;
        }
        for (i = 0; i < c->parse.n_aliases; i++) {
            if (c->parse.aliases[i]) {
                define(f, c->parse.aliases[i]);
            }
        }
        return 0;
    case LV_IQ_C_DEDUP:
        f->dedup = 1;
        for (;;) {
            struct lv_iq_expr *e = parse_field(p);

            if (!e) {
                return -1;
            }
            add_item(&c->items, &c->n_items, e, lv_xstrdup(e->str), 0);
            if (p->tok.t != LV_IQT_COMMA) {
                return 0;
            }
            if (advance(p) < 0) {
                return -1;
            }
        }
    case LV_IQ_C_PATTERN:
        f->pattern = 1;
        c->expr = parse_field(p);
        return c->expr ? 0 : -1;
    case LV_IQ_C_DIFF:
        if (!f->pattern) {
            return err_at(p, c->pos, "Diff compilation Failed : Diff "
                          "operation has to be used after Pattern");
        }
        /* diff, diff previousDay | previousWeek | previousMonth (-Diff);
         * kept as the page spells them. */
        for (i = 0; i < sizeof(diff_periods) / sizeof(diff_periods[0]);
             i++) {
            if (is_kw(p, diff_periods[i])) {
                c->diff_period = lv_xstrdup(diff_periods[i]);
                return advance(p);
            }
        }
        c->diff_period = lv_xstrdup("previousPeriod");
        return 0;
    case LV_IQ_C_UNMASK:
        /* unmask, unmask @message, unmask(@message): parsed; exec refuses
         * it until logvault has data protection. */
        if (p->tok.t == LV_IQT_LPAREN) {
            if (advance(p) < 0 || !(c->expr = parse_field(p))) {
                return -1;
            }
            return expect(p, LV_IQT_RPAREN);
        }
        if (p->tok.t == LV_IQT_IDENT) {
            c->expr = parse_field(p);
            return c->expr ? 0 : -1;
        }
        c->expr = field_named("@message", c->pos);
        return 0;
    case LV_IQ_C_FILTER_INDEX: {
        /* filterIndex field = value | field in [values] (-FilterIndex). */
        struct lv_iq_expr *l = parse_field(p), *r = NULL;
        enum lv_iq_op op;

        if (!l) {
            return -1;
        }
        if (p->tok.t == LV_IQT_EQ) {
            op = LV_IQ_OP_EQ;
            if (advance(p) == 0) {
                r = parse_list_item(p);
            }
        } else if (is_kw(p, "in")) {
            op = LV_IQ_OP_IN;
            if (advance(p) == 0) {
                r = parse_list(p);
            }
        } else {
            unexpected(p);
            expr_free(l);
            return -1;
        }
        if (!r) {
            expr_free(l);
            return -1;
        }
        c->expr = binary(op, l, r);
        return 0;
    }
    case LV_IQ_C_UNNEST: {
        /* unnest field into name (-Unnest). */
        struct lv_iq_expr *e = parse_field(p);
        char *alias = NULL;

        if (!e) {
            return -1;
        }
        add_item(&c->items, &c->n_items, e, NULL, 1);
        if (expect_kw(p, "into") < 0 || parse_alias(p, &alias) < 0) {
            return -1;
        }
        c->items[0].name = alias;
        define(f, alias);
        return 0;
    }
    case LV_IQ_C_OTHER:
        break;
    }
    return unexpected(p);
}

/* ---- required literals --------------------------------------------------- */

/* The literal a regex must match, when it is nothing else: its text with
 * escapes of punctuation removed; NULL when it has any operator or class
 * (or starts with an option such as (?i)). */
static char *regex_literal(const char *re, size_t n)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)re[i];

        if (c == '\\') {
            unsigned char d = i + 1 < n ? (unsigned char)re[i + 1] : 0;

            if (!d || (d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') ||
                (d >= 'A' && d <= 'Z') || d >= 0x80) {
                goto none;
            }
            lv_buf_addc(&b, (char)d);
            i++;
        } else if (strchr(".^$|?*+()[]{}", c) && c) {
            goto none;
        } else {
            lv_buf_addc(&b, (char)c);
        }
    }
    if (b.len == 0) {
        goto none;
    }
    return lv_buf_detach(&b, NULL);
none:
    lv_buf_release(&b);
    return NULL;
}

static void add_required(struct lv_iq_query *q, char *lit, size_t len)
{
    q->req = lv_xrealloc(q->req, (q->n_req + 1) * sizeof(*q->req));
    q->req_len = lv_xrealloc(q->req_len,
                             (q->n_req + 1) * sizeof(*q->req_len));
    q->req[q->n_req] = lit;
    q->req_len[q->n_req] = len;
    q->n_req++;
}

/* The literals @message must contain for e to hold: through `and`, from
 * `@message like "text"`, `@message like /literal/` and `@message =~
 * /literal/`. */
static void collect_required(struct lv_iq_query *q, const struct lv_iq_expr *e)
{
    const struct lv_iq_expr *l, *r;
    char *lit;

    if (e->k != LV_IQ_E_BINARY) {
        return;
    }
    if (e->op == LV_IQ_OP_AND) {
        collect_required(q, e->args[0]);
        collect_required(q, e->args[1]);
        return;
    }
    if (e->op != LV_IQ_OP_LIKE && e->op != LV_IQ_OP_MATCH) {
        return;
    }
    l = e->args[0];
    r = e->args[1];
    if (l->k != LV_IQ_E_FIELD || strcmp(l->str, "@message") != 0) {
        return;
    }
    if (r->k == LV_IQ_E_STR && r->len > 0) {
        add_required(q, lv_xstrndup(r->str, r->len), r->len);
    } else if (r->k == LV_IQ_E_REGEX && (lit = regex_literal(r->str,
                                                           r->len))) {
        add_required(q, lit, strlen(lit));
    }
}

/* ---- the query ----------------------------------------------------------- */

void lv_iq_query_free(struct lv_iq_query *q)
{
    size_t i;

    if (!q) {
        return;
    }
    for (i = 0; i < q->n_cmds; i++) {
        cmd_release(&q->cmds[i]);
    }
    free(q->cmds);
    source_release(&q->source);
    for (i = 0; i < q->n_req; i++) {
        free(q->req[i]);
    }
    free(q->req);
    free(q->req_len);
    free(q->text);
    free(q);
}

int lv_iq_parse(const char *text, size_t len, struct lv_iq_query **out,
                struct lv_err *err)
{
    struct parser p;
    struct flow f;
    struct lv_iq_query *q = lv_xcalloc(1, sizeof(*q));
    size_t i;
    int ret = -1;

    memset(&p, 0, sizeof(p));
    memset(&f, 0, sizeof(f));
    q->text = lv_xstrndup(text, len);
    q->len = len;
    p.s = q->text;
    p.n = len;
    p.err = err;
    lv_iqlex_init(&p.lx, p.s, p.n);
    if (advance(&p) < 0) {
        goto out;
    }
    if (is_kw(&p, "SOURCE")) {
        if (advance(&p) < 0 || parse_source(&p, q) < 0) {
            goto out;
        }
        if (p.tok.t == LV_IQT_EOF) {
            ret = 0;
            goto out;
        }
        if (expect(&p, LV_IQT_PIPE) < 0) {
            goto out;
        }
    }
    for (;;) {
        struct lv_iq_cmd *c;

        q->cmds = lv_xrealloc(q->cmds, (q->n_cmds + 1) * sizeof(*q->cmds));
        c = &q->cmds[q->n_cmds++];
        memset(c, 0, sizeof(*c));
        if (parse_cmd(&p, c, &f) < 0) {
            goto out;
        }
        c->end = p.prev_end > c->pos ? p.prev_end : c->pos;
        if (p.tok.t == LV_IQT_EOF) {
            break;
        }
        if (p.tok.t != LV_IQT_PIPE) {
            unexpected(&p);
            goto out;
        }
        if (advance(&p) < 0) {
            goto out;
        }
    }
    for (i = 0; i < q->n_cmds && q->cmds[i].k == LV_IQ_C_FILTER; i++) {
        collect_required(q, q->cmds[i].expr);
    }
    ret = 0;
out:
    lv_iqtok_release(&p.tok);
    free(p.spans);
    for (i = 0; i < f.n_defined; i++) {
        free(f.defined[i]);
    }
    free(f.defined);
    if (ret < 0) {
        lv_iq_query_free(q);
    } else {
        *out = q;
    }
    return ret;
}

const struct lv_iq_source *lv_iq_query_source(const struct lv_iq_query *q)
{
    return q->has_source ? &q->source : NULL;
}

int lv_iq_query_wants_previous(const struct lv_iq_query *q)
{
    size_t i;

    for (i = 0; i < q->n_cmds; i++) {
        if (q->cmds[i].k == LV_IQ_C_DIFF) {
            return 1;
        }
    }
    return 0;
}

size_t lv_iq_query_required(const struct lv_iq_query *q,
                            const char *const **lits, const size_t **lens)
{
    *lits = (const char *const *)q->req;
    *lens = q->req_len;
    return q->n_req;
}
