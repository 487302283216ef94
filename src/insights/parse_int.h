/*
 * parse_int: what lex.c, parse_expr.c and parse.c share — the tokens of
 * Logs Insights QL, the lexer that makes them, and the parser's state and
 * expression grammar (parse_expr.c) that the commands (parse.c) use.
 * Private to those three files.
 *
 * The lexer works on demand: the parser asks for the next token, and for a
 * regex literal (/…/) only where an operand may start, since `/` is also
 * division (lv_iqlex_regex). Comments (`#` to the end of the line) and
 * blanks are skipped between tokens. Every token records its byte offsets
 * [pos, end) in the query text; lv_iqlex_where turns an offset into the
 * "line L and position P" of error messages.
 */
#ifndef LV_INSIGHTS_PARSE_INT_H
#define LV_INSIGHTS_PARSE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "insights/iq.h"

struct lv_err;

enum lv_iqtok {
    LV_IQT_EOF = 0,
    LV_IQT_IDENT,       /* a name: field, keyword or function; text is the
                         * name without backticks (`a-b` → a-b) */
    LV_IQT_NUM,         /* num */
    LV_IQT_PERIOD,      /* 5m, 1h, 30sec …: num (count), unit */
    LV_IQT_STR,         /* '…' or "…": text unescaped */
    LV_IQT_REGEX,       /* /…/ (only from lv_iqlex_regex): text between */
    LV_IQT_PIPE, LV_IQT_COMMA, LV_IQT_LPAREN, LV_IQT_RPAREN,
    LV_IQT_LBRACK, LV_IQT_RBRACK, LV_IQT_COLON,
    LV_IQT_EQ, LV_IQT_NE, LV_IQT_LT, LV_IQT_LE, LV_IQT_GT, LV_IQT_GE,
    LV_IQT_MATCH,       /* =~ */
    LV_IQT_PLUS, LV_IQT_MINUS, LV_IQT_STAR, LV_IQT_SLASH, LV_IQT_PERCENT,
    LV_IQT_CARET, LV_IQT_BANG,
};

struct lv_iqtoken {
    enum lv_iqtok t;
    int pos, end;               /* byte offsets in the text */
    int quoted;                 /* IDENT: had a backtick part */
    double num;                 /* NUM, PERIOD (the count) */
    char unit[4];               /* PERIOD: ms s m h d w mo q y */
    char *text;                 /* IDENT, STR, REGEX: heap, NUL-ended */
    size_t len;
};

struct lv_iqlex {
    const char *s;
    size_t n;
    size_t at;                  /* next byte to read */
};

void lv_iqlex_init(struct lv_iqlex *lx, const char *s, size_t n);

/* The next token into *tok (its text is the caller's, lv_iqtok_release):
 * 0, or -1 with a MalformedQueryException in *err (an unterminated string,
 * a character that starts no token, a number with a bad unit). */
int lv_iqlex_next(struct lv_iqlex *lx, struct lv_iqtoken *tok,
                  struct lv_err *err);

/* A regex literal starting at byte `pos` (a '/'): the token, and the lexer
 * moved past it. 0, or -1 with *err (no closing slash). */
int lv_iqlex_regex(struct lv_iqlex *lx, int pos, struct lv_iqtoken *tok,
                   struct lv_err *err);

void lv_iqtok_release(struct lv_iqtoken *tok);

/* Line (from 1) and position in that line (bytes from 0, as ANTLR counts
 * charPositionInLine) of byte offset `off` of s. */
void lv_iqlex_where(const char *s, size_t n, int off, int *line, int *col);

/* The bytes s[pos..end) as a message shows them: at most 40 (then "..."),
 * control characters and NUL as '?'. out has cap ≥ 48 bytes. */
void lv_iqlex_shown(const char *s, int pos, int end, char *out, size_t cap);

/* MalformedQueryException "<what> at line L and position P" for offset
 * off of the text; returns -1. */
