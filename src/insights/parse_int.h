/*
 * parse_int: what lex.c and parse.c share — the tokens of Logs Insights QL
 * and the lexer that makes them. Private to those two files.
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

/* MalformedQueryException "<what> at line L and position P" for offset
 * off of the text; returns -1. */
int lv_iq_syntax_err(struct lv_err *err, const char *s, size_t n, int off,
                     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