int lv_iq_syntax_err(struct lv_err *err, const char *s, size_t n, int off,
                     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- the parser (parse_expr.c, parse.c) ---------------------------------- */

/* Where an expression is parsed: aggregations are valid in stats items
 * only. */
enum lv_iqp_ctx { LV_IQP_PLAIN, LV_IQP_STATS_ITEM, LV_IQP_STATS_BY };

struct lv_iqp_span {
    int pos, end;
};

struct lv_iqp {
    const char *s;
    size_t n;
    struct lv_iqlex lx;
    struct lv_iqtoken tok;      /* the current token */
    struct lv_err *err;
    enum lv_iqp_ctx ctx;
    int in_agg;                 /* inside an aggregation's arguments */
    struct lv_iq_query *root;   /* r8/iqsub: the query sub-queries join */
    int in_sub;                 /* r8/iqsub: parsing a sub-query */
    int in_filter;              /* r8/iqsub: a filter's expression */
    int n_aggs;                 /* aggregations in the current item */
    int depth;
    int prev_end;               /* end of the token before the current */
    struct lv_iqp_span *spans;  /* every token read, in order (names) */
    size_t n_spans, cap_spans;
};

/* Moves to the next token (recording its span): 0, or -1 with *err. */
int lv_iqp_advance(struct lv_iqp *p);
/* The token after the current one, without moving; t is the caller's to
 * release. -1: it does not lex (the error comes again when reached). */
int lv_iqp_peek(struct lv_iqp *p, struct lv_iqtoken *t);
/* Whether the current token is the keyword kw (case-insensitive, not
 * backticked). */
int lv_iqp_is_kw(const struct lv_iqp *p, const char *kw);
/* Words that cannot be a bare field name where an operand starts. */
int lv_iqp_is_reserved(const struct lv_iqtoken *t);
/* MalformedQueryException "<what> at line L and position P"; -1. */
int lv_iqp_err_at(struct lv_iqp *p, int off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The current token as the query writes it (at most 40 bytes, then
 * "..."), or "<EOF>", for a message. */
void lv_iqp_tok_shown(const struct lv_iqp *p, char *out, size_t cap);
/* "unexpected symbol found X" at the current token; -1. */
int lv_iqp_unexpected(struct lv_iqp *p);
/* The current token must be t (or the keyword kw): moves past it. */
int lv_iqp_expect(struct lv_iqp *p, enum lv_iqtok t);
int lv_iqp_expect_kw(struct lv_iqp *p, const char *kw);

struct lv_iq_expr *lv_iqp_new_expr(enum lv_iq_ek k, int pos, int end);
void lv_iqp_expr_free(struct lv_iq_expr *e);
struct lv_iq_expr *lv_iqp_binary(enum lv_iq_op op, struct lv_iq_expr *l,
                                 struct lv_iq_expr *r);
/* Moves the token's text into e->str/len. */
void lv_iqp_take_text(struct lv_iq_expr *e, struct lv_iqtoken *t);

/* Compiles pat[0..len) with PCRE2 (UTF, invalid UTF-8 allowed in
 * subjects, JIT when available) and extra options opts: 0 and *out, or -1
 * with an error at offset pos of the query. */
int lv_iqp_compile_re(struct lv_iqp *p, const char *pat, size_t len,
                      uint32_t opts, int pos, void **out);

/* The grammar. Each returns a new tree (lv_iqp_expr_free) positioned
 * after it, or NULL with *p->err set. */
struct lv_iq_expr *lv_iqp_parse_or(struct lv_iqp *p);      /* any */
struct lv_iq_expr *lv_iqp_parse_regex(struct lv_iqp *p);   /* /…/ */
struct lv_iq_expr *lv_iqp_parse_list(struct lv_iqp *p);    /* [ … ] */
/* A literal of a list: a number (possibly negative), a string, true or
 * false. */
struct lv_iq_expr *lv_iqp_parse_list_item(struct lv_iqp *p);

/* parse.c's pieces of commands, for parse_rowcmd.c: a field reference
 * alone (no call, no index); a name after `as` (heap, *out); an item
 * appended to a list (e and name taken); a FIELD expression of name. */
struct lv_iq_expr *lv_iqp_parse_field(struct lv_iqp *p);
int lv_iqp_parse_alias(struct lv_iqp *p, char **out);
void lv_iqp_add_item(struct lv_iq_item **items, size_t *n,
                     struct lv_iq_expr *e, char *name, int aliased);
struct lv_iq_expr *lv_iqp_field_named(const char *name, int pos);

/* parse_rowcmd.c: the rest of a command whose name was read (c->k, pos
 * set), as iq.h describes its fields: accum / autoregress / filldown,
 * addtotals, sessionize, and fillmissing (q: the commands so far, the
 * last being c, to find the stats before it). 0, or -1 with *p->err. */
int lv_iqp_parse_running(struct lv_iqp *p, struct lv_iq_cmd *c);
int lv_iqp_parse_addtotals(struct lv_iqp *p, struct lv_iq_cmd *c);
int lv_iqp_parse_sessionize(struct lv_iqp *p, struct lv_iq_cmd *c);
int lv_iqp_parse_fillmissing(struct lv_iqp *p, struct lv_iq_cmd *c,
                             const struct lv_iq_query *q);
/* r8/lookup — cmd_lookup.c: the rest of a lookup command (table, match
 * fields, OUTPUT fields). 0, or -1 with *p->err. */
int lv_iqp_parse_lookup(struct lv_iqp *p, struct lv_iq_cmd *c);

/* parse_ml.c (r8/iqml): the rest of outlier, relevantfields, logcompare
 * and anomaly, as iq.h describes their fields. 0, or -1 with *p->err. */
int lv_iqp_parse_ml(struct lv_iqp *p, struct lv_iq_cmd *c);

/* ---- sub-queries, time series (r8/iqsub) --------------------------------- */

/* fn_timeseries.c: rate(field, period) and histogram(field, buckets)
 * take a period literal and an integer constant: 0, or -1 with p->err.
 * Other calls: 0. */
int lv_iqp_check_timeseries(struct lv_iqp *p, const struct lv_iq_expr *e);
/* fn_timeseries.c: `offset <period>` at the end of stats c (the
 * n_stats-th of q, whose commands so far end with c): 0, or -1. */
int lv_iqp_parse_offset(struct lv_iqp *p, struct lv_iq_cmd *c, int n_stats,
                        const struct lv_iq_query *q);

/* parse.c: commands up to the end of the text, or (in_sub) up to the
 * closing parenthesis of a sub-query, into q. 0, or -1 with p->err. */
int lv_iqp_parse_pipeline(struct lv_iqp *p, struct lv_iq_query *q);
void lv_iqp_subcmd_release(struct lv_iq_subcmd *sc);
/* parse_sub.c: a ( SOURCE group | … ) at the current token, added to
 * p->root->subs with the given key field (copied; NULL: none) and row
 * limit: 0 and *idx, or -1. */
int lv_iqp_parse_subquery(struct lv_iqp *p, const char *key, size_t limit,
                          size_t *idx);
/* parse_sub.c: the arguments of join / appendcols, after the name. */
int lv_iqp_parse_join(struct lv_iqp *p, struct lv_iq_cmd *c);
int lv_iqp_parse_appendcols(struct lv_iqp *p, struct lv_iq_cmd *c);
/* parse_sub.c: the ( subquery ) right of `l in` (l: the field looked up),
 * as an LV_IQ_E_SUBQ expression; NULL with p->err. */
struct lv_iq_expr *lv_iqp_parse_in_subquery(struct lv_iqp *p,
                                            const struct lv_iq_expr *l);

#endif
